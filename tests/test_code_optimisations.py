"""Optimisations of generated code keep the results: each is compared with the
tree interpreter (or a plain NumPy formula) at distinct sizes."""
from __future__ import annotations

import numpy as np
import pytest

import matdiff
from helpers import rel_error, rng, spd
from matdiff.evaluate import Interpreter, bind


def _interpreted(r, values):
    arrays, sizes = bind(r.symbols, values)
    return Interpreter(arrays, sizes)(r.value)


def test_chains_multiply_in_the_cheapest_order():
    r = matdiff.derivative("x'*A*B*C*y", wrt="x")
    assert "A @ (B @ (C @ y))" in r.code()  # three matrix-vector products, no matrix-matrix product
    g = rng(1)
    values = {"x": g.standard_normal(3), "A": g.standard_normal((3, 4)), "B": g.standard_normal((4, 5)),
              "C": g.standard_normal((5, 6)), "y": g.standard_normal(6)}
    assert rel_error(r.lambdify()(**values), (values["A"] @ values["B"] @ values["C"] @ values["y"])) < 1e-12
    left = matdiff.derivative("y'*A*B*C*x", wrt="C")  # ((Bᵀ Aᵀ y) xᵀ): vectors first, one outer product
    assert "(B.T @ (A.T @ y)) * x.T" in left.code()  # the outer product by broadcasting


def test_diagonal_factors_become_broadcasts():
    h = matdiff.hessian("sum(log(vector(1) + exp(-t .* (Z*x))))", wrt="x")
    code = h.code()
    assert "np.diag(" not in code.split("def hessian_x")[1]
    g = rng(2)
    values = {"t": np.sign(g.standard_normal(5)), "Z": g.standard_normal((5, 3)), "x": g.standard_normal(3)}
    assert rel_error(h.lambdify()(**values), _interpreted(h, values)) < 1e-12
    r = matdiff.derivative("diag(v)*A*diag(w)", wrt="A")  # Jacobian diag(w) ⊗ diag(v), by broadcasts too
    values = {"v": g.standard_normal(3), "A": g.standard_normal((3, 4)), "w": g.standard_normal(4)}
    assert rel_error(r.lambdify()(**values), np.kron(np.diag(values["w"]), np.diag(values["v"]))) < 1e-12


def test_inverse_of_an_spd_matrix_goes_through_cholesky():
    r = matdiff.derivative("log(det(X)) + tr(inv(X)*A)", wrt="X", where="X: spd")
    assert "spd_inverse(X)" in r.code()
    g = rng(3)
    values = {"X": spd(g, 4), "A": g.standard_normal((4, 4))}
    assert rel_error(r.lambdify()(**values), _interpreted(r, values)) < 1e-10
    with pytest.raises(matdiff.EvaluationError, match="not positive definite"):
        r.lambdify()(X=-np.eye(4), A=values["A"])


def test_the_fast_argument_path_keeps_the_api_messages():
    f = matdiff.derivative("x'*A*x", wrt="x").lambdify()
    with pytest.raises(matdiff.EvaluationError, match="missing value for A"):
        f(x=np.ones(3))
    with pytest.raises(matdiff.EvaluationError, match="unknown argument B"):
        f(x=np.ones(3), A=np.eye(3), B=np.eye(3))
    with pytest.raises(matdiff.EvaluationError, match="size m is 4 from x but 3 from A"):
        f(x=np.ones(4), A=np.eye(3))
    assert f(x=[1.0, 2.0], A=[[1.0, 0.0], [0.0, 1.0]]).tolist() == [2.0, 4.0]


def test_congruence_with_a_nonnegative_diagonal_is_a_gram_matrix():
    h = matdiff.hessian("sum(log(vector(1) + exp(-t .* (Z*x))))", wrt="x")
    assert "weighted_gram(Z, " in h.code()
    g = rng(4)
    values = {"t": np.sign(g.standard_normal(6)), "Z": g.standard_normal((6, 4)), "x": g.standard_normal(4)}
    H = h.lambdify()(**values)
    assert rel_error(H, _interpreted(h, values)) < 1e-12 and np.array_equal(H, H.T)
    # weights of unknown sign keep the general product
    signed = matdiff.hessian("sum(sin(Z*x))", wrt="x")
    assert "weighted_gram" not in signed.code()
    values = {"Z": g.standard_normal((6, 4)), "x": g.standard_normal(4)}
    assert rel_error(signed.lambdify()(**values), _interpreted(signed, values)) < 1e-12


def test_trace_of_a_power_is_differentiated_cyclically():
    """d tr(Bᵏ) = k tr(Bᵏ⁻¹ dB): the k terms of d(Bᵏ) are never written out."""
    r = matdiff.derivative("tr((A*X)^3)", wrt="X")
    assert r.differential == "3 tr((A X)² A dX)"
    g = rng(5)
    A, X = g.standard_normal((3, 4)), g.standard_normal((4, 3))
    M = A @ X
    assert rel_error(r.lambdify()(A=A, X=X), 3 * (M @ M @ A).T) < 1e-12
    assert r.check().ok
