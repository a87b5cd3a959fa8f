"""The Python API: parse, derivative (gradient or Jacobian by shape)."""
from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, replace
from functools import partial
from typing import Any, Callable, Iterable, Sequence, TypeVar

from .calculus.adjoint import gradient_of_differential
from .calculus.differential import differential
from .calculus.hessian import hessian_block, second_differential
from .calculus.naming import named_calls, unnamed
from .calculus.derived import StepDifferentials, fresh_name, written_out
from .calculus.forward import tangents
from .calculus.reverse import backward
from .calculus.steps import (
    F, GRADIENT, JACOBIAN, NAMED, UNCONSTRAINED, STABLE_FORM, StepLog, Target, collected, factored, program_steps,
)
from .calculus.structured import is_projected, project_gradient
from .calculus.vectorize import jacobian_of_differential
from .errors import DerivativeError, MatdiffError, MatdiffWarning, ParseError, Span
from .frontend.declarations import read_declarations
from .frontend.infer import IDENTITY_NAMES, Inference, function_names
from .frontend.parse import parse_declarations, parse_syntax
from .nodes import Bound, Node, Symbol, bound_in_order, symbols_of, unfixed_size_note, unfixed_sizes, written_size
from .backprop import Backprop
from .compiled import compile_function
from .printing.code import CodeFunction, generate_module
from .printing.program import definitions_used, where_text
from .result import BlockHessian, Hessian, Result, joint_code_function
from .shapes import shape_text
from .simplify import simplify, stable_forms


R = TypeVar("R", bound=Result)


@dataclass(frozen=True)
class Parsed:
    """A parsed expression with what the API needs besides the tree."""

    text: str
    expr: Node
    notes: tuple[str, ...]
    extra: dict[str, Symbol]          # symbols named in wrt that f does not contain
    read: frozenset[str] = frozenset()  # every symbol of the text, also those that drop out (X^0)
    defined: tuple[str, ...] = ()     # the names a program defines
    output: str = "f"                 # what f is called: the last definition's name, else f (if free)
    unused_inputs: tuple[Symbol, ...] = ()  # read only by definitions f does not use


def parse(text: str, where: "str | Sequence[str] | None" = None) -> Node:
    """The typed expression tree of `text` (with an optional `where` clause),
    given declarations in `where` too: a text, or several that combine."""
    parsed = _parse(text, where)
    _warn(parsed.notes)
    return parsed.expr


def _parse(text: str, where: "str | Sequence[str] | None", also: tuple[str, ...] = ()) -> Parsed:
    if not isinstance(text, str):
        raise ParseError(f"the expression must be a string, not {type(text).__name__}")
    clauses = []
    for clause in _where_clauses(where):
        try:
            clauses.append((clause, parse_declarations(clause)))
        except MatdiffError as e:
            raise e.with_text(clause) from None
    try:
        syntax, inline = parse_syntax(text, [d.name for _, found in clauses for d in found])
    except RecursionError:
        raise ParseError("the expression is nested too deeply", None, text) from None
    try:
        declarations = read_declarations(inline, function_names())
    except MatdiffError as e:
        raise e.with_text(text) from None
    for clause, found in clauses:
        try:
            declarations = read_declarations(found, function_names(), declarations)
        except MatdiffError as e:
            raise e.with_text(clause) from None
    inference = Inference(text, declarations)
    try:
        expr = inference.run(syntax, also)
    except MatdiffError as e:
        raise e.with_text(text) from None
    except RecursionError:
        raise ParseError("the expression is nested too deeply", None, text) from None
    # a symbol read only in an unused definition does not "drop out" of f (as X^0 does): it is not in f
    read = frozenset() if inference.unused else inference.read
    return Parsed(text, expr, tuple(inference.notes()), inference.extra, read, tuple(inference.defined),
                  inference.output or fresh_name("f", set(inference.defined) | set(inference.symbols)),
                  inference.unused_inputs)


def _read(text: str, where: str | None) -> Node:
    """text read back under the declarations `where`, notes unsaid (a Result's check of its own text)."""
    return _parse(text, where).expr


def declared_names(where: "str | Sequence[str] | None") -> list[str]:
    """The symbols that declarations (given apart from the expression) name."""
    names: list[str] = []
    for clause in _where_clauses(where):
        try:
            names += [d.name for d in parse_declarations(clause)]
        except MatdiffError as e:
            raise e.with_text(clause) from None
    return list(dict.fromkeys(names))


def _where_clauses(where: "str | Sequence[str] | None") -> list[str]:
    if where is None:
        return []
    if not isinstance(where, (str, list, tuple)):
        raise ParseError(f"declarations must be text (or a list of texts), not {type(where).__name__}: "
                         f"where=\"b: vector, A: matrix(n,n)\"")
    clauses = [where] if isinstance(where, str) else list(where)
    for clause in clauses:
        if not isinstance(clause, str):
            raise ParseError(f"declarations must be text, not {type(clause).__name__}")
    return clauses


