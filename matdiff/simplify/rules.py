"""Simplification rules: each is a pure function node -> node | None whose
docstring states its identity. All point toward one normal form: transposes
at the leaves, flat sums and products, numbers folded into one leading
coefficient, scalars before the matrix chain, like terms collected. Rules
here know node kinds only: a named function brings its own rewrites
(Function.simplify), its facts and its chain identities (ops.CHAIN_RULES).
"""
from __future__ import annotations

from collections import OrderedDict
from fractions import Fraction
from typing import Any, Callable

from ..facts import is_orthogonal, is_symmetric
from ..nodes import (
    Add, Call, Commutation, Differential, Filled, Hadamard, Identity, Inverse, Kron, MatPower, Mul, Node, Number,
    Power, Transpose, Zero, carries_transpose, flatten_mul, leading_coefficient, product, scalars_out,
)
from ..lazy_numpy import np
from ..ops import CHAIN_RULES, call, function

Rule = Callable[[Any], "Node | None"]  # each rule takes the node kind it is listed under
ONE = Number(Fraction(1))


# ------------------------------------------------------------------ transpose
def transpose_of_scalar(n: Transpose) -> Node | None:
    """aᵀ = a for a 1×1 value."""
    return n.arg if n.arg.is_scalar else None


def transpose_of_transpose(n: Transpose) -> Node | None:
    """(Aᵀ)ᵀ = A."""
    return n.arg.arg if isinstance(n.arg, Transpose) else None


def transpose_of_symmetric(n: Transpose) -> Node | None:
    """Sᵀ = S for symmetric S (declared, I, diag(x), ...)."""
    return n.arg if is_symmetric(n.arg) else None


def transpose_of_constant(n: Transpose) -> Node | None:
    """0ᵀ = 0, (c·1)ᵀ = c·1 with the shape flipped; K(m,n)ᵀ = K(n,m)."""
    a = n.arg
    if isinstance(a, Zero):
        return Zero(n.shape)
    if isinstance(a, Filled):
        return Filled(a.value, n.shape)
    if isinstance(a, Commutation):
        return Commutation(a.n, a.m)
    return None


def transpose_of_product(n: Transpose) -> Node | None:
    """(A B)ᵀ = Bᵀ Aᵀ (scalars stay in front)."""
    if not isinstance(n.arg, Mul):
        return None
    scalars: list[Node] = list(n.arg.scalars)
    chain: list[Node] = [Transpose(f) for f in reversed(n.arg.chain)]
    return Mul(tuple(scalars + chain))


def transpose_of_sum(n: Transpose) -> Node | None:
    """(A + B)ᵀ = Aᵀ + Bᵀ."""
    return Add(tuple(Transpose(t) for t in n.arg.terms)) if isinstance(n.arg, Add) else None


def transpose_of_entrywise(n: Transpose) -> Node | None:
    """(A ∘ B)ᵀ = Aᵀ ∘ Bᵀ, (A ⊗ B)ᵀ = Aᵀ ⊗ Bᵀ, (A.^p)ᵀ = (Aᵀ).^p, (X⁻¹)ᵀ = (Xᵀ)⁻¹,
    (Xᵏ)ᵀ = (Xᵀ)ᵏ. Function calls keep their transpose outside: sin(y)ᵀ."""
    a = n.arg
    if isinstance(a, Hadamard):
        return Hadamard(tuple(Transpose(f) for f in a.factors))
    if isinstance(a, Kron):
        return Kron(tuple(Transpose(f) for f in a.factors))
    if isinstance(a, Power):
        return Power(Transpose(a.base), a.exponent)
    if isinstance(a, Inverse):
        return Inverse(Transpose(a.arg))
    if isinstance(a, MatPower):
        return MatPower(Transpose(a.base), a.k)
    return None


# ------------------------------------------------------------------ products
def _base_exponent(n: Node) -> tuple[Node, Node]:
    if isinstance(n, Power) and (n.base.is_scalar or not n.is_scalar):
        return n.base, n.exponent
    return n, ONE


def _add_exponents(a: Node, b: Node) -> Node:
    if isinstance(a, Number) and isinstance(b, Number):
        return Number(a.value + b.value)
    return Add((a, b))


