"""Gradients by transposing the linear map df node by node.

For scalar f, df = ⟨∇f, dX⟩ = tr(∇fᵀ dX). Walking df from the root with the
cotangent G (1 at the root), each linear node hands its argument the adjoint
of itself applied to G — ⟨G, A D B⟩ = ⟨Aᵀ G Bᵀ, D⟩, ⟨G, Dᵀ⟩ = ⟨Gᵀ, D⟩,
⟨G, C ∘ D⟩ = ⟨C ∘ G, D⟩ — until G reaches dX.
"""
from __future__ import annotations

from fractions import Fraction
from typing import Any, Callable

from ..nodes import (
    Add, Call, Differential, Filled, Hadamard, Kron, Mul, Node, Number, Symbol, Transpose, Zero,
)
from ..identities import Rule
from ..ops import entry_sum, function, left_adjoint, right_adjoint, trace
from ..simplify import simplify
from .steps import DF, GRADIENT, READ_GRADIENT, StepLog, Target, inner_product, sum_of


def pairing(M: Node, G: Node) -> Node:
    """⟨M, G⟩ = tr(Mᵀ G) as a scalar expression."""
    if M.is_scalar:
        return Mul((M, G))
    if M.shape[1].is_one:
        return Mul((Transpose(M), G))
    return trace(Mul((Transpose(M), G)))


class HoldsDifferential:
    """Which subtrees of df hold the differential (memoised)."""

    def __init__(self) -> None:
        self.memo: dict[Node, bool] = {}

    def __call__(self, node: Node) -> bool:
        hit = self.memo.get(node)
        if hit is None:
            hit = isinstance(node, Differential) or any(self(c) for c in node.children)
            self.memo[node] = hit
        return hit


def gradient_of_differential(df: Node, var: Symbol, record: StepLog | None = None, reads: Target = GRADIENT
                             ) -> Node:
    """∇f with df = ⟨∇f, dX⟩, for a scalar df linear in dX (its steps in
    `record`, the result read off as `reads`)."""
    pulls: Pulls | None = None if record is None else {}
    found = cotangents(df, Number(Fraction(1)), pulls).get(var.name)
    G = simplify(found[0] if len(found) == 1 else Add(tuple(found))) if found else Zero(var.shape)
    if record is not None and pulls is not None:
        _record_gradient(df, var, pulls, G, record, reads)
    return G


# What a recorded pullback did at each (node, cotangent): its children with their cotangents.
Pulls = dict[tuple[Node, Node], "Pullback"]


def cotangents(df: Node, G: Node, pulls: Pulls | None = None) -> dict[str, list[Node]]:
    """The pullback of the cotangent G through a linear map df: for each
    differential d(u) in df, the terms of ū with ⟨G, df⟩ = Σᵤ ⟨ū, du⟩
    (each step kept in `pulls` when given)."""
    holds = HoldsDifferential()
    found: dict[str, list[Node]] = {}
    stack: list[tuple[Node, Node]] = [(df, G)]
    while stack:
        node, G = stack.pop()
        if not holds(node):
            continue
        if isinstance(node, Differential):
            found.setdefault(node.var.name, []).append(G)
            continue
        rule = ADJOINTS.get(type(node))
        if rule is None:
            raise AssertionError(f"{type(node).__name__} is not linear in the differential")
        pulled = rule(node, G, holds)
        if pulls is not None:
            pulls[(node, G)] = pulled
        stack.extend(reversed(pulled))
    return found


def only_holder(items: tuple[Node, ...], holds: HoldsDifferential) -> int:
    hits = [i for i, x in enumerate(items) if holds(x)]
    assert len(hits) == 1, "the differential is not linear: several factors hold dX"
    return hits[0]


Pullback = list[tuple[Node, Node]]  # (the child holding dX, its cotangent)


def _through_sum(node: Add, G: Node, holds: HoldsDifferential) -> Pullback:
    return [(t, G) for t in node.terms]


