"""Structure-aware NumPy kernels that generated code calls; each function's
source is copied into the generated module that uses it."""
from __future__ import annotations

from ..lazy_numpy import np


def _spd_inverse(S):
    """S⁻¹ for a symmetric positive definite S from its Cholesky factor (LAPACK
    potrf and potri, about half the work of a general inverse; through SciPy
    when it is installed)."""
    try:
        from scipy.linalg import lapack
    except ImportError:
        return np.linalg.inv(S)
    factor, info = lapack.dpotrf(S, lower=False, clean=False)
    if info == 0:
        inverse, info = lapack.dpotri(factor, lower=False)
    if info != 0:
        raise ValueError("the matrix declared spd is not positive definite at these values")
    return np.triu(inverse) + np.triu(inverse, 1).T


def _weighted_gram(M, w):
    """Mᵀ diag(w) M for w ≥ 0, as the Gram matrix WᵀW of W = √w ∘ M (rows
    scaled): NumPy computes WᵀW with BLAS syrk, half the products of a general
    matrix product, and the result is exactly symmetric."""
    W = np.sqrt(np.ravel(w))[:, None] * M
    return W.T @ W