def _warn(notes: Sequence[str]) -> None:
    for note in notes:
        warnings.warn(note, MatdiffWarning, stacklevel=3)


_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def _variable_names(wrt: str | Iterable[str]) -> list[str]:
    if isinstance(wrt, str):
        names = [w.strip() for w in wrt.split(",")]
    elif isinstance(wrt, (list, tuple)):
        names = [w.strip() if isinstance(w, str) else w for w in wrt]
    else:
        raise DerivativeError(f"wrt takes a name or a list of names, not {type(wrt).__name__}")
    names = [n for n in names if n != ""]
    if not names:
        raise DerivativeError("name the variable to differentiate with respect to (wrt)")
    for name in names:
        if not isinstance(name, str):
            raise DerivativeError(f"wrt takes names of symbols, not {type(name).__name__}")
        if not _NAME.fullmatch(name):
            several = " (separate several by commas)" if " " in name else ""
            raise DerivativeError(f"wrt takes the name of a symbol, and {name!r} is not a name{several}")
        if name in function_names() or name in IDENTITY_NAMES:
            raise DerivativeError(f"{name} is {'the identity' if name in IDENTITY_NAMES else 'a function'}, "
                                  f"not a symbol: wrt takes the name of a symbol")
    return list(dict.fromkeys(names))  # a repeated name is one variable


def _with_variables(text: str, where: "str | Sequence[str] | None", wrt: str | Iterable[str]
                    ) -> tuple[Parsed, list[Symbol]]:
    names = _variable_names(wrt)
    parsed = _parse(text, where, tuple(names))
    found = {s.name: s for s in symbols_of(parsed.expr)}
    notes = list(parsed.notes)
    unfixed = unfixed_sizes(parsed.expr, symbols_of(parsed.expr))
    if unfixed:
        notes.append(f"{unfixed_size_note(unfixed)}: no values of the symbols determine f")
    variables = []
    for name in names:
        if name in parsed.defined:
            inputs = ", ".join(s.name for s in symbols_of(parsed.expr))
            raise DerivativeError(f"{name} is defined by the program; derivatives are taken with respect to its "
                                  f"inputs ({inputs})")
        if name in found:
            variables.append(found[name])
        else:
            variables.append(parsed.extra[name])
            dropped = " (it appears only where it drops out, as in X^0 = I)" if name in parsed.read else ""
            notes.append(f"f does not depend on {name}{dropped}: its derivative is zero")
    return replace(parsed, notes=tuple(notes)), variables


# Written out (shared parts counted each time), results beyond these sizes are
# refused: they grow with each level of nesting (tr((X + (X + …)²)²)) or with
# the square of a power (the Hessian of tr(A X²⁰⁰)), and would take long to
# build and print. A second derivative costs about five times more per node.
RESULT_LIMIT = 1_000_000
SECOND_DERIVATIVE_LIMIT = 200_000


def bounded(node: Node, what: str, limit: int) -> Node:
    """`node`, or a DerivativeError when it is too large written out."""
    size = written_size(node)
    if size > limit:
        raise DerivativeError(f"{what}, written out, has {size:,} nodes; matdiff refuses results beyond {limit:,} "
                              f"(here they grow with the nesting or the powers of the variable)")
    return node


def derive(text: str, expr: Node, var: Symbol, shared: Backprop | None = None,
           steps: StepDifferentials | None = None, function: Node | None = None,
           record: StepLog | None = None, output: str = "f") -> Result:
    """The gradient (scalar f) or Jacobian (otherwise) of a parsed expression;
    a scalar program's gradient comes from its backward pass (`shared` when
    several variables share one, with its `steps`). `function` is the stable
    form of expr, when already made. With `record`, the derivation's steps
    are recorded there as it runs; `output` is f's name."""
    try:
        f = function if function is not None else stable_forms(expr)
        if record is not None:
            record.rewrite(STABLE_FORM, expr, f, F)
        if expr.is_scalar and bound_in_order(f):
            steps = steps or StepDifferentials(f, recording=record is not None)
            backprop = shared or program_backprop(text, f, [var], steps)
            return _program_gradient(text, expr, f, var, backprop, steps, record)
        df = collected(differential(f, var, record), record)
        if expr.is_scalar:
            reads = UNCONSTRAINED if is_projected(var) else GRADIENT  # G, then ∇f its projection
            G = project_gradient(gradient_of_differential(df, var, record, reads), var, record)
            G = factored(bounded(G, "the gradient", RESULT_LIMIT), record, GRADIENT, _value_name(expr, output))
            G = named(G, text, f, record, GRADIENT)
            return _recorded(Result(text, expr, var, "gradient", df, G, function=f, reads=_read), record)
        J = factored(bounded(jacobian_of_differential(df, var, record), "the Jacobian", RESULT_LIMIT), record,
                     JACOBIAN)
        J = named(J, text, f, record, JACOBIAN)
        return _recorded(Result(text, expr, var, "jacobian", df, J, function=f, reads=_read), record)
    except RecursionError:
        raise DerivativeError("the expression is nested too deeply to differentiate") from None


