"""matdiff against SymPy, autograd and (when installed) JAX, in one run.

    python benchmarks/compare.py [--quick] [--repeats N]

Four tables of medians and ratios, each against a baseline measured in the
same invocation:
  1. derivation (warm) against SymPy's MatrixSymbol.diff;
  2. the command line from a cold start against `python -c "import lark"` (and a
     bare interpreter, `python -c "pass"`);
  3. generated gradient code at n = 1000 against f itself, autograd and JAX;
  4. generated Hessians against autograd.hessian and jax.hessian.
--quick skips SymPy's slowest cases (k = 32 trace product, tr(X^64): a minute).
Run on demand; the latest tables are in benchmarks/RESULTS.md.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

import matdiff  # noqa: E402


def median_seconds(fn, repeats: int, budget: float = 30.0) -> float:
    """Median over `repeats` samples of the time of one fn() call; a sample
    loops over enough calls to last 20 ms, so that sub-millisecond work is
    measured above the timer's noise (fewer samples once `budget` seconds pass)."""
    fn()
    t0 = time.perf_counter()
    fn()
    once_time = max(time.perf_counter() - t0, 1e-7)
    loops = max(1, int(0.02 / once_time))
    times: list[float] = []
    spent = 0.0
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(loops):
            fn()
        sample = time.perf_counter() - t0
        times.append(sample / loops)
        spent += sample
        if spent > budget:
            break
    return statistics.median(times)


