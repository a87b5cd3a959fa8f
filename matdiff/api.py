"""The Python API: parse, derivative (gradient or Jacobian by shape)."""
from __future__ import annotations

from typing import Iterable

from .calculus.adjoint import gradient_of_differential
from .calculus.differential import differential
from .calculus.hessian import hessian_block, second_differential
from .calculus.structured import project_gradient
from .calculus.vectorize import jacobian_of_differential
from .errors import DerivativeError, MatdiffError, ParseError, Span
from .frontend.declarations import read_declarations
from .frontend.infer import Inference, function_names
from .frontend.parse import parse_declarations, parse_syntax
from .nodes import Node, Symbol, symbols_of
from .result import BlockHessian, Hessian, Result
from .shapes import shape_text
from .simplify import factor, simplify


def parse(text: str, where: str | None = None) -> Node:
    """The typed expression tree of `text` (with an optional `where` clause or
    separate declarations in `where`)."""
    if not isinstance(text, str):
        raise ParseError(f"the expression must be a string, not {type(text).__name__}")
    try:
        syntax, inline = parse_syntax(text)
        extra = parse_declarations(where) if where else ()
    except RecursionError:
        raise ParseError("the expression is nested too deeply", None, text) from None
    try:
        declarations = read_declarations(inline, function_names())
    except MatdiffError as e:
        raise e.with_text(text) from None
    if extra:
        try:
            more = read_declarations(extra, function_names())
        except MatdiffError as e:
            raise e.with_text(where or "") from None
        clash = sorted(set(more) & set(declarations))
        if clash:
            raise ParseError(f"{clash[0]} is declared both in the expression and in where", None, text)
        declarations.update(more)
    try:
        return Inference(text, declarations).run(syntax)
    except MatdiffError as e:
        raise e.with_text(text) from None
    except RecursionError:
        raise ParseError("the expression is nested too deeply", None, text) from None


def _variables(expr: Node, wrt: str | Iterable[str]) -> list[Symbol]:
    names = [w.strip() for w in wrt.split(",")] if isinstance(wrt, str) else [str(w).strip() for w in wrt]
    names = [n for n in names if n]
    if not names:
        raise DerivativeError("name the variable to differentiate with respect to (wrt)")
    found = {s.name: s for s in symbols_of(expr)}
    out: list[Symbol] = []
    for name in names:
        if name not in found:
            known = ", ".join(sorted(found)) or "none"
            raise DerivativeError(f"{name} does not appear in the expression (its symbols: {known})")
        out.append(found[name])
    return out


def derive(text: str, expr: Node, var: Symbol) -> Result:
    """The gradient (scalar f) or Jacobian (otherwise) of a parsed expression."""
    try:
        df = simplify(differential(expr, var))
        if expr.is_scalar:
            G = project_gradient(gradient_of_differential(df, var), var)
            return Result(text, expr, var, "gradient", df, factor(G))
        J = jacobian_of_differential(df, var)
        return Result(text, expr, var, "jacobian", df, factor(J))
    except RecursionError:
        raise DerivativeError("the expression is nested too deeply to differentiate") from None


def derive_hessian(text: str, expr: Node, row: Symbol, column: Symbol, gradient: Node | None = None) -> Hessian:
    """The Hessian block ∂²f/∂row∂column of a parsed scalar expression (given
    ∇_row f when it is already derived)."""
    if not expr.is_scalar:
        raise DerivativeError(f"a Hessian needs a scalar function, and this one is a {shape_text(expr.shape)}; "
                              f"ask for its Jacobian instead")
    if gradient is None:
        gradient = derive(text, expr, row).value
    try:
        block = hessian_block(gradient, row, column)
        second = second_differential(block.operator, row)
    except RecursionError:
        raise DerivativeError("the expression is nested too deeply to differentiate twice") from None
    return Hessian(text, expr, row, "hessian", second, block.matrix, column, block.operator, gradient)


def hessian(text: str, wrt: str | Iterable[str], where: str | None = None) -> "Hessian | BlockHessian":
    """The Hessian of a scalar `text` with respect to `wrt`; with several
    variables, the block Hessian (a BlockHessian of Hessian blocks)."""
    expr = parse(text, where)
    variables = _variables(expr, wrt)
    try:
        if len(variables) == 1:
            return derive_hessian(text, expr, variables[0], variables[0])
        gradients = [derive(text, expr, r).value for r in variables]  # each once, for its row of blocks
        blocks = [[derive_hessian(text, expr, r, c, g) for c in variables] for r, g in zip(variables, gradients)]
    except MatdiffError as e:
        raise e.with_text(text) from None
    return BlockHessian(text, variables, blocks)


def derivative(text: str, wrt: str | Iterable[str], where: str | None = None) -> "Result | list[Result]":
    """The derivative of `text` with respect to `wrt` (one name, or several
    separated by commas / given as a list: then one Result each)."""
    expr = parse(text, where)
    variables = _variables(expr, wrt)
    try:
        results = [derive(text, expr, v) for v in variables]
    except MatdiffError as e:
        raise e.with_text(text) from None
    several = not isinstance(wrt, str) or "," in wrt
    return results if several else results[0]


__all__ = ["parse", "derivative", "derive", "hessian", "derive_hessian", "Span"]
