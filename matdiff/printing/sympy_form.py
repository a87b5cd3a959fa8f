"""Conversion of closed forms to SymPy matrix expressions (SymPy imported
only here, on demand). Each function's SymPy form is in its record; those
SymPy has no matrix form of (vec, the Fréchet derivatives, eigenvectors, ...)
become opaque applied functions of the right shape, so every result converts.
Imports nodes, shapes and ops."""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from ..nodes import (
    Add, Bound, Call, Commutation, Differential, DifferentialOf, Filled, Hadamard, Identity, Inverse, Kron,
    MatPower, Mul, Node,
    Number, Power, Symbol, Transpose, Zero,
)
from ..ops import function
from ..ops.forms import sympy_size
from ..shapes import Size
from .base import Printer


class SympyPrinter(Printer):
    """Trees to SymPy: symbols and sizes by name, a function by its record's
    SymPy form (an opaque applied function where it has none)."""

    def __init__(self) -> None:
        import sympy
        from sympy.matrices.expressions import hadamard, kronecker
        self.sympy, self.hadamard, self.kronecker = sympy, hadamard, kronecker
        self.opaque = applied_matrix_function()

    def size(self, s: Size) -> Any:
        return sympy_size(self.sympy, s)

    def _Symbol(self, n: Symbol) -> Any:
        if n.is_scalar:
            return self.sympy.Symbol(n.name)
        return self.sympy.MatrixSymbol(n.name, self.size(n.shape[0]), self.size(n.shape[1]))

    def _Bound(self, n: Bound) -> Any:
        return self(n.definition)  # SymPy has no definitions: the name's value written out

    def _Differential(self, n: Differential) -> Any:
        return self(Symbol("d" + n.var.name, n.var.shape))

    def _DifferentialOf(self, n: DifferentialOf) -> Any:
        return self(Symbol(f"d({n.of})", n.shape))  # pending: an opaque matrix of its shape

    def _Number(self, n: Number) -> Any:
        return self.sympy.Rational(n.value.numerator, n.value.denominator)

    def _Identity(self, n: Identity) -> Any:
        return self.sympy.Identity(self.size(n.n))

    def _Zero(self, n: Zero) -> Any:
        if n.is_scalar:
            return self.sympy.Integer(0)
        return self.sympy.ZeroMatrix(self.size(n.shape[0]), self.size(n.shape[1]))

    def _Filled(self, n: Filled) -> Any:
        return self(n.value) * self.sympy.OneMatrix(self.size(n.shape[0]), self.size(n.shape[1]))

    def _Commutation(self, n: Commutation) -> Any:
        return self.opaque("K", self.size(n.shape[0]), self.size(n.shape[1]), self.size(n.m), self.size(n.n))

    def _Add(self, n: Add) -> Any:
        terms = [self(t) for t in n.terms]
        return self.sympy.Add(*terms) if n.is_scalar else self.sympy.MatAdd(*terms)

    def _Mul(self, n: Mul) -> Any:
        sympy = self.sympy
        scalars = [self(f) for f in n.scalars]
        chain = [self(f) for f in n.chain]
        body = sympy.MatMul(*chain) if len(chain) > 1 else (chain[0] if chain else sympy.Integer(1))
        if n.is_scalar and chain:
            body = sympy.Trace(body)  # a 1×1 chain as its single entry
        return sympy.Mul(*scalars) * body

    def _Hadamard(self, n: Hadamard) -> Any:
        return self.hadamard.HadamardProduct(*[self(f) for f in n.factors])

    def _Kron(self, n: Kron) -> Any:
        return self.kronecker.KroneckerProduct(*[self(f) for f in n.factors])

    def _Transpose(self, n: Transpose) -> Any:
        return self.sympy.Transpose(self(n.arg))

    def _Inverse(self, n: Inverse) -> Any:
        return self.sympy.Inverse(self(n.arg))

    def _MatPower(self, n: MatPower) -> Any:
        return self.sympy.MatPow(self(n.base), n.k)

    def _Power(self, n: Power) -> Any:
        if n.is_scalar:
            return self.sympy.Pow(self(n.base), self(n.exponent))
        return self.hadamard.HadamardPower(self(n.base), self(n.exponent))

    def _Call(self, n: Call) -> Any:
        fn = function(n.name)
        if fn.scalar_form is not None and all(a.is_scalar for a in n.args):
            return self(fn.scalar_form(n.args[0]))  # tr(a) = a, expm(a) = exp(a)
        args = [self(a) for a in n.args]
        out = fn.sympy(self.sympy, n, args) if fn.sympy is not None else None
        if out is not None:
            return out
        if n.is_scalar:
            return self.sympy.Function(n.name)(*args)
        return self.opaque(n.name, self.size(n.shape[0]), self.size(n.shape[1]), *args)


def to_sympy(node: Node) -> Any:
    """The SymPy matrix expression of a tree (scalars as SymPy scalars)."""
    return SympyPrinter()(node)


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