def _with_exponent(base: Node, exponent: Node) -> Node | None:
    if isinstance(exponent, Number) and exponent.value == 0:
        return None
    if exponent == ONE:
        return base
    return Power(base, exponent)


def _collect_powers(factors: list[Node]) -> list[Node] | None:
    """xᵃ xᵇ = xᵃ⁺ᵇ for factors that commute (scalars, entry-wise products)."""
    groups: OrderedDict[Node, Node] = OrderedDict()
    merged = False
    for f in factors:
        base, exp = _base_exponent(f)
        if base in groups:
            groups[base] = _add_exponents(groups[base], exp)
            merged = True
        else:
            groups[base] = exp
    if not merged:
        return None
    out: list[Node] = []
    for base, exp in groups.items():
        item = _with_exponent(base, exp)
        if item is not None:
            out.append(item)
    return out


def product_normal_form(n: Mul) -> Node | None:
    """Flatten; 0·A = 0; fold numbers into one leading coefficient; scalars
    commute to the front; xᵃxᵇ = xᵃ⁺ᵇ for scalars; I A = A; X X⁻¹ = I."""
    factors = flatten_mul(n.factors)
    if any(isinstance(f, Zero) or (isinstance(f, Number) and f.value == 0) for f in factors):
        return Zero(n.shape)
    coeff = Fraction(1)
    scalars: list[Node] = []
    chain: list[Node] = []
    for f in factors:
        if isinstance(f, Number):
            coeff *= f.value
        elif isinstance(f, Identity) and f.n.is_one:
            continue
        elif f.is_scalar:
            scalars.append(f)
        else:
            chain.append(f)
    collected = _collect_powers(scalars)
    if collected is not None:
        scalars = collected
    chain = _cancel_chain(chain, n)
    out: list[Node] = ([Number(coeff)] if coeff != 1 else []) + scalars + chain
    if not out:
        return ONE
    if len(out) == 1:
        return out[0]
    result = Mul(tuple(out))
    return None if result == n else result


def _chain_power(f: Node) -> tuple[Node, int]:
    if isinstance(f, Transpose) and is_orthogonal(f.arg):
        return f.arg, -1  # Qᵀ = Q⁻¹
    if isinstance(f, MatPower):
        return f.base, f.k
    if isinstance(f, Inverse) and f.arg.is_square:
        return f.arg, -1
    return f, 1


def _from_power(base: Node, k: int) -> Node | None:
    if k == 0:
        return None
    if k == 1:
        return base
    if k == -1 and is_orthogonal(base):
        return Transpose(base)
    return Inverse(base) if k == -1 else MatPower(base, k)


def _cancel_chain(chain: list[Node], n: Mul) -> list[Node]:
    """Drop identities; merge adjacent powers of one square matrix:
    Xᵃ Xᵇ = Xᵃ⁺ᵇ, so X X = X², X X⁻¹ = I."""
    out: list[tuple[Node, int]] = []
    for f in chain:
        if isinstance(f, Identity):
            continue
        base, k = _chain_power(f)
        if out and out[-1][0] == base and base.is_square:
            total = out[-1][1] + k
            out.pop()
            if total != 0:
                out.append((base, total))
            continue
        out.append((base, k))
    nodes = [node for node in (_from_power(b, k) for b, k in out) if node is not None]
    for rule in CHAIN_RULES:  # the function families' identities on chains (V diag(λ) Vᵀ = S)
        nodes = rule(nodes)
    if not nodes and chain:
        return [Identity(n.shape[0])]
    return nodes


# ------------------------------------------------------------------ sums
def sum_normal_form(n: Add) -> Node | None:
    """Flatten (also c (A + B) = c A + c B for a number c); A + 0 = A; collect
    like terms (a X + b X = (a+b) X)."""
    terms: list[Node] = []
    for t in n.terms:
        if isinstance(t, Mul) and len(t.factors) == 2 and isinstance(t.factors[0], Number) \
                and isinstance(t.factors[1], Add):
            scale = t.factors[0]
            terms.extend(product(scale, u) for u in t.factors[1].terms)
            continue
        terms.extend(t.terms if isinstance(t, Add) else (t,))
    groups: OrderedDict[Node | None, Fraction] = OrderedDict()
    first: dict[Node | None, Node | None] = {}  # each group is written as its first member
    for t in terms:
        if isinstance(t, Zero):
            continue
        c, rest = leading_coefficient(t)
        key = None if rest is None else collection_key(rest)
        first.setdefault(key, rest)
        groups[key] = groups.get(key, Fraction(0)) + c
    out: list[Node] = []
    for key, c in groups.items():
        rest = first[key]
        if c == 0:
            continue
        if rest is None:
            out.append(Number(c))
        elif c == 1:
            out.append(rest)
        else:
            out.append(product(Number(c), rest))
    if not out:
        return Zero(n.shape)
    if len(out) == 1:
        return out[0]
    result = Add(tuple(out))
    return None if result == n else result


