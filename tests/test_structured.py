"""Gradients with respect to structured variables: the gradient lies in the
set (symmetric, diagonal, tangent to the orthogonal group) and gives the
directional derivative along every direction inside the set. References are
projections of plain-NumPy central-difference gradients."""
from __future__ import annotations

import numpy as np
import pytest

import matdiff
from helpers import invertible, numeric_gradient, rel_error, rng, rotation, spd


def project(kind, G, X):
    if kind in ("symmetric", "spd"):
        return (G + G.T) / 2
    if kind == "diagonal":
        return np.diag(np.diag(G))
    return (G - X @ G.T @ X) / 2  # orthogonal: X skew(Xᵀ G)


def inside(kind, g, X):
    E = g.standard_normal(X.shape)
    if kind in ("symmetric", "spd"):
        return (E + E.T) / 2
    if kind == "diagonal":
        return np.diag(np.diag(E))
    S = (E - E.T) / 2
    return X @ S


# (expression, kind, NumPy f(X, A, B) with A 4×4, B 4×3)
CASES = [
    ("tr(A*X)", "symmetric", lambda X, A, B: np.trace(A @ X)),
    ("log(det(X))", "spd", lambda X, A, B: np.log(np.linalg.det(X))),
    ("tr(inv(X)*A)", "spd", lambda X, A, B: np.trace(np.linalg.inv(X) @ A)),
    ("tr(X*A*X)", "symmetric", lambda X, A, B: np.trace(X @ A @ X)),
    ("norm2(X*B)^2", "symmetric", lambda X, A, B: np.sum((X @ B) ** 2)),
    ("sum(B' * X * B)", "symmetric", lambda X, A, B: np.sum(B.T @ X @ B)),
    ("det(X)", "spd", lambda X, A, B: np.linalg.det(X)),
    ("tr(A*X)", "diagonal", lambda X, A, B: np.trace(A @ X)),
    ("sum(exp(X) .* A)", "diagonal", lambda X, A, B: np.sum(np.exp(X) * A)),
    ("tr(A*X)", "orthogonal", lambda X, A, B: np.trace(A @ X)),
    ("norm2(X*B - A*B)^2", "orthogonal", lambda X, A, B: np.sum((X @ B - A @ B) ** 2)),
    ("tr(X'*A*X*A')", "orthogonal", lambda X, A, B: np.trace(X.T @ A @ X @ A.T)),
]


def _point(kind, g):
    if kind == "spd":
        return spd(g, 4)
    if kind == "orthogonal":
        return rotation(g, 4)
    X = g.standard_normal((4, 4))
    return np.diag(np.diag(X)) if kind == "diagonal" else (X + X.T) / 2


@pytest.mark.parametrize("text,kind,f", CASES, ids=[f"{c[0]} [{c[1]}]" for c in CASES])
def test_structured_gradient_is_the_projected_gradient(text, kind, f):
    r = matdiff.derivative(text, wrt="X", where=f"X: matrix(n,n) {kind}, B: matrix(n,p)")
    g = rng(41)
    A, B = g.standard_normal((4, 4)), g.standard_normal((4, 3))
    X = _point(kind, g)
    values = {s.name: {"X": X, "A": A, "B": B}[s.name] for s in r.symbols}
    G = r.lambdify()(**values)
    free = numeric_gradient(lambda V: f(V, A, B), X)
    assert rel_error(G, project(kind, free, X)) < 1e-6
    assert rel_error(G, project(kind, G, X)) < 1e-12  # G lies in the set (its tangent space)
    for _ in range(3):
        E = inside(kind, g, X)
        h = 1e-6
        slope = (f(X + h * E, A, B) - f(X - h * E, A, B)) / (2 * h)
        assert abs(np.sum(G * E) - slope) < 1e-6 * max(1.0, abs(slope))
    assert r.check().ok


def test_printed_structured_gradients():
    assert str(matdiff.derivative("log(det(X))", wrt="X", where="X: spd")) == "X⁻¹"
    assert str(matdiff.derivative("tr(A*X)", wrt="X", where="X: symmetric")) == "0.5 (A + Aᵀ)"
    assert str(matdiff.derivative("tr(A*X)", wrt="X", where="X: diagonal")) == "diag(diag(A))"


def test_the_cookbook_symmetric_gradient_is_wrong():
    """Cookbook §2.8.1 gives G + Gᵀ - diag(G) for symmetric X; with the Frobenius
    inner product it does not give the directional derivative, sym(G) does."""
    g = rng(42)
    X = spd(g, 4)
    G = np.linalg.inv(X).T  # unconstrained gradient of log det X
    cookbook = G + G.T - np.diag(np.diag(G))
    ours = matdiff.derivative("log(det(X))", wrt="X", where="X: spd").lambdify()(X=X)
    E = g.standard_normal((4, 4))
    E = (E + E.T) / 2
    h = 1e-6
    slope = (np.log(np.linalg.det(X + h * E)) - np.log(np.linalg.det(X - h * E))) / (2 * h)
    assert abs(np.sum(ours * E) - slope) < 1e-7
    assert abs(np.sum(cookbook * E) - slope) > 1e-3


def test_invertible_is_a_domain_not_a_structure():
    r = matdiff.derivative("log(det(X))", wrt="X", where="X: matrix(n,n) invertible")
    X = invertible(rng(43), 4)
    assert rel_error(r.lambdify()(X=X), np.linalg.inv(X).T) < 1e-12
