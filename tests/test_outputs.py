"""Outputs: LaTeX, JSON, NumPy code, lambdify conventions, SymPy, and numeric
checks that fail loudly on a wrong derivative."""
from __future__ import annotations

import json

import numpy as np
import pytest

import matdiff
from function_table import FUNCTIONS, USE_DECL, public_names, sample
from helpers import invertible, rel_error
from matdiff.evaluate import Interpreter, bind
from matdiff.nodes import Number, symbols_of
from matdiff.ops import REGISTRY
from matdiff.result import Result

LATEX = [
    ("tr(A X B)", "X", r"\nabla_{X} f = A^{\mathsf{T}} B^{\mathsf{T}}"),
    ("det(X)", "X", r"\nabla_{X} f = \det\left(X\right) X^{-\mathsf{T}}"),
    ("log(det(X))", "X", r"\nabla_{X} f = X^{-\mathsf{T}}"),
    ("x'*A*x", "x", r"\nabla_{x} f = \left(A + A^{\mathsf{T}}\right) x"),
    ("0.5*x'*A*x", "x", r"\nabla_{x} f = 0.5 \left(A + A^{\mathsf{T}}\right) x"),
    ("norm2(A*x - y)^2", "x", r"\nabla_{x} f = 2 A^{\mathsf{T}} \left(A x - y\right)"),
    ("norm2(x)", "x", r"\nabla_{x} f = \frac{x}{\left\|x\right\|}"),
    ("tr(X)", "X", r"\nabla_{X} f = I"),
    ("x'*A*y", "A", r"\nabla_{A} f = x y^{\mathsf{T}}"),
    ("log(det(inv(X)))", "X", r"\nabla_{X} f = -X^{-\mathsf{T}}"),
    ("tr(A*inv(X))", "X", r"\nabla_{X} f = -X^{-\mathsf{T}} A^{\mathsf{T}} X^{-\mathsf{T}}"),
    ("sum(sin(x))", "x", r"\nabla_{x} f = \cos\left(x\right)"),
    ("tr(X^2)", "X", r"\nabla_{X} f = 2 X^{\mathsf{T}}"),
    ("norm1(A*x - y)", "x", r"\nabla_{x} f = A^{\mathsf{T}} \operatorname{sign}\left(A x - y\right)"),
    ("(y.*v)'*x", "x", r"\nabla_{x} f = y \odot v"),
    ("a^b", "b", r"\nabla_{b} f = a^{b} \log\left(a\right)"),
    ("A*X*B", "X", r"\frac{\partial \operatorname{vec} f}{\partial \operatorname{vec} X} = B^{\mathsf{T}} \otimes A"),
    ("X^2", "X", r"\frac{\partial \operatorname{vec} f}{\partial \operatorname{vec} X} = "
                 r"I_{m} \otimes X + X^{\mathsf{T}} \otimes I_{m}"),
    ("inv(X)", "X", r"\frac{\partial \operatorname{vec} f}{\partial \operatorname{vec} X} = "
                    r"-\left(X^{-\mathsf{T}} \otimes X^{-1}\right)"),
    ("exp(x)", "x", r"\frac{\partial \operatorname{vec} f}{\partial \operatorname{vec} x} = "
                    r"\operatorname{diag}\left(\exp\left(x\right)\right)"),
    ("A x", "x", r"\frac{\partial \operatorname{vec} f}{\partial \operatorname{vec} x} = A"),
    ("tr(X^4)", "X", r"\nabla_{X} f = 4 \left(X^{\mathsf{T}}\right)^{3}"),
]


@pytest.mark.parametrize("text,wrt,latex", LATEX, ids=[t[0] for t in LATEX])
def test_latex_golden(text, wrt, latex):
    r = matdiff.derivative(text, wrt=wrt)
    assert r.latex() == latex
    assert r._repr_latex_() == f"${latex}$"
    assert r.latex().count("{") == r.latex().count("}")


def test_json_has_the_spec_keys():
    obj = matdiff.derivative("log(det(X))", wrt="X").to_dict()
    for key in ("input", "wrt", "kind", "shape", "differential", "result", "latex", "code"):
        assert key in obj
    assert obj["kind"] == "gradient" and obj["shape"] == "scalar" and obj["result"] == "X⁻ᵀ"
    json.dumps(obj)


def test_generated_code_is_standalone_and_agrees_with_the_interpreter():
    r = matdiff.derivative("norm2(A*x - y)^2 + tr(A'*A)", wrt="A")
    namespace: dict = {}
    exec(r.code(), namespace)
    fn = namespace["gradient_A"]
    g = np.random.default_rng(3)
    values = {"A": g.standard_normal((4, 3)), "x": g.standard_normal(3), "y": g.standard_normal(4)}
    arrays, sizes = bind(symbols_of(r.expression), values)
    want = Interpreter(arrays, sizes)(r.value)
    assert rel_error(fn(**values), want) < 1e-12


