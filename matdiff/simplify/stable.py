"""Stable forms: an input expression rewritten, before it is differentiated,
into kernels that evaluate without overflow (log(sum(exp(x))) is
logsumexp(x)). The rules are the function families' (ops.STABLE_FORMS, each
an identity of real analysis replacing a node by one of equal value); this
driver applies them in one bottom-up pass, memoised.
"""
from __future__ import annotations

from dataclasses import replace

from ..nodes import Bound, Node, bound_in_order
from ..ops import STABLE_FORMS
from .engine import simplify

MAX_REWRITES_AT_A_NODE = 8  # each rule makes a kernel of a pattern; none undoes another


def stable_forms(node: Node) -> Node:
    """`node` with the overflowing patterns replaced by stable kernels (in the
    definitions of a program's names too, each within its own definition, and
    each definition in normal form: 2ᵀ is 2, and a tie of (A - c) - A exact)."""
    memo: dict[Node, Node] = {}

    def visit(n: Node) -> Node:
        hit = memo.get(n)
        if hit is None:
            if isinstance(n, Bound):  # a definition also in normal form: what code and the interpreter compute
                definition = simplify(visit(n.definition))
                hit = n if definition is n.definition else replace(n, definition=definition)
            else:
                kids = n.children
                new = tuple(visit(c) for c in kids)
                hit = _rewrite(n if all(a is b for a, b in zip(new, kids)) else n.with_children(new))
            memo[n] = hit
        return hit

    for name in bound_in_order(node):  # in program order: no recursion along the program
        visit(name)
    return visit(node)


def _rewrite(n: Node) -> Node:
    """Apply the rules at one node until none does."""
    for _ in range(MAX_REWRITES_AT_A_NODE):
        for rule in STABLE_FORMS:
            out = rule(n)
            if out is not None:
                n = out
                break
        else:
            return n
    return n
