"""Presentation: factor what every term of a sum shares, the way a person
writes a result: A x + Aᵀ x = (A + Aᵀ) x, ½A x + ½Aᵀ x = ½ (A + Aᵀ) x.
Only regroups (distributivity read backwards), so values are unchanged; the
multiplied-out alternative it weighs (collect.py) is exact arithmetic too.
"""
from __future__ import annotations

import math
from fractions import Fraction

from ..nodes import (
    Add, Bound, Call, Filled, Hadamard, Identity, Mul, Node, Number, Power, join_product, split_product, written_size,
)
from ..ops import function
from ..ops.matrix import counts_named
from .collect import collected
from .engine import simplify


def factor(node: Node, value: Bound | None = None) -> Node:
    """Factor common coefficients, scalars and chain ends out of every sum
    (each shared subtree once); a count of entries names a symbol of its shape.
    Where multiplying out and combining the scalar coefficients of each chain
    (collect.py, which may write a quotient as `value`, a name for f) writes
    shorter, that form is factored instead."""
    node = counts_named(node)
    plain = _factor_tree(node)
    if not _holds_divisor(node):
        return plain  # no quotient of scalars: nothing for collect.py to combine
    combined = collected(node, value)
    if combined is None:
        return plain
    other = _factor_tree(simplify(combined))
    return other if written_size(other) < written_size(plain) else plain


def _factor_tree(node: Node) -> Node:
    memo: dict[Node, Node] = {}

    def visit(n: Node) -> Node:
        hit = memo.get(n)
        if hit is None:
            hit = _factor_node(n.with_children(tuple(visit(c) for c in n.children))) if n.children else n
            memo[n] = hit
        return hit

    return visit(node)


def _factor_node(node: Node) -> Node:
    if isinstance(node, Add):
        node = _complements(node)
        return _factor_sum(node) if isinstance(node, Add) else node
    if isinstance(node, Mul) and len(node.factors) == 2 and isinstance(node.factors[0], Number):
        inner = node.factors[1]  # a (b M) = (ab) M, when factoring a sum left its number behind
        if isinstance(inner, Mul) and isinstance(inner.factors[0], Number):
            return join_product(node.factors[0].value * inner.factors[0].value, [], list(inner.factors[1:]))
    return node


def _factor_sum(node: Add) -> Node:
    parts = _common_denominator([split_product(t) for t in node.terms])
    common_coeff = _common_coefficient([c for c, _, _ in parts])  # 2 A − 4 B = 2 (A − 2 B)
    if all(c < 0 for c, _, _ in parts):  # −A − B = −(A + B)
        common_coeff = -common_coeff
    common_scalars: list[Node] = []  # shared by every term, as often as each holds it
    for s in parts[0][1]:
        if all(p[1].count(s) > common_scalars.count(s) for p in parts[1:]):
            common_scalars.append(s)
    chains = [p[2] for p in parts]
    suffix = _common_end(chains, from_right=True)
    prefix = _common_end([c[: len(c) - suffix] for c in chains], from_right=False)
    if common_coeff == 1 and not common_scalars and not suffix and not prefix:
        return _factor_groups(node, parts)
    inner_terms: list[Node] = []
    for coeff, scalars, chain in parts:
        rest_scalars = list(scalars)
        for s in common_scalars:
            rest_scalars.remove(s)
        middle = chain[prefix: len(chain) - suffix]
        if not middle and (prefix or suffix):
            c0 = chains[0]
            size = c0[len(c0) - suffix].shape[0] if suffix else c0[prefix - 1].shape[1]
            if not size.is_one:
                middle = [Identity(size)]
        inner_terms.append(join_product(coeff / common_coeff, rest_scalars, middle))
    inner = simplify(Add(tuple(inner_terms)))
    if isinstance(inner, Add):
        inner = _complements(inner)
        inner = _factor_sum(inner) if isinstance(inner, Add) else inner
    chain0 = chains[0]
    if inner.is_scalar:  # a scalar left over scales: a x + x a = 2 a x, coefficient first
        number = inner.value if isinstance(inner, Number) else Fraction(1)
        scalars = common_scalars + ([] if isinstance(inner, Number) else [inner])
        return join_product(common_coeff * number, scalars, chain0[:prefix] + chain0[len(chain0) - suffix:])
    outer = join_product(common_coeff, common_scalars, chain0[:prefix] + [inner] + chain0[len(chain0) - suffix:])
    return outer