def test_generated_code_negates_products_not_matrices():
    code = matdiff.derivative("sum(log(exp(-y.*(X*w)) + vector(1)))", wrt="w").code()
    assert "-(X.T @" in code and "(-X.T)" not in code and "-X.T @" not in code


def test_generated_code_shares_repeated_subexpressions():
    code = matdiff.derivative("tr(inv(X)) + tr(A*inv(X))", wrt="X").code()
    assert code.count("np.linalg.inv(") == 1


def test_generated_code_rejects_misshapen_arguments():
    namespace: dict = {}
    exec(matdiff.derivative("tr(A X B)", wrt="X").code(), namespace)
    with pytest.raises(ValueError):
        namespace["gradient_X"](np.ones((2, 3)), np.ones((4, 4)), np.ones((4, 2)))


def test_lambdify_array_conventions():
    g = np.random.default_rng(0)
    A, x = g.standard_normal((4, 4)), g.standard_normal(4)
    grad = matdiff.derivative("x'*A*x", wrt="x").lambdify()
    assert grad(A=A, x=x).shape == (4,)
    assert grad(A=A, x=x.reshape(4, 1)).shape == (4,)
    J = matdiff.derivative("A*X*B", wrt="X").lambdify()
    out = J(A=g.standard_normal((2, 3)), X=g.standard_normal((3, 4)), B=g.standard_normal((4, 5)))
    assert out.shape == (10, 12)
    scalar = matdiff.derivative("a^b", wrt="b").lambdify()
    assert isinstance(scalar(a=2.0, b=3.0), float)
    assert abs(scalar(a=2.0, b=3.0) - 8 * np.log(2)) < 1e-12


def test_lambdify_refuses_missing_unknown_and_misshapen_arguments():
    f = matdiff.derivative("tr(A X B)", wrt="X").lambdify()
    g = np.random.default_rng(0)
    A, X, B = g.standard_normal((2, 3)), g.standard_normal((3, 4)), g.standard_normal((4, 2))
    with pytest.raises(matdiff.EvaluationError, match="missing value for B"):
        f(A=A, X=X)
    with pytest.raises(matdiff.EvaluationError, match="unknown argument"):
        f(A=A, X=X, B=B, Z=A)
    with pytest.raises(matdiff.EvaluationError, match="size"):
        f(A=A, X=X.T, B=B)
    with pytest.raises(matdiff.EvaluationError):
        f(A=A, X=X, B="text")
    assert f(A=A, X=X, B=B).shape == (3, 4)


def test_check_reports_the_worst_error_and_passes_on_a_right_derivative():
    report = matdiff.derivative("tr(A*X'*B*X*C)", wrt="X").check()
    assert report.ok and report.worst_error < 1e-6 and report.trials == 3
    assert "passed" in str(report)


def test_a_wrong_derivative_fails_the_check_loudly():
    r = matdiff.derivative("tr(A X B)", wrt="X")
    wrong = Result(r.input, r.expression, r.variable, r.kind, r.differential_tree,
                   r.value * Number(2))  # type: ignore[operator]
    report = wrong.check()
    assert not report.ok and report.worst_error > 0.1 and "FAILED" in str(report)
    with pytest.raises(matdiff.CheckError):
        wrong.check(raise_on_failure=True)


def test_a_transposed_derivative_fails_the_check():
    r = matdiff.derivative("tr(A X)", wrt="X")
    from matdiff.nodes import Transpose
    wrong = Result(r.input, r.expression, r.variable, r.kind, r.differential_tree, Transpose(r.value))
    assert not wrong.check().ok


def test_check_honours_declarations_and_domains():
    assert matdiff.derivative("log(det(X))", wrt="X", where="X: spd").check().ok
    assert matdiff.derivative("sum(log(x))", wrt="x").check().ok
    assert matdiff.derivative("sum(sqrt(x))", wrt="x").check().ok


def test_to_sympy_matches_the_numeric_value():
    import sympy
    r = matdiff.derivative("tr(A X B)", wrt="X")
    expr = r.to_sympy()
    assert isinstance(expr, sympy.MatrixExpr)
    g = np.random.default_rng(1)
    A, B = g.standard_normal((2, 3)), g.standard_normal((4, 2))
    free = {s.name: s for s in expr.free_symbols if isinstance(s, sympy.MatrixSymbol)}
    value = expr.subs({free["A"]: sympy.Matrix(A), free["B"]: sympy.Matrix(B)}).doit()
    assert rel_error(np.array(value.tolist(), dtype=float), A.T @ B.T) < 1e-12


