"""Generated code as a computation: planned apart from the printed form (no
temporary larger than the inputs and result need, solves for applied
inverses, one computation of each shared product), value and gradient
together, several variables in one function, and the JAX and PyTorch
backends (tested where they are installed)."""
from __future__ import annotations

import numpy as np
import pytest

import matdiff
from matdiff.cli import main
from matdiff.facts import diagonal_vector
from matdiff.nodes import Node, Transpose, symbols_of
from matdiff.printing.code import generate_module
from matdiff.printing.plan import degree, distinct_subtrees, plan
from helpers import array_module, backend_array, rel_error

RNG = np.random.default_rng(20261206)

# (f, wrt, declarations, sizes of the symbols): the benchmark suite's functions, at distinct sizes
FUNCTIONS = [
    ("0.5*x'*A*x - b'*x", "x", "b: vector", {"x": 5, "A": (5, 5), "b": 5}),
    ("x'*A*x/(x'*x)", "x", "", {"x": 5, "A": (5, 5)}),
    ("x'*y/(norm2(x)*norm2(y))", "x", "", {"x": 6, "y": 6}),
    ("norm2(A*x - b)^2", "x", "b: vector", {"A": (7, 4), "x": 4, "b": 7}),
    ("sum(softplus(-y .* (X*w)))", "w", "y: vector", {"X": (6, 4), "w": 4, "y": 6}),
    ("-y'*log(softmax(W*x))", "W", "y: vector", {"W": (5, 3), "x": 3, "y": 5}),
    ("tr(X'*A*X)", "X", "", {"X": (4, 3), "A": (4, 4)}),
    ("logdet(S)", "S", "S: spd", {"S": (4, 4)}),
    ("logdet(S) + (x-u)'*inv(S)*(x-u)", "S", "S: spd", {"S": (4, 4), "x": 4, "u": 4}),
    ("logdet(S) + (x-u)'*inv(S)*(x-u)", "u", "S: spd", {"S": (4, 4), "x": 4, "u": 4}),
    ("norm2(M - U*V')^2", "U", "", {"M": (5, 4), "U": (5, 2), "V": (4, 2)}),
    ("sum(y .* log(softmax(W2*tanh(W1*x))))", "W1", "y: vector", {"W1": (4, 3), "W2": (5, 4), "x": 3, "y": 5}),
    ("tr(inv(X)*C)", "X", "", {"X": (4, 4), "C": (4, 4)}),
]


def values_for(sizes: dict) -> dict:
    out = {}
    for name, size in sizes.items():
        if isinstance(size, int):
            out[name] = RNG.standard_normal(size)
        else:
            value = RNG.standard_normal(size)
            if name == "S":
                value = value @ value.T + size[0] * np.eye(size[0])
            elif name == "X" and size[0] == size[1]:  # invertible, not symmetric: a wrong transpose shows
                value = value + size[0] * np.eye(size[0])
            out[name] = value
    return out


def directional_errors(f, gradient, values: dict, wrt: str, symmetric: bool, h: float = 1e-6) -> list[float]:
    """|⟨∇f, E⟩ − central difference of f along E| / scale, along random E (symmetric ones inside a declared set)."""
    errors = []
    for _ in range(3):
        E = RNG.standard_normal(np.shape(values[wrt]))
        if symmetric:
            E = E + E.T
        numeric = (f(**{**values, wrt: values[wrt] + h * E}) - f(**{**values, wrt: values[wrt] - h * E})) / (2 * h)
        exact = float(np.sum(gradient * E))
        errors.append(abs(exact - numeric) / max(1.0, abs(exact)))
    return errors


@pytest.mark.parametrize("expr, wrt, where, sizes", FUNCTIONS)
def test_value_and_gradient_together_equal_f_and_finite_differences(expr, wrt, where, sizes):
    r = matdiff.derivative(expr, wrt, where)
    values = values_for(sizes)
    value, gradient = r.lambdify(with_value=True)(**values)
    f = matdiff.lambdify(expr, wrt, where, with_value=True)
    assert value == pytest.approx(f(**values)[0], rel=1e-12)

    def only_f(**v):
        return r.lambdify(with_value=True)(**v)[0]

    assert max(directional_errors(only_f, gradient, values, wrt, symmetric=wrt == "S")) < 1e-6
    assert rel_error(gradient, r.lambdify()(**values)) < 1e-12
    assert np.shape(gradient) == np.shape(values[wrt])


