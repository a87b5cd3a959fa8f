"""Loading the one Lark grammar (grammar/matdiff.lark) and building its LALR
parser once per process. The grammar ships inside the wheel as
matdiff/grammar/matdiff.lark and is read from the checkout in editable use.

Building the LALR tables takes about 30 ms; Lark's cache of them (in the user's
cache directory, keyed by the grammar text, the start symbol and Lark's
version) loads in about 2 ms, so only the first run on a machine pays.
"""
from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path

import lark
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
    text = grammar_text()
    options = dict(parser="lalr", start=start, transformer=transformer_type(), maybe_placeholders=False)
    cache = cache_path(text, start)
    if cache is not None:
        try:
            return Lark(text, cache=str(cache), **options)
        except (OSError, EOFError, ValueError):  # unwritable or damaged cache: build in memory
            pass
    return Lark(text, **options)


def cache_path(text: str, start: str) -> Path | None:
    """Where the parser tables are cached (None when MATDIFF_NO_CACHE is set)."""
    if os.environ.get("MATDIFF_NO_CACHE"):
        return None
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "matdiff"
    key = hashlib.sha256(f"{lark.__version__}\0{start}\0{text}".encode()).hexdigest()[:16]
    try:
        base.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return base / f"parser-{start}-{key}.lark-cache"
