"""Generated gradients against the fewest-pass hand-written ones, f itself,
jax.jit(jax.grad), torch.func.grad and autograd, in one run.

    python benchmarks/codegen.py                 # n = 300, 1000, 3000
    python benchmarks/codegen.py --sizes 300     # one size (the tests run this at n = 30)
    python benchmarks/codegen.py --large         # the Rayleigh quotient and cosine at n = 20 000

Times are the best of repeated calls (at least 3, about 0.2 s in all), in
ms; "peak" is the largest extra memory one NumPy call allocates
(tracemalloc), in MB. JAX runs in float64 on the CPU; columns of a library
that is not installed are left empty.
"""
from __future__ import annotations

import argparse
import math
import time
import tracemalloc
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import scipy.linalg
import scipy.special

import matdiff


@dataclass
class Case:
    name: str
    expr: str
    wrt: str
    where: str
    draw: Callable[[int, np.random.Generator], dict]
    f: Callable[[Any, dict], Any]          # f written once for NumPy, jax.numpy, autograd.numpy and torch
    grad: Callable[[dict], np.ndarray]     # the hand-written gradient of the fewest passes


def _spd(n: int, rng: np.random.Generator) -> np.ndarray:
    G = rng.standard_normal((n, n)) / math.sqrt(n)
    return G @ G.T + np.eye(n)


def _softplus(xp: Any, u: Any) -> Any:
    return xp.logaddexp(u, 0.0 * u)


def _logsoftmax(xp: Any, z: Any) -> Any:
    m = xp.max(z)
    return z - m - xp.log(xp.sum(xp.exp(z - m)))


def _slogdet(xp: Any, S: Any) -> Any:
    return xp.linalg.slogdet(S)[1]


def _nll(xp: Any, v: dict) -> Any:
    r = v["x"] - v["u"]
    return _slogdet(xp, v["S"]) + r @ xp.linalg.solve(v["S"], r)


def _grad_nll_S(v: dict) -> np.ndarray:
    Si = scipy.linalg.cho_solve(scipy.linalg.cho_factor(v["S"]), np.eye(len(v["S"])))
    z = Si @ (v["x"] - v["u"])
    return Si - np.outer(z, z)


def _grad_network(v: dict) -> np.ndarray:
    h = np.tanh(v["W1"] @ v["x"])
    z = v["W2"] @ h
    s = np.exp(z - z.max())
    s /= s.sum()
    dz = v["y"] - v["y"].sum() * s
    return np.outer((v["W2"].T @ dz) * (1 - h * h), v["x"])


def _grad_rayleigh(v: dict) -> np.ndarray:
    A, x = v["A"], v["x"]
    Ax, s = A @ x, x @ x
    return (Ax + A.T @ x - 2 * (x @ Ax) / s * x) / s


def _grad_cosine(v: dict) -> np.ndarray:
    x, y = v["x"], v["y"]
    nx, ny = np.linalg.norm(x), np.linalg.norm(y)
    return y / (nx * ny) - (x @ y) * x / (nx ** 3 * ny)


def _grad_logistic(v: dict) -> np.ndarray:
    X, w, y = v["X"], v["w"], v["y"]
    return -(X.T @ (y * scipy.special.expit(-y * (X @ w))))


def _grad_inverse_trace(v: dict) -> np.ndarray:
    Xi = np.linalg.inv(v["X"])
    return -(Xi @ v["C"] @ Xi).T


def _vec(n, rng):
    return rng.standard_normal(n)


def _mat(n, rng, m=None):
    return rng.standard_normal((n, m or n)) / math.sqrt(n)