def _temporaries(trees: list[Node]) -> list[Node]:
    """The values code computes: every distinct subtree but leaves, transposed leaves (views) and
    diag(v) factors (applied as broadcasts)."""
    return [n for n in distinct_subtrees(trees) if n.children and diagonal_vector(n) is None
            and not (isinstance(n, Transpose) and not n.arg.children)]


@pytest.mark.parametrize("expr, where", [
    ("x'*A*x/(x'*x)", ""), ("x'*y/(norm2(x)*norm2(y))", ""), ("0.5*x'*A*x - b'*x", "b: vector"),
    ("x'*A*x", ""), ("norm2(A*x - b)^2", "b: vector, A: matrix(n, n)"), ("(x'*A*x)*(x'*B*x)", ""),
])
def test_a_vector_gradient_forms_no_square_temporary(expr, where):
    """(A + Aᵀ) x is A x + Aᵀ x, x xᵀ A x is x (xᵀ (A x)): nothing n×n is computed."""
    r = matdiff.derivative(expr, "x", where)
    trees = plan([r.plan if r.plan is not None else r.value])
    too_large = [n for n in _temporaries(trees) if degree(n.shape[0]) + degree(n.shape[1]) > 1]
    assert too_large == []


def test_the_cosine_gradient_runs_where_an_outer_product_would_not_fit():
    """n = 200 000: x xᵀ would take 320 GB."""
    g = matdiff.derivative("x'*y/(norm2(x)*norm2(y))", "x").lambdify()
    x, y = RNG.standard_normal(200_000), RNG.standard_normal(200_000)
    nx, ny = np.linalg.norm(x), np.linalg.norm(y)
    assert rel_error(g(x=x, y=y), y / (nx * ny) - (x @ y) * x / (nx ** 3 * ny)) < 1e-10


@pytest.mark.parametrize("expr, wrt, where, kernel", [
    ("y'*inv(A)*x", "x", "", "_solve("),
    ("y'*inv(A)*x", "y", "", "_solve("),
    ("y'*inv(S)*x", "x", "S: spd", "_spd_solve("),
    ("logdet(S) + (x-u)'*inv(S)*(x-u)", "u", "S: spd", "_spd_solve("),
    ("norm2(inv(A0 + p*p')*b)^2", "p", "b: vector", "_lu_solve("),  # 18.063 pset 1, problem 6
])
def test_an_inverse_that_is_only_applied_is_a_solve(expr, wrt, where, kernel):
    r = matdiff.derivative(expr, wrt, where)
    source = r.code()
    assert kernel in source and "_inv(" not in source and "_spd_inverse(" not in source
    values = {s.name: RNG.standard_normal((3, 3) if not s.shape[1].is_one else 3) for s in r.symbols}
    if "S" in values:
        values["S"] = values["S"] @ values["S"].T + 3 * np.eye(3)
    if "A" in values:
        values["A"] = values["A"] + 3 * np.eye(3)  # not symmetric: a wrong transpose shows
    assert r.check().ok
    interpreted = r.lambdify()(**values)
    assert np.all(np.isfinite(interpreted))


def test_the_inverses_of_a_matrix_and_its_transpose_share_one_factorization():
    """∇ ‖(A0 + ppᵀ)⁻¹b‖² applies (A0ᵀ + ppᵀ)⁻¹ and (A0 + ppᵀ)⁻¹: one LU factorization, solves with it."""
    r = matdiff.derivative("norm2(inv(A0 + p*p')*b)^2", "p", "b: vector")
    body = r.code().split("def gradient_p")[1]
    assert body.count("_lu_factor(") == 1 and "_inv(" not in body and ", 1)" in body
    values = values_for({"A0": (4, 4), "p": 4, "b": 4})
    A0, p, b = values["A0"] + 4 * np.eye(4), values["p"], values["b"]
    M = A0 + np.outer(p, p)
    y = np.linalg.solve(M, b)
    z = np.linalg.solve(M.T, y)
    assert rel_error(r.lambdify()(A0=A0, p=p, b=b), -2 * ((p @ y) * z + (z @ p) * y)) < 1e-10


