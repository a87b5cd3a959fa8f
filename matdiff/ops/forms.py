"""Small builders the records of this package share: the SymPy forms of
entry-wise functions, the marker of functions SymPy has no form of, sizes in
SymPy, and the facts every entry-wise function has."""
from __future__ import annotations

from typing import Any, Callable, Sequence

from ..errors import DerivativeError, EvaluationError
from ..nodes import Call
from ..shapes import Size

ENTRYWISE_FACTS: dict[str, Any] = dict(
    family="elementwise", preserves_symmetry=True, commutes_with_transpose=True,
)


def entrywise_sympy(of: Callable[[Any, Any], Any]) -> Callable[[Any, Call, list], Any]:
    """The SymPy form of an entry-wise function: `of(sympy, t)` at a scalar,
    applied entry by entry (a Lambda) to a matrix."""
    def convert(sympy: Any, node: Call, args: list) -> Any:
        if node.args[0].is_scalar:
            return of(sympy, args[0])
        t = sympy.Dummy("t")
        return args[0].applyfunc(sympy.Lambda(t, of(sympy, t)))
    return convert


def sympy_function(name: str) -> Callable[[Any, Call, list], Any]:
    """The SymPy form of an entry-wise function SymPy has under `name`."""
    return entrywise_sympy(lambda sympy, t: getattr(sympy, name)(t))


def no_sympy_form(sympy: Any, node: Call, args: list) -> Any:
    """The SymPy form of a function SymPy has no matrix form of (vec, expm, the
    eigenvalues): None, so the printer makes an opaque applied function of
    the right shape. Declared, so that a forgotten form is told apart."""
    return None


def sympy_size(sympy: Any, s: Size) -> Any:
    """A size as a SymPy integer expression (symbols positive integers)."""
    out = sympy.Integer(s.coeff)
    for f in s.factors:
        out *= sympy.Symbol(f, integer=True, positive=True)
    return out


def checked(kernel: Callable[..., Any]) -> Callable[..., Any]:
    """The interpreter's form of a kernel that refuses values (a repeated
    eigenvalue, a singular matrix) with a ValueError, as generated code does:
    the same refusal as an EvaluationError."""
    def evaluate(*args: Any, **kwargs: Any) -> Any:
        try:
            return kernel(*args, **kwargs)
        except ValueError as e:
            raise EvaluationError(str(e)) from None
    return evaluate


def no_derivative(what: str) -> Callable[[Call, Sequence[Any]], Any]:
    """The differential rule of a function that has none matdiff can write
    (the eigenvectors: second derivatives of eigenvalues are not available)."""
    def rule(node: Call, d: Sequence[Any]) -> Any:
        raise DerivativeError(f"the derivative of {what} is not available")
    return rule
