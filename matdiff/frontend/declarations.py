"""`where` declarations: kinds (scalar, vector(n), matrix(m,n)) and the
properties of structures.PROPERTIES, checked word by word with "did you
mean" for misspellings.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import DeclarationError, Span, closest
from ..structures import PROPERTIES
from .syntax import SynDeclaration

KINDS = ("scalar", "vector", "matrix")
SizeWord = "str | int | None"
MAX_SIZE_DIGITS = 12


@dataclass(frozen=True)
class Declaration:
    """What the user said about one symbol."""

    name: str
    kind: str | None                       # None: the default kind by first letter
    sizes: tuple[str | int | None, ...]    # None: unspecified
    properties: frozenset[str]
    span: Span


def read_declarations(syntax: tuple[SynDeclaration, ...], reserved: frozenset[str],
                      into: dict[str, Declaration] | None = None) -> dict[str, Declaration]:
    """Check and collect declarations; `reserved` are function names. What is
    said of one symbol in several places combines (a kind in one, a property
    in another); saying two different things is an error."""
    out: dict[str, Declaration] = dict(into or {})
    for decl in syntax:
        if decl.name in reserved:
            raise DeclarationError(f"{decl.name} is a function name and cannot be declared as a symbol",
                                   decl.span)
        new = _declaration(decl)
        out[decl.name] = combine(out[decl.name], new) if decl.name in out else new
    return out


def _declaration(decl: SynDeclaration) -> Declaration:
    kind: str | None = None
    sizes: tuple[str | int | None, ...] = ()
    props: set[str] = set()
    for word in decl.words:
        if word.word in KINDS:
            if kind is not None:
                raise DeclarationError(f"{decl.name} is given two kinds ({kind} and {word.word})", word.span)
            kind = word.word
            sizes = _sizes(kind, word.sizes, word.span)
        elif word.word in PROPERTIES:
            if word.sizes is not None:
                raise DeclarationError(f"the property {word.word} takes no parentheses", word.span)
            props.add(word.word)
        else:
            guess = closest(word.word, KINDS + PROPERTIES)
            hint = (f"; did you mean {guess}?" if guess else
                    f" (kinds: {', '.join(KINDS)}; properties: {', '.join(PROPERTIES)})")
            raise DeclarationError(f"unknown kind or property '{word.word}'{hint}", word.span)
    return _checked(Declaration(decl.name, kind, sizes, frozenset(props), decl.span))


def _checked(decl: Declaration) -> Declaration:
    """A structured symbol is a square matrix (the kind may be left out)."""
    props, kind, sizes = decl.properties, decl.kind, decl.sizes
    if props and kind in ("scalar", "vector"):
        raise DeclarationError(f"{', '.join(sorted(props))} applies to square matrices, "
                               f"but {decl.name} is declared a {kind}", decl.span)
    if props and kind == "matrix" and len(sizes) == 2 and None not in sizes and sizes[0] != sizes[1]:
        raise DeclarationError(f"{', '.join(sorted(props))} needs a square matrix, "
                               f"but {decl.name} is declared {sizes[0]}×{sizes[1]}", decl.span)
    if props and kind is None:
        return Declaration(decl.name, "matrix", (None, None), props, decl.span)
    return decl


def combine(old: Declaration, new: Declaration) -> Declaration:
    """One symbol's declarations from two places, or a DeclarationError where
    they disagree (two kinds, two sizes for one axis)."""
    name = new.name
    kind, sizes = old.kind, old.sizes
    if new.kind is not None and old.kind is not None and new.kind != old.kind:
        raise DeclarationError(f"{name} is declared both a {old.kind} and a {new.kind}", new.span)
    if old.kind is None:
        kind, sizes = new.kind, new.sizes
    elif new.kind is not None:
        merged: list[str | int | None] = []
        for axis, (a, b) in enumerate(zip(old.sizes, new.sizes)):
            if a is not None and b is not None and a != b:
                raise DeclarationError(f"{name} is declared with two sizes, {_kind_text(old)} and "
                                       f"{_kind_text(new)}", new.span)
            merged.append(a if a is not None else b)
        sizes = tuple(merged)
    return _checked(Declaration(name, kind, sizes, old.properties | new.properties, new.span))


def _kind_text(decl: Declaration) -> str:
    if not decl.sizes:
        return decl.kind or "matrix"
    return f"{decl.kind}({', '.join('?' if s is None else str(s) for s in decl.sizes)})"


def _sizes(kind: str, given: tuple[tuple[str, Span], ...] | None, span: Span) -> tuple[str | int | None, ...]:
    wanted = {"scalar": 0, "vector": 1, "matrix": 2}[kind]
    if given is None:
        return (None,) * wanted
    if len(given) != wanted:
        what = {0: "no sizes", 1: "one size", 2: "two sizes"}[wanted]
        raise DeclarationError(f"{kind} takes {what}, got {len(given)}", span)
    out: list[str | int | None] = []
    for text, size_span in given:
        if text[0].isdigit() or text[0] == ".":
            if not text.isdigit() or int(text[:MAX_SIZE_DIGITS + 1]) < 1:
                raise DeclarationError(f"a size must be a positive integer or a name, not {text[:40]}", size_span)
            if len(text.lstrip("0")) > MAX_SIZE_DIGITS:
                raise DeclarationError(f"a size has at most {MAX_SIZE_DIGITS} digits", size_span)
            out.append(int(text))
        else:
            out.append(text)
    return tuple(out)
