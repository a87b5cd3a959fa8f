"""A derivation's steps, as a student writes them (SPEC §8): each pass of a
derivation asked for its steps hands them to a StepLog while it runs — the
differential through the tree, the pullback that moves dX to the end of each
trace, the read-off, the projection, the vec form of a Jacobian. Passes that
are not asked keep no log and pay one test of None. Imports identities,
nodes, ops and simplify.
"""
from __future__ import annotations

from typing import Callable, Mapping, NamedTuple, Sequence, Union

from ..identities import Rule
from ..nodes import (
    Add, Bound, DifferentialOf, Identity, Node, Number, Transpose, bound_in_order, product, split_product,
    substitute,
)
from ..ops import trace
from ..simplify import factor, simplify

# How a step's two sides relate (each can be checked in value):
EQUAL = "="                # before = after
DIFFERENTIAL = "d"         # after = d(before)
READ_GRADIENT = "gradient"  # before = ⟨after, dX⟩
READ_JACOBIAN = "jacobian"  # before = after vec(dX)
VECTORIZED = "vectorized"  # after = vec(before)
PROJECTED = "projection"   # after = the projection of before (equal along directions in the set)

# What a line of steps is: the function, its differential, a gradient, a
# Jacobian, the Hessian operator and matrix, or a subexpression's differential.
Target = Union[str, Node]
F, DF, VEC_DF, GRADIENT, UNCONSTRAINED, JACOBIAN = "f", "df", "vec df", "gradient", "unconstrained", "jacobian"
D_GRADIENT, OPERATOR, VEC_OPERATOR, HESSIAN = "d gradient", "operator", "vec operator", "hessian"


class Step(NamedTuple):
    """One line of a derivation: `rule` turns `before` into `after` (related
    as `relation` says); `target` is what both sides are; `level` > 0 puts
    the step under a subexpression; `key` lines make the brief form."""

    rule: str
    identity: str
    source: str
    before: Node
    after: Node
    target: Target
    relation: str = EQUAL
    level: int = 0
    key: bool = False

    def __repr__(self) -> str:
        return f"Step(rule={self.rule!r}, before={str(self.before)!r}, after={str(self.after)!r})"

    def __str__(self) -> str:
        return f"{self.before} = {self.after}    ({self.rule})"


class StepLog:
    """The steps of one derivation, in order, as its passes record them."""

    def __init__(self) -> None:
        self.steps: list[Step] = []

    def add(self, rules: "Rule | list[Rule]", before: Node, after: Node, target: Target, *,
            relation: str = EQUAL, level: int = 0, key: bool = False) -> None:
        found = [rules] if isinstance(rules, Rule) else list(dict.fromkeys(rules))
        self.steps.append(Step("; ".join(r.name for r in found), "; ".join(r.identity for r in found if r.identity),
                               "; ".join(dict.fromkeys(r.source for r in found if r.source)),
                               before, after, target, relation, level, key))

    def rewrite(self, rule: Rule, before: Node, after: Node, target: Target, key: bool = False) -> None:
        """A step only where the rewrite changed how the expression reads;
        a tree that reads the same takes the place of the last line's."""
        if after == before:
            return
        if str(after) != str(before):
            self.add(rule, before, after, target, key=key)
        elif self.steps and self.steps[-1].after == before:
            self.steps[-1] = self.steps[-1]._replace(after=after)

    @property
    def last(self) -> Node:
        return self.steps[-1].after


def pending_in(line: Node) -> list[DifferentialOf]:
    """The pending differentials of a line, left to right, each once (not
    looking inside one)."""
    found: list[DifferentialOf] = []
    stack = [line]
    while stack:
        node = stack.pop()
        if isinstance(node, DifferentialOf):
            if node not in found:
                found.append(node)
            continue
        stack.extend(reversed(node.children))
    return found


# Grouping: a line with several pending parts derives each part that takes more
# than one step under its own heading, down to this depth of headings.
MAX_LEVEL = 2


class DifferentialSteps:
    """The differential of a tree shown rule by rule: `local(E)` is E's own
    rule applied with its arguments' differentials left pending (the rule
    the derivation ran, with `pending` in place of its memoised d), `rule_of`
    names it."""

    def __init__(self, local: Callable[[Node], Node], rule_of: Callable[[Node], Rule], log: StepLog) -> None:
        self.local, self.rule_of, self.log = local, rule_of, log
        self.depths: dict[Node, int] = {}

    def depth(self, subject: Node) -> int:
        """How many rounds of rules d(subject) takes."""
        hit = self.depths.get(subject)
        if hit is None:
            inner = pending_in(self.local(subject))
            hit = self.depths[subject] = 1 + max((self.depth(p.of) for p in inner), default=0)
        return hit

    def derive(self, line: Node, target: Target, level: int) -> Node:
        """Expand the pending differentials of `line` until none is left,
        recording each round; the fully expanded line."""
        while True:
            pending = pending_in(line)
            if not pending:
                return line
            deep = [p for p in pending if self.depth(p.of) > 1]
            mapping: dict[Node, Node] = {}
            rules: list[Rule] = []
            if len(pending) > 1 and deep and level < MAX_LEVEL:
                for p in deep:  # each deep part under its own heading first
                    mapping[p] = self.derive(p, p.of, level + 1)
                rules.append(Rule("the parts above"))
            for p in pending:
                if p not in mapping:
                    mapping[p] = self.local(p.of)
                    rules.append(self.rule_of(p.of))
            after = substitute(line, mapping, flatten_products=True)
            self.log.add(rules, line, after, target, level=level)
            line = after


