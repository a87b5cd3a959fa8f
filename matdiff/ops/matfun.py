"""True matrix functions (expm, logm, sqrtm) and the eigenvalues of a
symmetric matrix.

The differential of a matrix function is its Fréchet derivative,
d f(X) = L_f(X)[dX]. Numerically it comes from the block formula of Mathias,
f([[X, E], [0, X]]) = [[f(X), L_f(X)[E]], [0, f(X)]], and the second
derivative from the 3×3 block bidiagonal version (Higham, Functions of
Matrices, Thm 3.6; Higham & Relton, SIAM J. Matrix Anal. Appl. 35, 2014).
For f with a real power series, L_f(X)* = L_f(Xᵀ) and L²_f(X)[M, ·]* =
L²_f(Xᵀ)[Mᵀ, ·] (transpose the series term by term), which gives gradients.

Eigenvalues: for symmetric X with eigenvectors V (ascending eigenvalues),
dλᵢ = vᵢᵀ dX vᵢ, so dλ = diag(Vᵀ dX V); it does not exist where an eigenvalue
repeats, and the evaluation says so. SciPy is imported on first use only.
"""
from __future__ import annotations

from fractions import Fraction
from typing import Callable, Sequence

from ..lazy_numpy import np

from ..errors import DerivativeError, EvaluationError
from ..nodes import Add, Call, Identity, Inverse, MatPower, Mul, Node, Number, Transpose, Zero, scalars_out
from . import signatures as sig
from .forms import checked, no_derivative, no_sympy_form
from .registry import Function, call, function, register, register_chain_rule


MATRIX_FUNCTIONS = {"expm": r"\exp", "logm": r"\log", "sqrtm": r"\sqrt{{\cdot}}"}
SUMMARIES = {"expm": "matrix exponential", "logm": "principal matrix logarithm",
             "sqrtm": "principal matrix square root"}


# -- numerics, shipped verbatim into generated code ----------------------------
def _real_matrix_function(f, X):
    """f(X) for a SciPy matrix function, refusing a genuinely complex value."""
    F = np.asarray(f(X))
    if np.iscomplexobj(F):
        if np.abs(F.imag).max(initial=0.0) > 1e-8 * max(1.0, np.abs(F.real).max(initial=0.0)):
            raise ValueError("%s has no real value at this matrix "
                             "(an eigenvalue on the closed negative real axis)" % f.__name__)
        F = F.real
    return F


def _frechet(f, X, *E):
    """L_f(X)[E], or with two directions the ordered half of L²_f(X)[E1, E2]: the
    top-right block of f applied to the block bidiagonal [[X, E1, 0], [0, X, E2], [0, 0, X]]."""
    n, k = X.shape[0], len(E) + 1
    B = np.kron(np.eye(k), X)
    for i, D in enumerate(E):
        B[i * n:(i + 1) * n, (i + 1) * n:(i + 2) * n] = D
    return _real_matrix_function(f, B)[:n, (k - 1) * n:]


def _frechet2(f, X, E1, E2):
    """The second Fréchet derivative L²_f(X)[E1, E2], symmetric in E1 and E2."""
    return _frechet(f, X, E1, E2) + _frechet(f, X, E2, E1)


def _kron_form(f, X, *M):
    """K with vec(L_f(X)[E]) = K vec(E), column by column (with M: vec(L²_f(X)[M, E]))."""
    n = X.shape[0]
    K = np.empty((n * n, n * n))
    for j in range(n * n):
        E = np.zeros(n * n)
        E[j] = 1.0
        E = E.reshape((n, n), order="F")
        L = _frechet2(f, X, M[0], E) if M else _frechet(f, X, E)
        K[:, j] = L.reshape(-1, order="F")
    return K


def _eigenvectors(X):
    """Orthonormal eigenvectors of a symmetric X, ascending eigenvalues; refused
    where an eigenvalue repeats, since there the eigenvalues are not differentiable."""
    w, V = np.linalg.eigh(X)
    gaps = np.diff(w)
    if gaps.size and gaps.min() <= 1e-8 * max(1.0, np.abs(w).max()):
        i = int(np.argmin(gaps))
        raise ValueError("two eigenvalues are equal (numbers %d and %d in ascending order, both %.6g), and "
                         "eigenvalues are not differentiable where they coincide" % (i + 1, i + 2, w[i]))
    return V


