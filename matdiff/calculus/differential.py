"""Forward differentials: d f = f'(X)[dX], one rule per node kind in the
table DIFFERENTIALS (as JAX's primitive_jvps); named functions bring their
own rules from the registry. Imports nodes, ops and facts.
"""
from __future__ import annotations

from fractions import Fraction
from typing import Callable, Collection

from ..errors import DerivativeError
from ..facts import is_symmetric
from ..nodes import (
    Add, Bound, Call, Commutation, Differential, DifferentialOf, Filled, Hadamard, Identity, Inverse, Kron,
    MatPower, Mul,
    Node, Number, Power, Symbol, Transpose, Zero, bound_in_order, product,
)
from ..ops import function, log
from ..identities import Rule
from .steps import DF, DIFFERENTIAL, DifferentialSteps, StepLog, Target

D = Callable[[Node], "Node | None"]  # the differential of a subtree, memoised (None: it is constant)


def differential(expr: Node, var: Symbol, record: StepLog | None = None, target: Target = DF) -> Node:
    """The differential of `expr` in the direction dX of the variable `var`
    (a Zero of expr's shape when expr does not depend on it). A program's
    names are differentiated through their definitions, each once. With
    `record`, its steps are recorded there (the line is `target`)."""
    dX = Differential(var)
    d = _differentiator(lambda s: dX if s.name == var.name else None, through_definitions=True)
    for name in bound_in_order(expr):  # in program order: no recursion along the program
        d(name)
    out = d(expr)
    if record is not None:
        record.add(TAKE_DIFFERENTIAL, expr, DifferentialOf(expr), target, relation=DIFFERENTIAL)
        _record(expr, d, record, target)
    return Zero(expr.shape) if out is None else out


def local_differential(expr: Node, leaves: Collection[str], record: StepLog | None = None,
                       target: Target = DF) -> Node | None:
    """The differential of one definition's expression in the directions d(u)
    of the names `leaves` (inputs or defined names) it uses directly; every
    other name is held constant. None when it uses none of them."""
    d = _differentiator(lambda s: Differential(s) if s.name in leaves else None, through_definitions=False)
    out = d(expr)
    if record is not None and out is not None:
        _record(expr, d, record, target)
    return out


TAKE_DIFFERENTIAL = Rule("take the differential", "df = f(X + dX) − f(X) to first order", "18.063 notes, ch. 2")
CONSTANT_FACTORS = Rule("constant factors", "d(A U B) = A dU B", "Cookbook (37)")
VARYING_EXPONENT = Rule("power rule", "d(uᵖ) = p uᵖ⁻¹ du + uᵖ log(u) dp", "chain rule")
# The rule of each node kind, as steps cite it (a named function's is in its record).
RULES: dict[type, Rule] = {
    Add: Rule("sum rule", "d(U + V) = dU + dV", "Cookbook (35)"),
    Mul: Rule("product rule", "d(UV) = dU V + U dV", "Cookbook (37)"),
    Hadamard: Rule("product rule (entry-wise)", "d(U ∘ V) = dU ∘ V + U ∘ dV", "Cookbook (38)"),
    Kron: Rule("product rule (Kronecker)", "d(U ⊗ V) = dU ⊗ V + U ⊗ dV", "Cookbook (39)"),
    Transpose: Rule("transpose", "d(Uᵀ) = (dU)ᵀ", "Cookbook (44)"),
    Inverse: Rule("inverse", "d(U⁻¹) = −U⁻¹ dU U⁻¹", "Cookbook (40)"),
    MatPower: Rule("matrix power", "d(Uᵏ) = Σᵢ Uⁱ dU Uᵏ⁻¹⁻ⁱ", "product rule"),
    Power: Rule("power rule", "d(uᵖ) = p uᵖ⁻¹ du", "chain rule"),
    Filled: Rule("filled matrix", "d(c 1) = dc 1", "linearity"),
}


def _record(expr: Node, d: D, log: StepLog, target: Target) -> None:
    """Record d(expr) rule by rule: each node's own rule, applied with its
    arguments' differentials pending where the memoised d found them varying."""
    def pending(node: Node) -> Node | None:
        out = d(node)
        if out is None or (isinstance(node, Symbol) and isinstance(out, Differential)):
            return out  # constant, or a leaf's own differential (dX, du)
        return DifferentialOf(node)

    def local(node: Node) -> Node:
        if isinstance(node, Symbol):  # a program's name, through its definition
            assert isinstance(node, Bound)
            out = pending(node.definition)
        else:
            out = DIFFERENTIALS[type(node)](node, pending)
        return Zero(node.shape) if out is None else out

    def rule_of(node: Node) -> Rule:
        if isinstance(node, Symbol):
            return Rule(f"definition of {node.name}", f"{node.name} = {node.definition}")  # type: ignore[attr-defined]
        if isinstance(node, Call):
            fn = function(node.name)
            return fn.rule_for(fn.shortcut is not None and fn.shortcut(node, pending) is not None)
        if isinstance(node, Mul) and sum(d(f) is not None for f in node.factors) == 1:
            return CONSTANT_FACTORS
        if isinstance(node, Power) and d(node.exponent) is not None:
            return VARYING_EXPONENT
        return RULES[type(node)]

    start = DifferentialOf(expr)
    if pending(expr) is None:  # constant: d f = 0
        log.add(Rule("constant", "dA = 0"), start, Zero(expr.shape), target)
        return
    if not isinstance(pending(expr), DifferentialOf):  # f is the variable: d(X) is dX already
        return
    DifferentialSteps(local, rule_of, log).derive(start, target, 0)