def test_structured_gradients_are_projections():
    r = matdiff.derivative("tr(A X)", wrt="X", where="X: symmetric")
    g = np.random.default_rng(2)
    A = g.standard_normal((3, 3))
    X = g.standard_normal((3, 3))
    X = X + X.T
    assert rel_error(r.lambdify()(A=A, X=X), (A + A.T) / 2) < 1e-12
    assert r.check().ok
    spd = matdiff.derivative("log(det(X))", wrt="X", where="X: spd")
    S = invertible(g, 3)
    S = S @ S.T
    assert rel_error(spd.lambdify()(X=S), np.linalg.inv(S)) < 1e-10


@pytest.mark.parametrize("name", public_names())
def test_every_function_generates_code_that_agrees_with_the_interpreter(name):
    """One compound use of every public function (its row's `use`): the
    generated code must agree with the interpreter and with central differences."""
    text = FUNCTIONS[name].use
    assert f"{name}(" in text
    r = matdiff.derivative(text, wrt="X", where=USE_DECL)
    g = np.random.default_rng(7)
    values = {"X": g.standard_normal((3, 4)), "B": g.standard_normal((3, 4))}
    arrays, sizes = bind(symbols_of(r.expression), values)
    want = Interpreter(arrays, sizes)(r.value)
    assert rel_error(r.lambdify()(**values), want) < 1e-10
    assert r.check().ok


def test_generated_code_parenthesises_compound_arguments():
    """sigmoid(W x + b) once printed as tanh(0.5 * W @ x + b)."""
    r = matdiff.derivative("sum(sigmoid(W*x + b))", wrt="x", where="b: vector")
    g = np.random.default_rng(0)
    W, x, b = g.standard_normal((3, 4)), g.standard_normal(4), g.standard_normal(3)
    s = 1 / (1 + np.exp(-(W @ x + b)))
    assert rel_error(r.lambdify()(W=W, x=x, b=b), W.T @ (s * (1 - s))) < 1e-12


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_registered_function_converts_to_sympy(name):
    """Once to_sympy raised on any result with abs(...) (it looked for 'Abs')."""
    import sympy
    from matdiff.printing.sympy_form import to_sympy
    node = sample(name)
    expr = to_sympy(node)
    if node.is_scalar:
        assert not isinstance(expr, sympy.MatrixExpr)
    else:
        n = sympy.Symbol("n", integer=True, positive=True)
        want = tuple(s.coeff * n ** len(s.factors) for s in node.shape)
        assert tuple(expr.shape) == want


@pytest.mark.parametrize("text", ["sum(abs(A*x))", "norm1(A*x - y)", "sum(relu(W*x))", "x'*A*x",
                                  "sum(sigmoid(W*x))", "tr(A*X*B)", "log(det(X))", "sum(exp(X) .* A)"])
def test_to_sympy_of_results_evaluates_to_the_result(text):
    import sympy
    wrt = "x" if "x" in text.replace("exp", "") else "X"
    r = matdiff.derivative(text, wrt=wrt)
    g = np.random.default_rng(11)
    values = {}
    for s in r.symbols:
        values[s.name] = g.standard_normal((3, 1) if s.shape[1].is_one else (3, 3))
    values["X"] = invertible(g, 3) if "X" in values else None
    values = {k: v for k, v in values.items() if v is not None}
    expr = r.to_sympy()
    subs = {}
    for sym in expr.free_symbols:
        if isinstance(sym, sympy.MatrixSymbol):
            subs[sym] = sympy.Matrix(values[sym.name])
        elif sym.name in ("m", "n", "p"):
            subs[sym] = 3
    got = np.array(sympy.Matrix(expr.subs(subs).doit()).evalf().tolist(), dtype=float)
    want = np.asarray(r.lambdify()(**values), dtype=float).reshape(got.shape)
    assert rel_error(got, want) < 1e-10


def test_a_parsed_expression_prints_as_an_expression():
    expr = matdiff.parse("A*X*B")
    assert str(expr) == "A X B" and f"{expr}" == "A X B"
    assert repr(expr).startswith("Mul(factors=(Symbol(name='A'")


def test_to_json_is_json_text_and_to_dict_its_object():
    r = matdiff.derivative("log(det(X))", wrt="X")
    text = r.to_json()
    assert isinstance(text, str) and json.loads(text) == r.to_dict()
    h = matdiff.hessian("x'*A*y", wrt="x, y")
    assert json.loads(h.to_json())["wrt"] == ["x", "y"]