HELPERS = (_real_matrix_function, _frechet, _frechet2, _kron_form)


def _scipy_function(name: str):
    try:
        import scipy.linalg
    except ImportError:  # pragma: no cover - depends on the installation
        raise EvaluationError("matrix functions need SciPy: pip install 'matdiff[matrixfunctions]'") from None
    return getattr(scipy.linalg, name)


def _numeric(helper, name: str):
    """An interpreter evaluation that turns numeric refusals into EvaluationError."""
    def evaluate(*args):
        try:
            return helper(_scipy_function(name), *args)
        except ValueError as e:
            raise EvaluationError(str(e)) from None
    return evaluate


# -- differential rules ----------------------------------------------------------
def _matrix_function_differential(node: Call, d: Sequence[Node | None]) -> Node:
    (X,), (dX,) = node.args, d
    return call("frechet_" + node.name, X, dX, shape=node.shape)  # type: ignore[arg-type]


def _frechet_differential(node: Call, d: Sequence[Node | None]) -> Node:
    """d(L_f(X)[E]) = L²_f(X)[dX, E] + L_f(X)[dE]."""
    X, E = node.args
    dX, dE = d
    f = node.name.removeprefix("frechet_")
    terms: list[Node] = []
    if dX is not None:
        terms.append(call("frechet2_" + f, X, dX, E, shape=node.shape))
    if dE is not None:
        terms.append(call(node.name, X, dE, shape=node.shape))
    return terms[0] if len(terms) == 1 else terms[0] + terms[1]


def _frechet2_differential(node: Call, d: Sequence[Node | None]) -> Node:
    X, E1, E2 = node.args
    dX, dE1, dE2 = d
    if dX is not None:
        raise DerivativeError("third derivatives of matrix functions are not available")
    terms: list[Node] = []
    if dE1 is not None:
        terms.append(call(node.name, X, dE1, E2, shape=node.shape))
    if dE2 is not None:
        terms.append(call(node.name, X, E1, dE2, shape=node.shape))
    return terms[0] if len(terms) == 1 else terms[0] + terms[1]


def derivative_at_identity(f: str, X: Node) -> Node:
    """L_f(X)[I] = f'(X): expm(X), X⁻¹, or ½ sqrtm(X)⁻¹ (X commutes with I)."""
    if f == "expm":
        return call("expm", X)
    if f == "logm":
        return Inverse(X)
    return Mul((Number(Fraction(1, 2)), Inverse(call("sqrtm", X))))


def _eigvals_differential(node: Call, d: Sequence[Node | None]) -> Node:
    (X,), (dX,) = node.args, d
    V = call("eigvecs", X, shape=X.shape)
    # dλᵢ = vᵢᵀ dX vᵢ (18.063 notes; Magnus & Neudecker Thm 8.9); X is symmetric (needs_symmetric)
    return call("diag", Mul((Transpose(V), dX, V)))  # type: ignore[arg-type]


def _frechet_rules(n: Call) -> Node | None:
    """L_f(X)[E] and L²_f(X)[E1, E2] are linear in each E: zeros vanish and
    scalars come out; where E commutes with X (a function of X), every term
    XⁱEXʲ of the series is Xⁱ⁺ʲE, so L_f(X)[E] = f'(X) E."""
    X, directions = n.args[0], n.args[1:]
    if any(isinstance(E, Zero) for E in directions):
        return Zero(n.shape)
    for i, E in enumerate(directions):
        pulled = scalars_out(E)
        if pulled is not None:
            scalars, rest = pulled
            args = n.args[:i + 1] + (rest,) + n.args[i + 2:]
            return Mul(tuple(scalars) + (call(n.name, *args, shape=n.shape),))
    if n.name.startswith("frechet_") and is_function_of(directions[0], X):
        return Mul((derivative_at_identity(n.name.removeprefix("frechet_"), X), directions[0]))
    return None


