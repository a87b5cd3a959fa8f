"""Derivation time of matdiff on classic gradients and on expressions of up to
50 operators (median of repeated warm calls, in milliseconds).

    python benchmarks/derivation.py [--repeats N] [--markdown] [--steps]

--steps adds a column: the same derivations recording their steps and
printing them (derivative(..., steps=True).steps_text()); without it, only
what a derivation costs when no steps are asked for.

Run on demand; the latest table is in benchmarks/RESULTS.md. Nothing here is
a test: the test suite only checks that the script runs.
"""
from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import matdiff  # noqa: E402


def trace_product(k: int) -> str:
    """tr(A1 X A2 X ... Ak X): 2k - 1 products and a trace."""
    decl = ", ".join(f"A{i}: matrix(n,n)" for i in range(1, k + 1))
    return "tr(" + "*".join(f"A{i}*X" for i in range(1, k + 1)) + f") where X: matrix(n,n), {decl}"


def quadratic_sum(k: int) -> str:
    """Σ xᵀ Aᵢ x: 3 operators a term."""
    decl = ", ".join(f"A{i}: matrix(n,n)" for i in range(1, k + 1))
    return " + ".join(f"x'*A{i}*x" for i in range(1, k + 1)) + f" where {decl}"


def elementwise_chain(k: int) -> str:
    """sum(sin(tanh(exp(... W x ...)))): k nested functions."""
    inner = "W*x"
    names = ["sin", "tanh", "sigmoid", "cos", "arctan"]
    for i in range(k):
        inner = f"{names[i % len(names)]}({inner})"
    return f"sum({inner})"


def network(layers: int) -> str:
    """A tanh network's squared error: 4 operators a layer."""
    decl = ", ".join(f"W{i}: matrix" for i in range(1, layers + 1))
    h = "x"
    for i in range(1, layers + 1):
        h = f"tanh(W{i}*{h})"
    return f"norm2({h} - y)^2 where {decl}"


def generated(min_operators: int) -> tuple[str, str]:
    """The first expression of tests/expressions.py's generator with that many operators."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from expressions import Generator, RandomChooser
    for seed in range(10_000):
        sample = Generator(RandomChooser(seed), size=12, oracle_only=True, leaf_chance=0.05).scalar_expression()
        plain = [sym.name for sym in sample.plain_symbols()]
        if sample.expr.operators() >= min_operators and plain:
            return sample.text + (f" where {sample.where}" if sample.where else ""), plain[0]
    raise SystemExit("no generated expression is that large")


CASES = [
    ("tr(AXB)", "tr(A X B)", "X"),
    ("log det X", "log(det(X))", "X"),
    ("xᵀAx", "x'*A*x", "x"),
    ("tr(XᵀAX)", "tr(X'*A*X)", "X"),
    ("tr(X⁻¹)", "tr(inv(X))", "X"),
    ("‖Ax − y‖²", "norm2(A*x - y)^2", "x"),
    ("tr(AXᵀBXC)", "tr(A*X'*B*X*C)", "X"),
    ("logistic loss", "sum(log(exp(-y.*(X*w)) + vector(1)))", "w"),
    ("trace product k=12 (24 ops)", trace_product(12), "X"),
    ("trace product k=25 (50 ops)", trace_product(25), "X"),
    ("17 quadratic forms (50 ops)", quadratic_sum(17), "x"),
    ("25 nested functions", elementwise_chain(25), "x"),
    ("12-layer tanh network (50 ops)", network(12), "W1"),
    # pathological inputs (issue: termination and size bounds)
    ("tr(X^64)", "tr(X^64)", "X"),
    ("trace product k=20 (40 factors)", trace_product(20), "X"),
    ("300-term sum", " + ".join(f"{k}*x'*A*x" for k in range(1, 301)), "x"),
    ("500 nested parentheses", "(" * 500 + "x'*A*x" + ")" * 500, "x"),
]



def median_ms(text: str, wrt: str, repeats: int, steps: bool = False) -> float:
    def run() -> None:
        if steps:
            matdiff.derivative(text, wrt=wrt, steps=True).steps_text()
        else:
            matdiff.derivative(text, wrt=wrt)
    run()  # warm: parser built, modules imported
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        run()
        times.append(time.perf_counter() - t0)
    return 1000 * statistics.median(times)


def code_rows(repeats: int) -> list[tuple[str, int, float]]:
    """.code() of the k-factor trace gradient against the size of the result
    (nodes written out): generation should be near-linear in that size."""
    from matdiff.nodes import written_size
    rows = []
    for k in (10, 20, 30, 40, 60):
        r = matdiff.derivative(trace_product(k // 2), wrt="X")
        r.code()
        times = []
        for _ in range(max(3, repeats // 4)):
            t0 = time.perf_counter()
            r.code()
            times.append(time.perf_counter() - t0)
        rows.append((f"∇ of the {k}-factor trace product", written_size(r.value), 1000 * statistics.median(times)))
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--markdown", action="store_true", help="print a Markdown table")
    ap.add_argument("--steps", action="store_true", help="also time derivations recording and printing their steps")
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore", matdiff.MatdiffWarning)  # notes on the inputs are not what is timed
    cases = CASES + [("generated, 300+ operators", *generated(300))]
    rows = [(label, median_ms(text, wrt, args.repeats)) for label, text, wrt in cases]
    with_steps = [median_ms(text, wrt, args.repeats, steps=True) for _, text, wrt in cases] if args.steps else []
    machine = f"{platform.python_implementation()} {platform.python_version()} on {platform.machine()}"
    code = code_rows(args.repeats)
    if args.markdown:
        if with_steps:
            print("| expression | median derivation time (ms) | with steps recorded and printed (ms) |\n"
                  "|---|---:|---:|")
            for (label, ms), steps_ms in zip(rows, with_steps):
                print(f"| {label} | {ms:.2f} | {steps_ms:.2f} |")
        else:
            print("| expression | median derivation time (ms) |\n|---|---:|")
            for label, ms in rows:
                print(f"| {label} | {ms:.2f} |")
        print("\n| generated code | result size (nodes) | median `.code()` time (ms) |\n|---|---:|---:|")
        for label, size, ms in code:
            print(f"| {label} | {size:,} | {ms:.2f} |")
        print(f"\n{machine}, {args.repeats} warm calls each.")
    else:
        for i, (label, ms) in enumerate(rows):
            print(f"{label:34s} {ms:8.2f} ms" + (f"   with steps {with_steps[i]:8.2f} ms" if with_steps else ""))
        for label, size, ms in code:
            print(f"code: {label:28s} {size:7d} nodes {ms:8.2f} ms")
        print(machine)
    return 0


if __name__ == "__main__":
    sys.exit(main())
