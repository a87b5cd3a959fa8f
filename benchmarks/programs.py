"""Programs: derivation time against program length, and the generated
backward pass of a 20-layer network against NumPy and JAX.

    python benchmarks/programs.py [--quick] [--repeats N] [--markdown]

Two tables of medians of warm calls, in milliseconds:
  1. matdiff.derivative(text, wrt="W0") of chains of L = 10, 100 and 1000 tanh
     layers (h0 = tanh(W0*x), h{i} = tanh(W{i}*h{i-1}), f = sum(h{L-1})), per
     program and per layer, beside 100 derivations of a single layer;
  2. at width n = 500, the 20-layer network h{i} = tanh(W{i}*h{i-1} + b{i}),
     f = sum(h19): f in plain NumPy, matdiff's one generated function for the
     gradients of all 40 weights and biases (results[0].backprop.lambdify()),
     and jax.jit(jax.grad(f, argnums=...)) in float64 when JAX is installed,
     with the largest relative difference between the two sets of gradients
     (central differences on two entries when JAX is not installed).
--quick uses small sizes (chains of 10 and 100 layers, 5 layers of width 40),
so that a test can run the script in seconds. BLAS and XLA keep their default
threads, as in compare.py; the platform line names the environment variables
that would change that, when set. Python's garbage collector stays on, as in
a user's session.

Run on demand. Nothing here is asserted: the targets are printed beside the
numbers for people to read (the test suite only checks that the script runs).
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
import warnings
from pathlib import Path
from typing import Any, Callable, cast

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

import matdiff  # noqa: E402

Row = tuple[str, ...]
ENVIRONMENT = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_CORETYPE", "XLA_FLAGS")


def median_seconds(call: Callable[[int], object], repeats: int) -> float:
    """Median time of call(k) for k = 1..repeats, after a warm call(0)."""
    call(0)
    times = []
    for k in range(1, repeats + 1):
        t0 = time.perf_counter()
        call(k)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def ms(seconds: float) -> str:
    """Milliseconds to three significant digits (whole ones from a second up)."""
    return f"{seconds * 1000:.3g}" if seconds < 1 else f"{seconds * 1000:.0f}"


def print_table(title: str, header: Row, rows: list[Row], markdown: bool) -> None:
    if markdown:
        print(f"\n### {title}\n")
        print("| " + " | ".join(header) + " |")
        print("|---|" + "---:|" * (len(header) - 1))
        for row in rows:
            print("| " + " | ".join(row) + " |")
        return
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    print(f"\n{title}")
    for row in [header, *rows]:
        cells = [cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths))]
        print("  ".join(cells).rstrip())


def verdict(met: bool) -> str:
    return "met" if met else "not met"


# -- 1. derivation time against program length ------------------------------------
def chain(layers: int, x: str = "x") -> str:
    """A chain of tanh layers on the input vector `x`, summed."""
    lines = [f"h0 = tanh(W0*{x})"] + [f"h{i} = tanh(W{i}*h{i - 1})" for i in range(1, layers)]
    return "\n".join(lines + [f"f = sum(h{layers - 1})"])


def derivation_seconds(layers: int, repeats: int) -> float:
    """Median time of matdiff.derivative(chain, wrt="W0").

    Each call derives its own program, with its own input name (x0, x1, ...),
    so that no cache answers a repeated call."""
    texts = [chain(layers, f"x{k}") for k in range(repeats + 1)]
    return median_seconds(lambda k: matdiff.derivative(texts[k], wrt="W0"), repeats)


def single_layers_seconds(count: int, repeats: int) -> float:
    """Median time of `count` derivations of one-layer programs."""
    texts = [[chain(1, f"x{k}_{i}") for i in range(count)] for k in range(repeats + 1)]
    return median_seconds(lambda k: [matdiff.derivative(t, wrt="W0") for t in texts[k]], repeats)


TARGETS = {100: (0.050, "50 ms"), 1000: (1.0, "1 s")}  # the most a program of that many layers should take
RATIO_TARGET = 12.0


def length_table(lengths: tuple[int, ...], singles: int, repeats: int, markdown: bool) -> None:
    times = {}
    rows: list[Row] = []
    for layers in lengths:
        times[layers] = derivation_seconds(layers, repeats if layers < 1000 else max(1, repeats // 3))
        limit, said = TARGETS.get(layers, (0.0, ""))
        rows.append((f"{layers} layers", ms(times[layers]), ms(times[layers] / layers),
                     f"< {said}: {verdict(times[layers] < limit)}" if said else ""))
    single = single_layers_seconds(singles, repeats)
    rows.append((f"{singles} single layers ({singles} derivations)", ms(single), ms(single / singles),
                 f"about the {singles}-layer program" if singles in times else ""))
    print_table("Derivation time against program length, ms (derivative(text, wrt=\"W0\"))",
                ("program", "median", "per layer", "target"), rows, markdown)
    long, short = lengths[-1], lengths[-2]
    ratio = times[long] / times[short]
    print(f"\nratio time({long}) / time({short}) = {ratio:.2f}   target ≤ {RATIO_TARGET:g} (linear: {long / short:g})"
          f"   {verdict(ratio <= RATIO_TARGET)}")
    if singles in times:
        print(f"a program of {singles} layers takes {times[singles] / single:.2f}× the time of "
              f"{singles} single layers")


# -- 2. generated code of a network ------------------------------------------------
def network(layers: int) -> tuple[str, list[str]]:
    """The network program (biases declared vectors) and its weights and biases."""
    lines = ["h0 = tanh(W0*x + b0)"] + [f"h{i} = tanh(W{i}*h{i - 1} + b{i})" for i in range(1, layers)]
    where = ", ".join(f"b{i}: vector" for i in range(layers))
    text = "\n".join(lines + [f"f = sum(h{layers - 1})", f"where {where}"])
    return text, [f"W{i}" for i in range(layers)] + [f"b{i}" for i in range(layers)]


def network_values(layers: int, n: int) -> dict[str, np.ndarray]:
    """x, then the weights (scaled to keep tanh off saturation) and the biases."""
    rng = np.random.default_rng(0)
    values = {"x": rng.standard_normal(n)}
    values |= {f"W{i}": rng.standard_normal((n, n)) / np.sqrt(n) for i in range(layers)}
    values |= {f"b{i}": 0.1 * rng.standard_normal(n) for i in range(layers)}
    return values


def forward(xp: Any, x: Any, *parameters: Any) -> Any:
    """f by hand: `parameters` are the weights, then the biases (xp: numpy or jax.numpy)."""
    layers = len(parameters) // 2
    h = x
    for W, b in zip(parameters[:layers], parameters[layers:]):
        h = xp.tanh(W @ h + b)
    return xp.sum(h)


def jax_gradient(parameters: int) -> Callable[..., Any] | None:
    """jax.jit(jax.grad(f)) over every parameter, in float64; None without JAX."""
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)
    grad = jax.jit(jax.grad(lambda *args: forward(jnp, *args), argnums=tuple(range(1, parameters + 1))))
    return lambda *args: jax.block_until_ready(grad(*args))


def relative_difference(ours: tuple[np.ndarray, ...], theirs: tuple[Any, ...]) -> float:
    """The largest difference of two lists of gradients, each against its largest entry."""
    return max(float(np.max(np.abs(a - np.asarray(b))) / np.max(np.abs(np.asarray(b))))
               for a, b in zip(ours, theirs))


def central_difference(values: dict[str, np.ndarray], names: list[str], name: str, index: tuple[int, ...],
                       step: float = 1e-6) -> float:
    """∂f/∂name[index] by a central difference."""
    def f_at(delta: float) -> float:
        moved = values[name].copy()
        moved[index] += delta
        return float(forward(np, values["x"], *(moved if k == name else values[k] for k in names)))
    return (f_at(step) - f_at(-step)) / (2 * step)


def difference_check(values: dict[str, np.ndarray], names: list[str], ours: tuple[np.ndarray, ...]) -> str:
    """matdiff against central differences on the first entry of W0 and of the last bias."""
    worst = 0.0
    for name, index in ((names[0], (0, 0)), (names[-1], (0,))):
        fd = central_difference(values, names, name, index)
        worst = max(worst, abs(ours[names.index(name)][index] - fd) / abs(fd))
    return f"{worst:.1e} against central differences on two entries (W0[0,0], {names[-1]}[0])"


def jax_comparison(ordered: list[np.ndarray], mine: tuple[np.ndarray, ...], f_time: float,
                   repeats: int) -> tuple[Row, str] | None:
    """JAX's row of the table and its agreement with matdiff; None without JAX."""
    jax_grad = jax_gradient(len(ordered) - 1)
    if jax_grad is None:
        return None
    t0 = time.perf_counter()
    theirs = jax_grad(*ordered)
    first = time.perf_counter() - t0
    seconds = median_seconds(lambda _: jax_grad(*ordered), repeats)
    row = (f"jax.jit(jax.grad(f)), float64 ({len(ordered) - 1} argnums)", ms(seconds), f"{seconds / f_time:.2f}")
    return row, f"{relative_difference(mine, theirs):.1e} against JAX (first call, compiling: {ms(first)} ms)"


