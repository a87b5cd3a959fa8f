"""Printers to the input language (ASCII, parses back to the same tree) and to
Unicode text (juxtaposition, ᵀ, ⁻¹, ∘, ⊗), as visitors sharing one
precedence table.
"""
from __future__ import annotations

import unicodedata
from contextlib import contextmanager
from contextvars import ContextVar
from fractions import Fraction
from typing import Iterable, Iterator

from ..nodes import (
    ADJOINT, TANGENT, Add, Bound, Call, Commutation, Differential, DifferentialOf, Filled, Hadamard, Identity,
    Inverse, Kron, MatPower, Mul, Node, Number, Power, Symbol, Transpose, Zero, bound_in_order, symbols_of,
    use_text_form,
)
from ..shapes import Size
from ..ops import function
from ..ops.kronecker import khatri_rao_written
from .base import Printer
from .precedence import (
    ATOM, POWER, PRODUCT, SUM, format_number, is_negative_term, is_reciprocal, negated, positive_first,
    divisor, precedence, quotient_order, scalars_in_front, untransposed, written_terms,
)

# The characters text raises or lowers, and Unicode's forms of them (one home: the printers of
# steps and the ASCII terminal read them back).
SUPERSCRIPT = dict(zip("0123456789-Tkpi", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻ᵀᵏᵖⁱ"))
SUBSCRIPT = dict(zip("0123456789ijkuv", "₀₁₂₃₄₅₆₇₈₉ᵢⱼₖᵤᵥ"))
_SUPERSCRIPTS = str.maketrans({c: SUPERSCRIPT[c] for c in "0123456789-"})


# The size names the symbols of the tree being printed hold: a constant of another size says its size.
_HELD: ContextVar[frozenset[Size | str]] = ContextVar("held_sizes", default=frozenset())  # sizes, size names


# Only the sizes given by `holding` count as known: a constant of any other size says it.
_STRICT: ContextVar[bool] = ContextVar("strict_sizes", default=False)


@contextmanager
def holding(shapes: Iterable[tuple[Size, Size]], strict: bool = False) -> Iterator[None]:
    """Print within: the sizes of these shapes are known to a reader (what the
    left side of a result gives: X's shape in ∇X f = I); with strict, only
    they (not those of the symbols printed: see Result.printing)."""
    sizes = [size for shape in shapes for size in shape]
    held = _HELD.set(_HELD.get() | set(sizes) | {f for size in sizes for f in size.factors})
    strictly = _STRICT.set(_STRICT.get() or strict)
    try:
        yield
    finally:
        _STRICT.reset(strictly)
        _HELD.reset(held)


def _printing(method):
    """Print a whole tree knowing the sizes its symbols and names hold (and its
    names' definitions'), its Khatri–Rao products by name."""
    def whole(self, node: Node) -> str:
        own = [] if _STRICT.get() else [s.shape for s in symbols_of(node)] + [b.shape for b in bound_in_order(node)]
        with holding(own):
            return method(self, khatri_rao_written(node))
    return whole


def unheld(size: Size) -> bool:
    """A size no symbol of the printed tree holds (a constant of it cannot infer it when read back)."""
    held = _HELD.get()
    return not size.is_one and size not in held and (not size.factors or any(f not in held for f in size.factors))


def filled(node: Filled, value: str, transposed: str) -> str:
    """vector(c), a row vector(c)ᵀ (matrix(c) would infer a square), matrix(c);
    with its sizes (matrix(c, m, n)) where no symbol holds them."""
    rows, cols = node.shape
    if rows.is_one and not cols.is_one:
        return f"vector({value}{f', {cols}' if unheld(cols) else ''}){transposed}"
    if cols.is_one:
        return f"vector({value}{f', {rows}' if unheld(rows) else ''})"
    return f"matrix({value}{f', {rows}, {cols}' if unheld(rows) or unheld(cols) else ''})"


class InputPrinter(Printer):
    """The input language: explicit '*', "'" for transposes, inv(), kron()."""

    times = "*"
    divide = "/"
    hadamard = " .* "
    hadamard_divide = " ./ "

    @_printing
    def __call__(self, node: Node) -> str:
        return self.sized(node)  # a lone identity says its size

    def wrap(self, node: Node, level: int) -> str:
        text = self.doprint(node)
        return f"({text})" if self.level(node) < level else text

    def level(self, node: Node) -> int:
        if isinstance(node, Kron):
            return ATOM
        if isinstance(node, Call) and function(node.name).written_as is not None:
            return PRODUCT  # written as a product (solve, an infix in text only, is solve(A, B) here)
        return precedence(node)

    # -- leaves ----------------------------------------------------------------
    def _Symbol(self, node: Symbol) -> str:
        return node.name

    def _Bound(self, node: Bound) -> str:
        return node.name  # an adjoint's identifier (a_bar)

    def _Number(self, node: Number) -> str:
        return format_number(node.value)

    def _Identity(self, node: Identity) -> str:
        return f"eye({node.n})" if unheld(node.n) else "I"

    def _Zero(self, node: Zero) -> str:
        if node.is_scalar:
            return "0"
        if node.shape[0].is_one:
            return "0*vector(1)'"
        return "0*vector(1)" if node.shape[1].is_one else "0*matrix(1)"

    def _Filled(self, node: Filled) -> str:
        return filled(node, self.doprint(node.value), "'")

    def _Commutation(self, node: Commutation) -> str:
        return f"commutation({node.m}, {node.n})"

    def _Differential(self, node: Differential) -> str:
        return "d" + node.var.name

    def _DifferentialOf(self, node: DifferentialOf) -> str:
        inner = self.doprint(node.of)
        if isinstance(node.of, Symbol):
            return "d" + inner  # dh of a program's name
        return f"d {inner}" if isinstance(node.of, Call) and not _reads_as_product(node.of) else f"d({inner})"

    # -- sums and products -----------------------------------------------------
    def _Add(self, node: Add) -> str:
        return self.join_terms(written_terms(node))

    def join_terms(self, terms: tuple[Node, ...]) -> str:
        parts = [self.wrap(terms[0], SUM + 1 if isinstance(terms[0], Add) else SUM)]
        for term in terms[1:]:
            if is_negative_term(term):
                parts.append(" - " + self.wrap(negated(term), PRODUCT))
            else:
                parts.append(" + " + self.wrap(term, PRODUCT))
        return "".join(parts)

    def _Mul(self, node: Mul) -> str:
        factors = node.factors
        sign = ""
        if isinstance(factors[0], Number) and factors[0].value < 0 and len(factors) > 1:
            sign = "-"
            factors = factors[1:] if factors[0].value == -1 else (Number(-factors[0].value),) + factors[1:]
        # unary minus binds tighter than products: -(A .* B) keeps its parentheses
        first_level = max(self.first_factor_level, POWER) if sign else self.first_factor_level
        return sign + self.join(factors, self.times, self.divide, first_level=first_level)

    first_factor_level = PRODUCT

    def join(self, factors: tuple[Node, ...], times: str, divide: str, first_level: int) -> str:
        # A 1×1 chain (xᵀ y) that scales a matrix chain is bracketed: (xᵀ y) A.
        scales_chain = any(not f.is_scalar for f in factors)
        parts: list[str] = []
        for i, f in enumerate(factors):
            if scales_chain and isinstance(f, Mul) and f.is_scalar:
                parts.append(("" if i == 0 else times) + f"({self.doprint(f)})")
                continue
            if i > 0 and is_reciprocal(f) and (f.is_scalar or divide == self.hadamard_divide):
                assert isinstance(f, Power)
                # a product divides as a whole: A / (xᵀ x), never A / xᵀ x, read (A / xᵀ) x
                parts.append(divide + self.wrap(f.base, ATOM if isinstance(f.base, Mul) else POWER))
            elif i == 0:
                parts.append(self.wrap(f, first_level))
            else:
                parts.append(times + self.wrap(f, POWER))
        return "".join(parts)

    def _Hadamard(self, node: Hadamard) -> str:
        return self.join(node.factors, self.hadamard, self.hadamard_divide, first_level=self.first_factor_level)

    def _Kron(self, node: Kron) -> str:
        text = self.sized(node.factors[0])
        for f in node.factors[1:]:
            text = f"kron({text}, {self.sized(f)})"
        return text

    def sized(self, node: Node) -> str:
        """A factor of ⊗ or an argument: an identity says its size (eye(n)),
        which no product around it fixes — sᵀ ⊗ I against n·m columns could
        be I of size n or m."""
        if isinstance(node, Zero) and not node.is_scalar:
            return self.doprint(Filled(Number(Fraction(0)), node.shape))  # softplus(vector(0))
        return f"eye({node.shape[0]})" if isinstance(node, Identity) else self.doprint(node)

    # -- powers and transposes -------------------------------------------------
    def _Transpose(self, node: Transpose) -> str:
        return self.wrap(node.arg, POWER) + "'"

    def _Inverse(self, node: Inverse) -> str:
        return f"inv({self.doprint(node.arg)})"

    def _MatPower(self, node: MatPower) -> str:
        return f"{self.wrap(node.base, POWER)}^{node.k}"

    def _Power(self, node: Power) -> str:
        op = "^" if node.base.is_scalar else ".^"
        return f"{self.wrap(node.base, POWER)}{op}{self.exponent(node.exponent)}"

    def exponent(self, node: Node) -> str:
        if isinstance(node, Number):
            text = format_number(abs(node.value))
            text = text if precedence(Number(abs(node.value))) == ATOM else f"({text})"
            return ("-" if node.value < 0 else "") + text
        if isinstance(node, (Symbol, Call)) and not (isinstance(node, Symbol) and node.name == "T"):
            return self.doprint(node)
        return f"({self.doprint(node)})"

    def _Call(self, node: Call) -> str:
        written = function(node.name).written_as
        if written is not None:  # a function the language cannot call, in its closed form
            return self.doprint(written(node))
        return f"{node.name}({', '.join(self.sized(a) for a in node.args)})"


def _reads_as_product(node: Call) -> bool:
    """A call whose text is a product: A \\ B, or a closed form written in its place (unvec)."""
    fn = function(node.name)
    return fn.infix or fn.written_as is not None


class TextPrinter(InputPrinter):
    """Unicode text as a person writes it: Aᵀ Bᵀ, (A + Aᵀ) x, -X⁻¹ dX X⁻¹."""

    times = " "
    divide = " / "
    hadamard = " ∘ "
    hadamard_divide = " ⊘ "
    first_factor_level = POWER

    def level(self, node: Node) -> int:
        if isinstance(node, Mul) and node.is_scalar and not is_negative_term(node):
            return POWER  # a scalar chain (xᵀ A y) reads unambiguously by juxtaposition
        if isinstance(node, Add) and untransposed(node) is not None:
            return POWER  # (x - u)ᵀ
        if isinstance(node, Call) and _reads_as_product(node):
            return PRODUCT
        return precedence(node)

    def _Mul(self, node: Mul) -> str:
        # Scalar reciprocals read as a division at the end: A / norm2(A).
        factors = scalars_in_front(node.factors)
        node = Mul(factors) if factors != node.factors else node
        plain = tuple(f for f in node.factors if divisor(f) is None)
        divisors = tuple(d for d in (divisor(f) for f in node.factors) if d is not None)
        if not divisors:
            return super()._Mul(node)
        if not plain:
            plain = (Number(Fraction(1)),)  # 1 / (b c)
        # one divisor: y / (‖x‖³ ‖y‖), never y / ‖x‖ / ‖y‖ or ‖x‖⁻³ y / ‖y‖
        below = divisors[0] if len(divisors) == 1 else Mul(divisors)
        return super()._Mul(Mul(plain + (Power(below, Number(Fraction(-1))),)))

    @_printing
    def __call__(self, node: Node) -> str:
        return self.doprint(node)  # ∇X f = I: the left side gives a lone identity its size

    def _Add(self, node: Add) -> str:
        flipped = untransposed(node)
        if flipped is not None:
            return self.wrap(flipped, ATOM) + "ᵀ"
        return self.join_terms(positive_first(written_terms(node)))

    def _Hadamard(self, node: Hadamard) -> str:
        return super()._Hadamard(Hadamard(quotient_order(node.factors)))

    def _Number(self, node: Number) -> str:
        return format_number(node.value, exact=False)

    def _Bound(self, node: Bound) -> str:
        return display_name(node)

    def _Call(self, node: Call) -> str:
        fn = function(node.name)
        form = fn.text  # A \\ B
        if form is None:
            return super()._Call(node)
        if fn.infix:  # A \ B: left-associative at the level of products
            left, right = node.args
            return form.format(self.wrap(left, PRODUCT), self.wrap(right, POWER))
        return form.format(*(self.sized(a) for a in node.args))

    def _Filled(self, node: Filled) -> str:
        return filled(node, self.doprint(node.value), "ᵀ")

    def _Zero(self, node: Zero) -> str:
        return "0"

    def _Kron(self, node: Kron) -> str:
        return " ⊗ ".join(self.sized(f) if isinstance(f, Identity) else self.wrap(f, POWER) for f in node.factors)

    def _Transpose(self, node: Transpose) -> str:
        stacked = isinstance(node.arg, (Transpose, Inverse, MatPower))  # (X⁻ᵀ)ᵀ, not X⁻ᵀᵀ
        return self.wrap(node.arg, ATOM if stacked else POWER) + "ᵀ"

    def _Inverse(self, node: Inverse) -> str:
        if isinstance(node.arg, Transpose):
            return self.wrap(node.arg.arg, POWER) + "⁻ᵀ"
        flipped = untransposed(node.arg, inverted=True)
        if flipped is not None:  # (A X B)⁻ᵀ, not (Bᵀ Xᵀ Aᵀ)⁻¹
            return self.wrap(flipped, ATOM) + "⁻ᵀ"
        return self.wrap(node.arg, POWER) + "⁻¹"

    def _MatPower(self, node: MatPower) -> str:
        return self.wrap(node.base, ATOM) + str(node.k).translate(_SUPERSCRIPTS)

    def _Power(self, node: Power) -> str:
        exp = node.exponent
        base = self.wrap(node.base, ATOM)
        if isinstance(exp, Number) and exp.value.denominator == 1:
            mark = "" if node.base.is_scalar else "∘"
            return base + mark + str(exp.value.numerator).translate(_SUPERSCRIPTS)
        op = "^" if node.base.is_scalar else ".^"
        return f"{base}{op}{self.exponent(exp)}"

    def exponent(self, node: Node) -> str:
        if isinstance(node, Number) and node.value == Fraction(-1, 2):
            return "(-1/2)"
        return super().exponent(node)


BAR = "\u0304"  # combining macron: ā, the adjoint of a


def display_name(node: Bound) -> str:
    """A program's name as text: itself, ā for the adjoint of a (one composed
    character where Unicode has one), da for its tangent."""
    if node.role == ADJOINT:
        return unicodedata.normalize("NFC", f"{node.of}{BAR}")
    if node.role == TANGENT:
        return f"d{node.of}"
    return node.name


to_input = InputPrinter()
to_text = TextPrinter()
use_text_form(to_text)
