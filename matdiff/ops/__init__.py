"""The function registry: every named function is one record (see registry.py);
importing this package fills it."""
from . import elementwise, kronecker, logsumexp, matfun, matrix  # noqa: F401  (registration)
from .registry import REGISTRY, STRUCTURAL, Function, call, function, known_names, lookup, suggest

__all__ = ["REGISTRY", "STRUCTURAL", "Function", "call", "function", "known_names", "lookup", "suggest"]