def _through_transpose(node: Transpose, G: Node, holds: HoldsDifferential) -> Pullback:
    return [(node.arg, Transpose(G))]  # ⟨G, Dᵀ⟩ = ⟨Gᵀ, D⟩


def _through_filled(node: Filled, G: Node, holds: HoldsDifferential) -> Pullback:
    return [(node.value, entry_sum(G))]  # ⟨G, d 1⟩ = sum(G) d


def _through_call(node: Call, G: Node, holds: HoldsDifferential) -> Pullback:
    i = only_holder(node.args, holds)
    fn = function(node.name)
    if fn.adjoint is None:
        raise AssertionError(f"{node.name} reached the adjoint pass but is not linear")
    return [(node.args[i], fn.adjoint(node, i, G))]


def _through_product(node: Mul, G: Node, holds: HoldsDifferential) -> Pullback:
    return [_product_pullback(node, G, holds)]


def _product_pullback(node: Mul, G: Node, holds: HoldsDifferential) -> tuple[Node, Node]:
    i = only_holder(node.factors, holds)
    D = node.factors[i]
    others = node.factors[:i] + node.factors[i + 1:]
    if D.is_scalar:
        rest = Mul(others) if len(others) > 1 else others[0]
        return D, pairing(rest, G)
    scalars = tuple(f for f in others if f.is_scalar)
    chain = list(node.chain)
    j = next(k for k, f in enumerate(chain) if f is D)
    left, right = chain[:j], chain[j + 1:]
    items: tuple[Node, ...] = scalars
    if left:
        items += (Transpose(left[0] if len(left) == 1 else Mul(tuple(left))),)
    items += (G,)
    if right:
        items += (Transpose(right[0] if len(right) == 1 else Mul(tuple(right))),)
    return D, (Mul(items) if len(items) > 1 else G)


def _through_kron(node: Kron, G: Node, holds: HoldsDifferential) -> Pullback:
    """A ⊗ D ⊗ C = (A ⊗ D) ⊗ C: peel C off with the left adjoint, then A with
    the right adjoint (see ops/kronecker.py)."""
    i = only_holder(node.factors, holds)
    D = node.factors[i]
    left, right = node.factors[:i], node.factors[i + 1:]
    if right:
        head = node.factors[: i + 1]
        G = left_adjoint(G, _kron(right), Kron(head).shape if len(head) > 1 else D.shape)
    if left:
        G = right_adjoint(G, _kron(left), D.shape)
    return [(D, G)]


def _kron(factors: tuple[Node, ...]) -> Node:
    return factors[0] if len(factors) == 1 else Kron(factors)


def _through_hadamard(node: Hadamard, G: Node, holds: HoldsDifferential) -> Pullback:
    """⟨G, C ∘ D⟩ = ⟨C ∘ G, D⟩ (and ⟨C, G⟩ for a scalar D scaling C)."""
    i = only_holder(node.factors, holds)
    D = node.factors[i]
    others = node.factors[:i] + node.factors[i + 1:]
    C = others[0] if len(others) == 1 else Hadamard(others)
    if D.is_scalar and not node.is_scalar:
        return [(D, pairing(C, G))]
    return [(D, Hadamard((C, G)))]


