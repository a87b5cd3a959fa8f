"""Checking a derivation's steps in value: at random points, each step's two
sides must agree as its relation says (equal; one the differential, the vec,
the projection of the other; ∇f and J read off as ⟨∇f, dX⟩ and J vec(dX)).
A pending differential d(E) and a program name's tangent dh are valued by
Richardson differences of E and h along dX, so the check does not trust the
rules it checks. Imports check, evaluate and calculus.steps.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from .calculus.steps import (
    DIFFERENTIAL, EQUAL, PROJECTED, READ_GRADIENT, READ_JACOBIAN, VECTORIZED, Step,
)
from .check import CheckReport, _at_planned_sizes, _gave_up, _instances, _validate
from .errors import CheckError, EvaluationError
from .evaluate import Interpreter, Magnitudes, product_value
from .nodes import (
    Add, Bound, Call, Differential, DifferentialOf, Hadamard, Kron, Mul, Node, Symbol, Transpose, bound_in_order,
    depends_on, is_permutation,
)
from .ops import function
from .printing.text import to_text
from .simplify import simplify

# Steps are exact identities: only the differences' error (h⁴) and rounding separate the sides.
STEPS_TOLERANCE = 1e-6
STEP_FACTORS = (1.0, 0.1, 0.01, 10.0)  # difference steps tried, times check()'s h
CANCELLATION = 1e-4  # sides below this fraction of their terms' magnitudes are compared against those
DIFFERENCE_NOISE = 1e-15  # the rounding of a Richardson difference of E, times h / |E| (about 4 eps)


def check_steps(steps: Sequence[Step], function_tree: Node, variable: Symbol, symbols: list[Symbol],
                expression: Node, trials: int = 2, tolerance: float = STEPS_TOLERANCE, seed: int = 0,
                raise_on_failure: bool = False) -> CheckReport:
    """Each step's sides against each other at `trials` random points."""
    _validate(trials, tolerance)
    subject = _Subject(list(steps), function_tree, variable, symbols, expression)
    with np.errstate(all="ignore"):
        report = _at_planned_sizes(subject.check_at, subject, trials, tolerance, seed)
    if raise_on_failure and not report.ok:
        raise CheckError(str(report))
    return report


class _Subject:
    """What _at_planned_sizes asks of a checked thing (its symbols and trees)."""

    def __init__(self, steps: list[Step], function_tree: Node, variable: Symbol, symbols: list[Symbol],
                 expression: Node) -> None:
        self.steps, self.function_tree, self.variable = steps, function_tree, variable
        self.symbols, self.expression = symbols, expression
        self.value = function_tree  # the trees whose sizes must be fixed (unfixed_sizes)

    def check_at(self, _: Any, sizes: dict[str, int], trials: int, tolerance: float, seed: int) -> CheckReport:
        var = self.variable
        worst, done, attempts, why = 0.0, 0, 0, ""
        for arrays, E, h in _instances(self.function_tree, var, sizes, seed, self.symbols):
            if done >= trials:
                break
            attempts += 1
            if attempts > 20 * trials:
                return _gave_up(done, tolerance, sizes, why)
            points: dict[float, _Point] = {}

            def at(factor: float) -> _Point:  # the values at one point, for one difference step
                if factor not in points:
                    points[factor] = _Point(arrays, sizes, var, E, factor * h, self.function_tree)
                return points[factor]
            try:
                gaps = [(self._smallest_gap(step, at, E, tolerance), step) for step in self.steps]
            except EvaluationError as e:
                why = str(e)
                continue
            except _Shapes as e:
                return CheckReport(False, float("inf"), tolerance, done, sizes, f"the step '{e.step.rule}' does not "
                                   f"hold: its sides have shapes {e.shapes[0]} and {e.shapes[1]}")
            if any(not np.isfinite(g) for g, _ in gaps):
                continue
            gap, step = max(gaps, key=lambda item: item[0]) if gaps else (0.0, None)
            if gap > tolerance and step is not None:
                return CheckReport(False, gap, tolerance, done, sizes, f"the step '{step.rule}' does not hold: "
                                   f"{to_text(step.before)}  →  {to_text(step.after)}")
            worst = max(worst, gap)
            done += 1
        return CheckReport(True, worst, tolerance, done, sizes, "")

    def _smallest_gap(self, step: Step, at: Callable[[float], "_Point"], E: np.ndarray, tolerance: float) -> float:
        """The gap between the step's sides with differences of the first step
        size that makes it small enough (a steep function needs a smaller
        one, a flat one a larger one), else the smallest gap found."""
        best = float("inf")
        for factor in STEP_FACTORS:
            gap = self._gap(step, at(factor), E)
            best = min(best, gap)
            if best <= tolerance or not _uses_differences(step):
                break
        return best

    def _gap(self, step: Step, at: "_Point", E: np.ndarray) -> float:
        before, after = at(step.before), at(step.after)
        if step.relation == EQUAL and before.shape != after.shape:
            raise _Shapes(step, (before.shape, after.shape))
        # A difference of E carries rounding of about eps |E| / h, which the sides' terms scale
        # (_Noise); where terms cancel (d(−a) + da), the sides are compared against their magnitudes.
        noise, magnitude = _Noise(at), Magnitudes(at.interpreter)
        floor = max(CANCELLATION * max(float(np.linalg.norm(magnitude(side))) for side in (step.before, step.after)),
                    max(noise.of_side(side) for side in (step.before, step.after)) / STEPS_TOLERANCE)
        if step.relation == EQUAL:
            return _relative(before, after, floor)
        if step.relation == DIFFERENTIAL:
            return _relative(at.along(step.before), after, floor)
        if step.relation == VECTORIZED:
            return _relative(before.reshape(-1, 1, order="F"), after, floor)
        if step.relation == READ_GRADIENT:
            return _relative(before, np.array([[np.sum(after * E.reshape(after.shape))]]), floor)
        if step.relation == READ_JACOBIAN:
            return _relative(before, after @ E.reshape(-1, 1, order="F"), floor)
        if step.relation == PROJECTED:  # equal along directions in the variable's set
            return _relative(np.array([[np.sum(before * E)]]), np.array([[np.sum(after * E)]]), floor)
        raise AssertionError(f"a step relation the check does not know: {step.relation}")


