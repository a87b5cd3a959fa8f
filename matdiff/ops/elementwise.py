"""Element-wise functions: f acts entry by entry, so d f(U) = f'(U) ∘ dU
(Cookbook (38) with a diagonal Jacobian). Each record gives f'(U) as an
expression; none is a matrix function.
"""
from __future__ import annotations

from fractions import Fraction

from ..lazy_numpy import np

from ..nodes import Hadamard, Node, Number, Power, Zero, ones_like
from .registry import Function, call, register
from .signatures import elementwise


def _pow(u: Node, p: Fraction) -> Node:
    return Power(u, Number(p))


def _sigmoid(u: np.ndarray) -> np.ndarray:
    return np.exp(-np.logaddexp(0.0, -u))  # accurate in both tails, no overflow


def _unit(name: str, summary: str, evaluate, code: str, latex: str, derivative,
          domain: str | None = None, public: bool = True, source: str = "") -> None:
    register(Function(name=name, arity=1, shape_rule=elementwise, summary=summary,
                      evaluate=evaluate, code=code, latex=latex, family="elementwise",
                      derivative=derivative, domain=domain, public=public,
                      source=source or "chain rule, entry by entry"))


_unit("sin", "sine", np.sin, "np.sin({0})", r"\sin{0}", lambda u: call("cos", u))
_unit("cos", "cosine", np.cos, "np.cos({0})", r"\cos{0}", lambda u: -call("sin", u))
_unit("tan", "tangent", np.tan, "np.tan({0})", r"\tan{0}", lambda u: _pow(call("cos", u), Fraction(-2)))
_unit("arcsin", "inverse sine", np.arcsin, "np.arcsin({0})", r"\arcsin{0}",
      lambda u: _pow(ones_like(u) - _pow(u, Fraction(2)), Fraction(-1, 2)))
_unit("arccos", "inverse cosine", np.arccos, "np.arccos({0})", r"\arccos{0}",
      lambda u: -_pow(ones_like(u) - _pow(u, Fraction(2)), Fraction(-1, 2)))
_unit("arctan", "inverse tangent", np.arctan, "np.arctan({0})", r"\arctan{0}",
      lambda u: _pow(ones_like(u) + _pow(u, Fraction(2)), Fraction(-1)))
_unit("exp", "exponential (entry by entry; expm is the matrix exponential)", np.exp,
      "np.exp({0})", r"\exp{0}", lambda u: call("exp", u))
_unit("log", "natural logarithm (entry by entry)", np.log, "np.log({0})", r"\log{0}",
      lambda u: _pow(u, Fraction(-1)), domain="positive")
_unit("sqrt", "square root (entry by entry)", np.sqrt, "np.sqrt({0})", r"\sqrt{0}",
      lambda u: Number(Fraction(1, 2)) * _pow(call("sqrt", u), Fraction(-1)), domain="positive")
# tanh' = sech², not 1 - tanh²: the difference loses every digit once tanh(u) rounds to ±1.
_unit("tanh", "hyperbolic tangent", np.tanh, "np.tanh({0})", r"\tanh{0}",
      lambda u: _pow(call("sech", u), Fraction(2)))
_unit("sech", "hyperbolic secant 1/cosh(u) (the derivative of tanh is sech²)", lambda u: 1.0 / np.cosh(u),
      "(1.0 / np.cosh({0}))", r"\operatorname{{sech}}{0}",
      lambda u: -Hadamard((call("sech", u), call("tanh", u))), public=False)
_unit("abs", "absolute value (differentiable away from 0)", np.abs, "np.abs({0})", r"\left|{0}\right|",
      lambda u: call("sign", u))
_unit("sign", "sign (derivative 0 away from 0)", np.sign, "np.sign({0})", r"\operatorname{{sign}}{0}",
      lambda u: Zero(u.shape))
_unit("relu", "max(u, 0) (differentiable away from 0)", lambda u: np.maximum(u, 0.0),
      "np.maximum({0}, 0.0)", r"\operatorname{{relu}}{0}", lambda u: call("step", u))
# σ' = σ(u) ∘ σ(-u), equal to σ(u) ∘ (1 - σ(u)) without its cancellation for large u.
_unit("sigmoid", "logistic function 1/(1 + exp(-u))", _sigmoid,
      "np.exp(-np.logaddexp(0.0, -{0}))", r"\sigma{0}",
      lambda u: Hadamard((call("sigmoid", u), call("sigmoid", -u))))
_unit("step", "unit step: 1 where u > 0, else 0 (the derivative of relu)",
      lambda u: (u > 0).astype(float), "(({0}) > 0).astype(float)", r"\operatorname{{step}}{0}",
      lambda u: Zero(u.shape), public=False)
