"""Matrix functions and reductions: trace, determinant, log-determinant,
adjugate, diag, vec, sum, norms, the inner product, the extreme entries, the
count and the mean of the entries (the true matrix functions and eigenvalues
live in matfun.py, solves in linalg.py, extreme eigenvalues and singular
values in spectral.py).
Equation numbers refer to The Matrix Cookbook (Petersen & Pedersen, 2012).
"""
from __future__ import annotations

from fractions import Fraction
from typing import Any, Callable, Sequence

from ..lazy_numpy import np

from ..nodes import (
    Add, Call, Commutation, Differential, Filled, Hadamard, Identity, Inverse, Kron, MatPower, Mul, Node, Number,
    Power, Symbol, Transpose, Zero, carries_transpose, substitute,
)
from ..shapes import ONE, Shape, Size
from .forms import checked, no_sympy_form, sympy_size
from . import signatures as sig
from .registry import Function, call, function, register, register_stable_form


def _scalar(value: float | np.floating) -> np.ndarray:
    return np.full((1, 1), value)


# -- log-determinants, shipped verbatim into generated code --------------------
def _logdet(X):
    """log det X from the LU factors (slogdet), so that det X itself never
    over- or underflows (0.1 I of size 400); nan where det X ≤ 0."""
    sign, value = np.linalg.slogdet(X)
    return value if sign > 0 else np.nan


def _logdet_spd(S):
    """log det S = 2 Σ log Lᵢᵢ for S = L Lᵀ positive definite (Cholesky)."""
    return 2.0 * np.log(np.diag(np.linalg.cholesky(S))).sum()


def _norm2(X):
    """‖X‖ (Euclidean, Frobenius), rescaled by the largest entry where the sum
    of squares would over- or underflow (entries of 1e200 or 1e-200)."""
    x = np.ravel(X)
    with np.errstate(over="ignore", under="ignore"):
        value = np.sqrt(np.dot(x, x))  # one BLAS pass, no temporary
    if 0.0 < value < np.inf or not np.all(np.isfinite(X)):
        return value
    scale = np.max(np.abs(X))
    return scale * np.linalg.norm(X / scale) if scale > 0 else value


def _diag(X: np.ndarray) -> np.ndarray:
    if X.shape[1] == 1:
        return np.diag(X[:, 0])
    return np.diag(X).reshape(-1, 1)


def _diag_code(node: Call, size: Callable[[Size], str]) -> str:
    if node.args[0].shape[1].is_one:
        return "xp.diag({0}.ravel())"
    return "xp.diag({0}).reshape(-1, 1)"


def _unvec_written(n: Call) -> Node:
    """unvec(v) for an m×p result is (vec(Iₚ)ᵀ ⊗ Iₘ)(Iₚ ⊗ v) (Magnus & Neudecker, ch. 2)."""
    m, p = n.shape
    (v,) = n.args
    return Mul((Kron((Transpose(vec(Identity(p))), Identity(m))), Kron((Identity(p), v))))


def _unvec_code(node: Call, size: Callable[[Size], str]) -> str:
    return f"{{0}}.reshape(({size(node.shape[0])}, {size(node.shape[1])}), order='F')"


def _unvec_code_torch(node: Call, size: Callable[[Size], str]) -> str:
    return f"{{0}}.reshape(({size(node.shape[1])}, {size(node.shape[0])})).T"  # PyTorch has no order='F'


def _det_differential(node: Call, d: Sequence[Node | None]) -> Node:
    (X,), (dX,) = node.args, d
    # Cookbook (42): d det(X) = det(X) tr(X⁻¹ dX)
    return node * trace(Inverse(X) @ dX)  # type: ignore[operator]


def _logdet_differential(node: Call, d: Sequence[Node | None]) -> Node:
    (X,), (dX,) = node.args, d
    # Cookbook (43): d log det(X) = tr(X⁻¹ dX)
    return trace(Inverse(X) @ dX)  # type: ignore[operator]