def _uses_differences(step: Step) -> bool:
    """Whether a side is valued by differences (a pending d(E), a program's dh)."""
    return step.relation == DIFFERENTIAL or any(_valued_by_differences(side) for side in (step.before, step.after))


def _valued_by_differences(side: Node) -> bool:
    return any(isinstance(n, DifferentialOf) or (isinstance(n, Differential) and isinstance(n.var, Bound))
               for n in side.walk())


class _Noise:
    """How far differences may be off, entry by entry: a pending d(E) by the
    rounding of E's values over the step (DIFFERENCE_NOISE |E| / h), carried
    to first order through sums, products and linear functions; exact parts
    (dX itself, constants) add none."""

    def __init__(self, at: "_Point") -> None:
        self.at, self.values = at, at.interpreter
        self.memo: dict[Node, np.ndarray] = {}

    def of_side(self, side: Node) -> float:
        return float(np.linalg.norm(self(side)))

    def __call__(self, n: Node) -> np.ndarray:
        hit = self.memo.get(n)
        if hit is None:
            with np.errstate(all="ignore"):
                hit = self.memo[n] = self._noise(n)
        return hit

    def _noise(self, n: Node) -> np.ndarray:
        if not _valued_by_differences(n):
            return np.zeros(self.values.dims(n))
        if isinstance(n, DifferentialOf) or isinstance(n, Differential):
            of = n.of if isinstance(n, DifferentialOf) else n.var
            return DIFFERENCE_NOISE * np.abs(self.values(of)) / self.at.h
        if isinstance(n, Add):
            return sum((self(t) for t in n.terms[1:]), self(n.terms[0]))
        if isinstance(n, Transpose):
            return self(n.arg).T
        if isinstance(n, (Mul, Hadamard, Kron)):  # Σᵢ |F₁| ⋯ noise(Fᵢ) ⋯ |Fₖ|, one factor noisy at a time
            terms = [self._combine(n, [self(c) if j == i else np.abs(self.values(c)) for j, c in enumerate(n.children)])
                     for i in range(len(n.children))]
            return sum(terms[1:], terms[0])
        if isinstance(n, Call) and function(n.name).positive_linear:
            return np.atleast_2d(np.asarray(function(n.name).value([self(a) for a in n.args], self.values.dims(n)),
                                            dtype=float))
        return np.abs(self.values(n))  # elsewhere, as large as the value itself

    def _combine(self, n: Node, parts: list[np.ndarray]) -> np.ndarray:
        if isinstance(n, Mul):  # product_value asks for each factor but the permutations, in order
            given = iter([part for f, part in zip(n.factors, parts) if not is_permutation(f)])
            return product_value(n, lambda f: next(given), self.values.sizes)
        out = parts[0]
        for part in parts[1:]:
            out = out * part if isinstance(n, Hadamard) else np.kron(out, part)
        return out


class _Shapes(Exception):
    """A step whose two sides have different shapes."""

    def __init__(self, step: Step, shapes: tuple) -> None:
        super().__init__(step.rule)
        self.step, self.shapes = step, shapes


class _Point:
    """Values at one point: d(E) and a name's tangent by Richardson differences along E."""

    def __init__(self, arrays: dict[str, np.ndarray], sizes: dict[str, int], var: Symbol, E: np.ndarray,
                 h: float, function_tree: Node) -> None:
        self.arrays, self.sizes, self.var, self.E, self.h = arrays, sizes, var, E, h
        shifted = {t: Interpreter({**arrays, var.name: arrays[var.name] + t * h * E}, sizes) for t in (-2, -1, 1, 2)}
        self.shifted = shifted
        # the other inputs held still (a backward pass shared by several variables shows their du too)
        directions: dict[str, np.ndarray] = {name: np.zeros_like(value) for name, value in arrays.items()}
        directions[var.name] = E
        for name in bound_in_order(function_tree):  # a program's tangents dh
            directions[name.name] = self.along(name)
        self.interpreter = Interpreter(arrays, sizes, directions, self.along)

    def along(self, node: Node) -> np.ndarray:
        """d(node) along E: (8(f(h) − f(−h)) − (f(2h) − f(−2h))) / 12h of node
        simplified (a − a is exactly constant), term by term of a sum, so
        that a large constant term adds no rounding noise."""
        node = simplify(node)
        if not depends_on(node, self.var):
            return np.zeros(self.shifted[1].dims(node))
        if isinstance(node, Add):
            varying = [t for t in node.terms if depends_on(t, self.var)]
            if not varying:
                return np.zeros(self.shifted[1].dims(node))
            out = self.along(varying[0])
            for term in varying[1:]:
                out = out + self.along(term)
            return out
        s = self.shifted
        return (8 * (s[1](node) - s[-1](node)) - (s[2](node) - s[-2](node))) / (12 * self.h)

    def __call__(self, node: Node) -> np.ndarray:
        return self.interpreter(node)


def _relative(a: np.ndarray, b: np.ndarray, floor: float) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.size != b.size:
        return float("inf")
    scale = max(float(np.linalg.norm(a)), float(np.linalg.norm(b)), floor, 1e-12)
    return float(np.linalg.norm(a.reshape(-1) - b.reshape(-1))) / scale

