"""The command line's derivation path stays light: no NumPy, SymPy or SciPy
import, and the parser tables come from a cache (the same parser either way).
Times are measured by benchmarks/, never asserted here."""
from __future__ import annotations

import os
import subprocess
import sys

import matdiff
from matdiff.frontend import grammar


def _run(code: str, **env: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **env})
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_plain_derivation_imports_no_numerics():
    out = _run("import sys, io, contextlib\n"
               "from matdiff.cli import main\n"
               "with contextlib.redirect_stdout(io.StringIO()):\n"
               "    main(['tr(A X B)', '--wrt', 'X']); main(['log(det(X))', '--wrt', 'X', '--json'])\n"
               "print(sorted(m for m in ('numpy', 'sympy', 'scipy') if m in sys.modules))")
    assert out.strip() == "[]"


def test_numpy_loads_when_values_are_needed():
    out = _run("import sys, matdiff\n"
               "f = matdiff.derivative('x\\'*x', wrt='x').lambdify()\n"
               "print(f(x=[1.0, 2.0]).tolist(), 'numpy' in sys.modules)")
    assert out.strip() == "[2.0, 4.0] True"


def test_parser_cache_gives_the_same_trees(tmp_path):
    text = "tr(A*X'*B) + x'*kron(C, D)*y"
    cached = _run(f"import matdiff; print(matdiff.parse({text!r}))", XDG_CACHE_HOME=str(tmp_path))
    again = _run(f"import matdiff; print(matdiff.parse({text!r}))", XDG_CACHE_HOME=str(tmp_path))
    fresh = _run(f"import matdiff; print(matdiff.parse({text!r}))", MATDIFF_NO_CACHE="1")
    assert cached == again == fresh and any(tmp_path.rglob("*.lark-cache"))
    assert str(matdiff.parse(text)) == cached.strip()


def test_unwritable_cache_directory_falls_back_to_building(tmp_path, monkeypatch):
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    out = _run("import matdiff; print(matdiff.derivative('tr(A X B)', wrt='X'))", XDG_CACHE_HOME=str(blocked))
    assert out.strip() == "Aᵀ Bᵀ"
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    assert grammar.cache_path("x", "start") is None
