"""LaTeX printer: \\operatorname{tr}, ^{\\mathsf{T}}, ^{-1}, \\otimes, \\odot,
\\frac for scalar divisions, parentheses from the shared precedence table."""
from __future__ import annotations

import re
from fractions import Fraction

from ..nodes import (
    ADJOINT, TANGENT, Add, Bound, Call, Commutation, Differential, DifferentialOf, Filled, Hadamard, Identity,
    Inverse, Kron, MatPower, Mul, Node, Number, Power, Symbol, Transpose, Zero,
)
from ..ops import function
from ..ops.kronecker import khatri_rao_written
from .base import Printer
from .precedence import (
    ATOM, POWER, PRODUCT, SUM, format_number, is_negative_term, is_reciprocal, negated, positive_first,
    divisor, precedence, quotient_order, scalars_in_front, untransposed, written_terms,
)

T = r"\mathsf{T}"


GREEK = frozenset((
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi pi rho sigma tau upsilon phi chi "
    "psi omega Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega").split())
_TRAILING_DIGITS = re.compile(r"([A-Za-z]+?)(\d+)$")


def latex_name(name: str) -> str:
    """A symbol's name as a textbook sets it: W1 is W_1, mu is \\mu, x_max is x_{max}."""
    head, _, tail = name.partition("_")
    digits = _TRAILING_DIGITS.fullmatch(head)
    if digits and not tail:
        head, tail = digits.groups()
    if head in GREEK:
        core = "\\" + head
    else:
        core = head if len(head) == 1 else rf"\mathit{{{head}}}"
    return f"{core}_{{{tail}}}" if tail else core


