"""Regression tests for bugs found by generated expressions (tests/verify_at_scale.py),
each named after the mathematics it protects."""
from __future__ import annotations

import numpy as np
import pytest

import matdiff
from helpers import printed, rel_error


def test_tanh_derivative_keeps_its_digits_where_tanh_saturates():
    """d tanh(27a)/da at a = 1.3: 1 - tanh² rounds to a few digits, sech² does not."""
    r = matdiff.derivative("tanh(27*a)", wrt="a")
    a = 1.3
    assert rel_error(r.lambdify()(a=a), 27 / np.cosh(27 * a) ** 2) < 1e-12


def test_sigmoid_derivative_keeps_its_digits_in_both_tails():
    """σ'(u) = σ(u) σ(-u): σ(u)(1 - σ(u)) loses every digit for u ≫ 1."""
    r = matdiff.derivative("sum(sigmoid(x))", wrt="x")
    x = np.array([-40.0, 0.0, 40.0])
    want = np.exp(-np.abs(x)) / (1 + np.exp(-np.abs(x))) ** 2
    assert rel_error(r.lambdify()(x=x), want) < 1e-12
    f = matdiff.derivative("sum(sigmoid(x))", wrt="x").expression
    from matdiff.evaluate import evaluate
    assert evaluate(f, {"x": np.array([-800.0])})[0, 0] == 0.0  # no overflow warning turned into nan


def test_generated_code_names_a_size_no_argument_fixes():
    """d vector(tanh(a))/da is a column of unknown length: say so, not NameError."""
    with pytest.warns(matdiff.MatdiffWarning, match="the size m .* is fixed by no symbol"):
        r = matdiff.derivative("vector(tanh(a))", wrt="a")
    with pytest.raises(matdiff.EvaluationError, match="size m is not fixed"):
        r.lambdify()(a=0.5)


@pytest.mark.parametrize("text", [
    "-(A .* B)",            # unary minus binds tighter than .*: once printed -A .* B
    "-(A ./ B)",
    "(x' .* y')*(-C)",      # once printed -x' .* y'*C
    "(-x)*(-y')",           # two signs: once printed --1*x*y'
    "0.5*2*A",              # numbers fold to one coefficient, never a lone (1)
    "A*(B .^ -1)",          # an entry-wise reciprocal in a product is not a division
    "v'*((x'*y)*G)",        # the 1×1 factor moved to the front made the 1×p chain x'*y*v'*G
])
def test_printed_input_parses_back_to_the_same_tree(text):
    from matdiff.printing.text import to_input
    where = "A: matrix(m,n), B: matrix(n,p), C: matrix(m,m)" if "C" in text or "B .^" in text else None
    if "G" in text:
        where = "x: vector(p), y: vector(p), G: matrix(m,p)"
    if text.startswith("-(A"):
        where = "A: matrix(m,n), B: matrix(m,n)"
    expr = matdiff.parse(text, where)
    assert matdiff.parse(to_input(expr), where) == expr


def test_huge_matrix_power_is_refused_not_expanded():
    """X^1e308 once built a differential of 10^308 terms (found by parser fuzzing)."""
    with pytest.raises(matdiff.ParseError, match="out of range"):
        matdiff.derivative("tr(X^1e308)", wrt="X")
    with pytest.raises(matdiff.ParseError, match="too large"):
        matdiff.derivative("tr(X^100000)", wrt="X")
    assert str(matdiff.derivative("tr(X^1024)", wrt="X")) == "1024 (Xᵀ)¹⁰²³"


def test_numbers_beyond_double_range_are_refused_and_products_of_them_print():
    """1e5000 once reached str(int) limits and escaped as ValueError (parser fuzzing)."""
    with pytest.raises(matdiff.ParseError, match="out of range"):
        matdiff.derivative("a*1e5000", wrt="a")
    tiny = matdiff.derivative("a*" + "*".join(["1e-300"] * 20), wrt="a")
    assert str(tiny) == "1e-6000" and tiny.lambdify()(a=1.0) == 0.0