def test_an_inverse_needed_as_a_matrix_is_computed_once_and_multiplied_by():
    """∇_S of the Gaussian NLL is S⁻¹ − S⁻¹r rᵀS⁻¹: one inverse, products with it, no n³ product."""
    r = matdiff.derivative("logdet(S) + (x-u)'*inv(S)*(x-u)", "S", "S: spd")
    source = r.code(with_value=True)
    body = source.split("def value_and_gradient_S")[1]
    assert body.count("_cholesky_factor(S)") == 1 and body.count("_cholesky_inverse(") == 1
    assert "_spd_solve(" not in body and "_spd_inverse(" not in body
    assert "np.eye" not in body  # the printed (2 I − 2 S⁻¹ r rᵀ) S⁻¹ is distributed


@pytest.mark.parametrize("expr, wrt, where, factor, uses", [
    ("logdet(S)", "S", "S: spd", "_cholesky_factor(S)", ["_cholesky_logdet(", "_cholesky_inverse("]),
    ("logdet(S) + (x-u)'*inv(S)*(x-u)", "u", "S: spd", "_cholesky_factor(S)",
     ["_cholesky_logdet(", "_cholesky_solve("]),
    ("log(det(X))", "X", "", "_lu_factor(X)", ["_lu_logdet(", "_lu_inverse("]),
    ("logdet(X) + y'*inv(X)*z", "y", "", "_lu_factor(X)", ["_lu_logdet(", "_lu_solve("]),
    ("y'*inv(X)*z + y'*inv(X')*z", "z", "", "_lu_factor(X)", ["_lu_solve(lu_of_X, y, 1)", "_lu_solve(lu_of_X, y, 0)"]),
])
def test_a_factorization_is_computed_once_for_all_its_uses(expr, wrt, where, factor, uses):
    """log det and the inverse or solve of one matrix share its Cholesky (spd) or LU factors."""
    r = matdiff.derivative(expr, wrt, where)
    body = r.code(with_value=True).split("def value_and_")[1]
    assert body.count(factor) == 1 and all(use in body for use in uses)
    sizes = {s.name: (4, 4) if not s.shape[1].is_one else 4 for s in r.symbols}
    values = values_for(sizes)
    if "S" not in values:
        values["X"] = RNG.standard_normal((4, 4)) + 4 * np.eye(4)
    value, gradient = r.lambdify(with_value=True)(**values)
    assert rel_error(gradient, r.lambdify()(**values)) < 1e-12
    def only_f(**v):
        return r.lambdify(with_value=True)(**v)[0]
    assert max(directional_errors(only_f, gradient, values, wrt, symmetric=wrt == "S")) < 1e-6


def test_lu_log_det_is_nan_where_det_is_negative_as_the_interpreter_says():
    r = matdiff.derivative("log(det(X))", "X")
    X = np.diag([2.0, -1.0, 3.0]) + 0.1
    value, gradient = r.lambdify(with_value=True)(X=X)
    assert np.isnan(value) and rel_error(gradient, np.linalg.inv(X).T) < 1e-12


def test_equal_results_are_separate_arrays():
    gx, gy = matdiff.lambdify("norm2(X + Y)^2", "X, Y")(X=np.eye(2), Y=np.ones((2, 2)))
    assert gx is not gy and rel_error(gx, gy) == 0


def test_a_matrix_power_applied_to_a_vector_is_repeated_products():
    r = matdiff.derivative("x'*A*A*x", "x")
    assert "matrix_power" not in r.code() and r.check().ok
    values = values_for({"x": 4, "A": (4, 4)})
    A, x = values["A"], values["x"]
    assert rel_error(r.lambdify()(**values), (A @ A + A.T @ A.T) @ x) < 1e-12


def test_the_diagonal_of_a_rank_one_product_is_an_elementwise_product():
    """∇ yᵀdiag(x)A x = diag(y xᵀAᵀ) + Aᵀ diag(x) y: the first term is y ∘ (A x), no n×n outer product."""
    r = matdiff.derivative("y'*diag(x)*A*x", "x")
    (planned,) = plan([r.value])
    assert [n for n in _temporaries([planned]) if degree(n.shape[0]) + degree(n.shape[1]) > 1] == []
    values = values_for({"y": 4, "x": 4, "A": (4, 4)})
    y, x, A = values["y"], values["x"], values["A"]
    assert rel_error(r.lambdify()(**values), y * (A @ x) + A.T @ (x * y)) < 1e-12