COLLECT = Rule("simplify", "like terms collected, products multiplied out, scalar factors moved to the front")
FACTOR = Rule("factor", "A B + A C = A (B + C)")
NAMED = Rule("name the repeated parts", "s = softmax(x)")  # the identity: the names given
STABLE_FORM = Rule("stable form", "the same function, written with kernels that do not overflow")


def collected(raw: Node, record: StepLog | None, target: Target = DF) -> Node:
    """simplify(raw), the step from the last line to it recorded."""
    out = simplify(raw)
    if record is not None:
        record.rewrite(COLLECT, record.last if record.steps else raw, out, target, key=True)
    return out


def factored(node: Node, record: StepLog | None, target: Target, value: Bound | None = None) -> Node:
    """factor(node, value), the step recorded where it changes the form."""
    out = factor(node, value)
    if record is not None:
        record.rewrite(FACTOR, node, out, target, key=True)
    return out


FORWARD = Rule("differentiate each definition", "dv = Σᵤ ∂e/∂u [du] for v = e(u, …)", "18.063 notes: forward mode")
FORWARD_SUBSTITUTED = Rule("the blocks above, substituted", "dv written out in dX", "18.063 notes: forward mode")
PULLBACK = Rule("pullback", "ū = Σᵥ the cotangent ⟨v̄, dv⟩ hands du, over the definitions v that use u",
                "18.063 notes: reverse mode")
GRADIENT_FROM_ADJOINTS = Rule("read off the gradient", "df = ⟨x̄, dx⟩: ∇f = x̄, the adjoint of the input x",
                              "18.063 notes: reverse mode")
WRITE_OUT = Rule("write the adjoints out", "each adjoint used once replaced by its definition")


def program_steps(f: Node, df: Node, blocks: Mapping[Node, StepLog], adjoints: Sequence[Bound], plan: Node,
                  written: Node, record: StepLog) -> None:
    """A program's derivation: one block per definition (its differential, in
    program order) and df from them, the pullbacks from f back to the
    inputs, the gradient read off df (so the forward and backward passes
    are checked against each other)."""
    record.add(FORWARD, f, DifferentialOf(f), DF, relation=DIFFERENTIAL)
    order = sorted(bound_in_order(f), key=lambda b: b.position)
    for b in order + ([] if isinstance(f, Bound) else [f]):
        expr = b.definition if isinstance(b, Bound) else b
        block = blocks.get(expr)
        if block is None or not block.steps:
            continue
        if isinstance(b, Bound):
            record.add(Rule(f"definition of {b.name}", f"{b.name} = {expr}"), DifferentialOf(b), DifferentialOf(expr),
                       b, level=1)
        for step in block.steps:
            record.steps.append(step._replace(target=b if step.target == expr else step.target, level=step.level + 1))
    record.add(FORWARD_SUBSTITUTED, DifferentialOf(f), df, DF, key=True)
    for bar in adjoints:
        record.add(PULLBACK, bar, bar.definition, bar, level=1, key=True)
    record.add(GRADIENT_FROM_ADJOINTS, df, plan, GRADIENT, relation=READ_GRADIENT, key=True)
    record.rewrite(WRITE_OUT, plan, written, GRADIENT, key=True)


def inner_product(G: Node, D: Node) -> Node:
    """⟨G, D⟩ written with D last, as a person writes it: G d for a scalar,
    Gᵀ d for a vector, c tr(Gᵀ D) for a matrix (Gᵀ simplified, its scalar
    factors c in front, no identity factors)."""
    if D.is_scalar:
        return product(simplify(G), D)
    if D.shape[0].is_one:  # a row: ⟨G, D⟩ = D Gᵀ
        return product(D, simplify(Transpose(G)))
    coefficient, scalars, chain = split_product(simplify(Transpose(G)))
    chain = [c for c in chain if not isinstance(c, Identity)]
    inside = product(*chain, D) if chain else D
    return product(Number(coefficient), *scalars, inside if D.shape[1].is_one else trace(inside))


def sum_of(terms: list[Node]) -> Node:
    return terms[0] if len(terms) == 1 else Add(tuple(terms))
