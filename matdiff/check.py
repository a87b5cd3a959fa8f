"""Numeric verification: random instances that honour declarations (drawn
by the structure records) and domains, central finite differences along random directions, and the worst
relative error; the generated NumPy code must also agree with the tree
interpreter. A failed check says so loudly (CheckReport.ok, or CheckError).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

import numpy as np

from .errors import CheckError, EvaluationError
from .evaluate import Interpreter, Magnitudes, size_value
from .nodes import (
    Add, Bound, Call, Inverse, MatPower, Node, Number, Power, Symbol, Transpose, depends_on, unfixed_size_note,
    unfixed_sizes, walk_program,
)
from .ops import function
from .ops.registry import POSITIVE
from .structures import FOR_INVERSES, STRUCTURES, governing, structures_of

class Checked(Protocol):
    """What check() reads of a derivative (result.Result; check() sits below
    result.py, which calls it)."""

    @property
    def expression(self) -> Node: ...
    @property
    def function_tree(self) -> Node: ...
    @property
    def variable(self) -> Symbol: ...
    @property
    def value(self) -> Node: ...
    @property
    def differential_tree(self) -> Node: ...
    @property
    def symbols(self) -> list[Symbol]: ...
    @property
    def kind(self) -> str: ...
    def lambdify(self) -> Callable[..., Any]: ...


class CheckedHessian(Protocol):
    """What the Hessian check reads (result.Hessian)."""

    @property
    def function_tree(self) -> Node: ...
    @property
    def variable(self) -> Symbol: ...
    @property
    def column(self) -> Symbol: ...
    @property
    def value(self) -> Node: ...
    @property
    def operator_tree(self) -> Node: ...
    @property
    def differential_tree(self) -> Node: ...
    @property
    def gradient(self) -> Node: ...
    @property
    def direction(self) -> Symbol: ...
    @property
    def symbols(self) -> list[Symbol]: ...
    def lambdify(self, form: str = "matrix") -> Callable[..., Any]: ...


FIRST_SIZE = 3
EXACT_TOLERANCE = 1e-7   # between forms that are equal in exact arithmetic
CODE_TOLERANCE = 1e-8    # between the generated code and the interpreter
ROUNDING = 1e-13         # rounding error relative to the magnitudes of a computation (about 500 eps)
DIFFERENCE_ROUNDING = 1e-13   # the same for one evaluation of f in a difference
STEP_FACTORS = (1.0, 0.1, 0.01, 1e-3, 1e-4, 1e-5, 10.0, 100.0)   # difference steps tried, times h
MAX_ENTRIES = 1 << 22    # values check() draws at most, in all (32 MiB)


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


# Draws that are no declared structure: positive entries (the functions'
# POSITIVE domain, fractional powers) and standard normal ones.
NORMAL = "normal"


def domains(expr: Node) -> dict[str, str]:
    """What to draw for symbols that stand directly inside a restricted
    function: positive entries, or the members of a structure (the function
    record's `domain`, invertible matrices under an inverse)."""
    out: dict[str, str] = {}
    for node in walk_program(expr):
        arg: Node | None = None
        want = None
        if isinstance(node, Call):
            want = function(node.name).domain
            arg = node.args[0]
        elif isinstance(node, (Inverse, MatPower)) and (not isinstance(node, MatPower) or node.k < 0):
            want, arg = FOR_INVERSES.name, node.children[0]
        elif isinstance(node, Power) and not _is_integer(node.exponent):
            want, arg = POSITIVE, node.base
        while isinstance(arg, (Inverse, Transpose)):
            arg = arg.children[0]
        if want and isinstance(arg, Symbol) and not isinstance(arg, Bound):  # inputs only: a name is computed
            if arg.is_scalar or arg.shape[1].is_one or want == POSITIVE:
                out.setdefault(arg.name, POSITIVE)
            elif _priority(want) > _priority(out.get(arg.name)):
                out[arg.name] = want
    return out


def _priority(draw_kind: str | None) -> int:
    structure = STRUCTURES.get(draw_kind) if draw_kind is not None else None
    return -1 if structure is None else structure.priority


def _is_integer(node: Node) -> bool:
    return isinstance(node, Number) and node.value.denominator == 1


def draw(rng: np.random.Generator, shape: tuple[int, int], how: str) -> np.ndarray:
    """A random value of a shape: positive, normal, or a member of the
    structure named `how` (square shapes; others are drawn normal)."""
    r, c = shape
    if how == POSITIVE:
        return rng.uniform(0.5, 2.0, shape)
    if how == NORMAL or r != c:
        return rng.standard_normal(shape)
    return STRUCTURES[how].draw(rng, r)


def draw_kind(sym: Symbol, domain: dict[str, str]) -> str:
    """The deciding declared structure of a symbol, else what its uses need."""
    declared = structures_of(sym)
    return declared[0].name if declared else domain.get(sym.name, NORMAL)


def direction(rng: np.random.Generator, sym: Symbol, X: np.ndarray) -> np.ndarray:
    """A random unit direction inside the set the variable is declared in (the
    zero matrix where the set has none: the 1×1 orthogonal matrices ±1)."""
    E = rng.standard_normal(X.shape)
    structure = governing(sym)
    if structure is not None and structure.tangent is not None:
        E = structure.tangent(E, X)
    norm = np.linalg.norm(E)
    return E / norm if norm > 0 else E


def normal_part(sym: Symbol, X: np.ndarray, G: np.ndarray) -> np.ndarray:
    """The part of G outside the tangent space of the variable's set at X: a
    gradient or H[E] with respect to a structured variable must have none."""
    structure = governing(sym)
    if structure is None or structure.normal_part is None:
        return np.zeros_like(G)
    return structure.normal_part(X, G)


def check_result(result: Checked, trials: int = 3, tolerance: float = 1e-5, seed: int = 0,
                 raise_on_failure: bool = False) -> CheckReport:
    """Compare the closed form with central differences of f at random points."""
    _validate(trials, tolerance)
    with np.errstate(all="ignore"):  # overflow at a drawn point is judged, not printed
        return _finish(_at_planned_sizes(_check_at, result, trials, tolerance, seed), raise_on_failure)


def check_hessian(result: CheckedHessian, trials: int = 3, tolerance: float = 1e-5, seed: int = 0,
                  raise_on_failure: bool = False) -> CheckReport:
    """Compare H[E] with central differences of the gradient along random E in
    the declared set; the matrix, the operator, d²f and the generated code must
    agree with each other to rounding."""
    _validate(trials, tolerance)
    with np.errstate(all="ignore"):
        return _finish(_at_planned_sizes(_check_hessian_at, result, trials, tolerance, seed), raise_on_failure)


def _validate(trials: int, tolerance: float) -> None:
    if not isinstance(trials, int) or isinstance(trials, bool) or trials < 1:
        raise ValueError(f"trials must be a positive integer, not {trials!r}: a check over no directions "
                         f"checks nothing")
    if not tolerance > 0:
        raise ValueError(f"tolerance must be positive, not {tolerance!r}")


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
    too_large = _too_large(result.symbols, plans[0])
    if too_large:
        return CheckReport(False, float("nan"), tolerance, 0, {}, too_large)
    report = check_at(result, plans[0], trials, tolerance, seed)
    if report.trials < trials and len(names) > 1:
        report = check_at(result, plans[1], trials, tolerance, seed)
    return report


def _too_large(symbols: list[Symbol], sizes: dict[str, int]) -> str:
    """Why values of these sizes are not drawn (declared sizes too large), or ''."""
    shapes = {s.name: (size_value(s.shape[0], sizes), size_value(s.shape[1], sizes)) for s in symbols}
    total = sum(r * c for r, c in shapes.values())
    if total <= MAX_ENTRIES:
        return ""
    name, (r, c) = max(shapes.items(), key=lambda item: item[1][0] * item[1][1])
    return (f"check() did not run: it draws values of the declared sizes, and {name} ({r}×{c}) would hold "
            f"{r * c:,} entries; it draws at most {MAX_ENTRIES:,} in all (declare symbolic sizes to check)")


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


class _Along:
    """A tree's value at X + tE, summed over only the terms of its top sum that
    contain the variable: a constant term (1e12 + tr(A X)) neither changes
    nor adds rounding noise, so differences stay as accurate as the slope."""

    def __init__(self, tree: Node, var: Symbol, arrays: dict[str, np.ndarray], sizes: dict[str, int],
                 E: np.ndarray):
        terms = tree.terms if isinstance(tree, Add) else (tree,)
        self.terms = [t for t in terms if depends_on(t, var)] or [terms[0]]
        self.var, self.arrays, self.sizes, self.E = var, arrays, sizes, E
        at_point = Interpreter(arrays, sizes)
        magnitudes = Magnitudes(at_point)
        self.magnitude = max(float(np.abs(magnitudes(t)).max()) for t in self.terms)
        self.condition = max(conditioning(at_point, t) for t in self.terms)

    def __call__(self, t: float) -> np.ndarray:
        at = Interpreter({**self.arrays, self.var.name: self.arrays[self.var.name] + t * self.E}, self.sizes)
        out = at(self.terms[0])
        for term in self.terms[1:]:
            out = out + at(term)
        return out

    def noise(self, h: float) -> float:
        """The rounding error of a Richardson difference at step h (about 3 eps M / h
        per evaluation error eps M, with a margin for the operations of the tree),
        times the condition number of the matrices the tree inverts."""
        return DIFFERENCE_ROUNDING * self.condition * self.magnitude / h


def conditioning(at_point: Interpreter, tree: Node) -> float:
    """The largest condition number among the matrices a tree inverts (or whose
    determinant, logarithm or root it takes) at a point: rounding errors of its
    value grow with it."""
    worst = 1.0
    for node in walk_program(tree):
        if isinstance(node, (Inverse, MatPower)) and (isinstance(node, Inverse) or node.k < 0):
            arg = node.children[0]
        elif isinstance(node, Call) and _invertible_domain(function(node.name).domain):
            arg = node.args[0]
        else:
            continue
        if not arg.is_scalar:
            with np.errstate(all="ignore"):
                worst = max(worst, float(np.linalg.cond(at_point(arg))))
    return min(worst, 1e16)


def _invertible_domain(draw_kind: str | None) -> bool:
    structure = STRUCTURES.get(draw_kind) if draw_kind is not None else None
    return structure is not None and structure.invertible


def central_difference(f: Callable[[float], np.ndarray], h: float) -> np.ndarray:
    """d/dt f(t) at 0 by central differences at steps h and h/2 combined by
    Richardson extrapolation: error O(h⁴) instead of O(h²)."""
    coarse = (f(h) - f(-h)) / (2 * h)
    fine = (f(h / 2) - f(-h / 2)) / h
    return (4 * fine - coarse) / 3


def _difference_error(along: _Along, h: float, analytic: np.ndarray, tolerance: float,
                      transform: Callable[[np.ndarray], np.ndarray] = lambda d: d) -> float:
    """The smallest disagreement between `analytic` and central differences over
    a sweep of steps around h: steep or fast-oscillating f need small steps,
    large constant parts large ones, and differences only ever err, so the best
    step counts. A gap within the rounding noise of the differences at that step
    counts as agreement (error = tolerance at most)."""
    best = float("inf")
    for factor in STEP_FACTORS:
        step = h * factor
        try:
            numeric = transform(central_difference(along, step))
        except EvaluationError:
            continue
        if not _finite(numeric):
            continue
        best = min(best, _relative(numeric.reshape(-1, order="F"), analytic, along.noise(step) / tolerance))
        if best <= tolerance / 10:
            break
    return best


def _finite(*values: np.ndarray) -> bool:
    return all(bool(np.all(np.isfinite(v))) for v in values)


def _relative(a: np.ndarray, b: np.ndarray, floor: float = 1e-300) -> float:
    """‖a − b‖ / max(‖a‖, ‖b‖, floor): relative, and absolute below the floor."""
    a, b = np.ravel(a), np.ravel(b)
    return float(np.linalg.norm(a - b) / max(float(np.linalg.norm(a)), float(np.linalg.norm(b)), floor, 1e-300))


def _exact_floor(*magnitudes: np.ndarray) -> float:
    """The floor under which two exactly equal forms differ by rounding alone."""
    return ROUNDING * max(float(np.linalg.norm(m)) for m in magnitudes) / EXACT_TOLERANCE


def _gave_up(done: int, tolerance: float, sizes: dict[str, int], why: str) -> CheckReport:
    reason = f" ({why})" if why else ""
    return CheckReport(False, float("nan"), tolerance, done, sizes,
                       "could not find random values where the function and its derivative are finite" + reason)


def _check_at(result: Checked, sizes: dict[str, int], trials: int, tolerance: float, seed: int) -> CheckReport:
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
            magnitude = Magnitudes(at_point)
            along = _Along(expr, var, arrays, sizes, E)
        except EvaluationError as e:
            why = str(e)
            continue
        if not _finite(f0, derivative, exact):
            continue
        expected_shape = X.shape if result.kind == "gradient" else (f0.size, X.size)
        if derivative.shape != expected_shape and not (derivative.size == 1 and X.size == 1):
            return CheckReport(False, float("inf"), tolerance, done, sizes,
                               f"the closed form has shape {derivative.shape}, expected {expected_shape}")
        code = _generated_code_gap(generated, arrays, derivative, magnitude(result.value))
        if code is not None:
            return CheckReport(False, code[0], tolerance, done, sizes, code[1])
        vec_E = E.reshape(-1, order="F")
        if result.kind == "gradient":
            analytic = np.array([np.sum(derivative * E)])
            analytic_magnitude = np.array([np.sum(magnitude(result.value) * np.abs(E))])
            gap = _outside(var, X, derivative.reshape(X.shape), magnitude(result.value))
            if gap > EXACT_TOLERANCE:
                return CheckReport(False, gap, tolerance, done, sizes,
                                   f"the gradient does not lie in the tangent space of the {_structure(var)} "
                                   f"matrices at {var.name}")
        else:
            analytic = derivative @ vec_E
            analytic_magnitude = magnitude(result.value) @ np.abs(vec_E)
        # The differential df[E] is exact (Fréchet derivatives by the block formula):
        # the closed form must match it to rounding, not just to the differences' accuracy.
        floor = _exact_floor(analytic_magnitude, magnitude(result.differential_tree))
        gap = _relative(exact.reshape(-1, order="F"), analytic, floor)
        if gap > EXACT_TOLERANCE:
            return CheckReport(False, gap, tolerance, done, sizes,
                               "the closed form disagrees with the differential df evaluated along dX")
        error = _difference_error(along, h, analytic, tolerance)
        if not np.isfinite(error):
            continue
        worst = max(worst, error)
        done += 1
    ok = worst <= tolerance
    message = "" if ok else "the closed form disagrees with finite differences"
    return CheckReport(ok, worst, tolerance, done, sizes, message)


def _outside(var: Symbol, X: np.ndarray, G: np.ndarray, magnitude: np.ndarray) -> float:
    """How much of G lies outside the tangent space at X, relative to G."""
    part = normal_part(var, X, G)
    return _relative(part, np.zeros_like(part), max(float(np.linalg.norm(G)), _exact_floor(magnitude)))


def _structure(var: Symbol) -> str:
    structure = governing(var)
    return structure.name if structure is not None else "declared"


def _check_hessian_at(result: CheckedHessian, sizes: dict[str, int], trials: int, tolerance: float,
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
        try:
            at_point = Interpreter(arrays, sizes, {column.name: E, row.name: E})
            H = at_point(result.value)
            HE = at_point(result.operator_tree)
            f0 = at_point(expr)
            gradient = at_point(result.gradient)
            magnitude = Magnitudes(at_point)
            along = _Along(result.gradient, column, arrays, sizes, E)
        except EvaluationError as e:
            why = str(e)
            continue
        if not _finite(H, HE, f0, gradient):
            continue
        X = arrays[row.name]

        def projected(d: np.ndarray, X=X) -> np.ndarray:  # the Riemannian Hessian is the projected derivative
            return d - normal_part(row, X, d)
        vec_E = E.reshape(-1, order="F")
        H_magnitude, HE_magnitude = magnitude(result.value), magnitude(result.operator_tree)
        HE_flat = HE.reshape(-1) if HE.shape[1] == 1 else HE
        consistency = [
            ("the Hessian matrix disagrees with its operator form",
             _relative(H @ vec_E, HE.reshape(-1, order="F"), _exact_floor(H_magnitude @ np.abs(vec_E),
                                                                           HE_magnitude))),
            ("the generated Hessian code disagrees with the closed form",
             _code_relative(matrix_code, arrays, H, _exact_floor(H_magnitude))),
            ("the generated Hessian-vector code disagrees with the closed form",
             _code_relative(operator_code, {**arrays, result.direction.name: E}, HE_flat,
                            _exact_floor(HE_magnitude))),
            (f"H[E] does not lie in the tangent space of the {_structure(row)} matrices at {row.name}",
             _outside(row, X, HE.reshape(X.shape), HE_magnitude)),
        ]
        if row == column:
            second = at_point(result.differential_tree)
            consistency.append(("d²f[E, E] disagrees with ⟨E, H[E]⟩",
                                _relative(second, np.array([np.sum(E * HE)]),
                                          _exact_floor(magnitude(result.differential_tree),
                                                       np.array([np.sum(np.abs(E) * HE_magnitude)])))))
        for message, gap in consistency:
            if gap > EXACT_TOLERANCE:
                return CheckReport(False, gap, tolerance, done, sizes, message)
        error = _difference_error(along, h, HE.reshape(-1, order="F"), tolerance, projected)
        if not np.isfinite(error):
            continue
        worst = max(worst, error)
        done += 1
    ok = worst <= tolerance
    message = "" if ok else "the Hessian disagrees with finite differences of the gradient"
    return CheckReport(ok, worst, tolerance, done, sizes, message)


def _code_relative(generated: Callable[..., Any], values: dict[str, np.ndarray], want: np.ndarray,
                   floor: float) -> float:
    """The relative gap between generated code and the interpreter (inf where the code refuses)."""
    try:
        got = np.asarray(generated(**values), dtype=float)
    except EvaluationError:
        return float("inf")
    if got.size != want.size:
        return float("inf")
    return _relative(got.reshape(-1), np.asarray(want).reshape(-1), floor)


def _generated_code_gap(generated: Callable[..., Any], arrays: dict[str, np.ndarray], derivative: np.ndarray,
                        magnitude: np.ndarray) -> tuple[float, str] | None:
    """(gap, what) where the generated code disagrees with the interpreter by
    more than 1e-8 relative (rounding residue under the magnitudes' floor is
    judged absolutely) or refuses values the interpreter evaluates."""
    try:
        got = np.asarray(generated(**arrays), dtype=float)
    except EvaluationError as e:
        return float("inf"), f"the generated NumPy code raised where the closed form has a value: {e.message}"
    if got.size != derivative.size:
        return float("inf"), "the generated NumPy code returns the wrong shape"
    floor = ROUNDING * float(np.linalg.norm(magnitude)) / CODE_TOLERANCE
    gap = _relative(got.reshape(-1), derivative.reshape(-1, order="C"), floor)
    return (gap, "the generated NumPy code disagrees with the closed form") if gap > CODE_TOLERANCE else None


def _finish(report: CheckReport, raise_on_failure: bool) -> CheckReport:
    if raise_on_failure and not report.ok:
        raise CheckError(str(report))
    return report
