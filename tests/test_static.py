"""Static checks as tests, so that CI's one command runs them: mypy on the
package, ruff (pyflakes and pycodestyle rules) on everything."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_mypy_finds_no_type_errors():
    api = pytest.importorskip("mypy.api")
    out, err, status = api.run([str(ROOT / "matdiff"), "--ignore-missing-imports", "--no-incremental",
                                 "--config-file", str(ROOT / "pyproject.toml")])
    assert status == 0, out + err


def test_ruff_finds_no_errors():
    pytest.importorskip("ruff")
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--isolated", "--line-length", "120",
                           "--select", "E,F,W", "--extend-exclude", "matdiff/frontend/lalr_tables.py",
                           "matdiff", "tests", "examples", "benchmarks", "grammar"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
