"""The function registry: every named function is one record (registry.py),
one module per family: elementwise.py (entry-wise functions), matrix.py
(trace, determinants, diag, vec, sums, norms), kronecker.py (the adjoints of
⊗), matfun.py (expm, logm, sqrtm and eigenvalues), logsumexp.py (the stable
log-sum-exp family and the stable forms of typed inputs), constructs.py
(inv, kron, vector, matrix). Importing this package fills the registry; the
builders below let other passes make calls without spelling names."""
from . import constructs, elementwise, kronecker, logsumexp, matfun, matrix  # noqa: F401  (registration)
from .elementwise import log
from .kronecker import left_adjoint, right_adjoint
from .matrix import diagonal, entry_sum, symmetric_part, trace, unvec, vec
from .registry import CHAIN_RULES, REGISTRY, STABLE_FORMS, Function, call, function, known_names, lookup, suggest

__all__ = ["CHAIN_RULES", "REGISTRY", "STABLE_FORMS", "Function", "call", "function", "known_names", "lookup",
           "suggest", "log", "left_adjoint", "right_adjoint", "diagonal", "entry_sum", "symmetric_part", "trace",
           "unvec", "vec"]
