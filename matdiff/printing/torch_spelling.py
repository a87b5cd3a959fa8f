"""PyTorch as a code backend: `xp` is torch. A generated function computes on
the device and in the floating dtype of its first argument (every argument is
moved there; Python numbers and integer tensors become that dtype, float64
for plain Python input); constants (eye, zeros, ones) are made there too.
Declared structure is not probed, and singular matrices raise PyTorch's own
errors. The matrix functions other than expm are refused at generation time
(PyTorch has matrix_exp only).
The kernels' source ships into generated modules, where `torch` is bound.
Imports printing.spelling and printing.array_kernels (the kernels shared with
the other array backend).
"""
from __future__ import annotations

from typing import Any

from .array_kernels import (
    _cholesky, _cholesky_factor, _cholesky_logdet, _eigenvectors, _extreme_eigenvector, _inv,
    _kron_left_adjoint, _kron_right_adjoint, _logdet_spd, _norm2, _phi, _polar, _sech, _solve, _weighted_gram,
)
from .spelling import Spelling, register_spelling

torch: Any = None  # bound by the generated module's import


def _as_array(value, name, kind, like=None):
    """A symbol's value as a 2-D floating tensor of its kind, on the device and
    in the dtype of `like` (the first argument) when given."""
    if isinstance(value, torch.Tensor):
        a = value if like is not None or value.is_floating_point() else value.to(torch.float64)
    else:  # Python numbers and lists, NumPy arrays: float64
        a = torch.as_tensor(value, dtype=torch.float64)
    if like is not None:
        a = a.to(dtype=like.dtype, device=like.device)
    if kind == "scalar" and a.numel() == 1:
        return a.reshape(1, 1)
    if kind == "vector" and (a.ndim == 1 or (a.ndim == 2 and a.shape[1] == 1)):
        return a.reshape(-1, 1)
    if kind == "row" and (a.ndim == 1 or (a.ndim == 2 and a.shape[0] == 1)):
        return a.reshape(1, -1)
    if kind == "matrix" and a.ndim == 2:
        return a
    raise ValueError("%s must be a %s, got shape %s" % (name, kind, tuple(a.shape)))


def _spd_inverse(S):
    return torch.cholesky_inverse(torch.linalg.cholesky(S))


def _permutation(*factors):
    """The index vector of a Kronecker product of identities and commutation matrices."""
    p = torch.zeros(1, dtype=torch.long)
    for f in factors:
        if f[0] == "I":
            q = torch.arange(f[1])
        else:
            m, n = f[1], f[2]
            q = (torch.arange(n)[None, :] * m + torch.arange(m)[:, None]).ravel()
        p = (p[:, None] * len(q) + q[None, :]).ravel()
    return p



def _scalar(value):
    """A 1×1 value as a 0-d tensor."""
    return torch.as_tensor(value).reshape(())


def _column(value, n):
    return torch.broadcast_to(torch.as_tensor(value), (n, 1)).reshape(-1).clone()


def _shaped(value, shape):
    return torch.broadcast_to(torch.as_tensor(value), shape).clone()


def _spd_solve(S, B):
    return torch.cholesky_solve(B, torch.linalg.cholesky(S))


def _logdet(X):
    sign, value = torch.linalg.slogdet(X)
    return torch.where(sign > 0, value, torch.nan)


def _logsumexp(U):
    return torch.logsumexp(U.reshape(-1), 0)


def _softmax(u):
    return torch.softmax(u.reshape(-1), 0).reshape(u.shape)


def _onehot(U, largest):
    """The indicator of the first largest (or smallest) entry of U."""
    i = torch.argmax(U) if largest else torch.argmin(U)
    return torch.zeros(U.numel(), dtype=U.dtype, device=U.device).index_fill(0, i.reshape(1), 1.0).reshape(U.shape)


def _singular_vectors(X):
    """(U, σ, V) of the thin SVD, each column of V signed so that its largest entry is positive."""
    _, s, Vh = torch.linalg.svd(X, full_matrices=False)
    V = Vh.T
    signs = torch.where(V[torch.argmax(torch.abs(V), dim=0), torch.arange(V.shape[1])] < 0, -1.0, 1.0)
    V = V * signs.to(V.dtype)
    return (X @ V) / s, s, V


