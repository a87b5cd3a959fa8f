"""Names a derivation gives to what it computes — the adjoints ā of the
backward pass, the tangents da of the forward one — the step differentials
both passes share, and the closed forms that write the names out where that
is shorter. Imports nodes, simplify and calculus.differential.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Collection, Mapping

from ..nodes import Bound, Node, Symbol, bound_in_order, derived_in_order, substitute, written_size

from .differential import local_differential
from .steps import StepLog, collected


def fresh_name(preferred: str, taken: set[str]) -> str:
    """`preferred`, or `preferred1`, `preferred2`, ...: the first name not taken (then taken)."""
    out, k = preferred, 1
    while out in taken:
        out, k = f"{preferred}{k}", k + 1
    taken.add(out)
    return out


def program_names(f: Node, also: set[str]) -> set[str]:
    """Every name of a program (inputs and definitions) and `also`: what a new name must avoid."""
    order = bound_in_order(f)
    return ({b.name for b in order} | {n.name for b in order for n in b.definition.walk() if isinstance(n, Symbol)}
            | {n.name for n in f.walk() if isinstance(n, Symbol)} | also)


class StepDifferentials:
    """The differential of each definition of the program f in the directions
    d(u) of the active names it uses, simplified, with f's names for the
    values function rules bring back (d softmax(z) holds softmax(z): s where
    s = softmax(z)): computed once per derivation, for its forward and
    backward passes alike."""

    def __init__(self, f: Node, recording: bool = False) -> None:
        self.names = value_names(f)
        self.memo: dict[tuple[Node, frozenset[str]], Node | None] = {}
        self.taken = program_names(f, set())  # what the names a derivation adds must avoid
        # with recording, each definition's steps, by its expression (the passes ask in reverse order)
        self.blocks: dict[Node, StepLog] | None = {} if recording else None

    def __call__(self, expr: Node, active: Collection[str]) -> Node | None:
        varying = frozenset(n.name for n in expr.walk() if isinstance(n, Symbol) and n.name in active)
        if not varying:
            return None
        key = (expr, varying)
        if key not in self.memo:
            # a definition's block is its first differential: the backward pass's, which runs first
            record = None if self.blocks is None or expr in self.blocks else self.blocks.setdefault(expr, StepLog())
            d = local_differential(expr, varying, record, expr)
            self.memo[key] = None if d is None else named(collected(d, record, expr), self.names)
        return self.memo[key]


def value_names(tree: Node) -> dict[Node, Bound]:
    """The program's names of the tree by their definitions (equal definitions:
    the first name), for `named`."""
    names: dict[Node, Bound] = {}
    for b in sorted((b for b in bound_in_order(tree) if not b.derived), key=lambda b: b.position):
        if b.definition.children:
            names.setdefault(b.definition, b)
    return names


def named(node: Node, names: Mapping[Node, Bound]) -> Node:
    """`node` with every subtree that is a definition's expression written as
    the name (function rules bring values back: softmax(z) is s where s = softmax(z))."""
    return substitute(node, names) if names else node


# A derived name used once is written into its user; chains of such are cut
# into named pieces of at most this many names, so deep programs print in
# readable steps (and printers never recurse along the whole program).
INLINE_DEPTH = 8
SMALL = 3  # a derived name of at most this many nodes is written out wherever it is used


def written_out(node: Node, depth: int = INLINE_DEPTH) -> Node:
    """`node` with derived names replaced by their definitions where that is
    shorter: a name used once, or a small one; along a chain, every `depth`-th
    name from the top keeps its name."""
    derived = derived_in_order(node)  # each after the names its definition uses
    if not derived:
        return node
    users: dict[Bound, list[Bound | None]] = {b: [] for b in derived}  # None: the node itself
    for user, body in [(b, b.definition) for b in derived] + [(None, node)]:
        for used in {n for n in body.walk() if isinstance(n, Bound) and n.derived}:
            users[used].append(user)
    distance: dict[Bound | None, int] = {None: 0}  # from the top, through the names that use it
    for b in reversed(derived):
        distance[b] = 1 + min(distance[u] for u in users[b])
    written: dict[Node, Node] = {}  # derived name -> what stands in its place
    for b in derived:
        body = substitute(b.definition, written)
        inline = (len(users[b]) <= 1 or written_size(body) <= SMALL) and distance[b] % depth != 0
        written[b] = body if inline else (b if body == b.definition else replace(b, definition=body))
    return substitute(node, written)



