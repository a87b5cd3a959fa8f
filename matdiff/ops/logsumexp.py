"""The log-sum-exp family, evaluated without overflow: logsumexp (log Σ exp
of all entries), softmax (exp(u)/Σ exp(u) of a vector), logaddexp (log(eᵃ + eᵇ)
entry by entry), softplus (log(1 + eᵘ)) and hypot (√(a² + b²) entry by entry).
The typed forms log(sum(exp(x))), log(exp(a) + exp(b)), log(1 + exp(u)),
1/(1 + exp(-u)), exp(x)/sum(exp(x)) and sqrt(u∘u + 1) are rewritten to them by
the stable forms registered at the end of this module (applied by
simplify/stable.py before differentiation), so that every evaluator reaches
these kernels. d logsumexp(U) = ⟨softmax(U), dU⟩; d softmax(u) = (diag(s) − s sᵀ) du;
d logaddexp(a, b) = e^(a−L) da + e^(b−L) db with L = logaddexp(a, b);
d hypot(a, b) = (a da + b db)/hypot(a, b).
"""
from __future__ import annotations

from fractions import Fraction
from typing import Any, Sequence

from ..lazy_numpy import np

from ..nodes import Add, Call, Filled, Hadamard, Mul, Node, Number, Power, Transpose, product
from . import signatures as sig
from .forms import ENTRYWISE_FACTS, entrywise_sympy, sympy_size
from .registry import Function, call, register, register_stable_form

ONE, MINUS_ONE = Fraction(1), Fraction(-1)


# -- numerics, shipped verbatim into generated code ----------------------------
def _logsumexp(U):
    """log Σ exp(U) over all entries, shifted by the largest entry."""
    m = np.max(U)
    if not np.isfinite(m):  # all entries -inf, or an inf or nan among them
        return m
    return m + np.log(np.sum(np.exp(U - m)))


def _softmax(u):
    """exp(u)/Σ exp(u), shifted by the largest entry."""
    e = np.exp(u - np.max(u))
    return e / np.sum(e)


def _scalar_of(value):
    return np.full((1, 1), value)


# -- differential rules -----------------------------------------------------------
def _softmax_of_entries(U: Node, L: Node) -> Node:
    """exp(U − L) entry by entry: the softmax of all entries of U (L = logsumexp U)."""
    if U.is_scalar:
        return Number(ONE)
    if U.shape[1].is_one:
        return call("softmax", U)
    return call("exp", Add((U, Filled(Mul((Number(MINUS_ONE), L)), U.shape))))  # type: ignore[arg-type]


def _logsumexp_differential(node: Call, d: Sequence[Node | None]) -> Node:
    (U,), (dU,) = node.args, d
    s = _softmax_of_entries(U, node)
    if U.shape[1].is_one:
        return Mul((Transpose(s), dU))  # type: ignore[arg-type]
    return call("sum", Hadamard((s, dU)))  # type: ignore[arg-type]


def _softmax_differential(node: Call, d: Sequence[Node | None]) -> Node:
    (du,) = d
    # d s = s ∘ du − s (sᵀ du)  (the Jacobian diag(s) − s sᵀ)
    return Add((Hadamard((node, du)), Mul((Number(MINUS_ONE), node, Transpose(node), du))))  # type: ignore[arg-type]


def _logaddexp_differential(node: Call, d: Sequence[Node | None]) -> Node:
    terms: list[Node] = []
    for arg, darg in zip(node.args, d):
        if darg is not None:
            weight = call("exp", Add((arg, Mul((Number(MINUS_ONE), node)))))  # e^(a − L) ∈ (0, 1]
            terms.append(Hadamard((weight, darg)) if not node.is_scalar else Mul((weight, darg)))
    return terms[0] if len(terms) == 1 else Add(tuple(terms))


def _hypot_differential(node: Call, d: Sequence[Node | None]) -> Node:
    terms: list[Node] = []
    for arg, darg in zip(node.args, d):
        if darg is not None:
            terms.append(Hadamard((arg, darg)) if not node.is_scalar else Mul((arg, darg)))
    inner = terms[0] if len(terms) == 1 else Add(tuple(terms))
    scale = Power(node, Number(MINUS_ONE))  # type: ignore[arg-type]
    return Hadamard((inner, scale)) if not node.is_scalar else Mul((inner, scale))


def _exp_sum(sympy: Any, node: Call, args: list) -> Any:
    """Σ exp of the entries: tr(1 exp(U)) with 1 the all-ones matrix of Uᵀ's shape."""
    (U,) = node.args
    if U.is_scalar:
        return sympy.exp(args[0])
    t = sympy.Dummy("t")
    ones = sympy.OneMatrix(sympy_size(sympy, U.shape[1]), sympy_size(sympy, U.shape[0]))
    return sympy.Trace(ones * args[0].applyfunc(sympy.Lambda(t, sympy.exp(t))))


