"""matdiff: symbolic matrix differential calculus.

    >>> import matdiff
    >>> str(matdiff.derivative("tr(A X B)", wrt="X"))
    'Aᵀ Bᵀ'
"""
from .api import derivative, parse
from .check import CheckReport
from .errors import (
    CheckError, DeclarationError, DerivativeError, EvaluationError, MatdiffError, ParseError, ShapeError,
)
from .result import Result

__version__ = "0.1.0"

__all__ = [
    "derivative", "parse", "Result", "CheckReport",
    "MatdiffError", "ParseError", "ShapeError", "DeclarationError", "DerivativeError",
    "EvaluationError", "CheckError", "__version__",
]
