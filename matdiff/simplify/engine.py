"""The rewriting driver: children first, then the rules of the node's kind,
re-normalising whatever a rule returns, memoised on the (hashable) nodes. Every
rule strictly shrinks the tree or pushes transposes toward the leaves, so the
rewriting ends; reaching the step cap is a bug, never a silent stop.
"""
from __future__ import annotations

from ..nodes import Node
from .rules import RULES

STEP_CAP = 200_000


class RewriteLimitError(AssertionError):
    """The simplifier did not reach a normal form within its step cap (a bug)."""


def simplify(node: Node) -> Node:
    """The normal form of a tree (equal value, fewer and canonical nodes)."""
    memo: dict[Node, Node] = {}
    steps = 0

    def normal(n: Node) -> Node:
        nonlocal steps
        done = memo.get(n)
        if done is not None:
            return done
        kids = n.children
        new_kids = tuple(normal(c) for c in kids)
        m = n if new_kids == kids else n.with_children(new_kids)
        for rule in RULES.get(type(m), ()):
            out = rule(m)
            if out is not None and out != m:
                steps += 1
                if steps > STEP_CAP:
                    raise RewriteLimitError(f"simplification exceeded {STEP_CAP} steps at {rule.__name__}")
                m = normal(out)
                break
        memo[n] = m
        memo[m] = m
        return m

    return normal(node)
