"""Jacobians in vec form: the matrix J with vec(df) = J vec(dX), column-major,
numerator layout, built node by node from vec(A D B) = (Bᵀ ⊗ A) vec(D),
vec(C ∘ D) = diag(vec C) vec(D) and vec(Dᵀ) = K vec(D).
"""
from __future__ import annotations

from fractions import Fraction

from ..errors import DerivativeError
from ..nodes import (
    Add, Call, Commutation, Differential, Filled, Hadamard, Identity, Kron, Mul, Node, Number,
    Symbol, Transpose, Zero,
)
from ..ops import call, function
from ..shapes import ONE
from ..simplify import simplify
from .adjoint import HoldsDifferential, only_holder


def _size(node: Node):
    return node.shape[0] * node.shape[1]


def _mul(*items: Node) -> Node:
    return items[0] if len(items) == 1 else Mul(items)


def jacobian_of_differential(df: Node, var: Symbol) -> Node:
    """J with vec(df) = J vec(dX)."""
    holds = HoldsDifferential()
    J = _vjac(df, holds)
    if J is None:
        return Zero((_size(df), _size(var)))
    return simplify(J)


def kron_vec_permutation(A: Node, B: Node) -> Node:
    """P with vec(A ⊗ B) = P (vec A ⊗ vec B): I_n ⊗ K(q,m) ⊗ I_p for A m×n, B p×q
    (Magnus & Neudecker, Matrix Differential Calculus, Thm 3.10)."""
    (m, n), (p, q) = A.shape, B.shape
    return Kron((Identity(n), Commutation(q, m), Identity(p)))


def _through_kron(node: Kron, holds: HoldsDifferential) -> Node:
    """(L ⊗ D) ⊗ R: vec(L ⊗ D) = P (vec L ⊗ I) vec D, vec(X ⊗ R) = P (I ⊗ vec R) vec X."""
    i = only_holder(node.factors, holds)
    D = node.factors[i]
    J = _vjac(D, holds)
    assert J is not None
    left, right = node.factors[:i], node.factors[i + 1:]
    X = D
    if left:
        L = left[0] if len(left) == 1 else Kron(left)
        J = Mul((kron_vec_permutation(L, X), Kron((call("vec", L), Identity(_size(X)))), J))
        X = Kron(left + (D,))
    if right:
        R = right[0] if len(right) == 1 else Kron(right)
        J = Mul((kron_vec_permutation(X, R), Kron((Identity(_size(X)), call("vec", R))), J))
    return J


def _vjac(node: Node, holds: HoldsDifferential) -> Node | None:
    if not holds(node):
        return None
    if isinstance(node, Differential):
        return Identity(_size(node))
    if isinstance(node, Add):
        parts = [p for p in (_vjac(t, holds) for t in node.terms) if p is not None]
        return parts[0] if len(parts) == 1 else Add(tuple(parts))
    if isinstance(node, Mul):
        i = only_holder(node.factors, holds)
        D = node.factors[i]
        inner = _vjac(D, holds)
        assert inner is not None
        others = node.factors[:i] + node.factors[i + 1:]
        scalars = tuple(f for f in others if f.is_scalar)
        chain = [f for f in node.factors if not f.is_scalar]
        if D.is_scalar:
            if chain:  # vec(d · M) = vec(M) d
                return _mul(*scalars, call("vec", _mul(*chain)), inner)
            return _mul(*scalars, inner)
        j = next(k for k, f in enumerate(chain) if f is D)
        left = _mul(*chain[:j]) if j > 0 else Identity(D.shape[0])
        right = Transpose(_mul(*chain[j + 1:])) if j + 1 < len(chain) else Identity(D.shape[1])
        return _mul(*scalars, Kron((right, left)), inner)  # vec(L D R) = (Rᵀ ⊗ L) vec D
    if isinstance(node, Hadamard):
        i = only_holder(node.factors, holds)
        D = node.factors[i]
        inner = _vjac(D, holds)
        assert inner is not None
        others = node.factors[:i] + node.factors[i + 1:]
        C = others[0] if len(others) == 1 else Hadamard(others)
        if D.is_scalar and not node.is_scalar:
            return Mul((call("vec", C), inner))
        if node.is_scalar:
            return Mul((C, inner))
        return Mul((call("diag", call("vec", C)), inner))
    if isinstance(node, Transpose):
        inner = _vjac(node.arg, holds)
        m, n = node.arg.shape
        return Mul((Commutation(m, n), inner))  # type: ignore[arg-type]
    if isinstance(node, Filled):
        inner = _vjac(node.value, holds)
        return Mul((Filled(Number(Fraction(1)), (_size(node), ONE)), inner))  # type: ignore[arg-type]
    if isinstance(node, Call):
        i = only_holder(node.args, holds)
        fn = function(node.name)
        inner = _vjac(node.args[i], holds)
        if fn.vec_jacobian is None:
            raise DerivativeError(f"matdiff cannot yet write the Jacobian through {node.name}() "
                                  f"in Kronecker form")
        J = fn.vec_jacobian(node, i)
        return Mul((J, inner))  # type: ignore[arg-type]
    if isinstance(node, Kron):
        return _through_kron(node, holds)
    raise AssertionError(f"{type(node).__name__} is not linear in the differential")
