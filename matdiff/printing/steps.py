"""A derivation's steps as text and as the body of a LaTeX align*: one line
per step, `=` under `=`, the rule with its identity and source beside it;
steps on a part are indented under it. Imports calculus.steps and the
expression printers.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Callable, Sequence

from ..calculus.steps import (
    D_GRADIENT, DF, EQUAL, F, GRADIENT, HESSIAN, JACOBIAN, OPERATOR, UNCONSTRAINED, VEC_DF, VEC_OPERATOR, Step,
)
from ..nodes import DifferentialOf, Node
from ..ops import REGISTRY
from .latex import latex_name, to_latex
from .text import SUBSCRIPT, SUPERSCRIPT, to_text


@dataclass(frozen=True)
class Names:
    """What a derivation's lines call f and its variable."""

    f: str
    x: str


def _labels_text(n: Names) -> dict[str, str]:
    return {F: n.f, DF: f"d{n.f}", VEC_DF: f"vec(d{n.f})", GRADIENT: f"∇{n.x} {n.f}", UNCONSTRAINED: "G",
            JACOBIAN: f"∂vec {n.f}/∂vec {n.x}", D_GRADIENT: f"d(∇{n.x} {n.f})", OPERATOR: f"H[d{n.x}]",
            VEC_OPERATOR: f"vec(H[d{n.x}])", HESSIAN: f"∇²{n.x} {n.f}"}


def _labels_latex(n: Names) -> dict[str, str]:
    f, x = latex_name(n.f), latex_name(n.x)
    return {F: f, DF: rf"\mathrm{{d}}{f}", VEC_DF: rf"\operatorname{{vec}}(\mathrm{{d}}{f})",
            GRADIENT: rf"\nabla_{{{x}}} {f}", UNCONSTRAINED: "G",
            JACOBIAN: rf"\frac{{\partial \operatorname{{vec}} {f}}}{{\partial \operatorname{{vec}} {x}}}",
            D_GRADIENT: rf"\mathrm{{d}}(\nabla_{{{x}}} {f})", OPERATOR: rf"H[\mathrm{{d}}{x}]",
            VEC_OPERATOR: rf"\operatorname{{vec}}(H[\mathrm{{d}}{x}])", HESSIAN: rf"\nabla^2_{{{x}}} {f}"}


@dataclass(frozen=True)
class Line:
    """A printed line: its label (empty: continues the statement above), the
    expression, the rule beside it, its depth."""

    label: str
    expression: str
    note: str
    level: int


def lines(steps: Sequence[Step], labels: dict[str, str], show: Callable[[Node], str],
          note: Callable[[Step], str], brief: bool = False) -> list[Line]:
    """The steps as lines: the first states f; a step starts a statement
    when it relates its sides otherwise than by = or its line changes."""
    if not steps:
        return []
    out = [Line(labels[F], show(steps[0].before), "", 0)]
    previous: tuple | None = None
    for i, step in enumerate(steps):
        if brief and not (step.key or i == 0 or step.relation != EQUAL):
            continue
        statement = (step.target, step.level)
        starts = step.relation != EQUAL or statement != previous
        label = ""
        if starts:
            label = labels[step.target] if isinstance(step.target, str) else show(_subject(step))
        out.append(Line(label, show(step.after), note(step), step.level))
        previous = statement
    return out


def _subject(step: Step) -> Node:
    """What a step on a part is about: d(E), or the term itself."""
    return DifferentialOf(step.target) if isinstance(step.before, DifferentialOf) else step.before  # type: ignore


def steps_text(steps: Sequence[Step], names: Names, brief: bool = False, width: int = 44) -> str:
    """The steps as text: '=' under '=', each rule beside its line (in a
    column at most `width` in; a longer line has its rule below it)."""
    def note(step: Step) -> str:
        if brief or not step.identity:
            return step.rule + (f"  [{step.source}]" if step.source and not brief else "")
        return f"{step.rule}: {step.identity}" + (f"  [{step.source}]" if step.source else "")

    found = lines(steps, _labels_text(names), to_text, note, brief)
    lead = max((_columns(line.label) for line in found if line.level == 0), default=1)
    pads: dict[int, int] = {}  # where '=' stands at each depth
    texts = []
    for line in found:
        indent = "  " * line.level
        if line.label:
            label = " " * (lead - _columns(line.label)) + line.label if line.level == 0 else line.label
            head = f"{indent}{label} = "
            pads[line.level] = _columns(head) - 2
        else:
            head = " " * pads.get(line.level, len(indent)) + "= "
        texts.append(head + line.expression)
    width = min(width, max(_columns(t) for t in texts))
    rows: list[str] = []
    for line, text in zip(found, texts):
        if not line.note:
            rows.append(text)
        elif _columns(text) <= width:
            rows.append(text + " " * (width - _columns(text) + 2) + line.note)
        else:  # the rule on a line of its own, in the column of the rules
            rows += [text, " " * (width + 2) + line.note]
    return "\n".join(rows)


def _columns(text: str) -> int:
    """The columns text takes on a terminal: combining marks (the bar of r̄) take none."""
    return sum(1 for c in text if not unicodedata.combining(c))


def steps_latex(steps: Sequence[Step], names: Names, brief: bool = False) -> str:
    """The body of an align* environment: a line per step, the rule that
    gives it as a line of text above it (\\intertext, so that long rules
    wrap within the page)."""
    def note(step: Step) -> str:
        text = _escape(step.rule)
        if step.identity and not brief:
            text += f": ${identity_latex(step.identity)}$"
        if step.source and not brief:
            text += f" [{_escape(step.source)}]"
        return text

    found = lines(steps, _labels_latex(names), to_latex, note, brief)
    rows = []
    for line in found:
        above = rf"\intertext{{\small {line.note}}} " if line.note else ""
        rows.append(f"{above}{line.label} &= {line.expression}")
    return " \\\\\n".join(rows)