def test_several_variables_share_one_function():
    expr = "norm2(A*x - b)^2 + tr(A'*A)"
    joint = matdiff.lambdify(expr, "x, A", "b: vector", with_value=True)
    values = values_for({"A": (5, 3), "x": 3, "b": 5})
    value, gx, gA = joint(**values)
    rx, rA = matdiff.derivative(expr, "x, A", "b: vector")
    assert rel_error(gx, rx.lambdify()(**values)) < 1e-12 and rel_error(gA, rA.lambdify()(**values)) < 1e-12
    A, x, b = values["A"], values["x"], values["b"]
    assert value == pytest.approx(np.sum((A @ x - b) ** 2) + np.sum(A * A), rel=1e-12)
    source = matdiff.code(expr, "x, A", "b: vector", with_value=True)
    assert source.count("\ndef value_and") == 1 and source.count("A @ x - b") == 1  # the residual once
    assert "np.trace" not in source  # tr(AᵀA) is sum(A ∘ A): n², not the n³ product


def test_jacobians_of_several_variables_in_one_function():
    expr = "A*x + B*y"
    both = matdiff.lambdify(expr, "x, y", with_value=True)
    values = values_for({"A": (3, 4), "x": 4, "B": (3, 2), "y": 2})
    value, Jx, Jy = both(**values)
    assert rel_error(value, values["A"] @ values["x"] + values["B"] @ values["y"]) < 1e-12
    assert rel_error(Jx, values["A"]) < 1e-12 and rel_error(Jy, values["B"]) < 1e-12


def test_hessian_operator_with_value():
    h = matdiff.hessian("x'*A*x + sum(exp(x))", "x")
    f = h.lambdify("operator", with_value=True)
    values = values_for({"x": 4, "A": (4, 4)})
    v = RNG.standard_normal(4)
    value, Hv = f(**values, dx=v)
    A, x = values["A"], values["x"]
    assert value == pytest.approx(x @ A @ x + np.sum(np.exp(x)))
    assert rel_error(Hv, (A + A.T) @ v + np.exp(x) * v) < 1e-12


# -- backends ----------------------------------------------------------------------------

@pytest.mark.parametrize("backend", ["jax", "torch"])
@pytest.mark.parametrize("expr, wrt, where, sizes", FUNCTIONS)
def test_backends_equal_numpy(backend, expr, wrt, where, sizes):
    array_module(backend)
    r = matdiff.derivative(expr, wrt, where)
    values = values_for(sizes)
    want = r.lambdify(with_value=True)(**values)
    got = r.lambdify(backend=backend, with_value=True)(**{k: backend_array(backend, v) for k, v in values.items()})
    assert len(got) == 2
    for g, w in zip(got, want):
        assert np.shape(np.asarray(g)) == np.shape(w) and rel_error(np.asarray(g), w) < 1e-10


def test_jax_code_runs_under_jit_and_grad_agrees():
    jax = array_module("jax")
    import jax.numpy as jnp
    source = matdiff.code("sum(softplus(-y .* (X*w)))", "w", "y: vector", backend="jax", with_value=True)
    scope: dict = {}
    exec(source, scope)
    fn = jax.jit(scope["value_and_gradient_w"])
    values = values_for({"X": (6, 4), "w": 4, "y": 6})
    value, gradient = fn(**values)

    def f(w):
        return jnp.sum(jnp.logaddexp(0.0, -values["y"] * (values["X"] @ w)))

    assert rel_error(np.asarray(gradient), np.asarray(jax.grad(f)(values["w"]))) < 1e-12
    assert float(value) == pytest.approx(float(f(values["w"])))


def test_torch_code_keeps_the_inputs_dtype():
    torch = array_module("torch")
    g = matdiff.derivative("tr(X'*A*X)", "X").lambdify(backend="torch")
    X, A = torch.randn(4, 3, dtype=torch.float32), torch.randn(4, 4, dtype=torch.float32)
    out = g(X=X, A=A)
    assert out.dtype == torch.float32 and out.shape == (4, 3)
    assert torch.allclose(out, (A + A.T) @ X, atol=1e-5)


def test_a_function_a_backend_lacks_is_refused_when_the_code_is_generated():
    r = matdiff.derivative("tr(logm(X)*A)", "X")
    with pytest.raises(matdiff.BackendError, match="jax backend has no form of logm"):
        r.code(backend="jax")
    with pytest.raises(matdiff.BackendError, match="torch backend has no form of"):
        r.code(backend="torch")
    with pytest.raises(matdiff.BackendError, match="no code backend 'cupy': choose one of jax, numpy, torch"):
        r.code(backend="cupy")
    assert "scipy.linalg.logm" in r.code()


