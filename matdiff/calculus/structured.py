"""Gradients with respect to structured variables: the gradient lives in the
set X belongs to, with the Frobenius inner product, so it is the orthogonal
projection of the unconstrained gradient G onto that set's tangent space.
"""
from __future__ import annotations

from fractions import Fraction

from ..nodes import Add, Mul, Node, Number, Symbol, Transpose
from ..ops import call
from ..simplify import simplify
from ..simplify.rules import is_symmetric

HALF = Number(Fraction(1, 2))


def structure_of(var: Symbol) -> str | None:
    props = var.properties
    if props & {"symmetric", "spd"}:
        return "symmetric"
    for p in ("diagonal", "orthogonal"):
        if p in props:
            return p
    return None


def _transposes(node: Node) -> int:
    return sum(1 for n in node.walk() if isinstance(n, Transpose))


def project_gradient(G: Node, var: Symbol) -> Node:
    """sym(G) for symmetric/spd X, the diagonal part for diagonal X, and the
    Riemannian gradient X skew(Xᵀ G) = (G - X Gᵀ X)/2 for orthogonal X."""
    kind = structure_of(var)
    if kind == "symmetric":
        if is_symmetric(G):
            return G
        Gt = simplify(Transpose(G))
        pair = (G, Gt) if _transposes(G) <= _transposes(Gt) else (Gt, G)  # read A + Aᵀ, not Aᵀ + A
        return simplify(Mul((HALF, Add(pair))))
    if kind == "diagonal":
        return simplify(call("diag", call("diag", G)))
    if kind == "orthogonal":
        return simplify(Mul((HALF, Add((G, Mul((Number(Fraction(-1)), var, Transpose(G), var)))))))
    return G