def network_table(layers: int, n: int, repeats: int, markdown: bool) -> None:
    text, names = network(layers)
    values = network_values(layers, n)
    ordered = [values["x"]] + [values[k] for k in names]
    t0 = time.perf_counter()
    results = cast("list[matdiff.Result]", matdiff.derivative(text, wrt=names))  # a list: several wrt
    derived = time.perf_counter() - t0
    t0 = time.perf_counter()
    gradients = results[0].backprop.lambdify()
    compiled = time.perf_counter() - t0

    f_time = median_seconds(lambda _: forward(np, *ordered), repeats)
    ours = median_seconds(lambda _: gradients(**values), repeats)
    rows: list[Row] = [("f in NumPy (forward pass by hand)", ms(f_time), "1.00"),
                       (f"matdiff backprop.lambdify() ({len(names)} gradients)", ms(ours), f"{ours / f_time:.2f}")]
    mine = gradients(**values)
    jax = jax_comparison(ordered, mine, f_time, repeats)
    if jax is None:
        rows.append(("jax.jit(jax.grad(f))", "—", "—"))
        agreement = difference_check(values, names, mine)
    else:
        rows.append(jax[0])
        agreement = jax[1]
    print_table(f"Generated code of a {layers}-layer network at width {n}, ms", ("function", "median", "ratio to f"),
                rows, markdown)
    print(f"\nmax relative difference of matdiff's gradients: {agreement}")
    if jax is None:
        print("JAX is not installed (pip install jax jaxlib to compare)")
    print(f"matdiff: derivation of the {len(names)} gradients {ms(derived)} ms, lambdify {ms(compiled)} ms (once)")


def machine() -> str:
    line = (f"{platform.python_implementation()} {platform.python_version()}, {platform.machine()}, "
            f"{os.cpu_count()} cores; numpy {np.__version__}")
    try:
        import jax
        line += f", jax {jax.__version__}"
    except ImportError:
        pass
    settings = [f"{k}={os.environ[k]}" for k in ENVIRONMENT if k in os.environ]
    return line + ("; " + " ".join(settings) if settings else "")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small sizes: chains up to 100 layers, 5 layers of width 40")
    ap.add_argument("--repeats", type=int, default=15, help="timed warm calls a row (a third for 1000 layers)")
    ap.add_argument("--markdown", action="store_true", help="print Markdown tables")
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore", matdiff.MatdiffWarning)  # notes on the inputs are not what is timed
    print(machine())
    length_table((10, 100) if args.quick else (10, 100, 1000), 100, args.repeats, args.markdown)
    network_table(*((5, 40) if args.quick else (20, 500)), args.repeats, args.markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
