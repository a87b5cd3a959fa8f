"""The functions of SPEC §6 beyond their rows in the derivative table: the
factorization functions against autograd, stable numerics at ±1000, the
values where a derivative does not exist, second derivatives, the errors,
generated code that solves instead of inverting, and broadcasting."""
from __future__ import annotations

import numpy as np
import pytest

import matdiff
from helpers import invertible, rel_error, spd
from matdiff.evaluate import evaluate
from matdiff.printing.text import to_input

autograd = pytest.importorskip("autograd")
anp = pytest.importorskip("autograd.numpy")


def _symmetric(g: np.random.Generator, n: int) -> np.ndarray:
    G = g.standard_normal((n, n))
    return (G + G.T) / 2


# -- against autograd, which implements these factorizations ------------------------
# text, wrt, where, the same f in autograd.numpy, how to draw the variable, other symbols
AUTOGRAD = [
    ("sum(chol(S) .* B)", "S", "S: matrix(n,n) spd, B: matrix(n,n)",
     lambda S, B: anp.sum(anp.linalg.cholesky(S) * B), "spd", {"B": (4, 4)}),
    ("sum(log(diag(chol(S))))", "S", "S: matrix(n,n) spd",
     lambda S: anp.sum(anp.log(anp.diag(anp.linalg.cholesky(S)))), "spd", {}),
    ("svdvals(X)'*y", "X", "X: matrix(5,3), y: vector(3)",
     lambda X, y: anp.dot(anp.linalg.svd(X, full_matrices=False, compute_uv=False), y), "normal53", {"y": (3,)}),
    ("nucnorm(X)", "X", "X: matrix(4,3)",
     lambda X: anp.sum(anp.linalg.svd(X, full_matrices=False, compute_uv=False)), "normal43", {}),
    ("nucnorm(A*X)", "X", "A: matrix(5,4), X: matrix(4,3)",
     lambda A, X: anp.sum(anp.linalg.svd(anp.dot(A, X), full_matrices=False, compute_uv=False)), "normal43",
     {"A": (5, 4)}),
    ("opnorm(X)", "X", "X: matrix(3,5)",
     lambda X: anp.linalg.svd(X, full_matrices=False, compute_uv=False)[0], "normal35", {}),
    ("eigmax(S)", "S", "S: matrix(n,n) symmetric", lambda S: anp.linalg.eigh(S)[0][-1], "symmetric", {}),
    ("eigmin(A'*A + S)", "A", "A: matrix(5,4), S: matrix(4,4) symmetric",
     lambda A, S: anp.linalg.eigh(anp.dot(A.T, A) + S)[0][0], "normal54", {"S": "symmetric"}),
]


def _draw(g: np.random.Generator, how, shape=None):
    if how == "spd":
        return spd(g, 4)
    if how == "symmetric":
        return _symmetric(g, 4)
    if isinstance(how, tuple):
        return g.standard_normal(how)
    r, c = int(how[-2]), int(how[-1])
    return g.standard_normal((r, c))


@pytest.mark.parametrize("text,wrt,where,f,how,others", AUTOGRAD, ids=[a[0] for a in AUTOGRAD])
def test_factorization_gradients_equal_autograds(text, wrt, where, f, how, others):
    """Directional derivatives along directions in the variable's set (for a
    symmetric variable both sides agree only there)."""
    r = matdiff.derivative(text, wrt=wrt, where=where)
    grad = r.lambdify()
    structured = how in ("spd", "symmetric")
    for seed in range(3):
        g = np.random.default_rng(seed)
        values = {wrt: _draw(g, how)}
        for name, kind in others.items():
            values[name] = _symmetric(g, 4) if kind == "symmetric" else g.standard_normal(kind)
        order = [name for name in f.__code__.co_varnames[:f.__code__.co_argcount]]
        index = order.index(wrt)
        want = autograd.grad(f, index)(*[values[n] for n in order])
        got = np.asarray(grad(**values), dtype=float).reshape(want.shape)
        E = g.standard_normal(want.shape)
        if structured:
            E = (E + E.T) / 2
        assert rel_error(np.sum(got * E), np.sum(want * E)) < 1e-8, text
        if not structured:
            assert rel_error(got, want) < 1e-8, text
    assert r.check().ok


def test_the_cholesky_jacobian_acts_on_symmetric_directions():
    r = matdiff.derivative("chol(S)", wrt="S", where="S: matrix(n,n) spd")
    g = np.random.default_rng(4)
    S, E = spd(g, 3), _symmetric(g, 3)
    J = r.lambdify()(S=S)
    h = 1e-6
    want = (np.linalg.cholesky(S + h * E) - np.linalg.cholesky(S - h * E)) / (2 * h)
    assert rel_error(J @ E.reshape(-1, order="F"), want.reshape(-1, order="F")) < 1e-7
    assert r.check().ok