def _adj_differential(node: Call, d: Sequence[Node | None]) -> Node:
    (X,), (dX,) = node.args, d
    # adj(X) = det(X) X⁻¹, so by (40) and (42):
    # d adj(X) = det(X) tr(X⁻¹ dX) X⁻¹ - det(X) X⁻¹ dX X⁻¹
    det = call("det", X)
    return det * trace(Inverse(X) @ dX) * Inverse(X) - det * (Inverse(X) @ dX @ Inverse(X))  # type: ignore[operator]


def _diag_vec_jacobian(node: Call, i: int) -> Node:
    """vec(diag(x)) = diag(vec I) (1 ⊗ I) x, since diag(x) = I ∘ (x 1ᵀ); and its
    transpose for the diagonal of a matrix: diag(X) = (1ᵀ ⊗ I) diag(vec I) vec X."""
    n = node.args[0].shape[0]
    mask = diagonal(vec(Identity(n)))
    ones = Filled(Number(Fraction(1)), (n, ONE))
    if node.args[0].shape[1].is_one:
        return Mul((mask, Kron((ones, Identity(n)))))
    return Mul((Kron((Transpose(ones), Identity(n))), mask))


def _norm1_differential(node: Call, d: Sequence[Node | None]) -> Node:
    (U,), (dU,) = node.args, d
    return entry_sum(Hadamard((call("sign", U), dU)))  # type: ignore[arg-type]


def _norm2_differential(node: Call, d: Sequence[Node | None]) -> Node:
    (U,), (dU,) = node.args, d
    # d‖U‖ = ⟨U, dU⟩ / ‖U‖ (Frobenius inner product)
    inv_norm = Power(node, Number(Fraction(-1)))
    if U.shape[1].is_one:
        return Transpose(U) @ dU * inv_norm  # type: ignore[operator]
    return inv_norm * trace(Transpose(U) @ dU)  # type: ignore[operator]


def _inner_differential(node: Call, d: Sequence[Node | None]) -> Node:
    A, B = node.args
    dA, dB = d
    terms: list[Node] = []
    if dA is not None:
        terms.append(call("inner", dA, B))
    if dB is not None:
        terms.append(call("inner", A, dB))
    return terms[0] if len(terms) == 1 else Add(tuple(terms))


# -- the functions' own rewrites (each docstring is its identity) ---------------
def _trace_rules(n: Call) -> Node | None:
    """tr(Aᵀ⋯) and tr(A⁻ᵀ) read with fewer transposes (tr M = tr Mᵀ); tr(A + B)
    = tr A + tr B; tr(X) of a call with a simpler trace (tr L_f(X)[E] = tr(f'(X) E));
    tr(c·1) = c n, the count of a vector's entries."""
    (a,) = n.args
    if isinstance(a, Filled):
        return Mul((a.value, entry_sum(Filled(Number(Fraction(1)), (a.shape[0], ONE)))))
    if (isinstance(a, Mul) and _mostly_transposed(a)) or (isinstance(a, Inverse) and isinstance(a.arg, Transpose)):
        return trace(Transpose(a))
    if isinstance(a, Add):
        return Add(tuple(trace(t) for t in a.terms))
    if isinstance(a, Call) and function(a.name).trace is not None:
        return function(a.name).trace(a)  # type: ignore[misc]
    return None


def _mostly_transposed(chain: Mul) -> bool:
    """More factors carry a transpose than not (so transposing the chain removes some)."""
    factors = list(chain.chain)
    marked = sum(1 for f in factors if carries_transpose(f))
    return 2 * marked > len(factors)


def _trace_of_power(n: Call, d: Callable[[Node], Node | None]) -> Node | None:
    """d tr(Bᵏ) = k tr(Bᵏ⁻¹ dB): the k terms Bⁱ dB Bᵏ⁻¹⁻ⁱ of d(Bᵏ) are equal under
    the cyclic trace, so they are never written out (Cookbook (101))."""
    (power,) = n.args
    if not (isinstance(power, MatPower) and power.k > 1):
        return None
    dB = d(power.base)
    if dB is None:
        return Zero(n.shape)  # f does not depend on the variable
    k = power.k
    lower = power.base if k == 2 else MatPower(power.base, k - 1)
    return Mul((Number(Fraction(k)), trace(Mul((lower, dB)))))


