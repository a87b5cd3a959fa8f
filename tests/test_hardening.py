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
    code = r.code()  # logdet S and S⁻¹ from one Cholesky factor
    assert "_cholesky_factor(S)" in code and "_cholesky_logdet(" in code
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
    assert str(r) == "diag(s) - s sᵀ" and r.where == "s = softmax(x)"
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


# -- check() must not pass what is wrong ------------------------------------------------
def _with_value(r, value):
    from matdiff.result import Result
    return Result(r.input, r.expression, r.variable, r.kind, r.differential_tree, value, function=r.function)


def _symbol(r, name):
    return next(s for s in r.symbols if s.name == name)


@pytest.mark.parametrize("where,skew", [
    ("X: matrix(n,n) symmetric, B: matrix(n,n)", False),   # the unprojected gradient Aᵀ
    ("X: matrix(n,n) symmetric, B: matrix(n,n)", True),    # Aᵀ + 5Bᵀ − 5B
    ("X: matrix(n,n) diagonal, B: matrix(n,n)", False),
    ("X: matrix(n,n) orthogonal, B: matrix(n,n)", False),  # the Euclidean gradient
])
def test_check_rejects_a_gradient_outside_the_declared_set(where, skew):
    """Directions inside the set cannot see a component outside it: check() now
    also asks that the result lie in the set's tangent space."""
    from fractions import Fraction
    from matdiff.nodes import Number, Transpose
    r = matdiff.derivative("tr(A*X) + 0*tr(B*X)", wrt="X", where=where)
    A, B = _symbol(r, "A"), _symbol(r, "B")
    five = Number(Fraction(5))
    value = Transpose(A) + five * Transpose(B) - five * B if skew else Transpose(A)
    report = _with_value(r, value).check()
    assert not report.ok and "tangent space" in report.message
    assert r.check().ok


def test_check_judges_slopes_on_their_own_scale_not_on_the_size_of_f():
    """1e12 + tr(AX) once let 2Aᵀ pass, and 1e-11 tr(AX) an unrelated gradient:
    the noise floor came from |f|, not from the derivative."""
    from fractions import Fraction
    from matdiff.nodes import Mul, Number, Transpose
    big = matdiff.derivative("1e12 + tr(A*X)", wrt="X")
    assert big.check().ok
    assert not _with_value(big, Mul((Number(Fraction(2)), Transpose(_symbol(big, "A"))))).check().ok
    small = matdiff.derivative("1e-11*tr(A*X) + 0*tr(B*X)", wrt="X", where="B: matrix(n,m)")
    assert small.check().ok
    assert not _with_value(small, Mul((Number(Fraction(1, 10 ** 11)), Transpose(_symbol(small, "B"))))).check().ok
    J = matdiff.derivative("X + matrix(1e12)", wrt="X")
    assert J.check().ok and not _with_value(J, Mul((Number(Fraction(2)), J.value))).check().ok


def test_hessian_check_judges_on_the_scale_of_the_varying_terms():
    """1e12 tr(AX) + tr(XᵀX) once let a Hessian of 6I pass: the differences of
    the gradient lost the 2I under the rounding of 1e12 Aᵀ."""
    import dataclasses
    from fractions import Fraction
    from matdiff.nodes import Mul, Number
    h = matdiff.hessian("1e12*tr(A*X) + tr(X'*X)", wrt="X")
    assert h.check().ok
    three = Number(Fraction(3))
    wrong = dataclasses.replace(h, value=Mul((three, h.value)), operator_tree=Mul((three, h.operator_tree)),
                                differential_tree=Mul((three, h.differential_tree)))
    report = wrong.check()
    assert not report.ok and "finite differences" in report.message


def test_check_over_no_directions_is_refused():
    r = matdiff.derivative("tr(X)", wrt="X")
    with pytest.raises(ValueError, match="trials must be a positive integer"):
        r.check(trials=0)
    with pytest.raises(ValueError, match="tolerance"):
        r.check(tolerance=0)


def test_generated_code_that_always_raises_fails_the_check():
    import dataclasses

    from matdiff.result import Result

    class Refusing(Result):
        def lambdify(self):
            def refuse(**values):
                raise matdiff.EvaluationError("refused")
            return refuse
    r = matdiff.derivative("tr(A*X)", wrt="X")
    report = Refusing(**{f.name: getattr(r, f.name) for f in dataclasses.fields(r)}).check()
    assert not report.ok and "generated NumPy code raised" in report.message


