"""Code generation, planned once for every backend: a standalone module of
functions that check their arguments (kind, shape, declared structure),
compute each repeated subexpression once, multiply chains in the cheapest
order, apply diag(v) factors as broadcasts and permutations by indexing, use
Gram and Cholesky kernels where the facts allow, negate products rather than
matrices, and return arrays in the API's conventions. The plan is written on
an array namespace `xp` with kernels called by role; a Spelling
(printing/spelling.py) turns it into one library's code. Every name the code
binds comes from one Namespace, so no user symbol can clash with it.
Imports nodes, shapes, ops, facts, structures and printing.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Sequence
from fractions import Fraction

from ..facts import diagonal_vector
from ..nodes import (
    Add, Bound, Call, Commutation, Differential, DifferentialOf, Filled, Hadamard, Identity, Inverse, Kron,
    MatPower, Mul, Node,
    Number, Power, Symbol, Transpose, Zero, bound_in_order, children_first, fraction_to_float, is_permutation,
)
from ..ops import function
from ..shapes import Shape, Size, shape_text, value_kind
from ..structures import is_positive_definite, kernel_role, probes
from .base import Printer
from .namespace import Namespace
from .plan import cheapest_order, factored_matrix, gram_weights, plan, shared_factorizations
from . import jax_spelling, numpy_spelling, torch_spelling  # noqa: F401  (register the backends)
from .precedence import is_negative_term, is_reciprocal, negated
from ..errors import BackendError
from .spelling import Spelling, spelling_of



# Checks every module ships (plain Python: the same for every backend). Shipped
# helpers are module globals whose names start with '_', which no user symbol can.
def _same(size, got, what):
    if size != got:
        raise ValueError("%s: expected %d, got %d" % (what, size, got))


def _unfixed(size):
    raise ValueError("the size %s is not fixed by any argument" % size)


# Python operator levels for parenthesising: + - < * / @ < unary - < ** < atoms.
P_SUM, P_MUL, P_NEG, P_POW, P_ATOM = 1, 2, 3, 4, 5


def _literal(value: Fraction) -> str:
    """A Python literal of the exact value, or the nearest double (np.inf past
    the double range: 1e300 * 1e300)."""
    f = fraction_to_float(value)
    if f in (float("inf"), float("-inf")):
        return "xp.inf" if f > 0 else "-xp.inf"
    if value.denominator == 1 and abs(value) < 2 ** 53:
        return f"{float(value.numerator)!r}"
    if Fraction(repr(f)) == value or max(value.numerator.bit_length(), value.denominator.bit_length()) > 3000:
        return repr(f)
    return f"({value.numerator} / {value.denominator})"


class CodePrinter(Printer):
    """Expression printer over 2-D arrays on the namespace `xp`; shared
    subexpressions are names. Each node prints as (text, Python precedence)."""

    def __init__(self, names: dict[Node, str], namespace: Namespace, modules: dict[str, str],
                 sizes: dict[str, str], spelling: Spelling):
        self.names = names
        self.namespace = namespace
        self.modules = modules        # 'xp', 'scipy' -> the names the function body uses for them
        self.size_names = sizes       # size symbol -> its local name (claimed when first used)
        self.spelling = spelling
        self.xp = modules["xp"]
        self.optional_modules: set[str] = set()  # optional imports a template used ('scipy')
        self.helpers: dict[str, Callable] = {}   # shipped into the module by source, each once
        self.sizes_used: set[str] = set()
        self.factors: dict[Node, tuple[str, str]] = {}  # a matrix -> its factorization's kind and name

    def factored(self, node: Node) -> tuple[str, str, Node, bool] | None:
        """(kind, factor's name, M, transposed) when the node uses a shared factorization of M."""
        found = factored_matrix(node)
        if found is None or found[0] not in self.factors:
            return None
        kind, name = self.factors[found[0]]
        return kind, name, found[0], found[1]

    def kernel(self, role: str) -> str:
        """The name of the spelling's kernel for a role, shipped with the module."""
        helper = self.spelling.kernels[role]
        self.helpers.setdefault(helper.__name__, helper)
        return helper.__name__

    def ship(self, helper: Callable, function_name: str = "") -> None:
        """Ship a helper (a function record's: in this backend's version)."""
        if function_name:
            helper = self.spelling.helper(helper, function_name)
        self.helpers.setdefault(helper.__name__, helper)

    def size(self, size: Size) -> str:
        self.sizes_used.update(size.factors)
        parts = ([str(size.coeff)] if size.coeff != 1 or not size.factors else [])
        parts += [self.size_name(f) for f in size.factors]
        return " * ".join(parts)

    def size_name(self, size: str) -> str:
        if size not in self.size_names:
            self.size_names[size] = self.namespace.claim(size)
        return self.size_names[size]

    def spell(self, template: str) -> str:
        """A code template (no user text in it yet) with the module names this
        function body uses."""
        for old, new in self.spelling.renames.items():
            template = template.replace(old, new)
        for module in self.spelling.optional_imports:
            if module + "." in template:
                self.optional_modules.add(module)
        for module, local in self.modules.items():
            if local != module:
                template = template.replace(module + ".", local + ".")
        return template

    def shape(self, node: Node) -> str:
        return f"({self.size(node.shape[0])}, {self.size(node.shape[1])})"

    def doprint(self, node: Node) -> tuple[str, int]:
        name = self.names.get(node)
        if name is not None:
            return name, P_ATOM
        return super().doprint(node)

    expr = doprint

    def wrap(self, node: Node, level: int) -> str:
        text, own = self.expr(node)
        return f"({text})" if own < level else text

    def _Symbol(self, n: Symbol) -> tuple[str, int]:
        return self.namespace.symbol(n.name), P_ATOM

    def _Bound(self, n: Bound) -> tuple[str, int]:
        raise AssertionError(f"{n.name} was used before the statement that computes it")

    def _Differential(self, n: Differential) -> tuple[str, int]:
        raise AssertionError("a differential reached the code generator")

    def _DifferentialOf(self, n: DifferentialOf) -> tuple[str, int]:
        raise AssertionError("a derivation step's pending differential reached the code generator")

    def _Number(self, n: Number) -> tuple[str, int]:
        text = self.spell(_literal(n.value))  # a literal holds no user text
        return text, P_NEG if n.value < 0 and not text.startswith("(") else P_ATOM

    def _Identity(self, n: Identity) -> tuple[str, int]:
        return f"{self.xp}.eye({self.size(n.n)}{self.spelling.creation})", P_ATOM

    def _Zero(self, n: Zero) -> tuple[str, int]:
        return f"{self.xp}.zeros({self.shape(n)}{self.spelling.creation})", P_ATOM

    def _Filled(self, n: Filled) -> tuple[str, int]:
        ones = f"{self.xp}.ones({self.shape(n)}{self.spelling.creation})"
        if n.value == Number(Fraction(1)):
            return ones, P_ATOM
        return f"{ones} * {self.wrap(n.value, P_POW)}", P_MUL

    def _Commutation(self, n: Commutation) -> tuple[str, int]:
        # K(m, n) as the rows of the identity in the order of its permutation (every backend, any device)
        return f"{self.xp}.eye({self.size(n.m * n.n)}{self.spelling.creation})[{self.permutation(n)}]", P_ATOM

    def _Add(self, n: Add) -> tuple[str, int]:
        parts = [self.wrap(n.terms[0], P_SUM)]
        for t in n.terms[1:]:
            if is_negative_term(t) and t not in self.names:
                parts.append(" - " + self.wrap(negated(t), P_MUL + 1 if isinstance(negated(t), Add) else P_MUL))
            else:
                parts.append(" + " + self.wrap(t, P_SUM + 1))
        return "".join(parts), P_SUM

    def _Mul(self, n: Mul) -> tuple[str, int]:
        factors = list(n.factors)
        sign = ""
        if isinstance(factors[0], Number) and factors[0].value == -1:
            sign, factors = "-", factors[1:]
        scalars = [f for f in factors if f.is_scalar and not is_reciprocal(f)]
        divisors = [f for f in factors if f.is_scalar and is_reciprocal(f)]
        chain = list(n.chain)
        pieces = [self.wrap(s, P_POW) for s in scalars]
        if chain:
            pieces.append(self.chain(chain) if not pieces else f"({self.chain(chain)})")
        text = " * ".join(pieces) if pieces else "1.0"
        for d in divisors:
            assert isinstance(d, Power)
            text += " / " + self.wrap(d.base, P_POW)
        if sign:
            return f"-({text})" if (len(pieces) > 1 or divisors or len(chain) > 1) else f"-{text}", P_NEG
        return text, P_MUL

    def chain(self, chain: list[Node]) -> str:
        """A matrix chain multiplied in the cheapest order (A @ (B @ x), not
        (A @ B) @ x), with diag(v) factors applied as broadcasts (L diag(v) is L
        with its columns scaled by v, diag(v) R is R with its rows scaled)."""
        if len(chain) == 1:
            return self.wrap(chain[0], P_POW)
        weights = gram_weights(chain)
        if weights is not None:  # Mᵀ diag(w) M with w ≥ 0: a Gram matrix (Hessians of losses)
            return f"{self.kernel('weighted_gram')}({self.expr(chain[2])[0]}, {self.expr(weights)[0]})"
        text, tag = self._product(chain, cheapest_order(chain)[0])
        if tag is not None and tag[0] == "perm":  # the chain is a permutation: its matrix is the value
            n = self.size(chain[0].shape[0])
            return f"{self.xp}.eye({n}{self.spelling.creation})[{tag[1]}]"
        return text[1:-1] if text.startswith("(") and text.endswith(")") else text

    def _product(self, chain: list[Node], tree) -> tuple[str, tuple[str, object] | None]:
        """Text of a (sub)chain, and how it multiplies: ("scale", v) for a lone
        diag(v), ("perm", index text) for a permutation (a commutation matrix,
        or a Kronecker product of them and identities), applied by indexing."""
        if isinstance(tree, int):
            f = chain[tree]
            v = diagonal_vector(f)
            if v is not None:
                return self.wrap(f, P_POW), ("scale", v)
            if is_permutation(f):
                return "", ("perm", self.permutation(f))
            return self.wrap(f, P_POW), None
        (left, lt), (right, rt) = self._product(chain, tree[0]), self._product(chain, tree[1])
        lperm = lt[1] if lt is not None and lt[0] == "perm" else None
        rperm = rt[1] if rt is not None and rt[0] == "perm" else None
        if lperm is not None and rperm is not None:
            return "", ("perm", f"{rperm}[{lperm}]")        # P₁P₂ B = B[p₂[p₁]]
        if lperm is not None:
            return f"({right})[{lperm}]", None              # P B: rows of B in the order p
        if rperm is not None:
            return f"({left})[:, {self.xp}.argsort({rperm})]", None   # B P: columns in the inverse order
        if rt is not None and lt is None:
            return f"({left} * {self.xp}.ravel({self.expr(rt[1])[0]}))", None  # type: ignore[arg-type]
        if lt is not None and rt is None:
            return f"({self.xp}.ravel({self.expr(lt[1])[0]})[:, None] * {right})", None  # type: ignore[arg-type]
        inner = chain[_last(tree[0])].shape[1]
        if inner.is_one:  # a column times a row: the outer product by broadcasting, not a k = 1 matrix product
            return f"({left} * {right})", None
        first = chain[tree[0]] if isinstance(tree[0], int) else None
        if (self.spelling.transposed_matvec_slow and isinstance(first, Transpose)
                and chain[_last(tree[1])].shape[1].is_one):  # Mᵀv as (vᵀM)ᵀ, which XLA runs without the transpose
            return f"(({right}).T @ {self.wrap(first.arg, P_POW)}).T", None
        return f"({left} @ {right})", None

    def permutation(self, node: Node) -> str:
        """The index vector p of a permutation matrix P (row i of P is e_{p[i]})."""
        factors = node.factors if isinstance(node, Kron) else (node,)
        spec = []
        for f in factors:
            if isinstance(f, Identity):
                spec.append(f"('I', {self.size(f.n)})")
            else:
                assert isinstance(f, Commutation)
                spec.append(f"('K', {self.size(f.m)}, {self.size(f.n)})")
        return f"{self.kernel('permutation')}({', '.join(spec)})"

    def _Hadamard(self, n: Hadamard) -> tuple[str, int]:
        text = self.wrap(n.factors[0], P_MUL)
        for f in n.factors[1:]:
            if is_reciprocal(f):
                assert isinstance(f, Power)
                text += " / " + self.wrap(f.base, P_POW)
            else:
                text += " * " + self.wrap(f, P_POW)
        return text, P_MUL

    def _Kron(self, n: Kron) -> tuple[str, int]:
        text, _ = self.expr(n.factors[0])
        for f in n.factors[1:]:
            text = f"{self.xp}.kron({text}, {self.expr(f)[0]})"
        return text, P_ATOM

    def _Transpose(self, n: Transpose) -> tuple[str, int]:
        return self.wrap(n.arg, P_ATOM) + ".T", P_ATOM

    def _Inverse(self, n: Inverse) -> tuple[str, int]:
        shared = self.factored(n)
        if shared is not None:
            kind, factor, matrix, transposed = shared
            text = f"{self.kernel(kind + '_inverse')}({factor}, {self.expr(matrix)[0]})"
            return text + (".T" if transposed else ""), P_ATOM
        role = kernel_role(n.arg, "inverse")  # the Cholesky inverse of an spd matrix
        if role != "inverse":
            return f"{self.kernel(role)}({self.expr(n.arg)[0]})", P_ATOM
        if isinstance(n.arg, Transpose):
            return f"{self.kernel('inverse')}({self.expr(n.arg.arg)[0]}).T", P_ATOM
        return f"{self.kernel('inverse')}({self.expr(n.arg)[0]})", P_ATOM

    def _MatPower(self, n: MatPower) -> tuple[str, int]:
        if n.k < 0:
            base = self.expr(Inverse(n.base))[0]  # through the inverse kernel and its condition policy
        else:
            base = self.expr(n.base)[0]
        return f"{self.xp}.linalg.matrix_power({base}, {abs(n.k)})", P_ATOM

    def _Power(self, n: Power) -> tuple[str, int]:
        if is_reciprocal(n):
            return f"1.0 / {self.wrap(n.base, P_POW)}", P_MUL
        return f"{self.wrap(n.base, P_ATOM)} ** {self.wrap(n.exponent, P_ATOM)}", P_POW

    def _Call(self, n: Call) -> tuple[str, int]:
        fn = function(n.name)
        shared = self.factored(n) if fn.through_factor is not None else None
        if shared is not None:
            kind, factor, matrix, transposed = shared
            if fn.through_factor == "applied":
                rhs = self.expr(n.args[1])[0]
                return f"{self.kernel(kind + '_solve')}({factor}, {rhs}, {int(transposed)})", P_ATOM
            if kind == "cholesky":
                return f"{self.kernel('cholesky_logdet')}({factor})", P_ATOM
            return f"{self.kernel('lu_logdet')}({factor}, {self.expr(matrix)[0]})", P_ATOM
        form, helpers = fn.code_for(self.spelling.name)
        if fn.definite_code is not None and is_positive_definite(n.args[0]):
            form, helpers = fn.definite_code, fn.definite_helpers  # Cholesky for a declared spd argument
        template = form(n, self.size) if callable(form) else form
        for text in self.spelling.lacks:  # named as typed: logm, also inside its Fréchet derivative's template
            if text in template:
                raise BackendError(f"the {self.spelling.name} backend has no form of {text.rsplit('.', 1)[-1]}; "
                                   f"use backend='numpy'")
        # An argument that is a call's sole content, "f({0})", needs no parentheses;
        # anywhere else in a template ("0.5 * {0}", "{0}.T") it must bind as an atom.
        args = [self.expr(a)[0] if f"({{{i}}})" in template and template.count(f"{{{i}}}") == 1
                else self.wrap(a, P_ATOM) for i, a in enumerate(n.args)]
        for helper in helpers:
            self.ship(helper, n.name)
        # Every code template is a call or parenthesised, so it binds like an atom.
        return self.spell(template).format(*args), P_ATOM


@lru_cache(maxsize=None)
def _source(helper: Callable) -> str:
    """A shipped helper's source, read and tokenised once per process."""
    return inspect.getsource(helper)


def shared_subexpressions(*roots: Node) -> list[Node]:
    """Non-trivial subtrees used more than once (in one tree or across the
    trees), children before parents."""
    counts: dict[Node, int] = {}
    order: list[Node] = []

    def visit(node: Node) -> None:
        seen = node in counts
        counts[node] = counts.get(node, 0) + 1
        if seen:
            return
        for c in node.children:
            visit(c)
        order.append(node)

    for root in roots:
        visit(root)
    # (a reciprocal 1/b prints as a division by b, which is named if shared)
    return [n for n in order if counts[n] > 1 and n.children and not isinstance(n, Filled) and not is_reciprocal(n)]


def _last(tree) -> int:
    """The index of the last factor of a (sub)chain's order tree."""
    while not isinstance(tree, int):
        tree = tree[1]
    return tree


@dataclass(frozen=True)
class CodeFunction:
    """One function of a generated module: `tree` evaluated at the symbols'
    values, returned as a 'scalar', a 1-D 'vector' or a 'matrix' of `out_shape`."""

    tree: Node
    symbols: Sequence[Symbol]
    name: str
    doc: str
    output: str
    out_shape: Shape
    # further results returned with the first as a tuple, sharing its work: (tree, output, out_shape)
    also: tuple[tuple[Node, str, Shape], ...] = ()

    def with_value(self, f: Node, name: str = "f") -> "CodeFunction":
        """The function returning f first, then what this one returns, all
        computed together (what scipy.optimize.minimize(jac=True) takes)."""
        doc = f"The value {name} and, sharing its work: {self.doc[0].lower()}{self.doc[1:]}"
        return CodeFunction(f, self.symbols, "value_and_" + self.name, doc, output_kind(f.shape), f.shape,
                            ((self.tree, self.output, self.out_shape),) + self.also)


def generate_module(functions: Sequence[CodeFunction], backend: str = "numpy") -> str:
    """The source of one standalone module defining every function (imports and
    helpers once), spelled for a backend."""
    spelling = spelling_of(backend)
    namespace = Namespace(s.name for f in functions for s in f.symbols)
    alias = namespace.claim(spelling.alias)
    modules = {"xp": alias} | {m: namespace.claim(m) for m in spelling.optional_imports}
    helpers: dict[str, Callable] = {"_same": _same, "_unfixed": _unfixed}
    optional: set[str] = set()
    defs: list[str] = []
    for fn in functions:
        printer = CodePrinter({}, namespace, modules, {}, spelling)
        defs.append(_function_source(fn, printer))
        helpers.update(printer.helpers)
        optional |= printer.optional_modules
    lines = [spelling.import_line()] + [spelling.optional_imports[m] for m in sorted(optional)]
    lines += spelling.preamble
    if alias != spelling.alias:
        lines.append(f"{alias} = {spelling.alias}")
    lines += [f"{modules[m]} = {m}" for m in sorted(optional) if modules[m] != m]
    shipped = "".join("\n\n" + _source(f) for f in helpers.values())
    return "\n".join(lines) + "\n" + shipped + "".join("\n\n" + d for d in defs)


# Node kinds whose code always makes a new array (sums, products, powers, inverses).
_FRESH = (Add, Mul, Hadamard, Power, Inverse, Kron)


def output_kind(shape: Shape) -> str:
    """How a value of this shape is returned: 'scalar', 'vector' (1-D) or 'matrix'."""
    if shape[0].is_one and shape[1].is_one:
        return "scalar"
    return "vector" if shape[1].is_one else "matrix"


def _returned(printer: CodePrinter, tree: Node, output: str, shape: Shape, alone: bool = True) -> str:
    """A result in the API's conventions: a float, a 1-D vector or a matrix
    (`alone`: no other result of the function is the same array)."""
    value, _ = printer.expr(tree)
    if output == "scalar":
        return f"{printer.kernel('scalar')}({value})"
    if output == "vector":
        return f"{printer.kernel('column')}({value}, {printer.size(shape[0])})"
    if alone and tree.shape == shape and isinstance(tree, _FRESH) and not tree.is_scalar:
        return value  # a new array of the result's shape: no copy (an argument or a view is copied)
    return f"{printer.kernel('shaped')}({value}, ({printer.size(shape[0])}, {printer.size(shape[1])}))"


def _function_source(fn: CodeFunction, printer: CodePrinter) -> str:
    namespace, symbols = printer.namespace, fn.symbols
    body: list[str] = []
    as_array = printer.kernel("as_array")
    spelling = printer.spelling
    first = namespace.symbol(symbols[0].name) if symbols else ""
    for sym in symbols:
        p = namespace.symbol(sym.name)
        like = f", {first}" if spelling.like_first and p != first else ""
        body.append(f"    {p} = {as_array}({p}, {sym.name!r}, {value_kind(sym.shape)!r}{like})")
        for probe, declared in probes(sym) if spelling.checks_values else ():
            printer.ship(probe)
            body.append(f"    {probe.__name__}({p}, {sym.name!r}, {declared!r})")
    if spelling.creation and first:
        body.append(f"    _dtype, _device = {first}.dtype, {first}.device")
    bound: set[str] = set()
    for sym in symbols:
        p = namespace.symbol(sym.name)
        for axis, size in enumerate(sym.shape):
            what = f"{sym.name} ({shape_text(sym.shape)}) axis {axis}"
            if size.value is not None:
                if size.value != 1:
                    body.append(f"    _same({size.value}, {p}.shape[{axis}], {what!r})")
            elif size.coeff == 1 and len(size.factors) == 1:
                s = printer.size_name(size.factors[0])
                if size.factors[0] in bound:
                    body.append(f"    _same({s}, {p}.shape[{axis}], {what!r})")
                else:
                    body.append(f"    {s} = {p}.shape[{axis}]")
                    bound.add(size.factors[0])
    arguments_checked = len(body)
    results = ((fn.tree, fn.output, fn.out_shape),) + fn.also
    roots = [tree for tree, _, _ in results]
    # A program's names (forward, then adjoints) are statements, each computed once; a subexpression
    # shared by statements or results is computed once too, just before the first statement using it.
    # (a derivation's definitions are in normal form, as every tree code is printed from: simplify.stable_forms)
    names = {name: name.definition for root in roots for name in bound_in_order(root)}
    planned = plan([*names.values(), *roots])  # for cost: the printed closed form is for people
    names = dict(zip(names, planned))
    roots = planned[len(names):]
    results = tuple((tree, output, shape) for tree, (_, output, shape) in zip(roots, results))
    shared = set(shared_subexpressions(*names.values(), *roots))
    factored = shared_factorizations([*names.values(), *roots])  # each factorization computed once
    shared |= {m for m in factored if m.children}
    temporaries = 0

    def computed(tree: Node) -> None:
        nonlocal temporaries
        for node in children_first(tree):
            if node in shared and node not in printer.names:
                text, _ = printer.expr(node)
                printer.names[node] = namespace.claim(f"t{temporaries}")
                temporaries += 1
                body.append(f"    {printer.names[node]} = {text}")
            if node in factored and node not in printer.factors:
                kind = factored[node]
                factor = namespace.claim(f"{kind}_of_{printer.expr(node)[0]}")
                body.append(f"    {factor} = {printer.kernel(kind + '_factor')}({printer.expr(node)[0]})")
                printer.factors[node] = (kind, factor)

    for name, definition in names.items():
        computed(definition)
        text, _ = printer.expr(definition)
        printer.names[name] = namespace.claim(name.name)
        body.append(f"    {printer.names[name]} = {text}")
    for root in roots:
        computed(root)
    trees = [tree for tree, _, _ in results]
    returned = [_returned(printer, tree, output, shape, trees.count(tree) == 1) for tree, output, shape in results]
    body.append(f"    return {returned[0]}" if len(returned) == 1 else f"    return ({', '.join(returned)})")
    unbound = sorted(printer.sizes_used - bound)
    if unbound:  # e.g. vector(c) or I whose size no argument fixes
        body.insert(arguments_checked, f"    _unfixed({unbound[0]!r})")
    params = ", ".join(namespace.symbol(s.name) for s in symbols)
    docstring = '    """' + fn.doc.replace("\\", "\\\\").replace('"""', "'''") + '"""'
    return f"def {fn.name}({params}):\n{docstring}\n" + "\n".join(body) + "\n"
