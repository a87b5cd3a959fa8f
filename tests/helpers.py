"""Shared test helpers: seeded random values and central differences written
independently of matdiff (plain NumPy)."""
from __future__ import annotations

import re

import numpy as np


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def rotation(g: np.random.Generator, n: int) -> np.ndarray:
    Q, R = np.linalg.qr(g.standard_normal((n, n)))
    return Q * np.sign(np.diag(R))


def spd(g: np.random.Generator, n: int) -> np.ndarray:
    Q = rotation(g, n)
    return (Q * g.uniform(0.5, 2.0, n)) @ Q.T


def invertible(g: np.random.Generator, n: int) -> np.ndarray:
    """Well conditioned with det > 0."""
    Q1, Q2 = rotation(g, n), rotation(g, n)
    if np.linalg.det(Q1) * np.linalg.det(Q2) < 0:
        Q1[:, 0] = -Q1[:, 0]
    return (Q1 * g.uniform(0.7, 1.6, n)) @ Q2


def vec(M: np.ndarray) -> np.ndarray:
    return np.asarray(M).reshape(-1, order="F")


def numeric_gradient(f, X: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Entry-by-entry central differences of a scalar function f(X)."""
    X = np.asarray(X, dtype=float)
    G = np.zeros_like(X)
    for idx in np.ndindex(X.shape):
        E = np.zeros_like(X)
        E[idx] = h
        G[idx] = (f(X + E) - f(X - E)) / (2 * h)
    return G


def numeric_jacobian(f, X: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Columns vec(∂f/∂X_k) in column-major order of X."""
    X = np.asarray(X, dtype=float)
    cols = []
    for k in range(X.size):
        e = np.zeros(X.size)
        e[k] = h
        E = e.reshape(X.shape, order="F")
        cols.append((vec(f(X + E)) - vec(f(X - E))) / (2 * h))
    return np.column_stack(cols)


def rel_error(a, b) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    assert a.shape == b.shape, f"shape {a.shape} vs {b.shape}"
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-12))


def draw(spec: str, seed: int) -> dict[str, np.ndarray | float]:
    """Seeded values from a spec such as 'A:3x4 x:4 a:s X:4x4:inv S:3x3:spd p:4:pos'
    (vectors are 1-D). Kinds: normal (the default), pos (entries in 0.5–2),
    big (1.2–2), small (0–0.4), inv (well conditioned, det > 0), spd, sym,
    orth, onehot (a unit vector)."""
    g = np.random.default_rng(seed)
    out: dict[str, np.ndarray | float] = {}
    for item in spec.split():
        name, shape, *how = item.split(":")
        kind = how[0] if how else "normal"
        if shape == "s":
            out[name] = float(g.uniform(0.5, 2.0)) if kind == "pos" else float(g.standard_normal())
            continue
        dims = tuple(int(d) for d in shape.split("x"))
        if kind == "pos":
            out[name] = g.uniform(0.5, 2.0, dims)
        elif kind == "big":
            out[name] = g.uniform(1.2, 2.0, dims)
        elif kind == "small":
            out[name] = g.uniform(0.0, 0.4, dims)
        elif kind == "inv":
            out[name] = invertible(g, dims[0])
        elif kind == "spd":
            out[name] = spd(g, dims[0])
        elif kind == "sym":
            G = g.standard_normal(dims)
            out[name] = (G + G.T) / 2
        elif kind == "orth":
            out[name] = rotation(g, dims[0])
        elif kind == "onehot":
            out[name] = np.eye(dims[0])[g.integers(dims[0])]
        else:
            out[name] = g.standard_normal(dims)
    return out


def array_module(backend: str):
    """JAX (float64 enabled) or PyTorch, or a skip saying that it is not installed."""
    import pytest
    if backend == "jax":
        jax = pytest.importorskip("jax", reason="the jax backend is tested where JAX is installed (.[jax])")
        jax.config.update("jax_enable_x64", True)
        return jax
    return pytest.importorskip("torch", reason="the torch backend is tested where PyTorch is installed (.[torch])")


def backend_array(backend: str, value):
    """A NumPy value as the backend's array (float64)."""
    if backend == "torch":
        import torch
        return torch.as_tensor(np.asarray(value, dtype=float))
    return value


PREAMBLE = ("\\documentclass{article}\n\\usepackage{amsmath}\n\\usepackage{amssymb}\n"
            "\\usepackage[margin=1cm,landscape]{geometry}\n\\begin{document}\n")


def pdflatex_errors(body: str, directory) -> str | None:
    """Compile `body` (LaTeX between \\begin{document} and \\end{document}) with
    pdflatex in `directory`: None, or its errors. The caller skips without pdflatex."""
    import subprocess
    (directory / "doc.tex").write_text(PREAMBLE + body + "\\end{document}\n")
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"], cwd=directory,
                          capture_output=True, text=True, timeout=300)
    errors = [line for line in done.stdout.splitlines() if line.startswith("!")]
    return None if done.returncode == 0 and not errors else "\n".join(errors) or done.stdout[-2000:]


def printed(result) -> str:
    """A result as printed, with the names it uses: 'diag(s) - s sᵀ where s = softmax(x)'."""
    return f"{result} where {result.where}" if result.where else str(result)


def as_program(text: str) -> str:
    """'A where s = D, t = E' as the program 's = D; t = E; A', which reads back in the input language."""
    if " where " not in text:
        return text
    body, names = text.split(" where ", 1)
    return "".join(f"{d}; " for d in re.split(r", (?=\w+ = )", names)) + body
