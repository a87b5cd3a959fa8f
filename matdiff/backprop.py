"""The reverse-mode program of a scalar f, as a result: forward definitions,
one adjoint per definition from f back to the inputs, then each variable's
gradient — in text, LaTeX, JSON and as one generated function that shares
the forward and backward passes among all variables. Imports nodes,
printing and compiled.
"""
from __future__ import annotations

import json
from typing import Any, Callable, Mapping, Sequence

from .compiled import compile_function
from .nodes import ADJOINT, Bound, Node, Symbol, bound_in_order, symbols_of
from .printing.code import CodeFunction, generate_module, output_kind
from .printing.latex import latex_name, to_latex
from .printing.program import one_line
from .printing.text import display_name, to_input, to_text


class Backprop:
    """The reverse-mode program of a scalar f: the forward definitions it
    uses, the adjoints in the order the backward pass computes them, and each
    variable's gradient as an expression of them (several variables share
    the pass)."""

    def __init__(self, function: Node, adjoints: Sequence[Bound], gradients: Mapping[str, Node],
                 variables: Sequence[Symbol], input: str = "", output_name: str = "f",
                 plans: Mapping[str, Node] | None = None):
        self.function = function
        self.forward = sorted(bound_in_order(function), key=lambda b: b.position)  # in program order
        self.adjoints = list(adjoints)
        self.gradients = dict(gradients)
        self.variables = list(variables)
        self.input = input
        self.output_name = output_name  # what f is called
        self.unused_inputs: tuple[Symbol, ...] = ()  # arguments only unused definitions read
        self.plans = dict(plans or gradients)  # what code computes each gradient from

    @classmethod
    def of_gradients(cls, results: Sequence[Any]) -> "Backprop":
        """The backward pass of gradients of a single expression (Results of one
        f): no definitions, so no adjoints; each gradient as derived."""
        first = results[0]
        return cls(first.function_tree, [], {r.variable.name: r.value for r in results}, [r.variable for r in results],
                   first.input, first.output_name,
                   {r.variable.name: r.value if r.plan is None else r.plan for r in results})

    @property
    def symbols(self) -> list[Symbol]:
        """The arguments of the code: f's inputs, then variables f does not use."""
        found = symbols_of(self.function)
        return found + [v for v in (*self.variables, *self.unused_inputs) if v.name not in {s.name for s in found}]

    def function_name(self) -> str:
        return "gradients_" + "_".join(v.name for v in self.variables)

    def code_function(self, *, with_value: bool = False) -> CodeFunction:
        """One function computing the forward values once and the backward pass
        once, returning every variable's gradient (a tuple for several; f's
        value first with with_value=True)."""
        results = [(self.plans[v.name], output_kind(v.shape), v.shape) for v in self.variables]
        names = ", ".join(v.name for v in self.variables)
        doc = f"Gradients with respect to {names} of {one_line(self.input)}, by one backward pass."
        (tree, output, shape), *also = results
        fn = CodeFunction(tree, self.symbols, self.function_name(), doc, output, shape, tuple(also))
        return fn.with_value(self.function, self.output_name) if with_value else fn

    def code(self, *, backend: str = "numpy", with_value: bool = False) -> str:
        """A standalone module defining the backward pass as one function."""
        return generate_module([self.code_function(with_value=with_value)], backend)

    def lambdify(self, *, backend: str = "numpy", with_value: bool = False) -> Callable[..., Any]:
        """The backward pass as a callable of the symbols by name: the gradient,
        or a tuple of gradients in the order of the variables (after f's value
        with with_value=True)."""
        fn = self.code_function(with_value=with_value)
        return compile_function(generate_module([fn], backend), fn.name, self.symbols, backend)

    def uses(self, name: str) -> list[Bound]:
        """The adjoints the gradient of `name` is computed from, in backward order."""
        used = {b for b in bound_in_order(self.gradients[name]) if b.role == ADJOINT}
        return [b for b in self.adjoints if b in used]

    def __str__(self) -> str:
        return self.text()

    def text(self, ascii: bool = False) -> str:
        """The program in Unicode text, or (ascii) in the input language with
        adjoints named a_bar and gradients grad_X."""
        show = to_input if ascii else to_text
        name = (lambda b: b.name) if ascii else display_name
        nabla = "grad_" if ascii else "∇"
        lines = ["forward:"]
        lines += [f"  {b.name} = {show(b.definition)}" for b in self.forward]
        f = self.output_name
        lines.append(f"  {f} = {show(self.function)}")
        lines.append("backward:")
        lines += [f"  {name(b)} = {show(b.definition)}" for b in self.adjoints]
        for wrt, gradient in self.gradients.items():
            used = ", ".join(name(b) for b in self.uses(wrt))
            lines.append(f"  {nabla}{wrt} {f} = {show(gradient)}" + (f"    (uses {used})" if used else ""))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<matdiff backprop: {len(self.forward)} definitions, {len(self.adjoints)} adjoints>"

    def latex(self) -> str:
        """The program as the body of an `aligned` environment."""
        rows = [f"{to_latex(b)} &= {to_latex(b.definition)}" for b in self.forward]
        f = latex_name(self.output_name)
        rows.append(f"{f} &= {to_latex(self.function)}")
        rows += [f"{to_latex(b)} &= {to_latex(b.definition)}" for b in self.adjoints]
        rows += [rf"\nabla_{{{latex_name(name)}}} {f} &= {to_latex(g)}" for name, g in self.gradients.items()]
        return "\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}"

    def to_json(self) -> str:
        """The backward pass as JSON text (the object of to_dict)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    def to_dict(self) -> dict[str, Any]:
        """forward, backward (each adjoint with the name it is the adjoint of)
        and gradients (each with the adjoints it uses), as a dict."""
        return {
            "forward": [{"name": b.name, "value": to_text(b.definition)} for b in self.forward]
            + [{"name": self.output_name, "value": to_text(self.function)}],
            "backward": [{"name": display_name(b), "identifier": b.name, "adjoint_of": b.of,
                          "value": to_text(b.definition)} for b in self.adjoints],
            "gradients": [{"wrt": name, "value": to_text(g), "uses": [display_name(b) for b in self.uses(name)]}
                          for name, g in self.gradients.items()],
        }