def _differentiator(leaf: Callable[[Symbol], "Node | None"], through_definitions: bool) -> D:
    memo: dict[Node, Node | None] = {}

    def d(node: Node) -> Node | None:
        if node in memo:
            return memo[node]
        if isinstance(node, Symbol):
            out = leaf(node)
            if out is None and through_definitions and isinstance(node, Bound):
                out = d(node.definition)
        else:
            out = DIFFERENTIALS[type(node)](node, d)
        memo[node] = out
        return out
    return d


def _sum(terms: list[Node]) -> Node | None:
    if not terms:
        return None
    return terms[0] if len(terms) == 1 else Add(tuple(terms))


def _constant(node: Node, d: D) -> Node | None:
    return None


def _filled(node: Filled, d: D) -> Node | None:
    dv = d(node.value)
    return None if dv is None else Filled(dv, node.shape)


def _add(node: Add, d: D) -> Node | None:
    return _sum([t for t in (d(term) for term in node.terms) if t is not None])


def _product_rule(kind: type) -> Callable[[Node, D], Node | None]:
    """Cookbook (37)-(39): d(F₁⋯Fₖ) = Σᵢ F₁⋯dFᵢ⋯Fₖ for ordinary, Hadamard and
    Kronecker products alike."""
    def rule(node: Node, d: D) -> Node | None:
        factors = node.children
        terms: list[Node] = []
        for i, f in enumerate(factors):
            df = d(f)
            if df is None:
                continue
            new = factors[:i] + (df,) + factors[i + 1:]
            terms.append(product(*new) if kind is Mul else kind(new))
        return _sum(terms)
    return rule


def _transpose(node: Transpose, d: D) -> Node | None:
    da = d(node.arg)
    return None if da is None else Transpose(da)  # Cookbook (44): d(Xᵀ) = (dX)ᵀ


def _inverse(node: Inverse, d: D) -> Node | None:
    da = d(node.arg)
    if da is None:
        return None
    return Mul((Number(Fraction(-1)), node, da, node))  # Cookbook (40): d(X⁻¹) = -X⁻¹ dX X⁻¹


def _matrix_power(node: MatPower, d: D) -> Node | None:
    X, k = node.base, node.k
    dX = d(X)
    if dX is None:
        return None
    if k < 0:
        # X^k = (X^|k|)⁻¹, so d(X^k) = -X^k d(X^|k|) X^k  (Cookbook (40))
        inner = _matrix_power(MatPower(X, -k), d)
        return Mul((Number(Fraction(-1)), node, inner, node))  # type: ignore[arg-type]

    def pw(j: int) -> tuple[Node, ...]:
        return () if j == 0 else (X,) if j == 1 else (MatPower(X, j),)
    # d(Xᵏ) = Σ_{i=k-1..0} Xⁱ dX X^{k-1-i}  (product rule, 18.063 notes)
    return Add(tuple(Mul(pw(i) + (dX,) + pw(k - 1 - i)) for i in range(k - 1, -1, -1)))


def _power(node: Power, d: D) -> Node | None:
    base, p = node.base, node.exponent
    db, dp = d(base), d(p)
    terms: list[Node] = []
    if db is not None:
        lowered = Number(p.value - 1) if isinstance(p, Number) else Add((p, Number(Fraction(-1))))
        slope = Mul((p, base if lowered == Number(Fraction(1)) else Power(base, lowered)))  # p u^(p-1), entry-wise
        terms.append(Mul((slope, db)) if base.is_scalar else Hadamard((slope, db)))
    if dp is not None:
        # d(u^p) = u^p log(u) dp for a varying exponent
        terms.append(Mul((Hadamard((node, log(base))), dp)))
    return _sum(terms)


def _call(node: Call, d: D) -> Node | None:
    """A function's shortcut (which sees the lazy d), else its element-wise
    derivative f'(u) ∘ du, else its differential rule."""
    fn = function(node.name)
    if fn.shortcut is not None:
        out = fn.shortcut(node, d)
        if out is not None:
            return None if isinstance(out, Zero) else out
    dargs = [d(a) for a in node.args]
    if all(da is None for da in dargs):
        return None
    if fn.needs_symmetric and not all(is_symmetric(a) for a in node.args):
        named = next((a.name for a in node.args if isinstance(a, Symbol) and not is_symmetric(a)), "X")
        raise DerivativeError(f"{node.name} is differentiated for symmetric matrices only: declare the "
                              f"matrix symmetric, e.g. where \"{named}: matrix(n,n) symmetric\", or build it "
                              f"symmetric (AᵀA + S)")
    if fn.derivative is not None:
        (u,), (du,) = node.args, dargs
        slope = fn.derivative(u)
        if isinstance(slope, Zero):
            return None
        return Hadamard((slope, du))  # type: ignore[arg-type]
    if fn.differential is None:
        raise DerivativeError(f"{node.name} has no derivative")
    return fn.differential(node, dargs)


def _pending(node: DifferentialOf, d: D) -> Node | None:
    raise AssertionError("a derivation step's pending differential reached the differential pass")


DIFFERENTIALS: dict[type, Callable] = {
    DifferentialOf: _pending, Number: _constant, Identity: _constant, Zero: _constant, Commutation: _constant,
    Differential: _constant,
    Filled: _filled, Add: _add, Mul: _product_rule(Mul), Hadamard: _product_rule(Hadamard),
    Kron: _product_rule(Kron), Transpose: _transpose, Inverse: _inverse, MatPower: _matrix_power,
    Power: _power, Call: _call,
}
