"""The function registry: one record per named function, holding everything
about it — shape rule, derivative rules, numeric forms, the spelling of its
code, printed forms, its own rewrites, the facts other passes ask of it, the
domain check() draws from and the source of its formula. Modules of this
package fill it with `register(Function(...))`; every other pass looks
functions up here and asks typed questions, never names. Imports nodes,
shapes and signatures.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable, Mapping, Sequence, TypeAlias, Union

from ..errors import closest
from ..identities import Rule
from ..nodes import Call, Node, Symbol
from ..shapes import ONE, Shape, Size, shape_text
from .signatures import ShapeRule

Array = Any  # a numpy.ndarray (NumPy is imported lazily)
# d f(args) given the arguments and their differentials (None where constant).
DifferentialRule = Callable[[Call, Sequence["Node | None"]], Node]
# d f(args) given the lazy differential d of any subtree: a rule that needs more
# than the arguments' differentials (d tr(Bᵏ) = k tr(Bᵏ⁻¹ dB) never builds d(Bᵏ));
# None where it does not apply, a Zero where f does not depend on the variable.
Shortcut = Callable[[Call, Callable[[Node], "Node | None"]], "Node | None"]
# The cotangent of argument i of a linear function, given the output cotangent G.
AdjointRule = Callable[[Call, int, Node], Node]
# J with vec(f(..., D, ...)) = J vec(D) for a linear function in argument i.
VecRule = Callable[[Call, int], "Node | None"]
# Code: a template over an array namespace 'xp' with '{0}', '{1}' for the
# arguments, or (node, size printer) -> such a template for shape-dependent forms.
CodeForm: TypeAlias = Union[str, Callable[[Call, Callable[[Size], str]], str]]
# The SymPy form: (sympy module, node, converted arguments) -> expression.
SympyForm = Callable[[Any, Call, list], Any]
Rewrite = Callable[[Call], "Node | None"]


@dataclass(frozen=True, kw_only=True)
class Function:
    """Everything matdiff knows about one named function."""

    # -- in the language
    name: str
    arity: int
    shape_rule: ShapeRule
    summary: str                   # one line for --help
    family: str                    # 'elementwise', 'reduction', 'matrix' or 'construct'
    source: str                    # where the differential formula comes from
    identity: str = ""             # the differential rule as steps cite it: d det X = det(X) tr(X⁻¹ dX)
    shortcut_identity: str = ""    # the identity `shortcut` applies where it applies
    public: bool = True            # typed by users (and listed in --help)
    aliases: tuple[str, ...] = ()
    build: Callable[[tuple[Node, ...], Shape], Node] | None = None  # a construct's node (inv(A) is A⁻¹)
    # a construct of sizes, not expressions: the node it builds from them (commutation(m, n) is K(m,n))
    build_of_sizes: Callable[[tuple[Size, ...]], Node] | None = None
    optional_sizes: int = 0        # sizes that may follow the arguments, fixing the shape (matrix(c, m, n))
    # -- calculus
    derivative: Callable[[Node], Node] | None = None  # element-wise: f'(u) as an expression
    differential: DifferentialRule | None = None
    shortcut: Shortcut | None = None
    linear: bool = False           # linear in every argument separately (unary: d f(U) = f(dU) unless given)
    positive_linear: bool = False  # linear with nonnegative coefficients (tr, sum, vec, diag, ...)
    adjoint: AdjointRule | None = None
    vec_jacobian: VecRule | None = None
    needs_symmetric: bool = False  # differentiated for symmetric arguments only
    # -- facts the passes ask
    transpose_invariant: bool = False      # f(Xᵀ) = f(X)
    commutes_with_transpose: bool = False  # f(Xᵀ) = f(X)ᵀ
    power_series: bool = False     # a matrix function Σ cₖXᵏ: commutes with X and preserves symmetry
    preserves_symmetry: bool = False       # f(S) symmetric for symmetric S
    symmetric_result: Callable[[Call], bool] | None = None  # symmetric whatever the argument (diag(x), sym)
    orthogonal_result: bool = False        # an orthogonal matrix (eigenvectors)
    nonnegative: bool = False      # every entry ≥ 0
    complement: Callable[[Call], Node] | None = None  # g(…) with f(…) + g(…) = 1 (σ(u) + σ(−u) = 1)
    diagonal_of: Callable[[Call], "Node | None"] | None = None  # v when the call is the matrix diag(v)
    scalar_form: Callable[[Node], Node] | None = None  # the value at a 1×1 argument (expm(a) = exp(a))
    trace: Callable[[Call], Node] | None = None  # tr of the call where it is simpler (tr L_f(X)[E])
    simplify: Rewrite | None = None  # the function's own rewrites: identity in the docstring
    # -- numbers, code and printing (a construct has the forms of the node it builds)
    evaluate: Callable[..., Array] | None = None
    needs_shape: bool = False      # evaluate(*args, shape=(rows, cols)) gets the output shape
    code: CodeForm | None = None   # the array-namespace template every backend spells
    helpers: tuple[Callable, ...] = ()  # functions whose source the generated module ships with `code`
    definite_code: CodeForm | None = None  # the form for a positive definite argument (Cholesky)
    definite_helpers: tuple[Callable, ...] = ()  # the helpers `definite_code` ships
    # 'applied' (M⁻¹B) or 'log_det': computed from a factorization of the first argument, which generated
    # code shares among all the uses of one matrix (the kernels '<factorization>_solve' / '_logdet')
    through_factor: str | None = None
    # where a backend differs: backend name -> (its template, the helpers it ships)
    backend_code: Mapping[str, tuple[CodeForm, tuple[Callable, ...]]] = field(default_factory=dict)
    latex: str | None = None       # LaTeX, '{0}' for the argument
    matrix_latex: str | None = None  # the LaTeX where the argument is a matrix, if it differs (‖A‖_F)
    text: str | None = None        # how the text printer writes it, if not `name(...)`
    result_name: str | None = None  # the letter a result names a repeated call by (v = eigvec_max(S)); else its first
    # for an internal function the language cannot call: the closed form the text and the input form
    # write in its place (unvec(v) as (vec(Iₚ)ᵀ ⊗ Iₘ)(Iₚ ⊗ v)); generated code keeps the function
    written_as: Callable[[Call], Node] | None = None
    infix: bool = False            # text and LaTeX are an operator between the arguments (A \ B)
    reads_as_product: bool = False  # its LaTeX is a product (U V^T): parenthesised as one
    sympy: SympyForm | None = None  # None: an opaque applied function of the right shape
    domain: str | None = None      # what check() draws for its argument: POSITIVE or a structure's name

    def value(self, args: Sequence[Array], shape: tuple[int, int]) -> Array:
        """The numeric value at argument arrays; `shape` is the output's (rows, cols)."""
        assert self.evaluate is not None, f"{self.name} has no numeric form"
        return self.evaluate(*args, shape=shape) if self.needs_shape else self.evaluate(*args)

    @property
    def is_construct(self) -> bool:
        """Builds a node of its own (of expressions or of sizes) rather than a call."""
        return self.build is not None or self.build_of_sizes is not None

    @property
    def display_name(self) -> str:
        """The name as results print it: L_expm for frechet_expm."""
        return self.text.split("(")[0] if self.text and not self.infix else self.name

    def rule_for(self, through_shortcut: bool) -> Rule:
        """The rule a derivation step cites for this function (its shortcut's
        where that applied; f'(u) for an element-wise function)."""
        if through_shortcut and self.shortcut_identity:
            return Rule(f"{self.name} rule", self.shortcut_identity)  # the identity says where it is from
        if self.derivative is not None:
            u = Symbol("u", (ONE, ONE))
            return Rule(f"chain rule ({self.name})", f"d {self.name}(u) = {self.derivative(u)} du", self.source)
        if self.identity:
            return Rule(f"{self.name} rule", self.identity, self.source)
        if self.linear:
            return Rule(f"linearity of {self.name}", f"d {self.name}(U) = {self.name}(dU)", self.source)
        return Rule(f"{self.name} rule", "", self.source)

    def latex_form(self, node: Call | None = None) -> str:
        """The LaTeX template, for this call's arguments where it depends on them."""
        assert self.latex is not None, f"{self.name} has no LaTeX form"
        if self.matrix_latex is not None and node is not None and not node.args[0].shape[1].is_one:
            return self.matrix_latex
        return self.latex

    def code_for(self, backend: str) -> tuple[CodeForm, tuple[Callable, ...]]:
        """The code template of this function for a backend, and the helpers it ships."""
        if backend in self.backend_code:
            return self.backend_code[backend]
        assert self.code is not None, f"{self.name} has no code"
        return self.code, self.helpers


