"""Linear solves and the Cholesky factor.

solve(A, B) = A⁻¹B (also A \\ B) is never computed or printed through an
inverse: d(A⁻¹B) = A⁻¹(dB − dA A⁻¹B), so the differential is
solve(A, dB − dA solve(A, B)), linear in its second argument with adjoint
⟨G, A⁻¹D⟩ = ⟨A⁻ᵀG, D⟩ = ⟨solve(Aᵀ, G), D⟩ and vec(A⁻¹D) = (I ⊗ A⁻¹) vec(D).

chol(S) = L, lower triangular with S = L Lᵀ, has dL = L Φ(L⁻¹ dS L⁻ᵀ), where Φ
keeps the lower triangle and halves the diagonal (Murray 2016,
"Differentiation of the Cholesky decomposition", eq. 8). Φ is a mask applied
entry by entry, so it is its own adjoint.
"""
from __future__ import annotations

from fractions import Fraction
from typing import Any, Sequence

from ..lazy_numpy import np

from ..nodes import (
    Add, Call, Filled, Identity, Inverse, Kron, Mul, Node, Number, Power, Transpose, Zero, scalars_out,
)
from . import signatures as sig
from .forms import checked, no_sympy_form
from .matrix import diagonal, vec
from .registry import Function, call, register, register_chain_rule, register_stable_form

SOLVE = "solve"  # the function the operator \ applies


# -- kernels, shipped verbatim into generated code --------------------------------
def _solve(A, B):
    """A⁻¹B by LU with partial pivoting, refused where A is singular to working
    precision (1-norm condition number above 1e12, estimated by LAPACK from the
    factors when SciPy is installed), the policy of every inverse."""
    try:
        from scipy.linalg import lapack
    except ImportError:
        condition = np.linalg.cond(A, 1)
        if not condition <= 1e12:
            raise ValueError("a matrix to solve with is singular to working precision at these values "
                             "(condition number %.1e)" % condition)
        return np.linalg.solve(A, B)
    lu, piv, info = lapack.dgetrf(A)
    rcond, _ = lapack.dgecon(lu, np.linalg.norm(A, 1), norm="1") if info == 0 else (0.0, 0)
    if info != 0 or not rcond >= 1e-12:
        raise ValueError("a matrix to solve with is singular to working precision at these values "
                         "(condition number %.1e)" % (1.0 / rcond if rcond > 0 else np.inf))
    X, _ = lapack.dgetrs(lu, piv, B)
    return X


def _spd_solve(S, B):
    """S⁻¹B for a symmetric positive definite S by its Cholesky factor (two
    triangular solves, half the work of LU; LAPACK potrf and potrs through
    SciPy when it is installed)."""
    try:
        from scipy.linalg import lapack
    except ImportError:
        L = _cholesky(S)
        return np.linalg.solve(L.T, np.linalg.solve(L, B))
    factor, info = lapack.dpotrf(S, lower=True, clean=False)
    if info != 0:
        raise ValueError("the matrix of a Cholesky factor is not positive definite at these values")
    X, _ = lapack.dpotrs(factor, B, lower=True)
    return X


def _cholesky(S):
    """The lower-triangular L with S = L Lᵀ, refused where S is not positive definite."""
    try:
        return np.linalg.cholesky(S)
    except np.linalg.LinAlgError:
        raise ValueError("the matrix of a Cholesky factor is not positive definite at these values") from None


def _phi(X):
    """Φ(X): the lower triangle of X with its diagonal halved."""
    return np.tril(X) - 0.5 * np.diag(np.diag(X))


# -- rules ------------------------------------------------------------------------
def _solve_shape(alg: sig.SizeAlgebra, name: str, shapes: Sequence[tuple]) -> tuple:
    (n, m), (r, c) = shapes
    sig.square(alg, name, shapes[0])
    alg.unify(n, r, lambda: f"{name}(A, B) needs as many rows in B as A has: {alg.argument(0)} and "
                            f"{alg.argument(1)}")
    return shapes[1]


def _solve_differential(node: Call, d: Sequence[Node | None]) -> Node:
    """d(A⁻¹B) = A⁻¹(dB − dA A⁻¹B)."""
    A, (dA, dB) = node.args[0], d
    inner: list[Node] = [dB] if dB is not None else []
    if dA is not None:
        inner.append(Mul((Number(Fraction(-1)), dA, node)))
    return call(SOLVE, A, inner[0] if len(inner) == 1 else Add(tuple(inner)))


def _solve_adjoint(node: Call, i: int, G: Node) -> Node:
    assert i == 1, "the differential of a solve is in its right-hand side"
    return call(SOLVE, Transpose(node.args[0]), G)


def _solve_vec_jacobian(node: Call, i: int) -> Node:
    assert i == 1, "the differential of a solve is in its right-hand side"
    A, B = node.args
    return Kron((Identity(B.shape[1]), Inverse(A)))  # vec(A⁻¹D) = (I ⊗ A⁻¹) vec D


def _solve_rules(n: Call) -> Node | None:
    """I⁻¹B = B; A⁻¹0 = 0; A⁻¹(c B) = c A⁻¹B (linear in B)."""
    A, B = n.args
    if isinstance(A, Identity):
        return B
    if isinstance(B, Zero):
        return Zero(n.shape)
    pulled = scalars_out(B)
    if pulled is not None:
        scalars, rest = pulled
        return Mul(tuple(scalars) + (call(SOLVE, A, rest),))
    return None


