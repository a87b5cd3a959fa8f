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
        rule = Rule(f"project onto {structure.name} matrices", structure.projection_identity,
                    "the gradient in the set's tangent space (18.063 notes)")
        record.add(rule, G, out, target, relation=PROJECTED, key=True)
    return out
