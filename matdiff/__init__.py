"""matdiff: symbolic matrix differential calculus.

    >>> import matdiff
    >>> str(matdiff.derivative("tr(A X B)", wrt="X"))
    'Aᵀ Bᵀ'
"""
from .api import derivative, hessian, parse
from .check import CheckReport
from .errors import (
    CheckError, DeclarationError, DerivativeError, EvaluationError, MatdiffError, ParseError, ShapeError,
)
from .result import BlockHessian, Hessian, Result

__version__ = "0.1.0"

__all__ = [
    "derivative", "hessian", "parse", "Result", "Hessian", "BlockHessian", "CheckReport",
    "MatdiffError", "ParseError", "ShapeError", "DeclarationError", "DerivativeError",
    "EvaluationError", "CheckError", "__version__",
]
