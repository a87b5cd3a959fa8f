"""One precedence table for every printer, how terms read (a leading minus,
a reciprocal after a division sign), and number formatting."""
from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from ..nodes import (
    Add, Call, Filled, Hadamard, Inverse, Kron, MatPower, Mul, Node, Number, Power, Transpose, scalar_stretches,
    stretch_read,
)

SUM, PRODUCT, UNARY, POWER, ATOM = 1, 2, 3, 4, 5


def is_negative_term(node: Node) -> bool:
    """A term printed with a leading minus sign."""
    if isinstance(node, Number):
        return node.value < 0
    if isinstance(node, Mul):
        return isinstance(node.factors[0], Number) and node.factors[0].value < 0
    return False


def negated(node: Node) -> Node:
    """-node for a term that prints with a leading minus (see is_negative_term)."""
    if isinstance(node, Number):
        return Number(-node.value)
    assert isinstance(node, Mul)
    first, rest = node.factors[0], node.factors[1:]
    assert isinstance(first, Number)
    if first.value == -1:
        return rest[0] if len(rest) == 1 else Mul(rest)
    return Mul((Number(-first.value),) + rest)


def is_reciprocal(node: Node) -> bool:
    """A factor printed after a division sign: b⁻¹ for a scalar b (or .^-1 entry-wise)."""
    return (isinstance(node, Power) and isinstance(node.exponent, Number)
            and node.exponent.value == -1)


def quotient_order(factors: tuple[Node, ...]) -> tuple[Node, ...]:
    """Entry-wise factors with the reciprocals last, read as quotients:
    x ⊘ (1 + x∘²) rather than (1 + x∘²)∘⁻¹ ∘ x (a Hadamard product commutes)."""
    plain = tuple(f for f in factors if not is_reciprocal(f))
    return plain + tuple(f for f in factors if is_reciprocal(f)) if plain else factors


def scalars_in_front(factors: tuple[Node, ...]) -> tuple[Node, ...]:
    """A matrix chain for people: its 1×1 stretches taken out in front as
    scalars, (yᵀ B y) x xᵀ for x yᵀ B y xᵀ (a scalar commutes), each read
    with the fewer transposes (uᵀ A v = vᵀ Aᵀ u). A scalar product keeps its order."""
    if all(f.is_scalar for f in factors) or Mul(factors).is_scalar:
        return factors
    lead = [f for f in factors if f.is_scalar]
    found, rest = scalar_stretches([f for f in factors if not f.is_scalar])
    stretches = [stretch_read(s) for s in found]
    return factors if not stretches else tuple(lead + stretches + rest)


def divisor(node: Node) -> Node | None:
    """b for a scalar factor written after a division sign: b⁻¹, and bᵏ for b⁻ᵏ."""
    if not (node.is_scalar and isinstance(node, Power) and isinstance(node.exponent, Number)):
        return None
    k = node.exponent.value
    if k >= 0 or k.denominator != 1:
        return None
    return node.base if k == -1 else Power(node.base, Number(-k))


