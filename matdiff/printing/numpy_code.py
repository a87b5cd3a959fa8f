"""NumPy code generation: a standalone module of functions that check their
arguments' shapes, compute each repeated subexpression once, negate products
rather than matrices, and return arrays in the API's conventions. Every name
the code binds comes from one Namespace, so no user symbol can clash with it.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Sequence
from fractions import Fraction

from ..nodes import (
    Add, Call, Commutation, Differential, Filled, Hadamard, Identity, Inverse, Kron, MatPower, Mul, Node,
    Number, Power, Symbol, Transpose, Zero, fraction_to_float, is_permutation,
)
from ..ops import function
from ..shapes import Shape, Size, shape_text
from ..kernels import STRUCTURE_CHECKS, _as_array, _check_structure, _inv, _permutation, _spd_inverse, _weighted_gram
from .namespace import Namespace
from .precedence import is_negative_term
from .text import is_reciprocal, negated

# Module-level helpers: their names start with '_', which no user symbol can.
HELPERS = '''
def _shaped(value, shape):
    """value as an array of the given shape (a scalar or 1×1 value is spread out)."""
    value = np.asarray(value, dtype=float)
    return value if value.shape == shape else np.array(np.broadcast_to(value, shape))


def _scalar(value):
    """A 1×1 value as a Python float."""
    return float(np.asarray(value).reshape(()))


def _column(value, n):
    """A vector value as a 1-D array of length n."""
    return np.broadcast_to(value, (n, 1)).reshape(-1)


def _same(size, got, what):
    if size != got:
        raise ValueError("%s: expected %d, got %d" % (what, size, got))


def _unfixed(size):
    raise ValueError("the size %s is not fixed by any argument" % size)
'''

COMMUTATION = '''

def _commutation(m, n):
    """K with K @ vec(A) == vec(A.T) for an m-by-n A (column-major vec)."""
    K = np.zeros((m * n, m * n))
    for i in range(m):
        for j in range(n):
            K[i * n + j, j * m + i] = 1.0
    return K
'''

# Python operator levels for parenthesising: + - < * / @ < unary - < ** < atoms.
P_SUM, P_MUL, P_NEG, P_POW, P_ATOM = 1, 2, 3, 4, 5


def _literal(value: Fraction) -> str:
    """A Python literal of the exact value, or the nearest double (np.inf past
    the double range: 1e300 * 1e300)."""
    f = fraction_to_float(value)
    if f in (float("inf"), float("-inf")):
        return "np.inf" if f > 0 else "-np.inf"
    if value.denominator == 1 and abs(value) < 2 ** 53:
        return f"{float(value.numerator)!r}"
    if Fraction(repr(f)) == value or max(value.numerator.bit_length(), value.denominator.bit_length()) > 3000:
        return repr(f)
    return f"({value.numerator} / {value.denominator})"


class CodePrinter:
    """Expression printer over 2-D arrays; shared subexpressions are names."""

    def __init__(self, names: dict[Node, str], namespace: Namespace, modules: dict[str, str],
                 sizes: dict[str, str]):
        self.names = names
        self.namespace = namespace
        self.modules = modules        # 'np', 'scipy' -> the names the function body uses for them
        self.size_names = sizes       # size symbol -> its local name (claimed when first used)
        self.np = modules["np"]
        self.uses_commutation = False
        self.uses_scipy = False
        self.helpers: dict[str, Callable] = {}  # shipped into the module by source, each once
        self.sizes_used: set[str] = set()

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
        for module, local in self.modules.items():
            if local != module:
                template = template.replace(module + ".", local + ".")
        return template

    def shape(self, node: Node) -> str:
        return f"({self.size(node.shape[0])}, {self.size(node.shape[1])})"

    def expr(self, node: Node) -> tuple[str, int]:
        name = self.names.get(node)
        if name is not None:
            return name, P_ATOM
        return getattr(self, "_" + type(node).__name__)(node)

    def wrap(self, node: Node, level: int) -> str:
        text, own = self.expr(node)
        return f"({text})" if own < level else text

    def _Symbol(self, n: Symbol) -> tuple[str, int]:
        return self.namespace.symbol(n.name), P_ATOM

    def _Differential(self, n: Differential) -> tuple[str, int]:
        raise AssertionError("a differential reached the code generator")

    def _Number(self, n: Number) -> tuple[str, int]:
        text = self.spell(_literal(n.value))  # a literal holds no user text
        return text, P_NEG if n.value < 0 and not text.startswith("(") else P_ATOM

    def _Identity(self, n: Identity) -> tuple[str, int]:
        return f"{self.np}.eye({self.size(n.n)})", P_ATOM

    def _Zero(self, n: Zero) -> tuple[str, int]:
        return f"{self.np}.zeros({self.shape(n)})", P_ATOM

    def _Filled(self, n: Filled) -> tuple[str, int]:
        if n.value == Number(Fraction(1)):
            return f"{self.np}.ones({self.shape(n)})", P_ATOM
        return f"{self.np}.ones({self.shape(n)}) * {self.wrap(n.value, P_POW)}", P_MUL

    def _Commutation(self, n: Commutation) -> tuple[str, int]:
        self.uses_commutation = True
        return f"_commutation({self.size(n.m)}, {self.size(n.n)})", P_ATOM

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
        chain = [f for f in factors if not f.is_scalar]
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
        if _is_weighted_gram(chain):  # Mᵀ diag(w) M with w ≥ 0: a Gram matrix (Hessians of losses)
            self.helpers.setdefault("_weighted_gram", _weighted_gram)
            M, w = chain[2], chain[1].args[0]  # type: ignore[attr-defined]
            return f"_weighted_gram({self.expr(M)[0]}, {self.expr(w)[0]})"
        text, tag = self._product(chain, _cheapest_order(chain))
        if tag is not None and tag[0] == "perm":  # the chain is a permutation: its matrix is the value
            n = self.size(chain[0].shape[0])
            return f"{self.np}.eye({n})[{tag[1]}]"
        return text[1:-1] if text.startswith("(") and text.endswith(")") else text

    def _product(self, chain: list[Node], tree) -> tuple[str, tuple[str, object] | None]:
        """Text of a (sub)chain, and how it multiplies: ("diag", v) for a lone
        diag(v), ("perm", index text) for a permutation (a commutation matrix,
        or a Kronecker product of them and identities), applied by indexing."""
        if isinstance(tree, int):
            f = chain[tree]
            if _is_diagonal_matrix(f):
                return self.wrap(f, P_POW), ("diag", f.args[0])  # type: ignore[attr-defined]
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
            return f"({left})[:, {self.np}.argsort({rperm})]", None   # B P: columns in the inverse order
        if rt is not None and lt is None:
            return f"({left} * {self.np}.ravel({self.expr(rt[1])[0]}))", None  # type: ignore[arg-type]
        if lt is not None and rt is None:
            return f"({self.np}.ravel({self.expr(lt[1])[0]})[:, None] * {right})", None  # type: ignore[arg-type]
        return f"({left} @ {right})", None

    def permutation(self, node: Node) -> str:
        """The index vector p of a permutation matrix P (row i of P is e_{p[i]})."""
        self.helpers.setdefault("_permutation", _permutation)
        factors = node.factors if isinstance(node, Kron) else (node,)
        spec = []
        for f in factors:
            if isinstance(f, Identity):
                spec.append(f"('I', {self.size(f.n)})")
            else:
                assert isinstance(f, Commutation)
                spec.append(f"('K', {self.size(f.m)}, {self.size(f.n)})")
        return f"_permutation({', '.join(spec)})"

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
            text = f"{self.np}.kron({text}, {self.expr(f)[0]})"
        return text, P_ATOM

    def _Transpose(self, n: Transpose) -> tuple[str, int]:
        return self.wrap(n.arg, P_ATOM) + ".T", P_ATOM

    def _Inverse(self, n: Inverse) -> tuple[str, int]:
        if isinstance(n.arg, Symbol) and "spd" in n.arg.properties:
            self.helpers.setdefault("_spd_inverse", _spd_inverse)
            return f"_spd_inverse({self.expr(n.arg)[0]})", P_ATOM
        self.helpers.setdefault("_inv", _inv)
        if isinstance(n.arg, Transpose):
            return f"_inv({self.expr(n.arg.arg)[0]}).T", P_ATOM
        return f"_inv({self.expr(n.arg)[0]})", P_ATOM

    def _MatPower(self, n: MatPower) -> tuple[str, int]:
        if n.k < 0:
            base = self.expr(Inverse(n.base))[0]  # through _inv and its condition policy
        else:
            base = self.expr(n.base)[0]
        return f"{self.np}.linalg.matrix_power({base}, {abs(n.k)})", P_ATOM

    def _Power(self, n: Power) -> tuple[str, int]:
        if is_reciprocal(n):
            return f"1.0 / {self.wrap(n.base, P_POW)}", P_MUL
        return f"{self.wrap(n.base, P_ATOM)} ** {self.wrap(n.exponent, P_ATOM)}", P_POW

    def _Call(self, n: Call) -> tuple[str, int]:
        fn = function(n.name)
        template = fn.code(n, self.size) if callable(fn.code) else fn.code
        # An argument that is a call's sole content, "f({0})", needs no parentheses;
        # anywhere else in a template ("0.5 * {0}", "{0}.T") it must bind as an atom.
        args = [self.expr(a)[0] if f"({{{i}}})" in template and template.count(f"{{{i}}}") == 1
                else self.wrap(a, P_ATOM) for i, a in enumerate(n.args)]
        for helper in fn.helpers:
            self.helpers.setdefault(helper.__name__, helper)
        if "scipy." in template:
            self.uses_scipy = True
        # Every code template is a call or parenthesised, so it binds like an atom.
        return self.spell(template).format(*args), P_ATOM


@lru_cache(maxsize=None)
def _source(helper: Callable) -> str:
    """A shipped helper's source, read and tokenised once per process."""
    return inspect.getsource(helper)


