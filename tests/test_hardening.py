"""Regression tests for what an attacker's pass over matdiff found: generated
code that returned wrong numbers, overflow, check() passing wrong results,
arguments accepted that should not be, runaway inputs and command-line
crashes. Each test is named after what it protects; expected values are plain
NumPy formulas."""
from __future__ import annotations

import numpy as np
import pytest

import matdiff
from helpers import rel_error, rng
from matdiff.evaluate import evaluate


# -- matrix functions of a scalar are the scalar functions ------------------------------
def test_sqrtm_of_a_scalar_in_generated_code_is_the_square_root():
    """SciPy's sqrtm(2.0) of a 0-d value once gave e², so ∇ sqrtm(2) xᵀx was 7.4 x."""
    r = matdiff.derivative("sqrtm(2)*x'*x", wrt="x")
    assert rel_error(r.lambdify()(x=[1.0, 2.0]), 2 * np.sqrt(2) * np.array([1.0, 2.0])) < 1e-15


@pytest.mark.parametrize("text,want", [
    ("sqrtm(tr(X))", lambda X: 0.5 / np.sqrt(np.trace(X)) * np.eye(3)),
    ("sqrtm(norm2(X))", lambda X: 0.5 * np.linalg.norm(X) ** -1.5 * X),
    ("sqrtm(det(X))", lambda X: 0.5 * np.sqrt(np.linalg.det(X)) * np.linalg.inv(X).T),
    ("sqrtm(sum(X))", lambda X: 0.5 / np.sqrt(X.sum()) * np.ones((3, 3))),
    ("det(2)*tr(X)", lambda X: 2 * np.eye(3)), ("adj(2)*tr(X)", lambda X: np.eye(3)),
    ("logdet(2)*tr(X)", lambda X: np.log(2) * np.eye(3)), ("eigvals(2)*tr(X)", lambda X: 2 * np.eye(3)),
    ("logm(2)*tr(X)", lambda X: np.log(2) * np.eye(3)), ("det(tr(X))", lambda X: np.eye(3)),
    ("expm(tr(X))", lambda X: np.exp(np.trace(X)) * np.eye(3)),
])
def test_matrix_functions_of_scalars_evaluate_in_generated_code(text, want):
    r = matdiff.derivative(text, wrt="X", where="X: matrix(3,3)")
    X = np.eye(3) + 0.1 * rng(0).standard_normal((3, 3))
    assert rel_error(r.lambdify()(X=X), want(X)) < 1e-12
    assert r.check().ok


# -- log-determinants from factors -------------------------------------------------------
def test_generated_log_determinant_does_not_underflow():
    """log(det(0.1 I₄₀₀)) = log(1e-400): np.log(np.linalg.det) once gave -inf and a zero gradient."""
    X = 0.1 * np.eye(400)
    r = matdiff.derivative("exp(logdet(X)/400)", wrt="X")
    assert rel_error(r.lambdify()(X=X), 0.1 / 400 * np.linalg.inv(X)) < 1e-12
    for scale in (0.1, 10.0):
        g = matdiff.derivative("logdet(X)^2", wrt="X").lambdify()(X=scale * np.eye(400))
        assert rel_error(g, 2 * 400 * np.log(scale) / scale * np.eye(400)) < 1e-12


def test_log_determinant_of_an_spd_matrix_uses_its_cholesky_factor():
    r = matdiff.derivative("logdet(S)^2", wrt="S", where="S: spd")
    assert "_logdet_spd(S)" in r.code()
    assert rel_error(r.lambdify()(S=0.1 * np.eye(50)), 2 * 50 * np.log(0.1) * 10 * np.eye(50)) < 1e-12


# -- no overflow where the value is finite -----------------------------------------------
BIG = np.array([1000.0, 999.0, 998.0])


def _softmax(u):
    e = np.exp(u - u.max())
    return e / e.sum()


@pytest.mark.parametrize("text,wrt,values,gradient,value", [
    ("log(sum(exp(x)))", "x", {"x": BIG}, lambda v: _softmax(v["x"]), 1000 + np.log(np.exp(-np.arange(3.0)).sum())),
    ("log(exp(a)+exp(b))", "a", {"a": 1000.0, "b": 999.0}, lambda v: 1 / (1 + np.exp(-1.0)),
     1000 + np.log1p(np.exp(-1.0))),
    ("sum(log(vector(2)+exp(A*x)))", "x", {"A": np.eye(3), "x": BIG}, lambda v: np.ones(3), BIG.sum() +
     np.sum(np.log1p(2 * np.exp(-BIG)))),
    ("exp(a)/(exp(a)+exp(b))", "a", {"a": 1000.0, "b": 999.0},
     lambda v: np.exp(-1.0) / (1 + np.exp(-1.0)) ** 2, 1 / (1 + np.exp(-1.0))),
    ("norm2(x)", "x", {"x": np.full(3, 1e200)}, lambda v: np.full(3, 3 ** -0.5), np.sqrt(3) * 1e200),
    ("sum(sqrt(x.*x+vector(1)))", "x", {"x": np.full(3, 1e200)}, lambda v: np.ones(3), 3e200),
    ("log(sum(exp(x)))", "x", {"x": -BIG}, lambda v: _softmax(-BIG), -998 + np.log(np.exp(-np.arange(3.0)).sum())),
])
def test_typed_log_sum_exp_forms_evaluate_without_overflow(text, wrt, values, gradient, value):
    r = matdiff.derivative(text, wrt=wrt)
    assert rel_error(r.lambdify()(**values), gradient(values)) < 1e-12
    assert abs(evaluate(r.function_tree, values)[0, 0] / value - 1) < 1e-12


def test_softmax_typed_by_hand_has_the_textbook_jacobian():
    r = matdiff.derivative("exp(x)/sum(exp(x))", wrt="x")
    assert str(r) == "diag(softmax(x)) - softmax(x) softmax(x)ᵀ"
    s = _softmax(BIG)
    assert rel_error(r.lambdify()(x=BIG), np.diag(s) - np.outer(s, s)) < 1e-12


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # inf · 0 in the generated code, as in NumPy
def test_coefficients_beyond_double_range_give_code_not_overflow_errors():
    """1e300*1e300*a² once raised OverflowError from .code(), lambdify, --json and --check."""
    from matdiff.cli import main
    r = matdiff.derivative("1e300*1e300*a^2", wrt="a")
    assert str(r) == "2e+600 a" and "np.inf" in r.code()
    assert r.lambdify()(a=1.0) == np.inf and r.lambdify()(a=0.0) != r.lambdify()(a=0.0)  # inf·0 is nan
    assert r.to_json() and not r.check().ok
    for flag in ("--json", "--code", "--check"):
        assert main(["1e300*1e300*a^2", "--wrt", "a", flag]) in (0, 1)
