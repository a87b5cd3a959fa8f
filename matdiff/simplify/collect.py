"""Presentation: a result multiplied out into terms c(t) M, where M is a
matrix chain and c a rational function of scalar atoms t (xᵀx, ‖x‖, xᵀAy),
with each chain's coefficients summed over one denominator and cancelled:
2 (I − x xᵀ/(1 + xᵀx)) x/(1 + xᵀx) = 2 x/(1 + xᵀx)², since
1 − t/(1 + t) = 1/(1 + t). Exact arithmetic on polynomials with rational
coefficients, so values are unchanged; the caller keeps the shorter form.
"""
from __future__ import annotations

from fractions import Fraction
from typing import Optional

from ..nodes import (
    Add, Bound, Identity, Mul, Node, Number, Power, Transpose, join_product, scalar_stretches,
)

Monomial = tuple[tuple[int, int], ...]  # (atom index, exponent > 0), by index
Poly = dict[Monomial, Fraction]

TERM_CAP = 32  # a product of sums multiplied out past this is left as written
PRODUCT_CAP = 1024  # the most term pairs one polynomial product may form


class _TooLarge(Exception):
    pass


class _Field:
    """The scalar atoms met so far, and rational functions over them: a
    polynomial numerator over a product of powers of denominator bases (an
    atom, or a sum that did not cancel)."""

    def __init__(self) -> None:
        self.atoms: list[Node] = []
        self.index: dict[Node, int] = {}
        self.bases: list[tuple[Node, Poly]] = []  # denominator bases: the node written and its polynomial

    # -- polynomials -------------------------------------------------------
    def atom(self, node: Node) -> Poly:
        i = self.index.get(node)
        if i is None:
            i = self.index[node] = len(self.atoms)
            self.atoms.append(node)
        return {((i, 1),): Fraction(1)}

    def _key(self, m: Monomial) -> tuple[int, ...]:
        exps = dict(m)
        return tuple(exps.get(i, 0) for i in range(len(self.atoms)))

    def divide(self, num: Poly, den: Poly) -> Optional[Poly]:
        """num / den when den divides num exactly, else None (division by a
        single polynomial: the remainder is 0 exactly when it divides)."""
        lead = max(den, key=self._key)
        quotient: Poly = {}
        rest = dict(num)
        while rest:
            top = max(rest, key=self._key)
            m = _monomial_quotient(top, lead)
            if m is None:
                return None
            c = rest[top] / den[lead]
            quotient[m] = quotient.get(m, Fraction(0)) + c
            rest = _add(rest, _mul({m: -c}, den))
        return quotient

    # -- rational functions ------------------------------------------------
    def base(self, node: Node, poly: Poly) -> int:
        for i, (_, p) in enumerate(self.bases):
            if p == poly:
                return i
        self.bases.append((node, poly))
        return len(self.bases) - 1

    def of(self, node: Node) -> tuple[Poly, dict[int, int]]:
        """The scalar node as (numerator, {base: power})."""
        if isinstance(node, Number):
            return ({(): node.value} if node.value else {}), {}
        if isinstance(node, Add):
            total: tuple[Poly, dict[int, int]] = ({}, {})
            for t in node.terms:
                total = self.add(total, self.of(t))
            return total
        if isinstance(node, Mul):  # scalar factors, and 1×1 stretches of a chain that is 1×1 as a whole
            stretches, rest = scalar_stretches([f for f in node.factors if not f.is_scalar])
            out: tuple[Poly, dict[int, int]] = ({(): Fraction(1)}, {})
            for f in [f for f in node.factors if f.is_scalar] + [Mul(s) for s in stretches]:
                out = self.mul(out, self.of(f))
            return self.mul(out, (self.atom(_canonical_scalar(Mul(tuple(rest)))), {})) if rest else out
        if (isinstance(node, Power) and isinstance(node.exponent, Number) and node.exponent.value.denominator == 1
                and abs(node.exponent.value) <= 8):
            k = int(node.exponent.value)
            base = self.of(node.base) if k > 0 else self.reciprocal(self.of(node.base), node.base)
            out = ({(): Fraction(1)}, {})
            for _ in range(abs(k)):
                out = self.mul(out, base)
            return out
        return self.atom(_canonical_scalar(node)), {}

    def expanded(self, den: dict[int, int]) -> Poly:
        out: Poly = {(): Fraction(1)}
        for b, k in den.items():
            for _ in range(k):
                out = _mul(out, self.bases[b][1])
        return out

    def reciprocal(self, r: tuple[Poly, dict[int, int]], written: Node) -> tuple[Poly, dict[int, int]]:
        num, den = r
        if not num:
            raise ZeroDivisionError
        if len(num) == 1:  # c·Π aᵢ^eᵢ: each atom becomes a denominator base
            ((m, c),) = num.items()
            out_den: dict[int, int] = {}
            for i, e in m:
                b = self.base(self.atoms[i], {((i, 1),): Fraction(1)})
                out_den[b] = out_den.get(b, 0) + e
            return _mul(self.expanded(den), {(): 1 / c}), out_den
        if den:  # written = num/den: the base written is num's own sum
            written = self.term((num, {}), [])
        return self.expanded(den), {self.base(written, num): 1}

    def mul(self, a: tuple[Poly, dict[int, int]], b: tuple[Poly, dict[int, int]]) -> tuple[Poly, dict[int, int]]:
        den = dict(a[1])
        for k, e in b[1].items():
            den[k] = den.get(k, 0) + e
        return self.cancel(_mul(a[0], b[0]), den)

    def add(self, a: tuple[Poly, dict[int, int]], b: tuple[Poly, dict[int, int]]) -> tuple[Poly, dict[int, int]]:
        common = {k: max(a[1].get(k, 0), b[1].get(k, 0)) for k in a[1].keys() | b[1].keys()}
        num_a = _mul(a[0], self.expanded({k: e - a[1].get(k, 0) for k, e in common.items()}))
        num_b = _mul(b[0], self.expanded({k: e - b[1].get(k, 0) for k, e in common.items()}))
        return self.cancel(_add(num_a, num_b), common)

    def cancel(self, num: Poly, den: dict[int, int]) -> tuple[Poly, dict[int, int]]:
        if len(num) > TERM_CAP:
            raise _TooLarge
        den = {k: e for k, e in den.items() if e}
        if not num:
            return {}, {}
        for b in list(den):
            while den[b]:
                q = self.divide(num, self.bases[b][1])
                if q is None:
                    break
                num, den[b] = q, den[b] - 1
        return num, {k: e for k, e in den.items() if e}

    # -- back to nodes -----------------------------------------------------
    def monomial_node(self, m: Monomial) -> list[Node]:
        return [self.atoms[i] if e == 1 else Power(self.atoms[i], Number(Fraction(e))) for i, e in m]

    def term(self, r: tuple[Poly, dict[int, int]], chain: list[Node]) -> Node:
        num, den = r
        divisors: list[Node] = [Power(self.bases[b][0], Number(Fraction(-e))) for b, e in sorted(den.items())]
        if len(num) == 1:
            ((m, c),) = num.items()
            return join_product(c, self.monomial_node(m) + divisors, chain)
        terms = tuple(join_product(c, self.monomial_node(m), []) for m, c in num.items())
        return join_product(Fraction(1), [Add(terms), *divisors], chain)


