"""Matrix functions and reductions: trace, determinant, log-determinant,
adjugate, diag, vec, sum, norms and the inner product (the true matrix
functions and eigenvalues live in matfun.py).
Equation numbers refer to The Matrix Cookbook (Petersen & Pedersen, 2012).
"""
from __future__ import annotations

from fractions import Fraction
from typing import Callable, Sequence

from ..lazy_numpy import np

from ..nodes import (
    Add, Call, Commutation, Filled, Identity, Inverse, Kron, Mul, Node, Number, Power, Symbol, Transpose,
)
from ..shapes import ONE, Size
from . import signatures as sig
from .registry import Function, call, register


def _scalar(value: float | np.floating) -> np.ndarray:
    return np.full((1, 1), value)


# -- log-determinants, shipped verbatim into generated code --------------------
def _logdet(X):
    """log det X from the LU factors (slogdet), so that det X itself never
    over- or underflows (0.1 I of size 400); nan where det X ≤ 0."""
    sign, value = np.linalg.slogdet(X)
    return value if sign > 0 else np.nan


def _logdet_spd(S):
    """log det S = 2 Σ log Lᵢᵢ for S = L Lᵀ positive definite (Cholesky)."""
    return 2.0 * np.log(np.diag(np.linalg.cholesky(S))).sum()


def _norm2(X):
    """‖X‖ (Euclidean, Frobenius), rescaled by the largest entry where the sum
    of squares would over- or underflow (entries of 1e200 or 1e-200)."""
    with np.errstate(over="ignore", under="ignore"):
        value = np.linalg.norm(X)
    if 0.0 < value < np.inf or not np.all(np.isfinite(X)):
        return value
    scale = np.max(np.abs(X))
    return scale * np.linalg.norm(X / scale) if scale > 0 else value


def _logdet_code(node: Call, size: Callable[[Size], str]) -> str:
    (S,) = node.args
    return "_logdet_spd({0})" if isinstance(S, Symbol) and "spd" in S.properties else "_logdet({0})"


def _diag(X: np.ndarray) -> np.ndarray:
    if X.shape[1] == 1:
        return np.diag(X[:, 0])
    return np.diag(X).reshape(-1, 1)


def _diag_code(node: Call, size: Callable[[Size], str]) -> str:
    if node.args[0].shape[1].is_one:
        return "np.diag({0}.ravel())"
    return "np.diag({0}).reshape(-1, 1)"


def _unvec_code(node: Call, size: Callable[[Size], str]) -> str:
    return f"{{0}}.reshape(({size(node.shape[0])}, {size(node.shape[1])}), order='F')"


def _det_differential(node: Call, d: Sequence[Node | None]) -> Node:
    (X,), (dX,) = node.args, d
    # Cookbook (42): d det(X) = det(X) tr(X⁻¹ dX)
    return node * call("tr", Inverse(X) @ dX)  # type: ignore[operator]


def _logdet_differential(node: Call, d: Sequence[Node | None]) -> Node:
    (X,), (dX,) = node.args, d
    # Cookbook (43): d log det(X) = tr(X⁻¹ dX)
    return call("tr", Inverse(X) @ dX)  # type: ignore[operator]


def _adj_differential(node: Call, d: Sequence[Node | None]) -> Node:
    (X,), (dX,) = node.args, d
    # adj(X) = det(X) X⁻¹, so by (40) and (42):
    # d adj(X) = det(X) tr(X⁻¹ dX) X⁻¹ - det(X) X⁻¹ dX X⁻¹
    det = call("det", X)
    return det * call("tr", Inverse(X) @ dX) * Inverse(X) - det * (Inverse(X) @ dX @ Inverse(X))  # type: ignore[operator]


def _diag_vec_jacobian(node: Call, i: int) -> Node:
    """vec(diag(x)) = diag(vec I) (1 ⊗ I) x, since diag(x) = I ∘ (x 1ᵀ); and its
    transpose for the diagonal of a matrix: diag(X) = (1ᵀ ⊗ I) diag(vec I) vec X."""
    n = node.args[0].shape[0]
    mask = call("diag", call("vec", Identity(n)))
    ones = Filled(Number(Fraction(1)), (n, ONE))
    if node.args[0].shape[1].is_one:
        return Mul((mask, Kron((ones, Identity(n)))))
    return Mul((Kron((Transpose(ones), Identity(n))), mask))


def _norm1_differential(node: Call, d: Sequence[Node | None]) -> Node:
    (U,), (dU,) = node.args, d
    from ..nodes import Hadamard
    return call("sum", Hadamard((call("sign", U), dU)))  # type: ignore[arg-type]


def _norm2_differential(node: Call, d: Sequence[Node | None]) -> Node:
    (U,), (dU,) = node.args, d
    # d‖U‖ = ⟨U, dU⟩ / ‖U‖ (Frobenius inner product)
    inv_norm = Power(node, Number(Fraction(-1)))
    if U.shape[1].is_one:
        return Transpose(U) @ dU * inv_norm  # type: ignore[operator]
    return inv_norm * call("tr", Transpose(U) @ dU)  # type: ignore[operator]


def _linear(node: Call, d: Sequence[Node | None]) -> Node:
    """A function linear in its single argument: d f(U) = f(dU)."""
    return call(node.name, d[0], shape=node.shape)  # type: ignore[arg-type]


def _inner_differential(node: Call, d: Sequence[Node | None]) -> Node:
    A, B = node.args
    dA, dB = d
    terms: list[Node] = []
    if dA is not None:
        terms.append(call("inner", dA, B))
    if dB is not None:
        terms.append(call("inner", A, dB))
    return terms[0] if len(terms) == 1 else Add(tuple(terms))


