"""Extreme eigenvalues and singular values.

For a symmetric S with a simple largest eigenvalue λ and unit eigenvector v,
dλ = vᵀ dS v, so ∇ eigmax(S) = v vᵀ (and likewise eigmin). For X = U Σ Vᵀ
(thin SVD, singular values distinct and nonzero), dσᵢ = uᵢᵀ dX vᵢ, so
d svdvals(X) = diag(Uᵀ dX V), ∇ nucnorm(X) = U Vᵀ (X of full rank) and
∇ opnorm(X) = u₁ v₁ᵀ (Magnus & Neudecker, Matrix Differential Calculus,
ch. 8; 18.063 notes). The factors are internal functions evaluated with one
sign convention (each right singular vector's largest entry positive, and
uᵢ = X vᵢ/σᵢ), so that U and V of one X always belong together; where the
derivative does not exist (a repeated or zero singular value, a repeated
extreme eigenvalue) they refuse the values with an EvaluationError. Second
derivatives of these functions are not available.
"""
from __future__ import annotations

from typing import Any, Sequence

from ..lazy_numpy import np

from ..nodes import Call, Mul, Node, Transpose
from . import signatures as sig
from .forms import checked, no_derivative, no_sympy_form
from .matrix import diagonal, norm2
from .registry import Function, call, register, register_stable_form


# -- kernels, shipped verbatim into generated code --------------------------------
def _extreme_eigenvector(S, largest):
    """The unit eigenvector of the largest (or smallest) eigenvalue of a
    symmetric S, refused where that eigenvalue repeats."""
    w, V = np.linalg.eigh(S)
    i, j = (-1, -2) if largest else (0, 1)
    if w.size > 1 and abs(w[i] - w[j]) <= 1e-8 * max(1.0, np.abs(w).max()):
        raise ValueError("the %s eigenvalue %.6g is repeated at these values, and is not differentiable there"
                         % ("largest" if largest else "smallest", w[i]))
    return V[:, [i]]


def _singular_vectors(X):
    """(U, σ, V) of the thin SVD with each column of V signed so that its
    largest entry is positive and U = X V / σ; refused where two singular
    values coincide or one is zero (there they are not differentiable)."""
    _, s, Vt = np.linalg.svd(X, full_matrices=False)
    scale = max(1.0, float(s[0])) if s.size else 1.0
    if s.size and s[-1] <= 1e-12 * scale:
        raise ValueError("a singular value is zero at these values (the matrix is not of full rank), and "
                         "singular values are not differentiable there")
    gaps = -np.diff(s)
    if gaps.size and gaps.min() <= 1e-8 * scale:
        k = int(np.argmin(gaps))
        raise ValueError("two singular values are equal (numbers %d and %d in descending order, both %.6g), "
                         "and singular values are not differentiable where they coincide" % (k + 1, k + 2, s[k]))
    V = Vt.T
    V = V * np.where(V[np.argmax(np.abs(V), axis=0), np.arange(V.shape[1])] < 0, -1.0, 1.0)
    return (X @ V) / s, s, V


def _top_singular_vectors(X):
    """(u₁, v₁) for the largest singular value, refused where it repeats or is zero."""
    _, s, Vt = np.linalg.svd(X, full_matrices=False)
    if s[0] <= 1e-300:
        raise ValueError("the matrix is zero at these values: its largest singular value is not differentiable")
    if s.size > 1 and s[0] - s[1] <= 1e-8 * s[0]:
        raise ValueError("the largest singular value %.6g is repeated at these values, and is not "
                         "differentiable there" % s[0])
    v = Vt[[0]].T
    v = v if v[np.argmax(np.abs(v)), 0] >= 0 else -v
    return (X @ v) / s[0], v


def _polar(X):
    """U Vᵀ of the thin SVD, refused where X is not of full rank."""
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    if s[-1] <= 1e-12 * max(1.0, float(s[0])):
        raise ValueError("the matrix is not of full rank at these values: the gradient U Vᵀ of its nuclear "
                         "norm does not exist there")
    return U @ Vt


def _singular_values(X):
    return np.linalg.svd(X, compute_uv=False).reshape(-1, 1)


# -- shapes --------------------------------------------------------------------------
def _fewer(alg: sig.SizeAlgebra, name: str, shapes: Sequence[tuple]) -> Any:
    """min(m, n) for an m×n argument, where the sizes tell it."""
    r, c = shapes[0]
    k = alg.smaller(r, c)
    if k is None:
        alg.fail(f"{name} of an m×n matrix has min(m, n) entries, but {alg.argument(0)} whose sizes do not "
                 f"tell which is smaller: declare them, e.g. where \"X: matrix(4,3)\" or \"X: matrix(n,n)\"")
    return k