_KEYS: dict[Node, Node] = {}


def collection_key(node: Node) -> Node:
    """A form of `node` in which the order of what commutes does not matter —
    the terms of sums, scalar factors of products, factors of entry-wise
    products — so that (A + Aᵀ)⁻¹ and (Aᵀ + A)⁻¹, or a x and x a, are collected
    as like terms. Only a key: results keep the order they were written in."""
    hit = _KEYS.get(node)
    if hit is not None:
        return hit
    kids = tuple(collection_key(c) for c in node.children)
    if isinstance(node, (Add, Hadamard)):
        key: Node = type(node)(tuple(sorted(kids, key=_order)))
    elif isinstance(node, Mul):
        scalars = sorted((k for k in kids if k.is_scalar), key=_order)
        key = Mul(tuple(scalars) + tuple(k for k in kids if not k.is_scalar))
    else:
        key = node if kids == node.children else node.with_children(kids)
    if len(_KEYS) > 100_000:  # a cache, not a store: bounded
        _KEYS.clear()
    _KEYS[node] = key
    return key


def _order(node: Node) -> tuple[str, int]:
    return (type(node).__name__, hash(node))


# ------------------------------------------------------------------ entry-wise
def hadamard_normal_form(n: Hadamard) -> Node | None:
    """Flatten; 0 ∘ A = 0; 1 ∘ A = A; scalars and constant fills scale
    (c ∘ A = c A); Aᵃ ∘ Aᵇ = Aᵃ⁺ᵇ."""
    factors: list[Node] = []
    for f in n.factors:
        factors.extend(f.factors if isinstance(f, Hadamard) else (f,))
    if any(isinstance(f, Zero) for f in factors):
        return Zero(n.shape)
    scalars: list[Node] = []
    rest: list[Node] = []
    for f in factors:
        if f.is_scalar:
            scalars.append(f)
        elif isinstance(f, Filled):
            if f.value != ONE:
                scalars.append(f.value)
        else:
            rest.append(f)
    rest = _pull_factor_scalars(rest, scalars)
    collected = _collect_powers(rest)
    if collected is not None:
        rest = collected
    if not rest:
        body: Node = ONE if n.is_scalar else Filled(ONE, n.shape)
    else:
        body = rest[0] if len(rest) == 1 else Hadamard(tuple(rest))
    result = Mul(tuple(scalars) + (body,)) if scalars else body
    return None if result == n else result


def _pull_factor_scalars(factors: list[Node], scalars: list[Node]) -> list[Node]:
    """(c A) ∘ B = c (A ∘ B): move scalar factors of products out (into `scalars`)."""
    out: list[Node] = []
    for f in factors:
        pulled = scalars_out(f)
        if pulled is not None:
            scalars.extend(pulled[0])
            f = pulled[1]
        out.append(f)
    return out


def _column(n: Node) -> bool:
    return n.shape[1].is_one


def _row(n: Node) -> bool:
    return n.shape[0].is_one


