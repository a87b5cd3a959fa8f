"""The LALR parser of the one grammar (grammar/matdiff.lark), built once per
process from the tables that grammar/build_parser.py generates into
lalr_tables.py with Lark's standalone generator.

The tables ship as Python literals inside the package: nothing is built at
start-up and nothing is read from a cache, so no file a user can write decides
what the parser does.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from . import lalr_tables

Transformer = lalr_tables.Transformer
LarkError = lalr_tables.LarkError
UnexpectedInput = lalr_tables.UnexpectedInput
UnexpectedCharacters = lalr_tables.UnexpectedCharacters
UnexpectedEOF = lalr_tables.UnexpectedEOF
UnexpectedToken = lalr_tables.UnexpectedToken
VisitError = lalr_tables.VisitError
Token = lalr_tables.Token


@lru_cache(maxsize=None)
def parser(transformer_type: type) -> Any:
    """The LALR parser applying `transformer_type` while it reduces (no
    recursion over a tree, so deep nesting is safe); `parse(text, start=...)`
    takes the start symbol ('start' or 'declarations_only')."""
    return lalr_tables.Lark_StandAlone(transformer=transformer_type())
