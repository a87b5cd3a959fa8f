"""The command line through main(argv) -> int, and once as a real process."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from matdiff.cli import main


def test_plain_output_shows_expression_shape_differential_and_gradient(capsys):
    assert main(["tr(A X B)", "--wrt", "X"]) == 0
    out = capsys.readouterr().out
    assert "(scalar)" in out and "df = tr(A dX B)" in out and "∇X f = Aᵀ Bᵀ" in out


def test_without_wrt_prints_the_parsed_expression_and_sizes(capsys):
    assert main(["x'*A*x where A: matrix(n,n) symmetric"]) == 0
    out = capsys.readouterr().out
    assert "input form: x'*A*x" in out and "shape:      scalar" in out and "A: matrix(n, n) symmetric" in out


def test_json_output(capsys):
    assert main(["log(det(X))", "--wrt", "X", "--json"]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert obj["result"] == "X⁻ᵀ" and obj["kind"] == "gradient" and "def gradient_X" in obj["code"]


def test_latex_and_code_outputs(capsys):
    assert main(["log(det(X))", "--wrt", "X", "--latex"]) == 0
    assert capsys.readouterr().out.strip() == r"\nabla_{X} f = X^{-\mathsf{T}}"
    assert main(["norm2(A*x - y)^2", "--wrt", "x", "--code"]) == 0
    code = capsys.readouterr().out
    namespace: dict = {}
    exec(code, namespace)
    assert namespace["gradient_x"]([[1.0, 0.0], [0.0, 1.0]], [1.0, 2.0], [0.0, 0.0]).tolist() == [2.0, 4.0]


def test_check_flag(capsys):
    assert main(["norm2(A*x - y)^2", "--wrt", "x", "--check"]) == 0
    assert "check passed" in capsys.readouterr().out


def test_where_flag(capsys):
    assert main(["x'*A*x", "--wrt", "x", "--where", "A: matrix(n,n) symmetric"]) == 0
    assert "= 2 A x" in capsys.readouterr().out


def test_several_wrt(capsys):
    assert main(["x'*A*y", "--wrt", "x", "--wrt", "y"]) == 0
    out = capsys.readouterr().out
    assert "∇x f = A y" in out and "∇y f = Aᵀ x" in out


def test_hessian_flag(capsys):
    assert main(["x'*A*x", "--wrt", "x", "--where", "A: matrix(n,n) symmetric", "--hessian", "--check"]) == 0
    out = capsys.readouterr().out
    assert "d²f = 2 dxᵀ A dx" in out and "H[dx] = 2 A dx" in out and "∇²x f = 2 A" in out
    assert "check passed" in out


def test_hessian_json_and_code(capsys):
    assert main(["tr(X' A X)", "--wrt", "X", "--hessian", "--json"]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert obj["kind"] == "hessian" and obj["result"] == "eye(n) ⊗ (A + Aᵀ)" and obj["operator"] == "(A + Aᵀ) dX"
    assert main(["x'*A*x", "--wrt", "x", "--hessian", "--code"]) == 0
    namespace: dict = {}
    exec(capsys.readouterr().out, namespace)
    assert namespace["hessian_x"]([1.0, 2.0], [[1.0, 2.0], [0.0, 1.0]]).tolist() == [[2.0, 2.0], [2.0, 2.0]]


def test_block_hessian_flag(capsys):
    assert main(["x'*A*y", "--wrt", "x,y", "--hessian"]) == 0
    out = capsys.readouterr().out
    assert "∇²xy f = A" in out and "∇²yx f = Aᵀ" in out and "∇²x f = 0" in out


@pytest.mark.parametrize("argv,words", [
    (["A*x", "--wrt", "x", "--hessian"], "needs a scalar function"),
    (["sum(eigvals(X))", "--wrt", "X"], "symmetric"),
    (["A*x'", "--wrt", "x"], "columns of A"),
    (["tr(A*X*B", "--wrt", "X"], "never closed"),
    (["logdett(X)", "--wrt", "X"], "did you mean logdet"),
    (["x'x", "--wrt", "x", "--where", "x: vectr(3)"], "did you mean vector"),
    (["tr(A X)", "--wrt", "X'"], "wrt takes the name of a symbol"),
    (["", "--wrt", "x"], "empty"),
])
def test_errors_go_to_stderr_with_status_1(capsys, argv, words):
    assert main(argv) == 1
    captured = capsys.readouterr()
    assert words in captured.err and "Traceback" not in captured.err and captured.out == ""


def test_help_lists_every_public_function(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    from matdiff.ops import REGISTRY
    for name, fn in REGISTRY.items():
        if fn.public:
            assert f"    {name} " in out
    for op in ("A .* B", "A ⊗ B", "A^T", "A .^ p", "inv(A)"):
        assert op in out


def test_python_dash_m_runs_without_traceback():
    done = subprocess.run([sys.executable, "-m", "matdiff", "A*x'", "--wrt", "x"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "Traceback" not in done.stderr and "columns of A" in done.stderr


def test_an_expression_may_begin_with_a_minus_sign(capsys):
    """SPEC §10: `matdiff "-x'*x" --wrt x` once said the expression was missing."""
    assert main(["-x'*x", "--wrt", "x"]) == 0
    assert "∇x f = -2 x" in capsys.readouterr().out
    assert main(["--wrt", "x", "-x'*A*x", "--where", "A: matrix(n,n) symmetric"]) == 0
    assert "∇x f = -2 A x" in capsys.readouterr().out


def test_an_expression_beginning_with_minus_keeps_its_caret(capsys):
    assert main(["-A*x'", "--wrt", "x"]) == 1
    err = capsys.readouterr().err
    assert err.splitlines()[1:] == ["  -A*x'", "    ^"]


def test_version(capsys):
    import matdiff
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0 and capsys.readouterr().out.strip() == f"matdiff {matdiff.__version__}"


def test_repeated_where_options_combine(capsys):
    """Once only the last --where counted, and ∇ tr(AS) with S symmetric read Aᵀ."""
    assert main(["tr(A*S)", "--wrt", "S", "--where", "S: symmetric", "--where", "A: matrix(4,4)"]) == 0
    assert "∇S f = 0.5 (A + Aᵀ)" in capsys.readouterr().out
    assert main(["x'*x", "--wrt", "x", "--where", "x: vector(3)", "--where", "x: vector(4)"]) == 1
    assert "two sizes" in capsys.readouterr().err


def test_json_without_wrt_is_json(capsys):
    assert main(["x'*A*x where A: matrix(n,n)", "--json"]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert obj["shape"] == "scalar" and obj["expression"] == "x'*A*x"
    assert {s["name"]: s["shape"] for s in obj["symbols"]} == {"x": "vector(n)", "A": "matrix(n, n)"}


@pytest.mark.parametrize("flag", ["--check", "--code", "--hessian"])
def test_options_that_need_wrt_say_so(capsys, flag):
    assert main(["x'*x", flag]) == 1
    err = capsys.readouterr().err
    assert f"{flag} needs a variable: add --wrt X" in err and "Traceback" not in err


def test_a_repeated_wrt_is_one_variable(capsys):
    assert main(["tr(X)", "--wrt", "X", "--wrt", "X"]) == 0
    assert capsys.readouterr().out.count("∇X f = I") == 1


def test_code_for_several_variables_is_one_module(capsys):
    assert main(["x'*A*y", "--wrt", "x,y", "--code"]) == 0
    code = capsys.readouterr().out
    assert code.count("import numpy as np") == 1 and code.count("def _as_array") == 1
    namespace: dict = {}
    exec(code, namespace)
    A, x, y = np.arange(6.0).reshape(2, 3), np.array([1.0, 2.0]), np.array([1.0, 0.0, -1.0])
    gx, gy = namespace["gradients_x_y"](x, A, y)  # one function for every --wrt
    assert gx.tolist() == (A @ y).tolist() and gy.tolist() == (A.T @ x).tolist()


def test_notes_go_to_stderr(capsys):
    assert main(["x'Ax", "--wrt", "x"]) == 0
    assert "note: Ax is read as one name (a matrix); for a product write A*x or A x" in capsys.readouterr().err
    assert main(["tr(X)", "--wrt", "Y"]) == 0
    captured = capsys.readouterr()
    assert "∇Y f = 0" in captured.out and "note: f does not depend on Y" in captured.err
    assert main(["tr(X)", "--wrt", "X", "--where", "Z: matrix(3,3)"]) == 0
    assert "note: Z is declared in --where but does not appear" in capsys.readouterr().err


def test_check_of_a_product_whose_symbols_are_named_like_sizes(capsys):
    """`matdiff "p'*A*X*B*q" --wrt X --check` once ended in a traceback."""
    assert main(["p'*A*X*B*q", "--wrt", "X", "--check"]) == 0
    assert "check passed" in capsys.readouterr().out