def collected(node: Node, value: Bound | None = None) -> Node | None:
    """The node as a sum over its distinct matrix chains, each chain's
    coefficient one rational function in lowest terms; None when it does not
    multiply out within TERM_CAP terms or holds no scalar to combine. With
    `value`, a name for a quotient p/q of the atoms (f = xᵀAx/xᵀx), a
    coefficient that p divides is written with the name where that is
    shorter: −2 (xᵀAx) /(xᵀx)² = −2 f/(xᵀx)."""
    field = _Field()
    try:
        terms = _terms(node, field)
        groups: dict[tuple[Node, ...], tuple[Poly, dict[int, int]]] = {}
        for coeff, chain in terms:
            key = tuple(chain)
            groups[key] = field.add(groups[key], coeff) if key in groups else coeff
        quotient = _quotient(value, field) if value is not None else None
        if value is not None and quotient is not None:
            groups = {chain: _through(r, value, quotient, field) for chain, r in groups.items()}
    except (_TooLarge, ZeroDivisionError):
        return None
    if not field.atoms:
        return None
    out = [field.term(r, list(chain)) for chain, r in groups.items() if r[0]]
    if not out:
        return None
    return out[0] if len(out) == 1 else Add(tuple(out))


def _quotient(value: Bound, field: _Field) -> tuple[Poly, dict[int, int]] | None:
    """value's definition as p/q with p a monomial and q not 1 (a quotient), else None."""
    try:
        p, q = field.of(value.definition)
    except (_TooLarge, ZeroDivisionError):
        return None
    return (p, q) if len(p) == 1 and q else None


