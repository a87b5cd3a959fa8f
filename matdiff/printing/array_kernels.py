"""Kernels that JAX and PyTorch code share: array code whose every call has
the same name and meaning in jax.numpy and in torch (linalg.solve, einsum,
tril, ...), written once on `xp`, which the generated module binds to the
backend's module. Each spelling ships these beside its own kernels.
Imports nothing of matdiff.
"""
from __future__ import annotations

from typing import Any

xp: Any = None  # bound by the generated module (xp = jnp, xp = torch)


def _inv(M):
    return xp.linalg.inv(M)


def _solve(A, B):
    return xp.linalg.solve(A, B)


def _cholesky(S):
    return xp.linalg.cholesky(S)


def _cholesky_factor(S):
    return xp.linalg.cholesky(S)


def _cholesky_logdet(L):
    return 2.0 * xp.log(xp.diag(L)).sum()


def _logdet_spd(S):
    return 2.0 * xp.log(xp.diag(xp.linalg.cholesky(S))).sum()


def _weighted_gram(M, w):
    W = xp.sqrt(xp.ravel(w))[:, None] * M
    return W.T @ W


def _phi(X):
    return xp.tril(X) - 0.5 * xp.diag(xp.diag(X))


def _sech(u):
    e = xp.exp(-xp.abs(u))
    return 2.0 * e / (1.0 + e * e)


def _norm2(X):
    return xp.linalg.norm(X)


def _kron_left_adjoint(G, B, shape=None):
    p, q = B.shape
    m, n = G.shape[0] // p, G.shape[1] // q
    return xp.einsum("ikjl,kl->ij", G.reshape(m, p, n, q), B)


def _kron_right_adjoint(G, A, shape=None):
    m, n = A.shape
    p, q = G.shape[0] // m, G.shape[1] // n
    return xp.einsum("ikjl,ij->kl", G.reshape(m, p, n, q), A)


def _eigenvectors(X):
    return xp.linalg.eigh(X)[1]


def _extreme_eigenvector(S, largest):
    V = xp.linalg.eigh(S)[1]
    return V[:, -1:] if largest else V[:, :1]


def _polar(X):
    U, _, Vt = xp.linalg.svd(X, full_matrices=False)
    return U @ Vt