# -- stable numerics ------------------------------------------------------------------
@pytest.mark.parametrize("text,value", [
    ("logsumexp(x)", lambda x: x.max() + np.log(np.sum(np.exp(x - x.max())))),
    ("sum(softplus(x))", lambda x: np.sum(np.logaddexp(0.0, x))),
    ("sum(log1p(x))", lambda x: np.sum(np.log1p(x))),
    ("softmax(x)'*y", None),
])
def test_log_sum_exp_family_evaluates_at_plus_and_minus_1000(text, value):
    x = np.array([1000.0, -1000.0, 3.0, 999.0]) if "log1p" not in text else np.array([1000.0, 1e-12, 3.0, 5.0])
    y = np.array([1.0, 2.0, 3.0, 4.0])
    values = {"x": x, "y": y} if "y" in text else {"x": x}
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # no overflow, not even a silenced one
        f = evaluate(matdiff.parse(text), values)[0, 0]
        r = matdiff.derivative(text, wrt="x")
        got = r.lambdify()(**values)
    assert np.isfinite(f) and np.all(np.isfinite(got))
    if value is not None:
        assert rel_error(f, value(x)) < 1e-14
    s = np.exp(x - x.max()) / np.sum(np.exp(x - x.max()))
    if text == "logsumexp(x)":
        assert rel_error(got, s) < 1e-14
    if text == "softmax(x)'*y":
        assert rel_error(f, s @ y) < 1e-14 and rel_error(got, s * y - s * (s @ y)) < 1e-12


def test_log1p_keeps_the_digits_of_tiny_arguments():
    x = np.array([1e-17, 1e-10])
    assert np.array_equal(evaluate(matdiff.parse("log1p(x)"), {"x": x}).ravel(), np.log1p(x))


# -- where derivatives do not exist ------------------------------------------------------
@pytest.mark.parametrize("text,wrt,where,values,words", [
    ("max(x)", "x", None, {"x": np.array([3.0, 1.0, 3.0])}, "attained at 2 entries"),
    ("min(X)", "X", None, {"X": np.array([[0.0, 1.0], [0.0, 2.0]])}, "a tie at (1, 1), (2, 1)"),
    ("sum(svdvals(X))", "X", "X: matrix(3,3)", {"X": np.diag([2.0, 2.0, 1.0])}, "two singular values are equal"),
    ("sum(svdvals(X))", "X", "X: matrix(3,2)", {"X": np.array([[1.0, 0.0], [0.0, 0.0], [0.0, 0.0]])},
     "a singular value is zero"),
    ("nucnorm(X)", "X", None, {"X": np.array([[1.0, 2.0], [2.0, 4.0], [0.0, 0.0]])}, "not of full rank"),
    ("opnorm(X)", "X", None, {"X": np.eye(3)[:2]}, "largest singular value 1 is repeated"),
    ("eigmax(S)", "S", "S: matrix(n,n) symmetric", {"S": np.diag([1.0, 3.0, 3.0])}, "largest eigenvalue 3"),
    ("eigmin(S)", "S", "S: matrix(n,n) symmetric", {"S": np.diag([1.0, 1.0, 3.0])}, "smallest eigenvalue 1"),
])
def test_a_derivative_that_does_not_exist_at_the_values_says_so(text, wrt, where, values, words):
    r = matdiff.derivative(text, wrt=wrt, where=where)
    with pytest.raises(matdiff.EvaluationError) as info:
        r.lambdify()(**values)
    assert words in info.value.message
    with pytest.raises(matdiff.EvaluationError):
        evaluate(r.value, values)


@pytest.mark.parametrize("text,where", [
    ("eigmax(S)", "S: matrix(n,n) symmetric"), ("nucnorm(X)", None), ("opnorm(X)", None),
    ("sum(svdvals(X))", "X: matrix(4,3)"), ("max(x)", None),
])
def test_second_derivatives_that_are_not_available_raise_a_derivative_error(text, where):
    wrt = "x" if "x)" in text else "S" if "S" in text else "X"
    if text == "max(x)":  # the indicator is piecewise constant: the Hessian is zero
        assert str(matdiff.hessian(text, wrt=wrt)) == "0"
        return
    with pytest.raises(matdiff.DerivativeError) as info:
        matdiff.hessian(text, wrt=wrt, where=where)
    assert "not available" in info.value.message


