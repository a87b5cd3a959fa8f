"""Programs as people read them: the definitions a result refers to (its
`where` lines, in text, LaTeX and the input language). Imports nodes and
printing.
"""
from __future__ import annotations

from typing import Sequence

from ..frontend.parse import statement_breaks
from ..nodes import Bound, Node, bound_in_order
from .latex import to_latex
from .text import display_name, to_input, to_text


def definitions_used(*trees: Node) -> list[Bound]:
    """The names the trees use, directly or through other definitions, in
    program order (forward names, then the adjoints kept by name)."""
    seen: dict[Bound, None] = {}
    for tree in trees:
        for name in bound_in_order(tree):
            seen.setdefault(name, None)
    return sorted((b for b in seen if not b.derived), key=lambda b: b.position) + [b for b in seen if b.derived]


def where_text(names: Sequence[Bound], ascii: bool = False) -> str:
    """'a = W1 x + b1, h = tanh(a)' for the names given (in the input language,
    adjoints as a_bar, with ascii)."""
    if ascii:
        return ", ".join(f"{b.name} = {to_input(b.definition)}" for b in names)
    return ", ".join(f"{display_name(b)} = {to_text(b.definition)}" for b in names)


def where_latex(names: Sequence[Bound]) -> str:
    return r",\; ".join(f"{to_latex(b)} = {to_latex(b.definition)}" for b in names)


def program_input(names: Sequence[Bound], last: Node) -> str:
    """Definitions and a last expression in the input language: a program
    that reads back as the same value."""
    return "".join(f"{b.name} = {to_input(b.definition)}; " for b in names) + to_input(last)


def one_line(text: str) -> str:
    """A program's text on one line, its statements joined by '; ' (for docstrings)."""
    statements = statement_breaks(text).split(";")
    return "; ".join(" ".join(part.split()) for part in statements if part.strip())
