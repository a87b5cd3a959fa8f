"""Conversion of closed forms to SymPy matrix expressions (SymPy imported
only here, on demand). Functions SymPy has no matrix form of (vec, the
Fréchet derivatives, eigenvectors, ...) become opaque applied functions of
the right shape, so every result converts."""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable

from ..nodes import (
    Add, Call, Commutation, Differential, Filled, Hadamard, Identity, Inverse, Kron, MatPower, Mul, Node,
    Number, Power, Symbol, Transpose, Zero,
)
from ..shapes import Size


def to_sympy(node: Node) -> Any:
    """The SymPy matrix expression of a tree (scalars as SymPy scalars)."""
    import sympy
    from sympy.matrices.expressions import hadamard, kronecker
    from sympy.matrices.expressions.diagonal import DiagMatrix, DiagonalOf
    AppliedMatrixFunction = applied_matrix_function()

    def size(s: Size) -> Any:
        out = sympy.Integer(s.coeff)
        for f in s.factors:
            out *= sympy.Symbol(f, integer=True, positive=True)
        return out

    def entrywise(f: Callable[[Any], Any]) -> Callable[[Call, list[Any]], Any]:
        def convert(n: Call, args: list[Any]) -> Any:
            if n.args[0].is_scalar:
                return f(args[0])
            t = sympy.Dummy("t")
            return args[0].applyfunc(sympy.Lambda(t, f(t)))
        return convert

    def opaque(n: Call, args: list[Any]) -> Any:
        if n.is_scalar:
            return sympy.Function(n.name)(*args)
        return AppliedMatrixFunction(n.name, size(n.shape[0]), size(n.shape[1]), *args)

    def entry_sum(n: Call, args: list[Any]) -> Any:
        (X,) = n.args
        if X.is_scalar:
            return args[0]
        return sympy.Trace(sympy.OneMatrix(size(X.shape[1]), size(X.shape[0])) * args[0])  # Σᵢⱼ Xᵢⱼ = tr(1 X)

    def norm2(n: Call, args: list[Any]) -> Any:
        if n.args[0].is_scalar:
            return sympy.Abs(args[0])
        return sympy.sqrt(sympy.Trace(sympy.Transpose(args[0]) * args[0]))

    calls: dict[str, Callable[[Call, list[Any]], Any]] = {
        "sin": entrywise(sympy.sin), "cos": entrywise(sympy.cos), "tan": entrywise(sympy.tan),
        "arcsin": entrywise(sympy.asin), "arccos": entrywise(sympy.acos), "arctan": entrywise(sympy.atan),
        "exp": entrywise(sympy.exp), "log": entrywise(sympy.log), "sqrt": entrywise(sympy.sqrt),
        "tanh": entrywise(sympy.tanh), "sech": entrywise(sympy.sech), "abs": entrywise(sympy.Abs),
        "sign": entrywise(sympy.sign), "relu": entrywise(lambda t: sympy.Max(t, 0)),
        "sigmoid": entrywise(lambda t: 1 / (1 + sympy.exp(-t))),
        "step": entrywise(lambda t: sympy.Heaviside(t, 0)),
        "tr": lambda n, a: sympy.Trace(a[0]) if not n.args[0].is_scalar else a[0],
        "det": lambda n, a: sympy.Determinant(a[0]) if not n.args[0].is_scalar else a[0],
        "logdet": lambda n, a: sympy.log(sympy.Determinant(a[0]) if not n.args[0].is_scalar else a[0]),
        "adj": lambda n, a: sympy.Determinant(a[0]) * sympy.Inverse(a[0]),
        "diag": lambda n, a: DiagMatrix(a[0]) if n.args[0].shape[1].is_one else DiagonalOf(a[0]),
        "sum": entry_sum, "norm2": norm2,
        "inner": lambda n, a: sympy.Trace(sympy.Transpose(a[0]) * a[1]) if not n.args[0].is_scalar else a[0] * a[1],
        "sym": lambda n, a: (a[0] + sympy.Transpose(a[0])) / 2,
    }

    def conv(n: Node) -> Any:
        if isinstance(n, Symbol):
            if n.is_scalar:
                return sympy.Symbol(n.name)
            return sympy.MatrixSymbol(n.name, size(n.shape[0]), size(n.shape[1]))
        if isinstance(n, Differential):
            return conv(Symbol("d" + n.var.name, n.var.shape))
        if isinstance(n, Number):
            return sympy.Rational(n.value.numerator, n.value.denominator)
        if isinstance(n, Identity):
            return sympy.Identity(size(n.n))
        if isinstance(n, Zero):
            return sympy.ZeroMatrix(size(n.shape[0]), size(n.shape[1])) if not n.is_scalar else sympy.Integer(0)
        if isinstance(n, Filled):
            return conv(n.value) * sympy.OneMatrix(size(n.shape[0]), size(n.shape[1]))
        if isinstance(n, Commutation):
            return AppliedMatrixFunction("K", size(n.shape[0]), size(n.shape[1]), size(n.m), size(n.n))
        if isinstance(n, Add):
            return sympy.Add(*[conv(t) for t in n.terms]) if n.is_scalar else sympy.MatAdd(*[conv(t) for t in n.terms])
        if isinstance(n, Mul):
            scalars = [conv(f) for f in n.factors if f.is_scalar]
            chain = [conv(f) for f in n.factors if not f.is_scalar]
            body = sympy.MatMul(*chain) if len(chain) > 1 else (chain[0] if chain else sympy.Integer(1))
            if n.is_scalar and chain:
                body = sympy.Trace(body)  # a 1×1 chain as its single entry
            return sympy.Mul(*scalars) * body
        if isinstance(n, Hadamard):
            return hadamard.HadamardProduct(*[conv(f) for f in n.factors])
        if isinstance(n, Kron):
            return kronecker.KroneckerProduct(*[conv(f) for f in n.factors])
        if isinstance(n, Transpose):
            return sympy.Transpose(conv(n.arg))
        if isinstance(n, Inverse):
            return sympy.Inverse(conv(n.arg))
        if isinstance(n, MatPower):
            return sympy.MatPow(conv(n.base), n.k)
        if isinstance(n, Power):
            if n.is_scalar:
                return sympy.Pow(conv(n.base), conv(n.exponent))
            return hadamard.HadamardPower(conv(n.base), conv(n.exponent))
        if isinstance(n, Call):
            return calls.get(n.name, opaque)(n, [conv(a) for a in n.args])
        raise AssertionError(f"{type(n).__name__} has no SymPy form")

    return conv(node)


@lru_cache(maxsize=None)
def applied_matrix_function() -> Any:
    """The SymPy class of opaque matrix functions (made once, on first use)."""
    import sympy

    class AppliedMatrixFunction(sympy.MatrixExpr):
        """name(args...) as a rows×cols matrix expression SymPy knows nothing else about."""

        def __new__(cls, name: Any, rows: Any, cols: Any, *args: Any) -> Any:
            name = name if isinstance(name, sympy.Basic) else sympy.Symbol(name)
            return sympy.Basic.__new__(cls, name, sympy.sympify(rows), sympy.sympify(cols), *args)

        @property
        def shape(self) -> tuple[Any, Any]:
            return (self.args[1], self.args[2])

        def _sympystr(self, printer: Any) -> str:
            return f"{self.args[0]}({', '.join(printer.doprint(a) for a in self.args[3:])})"

    return AppliedMatrixFunction