def _through(r: tuple[Poly, dict[int, int]], value: Bound, quotient: tuple[Poly, dict[int, int]], field: _Field
             ) -> tuple[Poly, dict[int, int]]:
    """r as value · (r / value) where the value's numerator (a monomial)
    divides r's and the quotient is smaller (value = p/q: r/value = r q/p)."""
    p, q = quotient
    ((m, c),) = p.items()
    divided = {}
    for mono, coeff in r[0].items():
        rest = _monomial_quotient(mono, m)
        if rest is None:
            return r
        divided[rest] = coeff / c
    try:
        num, den = field.cancel(_mul(divided, field.expanded(q)), r[1])
    except _TooLarge:
        return r
    out = field.mul((num, den), (field.atom(value), {}))
    return out if _weight(out) < _weight(r) else r


def _weight(r: tuple[Poly, dict[int, int]]) -> int:
    """How much a coefficient writes: its monomials' factors and its denominator's."""
    return sum(1 + sum(e for _, e in m) for m in r[0]) + sum(r[1].values())


def _terms(node: Node, field: _Field) -> list[tuple[tuple[Poly, dict[int, int]], list[Node]]]:
    """node = Σ c M, multiplied out through sums and products (other nodes
    are single factors of a chain)."""
    if node.is_scalar:
        return [(field.of(node), [])]
    if isinstance(node, Add):
        out = [t for term in node.terms for t in _terms(term, field)]
    elif isinstance(node, Mul):
        out = [(({(): Fraction(1)}, {}), [])]
        for f in node.factors:
            out = [(field.mul(c, c2), chain + chain2) for c, chain in out for c2, chain2 in _terms(f, field)]
            if len(out) > TERM_CAP:
                raise _TooLarge
    else:
        return [(({(): Fraction(1)}, {}), [node])]
    return [_pull_stretches(c, chain, field) for c, chain in out]


def _pull_stretches(coeff: tuple[Poly, dict[int, int]], chain: list[Node], field: _Field
                    ) -> tuple[tuple[Poly, dict[int, int]], list[Node]]:
    """x xᵀ x = (xᵀ x) x: every 1×1 stretch of the chain joins the coefficient."""
    chain = [f for f in chain if not isinstance(f, Identity)] or chain[:1]
    stretches, rest = scalar_stretches(chain)
    for s in stretches:
        coeff = field.mul(coeff, field.of(Mul(s)))
    return coeff, rest


def _canonical_scalar(node: Node) -> Node:
    """One node for a 1×1 chain and its transpose (xᵀ A y and yᵀ Aᵀ x, yᵀ x and xᵀ y)."""
    if not isinstance(node, Mul) or len(node.factors) < 2:
        return node.factors[0] if isinstance(node, Mul) else node
    flipped = tuple(f.arg if isinstance(f, Transpose) else Transpose(f) for f in reversed(node.factors))
    return min(node, Mul(flipped), key=lambda m: (sum(isinstance(f, Transpose) for f in m.factors), str(m)))


def _monomial_quotient(a: Monomial, b: Monomial) -> Optional[Monomial]:
    exps = dict(a)
    for i, e in b:
        if exps.get(i, 0) < e:
            return None
        exps[i] -= e
    return tuple(sorted((i, e) for i, e in exps.items() if e))


def _mul(a: Poly, b: Poly) -> Poly:
    if len(a) * len(b) > PRODUCT_CAP:  # (1 + t)⁸ (1 + u)⁸ ⋯ multiplied out: leave the result as written
        raise _TooLarge
    out: Poly = {}
    for ma, ca in a.items():
        for mb, cb in b.items():
            exps = dict(ma)
            for i, e in mb:
                exps[i] = exps.get(i, 0) + e
            m = tuple(sorted(exps.items()))
            out[m] = out.get(m, Fraction(0)) + ca * cb
    return {m: c for m, c in out.items() if c}


def _add(a: Poly, b: Poly) -> Poly:
    out = dict(a)
    for m, c in b.items():
        out[m] = out.get(m, Fraction(0)) + c
    return {m: c for m, c in out.items() if c}