CASES = [
    Case("½xᵀAx − bᵀx", "0.5*x'*A*x - b'*x", "x", "b: vector",
         lambda n, r: {"A": _mat(n, r), "x": _vec(n, r), "b": _vec(n, r)},
         lambda xp, v: 0.5 * v["x"] @ (v["A"] @ v["x"]) - v["b"] @ v["x"],
         lambda v: 0.5 * (v["A"] @ v["x"] + v["A"].T @ v["x"]) - v["b"]),
    Case("xᵀAx/xᵀx", "x'*A*x/(x'*x)", "x", "",
         lambda n, r: {"A": _mat(n, r), "x": _vec(n, r)},
         lambda xp, v: v["x"] @ (v["A"] @ v["x"]) / (v["x"] @ v["x"]), _grad_rayleigh),
    Case("cosine", "x'*y/(norm2(x)*norm2(y))", "x", "",
         lambda n, r: {"x": _vec(n, r), "y": _vec(n, r)},
         lambda xp, v: v["x"] @ v["y"] / (xp.sqrt(v["x"] @ v["x"]) * xp.sqrt(v["y"] @ v["y"])), _grad_cosine),
    Case("‖Ax − b‖²", "norm2(A*x - b)^2", "x", "b: vector",
         lambda n, r: {"A": _mat(n, r), "x": _vec(n, r), "b": _vec(n, r)},
         lambda xp, v: xp.sum((v["A"] @ v["x"] - v["b"]) ** 2),
         lambda v: 2 * (v["A"].T @ (v["A"] @ v["x"] - v["b"]))),
    Case("logistic loss", "sum(softplus(-y .* (X*w)))", "w", "y: vector",
         lambda n, r: {"X": _mat(n, r), "w": _vec(n, r), "y": np.sign(_vec(n, r))},
         lambda xp, v: xp.sum(_softplus(xp, -v["y"] * (v["X"] @ v["w"]))), _grad_logistic),
    Case("softmax cross-entropy", "-y'*log(softmax(W*x))", "W", "y: vector",
         lambda n, r: {"W": _mat(n, r), "x": _vec(n, r), "y": np.abs(_vec(n, r))},
         lambda xp, v: -v["y"] @ _logsoftmax(xp, v["W"] @ v["x"]),
         lambda v: np.outer(v["y"].sum() * scipy.special.softmax(v["W"] @ v["x"]) - v["y"], v["x"])),
    Case("tr(XᵀAX)", "tr(X'*A*X)", "X", "",
         lambda n, r: {"A": _mat(n, r), "X": _mat(n, r)},
         lambda xp, v: xp.sum(v["X"] * (v["A"] @ v["X"])),
         lambda v: v["A"] @ v["X"] + v["A"].T @ v["X"]),
    Case("log det S, S spd", "logdet(S)", "S", "S: spd",
         lambda n, r: {"S": _spd(n, r)}, lambda xp, v: _slogdet(xp, v["S"]),
         lambda v: scipy.linalg.cho_solve(scipy.linalg.cho_factor(v["S"]), np.eye(len(v["S"])))),
    Case("Gaussian NLL wrt S", "logdet(S) + (x-u)'*inv(S)*(x-u)", "S", "S: spd",
         lambda n, r: {"S": _spd(n, r), "x": _vec(n, r), "u": _vec(n, r)}, _nll, _grad_nll_S),
    Case("Gaussian NLL wrt u", "logdet(S) + (x-u)'*inv(S)*(x-u)", "u", "S: spd",
         lambda n, r: {"S": _spd(n, r), "x": _vec(n, r), "u": _vec(n, r)}, _nll,
         lambda v: -2 * scipy.linalg.cho_solve(scipy.linalg.cho_factor(v["S"]), v["x"] - v["u"])),
    Case("‖M − UVᵀ‖² wrt U", "norm2(M - U*V')^2", "U", "",
         lambda n, r: {"M": _mat(n, r), "U": _mat(n, r, max(n // 10, 2)), "V": _mat(n, r, max(n // 10, 2))},
         lambda xp, v: xp.sum((v["M"] - v["U"] @ v["V"].T) ** 2),
         lambda v: -2 * ((v["M"] - v["U"] @ v["V"].T) @ v["V"])),
    Case("two-layer network wrt W1", "sum(y .* log(softmax(W2*tanh(W1*x))))", "W1", "y: vector",
         lambda n, r: {"W1": _mat(n, r), "W2": _mat(10, r, n), "x": _vec(n, r), "y": np.abs(_vec(10, r))},
         lambda xp, v: v["y"] @ _logsoftmax(xp, v["W2"] @ xp.tanh(v["W1"] @ v["x"])), _grad_network),
    Case("tr(X⁻¹C)", "tr(inv(X)*C)", "X", "",
         lambda n, r: {"X": _spd(n, r), "C": _mat(n, r)},
         lambda xp, v: xp.trace(xp.linalg.solve(v["X"], v["C"])), _grad_inverse_trace),
]


def best_time(fn: Callable[[], Any], budget: float = 0.2) -> float:
    """The best of repeated calls, in ms (at least 3 calls)."""
    times: list[float] = []
    while len(times) < 3 or sum(times) < budget:
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
        if len(times) >= 50:
            break
    return 1000 * min(times)


def peak_mb(fn: Callable[[], Any]) -> float:
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1e6


def _optional(name: str) -> Any:
    try:
        return __import__(name)
    except ImportError:
        return None


def _jax_grad(case: Case, values: dict) -> Callable[[], Any] | None:
    jax = _optional("jax")
    if jax is None:
        return None
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    others = {k: jnp.asarray(v) for k, v in values.items()}
    grad = jax.jit(jax.grad(lambda w, rest: case.f(jnp, {**rest, case.wrt: w})))
    return lambda: grad(others[case.wrt], others).block_until_ready()


def _torch_grad(case: Case, values: dict) -> Callable[[], Any] | None:
    torch = _optional("torch")
    if torch is None:
        return None
    tensors = {k: torch.as_tensor(v) for k, v in values.items()}
    shim = _TorchShim(torch)
    grad = torch.func.grad(lambda w: case.f(shim, {**tensors, case.wrt: w}))
    return lambda: grad(tensors[case.wrt])


class _TorchShim:
    """The few NumPy names the f above use, in PyTorch."""

    def __init__(self, torch: Any):
        self.torch, self.linalg = torch, torch.linalg
        for name in ("sum", "exp", "log", "tanh", "sqrt", "trace", "max", "logaddexp"):
            setattr(self, name, getattr(torch, name))


def _autograd_grad(case: Case, values: dict) -> Callable[[], Any] | None:
    autograd = _optional("autograd")
    if autograd is None:
        return None
    import autograd.numpy as anp
    grad = autograd.grad(lambda w: case.f(anp, {**values, case.wrt: w}))
    return lambda: grad(values[case.wrt])


def _backend(case: Case, values: dict, backend: str) -> Callable[[], Any] | None:
    if _optional(backend) is None:
        return None
    g = matdiff.derivative(case.expr, case.wrt, case.where).lambdify(backend=backend)
    if backend == "jax":
        import jax.numpy as jnp
        arrays = {k: jnp.asarray(v) for k, v in values.items()}
        return lambda: g(**arrays).block_until_ready()
    import torch
    tensors = {k: torch.as_tensor(v) for k, v in values.items()}
    return lambda: g(**tensors)


def run_case(case: Case, n: int) -> dict:
    rng = np.random.default_rng(n)
    values = case.draw(n, rng)
    result = matdiff.derivative(case.expr, case.wrt, case.where)
    ours, both = result.lambdify(), result.lambdify(with_value=True)
    want = case.grad(values)
    error = np.max(np.abs(ours(**values) - want)) / max(1.0, np.max(np.abs(want)))
    assert error < 1e-8, f"{case.name}: matdiff and the hand-written gradient differ by {error:.1e}"
    row: dict = {"case": case.name, "n": n, "error": error}
    row["f"] = best_time(lambda: case.f(np, values))
    row["hand"] = best_time(lambda: case.grad(values))
    row["matdiff"] = best_time(lambda: ours(**values))
    row["with value"] = best_time(lambda: both(**values))
    row["peak hand"] = peak_mb(lambda: case.grad(values))
    row["peak matdiff"] = peak_mb(lambda: ours(**values))
    for column, make in (("jax.grad", _jax_grad), ("torch.func", _torch_grad), ("autograd", _autograd_grad)):
        fn = make(case, values)
        if fn is not None:
            fn()  # compile, warm
            row[column] = best_time(fn)
    for backend in ("jax", "torch"):
        fn = _backend(case, values, backend)
        if fn is not None:
            fn()
            row[f"matdiff {backend}"] = best_time(fn)
    return row


COLUMNS = ["f", "hand", "matdiff", "with value", "matdiff jax", "jax.grad", "matdiff torch", "torch.func",
           "autograd"]


def table(rows: list[dict]) -> str:
    head = "| function | n | " + " | ".join(COLUMNS) + " | matdiff/hand | peak hand | peak matdiff |"
    lines = [head, "|" + "---|" * (len(COLUMNS) + 5)]
    for r in rows:
        cells = [f"{r[c]:.3g}" if c in r else "" for c in COLUMNS]
        lines.append(f"| {r['case']} | {r['n']} | " + " | ".join(cells)
                     + f" | {r['matdiff'] / r['hand']:.2f} | {r['peak hand']:.3g} | {r['peak matdiff']:.3g} |")
    return "\n".join(lines)


def large(n: int = 20_000) -> str:
    """The Rayleigh quotient and cosine gradients at n = 20 000: time, and the
    extra memory beyond the inputs (an n×n temporary would be 3.2 GB)."""
    rng = np.random.default_rng(0)
    lines = [f"| function (n = {n:,}) | matdiff ms | hand ms | peak extra MB, matdiff |", "|---|---|---|---|"]
    for case in (CASES[1], CASES[2]):
        values = case.draw(n, rng)
        g = matdiff.derivative(case.expr, case.wrt, case.where).lambdify()
        lines.append(f"| {case.name} | {best_time(lambda: g(**values)):.3g} | "
                     f"{best_time(lambda: case.grad(values)):.3g} | {peak_mb(lambda: g(**values)):.3g} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[300, 1000, 3000])
    parser.add_argument("--large", action="store_true", help="only the n = 20 000 Rayleigh and cosine rows")
    args = parser.parse_args()
    if args.large:
        print(large())
        return
    rows = [run_case(case, n) for n in args.sizes for case in CASES]
    print(table(rows))
    for n in args.sizes:
        ratios = [r["matdiff"] / r["hand"] for r in rows if r["n"] == n]
        print(f"n = {n}: matdiff/hand geometric mean {math.exp(sum(map(math.log, ratios)) / len(ratios)):.2f}, "
              f"worst {max(ratios):.2f}")


if __name__ == "__main__":
    main()