def _sum_rules(n: Call) -> Node | None:
    """sum(A + B) = sum A + sum B; sum(diag(X)) = tr X; sum(c·1) = c sum(1)."""
    (a,) = n.args
    if isinstance(a, Add):
        return Add(tuple(entry_sum(t) for t in a.terms))
    if isinstance(a, Filled) and a.value != Number(Fraction(1)):
        return Mul((a.value, entry_sum(Filled(Number(Fraction(1)), a.shape))))
    if isinstance(a, Call) and a.name == "diag" and not a.args[0].shape[1].is_one:
        return trace(a.args[0])
    return None


def _det_rules(n: Call) -> Node | None:
    """det(X⁻¹) = 1/det X."""
    (a,) = n.args
    if isinstance(a, Inverse):
        return Power(call("det", a.arg), Number(Fraction(-1)))
    return None


def _vec_rules(n: Call) -> Node | None:
    """vec(x) = x for a column; vec(unvec(v)) = v."""
    (a,) = n.args
    if a.shape[1].is_one:
        return a
    if isinstance(a, Call) and a.name == "unvec":
        return a.args[0]
    return None


def _unvec_rules(n: Call) -> Node | None:
    """unvec(vec(X)) = X; unvec(c·1) = c·1 of the new shape."""
    (a,) = n.args
    if isinstance(a, Call) and a.name == "vec" and a.args[0].shape == n.shape:
        return a.args[0]
    if isinstance(a, Filled):
        return Filled(a.value, n.shape)
    return None


def _diag_rules(n: Call) -> Node | None:
    """The diagonal of Aᵀ is the diagonal of A; diag(c 1) = c I."""
    (a,) = n.args
    if isinstance(a, Transpose) and not a.shape[1].is_one:
        return diagonal(a.arg)
    if isinstance(a, Filled) and a.shape[1].is_one:
        return Mul((a.value, Identity(a.shape[0])))
    return None


def _inner_rules(n: Call) -> Node | None:
    """⟨0, B⟩ = 0; ⟨x, y⟩ = xᵀy for vectors; ⟨a, b⟩ = a b for scalars;
    ⟨A, A⟩ = ‖A‖² (the Frobenius norm)."""
    A, B = n.args
    if isinstance(A, Zero) or isinstance(B, Zero):
        return Zero(n.shape)
    if A.shape[1].is_one:
        return Mul((Transpose(A), B))
    if A == B:
        return Power(norm2(A), Number(Fraction(2)))
    return None


def _entry_sum_sympy(sympy: Any, n: Call, args: list) -> Any:
    (X,) = n.args
    # Σᵢⱼ Xᵢⱼ = tr(1 X) with 1 the all-ones matrix of Xᵀ's shape
    return sympy.Trace(sympy.OneMatrix(sympy_size(sympy, X.shape[1]), sympy_size(sympy, X.shape[0])) * args[0])


def _diag_sympy(sympy: Any, n: Call, args: list) -> Any:
    from sympy.matrices.expressions.diagonal import DiagMatrix, DiagonalOf
    return DiagMatrix(args[0]) if n.args[0].shape[1].is_one else DiagonalOf(args[0])


def _norm2_sympy(sympy: Any, n: Call, args: list) -> Any:
    if n.args[0].is_scalar:
        return sympy.Abs(args[0])
    return sympy.sqrt(sympy.Trace(sympy.Transpose(args[0]) * args[0]))


def _norm1_sympy(sympy: Any, n: Call, args: list) -> Any:
    if n.args[0].is_scalar:
        return sympy.Abs(args[0])
    t = sympy.Dummy("t")
    return _entry_sum_sympy(sympy, n, [args[0].applyfunc(sympy.Lambda(t, sympy.Abs(t)))])


def _identity(a: Node) -> Node:
    return a


