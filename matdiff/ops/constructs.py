"""Constructs: names that build structural nodes rather than calls — inv(A)
is A⁻¹, kron(A, B) is A ⊗ B, vector(c) and matrix(c) are filled with c, their
sizes inferred. They are records like the functions (the parser and --help
treat all names alike); each builds its node.
"""
from __future__ import annotations

from typing import Sequence

from ..nodes import Commutation, Filled, Identity, Inverse, Kron, Node
from . import signatures as sig
from .forms import no_sympy_form
from .registry import Function, register


def _kron_shape(alg: sig.SizeAlgebra, name: str, shapes: Sequence[tuple]) -> tuple:
    (r1, c1), (r2, c2) = shapes
    return (alg.product(r1, r2), alg.product(c1, c2))


def _filled_shape(alg: sig.SizeAlgebra, name: str, shapes: Sequence[tuple]) -> tuple:
    r, c = shapes[0]
    if not (alg.is_one(r) and alg.is_one(c)):
        alg.fail(f"{name}(c) needs a scalar c, not {alg.describe(0)}")
    return (alg.fresh(), alg.one) if name == "vector" else (alg.fresh(), alg.fresh())


def _commutation_shape(alg: sig.SizeAlgebra, name: str, shapes: Sequence[tuple]) -> tuple:
    """A construct of sizes gets its sizes as one tuple: (m, n) gives mn×mn."""
    mn = alg.product(*shapes[0])
    return (mn, mn)


def _kron(args: tuple[Node, ...], shape: tuple) -> Node:
    a, b = args
    return Kron((a.factors if isinstance(a, Kron) else (a,)) + (b,))


register(Function(
    name="inv", arity=1, shape_rule=sig.square_to_square, summary="inverse (also A^-1, A⁻¹)", family="construct",
    identity="d(X⁻¹) = −X⁻¹ dX X⁻¹", source="Cookbook (40)", build=lambda args, shape: Inverse(args[0])))
KRONECKER = "kron"  # the construct the operator ⊗ applies
register(Function(
    name=KRONECKER, arity=2, shape_rule=_kron_shape, summary="Kronecker product (also A ⊗ B)", family="construct",
    identity="d(A ⊗ B) = dA ⊗ B + A ⊗ dB", source="Cookbook (39)", build=_kron))
register(Function(
    name="vector", arity=1, shape_rule=_filled_shape, optional_sizes=1,
    summary="vector(c): the vector filled with c, its size inferred (vector(c, n): of size n)",
    family="construct", source="constant", build=lambda args, shape: Filled(args[0], shape)))
register(Function(
    name="matrix", arity=1, shape_rule=_filled_shape, optional_sizes=2,
    summary="matrix(c): the matrix filled with c, its size inferred (matrix(c, m, n): m×n)",
    family="construct", source="constant", build=lambda args, shape: Filled(args[0], shape)))
register(Function(
    name="commutation", arity=2, shape_rule=_commutation_shape, family="construct", source="linear",
    summary="commutation(m, n): the mn×mn matrix K with K vec(A) = vec(Aᵀ) for an m×n A",
    identity="K(m,n) vec(A) = vec(Aᵀ)", build_of_sizes=lambda sizes: Commutation(*sizes),
    sympy=no_sympy_form))
EYE = "eye"  # also a name of the identity, its size inferred, when no '(' follows
register(Function(
    name=EYE, arity=1, shape_rule=lambda alg, name, shapes: (shapes[0][0], shapes[0][0]), family="construct",
    summary="eye(n): the n×n identity (I and eye alone take their size from the expression)", source="constant",
    build_of_sizes=lambda sizes: Identity(sizes[0])))