def _is_diagonal_matrix(node: Node) -> bool:
    return isinstance(node, Call) and node.name == "diag" and node.args[0].shape[1].is_one \
        and not node.args[0].shape[0].is_one


def _is_weighted_gram(chain: list[Node]) -> bool:
    return (len(chain) == 3 and isinstance(chain[0], Transpose) and chain[0].arg == chain[2]
            and _is_diagonal_matrix(chain[1]) and is_nonnegative(chain[1].args[0]))  # type: ignore[attr-defined]


NONNEGATIVE_FUNCTIONS = {"exp", "sigmoid", "abs", "sqrt", "relu", "step", "sech", "norm1", "norm2"}


def is_nonnegative(node: Node) -> bool:
    """A cheap sufficient test that every entry is ≥ 0: squares, exp, σ, |u|,
    norms, and sums and products of such."""
    if isinstance(node, Number):
        return node.value >= 0
    if isinstance(node, Power):
        e = node.exponent
        return (isinstance(e, Number) and e.value.denominator == 1 and e.value.numerator % 2 == 0) or (
            is_nonnegative(node.base))
    if isinstance(node, Call):
        return node.name in NONNEGATIVE_FUNCTIONS
    if isinstance(node, Filled):
        return is_nonnegative(node.value)
    if isinstance(node, (Hadamard, Add)) or (isinstance(node, Mul) and all(f.is_scalar for f in node.factors)):
        return all(is_nonnegative(c) for c in node.children)
    return False


