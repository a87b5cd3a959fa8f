"""Checking a derivation's steps in value: at random points, each step's two
sides must agree as its relation says (equal; one the differential, the vec,
the projection of the other; ∇f and J read off as ⟨∇f, dX⟩ and J vec(dX)).
A pending differential d(E) and a program name's tangent dh are valued by
Richardson differences of E and h along dX, so the check does not trust the
rules it checks. Imports check, evaluate and calculus.steps.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .calculus.steps import (
    DIFFERENTIAL, EQUAL, PROJECTED, READ_GRADIENT, READ_JACOBIAN, VECTORIZED, Step,
)
from .check import CheckReport, _at_planned_sizes, _gave_up, _instances, _validate
from .errors import CheckError, EvaluationError
from .evaluate import Interpreter
from .nodes import Add, Node, Symbol, bound_in_order, depends_on
from .printing.text import to_text

# Steps are exact identities: only the differences' error (h⁴) and rounding separate the sides.
STEPS_TOLERANCE = 1e-6


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
            try:
                gaps = [(self._gap(step, arrays, sizes, E, h), step) for step in self.steps]
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

    def _gap(self, step: Step, arrays: dict[str, np.ndarray], sizes: dict[str, int], E: np.ndarray,
             h: float) -> float:
        at = _Point(arrays, sizes, self.variable, E, h, self.function_tree)
        before, after = at(step.before), at(step.after)
        if step.relation == EQUAL and before.shape != after.shape:
            raise _Shapes(step, (before.shape, after.shape))
        if step.relation == EQUAL:
            return _relative(before, after)
        if step.relation == DIFFERENTIAL:
            return _relative(at.along(step.before), after)
        if step.relation == VECTORIZED:
            return _relative(before.reshape(-1, 1, order="F"), after)
        if step.relation == READ_GRADIENT:
            return _relative(before, np.array([[np.sum(after * E.reshape(after.shape))]]))
        if step.relation == READ_JACOBIAN:
            return _relative(before, after @ E.reshape(-1, 1, order="F"))
        if step.relation == PROJECTED:  # equal along directions in the variable's set
            return _relative(np.array([[np.sum(before * E)]]), np.array([[np.sum(after * E)]]))
        raise AssertionError(f"a step relation the check does not know: {step.relation}")


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
        """d(node) along E: (8(f(h) − f(−h)) − (f(2h) − f(−2h))) / 12h, term by
        term of a sum, so that a large constant term adds no rounding noise."""
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


def _relative(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.size != b.size:
        return float("inf")
    scale = max(float(np.linalg.norm(a)), float(np.linalg.norm(b)), 1e-3)
    return float(np.linalg.norm(a.reshape(-1) - b.reshape(-1))) / scale