@pytest.mark.parametrize("text,wrt,where", [
    ("tr(X)", "X", "X: matrix(1,1) orthogonal"),            # no direction exists: once 0/0
    ("sin(1e6*a)", "a", None),                              # needs steps near 1e-9
    ("tr(inv(x*x' + 1e-6*I))", "x", None),                  # condition number 1e6
    ("tr(inv(A'*A + 1e-4*I))", "A", None),
])
def test_check_raises_no_false_alarm_on_right_results(text, wrt, where):
    r = matdiff.derivative(text, wrt=wrt, where=where)
    assert all(r.check(seed=seed).ok for seed in range(10))


def test_check_refuses_to_draw_huge_declared_sizes():
    """tr(X) with X 30000×30000 once tried to allocate 6.7 GiB."""
    report = matdiff.derivative("tr(X)", wrt="X", where="X: matrix(30000,30000)").check()
    assert not report.ok and report.trials == 0 and "900,000,000 entries" in report.message


# -- generated code and its arguments: one policy with the interpreter -----------------
def _both(r, values):
    """The errors lambdify and the interpreter raise for the same values."""
    from matdiff.evaluate import evaluate
    errors = []
    for run in (lambda: r.lambdify()(**values), lambda: evaluate(r.expression, values)):
        with pytest.raises(matdiff.EvaluationError) as info:
            run()
        errors.append(info.value.message)
    return errors


def test_a_declared_structure_is_checked_not_assumed():
    """An spd S given non-symmetric once had its upper triangle inverted."""
    r = matdiff.derivative("tr(inv(S)*A)", wrt="S", where="S: spd")
    A = rng(1).standard_normal((3, 3))
    assert all("S is declared spd but is not symmetric" in m for m in _both(r, {"S": A, "A": A}))
    q = matdiff.derivative("tr(Q*A)", wrt="A", where="Q: orthogonal")
    assert all("Q is declared orthogonal" in m for m in _both(q, {"Q": A, "A": A}))
    d = matdiff.derivative("tr(D*A)", wrt="A", where="D: diagonal")
    assert all("off-diagonal" in m for m in _both(d, {"D": A, "A": A}))


@pytest.mark.parametrize("value,words", [
    (np.eye(3) * (1 + 1j), "X must be real numbers, not complex numbers"),
    ("2", "X must be real numbers, not text"),
    (np.zeros((0, 3)), "X has no entries"),
])
def test_arguments_that_are_not_real_arrays_are_refused(value, words):
    r = matdiff.derivative("tr(X*X)", wrt="X")
    assert all(words in m for m in _both(r, {"X": value}))


def test_positional_arguments_get_a_clear_error():
    f = matdiff.derivative("tr(A X B)", wrt="X").lambdify()
    with pytest.raises(matdiff.EvaluationError, match=r"pass the symbols by name: gradient_X\(A=\.\.\., X=\.\.\."):
        f(np.eye(2), np.eye(2), np.eye(2))


@pytest.mark.parametrize("X,words", [
    (np.ones((3, 3)), "a matrix to invert is singular at these values"),
    (np.diag([1.0, 1.0, 1e-17]), "singular to working precision at these values (condition number 1.0e+17)"),
])
def test_singular_matrices_are_refused_alike_by_code_and_interpreter(X, words):
    r = matdiff.derivative("tr(inv(X)*A)", wrt="X")
    assert all(words in m for m in _both(r, {"X": X, "A": np.eye(3)}))


def test_kronecker_jacobians_apply_commutation_matrices_as_permutations():
    """kron(kron(X,A),B) with X 2×2, A and B 10×10 once allocated 11.9 GiB for a
    40000×40000 permutation matrix; its Jacobian is 40000×4."""
    r = matdiff.derivative("kron(kron(X,A),B)", wrt="X", where="X: matrix(2,2), A: matrix(10,10), B: matrix(10,10)")
    assert "_permutation(" in r.code() and "_commutation(" not in r.code()
    g = rng(2)
    X, A, B = g.standard_normal((2, 2)), g.standard_normal((10, 10)), g.standard_normal((10, 10))
    J = r.lambdify()(X=X, A=A, B=B)
    E = g.standard_normal((2, 2))
    h = 1e-6
    numeric = (np.kron(np.kron(X + h * E, A), B) - np.kron(np.kron(X - h * E, A), B)) / (2 * h)
    assert J.shape == (40000, 4) and rel_error(J @ E.reshape(-1, order="F"), numeric.reshape(-1, order="F")) < 1e-8
    assert r.check().ok