class LatexPrinter(Printer):
    """LaTeX as a textbook prints it."""

    def __call__(self, node: Node) -> str:
        return self.doprint(khatri_rao_written(node))  # A ⊙ B for its product of selectors

    def level(self, node: Node) -> int:
        if isinstance(node, Mul) and node.is_scalar and not is_negative_term(node):
            return POWER
        if isinstance(node, Add) and untransposed(node) is not None:
            return POWER  # (x - u)^T
        if isinstance(node, Call) and (function(node.name).infix or function(node.name).reads_as_product):
            return PRODUCT
        return precedence(node)

    def wrap(self, node: Node, level: int) -> str:
        text = self.doprint(node)
        return rf"\left({text}\right)" if self.level(node) < level else text

    def _Symbol(self, n: Symbol) -> str:
        return latex_name(n.name)

    def _Bound(self, n: Bound) -> str:
        if n.role == ADJOINT:
            return rf"\bar{{{n.of}}}" if len(n.of or "") == 1 else rf"\overline{{{latex_name(n.of or '')}}}"
        if n.role == TANGENT:
            return rf"\mathrm{{d}}{latex_name(n.of or '')}"
        return latex_name(n.name)

    def _Differential(self, n: Differential) -> str:
        return rf"\mathrm{{d}}{latex_name(n.var.name)}"

    def _DifferentialOf(self, n: DifferentialOf) -> str:
        inner = self.doprint(n.of)
        if isinstance(n.of, Symbol):
            return rf"\mathrm{{d}}{inner}"
        if isinstance(n.of, Call) and not (function(n.of.name).infix or function(n.of.name).reads_as_product):
            return rf"\mathrm{{d}}\,{inner}"
        return rf"\mathrm{{d}}\left({inner}\right)"

    def _Number(self, n: Number) -> str:
        v = n.value
        if v.denominator != 1 and "/" in format_number(v, exact=False):
            sign = "-" if v < 0 else ""
            return rf"{sign}\frac{{{abs(v.numerator)}}}{{{v.denominator}}}"
        text = format_number(v, exact=False)
        if "e" in text:  # 2e+600 is 2 \times 10^{600}
            mantissa, exponent = text.split("e")
            power = rf"10^{{{int(exponent)}}}"
            if mantissa in ("1", "-1"):
                return mantissa[:-1] + power
            return rf"{mantissa} \times {power}"
        return text

    def _Identity(self, n: Identity) -> str:
        return "I"

    def _Zero(self, n: Zero) -> str:
        return "0"

    def _Filled(self, n: Filled) -> str:
        ones = r"\mathbf{1}" + (rf"^{{{T}}}" if n.shape[0].is_one else "")
        return ones if n.value == Number(Fraction(1)) else f"{self.wrap(n.value, POWER)} {ones}"

    def _Commutation(self, n: Commutation) -> str:
        return rf"K_{{{n.m},{n.n}}}"

    def _Add(self, n: Add) -> str:
        flipped = untransposed(n)
        if flipped is not None:
            return f"{self.wrap(flipped, ATOM)}^{{{T}}}"
        return "".join(self.signed_terms(n))

    def signed_terms(self, n: Add) -> list[str]:
        """The terms of a sum as set: the first bare, the others after ' + ' or ' - '."""
        terms = positive_first(written_terms(n))
        parts = [self.wrap(terms[0], SUM)]
        for t in terms[1:]:
            if is_negative_term(t):
                parts.append(" - " + self.wrap(negated(t), PRODUCT))
            else:
                parts.append(" + " + self.wrap(t, PRODUCT))
        return parts

    def _Mul(self, n: Mul) -> str:
        factors = scalars_in_front(n.factors)
        sign = ""
        if isinstance(factors[0], Number) and factors[0].value < 0:  # -2 x, never \left(-2\right) x
            sign = "-"
            factors = factors[1:] if factors[0].value == -1 else (Number(-factors[0].value),) + factors[1:]
        num = [f for f in factors if divisor(f) is None]
        den = [d for d in (divisor(f) for f in factors) if d is not None]
        scales_chain = any(not f.is_scalar for f in num)  # (xᵀ y) A: bracket the 1×1 chain
        top = " ".join(rf"\left({self.doprint(f)}\right)" if scales_chain and isinstance(f, Mul) and f.is_scalar
                       else self.wrap(f, POWER) for f in num) if num else "1"
        if den:
            bottom = " ".join(self.wrap(f, POWER) for f in den)
            return rf"{sign}\frac{{{top}}}{{{bottom}}}"
        return sign + top

    def _Hadamard(self, n: Hadamard) -> str:
        factors = quotient_order(n.factors)
        text = self.wrap(factors[0], POWER)
        for f in factors[1:]:
            if is_reciprocal(f):
                text += r" \oslash " + self.wrap(f.base, POWER)  # type: ignore[attr-defined]
            else:
                text += r" \odot " + self.wrap(f, POWER)
        return text

    def _Kron(self, n: Kron) -> str:
        return r" \otimes ".join(f"I_{{{f.shape[0]}}}" if isinstance(f, Identity) else self.wrap(f, POWER)
                                  for f in n.factors)

    def _Transpose(self, n: Transpose) -> str:
        return f"{self.wrap(n.arg, ATOM)}^{{{T}}}"

    def _Inverse(self, n: Inverse) -> str:
        if isinstance(n.arg, Transpose):
            return f"{self.wrap(n.arg.arg, ATOM)}^{{-{T}}}"
        flipped = untransposed(n.arg, inverted=True)
        if flipped is not None:
            return f"{self.wrap(flipped, ATOM)}^{{-{T}}}"
        return f"{self.wrap(n.arg, ATOM)}^{{-1}}"

    def _MatPower(self, n: MatPower) -> str:
        return f"{self.wrap(n.base, ATOM)}^{{{n.k}}}"

    def _Power(self, n: Power) -> str:
        base = self.wrap(n.base, ATOM)
        exp = self.doprint(n.exponent)
        mark = "" if n.base.is_scalar else r"\circ "
        return f"{base}^{{{mark}{exp}}}"

    def _Call(self, n: Call) -> str:
        fn = function(n.name)
        template = fn.latex_form(n)
        if fn.infix:  # A \backslash B
            left, right = n.args
            return template.format(self.wrap(left, PRODUCT), self.wrap(right, POWER))
        args = [self.doprint(a) for a in n.args]
        if fn.arity == 1 and r"\left" not in template and "{{{0}}}" not in template:  # \sqrt{{{0}}} braces its own
            return template.format(rf"\left({args[0]}\right)")
        return template.format(*args)


to_latex = LatexPrinter()


# A sum whose text form is longer than this is set on several lines.
LINE_WIDTH = 100


def equation(lhs: str, node: Node, width: int = LINE_WIDTH) -> str:
    """`lhs = node` in LaTeX; a long sum as an `aligned` block, broken before
    a + or − wherever a line's text form would pass `width` characters."""
    from .text import to_text
    node = khatri_rao_written(node)  # the aligned form sets the terms one by one, not through to_latex
    if not isinstance(node, Add) or len(to_text(node)) <= width:
        return f"{lhs} = {to_latex(node)}"
    terms = positive_first(written_terms(node))
    parts = to_latex.signed_terms(node)
    lines: list[list[str]] = [[]]
    used = 0
    for term, part in zip(terms, parts):
        size = len(to_text(term)) + 3
        if lines[-1] and used + size > width:
            lines.append([])
            used = 0
        lines[-1].append(part)
        used += size
    rows = [f"{lhs} &= {''.join(lines[0])}"] + [rf"&\quad {''.join(line).lstrip()}" for line in lines[1:]]
    return "\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}"
