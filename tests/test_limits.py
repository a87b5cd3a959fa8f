"""Termination and size: pathological inputs are answered (and answered
correctly), never stuck. Times are measured in benchmarks/, not asserted here."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import matdiff
from expressions import Generator, RandomChooser
from helpers import numeric_gradient, rel_error, rng
from properties import oracle_gradient
from matdiff.simplify.engine import STEP_CAP, RewriteLimitError


def test_deep_parentheses_are_answered():
    text = "(" * 500 + "x'*A*x" + ")" * 500
    assert str(matdiff.derivative(text, wrt="x")) == "(A + Aᵀ) x"


def test_deep_function_nesting_is_refused_cleanly():
    text = "sin(" * 300 + "a" + ")" * 300
    with pytest.raises(matdiff.ParseError, match="nested more than 200 levels"):
        matdiff.derivative(text, wrt="a")


def test_sum_of_three_hundred_terms_collects():
    text = " + ".join(f"{k}*x'*x" for k in range(1, 301))
    r = matdiff.derivative(text, wrt="x")
    assert str(r) == f"{2 * sum(range(1, 301))} x"


def test_matrix_power_sixty_four():
    r = matdiff.derivative("tr(X^64)", wrt="X")
    assert str(r) == "64 (Xᵀ)⁶³"
    g = rng(1)
    X = 0.3 * g.standard_normal((4, 4))
    assert rel_error(r.lambdify()(X=X), 64 * np.linalg.matrix_power(X, 63).T) < 1e-10


def test_forty_factor_trace_product():
    factors = "*".join(f"A{k}*X" for k in range(20))
    r = matdiff.derivative(f"tr({factors})", wrt="X", where="X: matrix(n,n)")
    g = rng(2)
    values = {f"A{k}": np.eye(3) + 0.2 * g.standard_normal((3, 3)) for k in range(20)}
    values["X"] = np.eye(3) + 0.2 * g.standard_normal((3, 3))

    def f(X):
        out = np.eye(3)
        for k in range(20):
            out = out @ values[f"A{k}"] @ X
        return np.trace(out)

    assert rel_error(r.lambdify()(**values), numeric_gradient(f, values["X"])) < 1e-6


def _large_sample(min_operators: int):
    for seed in range(10_000):
        sample = Generator(RandomChooser(seed), size=12, oracle_only=True, leaf_chance=0.05).scalar_expression()
        if sample.expr.operators() >= min_operators:
            return seed, sample
    raise AssertionError("the generator made no expression that large")


def test_three_hundred_operator_expression_derives_and_matches_the_oracle():
    seed, sample = _large_sample(300)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            assert oracle_gradient(sample, seed) is None
        except Exception as e:  # Skip (values out of range) is fine; a derivation error is not
            assert type(e).__name__ == "Skip", e


def test_the_step_cap_is_a_bug_when_hit():
    assert issubclass(RewriteLimitError, AssertionError) and STEP_CAP >= 100_000