def _top_singular_vectors(X):
    _, s, Vh = torch.linalg.svd(X, full_matrices=False)
    v = Vh[:1].T
    v = v if v[torch.argmax(torch.abs(v)), 0] >= 0 else -v
    return (X @ v) / s[0], v


def _real_matrix_function(f, X):
    return f(X)


def _frechet(f, X, *E):
    """L_f(X)[E] (two directions: the ordered half of L²_f(X)[E1, E2]), the
    top-right block of f at the block bidiagonal [[X, E1, 0], [0, X, E2], [0, 0, X]]."""
    n, k = X.shape[0], len(E) + 1
    B = torch.kron(torch.eye(k, dtype=X.dtype, device=X.device), X)
    for i, D in enumerate(E):
        B[i * n:(i + 1) * n, (i + 1) * n:(i + 2) * n] = D
    return f(B)[:n, (k - 1) * n:]


def _frechet2(f, X, E1, E2):
    return _frechet(f, X, E1, E2) + _frechet(f, X, E2, E1)


def _kron_form(f, X, *M):
    """K with vec(L_f(X)[E]) = K vec(E), column by column."""
    n = X.shape[0]
    K = torch.empty((n * n, n * n), dtype=X.dtype, device=X.device)
    for j in range(n * n):
        E = torch.zeros(n * n, dtype=X.dtype, device=X.device)
        E[j] = 1.0
        E = E.reshape(n, n).T
        L = _frechet2(f, X, M[0], E) if M else _frechet(f, X, E)
        K[:, j] = L.T.reshape(-1)
    return K


def _cholesky_solve(L, B, trans):
    return torch.cholesky_solve(B, L)


def _cholesky_inverse(L, S):
    return torch.cholesky_inverse(L)


def _lu_factor(M):
    return torch.linalg.lu_factor(M)


def _lu_solve(F, B, trans):
    return torch.linalg.lu_solve(F[0], F[1], B, adjoint=bool(trans))


def _lu_inverse(F, M):
    return torch.linalg.lu_solve(F[0], F[1], torch.eye(M.shape[0], dtype=M.dtype, device=M.device))


def _lu_logdet(F, M):
    lu, pivots = F
    d = torch.diag(lu)
    swaps = (pivots != torch.arange(1, pivots.shape[0] + 1, device=pivots.device)).sum()
    sign = (-1.0 if int(swaps) % 2 else 1.0) * torch.prod(torch.sign(d))
    return torch.where(sign > 0, torch.log(torch.abs(d)).sum(), torch.nan)


TORCH = register_spelling(Spelling(
    name="torch", module="torch", alias="torch",
    kernels={
        "as_array": _as_array, "inverse": _inv, "spd_inverse": _spd_inverse, "weighted_gram": _weighted_gram,
        "permutation": _permutation, "scalar": _scalar, "column": _column,
        "shaped": _shaped, "cholesky_factor": _cholesky_factor, "cholesky_solve": _cholesky_solve,
        "cholesky_inverse": _cholesky_inverse, "cholesky_logdet": _cholesky_logdet, "lu_factor": _lu_factor,
        "lu_solve": _lu_solve, "lu_inverse": _lu_inverse, "lu_logdet": _lu_logdet,
    },
    optional_imports={},
    renames={"scipy.linalg.expm": "xp.linalg.matrix_exp"},
    helpers={h.__name__: h for h in (
        _solve, _spd_solve, _cholesky, _phi, _sech, _logdet, _logdet_spd, _norm2, _logsumexp, _softmax,
        _kron_left_adjoint, _kron_right_adjoint, _onehot, _real_matrix_function, _frechet, _frechet2, _kron_form,
        _eigenvectors, _extreme_eigenvector, _singular_vectors, _polar, _top_singular_vectors)},
    checks_values=False,
    preamble=("xp = torch",),  # the module array_kernels are written on
    creation=", dtype=_dtype, device=_device",
    like_first=True,
    lacks=("scipy.linalg.logm", "scipy.linalg.sqrtm"),  # PyTorch has matrix_exp only
))
