"""Stable forms: rewrites of an input expression, before it is differentiated,
into the kernels that evaluate without overflow (ops/logsumexp.py), so that
the typed forms of textbooks and the named functions reach the same code:

    log(sum(exp(U)))            = logsumexp(U)
    log(1 + exp(u))             = softplus(u)
    log(c₁ + ... + exp(u₁) ...) = logaddexp(...)           (constants as log cᵢ)
    1/(1 + exp(v))              = sigmoid(-v)
    1/(Σ exp(uᵢ) + cⱼ)          = exp(-L),  L the log-sum-exp of the terms
    exp(u) exp(-L)              = exp(u - L);  exp(x - logsumexp(x)) = softmax(x),
                                  exp(a - logaddexp(a, b)) = sigmoid(a - b)
    sqrt(u∘u + c)               = hypot(u, √c)

Each rewrite is an identity of real analysis; each replaces a node by one of
the same value, so one bottom-up pass (memoised) reaches the form.
"""
from __future__ import annotations

from fractions import Fraction

from ..nodes import Add, Call, Filled, Hadamard, Mul, Node, Number, Power, product
from ..ops import call

ONE = Number(Fraction(1))
MINUS_ONE = Number(Fraction(-1))


def stable_forms(node: Node) -> Node:
    """`node` with the overflowing patterns above replaced by stable kernels."""
    memo: dict[Node, Node] = {}

    def visit(n: Node) -> Node:
        hit = memo.get(n)
        if hit is None:
            kids = n.children
            new = tuple(visit(c) for c in kids)
            m = n if new == kids else n.with_children(new)
            hit = _rewrite(m)
            memo[n] = hit
        return hit

    return visit(node)


def _rewrite(n: Node) -> Node:
    """Apply the rules at one node until none does (each makes a kernel of
    patterns, so this ends)."""
    for _ in range(8):
        for rule in _RULES:
            out = rule(n)
            if out is not None:
                n = out
                break
        else:
            return n
    return n


# -- recognisers ----------------------------------------------------------------------
def _exp_argument(n: Node) -> Node | None:
    return n.args[0] if isinstance(n, Call) and n.name == "exp" else None


def _positive_constant(n: Node) -> Fraction | None:
    """c for a number c > 0, or a vector/matrix filled with it."""
    if isinstance(n, Filled):
        n = n.value
    return n.value if isinstance(n, Number) and n.value > 0 else None


def _exponents(total: Node) -> list[Node] | None:
    """[u₁, ..., log c₁, ...] when `total` is a sum of exp(uᵢ) and positive
    constants cⱼ with at least one exp (so log(total) is their log-sum-exp)."""
    if not isinstance(total, Add) or len(total.terms) < 2:
        return None
    out: list[Node] = []
    found = False
    for t in total.terms:
        u = _exp_argument(t)
        if u is not None:
            out.append(u)
            found = True
            continue
        c = _positive_constant(t)
        if c is None:
            return None
        out.append(_filled(_log(c), total))
    return out if found else None


def _log(c: Fraction) -> Node:
    return Number(Fraction(0)) if c == 1 else call("log", Number(c))


def _filled(value: Node, like: Node) -> Node:
    return value if like.is_scalar else Filled(value, like.shape)


def _fold(exponents: list[Node]) -> Node:
    """log Σ exp(uᵢ) as logaddexp(logaddexp(u₁, u₂), u₃) ...: exact and stable."""
    out = exponents[0]
    for u in exponents[1:]:
        out = call("logaddexp", out, u)
    return out


def _is_one(n: Node) -> bool:
    return _positive_constant(n) == 1


# -- rules ------------------------------------------------------------------------------
def log_of_sums_of_exponentials(n: Node) -> Node | None:
    """log(sum(exp(U))) = logsumexp(U); log(1 + exp(u)) = softplus(u);
    log(Σ exp(uᵢ) + Σ cⱼ) = logaddexp over uᵢ and log cⱼ."""
    if not (isinstance(n, Call) and n.name == "log"):
        return None
    (a,) = n.args
    if isinstance(a, Call) and a.name == "sum" and _exp_argument(a.args[0]) is not None:
        return call("logsumexp", a.args[0].args[0])  # type: ignore[attr-defined]
    exponents = _exponents(a)
    if exponents is None:
        return None
    if isinstance(a, Add) and len(a.terms) == 2 and any(_is_one(t) for t in a.terms):
        other = a.terms[1] if _is_one(a.terms[0]) else a.terms[0]
        u = _exp_argument(other)
        if u is not None:
            return call("softplus", u)
    return _fold(exponents)