def _logsumexp_sympy(sympy: Any, node: Call, args: list) -> Any:
    return sympy.log(_exp_sum(sympy, node, args))


def _softmax_sympy(sympy: Any, node: Call, args: list) -> Any:
    t = sympy.Dummy("t")
    return args[0].applyfunc(sympy.Lambda(t, sympy.exp(t))) / _exp_sum(sympy, node, args)


def _softmax_shape(alg: sig.SizeAlgebra, name: str, shapes: Sequence[tuple]) -> tuple:
    r, c = shapes[0]
    if not alg.is_one(c):
        alg.fail("softmax takes a vector (a column); for a matrix, apply it to each column")
    return shapes[0]


register(Function(
    name="logsumexp", arity=1, shape_rule=sig.any_to_scalar, summary="log Σ exp of all entries, evaluated stably",
    family="reduction", identity="d logsumexp(u) = softmax(u)ᵀ du", source="chain rule",
    evaluate=lambda U: _scalar_of(_logsumexp(U)),
    code="_logsumexp({0})", helpers=(_logsumexp,), latex=r"\operatorname{{logsumexp}}{0}",
    differential=_logsumexp_differential, transpose_invariant=True, sympy=_logsumexp_sympy))
register(Function(
    name="softmax", arity=1, shape_rule=_softmax_shape, summary="exp(u)/Σ exp(u) of a vector, evaluated stably",
    family="matrix", identity="d softmax(u) = (diag(s) − s sᵀ) du, s = softmax(u)", source="chain rule",
    evaluate=_softmax, code="_softmax({0})",
    helpers=(_softmax,), latex=r"\operatorname{{softmax}}{0}", differential=_softmax_differential,
    nonnegative=True, sympy=_softmax_sympy))
register(Function(
    name="logaddexp", arity=2, shape_rule=sig.entrywise_pair, summary="log(eᵃ + eᵇ) entry by entry, evaluated stably",
    family="elementwise", identity="d logaddexp(a, b) = e^(a−L) da + e^(b−L) db, L = logaddexp(a, b)",
    source="chain rule", evaluate=lambda a, b: np.logaddexp(a, b),
    code="xp.logaddexp({0}, {1})", latex=r"\operatorname{{logaddexp}}\left({0}, {1}\right)",
    differential=_logaddexp_differential, preserves_symmetry=True,
    sympy=lambda sympy, n, a: sympy.log(sympy.exp(a[0]) + sympy.exp(a[1])) if n.is_scalar else None))
register(Function(
    name="hypot", arity=2, shape_rule=sig.entrywise_pair, summary="√(a² + b²) entry by entry, without overflow",
    family="elementwise", identity="d hypot(a, b) = (a da + b db)/h, h = hypot(a, b)", source="chain rule",
    evaluate=lambda a, b: np.hypot(a, b),
    code="xp.hypot({0}, {1})", latex=r"\operatorname{{hypot}}\left({0}, {1}\right)",
    differential=_hypot_differential, nonnegative=True, preserves_symmetry=True,
    sympy=lambda sympy, n, a: sympy.sqrt(a[0] ** 2 + a[1] ** 2) if n.is_scalar else None))
register(Function(
    name="softplus", arity=1, shape_rule=sig.elementwise, summary="log(1 + exp(u)) entry by entry, evaluated stably",
    source="chain rule, entry by entry", evaluate=lambda u: np.logaddexp(0.0, u), code="xp.logaddexp(0.0, {0})",
    backend_code={"torch": ("xp.logaddexp({0}, xp.zeros_like({0}))", ())},
    latex=r"\operatorname{{softplus}}{0}", derivative=lambda u: call("sigmoid", u), nonnegative=True,
    sympy=entrywise_sympy(lambda sympy, t: sympy.log(1 + sympy.exp(t))), **ENTRYWISE_FACTS))


# -- stable forms of typed inputs (simplify/stable.py applies them) -------------
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


def _one_plus_exp(total: Node) -> Node | None:
    """u for 1 + exp(u) (in either order), else None."""
    if isinstance(total, Add) and len(total.terms) == 2 and any(_is_one(t) for t in total.terms):
        other = total.terms[1] if _is_one(total.terms[0]) else total.terms[0]
        return _exp_argument(other)
    return None


def log_of_sums_of_exponentials(n: Node) -> Node | None:
    """log(sum(exp(U))) = logsumexp(U); log(1 + exp(u)) = softplus(u);
    log(Σ exp(uᵢ) + Σ cⱼ) = logaddexp over uᵢ and log cⱼ; log(softmax(u)) =
    u − logsumexp(u) (which neither underflows to log 0 nor divides)."""
    if not (isinstance(n, Call) and n.name == "log"):
        return None
    (a,) = n.args
    if isinstance(a, Call) and a.name == "softmax":
        x = a.args[0]
        return Add((x, Filled(Mul((MINUS_ONE_NODE, call("logsumexp", x))), x.shape)))
    if isinstance(a, Call) and a.name == "sum" and _exp_argument(a.args[0]) is not None:
        return call("logsumexp", a.args[0].args[0])  # type: ignore[attr-defined]
    u = _one_plus_exp(a)
    if u is not None:
        return call("softplus", u)
    exponents = _exponents(a)
    return None if exponents is None else _fold(exponents)


