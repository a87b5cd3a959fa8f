"""The command line through main(argv) -> int, and once as a real process."""
from __future__ import annotations

import json
import subprocess
import sys

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
    assert obj["kind"] == "hessian" and obj["result"] == "I ⊗ (A + Aᵀ)" and obj["operator"] == "(A + Aᵀ) dX"
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
    (["tr(A X)", "--wrt", "Y"], "does not appear"),
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
