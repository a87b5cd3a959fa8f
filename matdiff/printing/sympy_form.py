"""Conversion of closed forms to SymPy matrix expressions (SymPy imported
only here, on demand)."""
from __future__ import annotations

from typing import Any

from ..errors import MatdiffError
from ..nodes import (
    Add, Call, Filled, Hadamard, Identity, Inverse, Kron, MatPower, Mul, Node, Number, Power, Symbol,
    Transpose, Zero,
)
from ..shapes import Size


def to_sympy(node: Node) -> Any:
    """The SymPy matrix expression of a tree (scalars as 1×1 where SymPy needs it)."""
    import sympy
    from sympy.matrices.expressions import hadamard, kronecker

    def size(s: Size) -> Any:
        out = sympy.Integer(s.coeff)
        for f in s.factors:
            out *= sympy.Symbol(f, integer=True, positive=True)
        return out

    def conv(n: Node) -> Any:
        if isinstance(n, Symbol):
            if n.is_scalar:
                return sympy.Symbol(n.name)
            return sympy.MatrixSymbol(n.name, size(n.shape[0]), size(n.shape[1]))
        if isinstance(n, Number):
            return sympy.Rational(n.value.numerator, n.value.denominator)
        if isinstance(n, Identity):
            return sympy.Identity(size(n.n))
        if isinstance(n, Zero):
            return sympy.ZeroMatrix(size(n.shape[0]), size(n.shape[1])) if not n.is_scalar else sympy.Integer(0)
        if isinstance(n, Filled):
            return conv(n.value) * sympy.OneMatrix(size(n.shape[0]), size(n.shape[1]))
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
            args = [conv(a) for a in n.args]
            if n.name == "tr":
                return sympy.Trace(args[0])
            if n.name == "det":
                return sympy.Determinant(args[0])
            if n.name == "logdet":
                return sympy.log(sympy.Determinant(args[0]))
            if n.name == "norm2" and not n.args[0].is_scalar:
                return sympy.sqrt(sympy.Trace(sympy.Transpose(args[0]) * args[0]))
            scalar_fn = getattr(sympy, n.name, None)
            if n.args[0].is_scalar and scalar_fn is not None:
                return scalar_fn(args[0])
            if n.name in ("sin", "cos", "tan", "exp", "log", "sqrt", "tanh", "sech", "sign", "Abs"):
                t = sympy.Dummy("t")
                return args[0].applyfunc(sympy.Lambda(t, getattr(sympy, n.name)(t)))
        raise MatdiffError(f"{type(n).__name__} {getattr(n, 'name', '')} has no SymPy form in matdiff yet")

    return conv(node)
