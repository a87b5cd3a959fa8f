"""Forward mode through a program: the chain of tangents.

Each definition v = e(u, …) that depends on the variable X gets its tangent
dv = Σᵤ ∂e/∂u[du], a `Bound` name (da, dh, …) whose definition uses the
tangents of the names before it and dX; df is the last statement's. Each
definition is differentiated once, so the cost is linear in the length of
the program, and the differential reads as the course writes it
(df = 2 rᵀ dr, dr = W2 dh, …) before derived.written_out writes the short
tangents into their uses.
"""
from __future__ import annotations

from ..nodes import TANGENT, Bound, Differential, Node, Symbol, Zero, bound_in_order
from ..facts import name_properties
from ..nodes import substitute
from .derived import StepDifferentials, fresh_name


def tangents(f: Node, var: Symbol, steps: StepDifferentials | None = None) -> Node:
    """df in the direction dX of `var`, with a tangent name for each
    definition f depends on through `var` (sharing the definitions'
    differentials `steps` with a backward pass)."""
    step_differential = steps or StepDifferentials(f)
    order = bound_in_order(f)
    taken = step_differential.taken  # shared with the adjoints: every derived name distinct
    taken.add(var.name)
    active = {var.name}
    tangent: dict[Node, Node] = {}  # d(u) of a defined u -> its tangent name du

    def differentiate(expr: Node) -> Node | None:
        d = step_differential(expr, active)
        return None if d is None else substitute(d, tangent)

    for b in order:
        d = differentiate(b.definition)
        if d is None:
            continue
        active.add(b.name)
        tangent[Differential(b)] = Bound(fresh_name(f"d{b.name}", taken), b.shape, name_properties(d), definition=d,
                                         role=TANGENT, of=b.name)
    df = differentiate(f)
    return Zero(f.shape) if df is None else df