def named(node: Node, text: str, f: Node, record: StepLog | None, target: Target) -> Node:
    """node with its repeated calls named (calculus/naming.py), the step recorded where it changes the form."""
    out = named_calls(node, lambda: _taken_names(text, f))
    if record is not None and out is not node:
        names = where_text(definitions_used(out))
        record.rewrite(NAMED._replace(identity=names), node, out, target, key=True)
    return out


def _value_name(expr: Node, output: str) -> Bound | None:
    """f, called `output`, as a name its gradient may use
    (∇ xᵀAx/xᵀx = (A + Aᵀ − 2 f I) x/xᵀx); not a program's f (it has its own names)."""
    if not expr.children or bound_in_order(expr):
        return None
    return Bound(output, expr.shape, definition=expr)


def _taken_names(text: str, f: Node) -> set[str]:
    """What a name given to part of a result must avoid: every name of the
    text (symbols, a program's names, f's), the symbols' sizes and the function names."""
    symbols = symbols_of(f)
    return (set(re.findall(r"[A-Za-z_]\w*", text)) | {n for s in symbols for size in s.shape for n in size.factors}
            | set(function_names()))


def _recorded(result: R, record: StepLog | None) -> R:
    return result if record is None else replace(result, recorded_steps=tuple(record.steps))


def program_backprop(text: str, f: Node, variables: Sequence[Symbol], steps: StepDifferentials) -> Backprop:
    """One backward pass of the scalar program f for every variable, each
    gradient projected onto its variable's set."""
    try:
        found = backward(f, variables, steps)
        gradients = {v.name: bounded(project_gradient(found.gradients[v.name], v), "the gradient", RESULT_LIMIT)
                     for v in variables}
    except RecursionError:
        raise DerivativeError("the program is nested too deeply to differentiate") from None
    return Backprop(f, found.adjoints, gradients, variables, text)


def _program_gradient(text: str, expr: Node, f: Node, var: Symbol, backprop: Backprop,
                      steps: StepDifferentials, record: StepLog | None = None) -> Result:
    """∇f of a scalar program: the backward pass's gradient (the plan for
    code), and its closed form with the adjoints written out where shorter."""
    plan = backprop.gradients[var.name]
    written = simplify(written_out(plan))
    df = simplify(written_out(tangents(f, var, steps)))
    if record is not None and steps.blocks is not None:
        program_steps(f, df, steps.blocks, backprop.adjoints, plan, written, record)
    value = factored(written, record, GRADIENT)
    return _recorded(Result(text, expr, var, "gradient", df, value, function=f, plan=plan, reads=_read,
                            backprop_pass=backprop), record)


def derive_hessian(text: str, expr: Node, row: Symbol, column: Symbol, gradient: Node | None = None,
                   record: StepLog | None = None, output: str = "f") -> Hessian:
    """The Hessian block ∂²f/∂row∂column of a parsed scalar expression (given
    ∇_row f when it is already derived); its steps in `record` when given
    (from f, when the gradient is derived here)."""
    if not expr.is_scalar:
        raise DerivativeError(f"a Hessian needs a scalar function, and this one is a {shape_text(expr.shape)}; "
                              f"ask for its Jacobian instead")
    if gradient is None:
        gradient = derive(text, expr, row, record=record, output=output).value
    gradient = unnamed(gradient, expr)  # a Hessian differentiates what the names stand for
    try:
        value = _value_name(expr, output)
        block = hessian_block(gradient, row, column, lambda d: bounded(d, "the differential of the gradient",
                                                                       SECOND_DERIVATIVE_LIMIT), record, value)
        second = second_differential(block.operator, row, value)
    except RecursionError:
        raise DerivativeError("the expression is nested too deeply to differentiate twice") from None
    return _recorded(Hessian(text, expr, row, "hessian", second, block.matrix, column, block.operator, gradient,
                             function=stable_forms(expr), reads=_read), record)


