"""The function registry: one record per named function, holding everything
about it (shape rule, derivative rules, numeric forms, printing, domain and the
source of its formula). Modules of this package fill it; every other pass
looks functions up here. Imports matdiff.nodes and matdiff.shapes.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence


from ..errors import closest
from ..nodes import Call, Node
from ..shapes import ONE, Shape, Size
from .signatures import ShapeRule

Array = Any  # a numpy.ndarray (NumPy is imported lazily)
# d f(args) given the arguments and their differentials (None where constant).
DifferentialRule = Callable[[Call, Sequence["Node | None"]], Node]
# The cotangent of argument i of a linear function, given the output cotangent G.
AdjointRule = Callable[[Call, int, Node], Node]
# J with vec(f(..., D, ...)) = J vec(D) for a linear function in argument i.
VecRule = Callable[[Call, int], "Node | None"]


@dataclass(frozen=True)
class Function:
    """Everything matdiff knows about one named function."""

    name: str
    arity: int
    shape_rule: ShapeRule
    summary: str
    evaluate: Callable[..., Array]
    # NumPy code: a template with '{0}', '{1}' for the arguments, or a function
    # (node, size printer) -> template for shape-dependent forms.
    code: "str | Callable[[Call, Callable[[Size], str]], str]"
    latex: str                     # LaTeX, '{0}' for the argument
    family: str                    # 'elementwise', 'matrix' or 'reduction'
    source: str = ""               # where the differential formula comes from
    derivative: Callable[[Node], Node] | None = None  # element-wise: f'(u) as an expression
    differential: DifferentialRule | None = None
    linear: bool = False           # linear in every argument separately
    adjoint: AdjointRule | None = None
    vec_jacobian: VecRule | None = None
    domain: str | None = None      # what check() draws for its argument: 'positive', 'invertible', 'spd'
    public: bool = True            # typed by users (and listed in --help)
    aliases: tuple[str, ...] = ()
    text: str | None = None        # how the text printer names it, if not `name`
    needs_shape: bool = False      # evaluate(*args, shape=(rows, cols)) gets the output shape
    helpers: tuple[Callable, ...] = ()  # functions whose source the generated module defines when it uses `code`


REGISTRY: dict[str, Function] = {}
_ALIASES: dict[str, str] = {}
STRUCTURAL = {
    "inv": "inverse (also A^-1, A⁻¹)",
    "kron": "Kronecker product (also A ⊗ B)",
    "vector": "vector(c): the vector filled with c, its size inferred",
    "matrix": "matrix(c): the matrix filled with c, its size inferred",
}


def register(fn: Function) -> Function:
    REGISTRY[fn.name] = fn
    for alias in fn.aliases:
        _ALIASES[alias] = fn.name
    return fn


def lookup(name: str) -> Function | None:
    """The public function called `name` (or an alias of it)."""
    fn = REGISTRY.get(_ALIASES.get(name, name))
    return fn if fn is not None and fn.public else None


def function(name: str) -> Function:
    """Any registered function, public or internal (a missing one is a bug)."""
    return REGISTRY[name]


def known_names() -> list[str]:
    public = [n for n, f in REGISTRY.items() if f.public] + list(_ALIASES) + list(STRUCTURAL)
    return sorted(set(public))


def suggest(name: str) -> str | None:
    return closest(name, known_names())


class _ResolvedSizes:
    """The size algebra over resolved sizes: inconsistencies are bugs."""

    one = ONE

    def unify(self, a: Size, b: Size, what: str) -> None:
        assert a == b, what

    def is_one(self, a: Size) -> bool:
        return a.is_one

    def product(self, a: Size, b: Size) -> Size:
        return a * b

    def fail(self, message: str) -> None:
        raise AssertionError(message)

    def text(self, a: Size) -> str:
        return str(a)


_RESOLVED = _ResolvedSizes()


def call(name: str, *args: Node, shape: Shape | None = None) -> Call:
    """A Call node with its shape from the function's rule (or given, for
    internal reshapes)."""
    if shape is None:
        shape = function(name).shape_rule(_RESOLVED, name, [a.shape for a in args])
    return Call(name, tuple(args), shape)