register(Function(
    name="tr", arity=1, shape_rule=sig.square_to_scalar, summary="trace of a square matrix", family="reduction",
    identity="d tr(X) = tr(dX)", source="Cookbook (36)", aliases=("trace",), evaluate=lambda X: _scalar(np.trace(X)),
    code="xp.trace({0})", latex=r"\operatorname{{tr}}{0}", linear=True, positive_linear=True,
    shortcut=_trace_of_power, shortcut_identity="d tr(Bᵏ) = k tr(Bᵏ⁻¹ dB) by the cyclic property",
    transpose_invariant=True, scalar_form=_identity, simplify=_trace_rules,
    adjoint=lambda node, i, G: G * Identity(node.args[0].shape[0]),
    vec_jacobian=lambda node, i: Transpose(vec(Identity(node.args[0].shape[0]))),
    sympy=lambda sympy, n, a: sympy.Trace(a[0])))
register(Function(
    name="det", arity=1, shape_rule=sig.square_to_scalar, summary="determinant of a square matrix",
    family="reduction", identity="d det X = det(X) tr(X⁻¹ dX)", source="Cookbook (42)", domain="invertible",
    evaluate=lambda X: _scalar(np.linalg.det(X)), code="xp.linalg.det({0})", latex=r"\det{0}",
    differential=_det_differential, transpose_invariant=True, scalar_form=_identity, simplify=_det_rules,
    sympy=lambda sympy, n, a: sympy.Determinant(a[0])))
register(Function(
    name="logdet", arity=1, shape_rule=sig.square_to_scalar, summary="log of the determinant (defined where det > 0)",
    family="reduction", identity="d log det X = tr(X⁻¹ dX)", source="Cookbook (43)", domain="spd",
    evaluate=lambda X: _scalar(_logdet(X)), code="_logdet({0})", definite_code="_logdet_spd({0})",
    helpers=(_logdet,), definite_helpers=(_logdet_spd,), through_factor="log_det", latex=r"\log\det{0}",
    differential=_logdet_differential,
    transpose_invariant=True, scalar_form=lambda a: call("log", a),
    sympy=lambda sympy, n, a: sympy.log(sympy.Determinant(a[0]))))
register(Function(
    name="adj", arity=1, shape_rule=sig.square_to_square, summary="adjugate, det(X) X⁻¹", family="matrix",
    identity="d adj(X) = d(det(X) X⁻¹)", source="adj X = det(X) X⁻¹ with Cookbook (40) and (42)", domain="invertible",
    evaluate=lambda X: np.linalg.det(X) * np.linalg.inv(X), code="(xp.linalg.det({0}) * xp.linalg.inv({0}))",
    latex=r"\operatorname{{adj}}{0}", differential=_adj_differential, commutes_with_transpose=True,
    preserves_symmetry=True, scalar_form=lambda a: Number(Fraction(1)),
    sympy=lambda sympy, n, a: sympy.Determinant(a[0]) * sympy.Inverse(a[0])))
register(Function(
    name="diag", arity=1, shape_rule=sig.diagonal, family="matrix", source="linear",
    summary="diag(x): diagonal matrix from a vector; diag(X): diagonal of a square matrix",
    evaluate=_diag, code=_diag_code, latex=r"\operatorname{{diag}}{0}", linear=True,
    positive_linear=True, adjoint=lambda node, i, G: diagonal(G), vec_jacobian=_diag_vec_jacobian,
    scalar_form=_identity, simplify=_diag_rules, symmetric_result=lambda n: n.args[0].shape[1].is_one,
    diagonal_of=lambda n: n.args[0] if n.args[0].shape[1].is_one and not n.args[0].is_scalar else None,
    sympy=_diag_sympy))
register(Function(
    name="vec", arity=1, shape_rule=sig.stack_columns, summary="stack the columns into one vector (column-major)",
    family="matrix", source="linear", evaluate=lambda X: X.reshape(-1, 1, order="F"),
    code="{0}.reshape(-1, 1, order='F')", latex=r"\operatorname{{vec}}{0}", linear=True,
    backend_code={"torch": ("{0}.T.reshape(-1, 1)", ())},  # column-major: the rows of the transpose
    positive_linear=True, adjoint=lambda node, i, G: unvec(G, node.args[0].shape),
    vec_jacobian=lambda node, i: Identity(node.shape[0]), scalar_form=_identity, simplify=_vec_rules,
    sympy=no_sympy_form))
