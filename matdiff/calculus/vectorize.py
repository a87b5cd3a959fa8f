"""Jacobians in vec form: the matrix J with vec(df) = J vec(dX), column-major,
numerator layout, built node by node from vec(A D B) = (Bᵀ ⊗ A) vec(D),
vec(C ∘ D) = diag(vec C) vec(D) and vec(Dᵀ) = K vec(D).
"""
from __future__ import annotations

from fractions import Fraction
from typing import Any, Callable

from ..errors import DerivativeError
from ..nodes import (
    Add, Call, Commutation, Differential, Filled, Hadamard, Identity, Kron, Mul, Node, Number,
    Symbol, Transpose, Zero, product,
)
from ..identities import Rule
from ..ops import diagonal, function, vec
from ..shapes import ONE
from ..simplify import simplify
from .steps import JACOBIAN, READ_JACOBIAN, VEC_DF, VECTORIZED, StepLog, Target, sum_of
from .adjoint import HoldsDifferential, only_holder


def _size(node: Node):
    return node.shape[0] * node.shape[1]


def _mul(*items: Node) -> Node:
    return items[0] if len(items) == 1 else Mul(items)


def jacobian_of_differential(df: Node, var: Symbol, record: StepLog | None = None, reads: Target = JACOBIAN,
                             line: Target = VEC_DF) -> Node:
    """J with vec(df) = J vec(dX) (its steps in `record`: the lines are
    `line`, J is read off as `reads`)."""
    holds = HoldsDifferential()
    terms = df.terms if isinstance(df, Add) else (df,)
    parts = [(t, _vjac(t, holds)) for t in terms]  # vec(Σ tᵢ) = Σ vec(tᵢ): the sum rule, kept term by term
    J = _sum_of_parts([p for _, p in parts])
    out = Zero((_size(df), _size(var))) if J is None else simplify(J)
    if record is not None:
        _record_jacobian(df, var, holds, parts, out, record, reads, line)
    return out


VEC_BOTH_SIDES = Rule("vec of both sides", "vec(df) = J vec(dX) defines the Jacobian", "Magnus & Neudecker, ch. 9")
VEC_LINEAR = Rule("vec is linear", "vec(U + V) = vec(U) + vec(V)")
VEC_IDENTITY = Rule("the identity", "vec(dX) = I vec(dX)")
COLLECT_VEC = Rule("collect", "U vec(dX) + V vec(dX) = (U + V) vec(dX)")
SIMPLIFY_J = Rule("simplify", "the matrix before vec(dX) in its simplest form")
READ_JACOBIAN_OFF = Rule("read off the Jacobian", "vec(df) = J vec(dX)", "Magnus & Neudecker, ch. 9")
# The identity each node kind's vec rule applies, as steps cite it.
VEC_IDENTITIES: dict[type, Rule] = {
    Add: VEC_LINEAR,
    Mul: Rule("vec of a product", "vec(A dX B) = (Bᵀ ⊗ A) vec(dX)", "Magnus & Neudecker, Thm 2.2"),
    Hadamard: Rule("vec of an entry-wise product", "vec(C ∘ dX) = diag(vec C) vec(dX)"),
    Transpose: Rule("commutation matrix", "vec(dXᵀ) = K vec(dX)", "Magnus & Neudecker, ch. 3"),
    Filled: Rule("filled matrix", "vec(dc 1) = 1 dc"),
    Kron: Rule("vec of a Kronecker product", "vec(A ⊗ dX) = (I ⊗ K ⊗ I)(vec A ⊗ I) vec(dX)",
                "Magnus & Neudecker, Thm 3.10"),
}


def _record_jacobian(df: Node, var: Symbol, holds: HoldsDifferential, parts: list[tuple[Node, Node | None]], J: Node,
                     record: StepLog, reads: Target, target: Target) -> None:
    """vec(df) term by term: each term's vec rules gave its J_i (`parts`),
    so vec(df) = Σ J_i vec(dX); the J_i collect into J."""
    v = vec(Differential(var))
    terms = df.terms if isinstance(df, Add) else (df,)
    whole = vec(df)
    record.add(VEC_BOTH_SIDES, df, whole, target, relation=VECTORIZED)
    line = whole
    if len(terms) > 1:
        line = sum_of([vec(t) for t in terms])
        record.add(VEC_LINEAR, whole, line, target)
    pieces, rules = [], []
    for t, part in parts:
        if part is not None:
            pieces.append(product(simplify(part), v))
            rules += _rules_along(t, holds)
    if pieces:
        record.add(rules or [VEC_IDENTITY], line, sum_of(pieces), target)
    formed = Mul((J, v))
    record.rewrite(COLLECT_VEC if len(pieces) > 1 else SIMPLIFY_J, record.last, formed, target)
    record.add(READ_JACOBIAN_OFF, formed, J, reads, relation=READ_JACOBIAN, key=True)


