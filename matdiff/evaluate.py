"""Numeric evaluation: binding user values to symbols and sizes, and the tree
interpreter (one of the two independent numeric paths; the other is the
generated NumPy code). Every value is a 2-D float array; scalars are 1×1.
Arguments pass the policy of kernels._as_array and the probes of their
declared structures. Imports nodes, ops, shapes, kernels and structures.
"""
from __future__ import annotations

from typing import Any, Callable, Mapping

import numpy as np

from .errors import EvaluationError
from .nodes import (
    Add, Bound, Call, Commutation, Differential, DifferentialOf, Filled, Hadamard, Identity, Inverse, Kron,
    MatPower, Mul, Node,
    Number, Power, Symbol, Transpose, Zero, bound_in_order, is_permutation, permutation_factors, symbols_of,
)
from .kernels import _as_array, _commutation, _inv, _permutation
from .ops import function
from .shapes import Size, shape_text, value_kind
from .structures import probes


def inverse(M: np.ndarray) -> np.ndarray:
    """M⁻¹ under the condition policy of kernels._inv."""
    try:
        return _inv(M)
    except ValueError as e:
        raise EvaluationError(str(e)) from None


def as_array(name: str, value: Any, symbol: Symbol) -> np.ndarray:
    """A user's value as a 2-D array of the symbol's kind inside its declared
    structure, or a clear error (the policy of kernels._as_array and the
    structure probes, which generated code shares)."""
    try:
        array = _as_array(value, name, value_kind(symbol.shape))
        for probe, declared in probes(symbol):
            probe(array, name, declared)
    except ValueError as e:
        raise EvaluationError(str(e)) from None
    return array


def bind(symbols: list[Symbol], values: Mapping[str, Any]) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    """Arrays for the symbols and integer values for their size names."""
    known = {s.name for s in symbols}
    unknown = sorted(set(values) - known)
    if unknown:
        raise EvaluationError(f"unknown argument {unknown[0]}; the symbols are {', '.join(sorted(known))}")
    arrays: dict[str, np.ndarray] = {}
    sizes: dict[str, int] = {}
    origin: dict[str, str] = {}
    for s in symbols:
        if s.name not in values:
            raise EvaluationError(f"missing value for {s.name} ({shape_text(s.shape)})")
        arr = as_array(s.name, values[s.name], s)
        for axis, size in enumerate(s.shape):
            got = arr.shape[axis]
            if size.value is not None:
                if got != size.value:
                    raise EvaluationError(f"{s.name} must be {shape_text(s.shape)}, got shape {arr.shape}")
            elif size.coeff == 1 and len(size.factors) == 1:
                name = size.factors[0]
                if name in sizes and sizes[name] != got:
                    raise EvaluationError(f"size {name} is {sizes[name]} from {origin[name]} "
                                          f"but {got} from {s.name} (shape {arr.shape})")
                sizes.setdefault(name, got)
                origin.setdefault(name, s.name)
        arrays[s.name] = arr
    return arrays, sizes


def size_value(size: Size, sizes: Mapping[str, int]) -> int:
    out = size.coeff
    for f in size.factors:
        if f not in sizes:
            raise EvaluationError(f"the size {f} cannot be inferred from the values given")
        out *= sizes[f]
    return out


class Interpreter:
    """Evaluates trees on bound arrays; `directions` give the values of dX,
    `pending` those of a derivation step's d(E) (a directional derivative)."""

    def __init__(self, arrays: Mapping[str, np.ndarray], sizes: Mapping[str, int],
                 directions: Mapping[str, np.ndarray] | None = None,
                 pending: Callable[[Node], np.ndarray] | None = None):
        self.arrays = arrays
        self.sizes = sizes
        self.directions = directions or {}
        self.pending = pending
        self.memo: dict[Node, np.ndarray] = {}

    def __call__(self, node: Node) -> np.ndarray:
        hit = self.memo.get(node)
        if hit is None:
            with np.errstate(all="ignore"):
                hit = getattr(self, "_" + type(node).__name__)(node)
            self.memo[node] = hit
        return hit

    def dims(self, node: Node) -> tuple[int, int]:
        return size_value(node.shape[0], self.sizes), size_value(node.shape[1], self.sizes)

    def _Symbol(self, n: Symbol) -> np.ndarray:
        return self.arrays[n.name]

    def _Bound(self, n: Bound) -> np.ndarray:
        """A program's name: its definition's value, the names it uses first (in
        program order, so long programs do not recurse). A derivation's trees
        hold definitions in normal form (simplify.stable_forms), as code does."""
        for name in bound_in_order(n):
            if name not in self.memo:
                self.memo[name] = self(name.definition)
        return self.memo[n]

    def _Differential(self, n: Differential) -> np.ndarray:
        return self.directions[n.var.name]

    def _DifferentialOf(self, n: DifferentialOf) -> np.ndarray:
        if self.pending is None:
            raise EvaluationError(f"d({n.of}) is a pending differential: it has no value here")
        return self.pending(n.of)

    def _Number(self, n: Number) -> np.ndarray:
        return np.full((1, 1), n.to_float())

    def _Identity(self, n: Identity) -> np.ndarray:
        return np.eye(size_value(n.n, self.sizes))

    def _Zero(self, n: Zero) -> np.ndarray:
        return np.zeros(self.dims(n))

    def _Filled(self, n: Filled) -> np.ndarray:
        return np.full(self.dims(n), float(self(n.value)[0, 0]))

    def _Commutation(self, n: Commutation) -> np.ndarray:
        return _commutation(size_value(n.m, self.sizes), size_value(n.n, self.sizes))

    def _Add(self, n: Add) -> np.ndarray:
        out = self(n.terms[0])
        for t in n.terms[1:]:
            out = out + self(t)
        return out

    def _Mul(self, n: Mul) -> np.ndarray:
        return product_value(n, self, self.sizes)

    def _Hadamard(self, n: Hadamard) -> np.ndarray:
        out = self(n.factors[0])
        for f in n.factors[1:]:
            out = out * self(f)
        return out

    def _Kron(self, n: Kron) -> np.ndarray:
        out = self(n.factors[0])
        for f in n.factors[1:]:
            out = np.kron(out, self(f))
        return out

    def _Transpose(self, n: Transpose) -> np.ndarray:
        return self(n.arg).T

    def _Inverse(self, n: Inverse) -> np.ndarray:
        return inverse(self(n.arg))

    def _MatPower(self, n: MatPower) -> np.ndarray:
        base = self(n.base)
        if n.k < 0:
            base = inverse(base)
        return np.linalg.matrix_power(base, abs(n.k))

    def _Power(self, n: Power) -> np.ndarray:
        return np.power(self(n.base), float(self(n.exponent)[0, 0]))

    def _Call(self, n: Call) -> np.ndarray:
        value = function(n.name).value([self(a) for a in n.args], self.dims(n))
        return np.atleast_2d(np.asarray(value, dtype=float))


