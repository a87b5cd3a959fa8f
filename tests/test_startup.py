"""The command line's derivation path stays light: no NumPy, SymPy or SciPy
import, and the parser tables come from the package, never from a cache.
Times are measured by benchmarks/, never asserted here."""
from __future__ import annotations

import hashlib
import os
import pickle
import subprocess
import sys


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


def test_no_file_in_the_cache_directory_is_loaded(tmp_path):
    """The parser tables ship inside the package: a pickle planted where a cache
    of them once lived (with the names that cache used) never runs."""
    marker = tmp_path / "ran"
    payload = pickle.dumps(_Planted(str(marker)))
    cache = tmp_path / "matdiff"
    cache.mkdir()
    key = hashlib.sha256(b"planted").hexdigest()[:16]
    for start in ("start", "declarations_only"):
        (cache / f"parser-{start}-{key}.lark-cache").write_bytes(payload)
    os.mkfifo(cache / "parser-start-fifo.lark-cache")  # a FIFO there once hung the parser
    out = _run("import matdiff; print(matdiff.derivative('tr(A X B)', wrt='X'))", XDG_CACHE_HOME=str(tmp_path))
    assert out.strip() == "Aᵀ Bᵀ" and not marker.exists()
    assert sorted(p.name for p in cache.iterdir()) == sorted(["parser-start-fifo.lark-cache"] + [
        f"parser-{s}-{key}.lark-cache" for s in ("start", "declarations_only")])


class _Planted:
    """Unpickling this object would create the marker file."""

    def __init__(self, path: str):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_parsing_reads_no_file(tmp_path):
    """Parsing opens nothing: the tables are Python literals of the package."""
    out = _run("import builtins, io\n"
               "import matdiff\n"
               "opened = []\n"
               "real = io.open\n"
               "builtins.open = io.open = lambda *a, **k: opened.append(a[0]) or real(*a, **k)\n"
               "matdiff.parse('tr(A X B) where A: matrix(n,n)')\n"
               "print(opened)")
    assert out.strip() == "[]"