_TEXT_SPECIALS = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
                  "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


def _escape(text: str) -> str:
    """Plain text for \\text{}: LaTeX's specials escaped, mathematical characters in math mode."""
    out = []
    for ch in text:
        if ch in _TEXT_SPECIALS:
            out.append(_TEXT_SPECIALS[ch])
        elif ord(ch) < 128:
            out.append(ch)
        elif ch in _PLAIN:
            out.append(_PLAIN[ch])
        else:
            out.append(f"${identity_latex(ch)}$")
    return "".join(out)



# Unicode's raised and lowered characters, read back (ᵀ is the transpose's \\mathsf{T}).
_SUPERSCRIPT = {u: r"\mathsf{T}" if c == "T" else c for c, u in SUPERSCRIPT.items()}
_SUBSCRIPT = {u: c for c, u in SUBSCRIPT.items()}
_SYMBOLS = {"∘": r"\circ", "⊗": r"\otimes", "⊙": r"\odot", "⊘": r"\oslash", "⟨": r"\langle", "⟩": r"\rangle", "−": "-",
            "‖": r"\|", "′": "'", "×": r"\times", "λ": r"\lambda", "σ": r"\sigma", "Σ": r"\textstyle\sum",
            "Φ": r"\Phi", "∇": r"\nabla", "≠": r"\neq", "∗": "*", "ε": r"\varepsilon", "∂": r"\partial",
            "…": r"\dots", "§": r"\S", "·": r"\cdot", "≤": r"\le", "≥": r"\ge", "→": r"\to"}
_PLAIN = {"é": r"\'e", "–": "--", "—": "---", "§": r"\S{}", "…": r"\dots{}"}
# Words set upright in identities: the functions' names, and those of the projections.
_OPERATORS = set(REGISTRY) | {"Diag", "skew"}
# ... those LaTeX has an operator macro for, as the records' LaTeX forms use it (\\exp{0}; \\sqrt{{{0}}}
# takes its argument in braces, so is none of them).
_LATEX_MACROS = {name for name, fn in REGISTRY.items() if fn.latex == "\\" + name + "{0}"}
_TOKEN = re.compile(rf"[A-Za-z]+_[A-Za-z0-9_]+|_[A-Za-z0-9*]+|[A-Za-z]\u0304|[A-Za-zé]+|[{''.join(_SUPERSCRIPT)}]+"
                    rf"|[{''.join(_SUBSCRIPT)}]+|\s+|.", re.S)
_BARRED = re.compile("[āēīōūȳ]")  # precomposed letters with a bar: an adjoint


def identity_latex(identity: str) -> str:
    """An identity as steps write it (Unicode, d X⁻¹ = −X⁻¹ dX X⁻¹) in LaTeX math."""
    out: list[str] = []
    prose: list[str] = []

    def flush() -> None:
        if prose:
            out.append(rf"\ \text{{{' '.join(prose)}}}\ ")
            prose.clear()

    for token in _TOKEN.findall(_BARRED.sub(lambda m: unicodedata.normalize("NFD", m.group()), identity)):
        if token.isspace():
            continue
        if "_" in token[1:] and token in REGISTRY:  # frechet_expm: a function's name
            flush()
            out.append(r"\operatorname{" + token.replace("_", r"\_") + "}")
            continue
        if "_" in token[1:]:  # L_expm: a name and its subscript word
            flush()
            head, tail = token.split("_", 1)
            out.append(rf"{head}_{{\mathrm{{{tail}}}}}")
            continue
        if token[0] == "_" and len(token) > 1:  # a subscript word
            flush()
            out.append(rf"_{{\mathrm{{{token[1:]}}}}}")
            continue
        if len(token) == 2 and token[1] == "\u0304":  # ū: an adjoint
            flush()
            out.append(rf"\bar{{{token[0]}}}")
            continue
        if token.replace("é", "").isascii() and token.replace("é", "e").isalpha():
            if token in _LATEX_MACROS:
                flush()
                out.append("\\" + token)
            elif token in _OPERATORS:
                flush()
                out.append(rf"\operatorname{{{token}}}")
            elif len(token) == 2 and token[0] == "d" and token[1] != "d":  # dX, du: a differential
                flush()
                out.append(rf"\mathrm{{d}}{token[1]}")
            elif token == "d":  # d tr(X): the differential of what follows
                flush()
                out.append(r"\mathrm{d}")
            elif len(token) == 1:
                flush()
                out.append(token)
            else:
                prose.append(token.replace("é", r"\'e"))
            continue
        flush()
        if token[0] in _SUPERSCRIPT:
            out.append("^{" + "".join(_SUPERSCRIPT[c] for c in token) + "}")
        elif token[0] in _SUBSCRIPT:
            out.append("_{" + "".join(_SUBSCRIPT[c] for c in token) + "}")
        elif token in _SYMBOLS:
            out.append(_SYMBOLS[token])
        elif token == "*":  # f*(G): the adjoint of a linear map
            out.append("^{*}")
        elif token in "{}":
            out.append("\\" + token)
        elif token in "&%$#":
            out.append("\\" + token)
        elif token == "\\":
            out.append(r"\backslash")
        elif token.isascii():
            out.append(token)
        else:
            out.append(_PLAIN.get(token, "?"))
    flush()
    return " ".join(out)