register(Function(
    name="unvec", arity=1, shape_rule=sig.elementwise, summary="the inverse of vec (internal)", family="matrix",
    written_as=_unvec_written,
    source="linear", public=False, needs_shape=True, evaluate=lambda G, shape: G.reshape(shape, order="F"),
    code=_unvec_code, latex=r"\operatorname{{vec}}^{{-1}}{0}", linear=True,
    backend_code={"torch": (_unvec_code_torch, ())},
    positive_linear=True, adjoint=lambda node, i, G: vec(G),
    vec_jacobian=lambda node, i: Identity(node.args[0].shape[0]), simplify=_unvec_rules))
register(Function(
    name="sum", arity=1, shape_rule=sig.any_to_scalar, summary="sum of all entries", family="reduction",
    source="linear", evaluate=lambda X: _scalar(np.sum(X)), code="xp.sum({0})", latex=r"\operatorname{{sum}}{0}",
    linear=True, positive_linear=True, adjoint=lambda node, i, G: Filled(G, node.args[0].shape),
    vec_jacobian=lambda node, i: Filled(Number(Fraction(1)), (ONE, node.args[0].shape[0] * node.args[0].shape[1])),
    transpose_invariant=True, scalar_form=_identity, simplify=_sum_rules, sympy=_entry_sum_sympy))
register(Function(
    name="norm1", arity=1, shape_rule=sig.any_to_scalar, summary="sum of absolute values of the entries",
    family="reduction", identity="d sum(|U|) = sum(sign(U) ∘ dU)", source="chain rule, entry by entry",
    evaluate=lambda X: _scalar(np.sum(np.abs(X))),
    code="xp.sum(xp.abs({0}))", latex=r"\left\|{0}\right\|_1", differential=_norm1_differential,
    transpose_invariant=True, nonnegative=True, sympy=_norm1_sympy))
register(Function(
    name="norm2", arity=1, shape_rule=sig.any_to_scalar, family="reduction",
    summary="Euclidean norm of a vector, Frobenius norm of a matrix",
    identity="d‖U‖ = ⟨U, dU⟩/‖U‖", source="Cookbook (129), 18.063 notes", evaluate=lambda X: _scalar(_norm2(X)),
    code="_norm2({0})", helpers=(_norm2,), latex=r"\left\|{0}\right\|", matrix_latex=r"\left\|{0}\right\|_F",
    differential=_norm2_differential,
    transpose_invariant=True, nonnegative=True, sympy=_norm2_sympy))
register(Function(
    name="inner", arity=2, shape_rule=sig.pairing, summary="inner(A, B) = tr(AᵀB), the Frobenius inner product",
    family="reduction", identity="d⟨A, B⟩ = ⟨dA, B⟩ + ⟨A, dB⟩", source="bilinear",
    evaluate=lambda A, B: _scalar(np.sum(A * B)), code="xp.sum({0} * {1})",
    latex=r"\left\langle {0}, {1}\right\rangle", differential=_inner_differential, linear=True,
    positive_linear=True, adjoint=lambda node, i, G: G * node.args[1 - i],
    vec_jacobian=lambda node, i: Transpose(vec(node.args[1 - i])), simplify=_inner_rules,
    sympy=lambda sympy, n, a: a[0] * a[1] if n.args[0].is_scalar else sympy.Trace(sympy.Transpose(a[0]) * a[1])))