def kron_normal_form(n: Kron) -> Node | None:
    """Flatten; 0 ⊗ A = 0; scalars scale (c ⊗ A = c A, (cA) ⊗ B = c (A ⊗ B));
    I_m ⊗ I_n = I_mn."""
    factors: list[Node] = []
    for f in n.factors:
        factors.extend(f.factors if isinstance(f, Kron) else (f,))
    if any(isinstance(f, Zero) for f in factors):
        return Zero(n.shape)
    scalars: list[Node] = []
    rest: list[Node] = []
    for f in factors:
        if f.is_scalar:
            scalars.append(f)
            continue
        pulled = scalars_out(f)
        if pulled is not None:
            scalars.extend(pulled[0])
            f = pulled[1]
        if rest and isinstance(f, Identity) and isinstance(rest[-1], Identity):
            rest[-1] = Identity(rest[-1].n * f.n)
            continue
        rest.append(f)
    if not rest:
        body: Node = ONE
    elif len(rest) == 2 and _column(rest[0]) and _row(rest[1]):
        body = Mul((rest[0], rest[1]))  # u ⊗ vᵀ = u vᵀ
    elif len(rest) == 2 and _row(rest[0]) and _column(rest[1]):
        body = Mul((rest[1], rest[0]))  # vᵀ ⊗ u = u vᵀ
    else:
        body = rest[0] if len(rest) == 1 else Kron(tuple(rest))
    result = Mul(tuple(scalars) + (body,)) if scalars else body
    return None if result == n else result


# ------------------------------------------------------------------ inverses and powers
def inverse_rules(n: Inverse) -> Node | None:
    """(X⁻¹)⁻¹ = X; I⁻¹ = I; a⁻¹ = 1/a for a scalar; (Xᵏ)⁻¹ = X⁻ᵏ; (cX)⁻¹ = c⁻¹X⁻¹."""
    a = n.arg
    if isinstance(a, Inverse):
        return a.arg
    if isinstance(a, Identity):
        return a
    if a.is_scalar:
        return Power(a, Number(Fraction(-1)))
    if isinstance(a, MatPower):
        return MatPower(a.base, -a.k)
    if isinstance(a, Mul):
        chain = list(a.chain)
        scalars = list(a.scalars)
        if scalars and len(chain) == 1:
            return Mul(tuple(Power(s, Number(Fraction(-1))) for s in scalars) + (Inverse(chain[0]),))
    return None


def matrix_power_rules(n: MatPower) -> Node | None:
    """Iᵏ = I; X¹ = X; X⁻¹ as an inverse; (Xᵃ)ᵇ = Xᵃᵇ."""
    if isinstance(n.base, Identity):
        return n.base
    if n.k == 1:
        return n.base
    if n.k == -1:
        return Inverse(n.base)
    if isinstance(n.base, MatPower):
        return MatPower(n.base.base, n.base.k * n.k)
    return None


def power_rules(n: Power) -> Node | None:
    """u¹ = u; u⁰ = 1; 0ᵖ = 0 for p > 0; numbers fold; (uᵃ)ᵇ = uᵃᵇ for integer b; 1ᵖ = 1; (c·1)ᵖ = cᵖ·1;
    (a b)ᵏ = aᵏ bᵏ for scalars a, b and an integer k."""
    base, p = n.base, n.exponent
    if p == ONE:
        return base
    if isinstance(p, Number) and p.value == 0:
        return ONE if n.is_scalar else Filled(ONE, n.shape)
    if base == ONE:
        return ONE
    if isinstance(base, Zero) and isinstance(p, Number) and p.value > 0:
        return base
    if isinstance(base, Number) and isinstance(p, Number) and p.value.denominator == 1 and abs(p.value) <= 64:
        if base.value != 0 or p.value > 0:
            return Number(base.value ** int(p.value))
    if isinstance(base, Power) and isinstance(p, Number) and p.value.denominator == 1:
        if isinstance(base.exponent, Number):
            return Power(base.base, Number(base.exponent.value * p.value))
    if isinstance(base, Filled):
        return Filled(Power(base.value, p), n.shape)
    if (isinstance(base, Mul) and all(f.is_scalar for f in base.factors) and isinstance(p, Number)
            and p.value.denominator == 1):
        return Mul(tuple(Power(f, p) for f in base.factors))  # (a b)ᵏ = aᵏ bᵏ: the factors cancel one by one
    return None


