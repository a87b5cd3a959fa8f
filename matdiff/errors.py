"""Source spans and the error classes a user can meet.

Every error caused by user input is a MatdiffError carrying a message and,
where it has one, the span of the input it is about; `render()` draws the caret
line. Imports nothing from the rest of matdiff.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Iterable


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open character range [start, end) of the input text."""

    start: int
    end: int

    def cover(self, other: "Span | None") -> "Span":
        if other is None:
            return self
        return Span(min(self.start, other.start), max(self.end, other.end))


class MatdiffError(Exception):
    """Base class of every error a user can cause."""

    def __init__(self, message: str, span: Span | None = None, text: str | None = None):
        super().__init__(message)
        self.message = message
        self.span = span
        self.text = text

    def with_text(self, text: str) -> "MatdiffError":
        """Attach the input text (for the caret line) unless already known."""
        if self.text is None:
            self.text = text
        return self

    def render(self) -> str:
        """The message, then the offending line with a caret under the span."""
        lines = [f"error: {self.message}"]
        if self.text is not None and self.span is not None:
            lines.extend(caret_lines(self.text, self.span))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.render()


class ParseError(MatdiffError):
    """The text is not a well-formed expression or declaration."""


class ShapeError(MatdiffError):
    """Sizes or kinds do not fit together (e.g. the columns of A vs the rows of x)."""


class DeclarationError(ParseError):
    """A `where` declaration is malformed or contradicts itself."""


class DerivativeError(MatdiffError):
    """The requested derivative does not exist or cannot be formed."""


class EvaluationError(MatdiffError, ValueError):
    """Numeric evaluation got missing, misshapen or out-of-domain values."""


class BackendError(MatdiffError, ValueError):
    """Generated code was asked of a backend that lacks a form of some function
    (JAX has no logm), or of a backend matdiff does not know."""


class CheckError(MatdiffError):
    """A numeric verification failed: the derivative disagrees with finite differences."""


class MatdiffWarning(UserWarning):
    """A note on the input: what matdiff read may not be what was meant
    (Ax is one name), or something given was not used."""


def caret_lines(text: str, span: Span) -> list[str]:
    """The line of `text` that holds `span`, and a caret line under the span."""
    start = max(0, min(span.start, len(text)))
    end = max(start + 1, min(span.end, len(text) + 1))
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", start)
    if line_end == -1:
        line_end = len(text)
    line = text[line_start:line_end]
    # Long lines are cut to a window around the span.
    offset = start - line_start
    width = min(end, line_end + 1) - start
    if len(line) > 100:
        left = max(0, offset - 40)
        prefix = "..." if left else ""
        window = line[left:left + 80]
        suffix = "..." if left + 80 < len(line) else ""
        return ["  " + prefix + window + suffix,
                "  " + " " * (len(prefix) + offset - left) + "^" * max(1, min(width, 80))]
    return ["  " + line, "  " + " " * offset + "^" * max(1, width)]


def closest(word: str, candidates: Iterable[str]) -> str | None:
    """The candidate nearest to a misspelt word, if any is close enough (the
    same word in other letter case first: Tr -> tr)."""
    options = list(candidates)
    for option in options:
        if option.lower() == word.lower():
            return option
    found = difflib.get_close_matches(word, options, n=1, cutoff=0.7)
    return found[0] if found else None