register(Function(
    name="sym", arity=1, shape_rule=sig.square_to_square,
    summary="symmetric part (X + Xᵀ)/2 (internal: the name is free for programs)",
    family="matrix", source="linear", public=False, evaluate=lambda X: 0.5 * (X + X.T),
    code="(0.5 * ({0} + {0}.T))", latex=r"\operatorname{{sym}}{0}", linear=True,
    positive_linear=True, adjoint=lambda node, i, G: symmetric_part(G), transpose_invariant=True,
    symmetric_result=lambda n: True,
    vec_jacobian=lambda node, i: Mul((Number(Fraction(1, 2)), Add((Identity(node.shape[0] * node.shape[1]),
                                                                    Commutation(node.shape[0], node.shape[1]))))),
    sympy=lambda sympy, n, a: (a[0] + sympy.Transpose(a[0])) / 2))


# -- builders the passes use (no pass spells a function's name) -------------------
def trace(M: Node) -> Node:
    return call("tr", M)


def entry_sum(M: Node) -> Node:
    return call("sum", M)


def vec(M: Node) -> Node:
    return call("vec", M)


def unvec(v: Node, shape: tuple) -> Node:
    return call("unvec", v, shape=shape)


def diagonal(M: Node) -> Node:
    """diag(M): the diagonal of a square matrix as a vector, or of a vector the matrix."""
    return call("diag", M)


def symmetric_part(M: Node) -> Node:
    return call("sym", M)


def norm2(M: Node) -> Node:
    return call("norm2", M)


# -- extreme entries, counts and means --------------------------------------------------
def _onehot(U, largest):
    """The indicator of the largest (or smallest) entry of U, refused at a tie
    (there max and min are not differentiable)."""
    target = np.max(U) if largest else np.min(U)
    hits = np.argwhere(U == target)
    if len(hits) > 1:
        where = ", ".join("(%d, %d)" % (i + 1, j + 1) for i, j in hits[:3])
        raise ValueError("%s is attained at %d entries at these values (a tie at %s%s), and is not "
                         "differentiable there" % ("the largest entry" if largest else "the smallest entry",
                                                   len(hits), where, ", ..." if len(hits) > 3 else ""))
    out = np.zeros_like(U, dtype=float)
    out[tuple(hits[0])] = 1.0
    return out


def _extreme_differential(node: Call, d: Sequence[Node | None]) -> Node:
    """d max(U) = ⟨e, dU⟩ with e the indicator of the arg max (a simple one)."""
    (U,), (dU,) = node.args, d
    e = call("onehot_max" if node.name == "max" else "onehot_min", U)
    return call("inner", e, dU)  # type: ignore[arg-type]


def _constant(node: Call, d: Callable[[Node], Node | None]) -> Node:
    return Zero(node.shape)  # piecewise constant: no derivative where it is defined


def _count_code(node: Call, size: Callable[[Size], str]) -> str:
    rows, cols = node.args[0].shape
    return f"float({size(rows * cols)})"


def _count_rules(n: Call) -> Node | None:
    """numel(U) depends on U's shape only: a number for known sizes, else the
    count of the first symbol of that shape inside U (numel(X w − y) = numel(y)),
    else the sum of a matrix of ones (so that no differential hides in a constant)."""
    (U,) = n.args
    count = U.shape[0] * U.shape[1]
    if count.value is not None:
        return Number(Fraction(count.value))
    if isinstance(U, Symbol):
        return None
    for node in U.walk():
        if isinstance(node, Symbol) and node.shape == U.shape:
            return call("numel", node)
        if isinstance(node, Differential) and node.var.shape == U.shape:
            return call("numel", node.var)
    return entry_sum(Filled(Number(Fraction(1)), U.shape))  # as sum(c·1) = c sum(1) counts


def counts_named(node: Node) -> Node:
    """sum(1) of a shape is numel of a symbol of `node` of that shape (2 (c numel(X)
    − sum(X))), else a product of tr(eye(n)): a count that reads back with its size."""
    ones = [n for n in node.walk() if isinstance(n, Call) and n.name == "sum" and isinstance(n.args[0], Filled)
            and n.args[0].value == Number(Fraction(1))]
    if not ones:
        return node
    symbols: dict[Shape, Symbol] = {}
    for n in node.walk():
        if isinstance(n, Symbol):
            symbols.setdefault(n.shape, n)
    named: dict[Node, Node] = {one: count_of(one.args[0].shape, symbols) for one in ones}
    return substitute(node, named)


