"""JAX as a code backend: `xp` is jax.numpy imported as jnp. The kernels are
pure array code (no Python control flow on values), so a generated function
runs under jax.jit on any device; singular matrices give inf/nan as in JAX
itself, and declared structure is not probed (that needs the values).
float64 is used when JAX has it enabled (jax.config.update("jax_enable_x64",
True)). A function JAX lacks (logm) is refused at generation time.

The kernels' source ships into generated modules, where `jnp` is bound.
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

jnp: Any = None  # bound by the generated module's import


def _as_array(value, name, kind):
    """A symbol's value as a 2-D floating array of its kind."""
    a = jnp.asarray(value)
    if not jnp.issubdtype(a.dtype, jnp.floating):
        a = a.astype(float)
    if kind == "scalar" and a.size == 1:
        return a.reshape(1, 1)
    if kind == "vector" and (a.ndim == 1 or (a.ndim == 2 and a.shape[1] == 1)):
        return a.reshape(-1, 1)
    if kind == "row" and (a.ndim == 1 or (a.ndim == 2 and a.shape[0] == 1)):
        return a.reshape(1, -1)
    if kind == "matrix" and a.ndim == 2:
        return a
    raise ValueError("%s must be a %s, got shape %s" % (name, kind, a.shape))


def _spd_inverse(S):
    """S⁻¹ from the Cholesky factor of a symmetric positive definite S."""
    from jax.scipy.linalg import cho_factor, cho_solve
    return cho_solve(cho_factor(S, lower=True), jnp.eye(S.shape[0], dtype=S.dtype))


def _permutation(*factors):
    """The index vector of a Kronecker product of identities and commutation matrices."""
    p = jnp.zeros(1, dtype=int)
    for f in factors:
        if f[0] == "I":
            q = jnp.arange(f[1])
        else:
            m, n = f[1], f[2]
            q = (jnp.arange(n)[None, :] * m + jnp.arange(m)[:, None]).ravel()
        p = (p[:, None] * len(q) + q[None, :]).ravel()
    return p



def _scalar(value):
    """A 1×1 value as a 0-d array."""
    return jnp.asarray(value).reshape(())


def _column(value, n):
    return jnp.broadcast_to(value, (n, 1)).reshape(-1)


def _shaped(value, shape):
    return jnp.broadcast_to(jnp.asarray(value), shape)


def _spd_solve(S, B):
    from jax.scipy.linalg import cho_factor, cho_solve
    return cho_solve(cho_factor(S, lower=True), B)


def _logdet(X):
    sign, value = jnp.linalg.slogdet(X)
    return jnp.where(sign > 0, value, jnp.nan)


def _logsumexp(U):
    from jax.scipy.special import logsumexp
    return logsumexp(U)


def _softmax(u):
    e = jnp.exp(u - jnp.max(u))
    return e / jnp.sum(e)


def _onehot(U, largest):
    """The indicator of the first largest (or smallest) entry of U."""
    i = jnp.argmax(U) if largest else jnp.argmin(U)
    return jnp.zeros(U.size, dtype=U.dtype).at[i].set(1.0).reshape(U.shape)


def _real_matrix_function(f, X):
    return jnp.real(f(X))


def _frechet(f, X, *E):
    """L_f(X)[E] (two directions: the ordered half of L²_f(X)[E1, E2]), the
    top-right block of f at the block bidiagonal [[X, E1, 0], [0, X, E2], [0, 0, X]]."""
    n, k = X.shape[0], len(E) + 1
    B = jnp.kron(jnp.eye(k, dtype=X.dtype), X)
    for i, D in enumerate(E):
        B = B.at[i * n:(i + 1) * n, (i + 1) * n:(i + 2) * n].set(D)
    return _real_matrix_function(f, B)[:n, (k - 1) * n:]


def _frechet2(f, X, E1, E2):
    return _frechet(f, X, E1, E2) + _frechet(f, X, E2, E1)


