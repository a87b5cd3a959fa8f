"""Hessians: the matrix against column-major vec, the operator H[dX], the
second differential and block Hessians, each compared with second differences
of the function written in plain NumPy (or a hand-derived closed form) at
distinct sizes."""
from __future__ import annotations

import numpy as np
import pytest

import matdiff
from helpers import invertible, rel_error, rng, rotation, spd, vec


def sigmoid(t):
    return 1 / (1 + np.exp(-t))


def numeric_hessian(f, X: np.ndarray, h: float = 1e-4) -> np.ndarray:
    """Second differences of a scalar f(X), entries ordered by column-major vec."""
    X = np.asarray(X, dtype=float)
    n = X.size
    basis = [np.eye(n)[k].reshape(X.shape, order="F") * h for k in range(n)]
    H = np.empty((n, n))
    for i in range(n):
        for j in range(i, n):
            Ei, Ej = basis[i], basis[j]
            H[i, j] = H[j, i] = (f(X + Ei + Ej) - f(X + Ei - Ej) - f(X - Ei + Ej) + f(X - Ei - Ej)) / (4 * h * h)
    return H


def second_difference(f, X, E1, E2, h: float = 1e-4) -> float:
    """∂²/∂s∂t f(X + s E1 + t E2) at 0."""
    return (f(X + h * E1 + h * E2) - f(X + h * E1 - h * E2) - f(X - h * E1 + h * E2)
            + f(X - h * E1 - h * E2)) / (4 * h * h)


def _values(g):
    """One draw of every symbol the table uses (sizes 3, 4, 5: never all equal)."""
    X = g.standard_normal((3, 4))
    return {
        "x": g.standard_normal(4), "y": g.standard_normal(5), "b": g.standard_normal(4),
        "A": g.standard_normal((5, 4)), "Q": g.standard_normal((4, 4)), "B": g.standard_normal((4, 3)),
        "M": g.standard_normal((3, 3)), "X": X, "S": invertible(g, 4), "Z": g.standard_normal((5, 4)),
        "t": np.sign(g.standard_normal(5)), "W": g.standard_normal((3, 4)),
    }


# (expression, variable, where, NumPy f of (variable value, all values)).
HESSIANS = [
    ("x'*Q*x", "x", "", lambda v, a: v @ a["Q"] @ v),
    ("0.5*x'*Q*x - b'*x", "x", "b: vector", lambda v, a: 0.5 * v @ a["Q"] @ v - a["b"] @ v),
    ("norm2(A*x - y)^2", "x", "", lambda v, a: np.sum((a["A"] @ v - a["y"]) ** 2)),
    ("sum(log(vector(1) + exp(-t .* (Z*x))))", "x", "",
     lambda v, a: np.sum(np.log1p(np.exp(-a["t"] * (a["Z"] @ v))))),
    ("(x'*x)^2", "x", "", lambda v, a: (v @ v) ** 2),
    ("norm2(x)", "x", "", lambda v, a: np.linalg.norm(v)),
    ("sum(exp(A*x))", "x", "", lambda v, a: np.sum(np.exp(a["A"] @ v))),
    ("x'*Q*x / (x'*x)", "x", "", lambda v, a: (v @ a["Q"] @ v) / (v @ v)),
    ("tr(X'*M*X)", "X", "", lambda v, a: np.trace(v.T @ a["M"] @ v)),
    ("tr(X*B*X*B)", "X", "X: matrix(3,4)", lambda v, a: np.trace(v @ a["B"] @ v @ a["B"])),
    ("norm2(X*B - M)^2", "X", "", lambda v, a: np.sum((v @ a["B"] - a["M"]) ** 2)),
    ("log(det(S))", "S", "", lambda v, a: np.log(np.linalg.det(v))),
    ("tr(inv(S))", "S", "", lambda v, a: np.trace(np.linalg.inv(v))),
    ("tr(S^3)", "S", "", lambda v, a: np.trace(v @ v @ v)),
    ("det(S)", "S", "", lambda v, a: np.linalg.det(v)),
    ("sum(sigmoid(W*x))", "x", "", lambda v, a: np.sum(sigmoid(a["W"] @ v))),
    ("tr(X'*X*B*B')", "X", "", lambda v, a: np.trace(v.T @ v @ a["B"] @ a["B"].T)),
]


@pytest.mark.parametrize("text,var,where,f", HESSIANS, ids=[h[0] for h in HESSIANS])
def test_hessian_matrix_matches_second_differences(text, var, where, f):
    h = matdiff.hessian(text, wrt=var, where=where or None)
    assert h.kind == "hessian"
    g = rng(11)
    values = _values(g)
    used = {s.name: values[s.name] for s in h.symbols}
    H = h.lambdify()(**used)
    n = values[var].size
    assert H.shape == (n, n)
    want = numeric_hessian(lambda v: f(v, values), values[var])
    assert rel_error(H, want) < 1e-5
    assert h.check().ok