def _solve_sympy(sympy: Any, n: Call, args: list) -> Any:
    A, B = args
    if n.args[0].is_scalar:
        return B / A
    return sympy.MatMul(sympy.Inverse(A), B)


def _chol_differential(node: Call, d: Sequence[Node | None]) -> Node:
    """dL = L Φ(L⁻¹ dS L⁻ᵀ)."""
    (dS,) = d
    L = node
    inner = Mul((Inverse(L), dS, Inverse(Transpose(L))))  # type: ignore[arg-type]
    return Mul((L, call("chol_phi", inner)))


def _phi_vec_jacobian(node: Call, i: int) -> Node:
    """vec Φ(E) = diag(vec Φ(1 1ᵀ)) vec E: the mask, entry by entry."""
    (E,) = node.args
    return diagonal(vec(call("chol_phi", Filled(Number(Fraction(1)), E.shape))))


register(Function(
    name=SOLVE, arity=2, shape_rule=_solve_shape, summary="solve(A, B) = A⁻¹B for a square A (also A \\ B)",
    family="matrix", identity="d(A⁻¹B) = A⁻¹(dB − dA A⁻¹B)", source="from Cookbook (40)",
    domain="invertible", evaluate=checked(_solve), code="_solve({0}, {1})", helpers=(_solve,),
    definite_code="_spd_solve({0}, {1})", latex=r"{0} \backslash {1}", text=r"{0} \ {1}", infix=True,
    differential=_solve_differential, adjoint=_solve_adjoint, vec_jacobian=_solve_vec_jacobian,
    simplify=_solve_rules, sympy=_solve_sympy, definite_helpers=(_spd_solve, _cholesky), through_factor="applied"))
register(Function(
    name="chol", arity=1, shape_rule=sig.square_to_square, family="matrix",
    summary="the lower-triangular Cholesky factor L of a symmetric positive definite S = L Lᵀ",
    identity="dL = L Φ(L⁻¹ dS L⁻ᵀ)", source="Murray 2016, eq. 8", domain="spd", evaluate=checked(_cholesky),
    code="_cholesky({0})", helpers=(_cholesky,), latex=r"\operatorname{{chol}}{0}",
    differential=_chol_differential, needs_symmetric=True, sympy=no_sympy_form))
register(Function(
    name="chol_phi", arity=1, shape_rule=sig.square_to_square, family="matrix",
    summary="Φ(X): the lower triangle with the diagonal halved (the Cholesky differential)", source="linear",
    evaluate=_phi, code="_phi({0})", helpers=(_phi,), latex=r"\Phi{0}", linear=True,
    positive_linear=True, adjoint=lambda node, i, G: call("chol_phi", G), vec_jacobian=_phi_vec_jacobian,
    sympy=no_sympy_form))


def _log_det_through_cholesky(n: Node) -> Node | None:
    """sum(log(diag(chol(S)))) = ½ log det S, since det S = (Π Lᵢᵢ)² for S = L Lᵀ."""
    if not (isinstance(n, Call) and n.name == "sum" and isinstance(n.args[0], Call) and n.args[0].name == "log"):
        return None
    inner = n.args[0].args[0]
    if not (isinstance(inner, Call) and inner.name == "diag" and not inner.args[0].shape[1].is_one):
        return None
    factor = inner.args[0]
    if isinstance(factor, Call) and factor.name == "chol":
        return Mul((Number(Fraction(1, 2)), call("logdet", factor.args[0])))
    return None


register_stable_form(_log_det_through_cholesky)


def _rank_one_update(M: Node) -> tuple[Node, Node] | None:
    """(u, v) when M = I + u vᵀ for column vectors u, v."""
    if not (isinstance(M, Add) and len(M.terms) == 2):
        return None
    for one, update in (M.terms, M.terms[::-1]):
        if isinstance(one, Identity) and isinstance(update, Mul) and len(update.factors) == 2:
            u, vt = update.factors
            if u.shape[1].is_one and vt.shape[0].is_one:
                return u, (vt.arg if isinstance(vt, Transpose) else Transpose(vt))
    return None


def _sherman_morrison(chain: list[Node]) -> list[Node]:
    """(I + u vᵀ)⁻¹ u = u / (1 + vᵀ u) and vᵀ (I + u vᵀ)⁻¹ = vᵀ / (1 + vᵀ u)
    (Sherman–Morrison applied to the vector it meets; Cookbook (160))."""
    out = list(chain)
    for i, f in enumerate(out):
        pair = _rank_one_update(f.arg) if isinstance(f, Inverse) else None
        if pair is None:
            continue
        u, v = pair
        scale = Power(Add((Number(Fraction(1)), Mul((Transpose(v), u)))), Number(Fraction(-1)))
        if i + 1 < len(out) and out[i + 1] == u:
            return out[:i] + [scale] + out[i + 1:]
        if i > 0 and out[i - 1] == Transpose(v):
            return out[:i] + [scale] + out[i + 1:]
    return out


register_chain_rule(_sherman_morrison)