# Each linear node kind hands its cotangent to the child holding dX (JAX's primitive_transposes).
ADJOINTS: dict[type, Callable[[Any, Node, HoldsDifferential], Pullback]] = {
    Add: _through_sum, Mul: _through_product, Hadamard: _through_hadamard, Transpose: _through_transpose,
    Filled: _through_filled, Call: _through_call, Kron: _through_kron,
}
# ... and the identity each applies, as steps cite it (⟨G, D⟩ = tr(Gᵀ D)).
ADJOINT_RULES: dict[type, Rule] = {
    Add: Rule("a sum, term by term", "⟨G, U + V⟩ = ⟨G, U⟩ + ⟨G, V⟩"),
    Mul: Rule("cyclic property of the trace", "tr(L dX R) = tr(R L dX)", "Cookbook §1.1"),
    Hadamard: Rule("entry-wise product", "⟨G, C ∘ dX⟩ = ⟨C ∘ G, dX⟩", "18.063 notes"),
    Transpose: Rule("transpose", "⟨G, dXᵀ⟩ = ⟨Gᵀ, dX⟩", "Cookbook §1.1"),
    Filled: Rule("filled matrix", "⟨G, dc 1⟩ = sum(G) dc"),
    Kron: Rule("Kronecker product", "⟨G, A ⊗ dX⟩ = ⟨Σ blocks Aᵢⱼ Gᵢⱼ, dX⟩", "Cookbook §10.2.1"),
}
READ_OFF = Rule("read off the gradient", "df = tr(∇fᵀ dX)", "18.063 notes, ch. 2")
TRANSPOSE_TO_READ = Rule("write as tr(Gᵀ dX)", "tr(M dX) = tr((Mᵀ)ᵀ dX)", "18.063 notes, ch. 2")
WRITE_PAIRING = Rule("collect as ⟨∇f, dX⟩", "tr(Uᵀ dX) + tr(Vᵀ dX) = tr((U + V)ᵀ dX)", "linearity of the trace")


SCALARS_COMMUTE = Rule("scalar factors commute", "c du = du c for a scalar c")


def _adjoint_rule(node: Node, child: Node) -> Rule:
    if isinstance(node, Mul) and child.is_scalar:
        return SCALARS_COMMUTE
    if isinstance(node, Call):
        name = function(node.name).display_name
        return Rule(f"adjoint of {name}", f"⟨G, {name}(dU)⟩ = ⟨{name}*(G), dU⟩", "a linear map's transpose")
    return ADJOINT_RULES[type(node)]


def _record_gradient(df: Node, var: Symbol, pulls: Pulls, G: Node, record: StepLog, reads: Target) -> None:
    """The pullback shown as a person moves dX: each term of df is pulled to
    the form ⟨Gᵢ, dX⟩ (under its own heading when df has several), then the
    terms are collected and ∇f read off."""
    dX = Differential(var)
    terms = df.terms if isinstance(df, Add) else (df,)
    one = Number(Fraction(1))
    grouped = len(terms) > 1
    ends: list[tuple[Node, Node]] = []
    for term in terms:
        ends += _pull_term(term, one, pulls, record, term if grouped else DF, 1 if grouped else 0)
    line = sum_of([inner_product(g, d) for d, g in ends])
    if grouped:
        record.rewrite(Rule("the terms above"), df, line, DF)
    formed = pairing(G, dX)  # G kept whole: tr((Aᵀ Bᵀ)ᵀ dX), the form df = tr(∇fᵀ dX)
    last = record.last if record.steps else df
    if str(formed) != str(last):
        record.add(WRITE_PAIRING if len(ends) > 1 else TRANSPOSE_TO_READ, last, formed, DF, key=True)
    record.add(READ_OFF, formed, G, reads, relation=READ_GRADIENT, key=True)


def _pull_term(term: Node, G: Node, pulls: Pulls, record: StepLog, target: Target, level: int
               ) -> list[tuple[Node, Node]]:
    """Pull one term to the differentials, a line each time the written form
    changes; the (dX, cotangent) pairs it ends in."""
    entries = [(term, G)]
    shown = sum_of([inner_product(g, d) for d, g in entries])
    rules: list[Rule] = []
    while any((d, g) in pulls for d, g in entries):
        nxt: list[tuple[Node, Node]] = []
        for d, g in entries:
            if (d, g) in pulls:
                pulled = pulls[(d, g)]
                if str(sum_of([inner_product(h, c) for c, h in pulled])) != str(inner_product(g, d)):
                    rules.append(_adjoint_rule(d, pulled[0][0]))  # cited where it changes how the entry is written
                nxt += pulled
            else:
                nxt.append((d, g))
        entries = nxt
        line = sum_of([inner_product(g, d) for d, g in entries])
        if str(line) != str(shown):
            record.add(rules, shown, line, target, level=level)
            shown, rules = line, []
    return entries