def _cost(size: Size) -> int:
    """Sizes as powers of one large N (symbolic sizes are unknown until called)."""
    return 0 if size.is_one else max(1, len(size.factors))


def _cheapest_order(chain: list[Node]):
    """The matrix-chain order of least cost, as a nested (left, right) tree of
    indices. Costs are polynomials in N, kept as counts of each power of N
    (highest first) so that comparing them compares degrees; multiplying by a
    diag(v) or a permutation is linear in the other factor's size (Cormen et
    al., Introduction to Algorithms, §15.2). A chain of equally sized square
    factors costs the same in every order: left to right, without the search."""
    k = len(chain)
    dims = [_cost(chain[0].shape[0])] + [_cost(f.shape[1]) for f in chain]
    cheap = [_is_diagonal_matrix(f) or is_permutation(f) for f in chain]  # applied in linear time
    if len(set(dims)) == 1 and not any(cheap):
        tree: object = 0
        for i in range(1, k):
            tree = (tree, i)
        return tree
    top = 3 * max(dims)
    zero = (0,) * (top + 1)
    best: dict[tuple[int, int], tuple[tuple[int, ...], object]] = {(i, i): (zero, i) for i in range(k)}
    for length in range(2, k + 1):
        for i in range(k - length + 1):
            j = i + length - 1
            choice: tuple[tuple[int, ...], object] | None = None
            for split in range(i, j):
                (lc, lt), (rc, rt) = best[i, split], best[split + 1, j]
                if (split == i and cheap[i]) or (split + 1 == j and cheap[j]):
                    step = dims[i] + dims[j + 1]          # a broadcast scaling or an indexing
                else:
                    step = dims[i] + dims[split + 1] + dims[j + 1]
                cost = tuple(a + b + (1 if top - d == step else 0) for d, (a, b) in enumerate(zip(lc, rc)))
                if choice is None or cost < choice[0]:
                    choice = (cost, (lt, rt))
            assert choice is not None
            best[i, j] = choice
    return best[0, k - 1][1]


