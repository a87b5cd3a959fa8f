"""What a code backend supplies: how the planned program of printing/code.py
is spelled for one array library. The planner writes array operations on a
namespace `xp` (xp.eye, xp.zeros, xp.kron, xp.linalg.matrix_power, `@`, `.T`,
indexing) and calls kernels by role; a spelling names the module `xp` stands
for, the imports, and the kernel of each role, whose source ships into the
generated module. Adding a backend is one module registering one Spelling
(imported by printing/code.py); a function whose template differs for it
says so in its record's `backend_code`.
Imports errors.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping

from ..errors import BackendError

# The kernels a spelling provides, by role:
KERNEL_ROLES = (
    "as_array",       # (value, name, kind) -> a 2-D float array under the argument policy
    "inverse",        # M -> M⁻¹ under the condition policy
    "spd_inverse",    # S -> S⁻¹ for a symmetric positive definite S (Cholesky)
    "weighted_gram",  # (M, w) -> Mᵀ diag(w) M for w ≥ 0
    "permutation",    # Kronecker factors ('I', n) / ('K', m, n) -> the index vector of the permutation
    "scalar",         # a 1×1 value -> a Python float
    "column",         # (value, n) -> a 1-D array of length n
    "shaped",         # (value, shape) -> an array of that shape
    # a factorization shared by every use of one matrix: 'cholesky' (spd) or 'lu'
    "cholesky_factor", "cholesky_solve", "cholesky_inverse", "cholesky_logdet",  # F = factor(M); solve(F, B, trans),
    "lu_factor", "lu_solve", "lu_inverse", "lu_logdet",                          # inverse(F, M), logdet(F[, M])
)


@dataclass(frozen=True)
class Spelling:
    """One array library as a code backend."""

    name: str                      # the key of a function record's backend_code
    module: str                    # the module `xp` stands for: 'numpy'
    alias: str                     # the name it is imported as: 'np'
    kernels: Mapping[str, Callable]  # one function per KERNEL_ROLES entry, shipped by source
    optional_imports: Mapping[str, str]  # a module used by some templates ('scipy.') -> its import line
    # backend versions of the helpers function records ship (NumPy's by name); None: NumPy's own are native
    helpers: Mapping[str, Callable] | None = None
    checks_values: bool = True     # ships the probes of declared structure (value checks: not under jax.jit)
    creation: str = ""             # keyword arguments of eye, zeros and ones (PyTorch: the inputs' dtype, device)
    like_first: bool = False       # arguments follow the first one's dtype and device (_as_array's `like`)
    renames: Mapping[str, str] = field(default_factory=dict)  # template text -> this backend's ('scipy.linalg.')
    transposed_matvec_slow: bool = False  # Mᵀv is faster as (vᵀM)ᵀ (XLA on the CPU)
    preamble: tuple[str, ...] = ()  # module-level lines after the imports ('xp = jnp' for the shared kernels)
    compiled_by: str | None = None  # 'module.function' that lambdify applies to a generated function (jax.jit)
    lacks: tuple[str, ...] = ()    # template texts of functions the backend has no form of ('scipy.linalg.logm')

    def import_line(self) -> str:
        return f"import {self.module}" if self.module == self.alias else f"import {self.module} as {self.alias}"

    def helper(self, numpy_helper: Callable, function_name: str) -> Callable:
        """This backend's version of a helper a function record ships."""
        if self.helpers is None:
            return numpy_helper
        if numpy_helper.__name__ not in self.helpers:
            raise BackendError(f"the {self.name} backend has no form of {function_name}; use backend='numpy'")
        return self.helpers[numpy_helper.__name__]


# The registered backends by name (each spelling module registers its own).
BACKENDS: dict[str, Spelling] = {}


def spelling_of(backend: str | None) -> Spelling:
    """The registered spelling of a backend's name (None: NumPy, the default)."""
    if backend is None:
        backend = "numpy"
    if backend not in BACKENDS:
        known = ", ".join(sorted(BACKENDS))
        raise BackendError(f"there is no code backend {backend!r}: choose one of {known}")
    return BACKENDS[backend]


def register_spelling(spelling: Spelling) -> Spelling:
    assert spelling.name not in BACKENDS, f"the backend {spelling.name} is registered twice"
    assert set(spelling.kernels) == set(KERNEL_ROLES), f"{spelling.name} lacks a kernel"
    BACKENDS[spelling.name] = spelling
    return spelling
