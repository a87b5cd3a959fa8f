"""The log-sum-exp family, evaluated without overflow: logsumexp (log Σ exp
of all entries), softmax (exp(u)/Σ exp(u) of a vector), logaddexp (log(eᵃ + eᵇ)
entry by entry) and hypot (√(a² + b²) entry by entry). Typed forms such as
log(sum(exp(x))), log(exp(a) + exp(b)), log(1 + exp(u)) and sqrt(u∘u + 1) are
rewritten to them (simplify/stable.py) so that every evaluator reaches these
kernels. d logsumexp(U) = ⟨softmax(U), dU⟩; d softmax(u) = (diag(s) − s sᵀ) du;
d logaddexp(a, b) = e^(a−L) da + e^(b−L) db with L = logaddexp(a, b);
d hypot(a, b) = (a da + b db)/hypot(a, b).
"""
from __future__ import annotations

from fractions import Fraction
from typing import Sequence

from ..lazy_numpy import np

from ..nodes import Add, Call, Filled, Hadamard, Mul, Node, Number, Power, Transpose
from . import signatures as sig
from .registry import Function, call, register

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


def _softmax_shape(alg: sig.SizeAlgebra, name: str, shapes: Sequence[tuple]) -> tuple:
    r, c = shapes[0]
    if not alg.is_one(c):
        alg.fail("softmax takes a vector (a column); for a matrix, apply it to each column")
    return shapes[0]


register(Function(
    name="logsumexp", arity=1, shape_rule=sig.any_to_scalar, summary="log Σ exp of all entries, evaluated stably",
    evaluate=lambda U: _scalar_of(_logsumexp(U)), code="_logsumexp({0})", latex=r"\operatorname{{logsumexp}}{0}",
    family="reduction", source="d logsumexp(u) = softmax(u)ᵀ du", differential=_logsumexp_differential,
    public=False, helpers=(_logsumexp,)))
register(Function(
    name="softmax", arity=1, shape_rule=_softmax_shape, summary="exp(u)/Σ exp(u) of a vector, evaluated stably",
    evaluate=_softmax, code="_softmax({0})", latex=r"\operatorname{{softmax}}{0}", family="matrix",
    source="d s = (diag(s) − s sᵀ) du", differential=_softmax_differential, public=False, helpers=(_softmax,)))
register(Function(
    name="logaddexp", arity=2, shape_rule=sig.entrywise_pair, summary="log(eᵃ + eᵇ) entry by entry, evaluated stably",
    evaluate=lambda a, b: np.logaddexp(a, b), code="np.logaddexp({0}, {1})",
    latex=r"\operatorname{{logaddexp}}\left({0}, {1}\right)", family="elementwise",
    source="d L = e^(a−L) da + e^(b−L) db", differential=_logaddexp_differential, public=False))
register(Function(
    name="hypot", arity=2, shape_rule=sig.entrywise_pair, summary="√(a² + b²) entry by entry, without overflow",
    evaluate=lambda a, b: np.hypot(a, b), code="np.hypot({0}, {1})",
    latex=r"\operatorname{{hypot}}\left({0}, {1}\right)", family="elementwise",
    source="d h = (a da + b db)/h", differential=_hypot_differential, public=False))


register(Function(
    name="softplus", arity=1, shape_rule=sig.elementwise, summary="log(1 + exp(u)) entry by entry, evaluated stably",
    evaluate=lambda u: np.logaddexp(0.0, u), code="np.logaddexp(0.0, {0})", latex=r"\operatorname{{softplus}}{0}",
    family="elementwise", source="softplus' = sigmoid", derivative=lambda u: call("sigmoid", u), public=False))