def reciprocal_of_sums_of_exponentials(n: Node) -> Node | None:
    """1/(1 + exp(v)) = σ(-v); 1/sum(exp(U)) = exp(-logsumexp(U));
    1/(Σ exp(uᵢ) + Σ cⱼ) = exp(-logaddexp(...)) (each ≤ 1/e^max, no overflow)."""
    if not (isinstance(n, Power) and n.exponent == MINUS_ONE_NODE):
        return None
    D = n.base
    if isinstance(D, Call) and D.name == "sum" and _exp_argument(D.args[0]) is not None:
        return call("exp", Mul((MINUS_ONE_NODE, call("logsumexp", D.args[0].args[0]))))  # type: ignore[attr-defined]
    v = _one_plus_exp(D)
    if v is not None:
        return call("sigmoid", Mul((MINUS_ONE_NODE, v)))
    exponents = _exponents(D)
    return None if exponents is None else call("exp", Mul((MINUS_ONE_NODE, _fold(exponents))))


def quotients_of_exponentials(n: Node) -> Node | None:
    """exp(u) σ(-u) = σ(u); exp(u) exp(-L) = exp(u - L) where L is a
    log-sum-exp; then exp(x - logsumexp(x)) = softmax(x) for a vector x and
    exp(a - logaddexp(a, b)) = σ(a - b)."""
    if not isinstance(n, (Mul, Hadamard)):
        return None
    factors = list(n.factors)
    for i, f in enumerate(factors):
        u = _exp_argument(f)
        if u is None:
            continue
        for j, g in enumerate(factors):
            if j == i:
                continue
            merged = _merged(u, g)
            if merged is None:
                continue
            rest = [h for k, h in enumerate(factors) if k not in (i, j)]
            if not rest:
                return merged
            return product(*rest, merged) if isinstance(n, Mul) else Hadamard(tuple(rest) + (merged,))
    return None


def _merged(u: Node, g: Node) -> Node | None:
    """exp(u) times g as one kernel, where g is σ(-u) or exp(-L)."""
    if isinstance(g, Call) and g.name == "sigmoid" and g.args[0] == Mul((MINUS_ONE_NODE, u)):
        return call("sigmoid", u)  # eᵘ/(1 + eᵘ)
    L = _negated_log_sum(g)
    if L is None:
        return None
    assert isinstance(L, Call)
    if L.name == "logsumexp" and L.args[0] == u and u.shape[1].is_one and not u.is_scalar:
        return call("softmax", u)
    if L.name == "logaddexp" and u in L.args:
        other = L.args[1] if L.args[0] == u else L.args[0]
        return call("sigmoid", Add((u, Mul((MINUS_ONE_NODE, other)))))
    return call("exp", Add((u, _filled(Mul((MINUS_ONE_NODE, L)), u))))


def _negated_log_sum(n: Node) -> Node | None:
    """L for exp(-L) with L = logsumexp(·) or logaddexp(·, ·)."""
    arg = _exp_argument(n)
    if isinstance(arg, Mul) and len(arg.factors) == 2 and arg.factors[0] == MINUS_ONE_NODE:
        L = arg.factors[1]
        if isinstance(L, Call) and L.name in ("logsumexp", "logaddexp"):
            return L
    return None


ONE_NODE = Number(Fraction(1))


def complements_of_sigmoids(n: Node) -> Node | None:
    """1 − σ(u) = σ(−u) (no cancellation where σ(u) is near 1)."""
    if not isinstance(n, Add):
        return None
    terms = list(n.terms)
    one = next((t for t in terms if t == ONE_NODE or (isinstance(t, Filled) and t.value == ONE_NODE)), None)
    minus = next((t for t in terms if isinstance(t, Mul) and len(t.factors) == 2 and t.factors[0] == MINUS_ONE_NODE
                  and isinstance(t.factors[1], Call) and t.factors[1].name == "sigmoid"), None)
    if one is None or minus is None:
        return None
    sigmoid = minus.factors[1]  # type: ignore[union-attr]
    assert isinstance(sigmoid, Call)
    u = sigmoid.args[0]
    terms.remove(one)
    terms.remove(minus)
    flipped = call("sigmoid", Mul((MINUS_ONE_NODE, u)))
    return Add(tuple(terms) + (flipped,)) if terms else flipped


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


MINUS_ONE_NODE = Number(MINUS_ONE)
for _rule in (log_of_sums_of_exponentials, reciprocal_of_sums_of_exponentials, quotients_of_exponentials,
              complements_of_sigmoids, square_roots_of_sums_of_squares):
    register_stable_form(_rule)