def _spectrum_of_singular_values(alg: sig.SizeAlgebra, name: str, shapes: Sequence[tuple]) -> tuple:
    return (_fewer(alg, name, shapes), alg.one)


def _left_factor(alg: sig.SizeAlgebra, name: str, shapes: Sequence[tuple]) -> tuple:
    return (shapes[0][0], _fewer(alg, name, shapes))


def _right_factor(alg: sig.SizeAlgebra, name: str, shapes: Sequence[tuple]) -> tuple:
    return (shapes[0][1], _fewer(alg, name, shapes))


def _rows(alg: sig.SizeAlgebra, name: str, shapes: Sequence[tuple]) -> tuple:
    return (shapes[0][0], alg.one)


def _columns(alg: sig.SizeAlgebra, name: str, shapes: Sequence[tuple]) -> tuple:
    return (shapes[0][1], alg.one)


# -- differentials ---------------------------------------------------------------------
def _eigmax_differential(node: Call, d: Sequence[Node | None]) -> Node:
    (S,), (dS,) = node.args, d
    v = call("eigvec_max" if node.name == "eigmax" else "eigvec_min", S)
    return Mul((Transpose(v), dS, v))  # type: ignore[arg-type]


def _svdvals_differential(node: Call, d: Sequence[Node | None]) -> Node:
    (X,), (dX,) = node.args, d
    U, V = call("svd_u", X), call("svd_v", X)
    return diagonal(Mul((Transpose(U), dX, V)))  # type: ignore[arg-type]


def _nucnorm_differential(node: Call, d: Sequence[Node | None]) -> Node:
    (X,), (dX,) = node.args, d
    return call("inner", call("svd_polar", X), dX)  # type: ignore[arg-type]


def _opnorm_differential(node: Call, d: Sequence[Node | None]) -> Node:
    (X,), (dX,) = node.args, d
    return Mul((Transpose(call("svd_u1", X)), dX, call("svd_v1", X)))  # type: ignore[arg-type]


def _of_a_vector_is_norm2(n: Call) -> Node | None:
    """‖x‖ for a vector (or a row): its only singular value."""
    (x,) = n.args
    return norm2(x) if x.shape[0].is_one or x.shape[1].is_one else None


def _norms_of_vectors(n: Node) -> Node | None:
    """The stable form of opnorm(x) and nucnorm(x) of a vector: norm2(x),
    whose gradient x/‖x‖ needs no singular vectors."""
    if isinstance(n, Call) and n.name in ("opnorm", "nucnorm"):
        return _of_a_vector_is_norm2(n)
    return None


def _eigenvector_of(largest: bool) -> Any:
    return lambda S: _extreme_eigenvector(S, largest)


SECOND = "second derivatives of eigenvalues and singular values"
register(Function(
    name="eigmax", arity=1, shape_rule=sig.square_to_scalar, family="reduction",
    summary="largest eigenvalue of a symmetric matrix", identity="dλ = vᵀ dS v for a simple λ", source="18.063 notes",
    evaluate=lambda S: np.linalg.eigvalsh(S)[-1:].reshape(1, 1), code="xp.linalg.eigvalsh({0})[-1]",
    latex=r"\lambda_{{\max}}{0}", differential=_eigmax_differential, needs_symmetric=True,
    transpose_invariant=True, scalar_form=lambda a: a, sympy=no_sympy_form))
register(Function(
    name="eigmin", arity=1, shape_rule=sig.square_to_scalar, family="reduction",
    summary="smallest eigenvalue of a symmetric matrix", identity="dλ = vᵀ dS v for a simple λ", source="18.063 notes",
    evaluate=lambda S: np.linalg.eigvalsh(S)[:1].reshape(1, 1), code="xp.linalg.eigvalsh({0})[0]",
    latex=r"\lambda_{{\min}}{0}", differential=_eigmax_differential, needs_symmetric=True,
    transpose_invariant=True, scalar_form=lambda a: a, sympy=no_sympy_form))
for _name, _largest, _tex in (("eigvec_max", True, r"\max"), ("eigvec_min", False, r"\min")):
    register(Function(
        name=_name, arity=1, shape_rule=_rows, family="matrix",
        summary=f"unit eigenvector of the {'largest' if _largest else 'smallest'} eigenvalue",
        source="numpy.linalg.eigh", evaluate=checked(_eigenvector_of(_largest)),
        code=f"_extreme_eigenvector({{0}}, {_largest})", helpers=(_extreme_eigenvector,),
        latex=rf"v_{{{{{_tex}}}}}{{0}}", differential=no_derivative(SECOND), result_name="v",
        sympy=no_sympy_form))