def _frechet_trace(n: Call) -> Node:
    """tr(L_f(X)[E]) = tr(f'(X) E): the trace of each term Xⁱ E Xʲ is cyclic."""
    X, E = n.args
    return call("tr", Mul((derivative_at_identity(n.name.removeprefix("frechet_"), X), E)))


def is_function_of(E: Node, X: Node) -> bool:
    """E is built from X by matrix functions, powers, inverses, products and sums
    (so E commutes with X)."""
    if E == X or isinstance(E, Identity) or E.is_scalar:
        return True
    if isinstance(E, Call):
        return function(E.name).power_series and is_function_of(E.args[0], X)
    if isinstance(E, (Inverse, MatPower, Mul, Add)):
        return all(is_function_of(c, X) for c in E.children)
    if isinstance(E, Transpose):
        return is_function_of(E.arg, X.arg if isinstance(X, Transpose) else Transpose(X))
    return False


# -- registration ------------------------------------------------------------------
def _square_pair(alg, name, shapes):
    """L_f(X)[E] and L²_f(X)[E, F]: X square, each direction of X's shape."""
    for i, (rows, cols) in enumerate(shapes[1:], 1):
        def what(i: int = i) -> str:
            return f"each direction of {name} has its matrix's shape, but {alg.argument(0)} and {alg.argument(i)}"
        alg.unify(shapes[0][0], rows, what)
        alg.unify(shapes[0][1], cols, what)
    return sig.square_to_square(alg, name, shapes[:1])


def _flattened_square(alg, name, shapes):
    n = shapes[0][0]
    sig.square_to_square(alg, name, shapes[:1])
    return (alg.product(n, n), alg.product(n, n))


def _frechet2_adjoint(node: Call, i: int, G: Node) -> Node:
    """The adjoint of L²_f(X)[M, ·] is L²_f(Xᵀ)[Mᵀ, ·]."""
    X = node.args[0]
    M = node.args[3 - i]
    return call(node.name, Transpose(X), Transpose(M), G, shape=node.shape)


def _frechet2_vec_jacobian(node: Call, i: int) -> Node:
    f = node.name.removeprefix("frechet2_")
    return call("kron_form2_" + f, node.args[0], node.args[3 - i])


SCALAR_FORMS = {"expm": "exp", "logm": "log", "sqrtm": "sqrt"}  # each at a 1×1 argument


def _applies(name: str) -> Callable[[Node], Node]:
    return lambda a: call(name, a)


