"""Presentation: named subresults, as a textbook writes them: a vector or
matrix function call the result repeats gets a name, diag(s) − s sᵀ where
s = softmax(x). A name is a Bound node (the mechanism of a program's `where`
lines) standing for its definition, so values are unchanged; names are kept
apart from every symbol of the input.
"""
from __future__ import annotations

from collections import Counter

from ..facts import name_properties
from ..nodes import Bound, Call, Node, bound_in_order, substitute
from ..ops import function
from .derived import fresh_name

MOST_NAMES = 3
SAVING = 6  # characters a name must save, its where entry counted


def named_calls(node: Node, taken: set[str]) -> Node:
    """`node` with each repeated vector- or matrix-valued call named, where
    that shortens the text; the largest saving first."""
    taken = taken | {"I"}
    for _ in range(MOST_NAMES):
        counts = written_counts(node)
        best: tuple[int, Call] | None = None
        for n, k in counts.items():
            if isinstance(n, Call) and not n.is_scalar and k >= 2 and not any(isinstance(c, Bound) for c in n.walk()):
                length = len(str(n))
                saving = k * (length - 1) - (length + 5)
                if saving >= SAVING and (best is None or saving > best[0]):
                    best = (saving, n)
        if best is None:
            break
        call = best[1]
        letter = function(call.name).result_name or call.name[0]
        name = fresh_name(letter.lower() if call.shape[1].is_one else letter.upper(), taken)
        bound = Bound(name, call.shape, name_properties(call), definition=call)
        node = substitute(node, {call: bound})
    return node


def written_counts(node: Node) -> Counter[Node]:
    """How often each subtree appears in the tree written out (a shared
    subtree once per place it is used), in linear time over the shared graph."""
    order: list[Node] = []
    seen: set[Node] = set()
    stack: list[tuple[Node, bool]] = [(node, False)]
    while stack:
        n, done = stack.pop()
        if done:
            order.append(n)
        elif n not in seen:
            seen.add(n)
            stack.append((n, True))
            stack.extend((c, False) for c in n.children)
    counts: Counter[Node] = Counter({node: 1})
    for n in reversed(order):  # parents before their children
        for c in n.children:
            counts[c] += counts[n]
    return counts


def unnamed(node: Node, f: Node) -> Node:
    """`node` with the names a result gave its parts (named_calls) replaced by
    what they stand for; the names of f's program stay."""
    own = set(bound_in_order(f))
    return substitute(node, lambda n: n.definition if isinstance(n, Bound) and not n.derived and n not in own
                      else None)