# The domain of a function whose argument check() must draw with positive
# entries (log, sqrt); any other domain names a structure (structures.py).
POSITIVE = "positive"

REGISTRY: dict[str, Function] = {}
_ALIASES: dict[str, str] = {}
# Rewrites of any node into kernels that do not overflow (log(sum(exp(x))) is
# logsumexp(x)), contributed by the function families; simplify/stable.py applies them.
STABLE_FORMS: list[Callable[[Node], "Node | None"]] = []
# Identities of a family on the factors of a matrix chain (V diag(λ) Vᵀ = S),
# each list -> list; the product normal form applies them.
CHAIN_RULES: list[Callable[[list[Node]], list[Node]]] = []
# What every function (not construct) must have: tests/test_registry.py walks them.
REQUIRED = ("evaluate", "code", "latex")


def register(fn: Function) -> Function:
    """Add a record (a name registered twice, or a function without its
    numeric, code or LaTeX form, is a bug)."""
    assert fn.name not in REGISTRY and fn.name not in _ALIASES, f"{fn.name} is registered twice"
    assert fn.is_construct or all(getattr(fn, f) is not None for f in REQUIRED), f"{fn.name} lacks a form"
    assert fn.linear or not fn.positive_linear, f"{fn.name} is positive linear but not linear"
    if fn.linear and fn.arity == 1 and fn.differential is None:
        fn = replace(fn, differential=_linear_differential)
    REGISTRY[fn.name] = fn
    for alias in fn.aliases:
        _ALIASES[alias] = fn.name
    return fn


