"""Presentation: named subresults, as a textbook writes them: a vector or
matrix function call the result repeats gets a name, diag(s) − s sᵀ where
s = softmax(x). A name is a Bound node (the mechanism of a program's `where`
lines) standing for its definition, so values are unchanged; names are kept
apart from every symbol of the input.
"""
from __future__ import annotations

from collections import Counter
from typing import Callable

from ..facts import name_properties
from ..nodes import Bound, Call, Node, bound_in_order, children_first, substitute, written_sizes
from ..ops import function
from .derived import fresh_name

MOST_NAMES = 3
SAVING = 6  # characters a name must save, its where entry counted
TRIED = 4  # the repeated calls, largest first, whose text is measured


def named_calls(node: Node, taken: Callable[[], set[str]]) -> Node:
    """`node` with its repeated vector- or matrix-valued calls named, where
    that shortens the text: the largest first, a name's definition using the
    names of the calls inside it; `taken()` gives the names to avoid."""
    counts = written_counts(node)
    calls = [(n, k) for n, k in counts.items() if k >= 2 and isinstance(n, Call) and not n.is_scalar and not n._named]
    if not calls:
        return node  # the common case
    sizes = written_sizes(node)
    repeated = [(k * sizes[n], n, k) for n, k in calls]
    chosen: list[Call] = []
    for _, n, k in sorted(repeated, key=lambda item: -item[0])[:TRIED]:  # the text of the largest only
        length = len(str(n))
        if k * (length - 1) - (length + 5) >= SAVING:
            chosen.append(n)
        if len(chosen) == MOST_NAMES:
            break
    if not chosen:
        return node
    avoid = taken() | {"I"}
    names: dict[Node, Node] = {}
    place = {n: i for i, n in enumerate(children_first(node))}
    for call in sorted(chosen, key=lambda c: (sizes[c], place[c])):  # inner first: outer definitions use them
        letter = function(call.name).result_name or call.name[0]
        name = fresh_name(letter.lower() if call.shape[1].is_one else letter.upper(), avoid)
        definition = substitute(call, lambda n: names.get(n) if n is not call else None)
        names[call] = Bound(name, call.shape, name_properties(call), definition=definition)
    return substitute(node, names)


def written_counts(node: Node) -> Counter[Node]:
    """How often each subtree appears in the tree written out (a shared
    subtree once per place it is used), in linear time over the shared graph."""
    counts: Counter[Node] = Counter({node: 1})
    for n in reversed(children_first(node)):  # parents before their children
        for c in n.children:
            counts[c] += counts[n]
    return counts


def unnamed(node: Node, f: Node) -> Node:
    """`node` with the names a result gave its parts (named_calls) replaced by
    what they stand for; the names of f's program stay."""
    own = set(bound_in_order(f))
    return substitute(node, lambda n: unnamed(n.definition, f) if isinstance(n, Bound) and not n.derived
                      and n not in own else None)  # a definition may use names too
