"""Second derivatives as the derivative of the gradient.

The Hessian of a scalar f at X is the linear operator H with
d(∇f) = H[dX]; the second differential is the bilinear form
d²f[dX, dY] = ⟨dX, H[dY]⟩. Its matrix against column-major vec is the
Jacobian of vec(∇f), so for a matrix variable it comes out in Kronecker form
(tr(Xᵀ A X): H[dX] = (A + Aᵀ) dX, matrix I ⊗ (A + Aᵀ)).

For a structured X the gradient ∇f is already the projection onto the set's
tangent space, extended to all matrices by the same formula; the Hessian is
the projection of that extension's derivative (Absil, Mahony & Sepulchre,
Optimization Algorithms on Matrix Manifolds, Prop. 5.3.2), acting on
directions in the set.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..nodes import Bound, Differential, Node, Symbol
from ..identities import Rule
from ..simplify import factor, simplify
from .adjoint import pairing
from .derived import named, value_names
from .differential import differential
from .steps import D_GRADIENT, HESSIAN, OPERATOR, VEC_OPERATOR, StepLog, collected, factored
from .structured import project_gradient
from .vectorize import jacobian_of_differential


@dataclass(frozen=True)
class HessianBlock:
    """The block ∂²f/∂Xᵢ∂Xⱼ: operator H[dXⱼ] (shaped like Xᵢ) and its vec matrix."""

    operator: Node
    matrix: Node


def hessian_block(gradient: Node, row: Symbol, column: Symbol,
                  admit: Callable[[Node], Node] = lambda d: d, record: StepLog | None = None,
                  value: Bound | None = None) -> HessianBlock:
    """The Hessian block from the gradient with respect to `row`, differentiated
    along `column`; `admit` sees the differential of the gradient first (and
    may refuse it as too large, before and after simplification). With
    `record`, the steps from ∇f to the matrix are recorded there; `value`
    is a name for f the printed forms may use (simplify/factor.py)."""
    # a value the rules bring back is written by its name (tanh(a) is h where h = tanh(a))
    raw = admit(named(differential(gradient, column, record, D_GRADIENT), value_names(gradient)))
    d_gradient = admit(collected(raw, record, D_GRADIENT))
    operator = project_gradient(d_gradient, row, record, OPERATOR)
    if record is not None and record.steps[-1].target != OPERATOR:  # d(∇f) named (a projection named it already)
        record.add(THE_OPERATOR, operator, operator, OPERATOR, key=True)
    matrix = jacobian_of_differential(operator, column, record, HESSIAN, VEC_OPERATOR)
    return HessianBlock(factor(operator, value), factored(matrix, record, HESSIAN, value))


THE_OPERATOR = Rule("the Hessian operator", "H[dX] = d(∇f), linear in dX", "18.063 notes")


def second_differential(operator: Node, row: Symbol, value: Bound | None = None) -> Node:
    """d²f[dX, dY] = ⟨dX, H[dY]⟩ with dX the differential of `row` (`value`: a name for f)."""
    return factor(simplify(pairing(Differential(row), operator)), value)
