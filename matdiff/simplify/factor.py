"""Presentation: factor what every term of a sum shares, the way a person
writes a result: A x + Aᵀ x = (A + Aᵀ) x, ½A x + ½Aᵀ x = ½ (A + Aᵀ) x.
Only regroups (distributivity read backwards), so values are unchanged.
"""
from __future__ import annotations

from fractions import Fraction

from ..nodes import Add, Identity, Mul, Node, Number, join_product, split_product
from .engine import simplify


def factor(node: Node) -> Node:
    """Factor common coefficients, scalars and chain ends out of every sum
    (each shared subtree once)."""
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
        return _factor_sum(node)
    if isinstance(node, Mul) and len(node.factors) == 2 and isinstance(node.factors[0], Number):
        inner = node.factors[1]  # a (b M) = (ab) M, when factoring a sum left its number behind
        if isinstance(inner, Mul) and isinstance(inner.factors[0], Number):
            return join_product(node.factors[0].value * inner.factors[0].value, [], list(inner.factors[1:]))
    return node


def _factor_sum(node: Add) -> Node:
    parts = [split_product(t) for t in node.terms]
    coeffs = {c for c, _, _ in parts}
    common_coeff = coeffs.pop() if len(coeffs) == 1 else Fraction(1)
    if abs(common_coeff) == 1:
        common_coeff = Fraction(1)
    common_scalars = [s for s in parts[0][1] if all(s in p[1] for p in parts[1:])]
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
        inner = _factor_sum(inner)
    chain0 = chains[0]
    if inner.is_scalar:  # a scalar left over scales: a x + x a = 2 a x, coefficient first
        number = inner.value if isinstance(inner, Number) else Fraction(1)
        scalars = common_scalars + ([] if isinstance(inner, Number) else [inner])
        return join_product(common_coeff * number, scalars, chain0[:prefix] + chain0[len(chain0) - suffix:])
    outer = join_product(common_coeff, common_scalars, chain0[:prefix] + [inner] + chain0[len(chain0) - suffix:])
    return outer


def _factor_groups(node: Add, parts: list[tuple[Fraction, list[Node], list[Node]]]) -> Node:
    """Nothing is common to all terms: factor each group of at least two terms
    that share a coefficient and the right end of their chain, as in
    ½A x + ½Aᵀ x - b = ½ (A + Aᵀ) x - b."""
    groups: dict[tuple[Fraction, Node | None], list[int]] = {}
    for i, (coeff, scalars, chain) in enumerate(parts):
        groups.setdefault((coeff, chain[-1] if chain else None), []).append(i)
    if all(len(members) < 2 for members in groups.values()) or len(groups) == 1:
        return node
    terms: list[Node] = []
    for (coeff, end), members in groups.items():
        group = [node.terms[i] for i in members]
        if len(group) == 1 or end is None:
            terms.extend(group)
            continue
        factored = _factor_sum(Add(tuple(group)))
        terms.append(factored)
    return Add(tuple(terms))


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