def _linear_differential(node: Call, d: Sequence["Node | None"]) -> Node:
    """A function linear in its single argument: d f(U) = f(dU)."""
    return call(node.name, d[0], shape=node.shape)  # type: ignore[arg-type]


def register_stable_form(rule: Callable[[Node], "Node | None"]) -> None:
    STABLE_FORMS.append(rule)


def register_chain_rule(rule: Callable[[list[Node]], list[Node]]) -> None:
    CHAIN_RULES.append(rule)


def lookup(name: str) -> Function | None:
    """The public function called `name` (or an alias of it)."""
    fn = REGISTRY.get(_ALIASES.get(name, name))
    return fn if fn is not None and fn.public else None


def function(name: str) -> Function:
    """Any registered function, public or internal (a missing one is a bug)."""
    return REGISTRY[name]


def known_names() -> list[str]:
    public = [n for n, f in REGISTRY.items() if f.public] + list(_ALIASES)
    return sorted(set(public))


def suggest(name: str) -> str | None:
    return closest(name, known_names())


class _ResolvedSizes:
    """The size algebra over resolved sizes: inconsistencies are bugs."""

    one = ONE

    def __init__(self, shapes: Sequence[Shape]):
        self.shapes = shapes

    def unify(self, a: Size, b: Size, what: Callable[[], str]) -> None:
        if a != b:
            raise AssertionError(what())

    def is_one(self, a: Size) -> bool:
        return a.is_one

    def product(self, a: Size, b: Size) -> Size:
        return a * b

    def fail(self, message: str) -> None:
        raise AssertionError(message)

    def text(self, a: Size) -> str:
        return str(a)

    def fresh(self) -> Size:
        raise AssertionError("a resolved shape has no free sizes")

    def smaller(self, a: Size, b: Size) -> Size | None:
        if a == b:
            return a
        if a.value is not None and b.value is not None:
            return a if a.value <= b.value else b
        return a if a.is_one else b if b.is_one else None

    def argument(self, i: int) -> str:
        return f"argument {i + 1} is {self.describe(i)}"

    def describe(self, i: int) -> str:
        return shape_text(self.shapes[i])


def call(name: str, *args: Node, shape: Shape | None = None) -> Node:
    """The node of a function applied to arguments, its shape from the
    function's rule (or given, for internal reshapes); a construct builds its
    own node (inv(A) is A⁻¹)."""
    fn = function(name)
    if shape is None:
        shapes = [a.shape for a in args]
        shape = fn.shape_rule(_ResolvedSizes(shapes), name, shapes)
    if fn.build is not None:
        return fn.build(tuple(args), shape)
    return Call(name, tuple(args), shape)