@pytest.mark.parametrize("text,wrt,where", [
    ("logsumexp(x)", "x", None), ("-y'*log(softmax(W*x))", "x", None), ("sum(softplus(X*w))", "w", None),
    ("x'*solve(A, x)", "x", None), ("y'*solve(A, y)", "A", None),
    ("sum(log(diag(chol(S))))", "S", "S: matrix(n,n) spd"), ("mean((X*w - y).^2)", "w", None),
    ("sum(log1p(x .* x))", "x", None), ("sum(cosh(x) + sinh(x))", "x", None),
])
def test_second_derivatives_check_against_differences(text, wrt, where):
    h = matdiff.hessian(text, wrt=wrt, where=where)
    assert h.check().ok, text


# -- errors ---------------------------------------------------------------------------
@pytest.mark.parametrize("text,where,cls,words", [
    ("softmax(X)", None, matdiff.ShapeError, "softmax takes a vector"),
    ("A \\ B", "A: matrix(2,3)", matdiff.ShapeError, "solve needs a square matrix, but A is a 2×3 matrix"),
    ("A \\ x", "A: matrix(3,3), x: vector(4)", matdiff.ShapeError, "needs as many rows in B as A has"),
    ("svdvals(X)", None, matdiff.ShapeError, "declare them"),
    ("x + X", None, matdiff.ShapeError, "the shapes differ"),
])
def test_bad_uses_of_the_new_functions_are_clear_errors(text, where, cls, words):
    with pytest.raises(cls) as info:
        matdiff.parse(text, where=where)
    assert words in info.value.message


@pytest.mark.parametrize("text", ["chol(A)", "eigmax(A)", "eigmin(A + B)"])
def test_symmetric_only_functions_of_general_matrices_are_refused(text):
    with pytest.raises(matdiff.DerivativeError) as info:
        matdiff.derivative(text, wrt="A")
    assert "symmetric matrices only" in info.value.message


def test_symmetric_by_construction_is_accepted():
    r = matdiff.derivative("eigmax(A'*A + S)", wrt="A", where="S: matrix(n,n) symmetric")
    assert r.check().ok


# -- generated code solves ---------------------------------------------------------------
def test_code_of_solves_never_forms_an_inverse():
    code = matdiff.derivative("y'*solve(A, x) + x'*(A \\ y)", wrt="A").code()
    assert "_solve(" in code and "_inv(" not in code and "inv(" not in code.replace("_solve", "")
    spd_code = matdiff.derivative("y'*solve(K, y)", wrt="y", where="K: matrix(n,n) spd").code()
    assert "_spd_solve(" in spd_code and "_inv(" not in spd_code


def test_solve_of_an_ill_conditioned_matrix_is_refused():
    r = matdiff.derivative("sum(solve(A, x))", wrt="x")
    A = np.array([[1.0, 1.0], [1.0, 1.0 + 1e-15]])
    with pytest.raises(matdiff.EvaluationError) as info:
        r.lambdify()(A=A, x=np.ones(2))
    assert "singular" in info.value.message


def test_solve_and_inverse_agree():
    g = np.random.default_rng(9)
    A, B = invertible(g, 4), g.standard_normal((4, 3))
    assert rel_error(evaluate(matdiff.parse("A \\ B"), {"A": A, "B": B}), np.linalg.solve(A, B)) < 1e-12
    # \ associates to the left, as in MATLAB: the text keeps the parentheses only where they matter
    assert str(matdiff.parse("A \\ B \\ C")) == "A \\ B \\ C" and str(matdiff.parse("A \\ (B \\ C)")) == "A \\ (B \\ C)"
    assert to_input(matdiff.parse("A \\ B \\ C")) == "solve(solve(A, B), C)"


# -- broadcasting ---------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["1 + exp(x)", "X - c", "c - x", "x'*y + z", "-c + x", "X + (a + b)",
                                  "x .+ 1", "X .- c"])
def test_broadcast_sums_print_back_to_the_same_tree(text):
    e = matdiff.parse(text)
    assert matdiff.parse(to_input(e)) == e
    assert "vector(" not in str(e) and "matrix(" not in str(e)


def test_a_broadcast_scalar_is_added_to_every_entry():
    g = np.random.default_rng(1)
    X, c = g.standard_normal((3, 4)), 0.7
    assert rel_error(evaluate(matdiff.parse("X - c"), {"X": X, "c": c}), X - c) < 1e-15
    assert rel_error(evaluate(matdiff.parse("2 .* X ./ c"), {"X": X, "c": c}), 2 * X / c) < 1e-15


def test_vector_of_ones_inputs_keep_working():
    r = matdiff.derivative("sum(log(exp(-y.*(X*w)) + vector(1)))", wrt="w")
    s = matdiff.derivative("sum(log(exp(-y.*(X*w)) + 1))", wrt="w")
    assert str(r) == str(s) and r.check().ok


def test_results_with_sech_and_step_can_be_typed_back():
    for text in ("sum(relu(x))", "sum(tanh(x))"):
        r = matdiff.derivative(text, wrt="x")
        assert matdiff.parse(to_input(r.value)) == r.value