def reciprocal_of_sums_of_exponentials(n: Node) -> Node | None:
    """1/(1 + exp(v)) = σ(-v); 1/sum(exp(U)) = exp(-logsumexp(U));
    1/(Σ exp(uᵢ) + Σ cⱼ) = exp(-logaddexp(...)) (each ≤ 1/e^max, no overflow)."""
    if not (isinstance(n, Power) and n.exponent == MINUS_ONE):
        return None
    D = n.base
    if isinstance(D, Call) and D.name == "sum" and _exp_argument(D.args[0]) is not None:
        return call("exp", Mul((MINUS_ONE, call("logsumexp", D.args[0].args[0]))))  # type: ignore[attr-defined]
    exponents = _exponents(D)
    if exponents is None:
        return None
    if isinstance(D, Add) and len(D.terms) == 2 and any(_is_one(t) for t in D.terms):
        other = D.terms[1] if _is_one(D.terms[0]) else D.terms[0]
        v = _exp_argument(other)
        if v is not None:
            return call("sigmoid", Mul((MINUS_ONE, v)))
    return call("exp", Mul((MINUS_ONE, _fold(exponents))))


def quotients_of_exponentials(n: Node) -> Node | None:
    """exp(u) exp(-L) = exp(u - L) where L is a log-sum-exp; then
    exp(x - logsumexp(x)) = softmax(x) for a vector x and
    exp(a - logaddexp(a, b)) = σ(a - b)."""
    if not isinstance(n, (Mul, Hadamard)):
        return None
    factors = list(n.factors)
    for i, f in enumerate(factors):
        u = _exp_argument(f)
        if u is None:
            continue
        for j, g in enumerate(factors):
            L = _negated_log_sum(g)
            if j == i or L is None:
                continue
            rest = [h for k, h in enumerate(factors) if k not in (i, j)]
            merged = _quotient(u, L)
            if not rest:
                return merged
            return product(*rest, merged) if isinstance(n, Mul) else Hadamard(tuple(rest) + (merged,))
    return None


def _negated_log_sum(n: Node) -> Node | None:
    """L for exp(-L) with L = logsumexp(·) or logaddexp(·, ·)."""
    arg = _exp_argument(n)
    if isinstance(arg, Mul) and len(arg.factors) == 2 and arg.factors[0] == MINUS_ONE:
        L = arg.factors[1]
        if isinstance(L, Call) and L.name in ("logsumexp", "logaddexp"):
            return L
    return None


def _quotient(u: Node, L: Node) -> Node:
    """exp(u - L), in its named form where there is one."""
    assert isinstance(L, Call)
    if L.name == "logsumexp" and L.args[0] == u and u.shape[1].is_one and not u.is_scalar:
        return call("softmax", u)
    if L.name == "logaddexp" and u in L.args:
        other = L.args[1] if L.args[0] == u else L.args[0]
        return call("sigmoid", Add((u, Mul((MINUS_ONE, other)))))
    return call("exp", Add((u, _filled(Mul((MINUS_ONE, L)), u))))


def square_roots_of_sums_of_squares(n: Node) -> Node | None:
    """sqrt(u∘u + c) = hypot(u, √c) for a constant c > 0 (no overflow of u∘u)."""
    if not (isinstance(n, Call) and n.name == "sqrt" and isinstance(n.args[0], Add)):
        return None
    a = n.args[0]
    if len(a.terms) != 2:
        return None
    for square, constant in ((a.terms[0], a.terms[1]), (a.terms[1], a.terms[0])):
        c = _positive_constant(constant)
        u = _squared(square)
        if c is not None and u is not None:
            return call("hypot", u, _filled(_square_root(c), u))
    return None


def _squared(n: Node) -> Node | None:
    if isinstance(n, Hadamard) and len(n.factors) == 2 and n.factors[0] == n.factors[1]:
        return n.factors[0]
    if isinstance(n, Power) and n.exponent == Number(Fraction(2)):
        return n.base
    if isinstance(n, Mul) and n.is_scalar and len(n.factors) == 2 and n.factors[0] == n.factors[1]:
        return n.factors[0]
    return None


def _square_root(c: Fraction) -> Node:
    for value in (c.numerator, c.denominator):
        if round(value ** 0.5) ** 2 != value:
            return call("sqrt", Number(c))
    return Number(Fraction(round(c.numerator ** 0.5), round(c.denominator ** 0.5)))


_RULES = (log_of_sums_of_exponentials, reciprocal_of_sums_of_exponentials, quotients_of_exponentials,
          square_roots_of_sums_of_squares)