@pytest.mark.parametrize("text,var,where,f", HESSIANS, ids=[h[0] for h in HESSIANS])
def test_operator_form_agrees_with_the_matrix(text, var, where, f):
    h = matdiff.hessian(text, wrt=var, where=where or None)
    g = rng(12)
    values = _values(g)
    used = {s.name: values[s.name] for s in h.symbols}
    E = g.standard_normal(values[var].shape)
    HE = h.lambdify(form="operator")(**used, **{h.direction.name: E})
    assert np.shape(HE) == E.shape
    assert rel_error(vec(HE), h.lambdify()(**used) @ vec(E)) < 1e-10


def test_closed_forms_of_the_classic_hessians():
    g = rng(3)
    A, Z, t = g.standard_normal((5, 3)), g.standard_normal((6, 3)), np.sign(g.standard_normal(6))
    Q, x, X = g.standard_normal((3, 3)), g.standard_normal(3), invertible(g, 4)
    assert str(matdiff.hessian("x'*A*x", wrt="x")) == "A + Aᵀ"
    assert str(matdiff.hessian("norm2(A*x - y)^2", wrt="x")) == "2 Aᵀ A"
    assert str(matdiff.hessian("tr(X' A X)", wrt="X")) == "eye(n) ⊗ (A + Aᵀ)"
    assert rel_error(matdiff.hessian("norm2(A*x - y)^2", wrt="x").lambdify()(A=A, x=x, y=g.standard_normal(5)),
                     2 * A.T @ A) < 1e-12
    # logistic loss: Zᵀ diag(σ(1 - σ)) Z with σ = σ(-t ∘ Z w) (t = ±1)
    logistic = matdiff.hessian("sum(log(vector(1) + exp(-t .* (Z*w))))", wrt="w")
    s = sigmoid(-t * (Z @ x))
    assert rel_error(logistic.lambdify()(t=t, Z=Z, w=x), Z.T @ np.diag(s * (1 - s)) @ Z) < 1e-12
    # log det: d²f = -tr(X⁻¹ dX X⁻¹ dX) = -vec(dX)ᵀ K (X⁻ᵀ ⊗ X⁻¹) vec(dX)
    ld = matdiff.hessian("log(det(X))", wrt="X")
    assert ld.differential == "-tr(X⁻¹ dX X⁻¹ dX)"
    Xi = np.linalg.inv(X)
    K = np.zeros((16, 16))
    for i in range(4):
        for j in range(4):
            K[i * 4 + j, j * 4 + i] = 1
    assert rel_error(ld.lambdify()(X=X), -K @ np.kron(Xi.T, Xi)) < 1e-12
    symmetric = matdiff.hessian("x'*Q*x", wrt="x", where="Q: matrix(n,n) symmetric")
    assert str(symmetric) == "2 Q"
    assert rel_error(symmetric.lambdify()(Q=Q + Q.T, x=x), 2 * (Q + Q.T)) < 1e-12


def test_operator_and_second_differential_are_printed():
    h = matdiff.hessian("tr(X' A X)", wrt="X")
    assert h.operator == "(A + Aᵀ) dX"
    assert h.differential == "tr(dXᵀ (A + Aᵀ) dX)"
    assert h.latex() == r"\nabla^2_{X} f = I_{n} \otimes \left(A + A^{\mathsf{T}}\right)"
    data = h.to_dict()
    assert data["kind"] == "hessian" and data["operator"] == "(A + Aᵀ) dX"


def test_operator_form_never_builds_the_matrix():
    h = matdiff.hessian("tr(X' A X)", wrt="X")
    code = h.code(form="operator")
    assert "kron" not in code and "def hessian_X_operator(X, A, dX)" in code
    g = rng(4)
    X, A, E = g.standard_normal((60, 50)), g.standard_normal((60, 60)), g.standard_normal((60, 50))
    assert rel_error(h.lambdify("operator")(X=X, A=A, dX=E), (A + A.T) @ E) < 1e-12
    with pytest.raises(ValueError, match="form"):
        h.code(form="dense")


def test_block_hessian_of_two_vectors():
    h = matdiff.hessian("x'*A*y + (x'*x)*(y'*y)", wrt=["x", "y"])
    assert isinstance(h, matdiff.BlockHessian)
    g = rng(5)
    A, x, y = g.standard_normal((3, 4)), g.standard_normal(3), g.standard_normal(4)

    def f(z):
        u, v = z[:3], z[3:]
        return u @ A @ v + (u @ u) * (v @ v)

    H = h.lambdify()(A=A, x=x, y=y)
    assert H.shape == (7, 7)
    assert rel_error(H, numeric_hessian(f, np.concatenate([x, y]))) < 1e-5
    assert rel_error(H, H.T) < 1e-12
    assert h.check().ok
    assert h.to_dict()["wrt"] == ["x", "y"]


