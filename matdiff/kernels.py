"""NumPy kernels that generated code calls and the interpreter shares
(the argument policy, structure-aware inverses, Gram matrices, permutations
applied by indexing, the shapes results are returned in); each function's
source is copied into the generated module that uses it, so each refers only
to NumPy as `np`. The NumPy spelling (printing/numpy_spelling.py) names them."""
from __future__ import annotations

from .lazy_numpy import np


def _spd_inverse(S):
    """S⁻¹ for a symmetric positive definite S from its Cholesky factor (LAPACK
    potrf and potri, about half the work of a general inverse; through SciPy
    when it is installed)."""
    try:
        from scipy.linalg import lapack
    except ImportError:
        np.linalg.cholesky(S)  # raises where S is not positive definite
        inverse = np.linalg.inv(S)
    else:
        factor, info = lapack.dpotrf(S, lower=False, clean=False)
        if info == 0:
            inverse, info = lapack.dpotri(factor, lower=False)
        if info != 0:
            raise ValueError("the matrix declared spd is not positive definite at these values")
        inverse = np.triu(inverse) + np.triu(inverse, 1).T
    condition = np.linalg.norm(S, 1) * np.linalg.norm(inverse, 1)
    if not condition <= 1e12:
        raise ValueError("a matrix to invert is singular to working precision at these values "
                         "(condition number %.1e)" % condition)
    return inverse


def _weighted_gram(M, w):
    """Mᵀ diag(w) M for w ≥ 0, as the Gram matrix WᵀW of W = √w ∘ M (rows
    scaled): NumPy computes WᵀW with BLAS syrk, half the products of a general
    matrix product, and the result is exactly symmetric."""
    W = np.sqrt(np.ravel(w))[:, None] * M
    return W.T @ W


def _permutation(*factors):
    """The index vector p of a Kronecker product of identities ('I', n) and
    commutation matrices ('K', m, n), K vec(A) = vec(Aᵀ) for an m×n A: row i
    of the product is the unit row e_{p[i]}, so P @ B is B[p] and B @ P is
    B[:, argsort(p)] — a permutation applied without forming its matrix."""
    p = np.zeros(1, dtype=np.intp)
    for f in factors:
        if f[0] == "I":
            q = np.arange(f[1])
        else:  # K[i n + j, j m + i] = 1
            m, n = f[1], f[2]
            q = (np.arange(n)[None, :] * m + np.arange(m)[:, None]).ravel()
        p = (p[:, None] * len(q) + q[None, :]).ravel()
    return p


def _as_array(value, name, kind):
    """A symbol's value as a 2-D float array of its kind ('scalar', 'vector',
    'row', 'matrix'): real numbers only (no strings, no complex entries), not
    empty. The one argument policy of the interpreter and of generated code
    (the probes of structures.py then check a declared structure)."""
    if type(value) is np.ndarray and value.dtype == np.float64 and value.size:  # the common case, at once
        if kind == "matrix" and value.ndim == 2:
            return value
        if kind == "vector" and value.ndim == 1:
            return value.reshape(-1, 1)
    a = np.asarray(value)
    if a.dtype.kind in "USVc" or (a.dtype.kind == "O" and any(isinstance(v, (str, bytes, complex))
                                                              for v in a.ravel())):
        what = "complex numbers" if a.dtype.kind == "c" or a.dtype.kind == "O" and any(
            isinstance(v, complex) for v in a.ravel()) else "text"
        raise ValueError("%s must be real numbers, not %s" % (name, what))
    try:
        a = a.astype(float, copy=False)
    except (TypeError, ValueError):
        raise ValueError("%s must be real numbers, not %s" % (name, type(value).__name__)) from None
    if a.size == 0:
        raise ValueError("%s has no entries (shape %s)" % (name, a.shape))
    if kind == "scalar" and a.size == 1:
        a = a.reshape(1, 1)
    elif kind == "vector" and (a.ndim == 1 or (a.ndim == 2 and a.shape[1] == 1)):
        a = a.reshape(-1, 1)
    elif kind == "row" and (a.ndim == 1 or (a.ndim == 2 and a.shape[0] == 1)):
        a = a.reshape(1, -1)
    elif not (kind == "matrix" and a.ndim == 2):
        shapes = {"scalar": "a single number", "vector": "shape (n,) or (n, 1)", "row": "shape (n,) or (1, n)",
                  "matrix": "a 2-D array"}
        hint = ""
        if kind == "scalar" and (a.ndim == 1 or (a.ndim == 2 and 1 in a.shape)):
            hint = "; names a-g are scalars unless declared: where %s: vector" % name
        raise ValueError("%s must be a %s (%s), got shape %s%s" % (name, kind, shapes[kind], a.shape, hint))
    return a


