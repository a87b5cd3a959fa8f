"""An input-language printer that uses the fewest parentheses the README's
operator table allows, written from that table alone (not from matdiff's
printers): sums 1, products 2 (juxtaposition, *, /, .*, ./, ⊗), unary minus 3,
powers and postfix operators 4; one level associates to the left; the right
operand of juxtaposition is a power, of the other product operators a unary;
a scalar in a sum acts on every entry.

Products are written by juxtaposition, and a symbol is put right before a
parenthesis where it may be (A(B + C)), so printing and parsing back tests
that `name(` is a product at the level of every juxtaposition.
"""
from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction

from matdiff.nodes import (
    Add, Call, Filled, Hadamard, Identity, Inverse, Kron, MatPower, Mul, Node, Number, Power, Symbol, Transpose,
)

SUM, PRODUCT, UNARY, POWER, ATOM = 1, 2, 3, 4, 5


class FewestParentheses:
    """print(node) -> text; `symbols` may stand right before '(' (one-letter
    names and declared symbols), any other name takes a '*' there."""

    def __init__(self, symbols: frozenset[str]):
        self.symbols = symbols

    def __call__(self, node: Node) -> str:
        return self.text(node)[0]

    def at(self, node: Node, level: int) -> str:
        text, own = self.text(node)
        return f"({text})" if own < level else text

    def text(self, node: Node) -> tuple[str, int]:
        return getattr(self, "_" + type(node).__name__)(node)

    # -- leaves ----------------------------------------------------------------------
    def _Symbol(self, n: Symbol) -> tuple[str, int]:
        return n.name, ATOM

    _Bound = _Symbol  # a program's name

    def _Number(self, n: Number) -> tuple[str, int]:
        value = n.value
        text = str(value.numerator) if value.denominator == 1 else format(
            Decimal(value.numerator) / Decimal(value.denominator), "f")
        assert Fraction(text) == value, f"{value} has no decimal literal"
        return text, (UNARY if value < 0 else ATOM)

    def _Identity(self, n: Identity) -> tuple[str, int]:
        return "I", ATOM

    def _Filled(self, n: Filled) -> tuple[str, int]:
        assert not n.shape[0].is_one, "a row of ones is written vector(c)'"
        return f"{'vector' if n.shape[1].is_one else 'matrix'}({self(n.value)})", ATOM

    def _Call(self, n: Call) -> tuple[str, int]:
        return f"{n.name}({', '.join(self(a) for a in n.args)})", ATOM

    # -- level 1 -----------------------------------------------------------------------
    def _Add(self, n: Add) -> tuple[str, int]:
        # A scalar added to a vector or matrix acts on every entry (the table's level 1):
        # a filled term is written as its scalar where another term carries the shape.
        terms = n.terms
        if not n.is_scalar and not all(isinstance(t, Filled) for t in terms):
            terms = tuple(t.value if isinstance(t, Filled) else t for t in terms)
        parts = [self.at(terms[0], SUM)]
        for t in terms[1:]:
            negative = _negated(t)
            if negative is not None:
                parts.append(" - " + self.at(negative, PRODUCT))
            else:
                parts.append(" + " + self.at(t, PRODUCT))
        return "".join(parts), SUM

    # -- level 2 -----------------------------------------------------------------------
    def _Mul(self, n: Mul) -> tuple[str, int]:
        factors = list(_flat(n))
        sign = ""
        first = factors[0]
        if isinstance(first, Number) and first.value < 0:
            sign = "-"
            factors = factors[1:] if first.value == -1 else [Number(-first.value)] + factors[1:]
        text = self.at(factors[0], POWER if sign else PRODUCT)
        for f in factors[1:]:
            if _is_scalar_reciprocal(f):
                text += "/" + self.at(f.base, UNARY)  # type: ignore[attr-defined]
            else:
                right = self.at(f, POWER)
                text += self.joint(text, right) + right
        # "-a b" is (-a) b: the minus binds the first factor only, so a signed
        # product with several factors is still a product
        return sign + text, (UNARY if sign and len(factors) == 1 else PRODUCT)

    def joint(self, left: str, right: str) -> str:
        """What stands between two juxtaposed factors, the text so far and the next."""
        if right.startswith("("):
            name = re.search(r"[A-Za-z][A-Za-z0-9_]*$", left)
            if name and (len(name.group(0)) == 1 or name.group(0) in self.symbols):
                return ""          # A(B + C): a symbol before '(' is a product
            if name:
                return "*"         # an undeclared longer name before '(' would be a function call
        return " "

    def _Hadamard(self, n: Hadamard) -> tuple[str, int]:
        text = self.at(n.factors[0], PRODUCT)
        for f in n.factors[1:]:
            if isinstance(f, Power) and isinstance(f.exponent, Number) and f.exponent.value == -1:
                text += " ./ " + self.at(f.base, UNARY)
            else:
                text += " .* " + self.at(f, UNARY)
        return text, PRODUCT

    def _Kron(self, n: Kron) -> tuple[str, int]:
        return self.at(n.factors[0], PRODUCT) + "".join(" ⊗ " + self.at(f, UNARY) for f in n.factors[1:]), PRODUCT

    # -- level 4 -----------------------------------------------------------------------
    def _Transpose(self, n: Transpose) -> tuple[str, int]:
        return self.at(n.arg, POWER) + "'", POWER

    def _Inverse(self, n: Inverse) -> tuple[str, int]:
        return self.at(n.arg, POWER) + "^-1", POWER

    def _MatPower(self, n: MatPower) -> tuple[str, int]:
        return f"{self.at(n.base, POWER)}^{n.k}", POWER

    def _Power(self, n: Power) -> tuple[str, int]:
        op = "^" if n.base.is_scalar else ".^"
        return self.at(n.base, POWER) + op + self.exponent(n.exponent), POWER

    def exponent(self, node: Node) -> str:
        """The grammar's exponent: an atom, or a minus sign and an atom."""
        text, level = self.text(node)
        if level == ATOM:
            return text
        if isinstance(node, Number) and node.value < 0:
            return text
        return f"({text})"


def _flat(n: Mul):
    """The factors of a product, nested products inline (their grouping is canonical)."""
    for f in n.factors:
        if isinstance(f, Mul):
            yield from _flat(f)
        else:
            yield f


def _negated(term: Node) -> Node | None:
    """The term without its leading minus sign, if it has one."""
    if isinstance(term, Number) and term.value < 0:
        return Number(-term.value)
    if isinstance(term, Mul) and isinstance(term.factors[0], Number) and term.factors[0].value < 0:
        rest = term.factors[1:]
        if term.factors[0].value != -1:
            return Mul((Number(-term.factors[0].value),) + rest)
        return rest[0] if len(rest) == 1 else Mul(rest)
    return None


def _is_scalar_reciprocal(node: Node) -> bool:
    return (isinstance(node, Power) and node.is_scalar and isinstance(node.exponent, Number)
            and node.exponent.value == -1)