def test_generated_modules_import_only_their_backend():
    r = matdiff.derivative("norm2(A*x - b)^2", "x", "b: vector")
    assert "import jax.numpy as jnp" in r.code(backend="jax") and "numpy as np" not in r.code(backend="jax")
    assert "import torch" in r.code(backend="torch") and "numpy" not in r.code(backend="torch")


def test_names_cannot_clash_in_any_backend():
    """Symbols named like the modules and locals the code binds."""
    for backend in ("jax", "torch"):
        array_module(backend)
        r = matdiff.derivative("tr(jnp*torch*t0)", "torch", "jnp: matrix(n, n), torch: matrix(n, n), t0: matrix(n, n)")
        values = {s.name: RNG.standard_normal((3, 3)) for s in r.symbols}
        got = r.lambdify(backend=backend)(**{k: backend_array(backend, v) for k, v in values.items()})
        want = (values["t0"] @ values["jnp"]).T
        assert rel_error(np.asarray(got), want) < 1e-12
        # xp is the module the shared kernels are written on (sech and norm2 are such kernels)
        r = matdiff.derivative("norm2(xp*y)^2 + sech(y'*y)", "xp", "xp: matrix(n, n)")
        values = {"xp": RNG.standard_normal((3, 3)), "y": RNG.standard_normal(3)}
        got = r.lambdify(backend=backend)(**{k: backend_array(backend, v) for k, v in values.items()})
        assert rel_error(np.asarray(got), r.lambdify()(**values)) < 1e-12


# -- the command line --------------------------------------------------------------------

def test_cli_code_backend_and_with_value(capsys):
    assert main(["x'*A*x/(x'*x)", "--wrt", "x", "--code", "jax", "--with-value"]) == 0
    out = capsys.readouterr().out
    assert "import jax.numpy as jnp" in out and "def value_and_gradient_x(x, A):" in out
    assert main(["--code", "tr(A X)", "--wrt", "X"]) == 0  # --code before the expression: NumPy
    assert "import numpy as np" in capsys.readouterr().out
    assert main(["norm2(A*x - b)^2", "--wrt", "x,A", "--where", "b: vector", "--code", "--with-value"]) == 0
    out = capsys.readouterr().out
    assert out.count("\ndef value_and") == 1 and "def value_and_gradients_x_A(A, x, b):" in out


def test_cli_names_an_unknown_backend_wherever_it_stands(capsys):
    for argv in (["x'*x", "--wrt", "x", "--code", "cupy"], ["--code", "cupy", "x'*x", "--wrt", "x"]):
        with pytest.raises(SystemExit) as done:
            main(argv)
        assert done.value.code == 2
        assert "there is no code backend 'cupy': choose one of numpy, jax, torch" in capsys.readouterr().err
    assert main(["--code", "x", "--wrt", "x"]) == 0  # a lone expression after --code is the expression
    assert "def jacobian_x(x):" in capsys.readouterr().out  # f = x: its Jacobian, I


def test_a_refusal_names_the_function_as_typed(capsys):
    with pytest.raises(matdiff.BackendError, match="jax backend has no form of logm;"):
        matdiff.derivative("sum(logm(A))", "A").code(backend="jax")  # its gradient holds frechet_logm
    assert "def gradient_x" in matdiff.derivative("x'*x", "x").code(backend=None)  # None: the default


def test_cli_refuses_with_value_without_code_and_a_lacking_backend(capsys):
    assert main(["tr(X)", "--wrt", "X", "--with-value"]) != 0
    assert "--with-value says what --code returns: add --code" in capsys.readouterr().err
    assert main(["tr(logm(X)*A)", "--wrt", "X", "--code", "jax"]) != 0
    err = capsys.readouterr().err
    assert "jax backend has no form of" in err and "Traceback" not in err


def test_symbols_of_a_plan_are_the_results():
    """Planning changes no leaf: the planned trees read the same symbols."""
    r = matdiff.derivative("x'*A*x/(x'*x)", "x")
    (planned,) = plan([r.value])
    assert {s.name for s in symbols_of(planned)} == {"x", "A"}  # f, the name the result uses, is no input
    assert "def gradient_x" in generate_module([r.code_function()])