def test_four_chained_kronecker_products_are_checked_in_little_memory():
    """Their Jacobian at n = 4 once needed a 32 GiB permutation matrix, in code and in check()."""
    r = matdiff.derivative("kron(kron(kron(X,A),B),C)", wrt="X",
                           where="X: matrix(4,4), A: matrix(4,4), B: matrix(4,4), C: matrix(4,4)")
    assert r.check().ok


# -- the command line's output -----------------------------------------------------------
def _cli(args, **env):
    import os
    import subprocess
    import sys
    return subprocess.run([sys.executable, "-m", "matdiff", *args], capture_output=True, timeout=60,
                          env={**os.environ, **env})


@pytest.mark.parametrize("env", [{"PYTHONIOENCODING": "ascii"}, {"LC_ALL": "C", "PYTHONUTF8": "0",
                                                                 "PYTHONIOENCODING": ""}])
def test_a_terminal_without_unicode_gets_the_ascii_forms(env):
    """Once a UnicodeEncodeError traceback."""
    done = _cli(["x'*A*x", "--wrt", "x", "--hessian"], **env)
    assert done.returncode == 0 and b"Traceback" not in done.stderr
    assert done.stdout.decode("ascii").splitlines() == [
        "f  = x'*A*x    (scalar)", "d^2f = dx'*(A + A')*dx", "H[dx] = (A + A')*dx", "hess_x f = A + A'"]
    error = _cli(["A*x'", "--wrt", "x"], **env)
    assert error.returncode == 1 and b"the columns of A (n) do not match" in error.stderr


def test_an_unwritable_output_is_an_error_not_a_traceback():
    import os
    if not os.path.exists("/dev/full"):
        pytest.skip("this system has no /dev/full")
    import subprocess
    import sys
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "matdiff", "tr(A X B)", "--wrt", "X", "--code"],
                              stdout=full, stderr=subprocess.PIPE, timeout=60)
    assert done.returncode == 1 and b"Traceback" not in done.stderr
    assert b"error: cannot write the output: No space left on device" in done.stderr


# -- what was silently misread or unclearly said -------------------------------------------
def test_a_number_with_two_decimal_points_is_refused():
    """1.5.5 once read as 1.5 × .5 = 0.75."""
    with pytest.raises(matdiff.ParseError, match="this one has two"):
        matdiff.parse("1.5.5")
    assert matdiff.parse("1.5 .5") == matdiff.parse("0.75")  # two numbers apart do multiply


def test_a_variable_that_drops_out_is_said_to_drop_out():
    with pytest.warns(matdiff.MatdiffWarning, match=r"appears only where it drops out, as in X\^0 = I"):
        assert str(matdiff.derivative("tr(X^0 + A)", wrt="X")) == "0"


def test_a_product_of_sizes_unifies_with_an_integer():
    """vec(X)ᵀ vec(I) with X 2×2 was refused because m·m never met 4."""
    r = matdiff.derivative("vec(X)'*vec(I)", wrt="X", where="X: matrix(2,2)")
    assert rel_error(r.lambdify()(X=np.zeros((2, 2))), np.eye(2)) == 0


@pytest.mark.parametrize("text,printed", [
    ("--a", "a"), ("a - -b", "a + b"), ("a * -b", "-a b"), ("-(-(x))", "x"), ("2*(-1)*a", "-2 a"),
])
def test_signs_fold_into_one_leading_coefficient(text, printed):
    """--a once printed "1 a", a - -b "a + 1 b", a * -b "a (-1) b"."""
    assert str(matdiff.parse(text)) == printed


def test_a_one_by_one_gradient_prints_its_coefficient_first():
    """Once "A x 2"."""
    assert str(matdiff.derivative("x'*A*x", wrt="x", where="x: vector(1), A: matrix(1,1)")) == "2 A x"


def test_sums_in_either_order_are_collected():
    """(A + Aᵀ)⁻¹ and (Aᵀ + A)⁻¹ are one term."""
    r = matdiff.derivative("tr(inv(A + A')*B) + tr(inv(A' + A)*B)", wrt="B")
    assert str(r).startswith("2 (") and str(r).count("+") == 1  # one term, twice
    g = rng(5)
    A, B = g.standard_normal((3, 3)), g.standard_normal((3, 3))
    assert rel_error(r.lambdify()(A=A, B=B), 2 * np.linalg.inv(A + A.T).T) < 1e-12
