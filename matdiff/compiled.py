"""Generated code made callable: the module is compiled, and its function is
put behind the API's argument handling (symbols by name, a missing or
misshapen one reported in the API's words). Imports errors, printing and
(when called) evaluate.
"""
from __future__ import annotations

import importlib
from typing import Any, Callable

from .errors import BackendError, EvaluationError
from .lazy_numpy import np
from .nodes import Symbol
from .printing.namespace import Namespace
from .printing.spelling import spelling_of


def compile_function(source: str, name: str, symbols: list[Symbol], backend: str = "numpy") -> Callable[..., Any]:
    """The function `name` of a generated module, behind argument checks
    (compiled by the backend's compiler where it has one: jax.jit)."""
    namespace: dict[str, Any] = {}
    try:
        exec(compile(source, f"<matdiff {name}>", "exec"), namespace)  # noqa: S102
    except ImportError as e:
        raise BackendError(f"the {backend} backend needs {e.name or 'its library'} installed "
                           f"(pip install \"matdiff[{backend}]\")") from None

    from .evaluate import bind  # NumPy is imported when code runs, not when matdiff is
    compiled = namespace[name]
    compiler = spelling_of(backend).compiled_by
    if compiler is not None:  # jax.jit
        module, function_name = compiler.rsplit(".", 1)
        compiled = getattr(importlib.import_module(module), function_name)(compiled)

    expected = {s.name for s in symbols}
    names = Namespace(s.name for s in symbols)
    renamed = [(s.name, names.symbol(s.name)) for s in symbols]

    def function(*positional: Any, **values: Any) -> Any:
        if positional:
            keywords = ", ".join(f"{s.name}=..." for s in symbols)
            raise EvaluationError(f"pass the symbols by name: {name}({keywords})")
        if values.keys() != expected:
            bind(symbols, values)  # says which argument is missing or unknown
        try:
            return compiled(**{py: values[name] for name, py in renamed})
        except np.linalg.LinAlgError as e:  # before ValueError, which it is a subclass of
            raise EvaluationError(f"linear algebra failed at these values: {e}") from None
        except ValueError as e:
            bind(symbols, values)  # a misshapen argument, in the words of the API
            raise EvaluationError(str(e)) from None

    function.__name__ = name
    function.__doc__ = compiled.__doc__
    return function
