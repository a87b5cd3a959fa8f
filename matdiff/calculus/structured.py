"""Gradients with respect to structured variables: the gradient lives in the
set X belongs to, with the Frobenius inner product, so it is the orthogonal
projection of the unconstrained gradient G onto that set's tangent space — the
projection its structure record gives (matdiff/structures.py).
"""
from __future__ import annotations

from ..facts import is_symmetric
from ..nodes import Node, Symbol
from ..simplify import simplify
from ..structures import governing

def project_gradient(G: Node, var: Symbol) -> Node:
    """G projected onto the tangent space of var's declared set (sym(G) for
    symmetric X, the diagonal part for diagonal X, the Riemannian gradient
    X skew(Xᵀ G) for orthogonal X); G itself for an unconstrained X."""
    structure = governing(var)
    if structure is None or structure.project is None:
        return G
    return simplify(structure.project(G, var, simplify, is_symmetric))
