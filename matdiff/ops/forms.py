"""Small builders the records of this package share: the SymPy form of an
entry-wise function, and the facts every entry-wise function has."""
from __future__ import annotations

from typing import Any, Callable

from ..nodes import Call

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
