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


# Runaway inputs: each is answered in seconds or refused with a clear error
# (their times are in benchmarks/, never asserted here).
def _nested_squares(levels: int) -> str:
    text = "X"
    for _ in range(levels):
        text = f"({text})^2"
    return f"tr({text})"


def test_composed_matrix_powers_are_bounded_like_one_power():
    """(X^1024)^1024 and ((X²)²)… 16 levels deep once merged past the cap and hung."""
    for text in ("tr((X^1024)^1024)", _nested_squares(11), _nested_squares(16), "tr(((X^40)')^40)"):
        with pytest.raises(matdiff.ParseError, match="compose to a power of"):
            matdiff.derivative(text, wrt="X")
    assert str(matdiff.derivative(_nested_squares(10), wrt="X")) == "1024 (Xᵀ)¹⁰²³"


def _nested_sums(levels: int) -> str:
    text = "X"
    for _ in range(levels):
        text = f"(X+{text})^2"
    return f"tr({text})"


def test_derivatives_that_grow_with_each_level_are_refused_past_a_size():
    """tr((X + (X + …)²)²) doubles its derivative at each level (once 4.4 s at 10 levels, hung at 12)."""
    r = matdiff.derivative(_nested_sums(6), wrt="X")
    g = rng(3)
    X = 0.1 * g.standard_normal((3, 3))

    def f(X):
        Y = X
        for _ in range(6):
            Y = (X + Y) @ (X + Y)
        return np.trace(Y)
    assert rel_error(r.lambdify()(X=X), numeric_gradient(f, X)) < 1e-6
    with pytest.raises(matdiff.DerivativeError, match="written out, has .* nodes; matdiff refuses results beyond"):
        matdiff.derivative(_nested_sums(12), wrt="X")


@pytest.mark.parametrize("text,wrt", [
    ("tr(A*X^200)", "X"),                     # once 24.6 s
    ("x'*X^-500*x", "X"),                     # once hung
    ("sin(" * 100 + "x'*x" + ")" * 100, "x"),   # once hung (6 s at 50 levels)
])
def test_hessians_too_large_to_write_out_are_refused(text, wrt):
    with pytest.raises(matdiff.DerivativeError, match="the differential of the gradient, written out"):
        matdiff.hessian(text, wrt=wrt)


def test_hessian_of_a_sixty_factor_trace_is_answered():
    """Once it hung; the Hessian operator is checked against differences of the gradient."""
    factors = "*".join(f"A{k}*X" for k in range(30))
    h = matdiff.hessian(f"tr({factors})", wrt="X", where="X: matrix(n,n)")
    assert h.check(trials=1).ok


@pytest.mark.parametrize("text", [
    " + ".join(["x'*x"] * 20_000),                                   # once 11 s
    "x'*x + " * 150_000 + "x'*x",                                     # 1 MB
    "norm2(" + " + ".join(f"kron(A{k}, X)" for k in range(5000)) + ")",
])
def test_inputs_beyond_the_length_limit_are_refused(text):
    with pytest.raises(matdiff.ParseError, match="characters: matdiff reads at most 50,000"):
        matdiff.derivative(text, wrt="x")


def test_a_norm_of_a_thousand_kronecker_products_is_refused_by_size():
    text = "norm2(" + " + ".join(f"kron(A{k}, X)" for k in range(1000)) + ")"
    with pytest.raises(matdiff.DerivativeError, match="written out"):
        matdiff.derivative(text, wrt="X")


def test_numbers_and_sizes_with_thousands_of_digits_are_refused():
    """Python's int-string limit (4,300 digits) once escaped as a ValueError with a traceback."""
    with pytest.raises(matdiff.ParseError, match="numbers of at most 400"):
        matdiff.parse("1" * 5000)
    with pytest.raises(matdiff.DeclarationError, match="at most 12 digits"):
        matdiff.parse("x where x: vector(" + "9" * 5000 + ")")


def test_a_hundred_kilobyte_command_line_argument_is_refused(capsys):
    from matdiff.cli import main
    assert main([" + ".join(["x'*x"] * 15_000), "--wrt", "x"]) == 1
    assert "matdiff reads at most 50,000" in capsys.readouterr().err


def test_code_generation_of_a_long_trace_product_is_answered():
    """.code() of the 60-factor trace gradient once took over 30 s (the chain order search)."""
    factors = "*".join(f"A{k}*X" for k in range(30))
    r = matdiff.derivative(f"tr({factors})", wrt="X", where="X: matrix(n,n)")
    assert r.code().count("@") >= 30 * 58
