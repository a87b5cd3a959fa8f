"""Matrix functions (expm, logm, sqrtm) and eigenvalues of symmetric matrices.

Every derivative is compared two ways, both independent of matdiff's own
evaluation: against directional derivatives from the block formula of Mathias
applied to the function written in NumPy (f evaluated at [[X, E], [0, X]],
every constant at [[C, 0], [0, C]]: the top-right block is the derivative of f
along E), and against central differences. The Fréchet derivatives themselves
are compared with SciPy's expm_frechet, a Sylvester solve for sqrtm and
divided differences for logm.
"""
from __future__ import annotations

import numpy as np
import pytest
from scipy import linalg

import matdiff
from helpers import numeric_gradient, numeric_jacobian, rel_error, rng, spd, vec


def near_identity(g, n):
    """A nonsymmetric matrix with eigenvalues near 1, inside every principal branch."""
    return np.eye(n) + 0.25 * g.standard_normal((n, n))


def lifted(M):
    """C ↦ [[C, 0], [0, C]]: how constants enter the block formula."""
    return np.kron(np.eye(2), M)


def tangent(F_of_block, X, E):
    """The derivative of a matrix-valued F at X along E: the top-right block of
    F([[X, E], [0, X]]) (valid for F built from products, sums, inverses and
    analytic matrix functions of X)."""
    B = np.block([[X, E], [np.zeros_like(X), X]])
    out = F_of_block(B)
    return out[: out.shape[0] // 2, out.shape[1] // 2:]


# (expression, where, F(X, C) as a NumPy matrix function usable on blocks, draw of X)
# The scalar f is tr(F) below, so that the block formula gives df exactly.
GRADIENTS = [
    ("tr(expm(X))", lambda X, C: linalg.expm(X), "normal"),
    ("tr(A*expm(X))", lambda X, C: C["A"] @ linalg.expm(X), "normal"),
    ("tr(B*expm(X)*D)", lambda X, C: C["B"] @ linalg.expm(X) @ C["D"], "normal"),
    ("tr(A*logm(X))", lambda X, C: C["A"] @ linalg.logm(X), "near_identity"),
    ("tr(A*sqrtm(X))", lambda X, C: C["A"] @ linalg.sqrtm(X), "near_identity"),
    ("tr(expm(X)*A*expm(X))", lambda X, C: linalg.expm(X) @ C["A"] @ linalg.expm(X), "normal"),
    ("tr(B*sqrtm(X)*X*D)", lambda X, C: C["B"] @ linalg.sqrtm(X) @ X @ C["D"], "near_identity"),
    ("tr(logm(X)*inv(X))", lambda X, C: linalg.logm(X) @ np.linalg.inv(X), "near_identity"),
    ("tr(expm(A*X))", lambda X, C: linalg.expm(C["A"] @ X), "normal"),
    ("tr(A*expm(X'))", lambda X, C: C["A"] @ linalg.expm(X.T), "normal"),
]


def _draw(g, how, n=4):
    return near_identity(g, n) if how == "near_identity" else 0.5 * g.standard_normal((n, n))


def _constants(g):
    return {"A": g.standard_normal((4, 4)), "B": g.standard_normal((3, 4)), "D": g.standard_normal((4, 3))}


def _block_trace(F, X, E, C):
    """tr of the top-right block: df along E by the block formula."""
    lifted_C = {k: lifted(v) for k, v in C.items()}
    return float(np.real(np.trace(tangent(lambda M: F(M, lifted_C), X, E))))


@pytest.mark.parametrize("text,F,how", GRADIENTS, ids=[c[0] for c in GRADIENTS])
def test_matrix_function_gradient_against_block_formula_and_differences(text, F, how):
    r = matdiff.derivative(text, wrt="X")
    g = rng(21)
    X, C = _draw(g, how), _constants(g)
    values = {s.name: (X if s.name == "X" else C[s.name]) for s in r.symbols}
    G = r.lambdify()(**values)
    for _ in range(3):
        E = g.standard_normal((4, 4))
        if "X'" in text:  # the block formula needs X itself in the block: use f(X) = tr(A expm(Y)), Y = Xᵀ
            exact = float(np.trace(C["A"] @ linalg.expm_frechet(X.T, E.T, compute_expm=False)))
        else:
            exact = _block_trace(F, X, E, C)
        assert abs(np.sum(G * E) - exact) < 1e-9 * max(1.0, abs(exact))

    def f(V):
        return float(np.real(np.trace(F(V, C))))

    assert rel_error(G, numeric_gradient(f, X)) < 1e-6
    assert r.check().ok


JACOBIANS = [
    ("expm(X)", linalg.expm, "normal"),
    ("logm(X)", linalg.logm, "near_identity"),
    ("sqrtm(X)", linalg.sqrtm, "near_identity"),
]


@pytest.mark.parametrize("text,f,how", JACOBIANS, ids=[c[0] for c in JACOBIANS])
def test_matrix_function_jacobian_is_the_kronecker_form(text, f, how):
    r = matdiff.derivative(text, wrt="X")
    assert r.kind == "jacobian"
    g = rng(22)
    X = _draw(g, how)
    J = r.lambdify()(X=X)
    assert J.shape == (16, 16)
    E = g.standard_normal((4, 4))
    assert rel_error(J @ vec(E), vec(np.real(tangent(f, X, E)))) < 1e-9
    assert rel_error(J, numeric_jacobian(lambda V: np.real(f(V)), X)) < 1e-6
    assert r.check().ok


def test_frechet_derivatives_agree_with_independent_algorithms():
    g = rng(23)
    X, E = near_identity(g, 5), g.standard_normal((5, 5))
    values = {"X": X, "dX": E}
    L_exp = matdiff.hessian("tr(expm(X))", wrt="X")  # its operator is frechet_expm(X, dX)ᵀ
    assert rel_error(L_exp.lambdify("operator")(**values).T,
                     linalg.expm_frechet(X, E, compute_expm=False)) < 1e-10
    # sqrtm: S L + L S = E with S = sqrtm(X)
    L_sqrt = matdiff.derivative("sqrtm(X)", wrt="X").lambdify()(X=X) @ vec(E)
    S = linalg.sqrtm(X).real
    assert rel_error(L_sqrt, vec(linalg.solve_sylvester(S, S, E))) < 1e-9
    # logm of a symmetric positive X: divided differences in the eigenbasis
    P = spd(g, 5)
    w, V = np.linalg.eigh(P)
    lam_i, lam_j = np.meshgrid(w, w, indexing="ij")
    with np.errstate(divide="ignore", invalid="ignore"):
        dd = np.where(np.isclose(lam_i, lam_j), 1 / lam_i, (np.log(lam_i) - np.log(lam_j)) / (lam_i - lam_j))
    want = V @ (dd * (V.T @ E @ V)) @ V.T
    L_log = matdiff.derivative("logm(X)", wrt="X").lambdify()(X=P) @ vec(E)
    assert rel_error(L_log, vec(want)) < 1e-9


def test_printed_forms_of_matrix_function_derivatives():
    assert str(matdiff.derivative("tr(expm(X))", wrt="X")) == "expm(X)ᵀ"
    assert str(matdiff.derivative("tr(logm(X))", wrt="X")) == "X⁻ᵀ"
    assert str(matdiff.derivative("tr(sqrtm(X))", wrt="X")) == "0.5 sqrtm(X)⁻ᵀ"
    r = matdiff.derivative("tr(A*expm(X))", wrt="X")
    assert r.differential == "tr(A frechet_expm(X, dX))"
    assert str(r) == "frechet_expm(Xᵀ, Aᵀ)"
    assert r"L_{\exp}" in r.latex()
    assert str(matdiff.derivative("det(expm(X))", wrt="X")) == "det(expm(X)) I"  # det e^X = e^{tr X}
    assert str(matdiff.derivative("expm(X)", wrt="X")) == "kron_form_expm(X)"


def test_second_derivatives_of_matrix_functions():
    """The Hessian of tr(A expm(X)) uses the second Fréchet derivative (3×3 block formula)."""
    h = matdiff.hessian("tr(A*expm(X))", wrt="X")
    g = rng(24)
    A, X = g.standard_normal((3, 3)), 0.5 * g.standard_normal((3, 3))
    H = h.lambdify()(A=A, X=X)
    from test_hessians import numeric_hessian
    want = numeric_hessian(lambda V: np.trace(A @ linalg.expm(V)), X)
    assert rel_error(H, want) < 1e-5
    assert h.check().ok


def test_logm_outside_its_real_domain_is_refused():
    r = matdiff.derivative("tr(logm(X))", wrt="X")
    X = -np.eye(3) + 0.01 * np.arange(9).reshape(3, 3)
    with pytest.raises(matdiff.EvaluationError):
        matdiff.derivative("tr(A*logm(X))", wrt="X").lambdify()(A=np.eye(3), X=X)
    assert r.check().ok  # check() draws X where logm is real


# -- eigenvalues ------------------------------------------------------------------
def sym(g, n):
    M = g.standard_normal((n, n))
    return (M + M.T) / 2


EIGEN = [
    # (expression, gradient as a function of S and the others)
    ("sum(eigvals(S))", lambda S, c: np.eye(len(S))),
    ("eigvals(S)'*eigvals(S)", lambda S, c: 2 * S),
    ("c'*eigvals(S)", lambda S, c: np.linalg.eigh(S)[1] @ np.diag(c) @ np.linalg.eigh(S)[1].T),
    ("sum(exp(eigvals(S)))", lambda S, c: linalg.expm(S)),
    ("norm2(eigvals(S))", lambda S, c: S / np.linalg.norm(S)),
    ("sum(eigvals(S) .^ 3)", lambda S, c: 3 * S @ S),
]


@pytest.mark.parametrize("text,want", EIGEN, ids=[e[0] for e in EIGEN])
def test_gradients_of_functions_of_eigenvalues(text, want):
    r = matdiff.derivative(text, wrt="S", where="S: matrix(n,n) symmetric, c: vector(n)")
    g = rng(31)
    S, c = sym(g, 5), g.standard_normal(5)
    values = {s.name: {"S": S, "c": c}[s.name] for s in r.symbols}
    G = r.lambdify()(**values)
    assert rel_error(G, want(S, c)) < 1e-9
    assert rel_error(G, G.T) < 1e-12
    assert r.check().ok


def test_eigenvalue_jacobian_rows_are_outer_products_of_eigenvectors():
    r = matdiff.derivative("eigvals(S)", wrt="S", where="S: matrix(n,n) symmetric")
    g = rng(32)
    S = sym(g, 4)
    J = r.lambdify()(S=S)
    V = np.linalg.eigh(S)[1]
    assert rel_error(J, np.array([vec(np.outer(v, v)) for v in V.T])) < 1e-10
    E = sym(g, 4)
    h = 1e-6
    numeric = (np.linalg.eigvalsh(S + h * E) - np.linalg.eigvalsh(S - h * E)) / (2 * h)
    assert rel_error(J @ vec(E), numeric) < 1e-6


def test_eigenvalues_of_a_product_through_the_chain_rule():
    r = matdiff.derivative("sum(eigvals(A'*S*A))", wrt="S", where="S: matrix(n,n) symmetric, A: matrix(n,p)")
    g = rng(33)
    S, A = sym(g, 4), g.standard_normal((4, 3))
    assert rel_error(r.lambdify()(S=S, A=A), (A @ A.T + (A @ A.T).T) / 2) < 1e-9


def test_repeated_eigenvalue_is_reported_not_noise():
    r = matdiff.derivative("c'*eigvals(S)", wrt="S", where="S: matrix(n,n) symmetric, c: vector(n)")
    S = np.diag([1.0, 2.0, 2.0, 3.0])
    with pytest.raises(matdiff.EvaluationError) as info:
        r.lambdify()(S=S, c=np.arange(4.0))
    assert str(info.value).startswith("error: two eigenvalues are equal (numbers 2 and 3 in ascending order, "
                                      "both 2), and eigenvalues are not differentiable where they coincide")
    from matdiff.evaluate import evaluate
    with pytest.raises(matdiff.EvaluationError, match="not differentiable"):
        evaluate(r.value, {"S": S, "c": np.arange(4.0)})


def test_eigvals_of_a_matrix_not_known_to_be_symmetric_is_refused():
    with pytest.raises(matdiff.DerivativeError, match="symmetric"):
        matdiff.derivative("sum(eigvals(X))", wrt="X")