register(Function(
    name="svdvals", arity=1, shape_rule=_spectrum_of_singular_values, family="matrix",
    summary="singular values in descending order, a vector of length min(m, n)",
    identity="dσᵢ = uᵢᵀ dX vᵢ for distinct nonzero σ", source="Magnus & Neudecker, ch. 8", evaluate=_singular_values,
    code="xp.linalg.svd({0}, compute_uv=False).reshape(-1, 1)", latex=r"\sigma{0}",
    backend_code={"torch": ("xp.linalg.svdvals({0}).reshape(-1, 1)", ())},
    differential=_svdvals_differential, transpose_invariant=True, nonnegative=True, sympy=no_sympy_form))
register(Function(
    name="nucnorm", arity=1, shape_rule=sig.any_to_scalar, family="reduction",
    summary="nuclear norm, the sum of the singular values", identity="d‖X‖_* = tr(V Uᵀ dX) for X of full rank",
    source="from dσᵢ = uᵢᵀ dX vᵢ",
    evaluate=lambda X: np.linalg.svd(X, compute_uv=False).sum().reshape(1, 1),
    code="xp.linalg.svd({0}, compute_uv=False).sum()", latex=r"\left\|{0}\right\|_*",
    backend_code={"torch": ("xp.linalg.svdvals({0}).sum()", ())},
    differential=_nucnorm_differential, transpose_invariant=True, nonnegative=True,
    simplify=_of_a_vector_is_norm2, sympy=no_sympy_form))
register(Function(
    name="opnorm", arity=1, shape_rule=sig.any_to_scalar, family="reduction",
    summary="spectral norm, the largest singular value (the Euclidean norm of a vector)",
    identity="d‖X‖₂ = u₁ᵀ dX v₁ for a simple σ₁", source="from dσᵢ = uᵢᵀ dX vᵢ",
    evaluate=lambda X: np.linalg.norm(X, 2).reshape(1, 1),
    code="xp.linalg.norm({0}, 2)", latex=r"\left\|{0}\right\|_{{\mathrm{{op}}}}",
    backend_code={"torch": ("xp.linalg.matrix_norm({0}, 2)", ())},
    differential=_opnorm_differential, transpose_invariant=True, nonnegative=True,
    simplify=_of_a_vector_is_norm2, sympy=no_sympy_form))
register(Function(
    name="svd_u", arity=1, shape_rule=_left_factor, family="matrix",
    summary="U of the thin SVD X = U Σ Vᵀ", source="numpy.linalg.svd",
    evaluate=checked(lambda X: _singular_vectors(X)[0]), code="_singular_vectors({0})[0]",
    helpers=(_singular_vectors,), latex=r"U{0}", differential=no_derivative(SECOND),
    sympy=no_sympy_form))
register(Function(
    name="svd_v", arity=1, shape_rule=_right_factor, family="matrix",
    summary="V of the thin SVD X = U Σ Vᵀ", source="numpy.linalg.svd",
    evaluate=checked(lambda X: _singular_vectors(X)[2]), code="_singular_vectors({0})[2]",
    helpers=(_singular_vectors,), latex=r"V{0}", differential=no_derivative(SECOND),
    sympy=no_sympy_form))
register(Function(
    name="svd_polar", arity=1, shape_rule=sig.elementwise, family="matrix",
    summary="U Vᵀ of the thin SVD", source="numpy.linalg.svd", evaluate=checked(_polar),
    code="_polar({0})", helpers=(_polar,), latex=r"U{0} V{0}^{{\mathsf{{T}}}}",
    reads_as_product=True, differential=no_derivative(SECOND), sympy=no_sympy_form))
register(Function(
    name="svd_u1", arity=1, shape_rule=_rows, family="matrix",
    summary="u₁, the left singular vector of the largest singular value", source="numpy.linalg.svd",
    evaluate=checked(lambda X: _top_singular_vectors(X)[0]), code="_top_singular_vectors({0})[0]",
    helpers=(_top_singular_vectors,), latex=r"u_1{0}", differential=no_derivative(SECOND),
    sympy=no_sympy_form))
register(Function(
    name="svd_v1", arity=1, shape_rule=_columns, family="matrix",
    summary="v₁, the right singular vector of the largest singular value", source="numpy.linalg.svd",
    evaluate=checked(lambda X: _top_singular_vectors(X)[1]), code="_top_singular_vectors({0})[1]",
    helpers=(_top_singular_vectors,), latex=r"v_1{0}", differential=no_derivative(SECOND),
    sympy=no_sympy_form))
register_stable_form(_norms_of_vectors)
