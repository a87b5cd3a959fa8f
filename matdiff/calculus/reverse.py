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

from collections import Counter
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Mapping, Sequence

from ..nodes import Add, Bound, Node, Number, Symbol, Zero, bound_in_order, written_size
from ..simplify import simplify
from .adjoint import cotangents
from .differential import local_differential


@dataclass(frozen=True)
class Backward:
    """The backward pass of a scalar program: the adjoints in the order they
    are computed (from f back to the inputs), and each variable's gradient as
    an expression of them."""

    adjoints: tuple[Bound, ...]
    gradients: dict[str, Node]


def backward(f: Node, variables: Sequence[Symbol]) -> Backward:
    """The reverse-mode derivative of the scalar f (whose names are Bound
    nodes) with respect to `variables`, sharing one backward pass."""
    assert f.is_scalar, "reverse mode needs a scalar function"
    order = bound_in_order(f)
    wanted = {v.name for v in variables}
    active = set(wanted)  # the names through which f depends on a variable
    for name in order:
        if _uses(name.definition, active):
            active.add(name.name)
    taken = {b.name for b in order} | {s.name for n in order for s in _leaves(n.definition)} | wanted
    names = {b.definition: b for b in order if b.definition.children}  # softmax(z) is s where s = softmax(z)
    pending: dict[str, list[Node]] = {}

    def pull(expr: Node, G: Node) -> None:
        de = local_differential(expr, active)
        if de is not None:  # in normal form, as every differential before its transpose (mean(du) is sum(du)/n)
            for name, terms in cotangents(simplify(de), G).items():
                pending.setdefault(name, []).extend(terms)

    pull(f, Number(Fraction(1)))
    adjoints: list[Bound] = []
    for name in reversed(order):
        terms = pending.pop(name.name, None)
        if not terms:
            continue
        value = _named(simplify(_sum(terms)), names)
        bar = Bound(_adjoint_name(name.name, taken), name.shape, definition=value, adjoint_of=name.name)
        adjoints.append(bar)
        pull(name.definition, bar)
    gradients = {v.name: _named(simplify(_sum(pending[v.name])), names) if pending.get(v.name) else Zero(v.shape)
                 for v in variables}
    return Backward(tuple(adjoints), gradients)


def _named(node: Node, names: dict[Node, Bound]) -> Node:
    """`node` with every subtree that is a definition's expression written as
    the name (the rules of functions bring their values back: softmax(z))."""
    if not names:
        return node
    return _substitute(node, names, {})[0]


def _sum(terms: list[Node]) -> Node:
    return terms[0] if len(terms) == 1 else Add(tuple(terms))


def _leaves(expr: Node) -> list[Symbol]:
    return [n for n in expr.walk() if isinstance(n, Symbol)]


def _uses(expr: Node, names: set[str]) -> bool:
    """expr refers directly (not through a definition) to one of the names."""
    return any(isinstance(n, Symbol) and n.name in names for n in expr.walk())


def _adjoint_name(name: str, taken: set[str]) -> str:
    """The identifier of ā (`a_bar`), distinct from every name of the program."""
    out, k = f"{name}_bar", 1
    while out in taken:
        out, k = f"{name}_bar{k}", k + 1
    taken.add(out)
    return out


# An adjoint used once is written into its user; chains of such are cut into
# named pieces of at most this many adjoints, so deep programs print in
# readable steps (and printers never recurse along the whole program).
INLINE_DEPTH = 8
SMALL = 3  # an adjoint of at most this many nodes is written out wherever it is used


def written_out(node: Node, depth: int = INLINE_DEPTH) -> Node:
    """`node` with adjoints replaced by their definitions where that is
    shorter: an adjoint used once, or a small one; every `depth` levels a
    chain keeps a name."""
    adjoints = [b for b in bound_in_order(node) if b.adjoint_of is not None]
    if not adjoints:
        return node
    uses: Counter[Bound] = Counter()
    for b in adjoints:
        uses.update(n for n in b.definition.walk() if isinstance(n, Bound) and n.adjoint_of is not None)
    uses.update(n for n in node.walk() if isinstance(n, Bound) and n.adjoint_of is not None)
    written: dict[Node, Node] = {}    # adjoint -> what stands in its place
    level: dict[Node, int] = {}       # how many adjoints deep that is
    for b in adjoints:                # each after the adjoints its definition uses
        body, deepest = _substitute(b.definition, written, level)
        if (uses[b] <= 1 or written_size(body) <= SMALL) and deepest + 1 < depth:
            written[b], level[b] = body, deepest + 1
        else:
            written[b], level[b] = (b if body == b.definition else replace(b, definition=body)), 0
    return _substitute(node, written, level)[0]


def _substitute(node: Node, written: Mapping[Node, Node], level: Mapping[Node, int]) -> tuple[Node, int]:
    """`node` with the subtrees that are keys of `written` replaced, and the
    deepest `level` among those replaced."""
    memo: dict[Node, Node] = {}
    deepest = 0

    def visit(n: Node) -> Node:
        nonlocal deepest
        hit = memo.get(n)
        if hit is None:
            if n in written:
                hit = written[n]
                deepest = max(deepest, level.get(n, 0))
            else:
                kids = n.children
                new = tuple(visit(c) for c in kids)
                hit = n if all(a is b for a, b in zip(new, kids)) else n.with_children(new)
            memo[n] = hit
        return hit

    return visit(node), deepest
