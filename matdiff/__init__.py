"""matdiff: symbolic matrix differential calculus.

    >>> import matdiff
    >>> str(matdiff.derivative("tr(A X B)", wrt="X"))
    'Aᵀ Bᵀ'
"""
from .api import code, derivative, hessian, lambdify, parse
from .errors import (
    BackendError, CheckError, DeclarationError, DerivativeError, EvaluationError, MatdiffError, MatdiffWarning,
    ParseError,
    ShapeError,
)
from .result import BlockHessian, Hessian, Result
from .version import __version__


def __getattr__(name: str):
    """CheckReport is loaded with NumPy, on first use."""
    if name == "CheckReport":
        from .check import CheckReport
        return CheckReport
    raise AttributeError(f"module 'matdiff' has no attribute {name!r}")

__all__ = [
    "derivative", "hessian", "parse", "lambdify", "code", "Result", "Hessian", "BlockHessian", "CheckReport",
    "MatdiffError", "ParseError", "ShapeError", "DeclarationError", "DerivativeError",
    "EvaluationError", "CheckError", "BackendError", "MatdiffWarning", "__version__",
]