def test_block_hessian_of_a_matrix_and_a_vector():
    h = matdiff.hessian("norm2(W*x - y)^2", wrt="W, x")
    g = rng(6)
    W, x, y = g.standard_normal((3, 4)), g.standard_normal(4), g.standard_normal(3)

    def f(z):
        return np.sum((z[:12].reshape((3, 4), order="F") @ z[12:] - y) ** 2)

    H = h.lambdify()(W=W, x=x, y=y)
    assert rel_error(H, numeric_hessian(f, np.concatenate([vec(W), x]))) < 1e-5


def test_hessian_needs_a_scalar_function():
    with pytest.raises(matdiff.DerivativeError, match="scalar"):
        matdiff.hessian("A*x", wrt="x")
    with pytest.warns(matdiff.MatdiffWarning, match="does not depend on z"):
        assert str(matdiff.hessian("x'*x", wrt="z")) == "0"


def test_operator_refuses_a_misshapen_direction():
    h = matdiff.hessian("x'*A*x", wrt="x")
    with pytest.raises(matdiff.EvaluationError):
        h.lambdify("operator")(x=np.ones(3), A=np.eye(3), dx=np.ones(4))
    with pytest.raises(matdiff.EvaluationError, match="missing"):
        h.lambdify("operator")(x=np.ones(3), A=np.eye(3))


def test_check_catches_a_wrong_hessian():
    right = matdiff.hessian("x'*A*x", wrt="x")
    wrong = matdiff.Hessian(right.input, right.expression, right.variable, "hessian", right.differential_tree,
                            matdiff.parse("A", "A: matrix(m,m)"), right.column, right.operator_tree,
                            right.gradient)
    assert not wrong.check().ok
    with pytest.raises(matdiff.CheckError):
        wrong.check(raise_on_failure=True)


# -- structured variables: Hessians act on directions inside the set ----------------
STRUCTURED_HESSIANS = [
    ("tr(X'*A*X)", "X: matrix(n,n) symmetric", "symmetric", lambda X, A: np.trace(X.T @ A @ X)),
    ("log(det(X))", "X: matrix(n,n) spd", "spd", lambda X, A: np.log(np.linalg.det(X))),
    ("sum(exp(X) .* A)", "X: matrix(n,n) diagonal", "diagonal", lambda X, A: np.sum(np.exp(X) * A)),
]


@pytest.mark.parametrize("text,where,kind,f", STRUCTURED_HESSIANS, ids=[s[2] for s in STRUCTURED_HESSIANS])
def test_structured_hessian_on_directions_in_the_set(text, where, kind, f):
    h = matdiff.hessian(text, wrt="X", where=where)
    g = rng(8)
    A = g.standard_normal((4, 4))
    X = spd(g, 4) if kind == "spd" else g.standard_normal((4, 4))
    X = np.diag(np.diag(X)) if kind == "diagonal" else (X + X.T) / 2

    def inside(E):
        return np.diag(np.diag(E)) if kind == "diagonal" else (E + E.T) / 2

    E1, E2 = inside(g.standard_normal((4, 4))), inside(g.standard_normal((4, 4)))
    values = {s.name: {"X": X, "A": A}[s.name] for s in h.symbols}
    H = h.lambdify()(**values)
    want = second_difference(lambda V: f(V, A), X, E1, E2)
    assert abs(vec(E1) @ H @ vec(E2) - want) < 1e-5 * max(1.0, abs(want))
    HE = h.lambdify("operator")(**values, dX=E2)
    assert rel_error(HE, inside(HE)) < 1e-12  # H[dX] stays in the set
    assert h.check().ok


def test_riemannian_hessian_on_the_orthogonal_group():
    """⟨ξ, Hess f[ξ]⟩ = d²/dt² f(X expm(tS)) along the geodesic through X with ξ = X S."""
    from scipy.linalg import expm
    h = matdiff.hessian("tr(A*X)", wrt="X", where="X: matrix(n,n) orthogonal")
    g = rng(9)
    A, X = g.standard_normal((4, 4)), rotation(g, 4)
    S = g.standard_normal((4, 4))
    S = (S - S.T) / 2
    xi = X @ S
    HE = h.lambdify("operator")(A=A, X=X, dX=xi)

    def along(t):
        return np.trace(A @ X @ expm(t * S))

    t = 1e-3
    curvature = (along(t) - 2 * along(0) + along(-t)) / t ** 2
    assert abs(np.sum(xi * HE) - curvature) < 1e-5 * max(1.0, abs(curvature))
    assert rel_error(X.T @ HE + (X.T @ HE).T, np.zeros((4, 4))) < 1e-8 or np.allclose(
        X.T @ HE + (X.T @ HE).T, 0, atol=1e-10)  # H[ξ] is tangent: Xᵀ H[ξ] is skew
    assert h.check().ok
