"""Element-wise functions: f acts entry by entry, so d f(U) = f'(U) ∘ dU
(Cookbook (38) with a diagonal Jacobian). Each record gives f'(U) as an
expression; none is a matrix function.
"""
from __future__ import annotations

from fractions import Fraction

from ..lazy_numpy import np

from ..nodes import Add, Call, Hadamard, Mul, Node, Number, Power, Zero, ones_like, split_product
from .forms import ENTRYWISE_FACTS, entrywise_sympy, sympy_function
from .registry import POSITIVE, Function, call, register
from .signatures import elementwise

CHAIN_RULE = "chain rule, entry by entry"


def _pow(u: Node, p: Fraction) -> Node:
    return Power(u, Number(p))


def _sigmoid(u: np.ndarray) -> np.ndarray:
    return np.exp(-np.logaddexp(0.0, -u))  # accurate in both tails, no overflow


def _sech(u):
    """sech(u) = 2 e^(-|u|) / (1 + e^(-2|u|)): no overflow of cosh at large |u|."""
    e = np.exp(-np.abs(u))
    return 2.0 * e / (1.0 + e * e)


def _log_of_exp(n: Call) -> Node | None:
    """log(exp(u)) = u; log(det X) = logdet X (from LU factors: det itself may overflow)."""
    (a,) = n.args
    if isinstance(a, Call) and a.name == "exp":
        return a.args[0]
    if isinstance(a, Call) and a.name == "det":
        return call("logdet", a.args[0])
    return None


def _exp_rules(n: Call) -> Node | None:
    """e^(u − logaddexp(u, v)) = σ(u − v) (a quotient of exponentials, evaluated stably)."""
    (a,) = n.args
    if not (isinstance(a, Add) and len(a.terms) == 2):
        return None
    for u, minus in (a.terms, a.terms[::-1]):
        c, scalars, rest = split_product(minus)
        L = (scalars + rest)[0] if c == -1 and len(scalars) + len(rest) == 1 else None
        if isinstance(L, Call) and L.name == "logaddexp" and u in L.args:
            v = L.args[1] if L.args[0] == u else L.args[0]
            return call("sigmoid", Add((u, Mul((Number(Fraction(-1)), v)))))
    return None


register(Function(
    name="sin", arity=1, shape_rule=elementwise, summary="sine", source=CHAIN_RULE, evaluate=np.sin,
    code="xp.sin({0})", latex=r"\sin{0}", derivative=lambda u: call("cos", u), sympy=sympy_function("sin"),
    **ENTRYWISE_FACTS))
register(Function(
    name="cos", arity=1, shape_rule=elementwise, summary="cosine", source=CHAIN_RULE, evaluate=np.cos,
    code="xp.cos({0})", latex=r"\cos{0}", derivative=lambda u: -call("sin", u), sympy=sympy_function("cos"),
    **ENTRYWISE_FACTS))
register(Function(
    name="tan", arity=1, shape_rule=elementwise, summary="tangent", source=CHAIN_RULE, evaluate=np.tan,
    code="xp.tan({0})", latex=r"\tan{0}", derivative=lambda u: _pow(call("cos", u), Fraction(-2)),
    sympy=sympy_function("tan"), **ENTRYWISE_FACTS))
register(Function(
    name="arcsin", arity=1, shape_rule=elementwise, summary="inverse sine", source=CHAIN_RULE,
    evaluate=np.arcsin, code="xp.arcsin({0})", latex=r"\arcsin{0}",
    derivative=lambda u: _pow(ones_like(u) - _pow(u, Fraction(2)), Fraction(-1, 2)), sympy=sympy_function("asin"),
    **ENTRYWISE_FACTS))
register(Function(
    name="arccos", arity=1, shape_rule=elementwise, summary="inverse cosine", source=CHAIN_RULE,
    evaluate=np.arccos, code="xp.arccos({0})", latex=r"\arccos{0}",
    derivative=lambda u: -_pow(ones_like(u) - _pow(u, Fraction(2)), Fraction(-1, 2)), sympy=sympy_function("acos"),
    **ENTRYWISE_FACTS))
register(Function(
    name="arctan", arity=1, shape_rule=elementwise, summary="inverse tangent", source=CHAIN_RULE,
    evaluate=np.arctan, code="xp.arctan({0})", latex=r"\arctan{0}",
    derivative=lambda u: _pow(ones_like(u) + _pow(u, Fraction(2)), Fraction(-1)), sympy=sympy_function("atan"),
    **ENTRYWISE_FACTS))
register(Function(
    name="exp", arity=1, shape_rule=elementwise, summary="exponential (entry by entry; expm is the matrix exponential)",
    source=CHAIN_RULE, evaluate=np.exp, code="xp.exp({0})", latex=r"\exp{0}", derivative=lambda u: call("exp", u),
    sympy=sympy_function("exp"), nonnegative=True, simplify=_exp_rules, **ENTRYWISE_FACTS))
register(Function(
    name="log", arity=1, shape_rule=elementwise, summary="natural logarithm (entry by entry)", source=CHAIN_RULE,
    evaluate=np.log, code="xp.log({0})", latex=r"\log{0}", derivative=lambda u: _pow(u, Fraction(-1)),
    domain=POSITIVE, simplify=_log_of_exp, sympy=sympy_function("log"), **ENTRYWISE_FACTS))
register(Function(
    name="sqrt", arity=1, shape_rule=elementwise, summary="square root (entry by entry)", source=CHAIN_RULE,
    evaluate=np.sqrt, code="xp.sqrt({0})", latex=r"\sqrt{{{0}}}",
    derivative=lambda u: Number(Fraction(1, 2)) * _pow(call("sqrt", u), Fraction(-1)), domain=POSITIVE,
    nonnegative=True, sympy=sympy_function("sqrt"), **ENTRYWISE_FACTS))
