"""Regression tests for defects found by trying matdiff as a new user would
(README verbatim, course and Cookbook derivatives, bad arguments), each named
after what it protects. Expected values are plain NumPy formulas."""
from __future__ import annotations

import numpy as np
import pytest

import matdiff
from helpers import numeric_gradient, rel_error, rng, spd


# -- generated code is right whatever the symbols are called -----------------------
def test_generated_code_divides_by_a_scalar_symbol_named_like_a_size():
    """‖Xw − y‖²/n with a scalar n: the code once overwrote n with X's column count."""
    r = matdiff.derivative("norm2(X*w - y)^2 / n", wrt="w", where="n: scalar")
    g = rng(0)
    X, w, y = g.standard_normal((100, 3)), g.standard_normal(3), g.standard_normal(100)
    assert rel_error(r.lambdify()(X=X, w=w, y=y, n=100.0), 2 * X.T @ (X @ w - y) / 100) < 1e-12


@pytest.mark.parametrize("text,wrt,where,want", [
    ("m*x'*x", "x", "m: scalar", lambda v: 2 * v["m"] * v["x"]),
    ("m*x'*x", "x", "m: scalar, x: vector(m)", lambda v: 2 * v["m"] * v["x"]),
    ("m*tr(A*X)", "X", "m: scalar", lambda v: v["m"] * v["A"].T),
    ("tr(A*n*X)", "X", "n: scalar", lambda v: v["n"] * v["A"].T),
    ("p'*A*X*B*q", "X", None, lambda v: np.outer(v["A"].T @ v["p"], v["B"] @ v["q"])),
    ("n'*A*x", "x", None, lambda v: v["A"].T @ v["n"]),
])
def test_gradient_code_with_symbols_named_like_sizes(text, wrt, where, want):
    r = matdiff.derivative(text, wrt=wrt, where=where)
    g = rng(1)
    sizes = {"p": 3, "A": (3, 4), "X": (4, 5), "B": (5, 2), "q": 2, "n": 3} if "X*B" in text else {}
    values = {}
    for s in r.symbols:
        shape = sizes.get(s.name)
        if s.is_scalar:
            values[s.name] = float(g.uniform(0.5, 2))
        elif shape is None:
            values[s.name] = g.standard_normal(3 if s.shape[1].is_one else (3, 3))
        else:
            values[s.name] = g.standard_normal(shape)
    assert rel_error(r.lambdify()(**values), want(values)) < 1e-12
    assert r.check().ok


def test_hessian_code_with_a_scalar_named_m():
    h = matdiff.hessian("m*x'*x", wrt="x", where="m: scalar")
    assert rel_error(h.lambdify()(m=0.5, x=np.ones(6)), np.eye(6)) < 1e-15


@pytest.mark.parametrize("wrt", ["S", "m"])
def test_gaussian_likelihood_with_a_mean_named_m(wrt):
    text = "0.5*logdet(S) + 0.5*(x-m)'*inv(S)*(x-m)"
    r = matdiff.derivative(text, wrt=wrt, where="S: spd")
    g = rng(2)
    S, x, m = spd(g, 4), g.standard_normal(4), g.standard_normal(4)
    Si = np.linalg.inv(S)
    r_ = x - m
    want = 0.5 * (Si - Si @ np.outer(r_, r_) @ Si) if wrt == "S" else -Si @ r_
    assert rel_error(r.lambdify()(S=S, x=x, m=m), want) < 1e-10
    assert r.check().ok


def test_an_eighteen_layer_network_whose_sizes_run_past_t1():
    """The 19th automatic size is called t1, like the code's second temporary."""
    layers = "x"
    for k in range(1, 19):
        layers = f"tanh(W{k}*{layers})"
    r = matdiff.derivative(f"sum({layers})", wrt="W1")
    g = rng(3)
    values = {"x": g.standard_normal(2)}
    widths = [2] + [2 + k % 3 for k in range(1, 19)]
    for k in range(1, 19):
        values[f"W{k}"] = g.standard_normal((widths[k], widths[k - 1]))

    def f(W1):
        h = values["x"]
        for k in range(1, 19):
            h = np.tanh((W1 if k == 1 else values[f"W{k}"]) @ h)
        return h.sum()
    assert rel_error(r.lambdify()(**values), numeric_gradient(f, values["W1"])) < 1e-6


def test_generated_code_with_a_symbol_named_np():
    r = matdiff.derivative("sum(exp(np .* x))", wrt="x", where="np: vector(n)")
    g = rng(4)
    v, x = g.standard_normal(3), g.standard_normal(3)
    assert rel_error(r.lambdify()(np=v, x=x), v * np.exp(v * x)) < 1e-14
    assert "np_1 = np" in r.code()


def test_a_symbol_named_like_a_python_keyword_is_an_argument():
    r = matdiff.derivative("lambda'*x", wrt="x")
    f = r.lambdify()
    assert f(**{"lambda": [1.0, 2.0], "x": [0.0, 0.0]}).tolist() == [1.0, 2.0]
    assert "def gradient_x(lambda_, x):" in r.code()