def shared_subexpressions(root: Node) -> list[Node]:
    """Non-trivial subtrees used more than once, children before parents."""
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

    visit(root)
    return [n for n in order if counts[n] > 1 and n.children and not isinstance(n, Filled)]


def _kind(sym: Symbol) -> str:
    r, c = sym.shape
    if r.is_one and c.is_one:
        return "scalar"
    if c.is_one:
        return "vector"
    if r.is_one:
        return "row"
    return "matrix"


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


def generate_module(functions: Sequence[CodeFunction]) -> str:
    """The source of one standalone module defining every function (imports and
    helpers once)."""
    namespace = Namespace(s.name for f in functions for s in f.symbols)
    modules = {"np": namespace.claim("np"), "scipy": namespace.claim("scipy")}
    helpers: dict[str, Callable] = {}
    uses_commutation = uses_scipy = False
    defs: list[str] = []
    for fn in functions:
        printer = CodePrinter({}, namespace, modules, {})
        defs.append(_function_source(fn, printer))
        helpers.update(printer.helpers)
        uses_commutation |= printer.uses_commutation
        uses_scipy |= printer.uses_scipy
    lines = ["import numpy as np"] + (["import scipy.linalg"] if uses_scipy else [])
    lines += [f"{local} = {module}" for module, local in modules.items()
              if local != module and (module == "np" or uses_scipy)]
    shipped = "".join("\n\n" + _source(f) for f in helpers.values())
    body = HELPERS + (COMMUTATION if uses_commutation else "") + shipped
    return "\n".join(lines) + "\n" + body + "".join("\n\n" + d for d in defs)


def _function_source(fn: CodeFunction, printer: CodePrinter) -> str:
    namespace, symbols = printer.namespace, fn.symbols
    body: list[str] = []
    printer.helpers.setdefault("_as_array", _as_array)
    for sym in symbols:
        p = namespace.symbol(sym.name)
        checked = tuple(s for s in STRUCTURE_CHECKS if s in sym.properties)
        if checked:
            printer.helpers.setdefault("_check_structure", _check_structure)
        extra = f", {checked!r}" if checked else ""
        body.append(f"    {p} = _as_array({p}, {sym.name!r}, {_kind(sym)!r}{extra})")
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
    for i, node in enumerate(shared_subexpressions(fn.tree)):
        text, _ = printer.expr(node)
        printer.names[node] = namespace.claim(f"t{i}")
        body.append(f"    {printer.names[node]} = {text}")
    value, _ = printer.expr(fn.tree)
    if fn.output == "scalar":
        body.append(f"    return _scalar({value})")
    elif fn.output == "vector":
        body.append(f"    return _column({value}, {printer.size(fn.out_shape[0])})")
    else:
        body.append(f"    return _shaped({value}, ({printer.size(fn.out_shape[0])}, {printer.size(fn.out_shape[1])}))")
    unbound = sorted(printer.sizes_used - bound)
    if unbound:  # e.g. vector(c) or I whose size no argument fixes
        body.insert(arguments_checked, f"    _unfixed({unbound[0]!r})")
    params = ", ".join(namespace.symbol(s.name) for s in symbols)
    docstring = '    """' + fn.doc.replace("\\", "\\\\").replace('"""', "'''") + '"""'
    return f"def {fn.name}({params}):\n{docstring}\n" + "\n".join(body) + "\n"