def untransposed(node: Node, inverted: bool = False) -> Node | None:
    """N with Nᵀ = node, where N reads with fewer transposes: x − u for
    xᵀ − uᵀ (every term transposed, one a leaf), A X B for Bᵀ Xᵀ Aᵀ; under an inverse
    (`inverted`) also A + p pᵀ for Aᵀ + p pᵀ (each term transposed or
    symmetric): (A + p pᵀ)⁻ᵀ. None where the node reads as well as it is."""
    from ..facts import is_symmetric
    if isinstance(node, Add):
        flipped: list[Node] = []
        moved = leaves = 0
        for t in node.terms:
            negative = is_negative_term(t)
            body = negated(t) if negative else t
            chain = untransposed(body) if isinstance(body, Mul) else None
            leaves += isinstance(body, Transpose) and not isinstance(body.arg, (Add, Mul))
            if isinstance(body, Transpose) or chain is not None:
                body, moved = chain if chain is not None else body.arg, moved + 1  # type: ignore[attr-defined]
            elif isinstance(body, Filled):
                body = Filled(body.value, (body.shape[1], body.shape[0]))  # 1ᵀ − yᵀ = (1 − y)ᵀ
            elif not is_symmetric(body):
                return None
            flipped.append(Mul((Number(Fraction(-1)),) + (body.factors if isinstance(body, Mul) else (body,)))
                           if negative else body)
        # a sum of transposed chains reads as it is (Aᵀ Xᵀ Bᵀ + Bᵀ Xᵀ Aᵀ); one with a transposed leaf
        # (xᵀ − uᵀ, Xᵀ Qᵀ − Yᵀ) reads untransposed, and so does any under an inverse
        unmoved = sum(not isinstance(t, Filled) for t in flipped) - moved
        return Add(tuple(flipped)) if (not unmoved and leaves) or (moved and inverted) else None
    if isinstance(node, Mul) and not node.scalars and len(node.factors) > 1:
        if all(isinstance(f, Transpose) for f in node.factors):
            return Mul(tuple(f.arg for f in reversed(node.factors)))  # type: ignore[attr-defined]
    return None


def positive_first(terms: tuple[Node, ...]) -> tuple[Node, ...]:
    """Terms for people: those with a plus sign first, then those with a minus,
    each in the tree's order (sum(y) s − y, A + Aᵀ − 2 B). Only the printers for
    people use it; the input form keeps the tree's order."""
    plus = tuple(t for t in terms if not is_negative_term(t))
    return plus + tuple(t for t in terms if is_negative_term(t)) if plus else terms


def written_terms(node: Add) -> tuple[Node, ...]:
    """The terms of a sum as written: a scalar spread over every entry (c in
    X - c, a Filled term) is written as the scalar where another term carries
    the shape, as the input language broadcasts it back."""
    if node.is_scalar or all(isinstance(t, Filled) for t in node.terms):
        return node.terms
    return tuple(t.value if isinstance(t, Filled) else t for t in node.terms)


def precedence(node: Node) -> int:
    if isinstance(node, Add):
        return SUM
    if isinstance(node, Number):
        if node.value < 0:
            return UNARY
        return ATOM if node.value.denominator == 1 or _is_decimal(node.value) else PRODUCT
    if isinstance(node, Mul):
        return UNARY if is_negative_term(node) else PRODUCT
    if isinstance(node, (Hadamard, Kron)):
        return PRODUCT
    if isinstance(node, (Transpose, Inverse, MatPower, Power)):
        return POWER
    if isinstance(node, Call):
        return ATOM
    return ATOM


def _is_decimal(value: Fraction) -> bool:
    d = value.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    return d == 1


# Beyond this many digits a number reads better rounded (text and LaTeX).
READABLE_DIGITS = 16


def format_number(value: Fraction, exact: bool = True) -> str:
    """An exact, readable form: 2, 0.5, 1/3; rounded (2e+600) beyond 1000
    digits, or beyond READABLE_DIGITS when `exact` is False."""
    limit = 3000 if exact else int(READABLE_DIGITS * 3.33)
    if max(value.numerator.bit_length(), value.denominator.bit_length()) > limit:
        return _rounded(value)
    if value.denominator == 1:
        return str(value.numerator)
    if _is_decimal(value) and len(str(value.denominator)) <= 8:
        text = format(Decimal(value.numerator) / Decimal(value.denominator), "f")
        return text
    return f"{value.numerator}/{value.denominator}"


def _rounded(value: Fraction) -> str:
    """Scientific notation for numbers too long to print exactly."""
    sign = "-" if value < 0 else ""
    value = abs(value)
    if value == 0:
        return "0"
    exponent = int((value.numerator.bit_length() - value.denominator.bit_length()) * 0.30102999566398120)
    mantissa = value / Fraction(10) ** exponent
    while mantissa >= 10:
        mantissa, exponent = mantissa / 10, exponent + 1
    while mantissa < 1:
        mantissa, exponent = mantissa * 10, exponent - 1
    return f"{sign}{float(mantissa):.6g}e{exponent:+d}"
