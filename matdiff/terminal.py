"""Writing the command line's output: Unicode where the streams take it, ASCII
forms where they do not (PYTHONIOENCODING=ascii, LC_ALL=C): expressions in
the input language (X', inv(X)), the rest transliterated; a stream that
cannot be written (/dev/full, a closed pipe) ends the command with status 1
and a message, never a traceback. Imports nothing of matdiff but printing.
"""
from __future__ import annotations

import os
import re
import sys
import unicodedata
from typing import TextIO

from .nodes import Node
from .printing.text import SUBSCRIPT, SUPERSCRIPT, to_input, to_text

# Unicode of the text forms and messages, and what ASCII says instead.
_ASCII = {
    "∘": " .* ", "⊘": " ./ ", "⊗": " (x) ", "∇": "grad_", "∂": "d",
    "×": "x", "−": "-", "≤": "<=", "≥": ">=", "‖": "||", "·": "*", "⟨": "<", "⟩": ">", "…": "...", "√": "sqrt",
    "σ": "sigma", "λ": "lambda", "→": "->", "§": "sec. ", "Σ": "sum_", "Φ": "Phi", "ε": "eps",
    "\u0304": "_bar",  # the macron of an adjoint (ā is decomposed first)
    "\u0301": "",  # an accent (Fréchet): the letter alone
}
_RAISED = {u: c for c, u in SUPERSCRIPT.items() if c != "T"}  # ᵀ reads as a quote: A'
_SUPERSCRIPT = re.compile(f"[{''.join(_RAISED)}]+")
_SUBSCRIPTS = re.compile(f"[{''.join(SUBSCRIPT.values())}]+")
_PLAIN = str.maketrans({**_RAISED, **{u: c for c, u in SUBSCRIPT.items()}})


def ascii_text(text: str) -> str:
    """`text` with its mathematical Unicode in ASCII (Aᵀ → A', X⁻¹ → X^-1, ā → a_bar)."""
    text = unicodedata.normalize("NFD", text)
    for unicode, ascii in (("∇²", "hess_"), ("⁻ᵀ", "^-T"), ("ᵀ", "'")):
        text = text.replace(unicode, ascii)
    text = _SUPERSCRIPT.sub(lambda m: "^" + m.group(0).translate(_PLAIN), text)
    text = _SUBSCRIPTS.sub(lambda m: "_" + m.group(0).translate(_PLAIN), text)
    for unicode, ascii in _ASCII.items():
        text = text.replace(unicode, ascii)
    return text.encode("ascii", "backslashreplace").decode("ascii")


def _takes(stream: TextIO, sample: str = "∇ᵀ⁻¹∘⊗²×‖") -> bool:
    try:
        sample.encode(stream.encoding or "ascii")
        return True
    except (UnicodeEncodeError, LookupError):
        return False


class Terminal:
    """stdout and stderr of one command, in the forms they can encode."""

    def __init__(self, out: TextIO | None = None, err: TextIO | None = None):
        self.stdout = out or sys.stdout
        self.stderr = err or sys.stderr
        self.unicode = _takes(self.stdout)

    def expression(self, node: Node) -> str:
        """A tree as text: the Unicode text form, or the ASCII input form."""
        return to_text(node) if self.unicode else to_input(node)

    def out(self, text: str = "", end: str = "\n") -> None:
        self._write(self.stdout, text + end)

    def err(self, text: str) -> None:
        self._write(self.stderr, text + "\n")

    @staticmethod
    def _write(stream: TextIO, text: str) -> None:
        try:
            stream.write(text)
        except UnicodeEncodeError:
            stream.write(ascii_text(text))


def flush_or_fail(terminal: Terminal) -> bool:
    """Flush stdout; False (after saying so) where it cannot be written."""
    try:
        terminal.stdout.flush()
        return True
    except OSError as e:
        unwritable(terminal, e)
        return False


def unwritable(terminal: Terminal, error: OSError) -> None:
    """Say on stderr that stdout cannot be written, and point stdout at devnull
    so that the interpreter's own flush at exit does not raise again."""
    try:
        terminal.err(f"error: cannot write the output: {error.strerror or error}")
    except OSError:
        pass
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, terminal.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