def evaluate(node: Node, values: Mapping[str, Any]) -> np.ndarray:
    """The value of a tree at the given symbol values (2-D; scalars 1×1)."""
    arrays, sizes = bind(symbols_of(node), values)
    return Interpreter(arrays, sizes)(node)


def product_value(n: Mul, value: Any, sizes: Mapping[str, int]) -> np.ndarray:
    """The value of a product from its factors' values (`value(factor)`):
    scalars scale, the rest multiply as a chain; permutation factors (K(m,n),
    I ⊗ K ⊗ I) are applied by indexing, since their matrices may not fit in
    memory (Jacobians through Kronecker products)."""
    scale = 1.0
    chain: np.ndarray | None = None
    rows: np.ndarray | None = None  # a permutation (index vector) pending at the chain's left end
    for f in n.factors:
        if is_permutation(f):
            p = _permutation(*((kind, *(size_value(s, sizes) for s in dims))
                               for kind, *dims in permutation_factors(f)))
            if chain is not None:
                chain = chain[:, np.argsort(p)]          # B P
            else:
                rows = p if rows is None else p[rows]   # P₁ P₂ = the permutation p₂[p₁]
            continue
        v = value(f)
        if f.is_scalar:
            scale *= float(v[0, 0])
        elif chain is None:
            chain = v if rows is None else v[rows]       # P B
        else:
            chain = chain @ v
    if chain is None and rows is not None:
        chain = np.eye(len(rows))[rows]
    return np.full((1, 1), scale) if chain is None else scale * chain


class Magnitudes:
    """Entry-wise bounds on the magnitudes that rounding errors of evaluating a
    tree scale with: a sum has the magnitudes of its terms added, a product the
    product of its factors' magnitudes, a linear function with nonnegative
    coefficients (tr, sum, vec, diag, ...) applied to them; any other node is
    its own |value|. Two forms of one quantity agree to about eps times these."""

    def __init__(self, values: Interpreter):
        self.values = values
        self.memo: dict[Node, np.ndarray] = {}

    def __call__(self, node: Node) -> np.ndarray:
        hit = self.memo.get(node)
        if hit is None:
            with np.errstate(all="ignore"):
                hit = self._magnitude(node)
            self.memo[node] = hit
        return hit

    def _magnitude(self, n: Node) -> np.ndarray:
        if isinstance(n, Bound):  # a name carries the rounding of its definition (names first, in order)
            for name in bound_in_order(n):
                if name not in self.memo:
                    self.memo[name] = self(name.definition)
            return self.memo[n]
        if isinstance(n, Add):
            out = self(n.terms[0])
            for t in n.terms[1:]:
                out = out + self(t)
            return out
        if isinstance(n, Mul):
            return product_value(n, self, self.values.sizes)
        if isinstance(n, Hadamard):
            out = self(n.factors[0])
            for f in n.factors[1:]:
                out = out * self(f)
            return out
        if isinstance(n, Kron):
            out = self(n.factors[0])
            for f in n.factors[1:]:
                out = np.kron(out, self(f))
            return out
        if isinstance(n, Transpose):
            return self(n.arg).T
        if isinstance(n, Filled):
            return np.full(self.values.dims(n), float(self(n.value)[0, 0]))
        if isinstance(n, Call) and function(n.name).positive_linear:
            value = function(n.name).value([self(a) for a in n.args], self.values.dims(n))
            return np.atleast_2d(np.asarray(value, dtype=float))
        # A function passes on the rounding of its argument times its slope:
        # log(1 + a¹⁶) at a = 0.1 is 1e-16 but carries the rounding of 1 + a¹⁶.
        if isinstance(n, Call) and function(n.name).derivative is not None:
            (u,) = n.args
            slope = self.values(function(n.name).derivative(u))  # type: ignore[misc]
            return np.abs(self.values(n)) + np.abs(slope) * self(u)
        if isinstance(n, Power) and isinstance(n.exponent, Number):
            p = n.exponent.value
            slope = np.abs(float(p)) * np.abs(self.values(Power(n.base, Number(p - 1))))
            return np.abs(self.values(n)) + slope * self(n.base)
        return np.abs(self.values(n))