def hessian(text: str, wrt: str | Iterable[str], where: "str | Sequence[str] | None" = None, *,
            steps: bool = False) -> "Hessian | BlockHessian":
    """The Hessian of a scalar `text` with respect to `wrt`; with several
    variables, the block Hessian (a BlockHessian of Hessian blocks). With
    steps=True a single variable's derivation records its steps."""
    parsed, variables = _with_variables(text, where, wrt)
    expr = parsed.expr
    try:
        if len(variables) == 1:
            single = derive_hessian(text, expr, variables[0], variables[0], record=StepLog() if steps else None,
                                    output=parsed.output)
            if not steps:
                single = replace(single, rederive=partial(_with_steps, hessian, text, (variables[0].name,), 0, where))
            out: Hessian | BlockHessian = single
        elif steps:
            raise DerivativeError("the steps are shown for one variable's Hessian: ask for one variable at a time")
        else:
            gradients = [r.value for r in _derive_all(text, expr, variables, output=parsed.output)]  # once each
            blocks = [[derive_hessian(text, expr, r, c, g, output=parsed.output) for c in variables]
                      for r, g in zip(variables, gradients)]
            out = BlockHessian(text, variables, blocks)
    except MatdiffError as e:
        raise e.with_text(text) from None
    _warn(parsed.notes)
    return out.noted(parsed.notes).called(parsed.output, parsed.unused_inputs)


def _derive_all(text: str, expr: Node, variables: Sequence[Symbol], steps: bool = False,
                output: str = "f") -> list[Result]:
    """Each variable's derivative (recording its steps when asked); a scalar
    program's share one backward pass."""
    try:
        f = stable_forms(expr)
    except RecursionError:
        raise DerivativeError("the expression is nested too deeply to differentiate") from None
    if not (expr.is_scalar and bound_in_order(f)):
        return [derive(text, expr, v, function=f, record=StepLog() if steps else None, output=output)
                for v in variables]
    differentials = StepDifferentials(f, recording=steps)
    shared = program_backprop(text, f, variables, differentials)
    return [derive(text, expr, v, shared, differentials, f, StepLog() if steps else None) for v in variables]


def derivative(text: str, wrt: str | Iterable[str], where: "str | Sequence[str] | None" = None, *,
               steps: bool = False) -> "Result | list[Result]":
    """The derivative of `text` with respect to `wrt` (one name, or several
    separated by commas / given as a list: then one Result each). With
    steps=True the derivation records its steps (Result.steps); otherwise
    they are recorded when first asked for."""
    parsed, variables = _with_variables(text, where, wrt)
    try:
        results = [r.noted(parsed.notes).called(parsed.output, parsed.unused_inputs)
                   for r in _derive_all(text, parsed.expr, variables, steps, parsed.output)]
    except MatdiffError as e:
        raise e.with_text(text) from None
    if not steps:
        names = tuple(v.name for v in variables)  # a program's variables share one backward pass: derive it again
        results = [replace(r, rederive=partial(_with_steps, derivative, text, names, i, where))
                   for i, r in enumerate(results)]
    _warn(parsed.notes)
    several = not isinstance(wrt, str) or "," in wrt
    return results if several else results[0]


def _with_steps(derive_again: Callable[..., Any], text: str, names: tuple[str, ...], i: int,
                where: "str | Sequence[str] | None") -> Result:
    """The i-th result of the same derivation (derivative or hessian of all
    `names`), recording its steps."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MatdiffWarning)  # said when the result was first derived
        found = derive_again(text, list(names), where, steps=True)
    return found[i] if isinstance(found, list) else found


def code(text: str, wrt: str | Iterable[str], where: "str | Sequence[str] | None" = None, *,
         with_value: bool = False, backend: str = "numpy") -> str:
    """A standalone module with one function returning the derivative with
    respect to every variable of `wrt` (f's value first with with_value=True),
    for NumPy, or backend="jax" / "torch"."""
    return generate_module([_joint(text, wrt, where, with_value)], backend)


def lambdify(text: str, wrt: str | Iterable[str], where: "str | Sequence[str] | None" = None, *,
             with_value: bool = False, backend: str = "numpy") -> Callable[..., Any]:
    """One callable of the symbols by name returning the derivative with
    respect to every variable of `wrt`: a tuple for several, (f, ∇f, ...)
    with with_value=True (what scipy.optimize.minimize(jac=True) takes)."""
    fn = _joint(text, wrt, where, with_value)
    return compile_function(generate_module([fn], backend), fn.name, list(fn.symbols), backend)


def _joint(text: str, wrt: str | Iterable[str], where: "str | Sequence[str] | None", with_value: bool
           ) -> CodeFunction:
    found = derivative(text, wrt, where)
    return joint_code_function(found if isinstance(found, list) else [found], with_value)


__all__ = ["code", "lambdify", "parse", "derivative", "derive", "hessian", "derive_hessian", "Span"]