def test_function_constant_on_the_orthogonal_group_has_zero_riemannian_derivatives():
    """‖A‖²³ = p³ on the orthogonal group: gradient and Hessian are rounding
    residue of cancelling terms, which check() once reported as disagreements."""
    where = "A: matrix(p,p) orthogonal"
    text = "(sum(vec(A) .* vec(A)))^3"
    assert matdiff.derivative(text, wrt="A", where=where).check().ok
    h = matdiff.hessian(text, wrt="A", where=where)
    assert h.check().ok
    g = np.random.default_rng(0)
    Q, _ = np.linalg.qr(g.standard_normal((4, 4)))
    S = g.standard_normal((4, 4))
    HE = h.lambdify("operator")(A=Q, dA=Q @ (S - S.T))
    assert np.abs(HE).max() < 1e-10


def test_unvec_of_vec_is_the_matrix():
    r = matdiff.hessian("sum(vec(A) .* vec(A))", wrt="A")
    assert str(r) == "2 I" and "unvec" not in r.operator


def test_hessian_check_reports_instead_of_raising_when_f_has_an_unknowable_size():
    """tr(2*I)·a³: the identity's size is fixed by no value; check() once raised
    EvaluationError from its rounding floor, then reported "could not find
    random values ... over 0 random directions"; it now names the cause."""
    with pytest.warns(matdiff.MatdiffWarning):
        report = matdiff.hessian("tr(2*I)*a^3", wrt="a").check()
    assert not report.ok and report.trials == 0
    assert str(report) == ("check FAILED: the size m (of I, vector(c) or matrix(c)) is fixed by no symbol, "
                           "so no values of the symbols determine f; nothing was compared")


def test_a_solve_applied_to_a_two_factor_product_keeps_both_factors():
    """zᵀ (I + F)⁻¹ H v: the code planner once solved against H alone and
    dropped v (a 1×n 'scalar'; code() failed or value_and_gradient raised)."""
    r = matdiff.derivative("z'*inv(I+F)*H*v", wrt="z", where="F: matrix(p,p), H: matrix(p,n)")
    g = np.random.default_rng(0)
    p, n = 3, 4
    v = {"z": g.standard_normal(p), "F": 0.1 * g.standard_normal((p, p)), "H": g.standard_normal((p, n)),
         "v": g.standard_normal(n)}
    value, grad = r.lambdify(with_value=True)(**v)
    solved = np.linalg.solve(np.eye(p) + v["F"], v["H"] @ v["v"])
    assert abs(value - v["z"] @ solved) < 1e-12 and np.allclose(grad, solved, rtol=1e-12)
    s = matdiff.derivative("(z'*inv(I+F)*H*v)*c*eigmin(S)", wrt="S", where="S: symmetric, F: matrix(p,p), "
                           "H: matrix(p,n)")
    assert s.check().ok and "def gradient_S" in s.code()


def test_the_mean_of_a_vector_filled_with_a_varying_scalar():
    """mean(x − max(b w)) wrt b: numel(U) once kept a U holding db, and the
    pullback stopped on an AssertionError (found by the generator)."""
    r = matdiff.derivative("mean(x3 - max(b1*w2))", wrt="b1")
    assert str(r) == "-onehot_max(b1 w2)ᵀ w2" and r.check().ok
    s = matdiff.derivative("sum((X - c).^2)", wrt="c")
    assert str(s) == "-2 (sum(X) - c numel(X))" and s.check().ok


@pytest.mark.parametrize("text", ["sum(kron(kron(A, B), C)*vec(X))", "x'*kron(A, kron(B, C))*vec(X)",
                                  "tr(kron(A,B)*kron(C,kron(D,E)))"])
def test_nested_kronecker_products_of_unknown_sizes_are_accepted(text):
    """Products of sizes of different lengths (n·q·s against t·u) are matched
    as written once nothing else decides them, not refused."""
    assert matdiff.parse(text).is_scalar


def test_a_program_may_define_sym():
    r = matdiff.derivative("sym = X + X'; f = tr(sym*A)", wrt="X")
    assert r.check().ok


def test_the_inverse_of_vec_prints_as_its_closed_form():
    """x'*vec(X*A) once printed unvec(x) Aᵀ, a name the language cannot call:
    unvec(v) is written (vec(Iₚ)ᵀ ⊗ Iₘ)(Iₚ ⊗ v), and generated code still reshapes."""
    r = matdiff.derivative("x'*vec(X*A)", wrt="X")
    assert "unvec" not in str(r) and "unvec" not in r.to_dict()["result_input"] and "reshape" in r.code()
    assert str(r) == "((vec(eye(n))ᵀ ⊗ eye(m)) (eye(n) ⊗ x)) Aᵀ" and r.check().ok
    assert str(matdiff.derivative("sum(vec(X'))", wrt="X")) == "matrix(1)"