def _kron_form(f, X, *M):
    """K with vec(L_f(X)[E]) = K vec(E), column by column."""
    n = X.shape[0]
    columns = []
    for j in range(n * n):
        E = jnp.zeros(n * n, dtype=X.dtype).at[j].set(1.0).reshape((n, n), order="F")
        L = _frechet2(f, X, M[0], E) if M else _frechet(f, X, E)
        columns.append(L.reshape(-1, order="F"))
    return jnp.stack(columns, axis=1)


def _singular_vectors(X):
    """(U, σ, V) of the thin SVD, each column of V signed so that its largest entry is positive."""
    _, s, Vt = jnp.linalg.svd(X, full_matrices=False)
    V = Vt.T
    V = V * jnp.where(V[jnp.argmax(jnp.abs(V), axis=0), jnp.arange(V.shape[1])] < 0, -1.0, 1.0)
    return (X @ V) / s, s, V


def _top_singular_vectors(X):
    _, s, Vt = jnp.linalg.svd(X, full_matrices=False)
    v = Vt[:1].T
    v = jnp.where(v[jnp.argmax(jnp.abs(v)), 0] >= 0, v, -v)
    return (X @ v) / s[0], v


def _cholesky_solve(L, B, trans):
    from jax.scipy.linalg import cho_solve
    return cho_solve((L, True), B)


def _cholesky_inverse(L, S):
    from jax.scipy.linalg import cho_solve
    return cho_solve((L, True), jnp.eye(L.shape[0], dtype=L.dtype))


def _lu_factor(M):
    from jax.scipy.linalg import lu_factor
    return lu_factor(M)


def _lu_solve(F, B, trans):
    from jax.scipy.linalg import lu_solve
    return lu_solve(F, B, trans=trans)


def _lu_inverse(F, M):
    from jax.scipy.linalg import lu_solve
    return lu_solve(F, jnp.eye(M.shape[0], dtype=M.dtype))


def _lu_logdet(F, M):
    lu, piv = F
    d = jnp.diag(lu)
    swaps = jnp.sum(piv != jnp.arange(piv.shape[0]))
    sign = jnp.where(swaps % 2 == 1, -1.0, 1.0) * jnp.prod(jnp.sign(d))
    return jnp.where(sign > 0, jnp.log(jnp.abs(d)).sum(), jnp.nan)


JAX = register_spelling(Spelling(
    name="jax", module="jax.numpy", alias="jnp",
    kernels={
        "as_array": _as_array, "inverse": _inv, "spd_inverse": _spd_inverse, "weighted_gram": _weighted_gram,
        "permutation": _permutation, "scalar": _scalar, "column": _column,
        "shaped": _shaped, "cholesky_factor": _cholesky_factor, "cholesky_solve": _cholesky_solve,
        "cholesky_inverse": _cholesky_inverse, "cholesky_logdet": _cholesky_logdet, "lu_factor": _lu_factor,
        "lu_solve": _lu_solve, "lu_inverse": _lu_inverse, "lu_logdet": _lu_logdet,
    },
    optional_imports={"_jsl": "import jax.scipy.linalg as _jsl"},
    renames={"scipy.linalg.": "_jsl."},
    helpers={h.__name__: h for h in (
        _solve, _spd_solve, _cholesky, _phi, _sech, _logdet, _logdet_spd, _norm2, _logsumexp, _softmax,
        _kron_left_adjoint, _kron_right_adjoint, _onehot, _real_matrix_function, _frechet, _frechet2, _kron_form,
        _eigenvectors, _extreme_eigenvector, _singular_vectors, _polar, _top_singular_vectors)},
    checks_values=False,
    preamble=("xp = jnp",),  # the module array_kernels are written on
    transposed_matvec_slow=True,
    compiled_by="jax.jit",
    lacks=("scipy.linalg.logm",),  # JAX has expm and sqrtm (on the CPU), not logm
))
