"""The scripts in examples/ run to completion (each asserts its own result)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))


@pytest.mark.parametrize("script", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_runs(script):
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr


def test_there_are_three_examples():
    assert len(EXAMPLES) >= 3


def test_derivation_benchmark_runs():
    """Only that it runs; its timings are read by people, never asserted."""
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "derivation.py"), "--repeats", "1"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "trace product k=25" in done.stdout


def test_comparison_benchmark_runs():
    """Only that it runs (small sizes, one sample); its tables are read by people."""
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "compare.py"), "--quick", "--repeats", "1",
                           "--n", "40"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "Derivation (warm)" in done.stdout and "Generated Hessians" in done.stdout


def test_program_benchmark_runs():
    """Only that it runs (small sizes, one sample); its tables are read by people."""
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "programs.py"), "--quick", "--repeats", "1"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Derivation time against program length" in done.stdout and "Generated code of a 5-layer" in done.stdout


def test_codegen_benchmark_runs_and_agrees_with_the_hand_written_gradients():
    """At n = 30: every generated gradient equals the hand-written one (the script asserts it)."""
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "codegen.py"), "--sizes", "30"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("| 30 |") == 13 and "geometric mean" in done.stdout
