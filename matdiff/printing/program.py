"""Programs as people read them: the definitions a result refers to (its
`where` lines), and the reverse-mode program — forward definitions, one
adjoint per definition from f back to the inputs, then each variable's
gradient — in text, LaTeX and JSON. Imports nodes and printing.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from ..nodes import Bound, Node, bound_in_order
from .latex import latex_name, to_latex
from .text import display_name, to_input, to_text


def definitions_used(*trees: Node) -> list[Bound]:
    """The names the trees use, directly or through other definitions, in
    program order (forward names, then the adjoints kept by name)."""
    seen: dict[Bound, None] = {}
    for tree in trees:
        for name in bound_in_order(tree):
            seen.setdefault(name, None)
    forward = [b for b in seen if b.adjoint_of is None]
    return forward + [b for b in seen if b.adjoint_of is not None]


def where_text(names: Sequence[Bound]) -> str:
    """'a = W1 x + b1, h = tanh(a)' for the names given."""
    return ", ".join(f"{display_name(b)} = {to_text(b.definition)}" for b in names)


def where_latex(names: Sequence[Bound]) -> str:
    return r",\; ".join(f"{to_latex(b)} = {to_latex(b.definition)}" for b in names)


def program_input(names: Sequence[Bound], last: Node) -> str:
    """Definitions and a last expression in the input language: a program
    that reads back as the same value."""
    return "".join(f"{b.name} = {to_input(b.definition)}; " for b in names) + to_input(last)


class Backprop:
    """The reverse-mode program of a scalar f: the forward definitions it
    uses, the adjoints in the order the backward pass computes them, and each
    variable's gradient as an expression of them (several variables share
    the pass)."""

    def __init__(self, function: Node, adjoints: Sequence[Bound], gradients: Mapping[str, Node]):
        self.function = function
        self.forward = [b for b in bound_in_order(function)]
        self.adjoints = list(adjoints)
        self.gradients = dict(gradients)

    def uses(self, name: str) -> list[Bound]:
        """The adjoints the gradient of `name` is computed from, in backward order."""
        used = {b for b in bound_in_order(self.gradients[name]) if b.adjoint_of is not None}
        return [b for b in self.adjoints if b in used]

    def __str__(self) -> str:
        lines = ["forward:"]
        lines += [f"  {b.name} = {to_text(b.definition)}" for b in self.forward]
        lines.append(f"  f = {to_text(self.function)}")
        lines.append("backward:")
        lines += [f"  {display_name(b)} = {to_text(b.definition)}" for b in self.adjoints]
        for name, gradient in self.gradients.items():
            used = ", ".join(display_name(b) for b in self.uses(name))
            lines.append(f"  ∇{name} f = {to_text(gradient)}" + (f"    (uses {used})" if used else ""))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<matdiff backprop: {len(self.forward)} definitions, {len(self.adjoints)} adjoints>"

    def latex(self) -> str:
        """The program as the body of an `aligned` environment."""
        rows = [f"{to_latex(b)} &= {to_latex(b.definition)}" for b in self.forward]
        rows.append(f"f &= {to_latex(self.function)}")
        rows += [f"{to_latex(b)} &= {to_latex(b.definition)}" for b in self.adjoints]
        rows += [rf"\nabla_{{{latex_name(name)}}} f &= {to_latex(g)}" for name, g in self.gradients.items()]
        return "\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}"

    def to_dict(self) -> dict[str, Any]:
        """forward, backward (each adjoint with the name it is the adjoint of)
        and gradients (each with the adjoints it uses), as a dict."""
        return {
            "forward": [{"name": b.name, "value": to_text(b.definition)} for b in self.forward]
            + [{"name": "f", "value": to_text(self.function)}],
            "backward": [{"name": display_name(b), "identifier": b.name, "adjoint_of": b.adjoint_of,
                          "value": to_text(b.definition)} for b in self.adjoints],
            "gradients": [{"wrt": name, "value": to_text(g), "uses": [display_name(b) for b in self.uses(name)]}
                          for name, g in self.gradients.items()],
        }
