"""Gradients with respect to structured variables: the gradient lives in the
set X belongs to, with the Frobenius inner product, so it is the orthogonal
projection of the unconstrained gradient G onto that set's tangent space — the
projection its structure record gives (matdiff/structures.py).
"""
from __future__ import annotations

from ..facts import is_symmetric
from ..nodes import Node, Symbol
from ..identities import Rule
from ..simplify import simplify
from .steps import GRADIENT, PROJECTED, StepLog, Target
from ..structures import governing

def project_gradient(G: Node, var: Symbol, record: StepLog | None = None, target: Target = GRADIENT) -> Node:
    """G projected onto the tangent space of var's declared set (sym(G) for
    symmetric X, the diagonal part for diagonal X, the Riemannian gradient
    X skew(Xᵀ G) for orthogonal X); G itself for an unconstrained X."""
    structure = governing(var)
    if structure is None or structure.project is None:
        return G
    out = simplify(structure.project(G, var, simplify, is_symmetric))
    if record is not None and out != G:
        where = f"the tangent space at {var.name}" if structure.orthogonal else f"the {structure.name} matrices"
        rule = Rule(f"project onto {where}", structure.projection_identity, "18.063 notes: constrained gradients")
        record.add(rule, G, out, target, relation=PROJECTED, key=True)
    return out


def is_projected(var: Symbol) -> bool:
    """Whether var's gradient is a projection of the unconstrained one."""
    structure = governing(var)
    return structure is not None and structure.project is not None
