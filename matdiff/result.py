"""The result of a derivation: the closed form with its differential, and its
outputs (text, LaTeX, JSON, NumPy code, a callable, a numeric check, SymPy)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any, Callable, ContextManager, TypeVar

from .errors import DerivativeError, MatdiffError
from .lazy_numpy import np
from .nodes import Node, Symbol, substitute_differential, symbols_of, unfixed_sizes
from .printing.latex import equation, latex_name, to_latex
from .printing.code import CodeFunction, generate_module, output_kind
from .backprop import Backprop
from .calculus.steps import Step
from .compiled import compile_function
from .printing.program import definitions_used, one_line, program_input, where_latex, where_text
from .printing.text import holding, to_input, to_text
from .shapes import shape_text
from .structures import direction_properties

R = TypeVar("R", bound="Result")

if TYPE_CHECKING:  # pragma: no cover
    from .check import CheckReport


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
    notes: tuple[str, ...] = field(default=(), kw_only=True)  # what the input may not have meant
    # f in the form its numbers are computed from (log(sum(exp(x))) as logsumexp(x): no overflow)
    function: Node | None = field(default=None, kw_only=True)
    # the derivative code is planned from (the adjoint before factoring; a program's backward pass)
    plan: Node | None = field(default=None, kw_only=True)
    backprop_pass: "Backprop | None" = field(default=None, kw_only=True)
    output_name: str = field(default="f", kw_only=True)  # what f is called (a program's last definition)
    unused_inputs: tuple[Symbol, ...] = field(default=(), kw_only=True)  # arguments only unused definitions read
    recorded_steps: tuple[Step, ...] | None = field(default=None, kw_only=True, repr=False, compare=False)
    # the same derivation again, recording its steps (for .steps when they were not asked for at first)
    rederive: "Callable[[], Result] | None" = field(default=None, kw_only=True, repr=False, compare=False)
    # the input language's reader (text, declarations) -> tree: the text checks that it reads back
    reads: "Callable[[str, str | None], Node] | None" = field(default=None, kw_only=True, repr=False, compare=False)

    @property
    def function_tree(self) -> Node:
        """f as evaluated: the stable form of the expression."""
        return self.expression if self.function is None else self.function

    def noted(self: R, notes: tuple[str, ...]) -> R:
        """The same result carrying the parser's notes."""
        return replace(self, notes=tuple(notes))

    def called(self: R, output_name: str, unused_inputs: tuple[Symbol, ...] = ()) -> R:
        """The same result with f called `output_name` (its backward pass too),
        taking the inputs only unused definitions read as arguments as well."""
        if self.backprop_pass is not None:
            self.backprop_pass.output_name = output_name
            self.backprop_pass.unused_inputs = unused_inputs
        return replace(self, output_name=output_name, unused_inputs=unused_inputs)

    def __str__(self) -> str:
        with self.printing():
            return to_text(self.value)

    def __repr__(self) -> str:
        return f"<matdiff {self.kind} wrt {self.variable.name}: {self}>"

    @property
    def given(self) -> list[tuple]:
        """The shapes the left side gives a reader: X's of ∇X f (and f's of
        ∂vec f/∂vec X), so that a constant of their sizes prints without them
        (∇X tr X = I) and any other says its size (matrix(c, p, q))."""
        return [self.variable.shape] + ([self.expression.shape] if self.kind == "jacobian" else [])

    def printing(self) -> ContextManager[None]:
        """The context its text is printed in: a constant says its size where
        neither the left side nor a symbol it meets gives it (matrix(c, p, q)),
        and every constant does where that is not enough (_sizes_unfixed)."""
        strict = self._sizes_unfixed
        return holding(() if strict else self.given, strict=strict)

    @cached_property
    def _sizes_unfixed(self) -> bool:
        """The text, with sizes said only where no symbol of it holds them,
        still leaves a size to guess when read back (a constant that meets no
        symbol of its size: tr((2 I)∘²) beside D of that size): then every
        constant says its size."""
        if self.reads is None:
            return False
        with holding(self.given):
            text = program_input(self.definitions, self.value)
        names, _, last = text.rpartition("; ")
        left = self._left_side()
        if left is None:
            return False  # f itself depends on a size no symbol gives
        try:
            read = self.reads(f"{names}{'; ' if names else ''}({last}) + 0*{left}", self.declarations or None)
        except MatdiffError:
            return True
        return bool(unfixed_sizes(read, symbols_of(read)))

    def _left_side(self) -> str | None:
        """An input of the result's shape (X for ∇X f, vec(f) vec(X)ᵀ for a
        Jacobian), None where f's own size is fixed by no symbol."""
        if self.kind == "gradient":
            return self.variable.name
        if unfixed_sizes(self.expression, symbols_of(self.expression)):
            return None
        return f"vec({to_input(self.expression)})*vec({self.variable.name})'"

    @property
    def definitions(self) -> list:
        """The program's names (Bound nodes) that the closed form and the
        differential use, in program order: empty for a single expression."""
        return definitions_used(self.function_tree, self.value, self.differential_tree)

    @property
    def where(self) -> str:
        """What the names of the result stand for ('a = W1 x + b1, ...'), or ''."""
        with self.printing():
            return where_text(self.definitions)

    @property
    def backprop(self) -> Backprop:
        """The reverse-mode program: forward definitions, one adjoint per
        definition from f back to the inputs, the gradient (a single
        expression's is its gradient alone)."""
        if self.backprop_pass is not None:
            return self.backprop_pass
        if self.kind != "gradient":
            raise DerivativeError(f"the backward pass is that of a gradient; this result is a {self.kind}")
        return Backprop.of_gradients([self])

    @property
    def differential(self) -> str:
        """df as a linear expression in dX, e.g. 'tr(A dX B)'."""
        with self.printing():
            return to_text(self.differential_tree)

    @property
    def shape(self) -> str:
        """The shape of f: 'scalar', 'vector(n)' or 'matrix(m, n)'."""
        return shape_text(self.expression.shape)

    @property
    def declarations(self) -> str:
        """The shapes and properties of the input's symbols as a `where`
        clause, under which `result_input` (and the text) reads back as the
        result: x: vector(n), S: matrix(n, n) symmetric. A symbol whose size is
        a product of sizes (m*n, from a Kronecker product) is left to inference."""
        out = []
        for s in self.symbols:
            if any(len(size.factors) > 1 or (size.factors and size.coeff != 1) for size in s.shape):
                continue
            kind = shape_text(s.shape) if not s.shape[0].is_one or s.shape[1].is_one else f"matrix(1, {s.shape[1]})"
            out.append(" ".join([f"{s.name}: {kind}", *sorted(s.properties)]))
        return ", ".join(out)

    @property
    def symbols(self) -> list[Symbol]:
        """The arguments of lambdify and code: the input's symbols, and the
        variable when f does not contain it (its shape fixes the result's)."""
        found = symbols_of(self.expression)
        found += [s for s in (self.variable, *self.unused_inputs) if s.name not in {f.name for f in found}]
        return found

    @property
    def steps(self) -> list[Step]:
        """How the result was obtained, step by step (SPEC §8): each Step has
        the rule's name, identity and source, and the expression before and
        after. Recorded by the derivation itself; when it was not asked for
        (derivative(..., steps=True)), the same derivation runs again
        recording, and must arrive at this result."""
        if self.recorded_steps is None:
            if self.rederive is None:
                raise DerivativeError("this result was made without its steps; derive it with steps=True")
            again = self.rederive()
            if again.value != self.value or again.recorded_steps is None:
                raise AssertionError("the derivation recording its steps arrived at another result")
            object.__setattr__(self, "recorded_steps", again.recorded_steps)
        return list(self.recorded_steps or ())

    def steps_text(self, brief: bool = False) -> str:
        """The steps as text, a rule beside each line (brief: rule names and
        the lines that change the form of the answer)."""
        from .printing.steps import Names, steps_text  # imported when steps are shown: the start stays quick
        return steps_text(self.steps, Names(self.output_name, self.variable.name), brief)

    def steps_latex(self, brief: bool = False) -> str:
        """The steps as the body of a LaTeX align* environment."""
        from .printing.steps import Names, steps_latex
        return steps_latex(self.steps, Names(self.output_name, self.variable.name), brief)

    def check_steps(self, trials: int = 2, seed: int = 0, raise_on_failure: bool = False) -> CheckReport:
        """Each step's two sides compared in value at random points (pending
        differentials by finite differences): no step may lie."""
        from .steps_check import check_steps
        return check_steps(self.steps, self.function_tree, self.variable, self.symbols, self.expression,
                           trials=trials, seed=seed, raise_on_failure=raise_on_failure)

    def latex(self) -> str:
        """LaTeX of '∇_X f = ...' (gradient) or '∂vec f/∂vec X = ...' (Jacobian)."""
        x = latex_name(self.variable.name)
        f = latex_name(self.output_name)
        if self.kind == "gradient":
            lhs = rf"\nabla_{{{x}}} {f}"
        else:
            lhs = rf"\frac{{\partial \operatorname{{vec}} {f}}}{{\partial \operatorname{{vec}} {x}}}"
        return f"{equation(lhs, self.value)}{self._where_latex()}"

    def _where_latex(self) -> str:
        """' \\quad \\text{where } s = ...' for the names the result uses, or ''."""
        where = self.definitions
        return rf" \quad \text{{where }} {where_latex(where)}" if where else ""

    def _repr_latex_(self) -> str:
        return f"${self.latex()}$"

    def function_name(self) -> str:
        return f"{self.kind}_{self.variable.name}"

    def code(self, *, backend: str = "numpy", with_value: bool = False) -> str:
        """A standalone module defining the derivative as a function (NumPy,
        or backend="jax" / "torch"); with_value=True returns (f, derivative)."""
        return generate_module([self.code_function(with_value=with_value)], backend)

    def code_function(self, *, with_value: bool = False) -> CodeFunction:
        """The derivative as one function of a generated module (after f's value)."""
        where = f" where {self.where}" if self.where else ""
        doc = f"{self.kind.capitalize()} of {one_line(self.input)} with respect to {self.variable.name}: {self}{where}."
        tree = self.value if self.plan is None else self.plan
        fn = CodeFunction(tree, self.symbols, self.function_name(), doc, self._output(), self._output_shape())
        return fn.with_value(self.function_tree, self.output_name) if with_value else fn

    def _output(self) -> str:
        return output_kind(self.variable.shape) if self.kind == "gradient" else "matrix"

    def _output_shape(self):
        if self.kind == "gradient":
            return self.variable.shape
        f, x = self.expression.shape, self.variable.shape
        return (f[0] * f[1], x[0] * x[1])

    def lambdify(self, *, backend: str = "numpy", with_value: bool = False) -> Callable[..., Any]:
        """A callable taking every symbol of the input as a keyword argument
        (NumPy arrays; JAX or PyTorch ones with backend="jax" / "torch");
        with_value=True returns (f, derivative), computed together."""
        fn = self.code_function(with_value=with_value)
        return compile_function(generate_module([fn], backend), fn.name, self.symbols, backend)

    def check(self, trials: int = 3, tolerance: float = 1e-5, seed: int = 0,
              raise_on_failure: bool = False) -> CheckReport:
        """Compare with central finite differences at random instances."""
        from .check import check_result
        return check_result(self, trials=trials, tolerance=tolerance, seed=seed,
                            raise_on_failure=raise_on_failure)

    def to_json(self) -> str:
        """The result as JSON text (the object of to_dict)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    def to_dict(self) -> dict[str, Any]:
        """input, expression, wrt, kind, shape, differential, result, result_input,
        declarations (under which result_input reads back), latex, code (and notes when there are any), as a dict."""
        with self.printing():
            return self._dict()

    def _dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "input": self.input,
            "expression": program_input(definitions_used(self.expression), self.expression),
            "wrt": self.variable.name,
            "kind": self.kind,
            "shape": self.shape,
            "differential": self.differential,
            "result": str(self),
            "result_input": program_input(self.definitions, self.value),
            "declarations": self.declarations,
            "latex": self.latex(),
            "code": self.code(),
        }
        if self.definitions:
            out["where"] = [{"name": b.name, "value": to_text(b.definition)} for b in self.definitions]
        if self.backprop_pass is not None:
            out["backprop"] = self.backprop_pass.to_dict()
        if self.notes:
            out["notes"] = list(self.notes)
        return out

    def to_sympy(self) -> Any:
        """The closed form as a SymPy matrix expression."""
        from .printing.sympy_form import to_sympy
        return to_sympy(self.value)



def joint_code_function(results: "list[Result]", with_value: bool = False) -> CodeFunction:
    """One function for the derivatives of one f with respect to several
    variables (f's value first with with_value): gradients share one backward
    pass, and every derivative shares its subexpressions with the others."""
    if len(results) == 1:
        return results[0].code_function(with_value=with_value)
    if all(r.kind == "gradient" for r in results):
        backward = results[0].backprop_pass or Backprop.of_gradients(results)
        return backward.code_function(with_value=with_value)
    first, *rest = [r.code_function() for r in results]
    symbols = list({s.name: s for r in results for s in r.symbols}.values())
    names = ", ".join(r.variable.name for r in results)
    doc = f"Jacobians with respect to {names} of {one_line(results[0].input)}."
    fn = CodeFunction(first.tree, symbols, "jacobians_" + "_".join(r.variable.name for r in results), doc,
                      first.output, first.out_shape, tuple((f.tree, f.output, f.out_shape) for f in rest))
    return fn.with_value(results[0].function_tree, results[0].output_name) if with_value else fn


@dataclass(frozen=True)
class Hessian(Result):
    """The Hessian of a scalar f: `value` is its matrix against column-major vec
    ((n, n) for a vector, Kronecker form for a matrix), `operator_tree` the
    linear map H[dY] = d(∇_X f) along dY, `differential_tree` the second
    differential d²f[dX, dY] = ⟨dX, H[dY]⟩. `variable` is X (the rows) and
    `column` is Y (equal to X except for the off-diagonal blocks of several
    variables); `gradient` is ∇_X f."""

    column: Symbol
    operator_tree: Node
    gradient: Node

    @property
    def operator(self) -> str:
        """H[dY] as an expression in dY, e.g. '(A + Aᵀ) dX'."""
        return to_text(self.operator_tree)

    @property
    def direction(self) -> Symbol:
        """The symbol standing for dY in the operator form's code."""
        taken = {s.name for s in self.symbols}
        name = "d" + self.column.name
        while name in taken:
            name = "d" + name
        # a direction lies in the tangent space: symmetric (or diagonal) where Y is, X·skew where Y is orthogonal
        return Symbol(name, self.column.shape, direction_properties(self.column))

    def latex(self) -> str:
        x, y = latex_name(self.variable.name), latex_name(self.column.name)
        sub = x if self.column == self.variable else f"{x}{y}"
        return rf"\nabla^2_{{{sub}}} {latex_name(self.output_name)} = {to_latex(self.value)}{self._where_latex()}"

    def _left_side(self) -> str | None:
        return f"vec({self.variable.name})*vec({self.column.name})'"

    def function_name(self) -> str:
        if self.column == self.variable:
            return f"hessian_{self.variable.name}"
        return f"hessian_{self.variable.name}_{self.column.name}"

    def _output_shape(self):
        x, y = self.variable.shape, self.column.shape
        return (x[0] * x[1], y[0] * y[1])

    def code(self, form: str = "matrix", *, backend: str = "numpy", with_value: bool = False) -> str:
        """A standalone module: the Hessian matrix (form="matrix"), or the
        Hessian-vector product H[dY] without forming the matrix (form="operator")."""
        return generate_module([self.code_function(form, with_value=with_value)], backend)

    def code_function(self, form: str = "matrix", *, with_value: bool = False) -> CodeFunction:
        if with_value:
            return self.code_function(form).with_value(self.function_tree, self.output_name)
        if form == "matrix":
            return super().code_function()
        if form != "operator":
            raise ValueError(f"form must be 'matrix' or 'operator', not {form!r}")
        direction = self.direction
        tree = substitute_differential(self.operator_tree, self.column, direction)
        doc = (f"Hessian of {self.input.strip()} with respect to {self.variable.name} applied to "
               f"{direction.name}: {self.operator}.")
        var = self.variable
        output = "scalar" if var.is_scalar else "vector" if var.shape[1].is_one else "matrix"
        return CodeFunction(tree, self.symbols + [direction], self.function_name() + "_operator", doc, output,
                            var.shape)

    def lambdify(self, form: str = "matrix", *, backend: str = "numpy", with_value: bool = False
                 ) -> Callable[..., Any]:
        """The Hessian matrix as a callable; with form="operator", the map
        (symbols..., dY=...) -> H[dY], shaped like the variable."""
        fn = self.code_function(form, with_value=with_value)
        symbols = self.symbols + ([self.direction] if form == "operator" else [])
        return compile_function(generate_module([fn], backend), fn.name, symbols, backend)

    def check(self, trials: int = 3, tolerance: float = 1e-5, seed: int = 0,
              raise_on_failure: bool = False) -> CheckReport:
        """Compare H[E] with central differences of the gradient along random E."""
        from .check import check_hessian
        return check_hessian(self, trials=trials, tolerance=tolerance, seed=seed,
                             raise_on_failure=raise_on_failure)

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["wrt"] = self.variable.name if self.column == self.variable else [self.variable.name, self.column.name]
        out["operator"] = self.operator
        out["gradient"] = to_text(self.gradient)
        return out


class BlockHessian:
    """The Hessian with respect to several variables, block by block:
    blocks[i][j] is ∂²f/∂Xᵢ∂Xⱼ (a Hessian); its matrix acts on the
    concatenation of the variables' column-major vecs."""

    kind = "hessian"

    def __init__(self, input: str, variables: list[Symbol], blocks: list[list[Hessian]],
                 notes: tuple[str, ...] = ()):
        self.input = input
        self.variables = variables
        self.blocks = blocks
        self.notes = notes

    def noted(self, notes: tuple[str, ...]) -> "BlockHessian":
        return BlockHessian(self.input, self.variables, self.blocks, tuple(notes))

    def called(self, output_name: str, unused_inputs: tuple[Symbol, ...] = ()) -> "BlockHessian":
        """The same blocks with f called `output_name` (and the unused definitions' inputs)."""
        blocks = [[b.called(output_name, unused_inputs) for b in row] for row in self.blocks]
        return BlockHessian(self.input, self.variables, blocks, self.notes)

    def __str__(self) -> str:
        lines = [f"∇²_{b.variable.name}{b.column.name} {b.output_name} = {b}" for row in self.blocks for b in row]
        names = definitions_used(*(b.value for row in self.blocks for b in row))
        return "\n".join(lines + ([f"  where {where_text(names)}"] if names else []))

    def __repr__(self) -> str:
        names = ", ".join(v.name for v in self.variables)
        return f"<matdiff block hessian wrt {names}>"

    def lambdify(self) -> Callable[..., Any]:
        """A NumPy callable giving the whole block matrix, which acts on the
        concatenated column-major vecs of directions. It is symmetric when no
        variable is structured; for a structured variable each block acts on
        vec of directions inside its set only (symmetric matrices, diagonal
        ones, X·skew for orthogonal X), and off that subspace its entries are
        not the second derivative and need not be symmetric."""
        parts = [[b.lambdify() for b in row] for row in self.blocks]

        def hessian(**values: Any) -> np.ndarray:
            return np.block([[np.atleast_2d(p(**values)) for p in row] for row in parts])

        return hessian

    def check(self, trials: int = 3, tolerance: float = 1e-5, seed: int = 0,
              raise_on_failure: bool = False) -> CheckReport:
        """Check every block; the report is the worst one."""
        reports = [b.check(trials, tolerance, seed) for row in self.blocks for b in row]
        worst = max(reports, key=lambda r: (not r.ok, r.worst_error))
        if raise_on_failure and not worst.ok:
            from .errors import CheckError
            raise CheckError(str(worst))
        return worst

    def to_json(self) -> str:
        """The block Hessian as JSON text (the object of to_dict)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    def to_dict(self) -> dict[str, Any]:
        """input, wrt, kind, shape, the blocks' dicts and the result, as a dict."""
        out: dict[str, Any] = {
            "input": self.input,
            "wrt": [v.name for v in self.variables],
            "kind": self.kind,
            "shape": self.blocks[0][0].shape,
            "blocks": [[b.to_dict() for b in row] for row in self.blocks],
            "result": str(self),
        }
        if self.notes:
            out["notes"] = list(self.notes)
        return out