def count_of(shape: Shape, symbols: dict[Shape, Symbol]) -> Node:
    """m n for a shape (m, n): numel of a symbol of that shape, else the traces of
    identities of its sizes (tr(eye(m)) = m), which read back with their size."""
    if shape in symbols:
        return call("numel", symbols[shape])
    sizes = [s for s in shape if not s.is_one]
    return Mul(tuple(call("tr", Identity(s)) for s in sizes)) if len(sizes) > 1 else call("tr", Identity(sizes[0]))


def _count_sympy(sympy: Any, n: Call, args: list) -> Any:
    rows, cols = n.args[0].shape
    return sympy_size(sympy, rows * cols)


def _mean_rules(n: Call) -> Node | None:
    """mean(U) = sum(U) / numel(U)."""
    (U,) = n.args
    return Mul((entry_sum(U), Power(call("numel", U), Number(Fraction(-1)))))


def _extreme_value(largest: bool) -> Callable[[Any], Any]:
    return lambda U: _scalar(np.max(U) if largest else np.min(U))


def _onehot_of(largest: bool) -> Callable[[Any], Any]:
    return lambda U: _onehot(U, largest)


for _name, _largest in (("max", True), ("min", False)):
    register(Function(
        name=_name, arity=1, shape_rule=sig.any_to_scalar, family="reduction",
        summary=f"{'largest' if _largest else 'smallest'} entry",
        identity=f"d {_name}(U) = ⟨e, dU⟩, e the indicator of the arg {_name}",
        source="where the arg max is unique", evaluate=_extreme_value(_largest),
        code=f"xp.{_name}({{0}})", latex=rf"\{_name}{{0}}", differential=_extreme_differential,
        transpose_invariant=True, scalar_form=_identity,
        sympy=no_sympy_form))
    register(Function(
        name=f"onehot_{_name}", arity=1, shape_rule=sig.elementwise, family="matrix",
        summary=f"the indicator of the {'largest' if _largest else 'smallest'} entry (the gradient of {_name})",
        source="numpy.argmax", evaluate=checked(_onehot_of(_largest)),
        code=f"_onehot({{0}}, {_largest})", helpers=(_onehot,), latex=rf"e_{{{{\arg\{_name}}}}}{{0}}",
        shortcut=_constant, nonnegative=True, sympy=no_sympy_form))
register(Function(
    name="numel", arity=1, shape_rule=sig.any_to_scalar, summary="the number of entries", family="reduction",
    source="constant", evaluate=lambda U: _scalar(float(U.size)), code=_count_code,
    latex=r"\operatorname{{numel}}{0}", shortcut=_constant, simplify=_count_rules, nonnegative=True,
    transpose_invariant=True, sympy=_count_sympy))
register(Function(
    name="mean", arity=1, shape_rule=sig.any_to_scalar, summary="the average of the entries", family="reduction",
    identity="d mean(U) = sum(dU) / numel(U)", source="linear", evaluate=lambda U: _scalar(np.mean(U)),
    code="xp.mean({0})",
    latex=r"\operatorname{{mean}}{0}", linear=True, positive_linear=True, transpose_invariant=True,
    adjoint=lambda node, i, G: Filled(Mul((G, Power(call("numel", node.args[0]), Number(Fraction(-1))))),
                                      node.args[0].shape),
    scalar_form=_identity, simplify=_mean_rules,
    sympy=lambda sympy, n, a: _entry_sum_sympy(sympy, n, a) / _count_sympy(sympy, n, a)))


def _log_of_det(n: Node) -> Node | None:
    """log(det(X)) = logdet(X), from the LU factors: det X itself over- or
    underflows at moderate sizes (0.1 I of size 400). Both are nan where det X < 0."""
    if isinstance(n, Call) and n.name == "log" and isinstance(n.args[0], Call) and n.args[0].name == "det":
        return call("logdet", n.args[0].args[0])
    return None


register_stable_form(_log_of_det)