def _rules_along(node: Node, holds: HoldsDifferential) -> list[Rule]:
    """The vec rules from `node` down to the differential."""
    found: list[Rule] = []
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, Differential) or not holds(n):
            continue
        found.append(_vec_rule(n))
        stack.extend(c for c in n.children if holds(c))
    return found


def _vec_rule(node: Node) -> Rule:
    if isinstance(node, Call):
        name = function(node.name).display_name
        return Rule(f"vec of {name}", f"vec({name}(dU)) = J_{name} vec(dU)", "linearity")
    return VEC_IDENTITIES[type(node)]


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
        J = Mul((kron_vec_permutation(L, X), Kron((vec(L), Identity(_size(X)))), J))
        X = Kron(left + (D,))
    if right:
        R = right[0] if len(right) == 1 else Kron(right)
        J = Mul((kron_vec_permutation(X, R), Kron((Identity(_size(X)), vec(R))), J))
    return J


def _vjac(node: Node, holds: HoldsDifferential) -> Node | None:
    if not holds(node):
        return None
    if isinstance(node, Differential):
        return Identity(_size(node))
    rule = VEC_RULES.get(type(node))
    if rule is None:
        raise AssertionError(f"{type(node).__name__} is not linear in the differential")
    return rule(node, holds)


def _sum_rule(node: Add, holds: HoldsDifferential) -> Node | None:
    return _sum_of_parts([_vjac(t, holds) for t in node.terms])


def _sum_of_parts(parts: list[Node | None]) -> Node | None:
    """The Jacobians of a sum's terms added (None: no term holds dX)."""
    found = [p for p in parts if p is not None]
    return None if not found else found[0] if len(found) == 1 else Add(tuple(found))


def _holder(factors: tuple[Node, ...], holds: HoldsDifferential) -> tuple[Node, Node, tuple[Node, ...]]:
    """The factor D that holds the differential, the Jacobian of vec D, and the other factors."""
    i = only_holder(factors, holds)
    D = factors[i]
    inner = _vjac(D, holds)
    assert inner is not None
    return D, inner, factors[:i] + factors[i + 1:]


def _product_rule(node: Mul, holds: HoldsDifferential) -> Node:
    """vec(L D R) = (Rᵀ ⊗ L) vec D; vec(d · M) = vec(M) d for a scalar d."""
    D, inner, others = _holder(node.factors, holds)
    scalars = tuple(f for f in others if f.is_scalar)
    chain = list(node.chain)
    if D.is_scalar:
        if chain:
            return _mul(*scalars, vec(_mul(*chain)), inner)
        return _mul(*scalars, inner)
    j = next(k for k, f in enumerate(chain) if f is D)
    left = _mul(*chain[:j]) if j > 0 else Identity(D.shape[0])
    right = Transpose(_mul(*chain[j + 1:])) if j + 1 < len(chain) else Identity(D.shape[1])
    return _mul(*scalars, Kron((right, left)), inner)


def _hadamard_rule(node: Hadamard, holds: HoldsDifferential) -> Node:
    """vec(C ∘ D) = diag(vec C) vec D."""
    D, inner, others = _holder(node.factors, holds)
    C = others[0] if len(others) == 1 else Hadamard(others)
    if D.is_scalar and not node.is_scalar:
        return Mul((vec(C), inner))
    if node.is_scalar:
        return Mul((C, inner))
    return Mul((diagonal(vec(C)), inner))


def _transpose_rule(node: Transpose, holds: HoldsDifferential) -> Node:
    """vec(Dᵀ) = K vec D."""
    inner = _vjac(node.arg, holds)
    m, n = node.arg.shape
    return Mul((Commutation(m, n), inner))  # type: ignore[arg-type]


def _filled_rule(node: Filled, holds: HoldsDifferential) -> Node:
    inner = _vjac(node.value, holds)
    return Mul((Filled(Number(Fraction(1)), (_size(node), ONE)), inner))  # type: ignore[arg-type]


def _call_rule(node: Call, holds: HoldsDifferential) -> Node:
    i = only_holder(node.args, holds)
    fn = function(node.name)
    inner = _vjac(node.args[i], holds)
    if fn.vec_jacobian is None:
        raise DerivativeError(f"matdiff cannot yet write the Jacobian through {node.name}() "
                              f"in Kronecker form")
    J = fn.vec_jacobian(node, i)
    return Mul((J, inner))  # type: ignore[arg-type]


# How each linear node kind maps vec(dX) (the pass's table, as for differentials and adjoints).
VEC_RULES: dict[type, Callable[[Any, HoldsDifferential], "Node | None"]] = {
    Add: _sum_rule, Mul: _product_rule, Hadamard: _hadamard_rule, Transpose: _transpose_rule,
    Filled: _filled_rule, Call: _call_rule, Kron: _through_kron,
}