SMALL_MULTIPLE = 8  # the largest multiple of a common integer factor that is still factored out


def _common_coefficient(coeffs: list[Fraction]) -> Fraction:
    """|c| when every term has it (½ A + ½ B), else the greatest common divisor
    of small integer coefficients (8 A − 2 B = 2 (4 A − B); not 10¹² A + 2 B)."""
    sizes = {abs(c) for c in coeffs}
    if len(sizes) == 1:
        return sizes.pop()
    if all(c.denominator == 1 for c in coeffs):
        g = math.gcd(*(int(c) for c in coeffs))
        if all(abs(c) <= SMALL_MULTIPLE * g for c in coeffs):
            return Fraction(g)
    return Fraction(1)


def _common_denominator(parts: list[tuple[Fraction, list[Node], list[Node]]]
                        ) -> list[tuple[Fraction, list[Node], list[Node]]]:
    """Where every term divides by a power of one scalar d, split off the
    smallest, d⁻ᵏ, so that it is factored out like any shared scalar:
    A/d − 2 B/d² = (A − 2 B/d)/d."""
    def reciprocals(scalars: list[Node]) -> dict[Node, int]:
        return {f.base: int(-f.exponent.value) for f in scalars if isinstance(f, Power)
                and isinstance(f.exponent, Number) and f.exponent.value.denominator == 1 and f.exponent.value < 0}
    first = reciprocals(parts[0][1])
    for base in first:
        powers = [reciprocals(scalars).get(base) for _, scalars, _ in parts]
        known = [p for p in powers if p is not None]
        if len(known) < len(powers):
            continue
        k = min(known)
        if all(p == k for p in known):
            return parts  # already a shared scalar
        shared = Power(base, Number(Fraction(-k)))
        out = []
        for (coeff, scalars, chain), own in zip(parts, known):
            rest = [f for f in scalars if not (isinstance(f, Power) and f.base == base)]
            left = [Power(base, Number(Fraction(k - own)))] if own != k else []
            out.append((coeff, [shared] + left + rest, chain))
        return out
    return parts


def _factor_groups(node: Add, parts: list[tuple[Fraction, list[Node], list[Node]]]) -> Node:
    """Nothing is common to all terms: factor each group of at least two terms
    that share a coefficient and the right end of their chain, as in
    ½A x + ½Aᵀ x - b = ½ (A + Aᵀ) x - b."""
    groups: dict[tuple[Fraction, Node | None], list[int]] = {}
    for i, (coeff, scalars, chain) in enumerate(parts):
        groups.setdefault((coeff, chain[-1] if chain else None), []).append(i)
    if all(len(members) < 2 for members in groups.values()) or len(groups) == 1:
        return _factor_divisor(node, parts)
    terms: list[Node] = []
    for (coeff, end), members in groups.items():
        group = [node.terms[i] for i in members]
        if len(group) == 1 or end is None:
            terms.extend(group)
            continue
        factored = _factor_sum(Add(tuple(group)))
        terms.append(factored)
    grouped = Add(tuple(terms))
    return _factor_divisor(grouped, [split_product(t) for t in grouped.terms])


def _holds_divisor(node: Node) -> bool:
    """Some subtree is a scalar b⁻ᵏ (each shared subtree visited once)."""
    seen: set[Node] = set()
    stack = [node]
    while stack:
        n = stack.pop()
        if n in seen:
            continue
        if _is_divisor(n):
            return True
        seen.add(n)
        stack.extend(c for c in n.children if c not in seen)
    return False


def _is_divisor(node: Node) -> bool:
    """A scalar b⁻ᵏ: a quotient's divisor."""
    return (isinstance(node, Power) and node.is_scalar and isinstance(node.exponent, Number)
            and node.exponent.value < 0)


