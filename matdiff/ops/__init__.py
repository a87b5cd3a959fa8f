"""The function registry: every named function is one record (registry.py),
one module per family: elementwise.py (entry-wise functions), matrix.py
(trace, determinants, diag, vec, sums, norms, extreme entries, means),
kronecker.py (the adjoints of ⊗), matfun.py (expm, logm, sqrtm and
eigenvalues), logsumexp.py (the stable log-sum-exp family and the stable
forms of typed inputs), constructs.py (inv, kron, vector, matrix), linalg.py
(solve and the Cholesky factor), spectral.py (extreme eigenvalues, singular
values and the norms made of them). Importing this package fills the
registry; the builders below let other passes make calls without spelling
names."""
from . import constructs, elementwise, kronecker, linalg, logsumexp, matfun, matrix, spectral  # noqa: F401
from .elementwise import log
from .kronecker import left_adjoint, right_adjoint
from .linalg import SOLVE
from .matrix import diagonal, entry_sum, symmetric_part, trace, unvec, vec
from .registry import CHAIN_RULES, REGISTRY, STABLE_FORMS, Function, call, function, known_names, lookup, suggest

__all__ = ["CHAIN_RULES", "REGISTRY", "SOLVE", "STABLE_FORMS", "Function", "call", "function", "known_names", "lookup",
           "suggest", "log", "left_adjoint", "right_adjoint", "diagonal", "entry_sum", "symmetric_part", "trace",
           "unvec", "vec"]