def _inv(M):
    """M⁻¹, refused where M is singular to working precision: 1-norm condition
    number ‖M‖₁‖M⁻¹‖₁ above 1e12 (cheap, from the inverse itself), the one
    policy of the interpreter and of generated code."""
    try:
        inverse = np.linalg.inv(M)
    except np.linalg.LinAlgError:
        raise ValueError("a matrix to invert is singular at these values") from None
    condition = np.linalg.norm(M, 1) * np.linalg.norm(inverse, 1)
    if not condition <= 1e12:
        raise ValueError("a matrix to invert is singular to working precision at these values "
                         "(condition number %.1e)" % condition)
    return inverse


def _commutation(m, n):
    """K with K @ vec(A) == vec(A.T) for an m-by-n A (column-major vec)."""
    K = np.zeros((m * n, m * n))
    for i in range(m):
        for j in range(n):
            K[i * n + j, j * m + i] = 1.0
    return K


def _shaped(value, shape):
    """value as a new array of the given shape (a scalar or 1×1 value is spread
    out): writable, and never an argument itself (∇ tr(AᵀX) = A is a copy of A)."""
    return np.array(np.broadcast_to(np.asarray(value, dtype=float), shape))


def _scalar(value):
    """A 1×1 value as a Python float."""
    return float(np.asarray(value).reshape(()))


def _column(value, n):
    """A vector value as a new 1-D array of length n (writable, never an argument itself)."""
    return np.array(np.broadcast_to(value, (n, 1)).reshape(-1))


# Factorizations shared by every use of one matrix in a function (printing/plan.py
# finds them): computed once, then applied (solves), inverted or read (log det).
def _cholesky_factor(S):
    """The lower Cholesky factor of a symmetric positive definite S (LAPACK potrf)."""
    try:
        from scipy.linalg import lapack
    except ImportError:
        try:
            return np.linalg.cholesky(S)
        except np.linalg.LinAlgError:
            raise ValueError("the matrix declared spd is not positive definite at these values") from None
    L, info = lapack.dpotrf(S, lower=True, clean=True)
    if info != 0:
        raise ValueError("the matrix declared spd is not positive definite at these values")
    return L


def _cholesky_solve(L, B, trans):
    """S⁻¹B from the Cholesky factor of S (S is symmetric: trans changes nothing)."""
    try:
        from scipy.linalg import lapack
    except ImportError:
        return np.linalg.solve(L.T, np.linalg.solve(L, B))
    return lapack.dpotrs(L, B, lower=True)[0]


def _cholesky_inverse(L, S):
    """S⁻¹ from the Cholesky factor of S, under the condition policy of _inv."""
    try:
        from scipy.linalg import lapack
    except ImportError:
        Li = np.linalg.inv(L)
        inverse = Li.T @ Li
    else:
        inverse, _ = lapack.dpotri(L, lower=True)
        inverse = np.tril(inverse) + np.tril(inverse, -1).T
    condition = np.linalg.norm(S, 1) * np.linalg.norm(inverse, 1)
    if not condition <= 1e12:
        raise ValueError("a matrix to invert is singular to working precision at these values "
                         "(condition number %.1e)" % condition)
    return inverse


def _cholesky_logdet(L):
    """log det S = 2 Σ log Lᵢᵢ."""
    return 2.0 * np.log(np.diag(L)).sum()


def _lu_factor(M):
    """The LU factors with partial pivoting of M (LAPACK getrf), refused where M
    is singular to working precision (the policy of _solve); without SciPy, M
    itself (each use then factors it again)."""
    try:
        from scipy.linalg import lapack
    except ImportError:
        condition = np.linalg.cond(M, 1)
        if not condition <= 1e12:
            raise ValueError("a matrix to solve with is singular to working precision at these values "
                             "(condition number %.1e)" % condition)
        return (M, None)
    lu, piv, info = lapack.dgetrf(M)
    rcond, _ = lapack.dgecon(lu, np.linalg.norm(M, 1), norm="1") if info == 0 else (0.0, 0)
    if info != 0 or not rcond >= 1e-12:
        raise ValueError("a matrix to solve with is singular to working precision at these values "
                         "(condition number %.1e)" % (1.0 / rcond if rcond > 0 else np.inf))
    return (lu, piv)


def _lu_solve(F, B, trans):
    """M⁻¹B (trans = 1: M⁻ᵀB) from the LU factors of M."""
    lu, piv = F
    if piv is None:
        return np.linalg.solve(lu.T if trans else lu, B)
    from scipy.linalg import lapack
    return lapack.dgetrs(lu, piv, B, trans=trans)[0]


def _lu_inverse(F, M):
    """M⁻¹ from the LU factors of M (whose condition the factorization checked)."""
    lu, piv = F
    if piv is None:
        return np.linalg.inv(M)
    from scipy.linalg import lapack
    return lapack.dgetri(lu, piv)[0]


def _lu_logdet(F, M):
    """log det M from the LU factors (nan where det M ≤ 0, as _logdet)."""
    lu, piv = F
    if piv is None:
        sign, value = np.linalg.slogdet(M)
        return value if sign > 0 else np.nan
    d = np.diag(lu)
    swaps = np.count_nonzero(piv != np.arange(len(piv)))
    sign = (-1.0) ** swaps * np.prod(np.sign(d))
    return np.log(np.abs(d)).sum() if sign > 0 else np.nan