def _factor_divisor(node: Add, parts: list[tuple[Fraction, list[Node], list[Node]]]) -> Node:
    """The terms that divide by one scalar, as one quotient, where they are
    more than one but not all: A − f I − 2 A x xᵀ/t − 2 x xᵀ A/t =
    A − f I − 2 (A x xᵀ + x xᵀ A)/t."""
    shares: dict[Node, list[int]] = {}
    for i, (_, scalars, _) in enumerate(parts):
        for s in dict.fromkeys(scalars):
            if _is_divisor(s):
                shares.setdefault(s, []).append(i)
    best = max(shares.items(), key=lambda item: len(item[1]), default=None)
    if best is None or not 1 < len(best[1]) < len(parts):
        return node
    members = set(best[1])
    quotient = _factor_sum(Add(tuple(node.terms[i] for i in best[1])))
    return Add(tuple(t for i, t in enumerate(node.terms) if i not in members) + (quotient,))


def _common_end(chains: list[list[Node]], from_right: bool) -> int:
    """How many factors all chains share at their right (or left) end."""
    if not chains or any(not c for c in chains):
        return 0
    k = 0
    shortest = min(len(c) for c in chains)
    while k < shortest:
        pick = (lambda c: c[len(c) - 1 - k]) if from_right else (lambda c: c[k])
        first = pick(chains[0])
        if all(pick(c) == first for c in chains[1:]):
            k += 1
        else:
            break
    # Keep at least one chain with something left, else the sum was of equal terms.
    if all(len(c) == k for c in chains):
        k = max(0, k - 1)
    return k


def _complements(node: Add) -> Node:
    """f(u) + g(u) = 1 for a complementary pair (σ(u) + σ(−u) = 1): where one
    term holds g and another f, write g as 1 − f and keep the sum so made when
    it is smaller: σ(u) ∘ (1 − y) − σ(−u) ∘ y = σ(u) − y."""
    if not any(isinstance(g, Call) and function(g.name).complement is not None
               for t in node.terms for g in _entrywise_factors(t)):
        return node  # the common case, without walking the sum
    calls = {n for t in node.terms for n in t.walk() if isinstance(n, Call)}
    best: Node = node
    size = written_size(node)
    for i, term in enumerate(node.terms):
        coeff, scalars, _ = split_product(term)
        factors = _entrywise_factors(term)
        for k, g in enumerate(factors):
            rule = function(g.name).complement if isinstance(g, Call) else None
            f = simplify(rule(g)) if rule is not None else None  # type: ignore[misc, arg-type]
            if f is None or f not in calls:
                continue
            rest = factors[:k] + factors[k + 1:]
            ones = Hadamard(rest) if len(rest) > 1 else rest[0] if rest else Filled(Number(Fraction(1)), g.shape)
            swapped = [join_product(coeff, scalars, [ones]), join_product(-coeff, scalars, [Hadamard(rest + (f,))])]
            terms = node.terms[:i] + tuple(swapped) + node.terms[i + 1:]
            candidate = simplify(Add(tuple(e for t in terms for e in _expanded(t))))
            if written_size(candidate) < size:
                best, size = candidate, written_size(candidate)
    return best


def _entrywise_factors(term: Node) -> tuple[Node, ...]:
    """The factors of a term's entry-wise product (c A ∘ B: A, B; c A: A), none for a matrix product."""
    chain = split_product(term)[2]
    if len(chain) != 1:
        return ()
    return chain[0].factors if isinstance(chain[0], Hadamard) else (chain[0],)


def _expanded(term: Node) -> list[Node]:
    """A term whose entry-wise product holds a sum, multiplied out: a ∘ (1 − y) = a − a ∘ y."""
    coeff, scalars, chain = split_product(term)
    if len(chain) != 1 or not isinstance(chain[0], Hadamard):
        return [term]
    factors = chain[0].factors
    k = next((j for j, f in enumerate(factors) if isinstance(f, Add)), None)
    if k is None:
        return [term]
    rest = factors[:k] + factors[k + 1:]
    return [join_product(coeff, scalars, [Hadamard(rest + (t,))]) for t in factors[k].terms]  # type: ignore[attr-defined]
