"""The LALR parser of the one grammar (grammar/matdiff.lark), built once per
process from the tables that grammar/build_parser.py generates into
lalr_tables.py with Lark's standalone generator.

The tables ship as Python literals inside the package: nothing is built at
start-up and nothing is read from a cache, so no file a user can write decides
what the parser does.
"""
from __future__ import annotations

import contextvars
from functools import lru_cache
from typing import Any, Iterable

from ..ops import lookup
from . import lalr_tables

Transformer = lalr_tables.Transformer
LarkError = lalr_tables.LarkError
UnexpectedInput = lalr_tables.UnexpectedInput
UnexpectedCharacters = lalr_tables.UnexpectedCharacters
UnexpectedEOF = lalr_tables.UnexpectedEOF
UnexpectedToken = lalr_tables.UnexpectedToken
VisitError = lalr_tables.VisitError
Token = lalr_tables.Token


# Names that are symbols, not functions, when a '(' follows them (declared
# multi-letter symbols; every one-letter name is a symbol), and the text parsed.
_SYMBOLS: contextvars.ContextVar[frozenset[str]] = contextvars.ContextVar("symbols", default=frozenset())
_TEXT: contextvars.ContextVar[str] = contextvars.ContextVar("text", default="")


def _callee(token: Any) -> Any:
    """A symbol followed by '(' is a NAME: A(B+C)' is A (B+C)', a product at the
    level of juxtaposition, so postfix operators and '/' keep their precedence.
    So is a name that is not a function when a space comes before the '('
    (W1 (h + b)); written directly against it (logdett(X)) it stays a call, to
    be reported as an unknown function."""
    name = str(token)
    if len(name) == 1 or name in _SYMBOLS.get():
        return token.update(type="NAME")
    end = token.end_pos or 0
    if _TEXT.get()[end:end + 1] in (" ", "\t") and lookup(name) is None:
        return token.update(type="NAME")
    return token


@lru_cache(maxsize=None)
def _parser(transformer_type: type) -> Any:
    return lalr_tables.Lark_StandAlone(transformer=transformer_type(), lexer_callbacks={"CALLEE": _callee})


def parse(text: str, start: str, transformer_type: type, symbols: Iterable[str] = ()) -> Any:
    """Parse `text` from the start symbol ('start' or 'declarations_only'),
    applying `transformer_type` while the LALR parser reduces (no recursion
    over a tree, so deep nesting is safe). `symbols` are multi-letter names
    declared as symbols, read as such before '('."""
    token, text_token = _SYMBOLS.set(frozenset(symbols)), _TEXT.set(text)
    try:
        return _parser(transformer_type).parse(text, start=start)
    finally:
        _SYMBOLS.reset(token)
        _TEXT.reset(text_token)