@pytest.mark.parametrize("text, shape", [
    ("matrix(2, m, n)", "matrix(m, n)"), ("vector(c, 3)", "vector(3)"), ("vector(1, n)'*x", "scalar"),
    ("matrix(0.5, p, q) + G", "matrix(p, q)"),
])
def test_a_constant_may_be_given_its_size(text, shape):
    from matdiff.shapes import shape_text
    assert shape_text(matdiff.parse(text, "G: matrix(p, q), x: vector(n)").shape) == shape


@pytest.mark.parametrize("text, message", [
    ("vector(1, n, m)", "vector takes c, or c and its size: vector(c, n)"),
    ("matrix(1, 2, 3) + A", "the shapes differ"),
    ("matrix(1, x, 3)", "x is a declared symbol, not a size"),
    ("eye(A)", "A is a declared symbol, not a size"),
    ("frechet2_expm(A, A, matrix(1, 2, 3))", "each direction of frechet2_expm has its matrix's shape, but A"),
])
def test_a_constant_given_a_wrong_size_is_refused_where_it_is(text, message):
    import re
    with pytest.raises(matdiff.MatdiffError, match=re.escape(message)) as caught:
        matdiff.parse(text, "A: matrix(2, 2), x: vector(2)")
    assert "^" in str(caught.value)


def test_a_constant_whose_size_no_symbol_of_the_result_holds_says_its_size():
    """tanh(e − (G − G)): G drops out of the result, so the filled matrix it
    sized is written matrix(e, p, q), and the text reads back to its value."""
    r = matdiff.derivative("sum(u)*logdet(tanh(e .- (G - G))*tanh(e .- (G - G))' + I)", wrt="u",
                           where="G: matrix(p, q), u: vector(n)")
    assert "matrix(e, p, q)" in printed(r) and "matrix(e, p, q)" in r.to_dict()["result_input"]
    names, _, last = r.to_dict()["result_input"].rpartition("; ")
    read = matdiff.parse(f"{names}; ({last}) + 0*u", r.declarations)  # ∇u f: u gives the shape
    from matdiff.evaluate import Interpreter, bind
    from matdiff.nodes import symbols_of
    values = {"e": 0.3, "u": np.arange(1.0, 5.0), "G": np.zeros((3, 2))}
    arrays, sizes = bind(r.symbols, values)  # p, q from G, which the text does not hold
    read_arrays, read_sizes = bind(symbols_of(read), {s.name: values[s.name] for s in symbols_of(read)})
    got = Interpreter(read_arrays, {**sizes, **read_sizes})(read)
    assert rel_error(got, Interpreter(arrays, sizes)(r.value)) < 1e-12


def test_a_direction_of_a_frechet_derivative_has_its_matrix_s_shape():
    """frechet_expm(X, matrix(c)): the filled direction is X's size, so it reads back."""
    r = matdiff.derivative("sum(expm(0.5*tanh(A)))", wrt="A")
    read = matdiff.parse(r.to_dict()["result_input"], r.declarations)
    from matdiff.evaluate import evaluate
    A = np.random.default_rng(0).standard_normal((3, 3)) / 3
    assert rel_error(evaluate(read, {"A": A}), evaluate(r.value, {"A": A})) < 1e-12


def test_a_kronecker_product_whose_factors_are_not_of_one_width_is_no_khatri_rao_product():
    """(vec(A) ⊗ I) diag(vec(I)) (1 ⊗ I) selects columns like a Khatri–Rao product, but vec(A) has one column."""
    r = matdiff.derivative("D3/((c2)^2 + 1)/((sum(kron(A0, diag(v1))))^2 + 1)", wrt="A0",
                           where="A0: matrix(n,n), v1: vector(n), c2: scalar, D3: matrix(n,p)")
    assert "khatri_rao" not in printed(r)
    matdiff.parse(r.to_dict()["result_input"], r.declarations)  # reads back
    assert r.check().ok