def once(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def table(title: str, header: tuple[str, ...], rows: list[tuple]) -> None:
    print(f"\n### {title}\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(row) + " |")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.3g}" if seconds < 10 else f"{seconds:.3g} s"


# -- 1. derivation ----------------------------------------------------------------
def sympy_cases(quick: bool):
    import sympy as sp
    n = sp.Symbol("n", integer=True, positive=True)
    M = {name: sp.MatrixSymbol(name, n, n) for name in "ABCX"}
    x, y = sp.MatrixSymbol("x", n, 1), sp.MatrixSymbol("y", n, 1)
    A, B, C, X = M["A"], M["B"], M["C"], M["X"]

    def trace_product(k):
        As = [sp.MatrixSymbol(f"A{i}", n, n) for i in range(k)]
        expr = sp.Identity(n)
        for Ai in As:
            expr = expr * Ai * X
        text = "tr(" + "*".join(f"A{i}*X" for i in range(k)) + ")"
        return text, "X", lambda: sp.Trace(expr).diff(X)

    cases = [
        ("tr(A X B)", "X", lambda: sp.Trace(A * X * B).diff(X)),
        ("log(det(X))", "X", lambda: sp.log(sp.Determinant(X)).diff(X)),
        ("x'*A*x", "x", lambda: (x.T * A * x).diff(x)),
        ("tr(X'*A*X)", "X", lambda: sp.Trace(X.T * A * X).diff(X)),
        ("tr(inv(X))", "X", lambda: sp.Trace(X.I).diff(X)),
        ("norm2(A*x - y)^2", "x", lambda: ((A * x - y).T * (A * x - y)).diff(x)),
        ("tr(A*X'*B*X*C)", "X", lambda: sp.Trace(A * X.T * B * X * C).diff(X)),
    ]
    ks = (8, 16) if quick else (8, 16, 32)
    cases += [trace_product(k) for k in ks]
    powers = (16, 32) if quick else (16, 32, 64)
    cases += [(f"tr(X^{k})", "X", (lambda k=k: sp.Trace(X ** k).diff(X))) for k in powers]
    return cases


def sympy_seconds(diff, repeats: int) -> float:
    """Median time of SymPy's diff with its cache cleared first (otherwise a
    repeated call only looks the answer up)."""
    from sympy.core.cache import clear_cache
    times = []
    for _ in range(repeats):
        clear_cache()
        times.append(once(diff))
    return statistics.median(times)


def derivation_table(repeats: int, quick: bool) -> None:
    rows = []
    for text, wrt, sympy_diff in sympy_cases(quick):
        where = "X: matrix(n,n)" if "A0" in text else None
        ours = median_seconds(lambda: matdiff.derivative(text, wrt=wrt, where=where), repeats)
        theirs = sympy_seconds(sympy_diff, 1 if ("A0" in text or "^" in text) else max(3, repeats // 3))
        label = f"trace product k={text.count('X')}" if "A0" in text else text
        rows.append((label, ms(ours), ms(theirs), f"{theirs / ours:.0f}×"))
    table("Derivation (warm), ms", ("expression", "matdiff", "SymPy diff", "SymPy / matdiff"), rows)


# -- 2. command line ----------------------------------------------------------------
def cold_start_table(repeats: int) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

    def run(args):
        return lambda: subprocess.run([sys.executable, *args], capture_output=True, env=env, check=True)

    bare = median_seconds(run(["-c", "pass"]), repeats)
    lark = median_seconds(run(["-c", "import lark"]), repeats)
    rows = [("python -c \"pass\"", ms(bare), f"{bare / lark:.2f}"), ("python -c \"import lark\"", ms(lark), "1.00")]
    commands = (["-m", "matdiff", "tr(A X B)", "--wrt", "X"], ["-m", "matdiff", "log(det(X))", "--wrt", "X", "--json"])
    for args in commands:
        t = median_seconds(run(args), repeats)
        rows.append((" ".join(["matdiff"] + [a if " " not in a else f'"{a}"' for a in args[2:]]), ms(t),
                     f"{t / lark:.2f}"))
    table("Command line from a cold start, ms", ("command", "median", "ratio to import lark"), rows)


# -- 3. generated gradients -------------------------------------------------------------
def gradient_cases(n: int, rng: np.random.Generator):
    A = rng.standard_normal((n, n))
    X = rng.standard_normal((n, n))
    S = np.eye(n) + 0.1 * rng.standard_normal((n, n)) / np.sqrt(n)
    P = (lambda G: G @ G.T / n + np.eye(n))(rng.standard_normal((n, n)))
    x, b = rng.standard_normal(n), rng.standard_normal(n)
    Z, t = rng.standard_normal((n, n)), np.sign(rng.standard_normal(n))
    return [
        ("tr(XᵀAX)", "tr(X'*A*X)", "X", None, {"X": X, "A": A}, lambda np, X, A: np.trace(X.T @ A @ X)),
        ("½xᵀAx − bᵀx", "0.5*x'*A*x - b'*x", "x", "b: vector", {"x": x, "A": A, "b": b},
         lambda np, x, A, b: 0.5 * x @ (A @ x) - b @ x),
        ("½xᵀSx − bᵀx, S symmetric", "0.5*x'*A*x - b'*x", "x", "b: vector, A: matrix(n,n) symmetric",
         {"x": x, "A": (A + A.T) / 2, "b": b}, lambda np, x, A, b: 0.5 * x @ (A @ x) - b @ x),
        ("logistic loss", "sum(log(vector(1) + exp(-t .* (Z*w))))", "w", None, {"w": x, "Z": Z, "t": t},
         lambda np, w, Z, t: np.sum(np.logaddexp(0.0, -t * (Z @ w)))),
        ("tr(X⁻¹A)", "tr(inv(X)*A)", "X", None, {"X": S, "A": A},
         lambda np, X, A: np.trace(np.linalg.inv(X) @ A)),
        ("log det X (spd)", "log(det(X))", "X", "X: spd", {"X": P}, lambda np, X: np.linalg.slogdet(X)[1]),
    ]


def autodiff_libraries():
    libs = {}
    try:
        import autograd
        import autograd.numpy as anp
        libs["autograd"] = (autograd, anp)
    except ImportError:
        pass
    try:
        import jax
        import jax.numpy as jnp
        jax.config.update("jax_enable_x64", True)
        libs["jax"] = (jax, jnp)
    except ImportError:
        pass
    return libs


def gradient_table(repeats: int, n: int) -> None:
    rng = np.random.default_rng(0)
    libs = autodiff_libraries()
    rows = []
    for label, text, wrt, where, values, f in gradient_cases(n, rng):
        names = list(values)
        f_time = median_seconds(lambda: f(np, **values), repeats)
        grad = matdiff.derivative(text, wrt=wrt, where=where).lambdify()
        ours = median_seconds(lambda: grad(**values), repeats)
        row = [label, ms(f_time), ms(ours), f"{ours / f_time:.2f}"]
        for name in ("autograd", "jax"):
            if name not in libs:
                row.append("—")
                continue
            lib, lnp = libs[name]
            i = names.index(wrt)
            if name == "autograd":
                g = lib.grad(lambda *args: f(lnp, **dict(zip(names, args))), i)
            else:
                g = lib.jit(lib.grad(lambda *args: f(lnp, **dict(zip(names, args))), i))
            args = [values[k] for k in names]
            theirs = median_seconds(lambda: np.asarray(g(*args)), repeats)
            row.append(f"{ms(theirs)} ({theirs / ours:.1f}× matdiff)")
        rows.append(tuple(row))
    table(f"Generated gradient code at n = {n}, ms",
          ("f", "f itself", "matdiff ∇f", "∇f / f", "autograd", "jax.jit(grad)"), rows)


def hessian_table(repeats: int) -> None:
    rng = np.random.default_rng(1)
    libs = autodiff_libraries()
    rows = []
    for label, text, wrt, where, n, f in [
        ("½xᵀAx − bᵀx", "0.5*x'*A*x - b'*x", "x", "b: vector", 1000,
         lambda np, x, A, b, **_: 0.5 * x @ (A @ x) - b @ x),
        ("logistic loss", "sum(log(vector(1) + exp(-t .* (Z*x))))", "x", None, 300,
         lambda np, x, Z, t, **_: np.sum(np.logaddexp(0.0, -t * (Z @ x)))),
    ]:
        values = {"x": rng.standard_normal(n), "A": rng.standard_normal((n, n)), "b": rng.standard_normal(n),
                  "Z": rng.standard_normal((n, n)), "t": np.sign(rng.standard_normal(n))}
        h = matdiff.hessian(text, wrt=wrt, where=where).lambdify()
        used = {k: values[k] for k in ("x", "A", "b") if k in text or k == "x"} if "A" in text else \
            {k: values[k] for k in ("x", "Z", "t")}
        ours = median_seconds(lambda: h(**used), repeats)
        row = [f"{label} (n = {n})", ms(ours)]
        for name in ("autograd", "jax"):
            if name not in libs:
                row.append("—")
                continue
            lib, lnp = libs[name]
            others = {k: v for k, v in used.items() if k != "x"}
            H = lib.hessian(lambda x: f(lnp, x, **others))
            if name == "jax":
                H = lib.jit(H)
            theirs = median_seconds(lambda: np.asarray(H(used["x"])), max(3, repeats // 4))
            row.append(f"{ms(theirs)} ({theirs / ours:.0f}× matdiff)")
        rows.append(tuple(row))
    table("Generated Hessians, ms", ("f", "matdiff", "autograd.hessian", "jax.jit(jax.hessian)"), rows)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="skip SymPy's slowest cases")
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--n", type=int, default=1000, help="size of the generated-code benchmarks")
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    print(f"{platform.python_implementation()} {platform.python_version()}, {platform.machine()}, "
          f"{os.cpu_count()} cores; numpy {np.__version__}")
    derivation_table(args.repeats, args.quick)
    cold_start_table(args.repeats)
    gradient_table(args.repeats, args.n)
    hessian_table(args.repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main())