# tanh' = sech², not 1 - tanh²: the difference loses every digit once tanh(u) rounds to ±1.
register(Function(
    name="tanh", arity=1, shape_rule=elementwise, summary="hyperbolic tangent", source=CHAIN_RULE,
    evaluate=np.tanh, code="xp.tanh({0})", latex=r"\tanh{0}", derivative=lambda u: _pow(call("sech", u), Fraction(2)),
    sympy=sympy_function("tanh"), **ENTRYWISE_FACTS))
register(Function(
    name="sech", arity=1, shape_rule=elementwise,
    summary="hyperbolic secant 1/cosh(u) (the derivative of tanh is sech²)",
    source=CHAIN_RULE, evaluate=_sech, code="_sech({0})", helpers=(_sech,),
    latex=r"\operatorname{{sech}}{0}", derivative=lambda u: -Hadamard((call("sech", u), call("tanh", u))),
    nonnegative=True, sympy=sympy_function("sech"), **ENTRYWISE_FACTS))
register(Function(
    name="sinh", arity=1, shape_rule=elementwise, summary="hyperbolic sine", source=CHAIN_RULE, evaluate=np.sinh,
    code="xp.sinh({0})", latex=r"\sinh{0}", derivative=lambda u: call("cosh", u), sympy=sympy_function("sinh"),
    **ENTRYWISE_FACTS))
register(Function(
    name="cosh", arity=1, shape_rule=elementwise, summary="hyperbolic cosine", source=CHAIN_RULE, evaluate=np.cosh,
    code="xp.cosh({0})", latex=r"\cosh{0}", derivative=lambda u: call("sinh", u), nonnegative=True,
    sympy=sympy_function("cosh"), **ENTRYWISE_FACTS))
register(Function(
    name="log1p", arity=1, shape_rule=elementwise, summary="log(1 + u), accurate for small u (u > -1)",
    source=CHAIN_RULE, evaluate=np.log1p, code="xp.log1p({0})", latex=r"\operatorname{{log1p}}{0}",
    derivative=lambda u: _pow(ones_like(u) + u, Fraction(-1)), domain=POSITIVE,
    sympy=entrywise_sympy(lambda sympy, t: sympy.log(1 + t)), **ENTRYWISE_FACTS))
register(Function(
    name="expm1", arity=1, shape_rule=elementwise, summary="exp(u) − 1, accurate for small u",
    source=CHAIN_RULE, evaluate=np.expm1, code="xp.expm1({0})", latex=r"\operatorname{{expm1}}{0}",
    derivative=lambda u: call("exp", u), sympy=entrywise_sympy(lambda sympy, t: sympy.exp(t) - 1),
    **ENTRYWISE_FACTS))
register(Function(
    name="abs", arity=1, shape_rule=elementwise, summary="absolute value (differentiable away from 0)",
    source=CHAIN_RULE, evaluate=np.abs, code="xp.abs({0})", latex=r"\left|{0}\right|",
    derivative=lambda u: call("sign", u), nonnegative=True, sympy=sympy_function("Abs"), **ENTRYWISE_FACTS))
register(Function(
    name="sign", arity=1, shape_rule=elementwise, summary="sign (derivative 0 away from 0)",
    source="constant away from 0", evaluate=np.sign, code="xp.sign({0})", latex=r"\operatorname{{sign}}{0}",
    derivative=lambda u: Zero(u.shape), sympy=sympy_function("sign"), **ENTRYWISE_FACTS))
register(Function(
    name="relu", arity=1, shape_rule=elementwise, summary="max(u, 0) (differentiable away from 0)",
    source=CHAIN_RULE, evaluate=lambda u: np.maximum(u, 0.0), code="xp.maximum({0}, 0.0)",
    backend_code={"torch": ("xp.clamp({0}, min=0.0)", ())},
    latex=r"\operatorname{{relu}}{0}", derivative=lambda u: call("step", u), nonnegative=True,
    sympy=entrywise_sympy(lambda sympy, t: sympy.Max(t, 0)), **ENTRYWISE_FACTS))
# σ' = σ(u) ∘ σ(-u), equal to σ(u) ∘ (1 - σ(u)) without its cancellation for large u.
register(Function(
    name="sigmoid", arity=1, shape_rule=elementwise, summary="logistic function 1/(1 + exp(-u))",
    source=CHAIN_RULE, evaluate=_sigmoid, code="xp.exp(-xp.logaddexp(0.0, -{0}))", latex=r"\sigma{0}",
    backend_code={"torch": ("xp.sigmoid({0})", ())},
    derivative=lambda u: Hadamard((call("sigmoid", u), call("sigmoid", -u))), nonnegative=True,
    complement=lambda n: call("sigmoid", -n.args[0]),
    sympy=entrywise_sympy(lambda sympy, t: 1 / (1 + sympy.exp(-t))), **ENTRYWISE_FACTS))
register(Function(
    name="step", arity=1, shape_rule=elementwise, summary="unit step: 1 where u > 0, else 0 (the derivative of relu)",
    source="constant away from 0", evaluate=lambda u: (u > 0).astype(float), code="(({0}) > 0).astype(float)",
    backend_code={"torch": ("(({0}) > 0).to({0}.dtype)", ())},
    latex=r"\operatorname{{step}}{0}", derivative=lambda u: Zero(u.shape), nonnegative=True,
    sympy=entrywise_sympy(lambda sympy, t: sympy.Heaviside(t, 0)), **ENTRYWISE_FACTS))


def log(u: Node) -> Node:
    """log(u) entry by entry (a builder for the passes: d uᵖ = uᵖ log(u) dp)."""
    return call("log", u)
