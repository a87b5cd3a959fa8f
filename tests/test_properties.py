"""Property tests: random strings and token soups never raise anything but a
MatdiffError; random well-typed expressions round-trip through the printer and
their gradients match central differences."""
from __future__ import annotations

import warnings

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import matdiff
from matdiff.evaluate import Interpreter, bind
from matdiff.nodes import symbols_of
from matdiff.printing.text import to_input

TOKENS = ["A", "B", "X", "x", "y", "a", "c", "2", "0.5", "1e-3", "+", "-", "*", "/", ".*", "./", "^", ".^", "'",
          "ᵀ", "⁻¹", "²", "∘", "⊗", "(", ")", ",", "tr(", "det(", "inv(", "log(", "exp(", "sum(", "norm2(",
          "kron(", "diag(", "vec(", "vector(", "matrix(", "I", " ", "where", ":", "matrix(3,3)", "vector(n)",
          "symmetric", "T", "logdett(", "☃"]

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _parse_or_matdiff_error(text: str) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", matdiff.MatdiffWarning)  # notes on names like AX are fine here
            matdiff.parse(text)
    except matdiff.MatdiffError:
        pass


@SETTINGS
@given(st.text(max_size=40))
def test_random_strings_raise_only_matdiff_errors(text):
    _parse_or_matdiff_error(text)


@SETTINGS
@given(st.lists(st.sampled_from(TOKENS), max_size=25))
def test_random_token_sequences_raise_only_matdiff_errors(tokens):
    _parse_or_matdiff_error("".join(tokens))


# Well-typed expressions over scalar a, vectors x, y (size n) and matrices A, B (n×n).
def _scalar(depth: int) -> st.SearchStrategy[str]:
    leaves = st.sampled_from(["a", "2", "0.5", "x'*y", "tr(A)", "sum(x)"])
    if depth == 0:
        return leaves
    sub = _scalar(depth - 1)
    vec = _vector(depth - 1)
    mat = _matrix(depth - 1)
    return st.one_of(
        leaves,
        st.tuples(sub, st.sampled_from(["+", "-", "*"]), sub).map(lambda t: f"(({t[0]}) {t[1]} ({t[2]}))"),
        st.tuples(vec, vec).map(lambda t: f"({t[0]})'*({t[1]})"),
        mat.map(lambda m: f"tr({m})"),
        vec.map(lambda v: f"sum(sin({v}))"),
        vec.map(lambda v: f"norm2({v})^2"),
        mat.map(lambda m: f"sum(exp({m}) .* A)"),
    )


def _vector(depth: int) -> st.SearchStrategy[str]:
    leaves = st.sampled_from(["x", "y"])
    if depth == 0:
        return leaves
    sub = _vector(depth - 1)
    mat = _matrix(depth - 1)
    sca = _scalar(depth - 1)
    return st.one_of(
        leaves,
        st.tuples(mat, sub).map(lambda t: f"({t[0]})*({t[1]})"),
        st.tuples(sub, st.sampled_from(["+", "-", ".*"]), sub).map(lambda t: f"(({t[0]}) {t[1]} ({t[2]}))"),
        st.tuples(sca, sub).map(lambda t: f"({t[0]})*({t[1]})"),
        sub.map(lambda v: f"tanh({v})"),
    )


def _matrix(depth: int) -> st.SearchStrategy[str]:
    leaves = st.sampled_from(["A", "B", "X", "I"])
    if depth == 0:
        return leaves
    sub = _matrix(depth - 1)
    return st.one_of(
        leaves,
        st.tuples(sub, st.sampled_from(["+", "-", "*", ".*"]), sub).map(lambda t: f"(({t[0]}) {t[1]} ({t[2]}))"),
        sub.map(lambda m: f"({m})'"),
        sub.map(lambda m: f"({m})^2"),
        st.tuples(_vector(0), _vector(0)).map(lambda t: f"{t[0]}*{t[1]}'"),
    )


EXPRESSIONS = _scalar(3)


@SETTINGS
@given(EXPRESSIONS)
def test_printed_input_form_round_trips(text):
    expr = matdiff.parse(text)
    assert matdiff.parse(to_input(expr)) == expr


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(EXPRESSIONS, st.sampled_from(["X", "A", "x"]), st.integers(0, 2**16))
def test_gradient_matches_central_differences(text, wrt, seed):
    expr = matdiff.parse(text)
    if wrt not in {s.name for s in symbols_of(expr)}:
        return
    r = matdiff.derivative(text, wrt=wrt)
    g = np.random.default_rng(seed)
    n = 3
    values = {s.name: g.standard_normal() if s.is_scalar else g.standard_normal((n, 1) if s.shape[1].is_one else (n, n))
              for s in symbols_of(expr)}
    arrays, sizes = bind(symbols_of(expr), values)
    G = Interpreter(arrays, sizes)(r.value)
    E = g.standard_normal(arrays[wrt].shape)
    h = 1e-6

    def f(X):
        a2, s2 = bind(symbols_of(expr), {**values, wrt: X})
        return float(Interpreter(a2, s2)(expr)[0, 0])
    numeric = (f(arrays[wrt] + h * E) - f(arrays[wrt] - h * E)) / (2 * h)
    analytic = float(np.sum(G * E))
    assert abs(numeric - analytic) <= 1e-5 * max(1.0, abs(numeric), abs(analytic))
    # the generated code agrees with the interpreter
    got = np.asarray(r.lambdify()(**values), dtype=float).reshape(G.shape)
    assert np.allclose(got, G, rtol=1e-10, atol=1e-10)