def _reg(name: str, shape_rule, summary: str, evaluate, code, latex: str, family: str,
         source: str = "", **rules) -> None:
    register(Function(name=name, arity=rules.pop("arity", 1), shape_rule=shape_rule, summary=summary,
                      evaluate=evaluate, code=code, latex=latex, family=family, source=source, **rules))


_reg("tr", sig.square_to_scalar, "trace of a square matrix",
     lambda X: _scalar(np.trace(X)), "np.trace({0})", r"\operatorname{{tr}}{0}", "reduction",
     source="Cookbook (36): d tr(X) = tr(dX)", differential=_linear, linear=True,
     adjoint=lambda node, i, G: G * Identity(node.args[0].shape[0]),
     vec_jacobian=lambda node, i: Transpose(call("vec", Identity(node.args[0].shape[0]))),
     aliases=("trace",))
_reg("det", sig.square_to_scalar, "determinant of a square matrix",
     lambda X: _scalar(np.linalg.det(X)), "np.linalg.det({0})", r"\det{0}", "reduction",
     source="Cookbook (42): d det X = det(X) tr(X⁻¹ dX)", differential=_det_differential,
     domain="invertible")
_reg("logdet", sig.square_to_scalar, "log of the determinant (defined where det > 0)",
     lambda X: _scalar(_logdet(X)), _logdet_code, r"\log\det{0}", "reduction", helpers=(_logdet, _logdet_spd),
     source="Cookbook (43): d log det X = tr(X⁻¹ dX)", differential=_logdet_differential,
     domain="spd")
_reg("adj", sig.square_to_square, "adjugate, det(X) X⁻¹",
     lambda X: np.linalg.det(X) * np.linalg.inv(X), "(np.linalg.det({0}) * np.linalg.inv({0}))",
     r"\operatorname{{adj}}{0}", "matrix", source="adj X = det(X) X⁻¹ with (40) and (42)",
     differential=_adj_differential, domain="invertible")
_reg("diag", sig.diagonal, "diag(x): diagonal matrix from a vector; diag(X): diagonal of a square matrix",
     _diag, _diag_code, r"\operatorname{{diag}}{0}", "matrix", source="linear",
     differential=_linear, linear=True, adjoint=lambda node, i, G: call("diag", G),
     vec_jacobian=_diag_vec_jacobian)
_reg("vec", sig.stack_columns, "stack the columns into one vector (column-major)",
     lambda X: X.reshape(-1, 1, order="F"), "{0}.reshape(-1, 1, order='F')",
     r"\operatorname{{vec}}{0}", "matrix", source="linear", differential=_linear, linear=True,
     adjoint=lambda node, i, G: call("unvec", G, shape=node.args[0].shape),
     vec_jacobian=lambda node, i: Identity(node.shape[0]))
_reg("unvec", sig.elementwise, "the inverse of vec (internal)",
     lambda G, shape: G.reshape(shape, order="F"), _unvec_code, r"\operatorname{{vec}}^{{-1}}{0}", "matrix",
     source="linear", differential=_linear, linear=True, public=False, needs_shape=True,
     adjoint=lambda node, i, G: call("vec", G),
     vec_jacobian=lambda node, i: Identity(node.args[0].shape[0]))
_reg("sum", sig.any_to_scalar, "sum of all entries",
     lambda X: _scalar(np.sum(X)), "np.sum({0})", r"\operatorname{{sum}}{0}", "reduction",
     source="linear", differential=_linear, linear=True,
     adjoint=lambda node, i, G: Filled(G, node.args[0].shape),
     vec_jacobian=lambda node, i: Filled(Number(Fraction(1)), (ONE, node.args[0].shape[0] * node.args[0].shape[1])))
_reg("norm1", sig.any_to_scalar, "sum of absolute values of the entries",
     lambda X: _scalar(np.sum(np.abs(X))), "np.sum(np.abs({0}))", r"\left\|{0}\right\|_1", "reduction",
     source="d|u| = sign(u) du entry by entry", differential=_norm1_differential)
_reg("norm2", sig.any_to_scalar, "Euclidean norm of a vector, Frobenius norm of a matrix",
     lambda X: _scalar(_norm2(X)), "_norm2({0})", r"\left\|{0}\right\|_2", "reduction",
     source="d‖U‖ = ⟨U, dU⟩/‖U‖ (Cookbook (129), 18.063 notes)", differential=_norm2_differential,
     helpers=(_norm2,))
_reg("inner", sig.pairing, "inner(A, B) = tr(AᵀB), the Frobenius inner product",
     lambda A, B: _scalar(np.sum(A * B)), "np.sum({0} * {1})", r"\left\langle {0}, {1}\right\rangle",
     "reduction", source="bilinear", arity=2, differential=_inner_differential, linear=True,
     adjoint=lambda node, i, G: G * node.args[1 - i],
     vec_jacobian=lambda node, i: Transpose(call("vec", node.args[1 - i])))
_reg("sym", sig.square_to_square, "symmetric part (X + Xᵀ)/2 (internal)",
     lambda X: 0.5 * (X + X.T), "(0.5 * ({0} + {0}.T))", r"\operatorname{{sym}}{0}", "matrix",
     source="linear", differential=_linear, linear=True, public=False,
     adjoint=lambda node, i, G: call("sym", G),
     vec_jacobian=lambda node, i: Mul((Number(Fraction(1, 2)),
                                       Add((Identity(node.shape[0] * node.shape[1]),
                                            Commutation(node.shape[0], node.shape[1]))))))