def _register_matrix_function(f: str, tex: str) -> None:
    scipy_name = f"scipy.linalg.{f}"
    scalar = SCALAR_FORMS[f]
    register(Function(
        name=f, arity=1, shape_rule=sig.square_to_square, summary=SUMMARIES[f], family="matrix",
        evaluate=_numeric(_real_matrix_function, f), code=f"_real_matrix_function({scipy_name}, {{0}})",
        latex=rf"\operatorname{{{{{f}}}}}{{0}}", helpers=HELPERS,
        identity=f"d {f}(X) = frechet_{f}(X, dX), the Fréchet derivative",
        source="Higham, Functions of Matrices, ch. 3",
        differential=_matrix_function_differential, domain="spd" if f != "expm" else None,
        power_series=True, commutes_with_transpose=True, preserves_symmetry=True,
        scalar_form=_applies(scalar), sympy=no_sympy_form))
    register(Function(
        name="frechet_" + f, arity=2, shape_rule=_square_pair, summary=f"Fréchet derivative of {f}",
        evaluate=_numeric(_frechet, f), code=f"_frechet({scipy_name}, {{0}}, {{1}})",
        latex=rf"L_{{{{{tex}}}}}\left({{0}}\right)\left[{{1}}\right]",
        family="matrix", source="block formula of Mathias", differential=_frechet_differential,
        adjoint=lambda node, i, G: call(node.name, Transpose(node.args[0]), G, shape=node.shape),
        vec_jacobian=lambda node, i: call("kron_form_" + f, node.args[0]),
        helpers=HELPERS, simplify=_frechet_rules, trace=_frechet_trace, sympy=no_sympy_form))
    register(Function(
        name="frechet2_" + f, arity=3, shape_rule=_square_pair,
        summary=f"second Fréchet derivative of {f}",
        evaluate=_numeric(_frechet2, f), code=f"_frechet2({scipy_name}, {{0}}, {{1}}, {{2}})",
        latex=rf"L^{{{{2}}}}_{{{{{tex}}}}}\left({{0}}\right)\left[{{1}}, {{2}}\right]",
        family="matrix", source="3×3 block formula",
        differential=_frechet2_differential, adjoint=_frechet2_adjoint,
        vec_jacobian=_frechet2_vec_jacobian, helpers=HELPERS, simplify=_frechet_rules, sympy=no_sympy_form))
    register(Function(
        name="kron_form_" + f, arity=1, shape_rule=_flattened_square,
        summary=f"Kronecker form of the Fréchet derivative of {f}",
        evaluate=_numeric(_kron_form, f), code=f"_kron_form({scipy_name}, {{0}})",
        latex=rf"K_{{{{{tex}}}}}{{0}}", family="matrix",
        identity=f"vec(frechet_{f}(X, E)) = kron_form_{f}(X) vec(E)", source="Higham, Functions of Matrices, ch. 3",
        differential=no_derivative(f"K_{f}"), helpers=HELPERS, sympy=no_sympy_form))
    register(Function(
        name="kron_form2_" + f, arity=2, shape_rule=_flattened_square,
        summary=f"Kronecker form of the second Fréchet derivative of {f}",
        evaluate=_numeric(_kron_form, f), code=f"_kron_form({scipy_name}, {{0}}, {{1}})",
        latex=rf"K^{{{{2}}}}_{{{{{tex}}}}}\left({{0}}\right)\left[{{1}}\right]",
        family="matrix", identity="vec(L²_f(X)[M, E]) = K²_f(X)[M] vec(E)",
        source="Higham, Functions of Matrices, ch. 3",
        differential=no_derivative(f"K²_{f}"), helpers=HELPERS, sympy=no_sympy_form))


for _f, _tex in MATRIX_FUNCTIONS.items():
    _register_matrix_function(_f, _tex)


register(Function(
    name="eigvals", arity=1, shape_rule=sig.spectrum, summary="eigenvalues of a symmetric matrix, ascending",
    evaluate=lambda X: np.linalg.eigvalsh(X).reshape(-1, 1), code="xp.linalg.eigvalsh({0}).reshape(-1, 1)",
    latex=r"\lambda{0}", family="matrix", identity="dλᵢ = vᵢᵀ dS vᵢ", source="18.063 notes",
    differential=_eigvals_differential, needs_symmetric=True, scalar_form=lambda a: a, sympy=no_sympy_form))
register(Function(
    name="eigvecs", arity=1, shape_rule=sig.square_to_square,
    summary="orthonormal eigenvectors of a symmetric matrix, ascending eigenvalues",
    evaluate=checked(_eigenvectors), code="_eigenvectors({0})", latex=r"V{0}", family="matrix",
    source="numpy.linalg.eigh", differential=no_derivative("eigenvectors (second derivatives of eigvals)"),
    helpers=(_eigenvectors,), orthogonal_result=True, result_name="V", sympy=no_sympy_form))


def _spectral(chain: list[Node]) -> list[Node]:
    """V diag(λ) Vᵀ = S for the eigen-decomposition of a symmetric S (spectral theorem)."""
    out: list[Node] = []
    for f in chain:
        out.append(f)
        if len(out) >= 3 and isinstance(f, Transpose) and isinstance(f.arg, Call) and f.arg.name == "eigvecs":
            V, D = out[-3], out[-2]
            S = f.arg.args[0]
            if V == f.arg and D == call("diag", call("eigvals", S)):
                del out[-3:]
                out.append(S)
    return out


register_chain_rule(_spectral)
