"""Forward differentials: d f = f'(X)[dX], one rule per node kind; named
functions bring their own rules from the registry.
"""
from __future__ import annotations

from fractions import Fraction

from ..errors import DerivativeError
from ..nodes import (
    Add, Call, Commutation, Differential, Filled, Hadamard, Identity, Inverse, Kron, MatPower, Mul,
    Node, Number, Power, Symbol, Transpose, Zero, product,
)
from ..ops import call, function


def differential(expr: Node, var: Symbol) -> Node:
    """The differential of `expr` in the direction dX of the variable `var`
    (a Zero of expr's shape when expr does not depend on it)."""
    memo: dict[Node, Node | None] = {}

    def d(node: Node) -> Node | None:
        if node in memo:
            return memo[node]
        out = _rule(node, var, d)
        memo[node] = out
        return out

    out = d(expr)
    return Zero(expr.shape) if out is None else out


def _sum(terms: list[Node]) -> Node | None:
    if not terms:
        return None
    return terms[0] if len(terms) == 1 else Add(tuple(terms))


def _product_rule(node: Node, factors: tuple[Node, ...], d, kind: type) -> Node | None:
    """Cookbook (37)-(39): d(F₁⋯Fₖ) = Σᵢ F₁⋯dFᵢ⋯Fₖ for ordinary, Hadamard and
    Kronecker products alike."""
    terms: list[Node] = []
    for i, f in enumerate(factors):
        df = d(f)
        if df is None:
            continue
        new = factors[:i] + (df,) + factors[i + 1:]
        terms.append(product(*new) if kind is Mul else kind(new))
    return _sum(terms)


def _rule(node: Node, var: Symbol, d) -> Node | None:
    if isinstance(node, Symbol):
        return Differential(var) if node.name == var.name else None
    if isinstance(node, (Number, Identity, Zero, Commutation, Differential)):
        return None
    if isinstance(node, Filled):
        dv = d(node.value)
        return None if dv is None else Filled(dv, node.shape)
    if isinstance(node, Add):
        return _sum([t for t in (d(term) for term in node.terms) if t is not None])
    if isinstance(node, Mul):
        return _product_rule(node, node.factors, d, Mul)
    if isinstance(node, Hadamard):
        return _product_rule(node, node.factors, d, Hadamard)
    if isinstance(node, Kron):
        return _product_rule(node, node.factors, d, Kron)
    if isinstance(node, Transpose):
        da = d(node.arg)
        return None if da is None else Transpose(da)  # Cookbook (44): d(Xᵀ) = (dX)ᵀ
    if isinstance(node, Inverse):
        da = d(node.arg)
        if da is None:
            return None
        # Cookbook (40): d(X⁻¹) = -X⁻¹ dX X⁻¹
        return Mul((Number(Fraction(-1)), node, da, node))
    if isinstance(node, MatPower):
        return _matrix_power(node, d)
    if isinstance(node, Power):
        return _power(node, d)
    if isinstance(node, Call):
        return _call(node, d)
    raise AssertionError(f"no differential rule for {type(node).__name__}")


def _matrix_power(node: MatPower, d) -> Node | None:
    X, k = node.base, node.k
    dX = d(X)
    if dX is None:
        return None
    if k < 0:
        # X^k = (X^|k|)⁻¹, so d(X^k) = -X^k d(X^|k|) X^k  (Cookbook (40))
        inner = _matrix_power(MatPower(X, -k), d)
        return Mul((Number(Fraction(-1)), node, inner, node))  # type: ignore[arg-type]

    def pw(j: int) -> tuple[Node, ...]:
        return () if j == 0 else (X,) if j == 1 else (MatPower(X, j),)
    # d(Xᵏ) = Σ_{i=k-1..0} Xⁱ dX X^{k-1-i}  (product rule, 18.063 notes)
    terms = [Mul(pw(i) + (dX,) + pw(k - 1 - i)) for i in range(k - 1, -1, -1)]
    return Add(tuple(terms))


def _power(node: Power, d) -> Node | None:
    base, p = node.base, node.exponent
    db, dp = d(base), d(p)
    terms: list[Node] = []
    if db is not None:
        lowered = Number(p.value - 1) if isinstance(p, Number) else Add((p, Number(Fraction(-1))))
        slope = Mul((p, Power(base, lowered)))  # p u^(p-1), entry by entry
        terms.append(Mul((slope, db)) if base.is_scalar else Hadamard((slope, db)))
    if dp is not None:
        # d(u^p) = u^p log(u) dp for a varying exponent
        terms.append(Mul((Hadamard((node, call("log", base))), dp)))
    return _sum(terms)


def _trace_of_power(power: MatPower, d) -> Node | None:
    """d tr(Bᵏ) = k tr(Bᵏ⁻¹ dB): the k terms Bⁱ dB Bᵏ⁻¹⁻ⁱ of d(Bᵏ) are equal under
    the cyclic trace, so they are never written out (Cookbook (101))."""
    dB = d(power.base)
    if dB is None:
        return None
    k = power.k
    lower = power.base if k == 2 else MatPower(power.base, k - 1)
    return Mul((Number(Fraction(k)), call("tr", Mul((lower, dB)))))


def _call(node: Call, d) -> Node | None:
    if node.name == "tr" and isinstance(node.args[0], MatPower) and node.args[0].k > 1:
        return _trace_of_power(node.args[0], d)
    fn = function(node.name)
    dargs = [d(a) for a in node.args]
    if all(da is None for da in dargs):
        return None
    if fn.derivative is not None:
        (u,), (du,) = node.args, dargs
        slope = fn.derivative(u)
        if isinstance(slope, Zero):
            return None
        return Hadamard((slope, du))  # type: ignore[arg-type]
    if fn.differential is None:
        raise DerivativeError(f"{node.name} has no derivative")
    return fn.differential(node, dargs)