# ------------------------------------------------------------------ named functions
def _entrywise_of_a_constant(n: Call) -> Node | None:
    """f(c·1) = f(c)·1 for an entry-wise f and c = 0 or ±1 where f(c) is a small
    rational (sin 0 = 0, cos 0 = 1, σ(0) = ½, log 1 = 0): tanh(0) is 0, not a
    function of a zero. Only there: a large c saturates in floating point
    (tanh(40) evaluates to 1, and is not 1)."""
    a = n.args[0]
    c = float(a.value.value) if isinstance(a, Filled) and isinstance(a.value, Number) else 0.0
    if c not in (0.0, 1.0, -1.0):
        return None
    with np.errstate(all="ignore"):
        value = float(function(n.name).value([np.full((1, 1), c)], (1, 1)).reshape(-1)[0])
    if not np.isfinite(value):
        return None
    exact = Fraction(value)
    if exact.denominator > 8 or float(exact) != value:
        return None
    return Zero(n.shape) if exact == 0 else Filled(Number(exact), n.shape)


def call_rules(n: Call) -> Node | None:
    """The rules every function obeys by its facts — f(0) = 0 and f(c A) = c f(A)
    for a linear f; f(Xᵀ) = f(X) for a transpose-invariant f, f(Xᵀ) = f(X)ᵀ
    for one that commutes with transposition; a function of a 1×1 argument is
    its scalar form (expm(a) = eᵃ) — then the function's own rewrites."""
    fn = function(n.name)
    args = n.args
    a = args[0]
    if fn.linear and len(args) == 1:
        if isinstance(a, Zero):
            return Zero(n.shape)
        pulled = scalars_out(a)
        if pulled is not None:
            scalars, rest = pulled
            return Mul(tuple(scalars) + (call(n.name, rest, shape=n.shape),))
    if len(args) == 1 and a.is_scalar and fn.scalar_form is not None:
        return fn.scalar_form(a)
    if len(args) == 1 and fn.family == "elementwise" and (
            isinstance(a, Zero) or (isinstance(a, Filled) and isinstance(a.value, Number))):
        return _entrywise_of_a_constant(n)
    if len(args) == 1 and isinstance(a, Transpose):
        if fn.transpose_invariant:
            return call(n.name, a.arg, shape=n.shape)
        if fn.commutes_with_transpose and not a.is_scalar:
            return Transpose(call(n.name, a.arg))
    return fn.simplify(n) if fn.simplify is not None else None


def scalar_chain_orientation(n: Mul) -> Node | None:
    """A 1×1 chain equals its transpose (uᵀ A v = vᵀ Aᵀ u): read it with fewer
    transposes, and on a tie with the differential last (yᵀ dy, not dyᵀ y)."""
    if not n.is_scalar or any(f.is_scalar for f in n.factors) or len(n.factors) < 2:
        return None
    marked = sum(1 for f in n.factors if carries_transpose(f))
    first, last = n.factors[0], n.factors[-1]
    tie_break = (2 * marked == len(n.factors) and isinstance(first, Transpose)
                 and isinstance(first.arg, Differential) and not isinstance(last, Differential))
    if 2 * marked > len(n.factors) or tie_break:
        return Mul(tuple(Transpose(f) for f in reversed(n.factors)))
    return None


def identity_of_size_one(n: Identity) -> Node | None:
    """I₁ = 1."""
    return ONE if n.n.is_one else None


def commutation_trivial(n: Commutation) -> Node | None:
    """K(1,n) = K(n,1) = I."""
    return Identity(n.shape[0]) if (n.m.is_one or n.n.is_one) else None


def filled_rules(n: Filled) -> Node | None:
    """A 1×1 fill is its value; a zero fill is 0."""
    if n.is_scalar:
        return n.value
    if isinstance(n.value, Zero) or n.value == Number(Fraction(0)):
        return Zero(n.shape)
    return None


RULES: dict[type, tuple[Rule, ...]] = {
    Transpose: (transpose_of_scalar, transpose_of_transpose, transpose_of_symmetric, transpose_of_constant,
                transpose_of_product, transpose_of_sum, transpose_of_entrywise),
    Mul: (product_normal_form, scalar_chain_orientation),
    Add: (sum_normal_form,),
    Hadamard: (hadamard_normal_form,),
    Kron: (kron_normal_form,),
    Inverse: (inverse_rules,),
    MatPower: (matrix_power_rules,),
    Power: (power_rules,),
    Call: (call_rules,),
    Identity: (identity_of_size_one,),
    Commutation: (commutation_trivial,),
    Filled: (filled_rules,),
}

