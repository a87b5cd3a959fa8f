"""Numeric verification: random instances that honour declarations and
domains, central finite differences along random directions, and the worst
relative error; the generated NumPy code must also agree with the tree
interpreter. A failed check says so loudly (CheckReport.ok, or CheckError).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from .errors import CheckError, EvaluationError
from .evaluate import Interpreter, size_value
from .nodes import Call, Inverse, MatPower, Node, Number, Power, Symbol, Transpose, unfixed_size_note, unfixed_sizes
from .ops import function

if TYPE_CHECKING:  # pragma: no cover
    from .result import Hessian, Result

FIRST_SIZE = 3
EXACT_TOLERANCE = 1e-7  # between forms that are equal in exact arithmetic


@dataclass
class CheckReport:
    """The outcome of a numeric check."""

    ok: bool
    worst_error: float
    tolerance: float
    trials: int
    sizes: dict[str, int] = field(default_factory=dict)
    message: str = ""

    def __str__(self) -> str:
        verdict = "passed" if self.ok else "FAILED"
        if not self.trials:
            return f"check {verdict}: {self.message}"
        sizes = ", ".join(f"{k}={v}" for k, v in self.sizes.items()) or "none"
        text = (f"check {verdict}: worst relative error {self.worst_error:.1e} "
                f"(tolerance {self.tolerance:.0e}) over {self.trials} random directions; sizes {sizes}")
        return text + (f"\n{self.message}" if self.message else "")


def size_names(symbols: list[Symbol]) -> list[str]:
    names: list[str] = []
    for s in symbols:
        for size in s.shape:
            for f in size.factors:
                if f not in names:
                    names.append(f)
    return names


def domains(expr: Node) -> dict[str, str]:
    """What to draw for symbols that stand directly inside a restricted function."""
    out: dict[str, str] = {}
    for node in expr.walk():
        arg: Node | None = None
        want = None
        if isinstance(node, Call):
            want = function(node.name).domain
            arg = node.args[0]
        elif isinstance(node, (Inverse, MatPower)) and (not isinstance(node, MatPower) or node.k < 0):
            want, arg = "invertible", node.children[0]
        elif isinstance(node, Power) and not _is_integer(node.exponent):
            want, arg = "positive", node.base
        while isinstance(arg, (Inverse, Transpose)):
            arg = arg.children[0]
        if want and isinstance(arg, Symbol):
            if arg.is_scalar or arg.shape[1].is_one or want == "positive":
                out.setdefault(arg.name, "positive")
            elif out.get(arg.name) != "spd":
                out[arg.name] = want
    return out


def _is_integer(node: Node) -> bool:
    return isinstance(node, Number) and node.value.denominator == 1


def _rotation(rng: np.random.Generator, n: int) -> np.ndarray:
    Q, R = np.linalg.qr(rng.standard_normal((n, n)))
    Q = Q * np.sign(np.diag(R))
    if np.linalg.det(Q) < 0:
        Q[:, 0] = -Q[:, 0]
    return Q


def draw(rng: np.random.Generator, shape: tuple[int, int], how: str) -> np.ndarray:
    """A random value of a shape: normal, positive, symmetric, spd, orthogonal,
    diagonal or (well-conditioned, det > 0) invertible."""
    r, c = shape
    if how == "positive":
        return rng.uniform(0.5, 2.0, shape)
    if how in ("normal",) or r != c:
        return rng.standard_normal(shape)
    if how == "symmetric":
        G = rng.standard_normal(shape)
        return (G + G.T) / 2
    if how == "spd":
        Q = _rotation(rng, r)
        return (Q * rng.uniform(0.5, 2.0, r)) @ Q.T
    if how == "orthogonal":
        return _rotation(rng, r)
    if how == "diagonal":
        return np.diag(rng.standard_normal(r))
    Q1, Q2 = _rotation(rng, r), _rotation(rng, r)
    return (Q1 * rng.uniform(0.7, 1.6, r)) @ Q2


def draw_kind(sym: Symbol, domain: dict[str, str]) -> str:
    for p in ("spd", "orthogonal", "diagonal", "symmetric", "invertible"):
        if p in sym.properties:
            return p
    return domain.get(sym.name, "normal")


def direction(rng: np.random.Generator, sym: Symbol, X: np.ndarray) -> np.ndarray:
    """A random unit direction inside the set the variable is declared in."""
    E = rng.standard_normal(X.shape)
    if sym.properties & {"symmetric", "spd"}:
        E = (E + E.T) / 2
    elif "diagonal" in sym.properties:
        E = np.diag(np.diag(E))
    elif "orthogonal" in sym.properties:
        S = (E - E.T) / 2
        E = X @ S
    return E / np.linalg.norm(E)


def check_result(result: "Result", trials: int = 3, tolerance: float = 1e-5, seed: int = 0,
                 raise_on_failure: bool = False) -> CheckReport:
    """Compare the closed form with central differences of f at random points."""
    with np.errstate(all="ignore"):  # overflow at a drawn point is judged, not printed
        return _finish(_at_planned_sizes(_check_at, result, trials, tolerance, seed), raise_on_failure)


def _at_planned_sizes(check_at: Callable[..., CheckReport], result: Any, trials: int, tolerance: float,
                      seed: int) -> CheckReport:
    """Run check_at at distinct sizes, ascending; if f is undefined everywhere at
    those sizes (a wide X makes XᵀX singular), descending."""
    names = size_names(result.symbols)
    unfixed = sorted(set(unfixed_sizes(result.expression, result.symbols) + unfixed_sizes(result.value,
                                                                                         result.symbols)))
    if unfixed:
        return CheckReport(False, float("nan"), tolerance, 0, {}, _unfixed_message(unfixed))
    plans = [{n: FIRST_SIZE + i for i, n in enumerate(names)},
             {n: FIRST_SIZE + len(names) - 1 - i for i, n in enumerate(names)}]
    report = check_at(result, plans[0], trials, tolerance, seed)
    if report.trials < trials and len(names) > 1:
        report = check_at(result, plans[1], trials, tolerance, seed)
    return report


def _unfixed_message(unfixed: list[str]) -> str:
    return (f"{unfixed_size_note(unfixed)}, so no values of the symbols determine f; "
            f"nothing was compared")



def _instances(expr: Node, var: Symbol, sizes: dict[str, int], seed: int, symbols: list[Symbol]):
    """Endless random instances: (values of every symbol, a unit direction E for
    var inside its declared set, a finite-difference step)."""
    dom = domains(expr)
    rng = np.random.default_rng(seed)
    while True:
        arrays = {s.name: draw(rng, (size_value(s.shape[0], sizes), size_value(s.shape[1], sizes)),
                               draw_kind(s, dom)) for s in symbols}
        X = arrays[var.name]
        E = direction(rng, var, X)
        yield arrays, E, 1e-4 * max(1.0, float(np.abs(X).max()))


def central_difference(f: Callable[[float], np.ndarray], h: float) -> np.ndarray:
    """d/dt f(t) at 0 by central differences at steps h and h/2 combined by
    Richardson extrapolation: error O(h⁴) instead of O(h²)."""
    coarse = (f(h) - f(-h)) / (2 * h)
    fine = (f(h / 2) - f(-h / 2)) / h
    return (4 * fine - coarse) / 3


def _best_step(along: Callable[[float], np.ndarray], h: float, error_of: Callable[[np.ndarray], float],
               tolerance: float, error: float) -> float:
    """The error at step h, or at h/10, h/100 if smaller: a steep or fast-oscillating
    f needs small steps, and differences only ever err, so the best step counts."""
    for smaller in (h / 10, h / 100):
        if error <= tolerance:
            break
        try:
            error = min(error, error_of(central_difference(along, smaller)))
        except EvaluationError:
            break
    return error


def _finite(*values: np.ndarray) -> bool:
    return all(bool(np.all(np.isfinite(v))) for v in values)


def _relative(a: np.ndarray, b: np.ndarray, floor: float = 1e-12) -> float:
    a, b = np.ravel(a), np.ravel(b)
    return float(np.linalg.norm(a - b) / max(float(np.linalg.norm(a)), float(np.linalg.norm(b)), floor))


def _gave_up(done: int, tolerance: float, sizes: dict[str, int], why: str) -> CheckReport:
    reason = f" ({why})" if why else ""
    return CheckReport(False, float("nan"), tolerance, done, sizes,
                       "could not find random values where the function and its derivative are finite" + reason)


def _check_at(result: "Result", sizes: dict[str, int], trials: int, tolerance: float, seed: int) -> CheckReport:
    expr, var = result.function_tree, result.variable
    generated = result.lambdify()
    worst = 0.0
    done = attempts = 0
    why = ""
    for arrays, E, h in _instances(expr, var, sizes, seed, result.symbols):
        if done >= trials:
            break
        attempts += 1
        if attempts > 20 * trials:
            return _gave_up(done, tolerance, sizes, why)
        X = arrays[var.name]
        try:
            at_point = Interpreter(arrays, sizes, {var.name: E})  # f, df and the closed form share work
            f0 = at_point(expr)
            derivative = at_point(result.value)
            exact = at_point(result.differential_tree)
            def along(t: float, X=X, E=E, arrays=arrays) -> np.ndarray:
                return Interpreter({**arrays, var.name: X + t * E}, sizes)(expr)
            numeric = central_difference(along, h)
        except EvaluationError as e:
            why = str(e)
            continue
        if not _finite(f0, derivative, exact, numeric):
            continue
        code_error = _generated_code_error(generated, arrays, derivative, 1e-6 * max(1.0, float(np.abs(f0).max())))
        if code_error is not None:
            return CheckReport(False, code_error, tolerance, done, sizes,
                               "the generated NumPy code disagrees with the closed form")
        numeric = numeric.reshape(-1, order="F")
        expected_shape = X.shape if result.kind == "gradient" else (numeric.size, X.size)
        if derivative.shape != expected_shape and not (derivative.size == 1 and X.size == 1):
            return CheckReport(False, float("inf"), tolerance, done, sizes,
                               f"the closed form has shape {derivative.shape}, expected {expected_shape}")
        if result.kind == "gradient":
            analytic = np.array([np.sum(derivative * E)])
        else:
            analytic = derivative @ E.reshape(-1, order="F")
        # The differential df[E] is exact (Fréchet derivatives by the block formula):
        # the closed form must match it to rounding, not just to the differences' accuracy.
        floor = 1e-8 * max(1.0, float(np.abs(f0).max()))
        gap = _relative(exact.reshape(-1, order="F"), analytic, floor)
        if gap > EXACT_TOLERANCE:
            return CheckReport(False, gap, tolerance, done, sizes,
                               "the closed form disagrees with the differential df evaluated along dX")
        # Differences resolve a slope only down to about eps·|f|/h: below that, judge absolutely.
        noise = 1e-5 * max(1.0, float(np.abs(f0).max()))
        error = _best_step(along, h, lambda d: _relative(d.reshape(-1, order="F"), analytic, noise), tolerance,
                           _relative(numeric, analytic, noise))
        worst = max(worst, error)
        done += 1
    ok = worst <= tolerance
    message = "" if ok else "the closed form disagrees with finite differences"
    return CheckReport(ok, worst, tolerance, done, sizes, message)


def check_hessian(result: "Hessian", trials: int = 3, tolerance: float = 1e-5, seed: int = 0,
                  raise_on_failure: bool = False) -> CheckReport:
    """Compare H[E] with central differences of the gradient along random E in
    the declared set; the matrix, the operator, d²f and the generated code must
    agree with each other to rounding."""
    with np.errstate(all="ignore"):
        return _finish(_at_planned_sizes(_check_hessian_at, result, trials, tolerance, seed), raise_on_failure)


def _check_hessian_at(result: "Hessian", sizes: dict[str, int], trials: int, tolerance: float,
                      seed: int) -> CheckReport:
    expr, row, column = result.function_tree, result.variable, result.column
    matrix_code = result.lambdify()
    operator_code = result.lambdify("operator")
    worst = 0.0
    done = attempts = 0
    why = ""
    for arrays, E, h in _instances(expr, column, sizes, seed, result.symbols):
        if done >= trials:
            break
        attempts += 1
        if attempts > 20 * trials:
            return _gave_up(done, tolerance, sizes, why)
        Y = arrays[column.name]
        try:
            at_point = Interpreter(arrays, sizes, {column.name: E, row.name: E})
            H = at_point(result.value)
            HE = at_point(result.operator_tree)
            f0 = at_point(expr)
            slope = float(np.abs(at_point(result.gradient)).max())

            def gradient_along(t: float, Y=Y, E=E, arrays=arrays) -> np.ndarray:
                return Interpreter({**arrays, column.name: Y + t * E}, sizes)(result.gradient)
            numeric = central_difference(gradient_along, h)
        except EvaluationError as e:
            why = str(e)
            continue
        if not _finite(H, HE, numeric, f0) or not np.isfinite(slope):
            continue
        X = arrays[row.name]

        def projected(d: np.ndarray, X=X) -> np.ndarray:  # the Riemannian Hessian is the projected derivative
            return (d - X @ d.T @ X) / 2 if "orthogonal" in row.properties else d
        vec_E = E.reshape(-1, order="F")
        # Forms equal in exact arithmetic differ by rounding of the terms they sum,
        # which can cancel (a Hessian that is 0): judge that residue absolutely.
        floor = 1e-6 * max(1.0, float(np.abs(f0).max()), slope)
        consistency = [
            ("the Hessian matrix disagrees with its operator form",
             _relative(H @ vec_E, HE.reshape(-1, order="F"), floor)),
            ("the generated Hessian code disagrees with the closed form",
             _relative(np.asarray(matrix_code(**arrays), dtype=float), H, floor)),
            ("the generated Hessian-vector code disagrees with the closed form",
             _relative(np.asarray(operator_code(**arrays, **{result.direction.name: E}), dtype=float),
                       HE.reshape(-1) if HE.shape[1] == 1 else HE, floor)),
        ]
        if row == column:
            second = float(at_point(result.differential_tree)[0, 0])
            consistency.append(("d²f[E, E] disagrees with ⟨E, H[E]⟩",
                                _relative(np.array([second]), np.array([np.sum(E * HE)]), floor)))
        for message, gap in consistency:
            if gap > EXACT_TOLERANCE:
                return CheckReport(False, gap, tolerance, done, sizes, message)
        # Differences of the gradient resolve H[E] only down to about eps·|∇f|/h.
        noise = 1e-5 * max(1.0, slope)
        worst = max(worst, _best_step(gradient_along, h, lambda d: _relative(projected(d), HE, noise), tolerance,
                                      _relative(projected(numeric), HE, noise)))
        done += 1
    ok = worst <= tolerance
    message = "" if ok else "the Hessian disagrees with finite differences of the gradient"
    return CheckReport(ok, worst, tolerance, done, sizes, message)


def _generated_code_error(generated: Callable[..., Any], arrays: dict[str, np.ndarray],
                          derivative: np.ndarray, floor: float) -> float | None:
    """The relative gap between the generated code and the interpreter, if above
    1e-8 (below `floor`, differences are judged absolutely: rounding residue)."""
    try:
        got = np.asarray(generated(**arrays), dtype=float)
    except EvaluationError:
        return None
    if got.size != derivative.size:
        return float("inf")
    gap = float(np.linalg.norm(got.reshape(-1) - derivative.reshape(-1, order="C")) /
                max(float(np.linalg.norm(derivative)), floor))
    return gap if gap > 1e-8 else None


def _finish(report: CheckReport, raise_on_failure: bool) -> CheckReport:
    if raise_on_failure and not report.ok:
        raise CheckError(str(report))
    return report

