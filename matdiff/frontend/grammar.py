"""Loading the one Lark grammar (grammar/matdiff.lark) and building its LALR
parser once per process. The grammar ships inside the wheel as
matdiff/grammar/matdiff.lark and is read from the checkout in editable use.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from lark import Lark, Transformer

GRAMMAR_NAME = "matdiff.lark"


def grammar_path() -> Path:
    """The grammar file: inside the installed package, or at the checkout's top."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "grammar" / GRAMMAR_NAME, here.parent / "grammar" / GRAMMAR_NAME):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"the matdiff grammar {GRAMMAR_NAME} is missing from the installation")


def grammar_text() -> str:
    return grammar_path().read_text(encoding="utf-8")


@lru_cache(maxsize=None)
def parser(start: str, transformer_type: type[Transformer]) -> Lark:
    """The LALR parser for a start symbol, applying `transformer_type` while it
    reduces (no recursion over the tree, so deep nesting is safe)."""
    return Lark(grammar_text(), parser="lalr", start=start,
                transformer=transformer_type(), maybe_placeholders=False)
