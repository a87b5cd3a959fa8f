"""The syntax tree the parser builds: untyped, with source spans.

Chains of one precedence level are kept flat (a sum of many terms is one
node), so long inputs do not nest deeply. Imports only matdiff.errors.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import ParseError, Span

MAX_DEPTH = 200


@dataclass(frozen=True, slots=True)
class Syn:
    span: Span
    depth: int = field(default=1, kw_only=True)


@dataclass(frozen=True, slots=True)
class SynNumber(Syn):
    text: str = ""


@dataclass(frozen=True, slots=True)
class SynName(Syn):
    name: str = ""


@dataclass(frozen=True, slots=True)
class SynCall(Syn):
    name: str = ""
    name_span: Span = Span(0, 0)
    args: tuple[Syn, ...] = ()


# The two levels of chains: terms joined by + and -, factors by products.
TERMS, FACTORS = "terms", "factors"


@dataclass(frozen=True, slots=True)
class SynChain(Syn):
    """first (op operand)*: a left-associative chain of one precedence level.
    `op` is the operator text ('+', '-', '*', '/', '.*', './', '∘', '⊗', or ''
    for juxtaposition); `op_spans` point at the operators."""

    first: Syn | None = None
    ops: tuple[str, ...] = ()
    op_spans: tuple[Span, ...] = ()
    operands: tuple[Syn, ...] = ()
    level: str = TERMS


@dataclass(frozen=True, slots=True)
class SynPrefix(Syn):
    op: str = "-"
    operand: Syn | None = None


@dataclass(frozen=True, slots=True)
class SynPostfix(Syn):
    """A transpose (' ᵀ), inverse transpose (⁻ᵀ) or a superscript integer power."""

    op: str = "'"
    op_span: Span = Span(0, 0)
    operand: Syn | None = None


@dataclass(frozen=True, slots=True)
class SynPower(Syn):
    op: str = "^"             # '^' or '.^'
    op_span: Span = Span(0, 0)
    base: Syn | None = None
    exponent: Syn | None = None


@dataclass(frozen=True, slots=True)
class SynDefinition(Syn):
    """A statement `name = value` of a program."""

    name: str = ""
    name_span: Span = Span(0, 0)
    value: Syn | None = None


@dataclass(frozen=True, slots=True)
class SynProgram(Syn):
    """Statements in order: definitions, the last of which (or a bare last
    expression) is the function."""

    statements: tuple[Syn, ...] = ()


@dataclass(frozen=True, slots=True)
class SynDeclaration:
    name: str
    span: Span
    words: tuple["SynDeclWord", ...]


@dataclass(frozen=True, slots=True)
class SynDeclWord:
    word: str
    span: Span
    sizes: tuple[tuple[str, Span], ...] | None = None  # None: no parentheses


def deeper(span: Span, *children: Syn | None) -> int:
    depth = 1 + max((c.depth for c in children if c is not None), default=0)
    if depth > MAX_DEPTH:
        raise ParseError(f"the expression is nested more than {MAX_DEPTH} levels deep", span)
    return depth
