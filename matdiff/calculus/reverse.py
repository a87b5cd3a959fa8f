"""Reverse mode through a program: the chain of pullbacks.

A program's names are `Bound` nodes. Walking its definitions from f back to
the inputs, each name's adjoint v̄ is the sum of the cotangents its users hand
it, and its own definition v = e(u, …) hands each name u it uses the
pullback of v̄ through the local differential de = Σᵤ ∂e/∂u[du]
(⟨v̄, de⟩ = Σᵤ ⟨ūᵥ, du⟩; calculus/adjoint.py transposes de). Each
definition is differentiated and transposed once, so the cost is linear in
the length of the program. Adjoints are `Bound` nodes themselves (ā), so the
backward program prints, evaluates and compiles like the forward one.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Sequence

from ..nodes import ADJOINT, Add, Bound, Node, Number, Symbol, Zero, bound_in_order
from ..facts import name_properties
from ..simplify import simplify
from .adjoint import cotangents
from .derived import StepDifferentials, fresh_name


@dataclass(frozen=True)
class Backward:
    """The backward pass of a scalar program: the adjoints in the order they
    are computed (from f back to the inputs), and each variable's gradient as
    an expression of them."""

    adjoints: tuple[Bound, ...]
    gradients: dict[str, Node]


def backward(f: Node, variables: Sequence[Symbol], steps: StepDifferentials | None = None) -> Backward:
    """The reverse-mode derivative of the scalar f (whose names are Bound
    nodes) with respect to `variables`, sharing one backward pass (and the
    definitions' differentials `steps` with a forward pass)."""
    step_differential = steps or StepDifferentials(f)
    assert f.is_scalar, "reverse mode needs a scalar function"
    order = bound_in_order(f)
    wanted = {v.name for v in variables}
    active = set(wanted)  # the names through which f depends on a variable
    for name in order:
        if _uses(name.definition, active):
            active.add(name.name)
    taken = step_differential.taken  # shared with the tangents: every derived name distinct
    taken |= wanted
    pending: dict[str, list[Node]] = {}

    def pull(expr: Node, G: Node) -> None:
        de = step_differential(expr, active)
        if de is not None:
            for name, terms in cotangents(de, G).items():
                pending.setdefault(name, []).extend(terms)

    pull(f, Number(Fraction(1)))
    adjoints: list[Bound] = []
    for name in reversed(order):
        terms = pending.pop(name.name, None)
        if not terms:
            continue
        value = simplify(_sum(terms))
        bar = Bound(fresh_name(f"{name.name}_bar", taken), name.shape, name_properties(value), definition=value,
                    role=ADJOINT, of=name.name)
        adjoints.append(bar)
        pull(name.definition, bar)
    gradients = {v.name: simplify(_sum(pending[v.name])) if pending.get(v.name) else Zero(v.shape)
                 for v in variables}
    return Backward(tuple(adjoints), gradients)


def _sum(terms: list[Node]) -> Node:
    return terms[0] if len(terms) == 1 else Add(tuple(terms))


def _uses(expr: Node, names: set[str]) -> bool:
    """expr refers directly (not through a definition) to one of the names."""
    return any(isinstance(n, Symbol) and n.name in names for n in expr.walk())
