"""The result of a derivation: the closed form with its differential, and its
outputs (text, LaTeX, JSON, NumPy code, a callable, a numeric check, SymPy)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .check import CheckReport, check_result
from .errors import EvaluationError
from .evaluate import bind
from .nodes import Node, Symbol, symbols_of
from .printing.latex import latex_name, to_latex
from .printing.numpy_code import generate, python_name
from .printing.text import to_input, to_text
from .shapes import shape_text


@dataclass(frozen=True)
class Result:
    """A derivative of `expression` with respect to `variable`.

    kind is "gradient" (scalar f: df = tr(∇fᵀ dX)) or "jacobian"
    (vec(df) = J vec(dX), column-major, numerator layout)."""

    input: str
    expression: Node
    variable: Symbol
    kind: str
    differential_tree: Node
    value: Node

    def __str__(self) -> str:
        return to_text(self.value)

    def __repr__(self) -> str:
        return f"<matdiff {self.kind} wrt {self.variable.name}: {self}>"

    @property
    def differential(self) -> str:
        """df as a linear expression in dX, e.g. 'tr(A dX B)'."""
        return to_text(self.differential_tree)

    @property
    def shape(self) -> str:
        """The shape of f: 'scalar', 'vector(n)' or 'matrix(m, n)'."""
        return shape_text(self.expression.shape)

    @property
    def symbols(self) -> list[Symbol]:
        return symbols_of(self.expression)

    def latex(self) -> str:
        """LaTeX of '∇_X f = ...' (gradient) or '∂vec f/∂vec X = ...' (Jacobian)."""
        x = latex_name(self.variable.name)
        if self.kind == "gradient":
            lhs = rf"\nabla_{{{x}}} f"
        else:
            lhs = rf"\frac{{\partial \operatorname{{vec}} f}}{{\partial \operatorname{{vec}} {x}}}"
        return f"{lhs} = {to_latex(self.value)}"

    def _repr_latex_(self) -> str:
        return f"${self.latex()}$"

    def function_name(self) -> str:
        return f"{self.kind}_{self.variable.name}"

    def code(self) -> str:
        """A standalone NumPy module defining the derivative as a function."""
        doc = (f"{self.kind.capitalize()} of {self.input.strip()} with respect to {self.variable.name}: "
               f"{to_text(self.value)}.")
        return generate(self.value, self.symbols, self.function_name(), doc, self._output(),
                        self._output_shape())

    def _output(self) -> str:
        if self.kind == "jacobian":
            return "matrix"
        var = self.variable
        if var.is_scalar:
            return "scalar"
        return "vector" if var.shape[1].is_one else "matrix"

    def _output_shape(self):
        if self.kind == "gradient":
            return self.variable.shape
        f, x = self.expression.shape, self.variable.shape
        return (f[0] * f[1], x[0] * x[1])

    def lambdify(self) -> Callable[..., Any]:
        """A NumPy callable taking every symbol of the input as a keyword argument."""
        namespace: dict[str, Any] = {}
        exec(compile(self.code(), f"<matdiff {self.function_name()}>", "exec"), namespace)  # noqa: S102
        compiled = namespace[self.function_name()]
        symbols = self.symbols

        def derivative(**values: Any) -> Any:
            bind(symbols, values)  # clear errors for missing, unknown or misshapen arguments
            try:
                return compiled(**{python_name(s.name): values[s.name] for s in symbols})
            except ValueError as e:
                raise EvaluationError(str(e)) from None
            except np.linalg.LinAlgError as e:
                raise EvaluationError(f"linear algebra failed at these values: {e}") from None

        derivative.__name__ = self.function_name()
        derivative.__doc__ = compiled.__doc__
        return derivative

    def check(self, trials: int = 3, tolerance: float = 1e-5, seed: int = 0,
              raise_on_failure: bool = False) -> CheckReport:
        """Compare with central finite differences at random instances."""
        return check_result(self, trials=trials, tolerance=tolerance, seed=seed,
                            raise_on_failure=raise_on_failure)

    def to_json(self) -> dict[str, Any]:
        return {
            "input": self.input,
            "expression": to_input(self.expression),
            "wrt": self.variable.name,
            "kind": self.kind,
            "shape": self.shape,
            "differential": self.differential,
            "result": str(self),
            "result_input": to_input(self.value),
            "latex": self.latex(),
            "code": self.code(),
        }

    def to_sympy(self) -> Any:
        """The closed form as a SymPy matrix expression."""
        from .printing.sympy_form import to_sympy
        return to_sympy(self.value)

