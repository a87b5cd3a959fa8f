"""`where` declarations: kinds (scalar, vector(n), matrix(m,n)) and properties
(symmetric, spd, diagonal, orthogonal, invertible), checked word by word with
"did you mean" for misspellings.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import DeclarationError, Span, closest
from .syntax import SynDeclaration

KINDS = ("scalar", "vector", "matrix")
PROPERTIES = ("symmetric", "spd", "diagonal", "orthogonal", "invertible")
SizeWord = "str | int | None"


@dataclass(frozen=True)
class Declaration:
    """What the user said about one symbol."""

    name: str
    kind: str | None                       # None: the default kind by first letter
    sizes: tuple[str | int | None, ...]    # None: unspecified
    properties: frozenset[str]
    span: Span


def read_declarations(syntax: tuple[SynDeclaration, ...], reserved: frozenset[str]) -> dict[str, Declaration]:
    """Check and collect declarations; `reserved` are function names."""
    out: dict[str, Declaration] = {}
    for decl in syntax:
        if decl.name in out:
            raise DeclarationError(f"{decl.name} is declared twice", decl.span)
        if decl.name in reserved:
            raise DeclarationError(f"{decl.name} is a function name and cannot be declared as a symbol",
                                   decl.span)
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
        if props and kind in ("scalar", "vector"):
            raise DeclarationError(f"{', '.join(sorted(props))} applies to square matrices, "
                                   f"but {decl.name} is declared a {kind}", decl.span)
        if props and kind is None:
            kind = "matrix"
        if props and kind == "matrix" and len(sizes) == 2 and None not in sizes and sizes[0] != sizes[1]:
            raise DeclarationError(f"{', '.join(sorted(props))} needs a square matrix, "
                                   f"but {decl.name} is declared {sizes[0]}×{sizes[1]}", decl.span)
        out[decl.name] = Declaration(decl.name, kind, sizes, frozenset(props), decl.span)
    return out


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
            if not text.isdigit() or int(text) < 1:
                raise DeclarationError(f"a size must be a positive integer or a name, not {text}", size_span)
            out.append(int(text))
        else:
            out.append(text)
    return tuple(out)
