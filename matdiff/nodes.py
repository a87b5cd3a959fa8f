"""The typed expression tree: one frozen, hashable class per node kind.

Shapes are resolved (`Size`) and derived from the children; the source span
does not take part in equality, so equal mathematics hashes equal. Named
functions are `Call` nodes whose meaning lives in the registry (matdiff.ops).
Imports only matdiff.shapes and matdiff.errors.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from collections import OrderedDict
from fractions import Fraction
from operator import attrgetter
from typing import Callable, ClassVar, Iterator, Mapping, Sequence

from .errors import Span
from .shapes import ONE, SCALAR, Shape, Size


# Each node class's key: the tuple of its mathematical fields, read at once.
_KEY_OF: dict[type, Callable[[object], tuple]] = {}


def _one_field(name: str) -> Callable[[object], tuple]:
    get = attrgetter(name)
    return lambda node: (get(node),)


@dataclass(frozen=True, slots=True, eq=False)
class Node:
    """Base class: equality and a cached hash over the mathematical fields."""

    _hash: int = field(init=False, repr=False)
    _key: tuple = field(init=False, repr=False)
    _shape: Shape = field(init=False, repr=False)
    _scalar: bool = field(init=False, repr=False)
    _named: bool = field(init=False, repr=False)  # a program's name is somewhere in the tree
    _fields: ClassVar[tuple[str, ...]] = ()
    _is_name: ClassVar[bool] = False

    def __post_init__(self) -> None:
        cls = type(self)
        keyed = _KEY_OF.get(cls)  # each class its own (a subclass has more fields)
        if keyed is None:
            names = tuple(f.name for f in fields(self) if f.init and f.compare and f.name != "span")
            cls._fields = names
            keyed = _KEY_OF[cls] = attrgetter(*names) if len(names) > 1 else _one_field(names[0])
        key = keyed(self)
        shape = self.compute_shape()
        object.__setattr__(self, "_key", key)
        object.__setattr__(self, "_hash", hash((cls.__name__,) + key))
        object.__setattr__(self, "_shape", shape)
        object.__setattr__(self, "_scalar", shape[0].is_one and shape[1].is_one)
        named = cls._is_name
        if not named:
            for child in self.children:
                if child._named:
                    named = True
                    break
        object.__setattr__(self, "_named", named)

    def key(self) -> tuple:
        """The fields that make the mathematics (not the source span)."""
        return self._key

    def __str__(self) -> str:
        """The expression in matdiff's text form (repr gives the dataclass dump)."""
        return _text_form(self)

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if type(self) is not type(other) or self._hash != other._hash:  # type: ignore[attr-defined]
            return False
        try:
            return self._key == other._key  # type: ignore[attr-defined]
        except RecursionError:  # a long program's names nest deeper than the stack
            return _same_trees(self, other)  # type: ignore[arg-type]

    # -- structure ---------------------------------------------------------
    @property
    def shape(self) -> Shape:
        """(rows, columns), computed once when the node is made."""
        return self._shape

    def compute_shape(self) -> Shape:
        raise NotImplementedError

    @property
    def children(self) -> tuple["Node", ...]:
        return ()

    def with_children(self, children: tuple["Node", ...]) -> "Node":
        """The same node over new children (leaves return themselves)."""
        return self

    @property
    def is_scalar(self) -> bool:
        return self._scalar

    @property
    def is_vector(self) -> bool:
        r, c = self.shape
        return c.is_one and not r.is_one

    @property
    def is_square(self) -> bool:
        return self.shape[0] == self.shape[1]

    def walk(self) -> Iterator["Node"]:
        """Every node of the tree, parents before children (iterative)."""
        stack: list[Node] = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))

    def contains(self, target: "Node") -> bool:
        return any(n == target for n in self.walk())

    # -- operators so that rules read like the Cookbook (no simplification) --
    def __add__(self, other: "Node") -> "Node":
        return Add(_flat(Add, (self, other)))

    def __sub__(self, other: "Node") -> "Node":
        return Add(_flat(Add, (self, -other)))

    def __neg__(self) -> "Node":
        return Mul((Number(Fraction(-1)), self))

    def __matmul__(self, other: "Node") -> "Node":
        return product(self, other)

    def __mul__(self, other: "Node") -> "Node":
        """Scaling by a scalar (either side)."""
        return product(self, other)

    @property
    def T(self) -> "Node":
        return Transpose(self)

    @property
    def I(self) -> "Node":  # noqa: E743
        return Inverse(self)


def _same_trees(a: Node, b: Node) -> bool:
    """Structural equality of two nodes of equal type and hash, without
    recursion (a program's names nest as deep as the program is long), each
    pair of shared subtrees compared once."""
    stack: list[tuple[object, object]] = [(a, b)]
    seen: set[tuple[int, int]] = set()
    while stack:
        x, y = stack.pop()
        if x is y:
            continue
        if isinstance(x, Node):
            if type(x) is not type(y) or x._hash != y._hash:  # type: ignore[attr-defined]
                return False
            pair = (id(x), id(y))
            if pair in seen:
                continue
            seen.add(pair)
            stack.extend(zip(x._key, y._key))  # type: ignore[attr-defined]
        elif isinstance(x, tuple) and x and isinstance(x[0], Node):
            if not isinstance(y, tuple) or len(x) != len(y):
                return False
            stack.extend(zip(x, y))
        elif x != y:
            return False
    return True


_text_form: Callable[[Node], str] = repr  # printing.text installs the text printer


def use_text_form(printer: Callable[[Node], str]) -> None:
    """Make str(node) print with `printer` (called once, by matdiff.printing.text)."""
    global _text_form
    _text_form = printer


def _flat(kind: type, items: tuple[Node, ...]) -> tuple[Node, ...]:
    out: list[Node] = []
    for item in items:
        if type(item) is kind:
            out.extend(item.children)
        else:
            out.append(item)
    return tuple(out)


# --------------------------------------------------------------------- leaves
@dataclass(frozen=True, slots=True, eq=False)
class Symbol(Node):
    """A named input: scalar, vector or matrix, with declared properties."""

    name: str
    size: Shape
    properties: frozenset[str] = frozenset()
    span: Span | None = field(default=None, compare=False, repr=False)

    def compute_shape(self) -> Shape:
        return self.size


DEFINED, ADJOINT, TANGENT = "defined", "adjoint", "tangent"  # the roles of a Bound name


@dataclass(frozen=True, slots=True, eq=False)
class Bound(Symbol):
    """A name a program defines (`a = W x + b`), or one a derivation defines:
    the adjoint ā of the backward pass, the tangent da of the forward one. A
    leaf that every pass treats as a symbol, standing for its definition: its
    value, its differential and its code come from the definition (computed
    once); the name is what the printers show. Two are equal when name and
    definition are."""

    definition: Node = field(kw_only=True, repr=False)
    role: str = field(default=DEFINED, kw_only=True)  # DEFINED, ADJOINT or TANGENT
    position: int = field(default=0, kw_only=True, compare=False)  # its statement's place in the program
    _is_name: ClassVar[bool] = True
    of: str | None = field(default=None, kw_only=True)  # the name whose adjoint or tangent it is

    @property
    def derived(self) -> bool:
        """Defined by a derivation (ā, da), not by the program."""
        return self.role != DEFINED


@dataclass(frozen=True, slots=True, eq=False)
class Number(Node):
    """An exact rational constant."""

    value: Fraction
    span: Span | None = field(default=None, compare=False, repr=False)

    def compute_shape(self) -> Shape:
        return SCALAR

    def to_float(self) -> float:
        """The nearest double: ±inf beyond its range (1e300 * 1e300), 0 below it."""
        return fraction_to_float(self.value)


@dataclass(frozen=True, slots=True, eq=False)
class Identity(Node):
    """The n×n identity matrix."""

    n: Size

    def compute_shape(self) -> Shape:
        return (self.n, self.n)


@dataclass(frozen=True, slots=True, eq=False)
class Zero(Node):
    """The zero of a given shape."""

    size: Shape

    def compute_shape(self) -> Shape:
        return self.size


@dataclass(frozen=True, slots=True, eq=False)
class Filled(Node):
    """A vector or matrix whose every entry is the scalar `value` (vector(c), matrix(c))."""

    value: Node
    size: Shape

    def compute_shape(self) -> Shape:
        return self.size

    @property
    def children(self) -> tuple[Node, ...]:
        return (self.value,)

    def with_children(self, children: tuple[Node, ...]) -> Node:
        return Filled(children[0], self.size)


@dataclass(frozen=True, slots=True, eq=False)
class Commutation(Node):
    """The commutation matrix K(m,n): K vec(A) = vec(Aᵀ) for an m×n matrix A."""

    m: Size
    n: Size

    def compute_shape(self) -> Shape:
        mn = self.m * self.n
        return (mn, mn)


@dataclass(frozen=True, slots=True, eq=False)
class Differential(Node):
    """The differential dX of a variable X: the direction of the linear map."""

    var: Symbol

    def compute_shape(self) -> Shape:
        return self.var.shape


@dataclass(frozen=True, slots=True, eq=False)
class DifferentialOf(Node):
    """d(E) of a subexpression not yet taken: a derivation step's pending
    differential (only steps show it; no pass differentiates through it)."""

    of: Node

    def compute_shape(self) -> Shape:
        return self.of.shape

    @property
    def children(self) -> tuple[Node, ...]:
        return (self.of,)

    def with_children(self, children: tuple[Node, ...]) -> Node:
        return DifferentialOf(children[0])


# ----------------------------------------------------------------- composites
@dataclass(frozen=True, slots=True, eq=False)
class Add(Node):
    """A sum of terms of equal shape."""

    terms: tuple[Node, ...]

    def compute_shape(self) -> Shape:
        return self.terms[0].shape

    @property
    def children(self) -> tuple[Node, ...]:
        return self.terms

    def with_children(self, children: tuple[Node, ...]) -> Node:
        return Add(children)


@dataclass(frozen=True, slots=True, eq=False)
class Mul(Node):
    """A product: scalar factors scale, the other factors form a matrix chain."""

    factors: tuple[Node, ...]

    @property
    def scalars(self) -> tuple[Node, ...]:
        """The factors that scale (numbers and 1×1 values), in order."""
        return tuple(f for f in self.factors if f.is_scalar)

    @property
    def chain(self) -> tuple[Node, ...]:
        """The matrix chain: the factors that multiply as matrices, in order."""
        return tuple(f for f in self.factors if not f.is_scalar)

    def compute_shape(self) -> Shape:
        chain = [f for f in self.factors if not f.is_scalar]
        if not chain:
            return SCALAR
        return (chain[0].shape[0], chain[-1].shape[1])

    @property
    def children(self) -> tuple[Node, ...]:
        return self.factors

    def with_children(self, children: tuple[Node, ...]) -> Node:
        return Mul(children)


@dataclass(frozen=True, slots=True, eq=False)
class Hadamard(Node):
    """An element-wise product (scalar factors scale)."""

    factors: tuple[Node, ...]

    def compute_shape(self) -> Shape:
        for f in self.factors:
            if not f.is_scalar:
                return f.shape
        return SCALAR

    @property
    def children(self) -> tuple[Node, ...]:
        return self.factors

    def with_children(self, children: tuple[Node, ...]) -> Node:
        return Hadamard(children)


@dataclass(frozen=True, slots=True, eq=False)
class Kron(Node):
    """A Kronecker product."""

    factors: tuple[Node, ...]

    def compute_shape(self) -> Shape:
        rows, cols = ONE, ONE
        for f in self.factors:
            rows, cols = rows * f.shape[0], cols * f.shape[1]
        return (rows, cols)

    @property
    def children(self) -> tuple[Node, ...]:
        return self.factors

    def with_children(self, children: tuple[Node, ...]) -> Node:
        return Kron(children)


@dataclass(frozen=True, slots=True, eq=False)
class Transpose(Node):
    arg: Node

    def compute_shape(self) -> Shape:
        r, c = self.arg.shape
        return (c, r)

    @property
    def children(self) -> tuple[Node, ...]:
        return (self.arg,)

    def with_children(self, children: tuple[Node, ...]) -> Node:
        return Transpose(children[0])


@dataclass(frozen=True, slots=True, eq=False)
class Inverse(Node):
    arg: Node

    def compute_shape(self) -> Shape:
        return self.arg.shape

    @property
    def children(self) -> tuple[Node, ...]:
        return (self.arg,)

    def with_children(self, children: tuple[Node, ...]) -> Node:
        return Inverse(children[0])


@dataclass(frozen=True, slots=True, eq=False)
class MatPower(Node):
    """An integer power of a square matrix (|k| ≥ 2)."""

    base: Node
    k: int

    def compute_shape(self) -> Shape:
        return self.base.shape

    @property
    def children(self) -> tuple[Node, ...]:
        return (self.base,)

    def with_children(self, children: tuple[Node, ...]) -> Node:
        return MatPower(children[0], self.k)


@dataclass(frozen=True, slots=True, eq=False)
class Power(Node):
    """A power: scalar ^ scalar, or element-wise (A .^ p) when the base is not scalar."""

    base: Node
    exponent: Node

    def compute_shape(self) -> Shape:
        return self.base.shape

    @property
    def children(self) -> tuple[Node, ...]:
        return (self.base, self.exponent)

    def with_children(self, children: tuple[Node, ...]) -> Node:
        return Power(children[0], children[1])


@dataclass(frozen=True, slots=True, eq=False)
class Call(Node):
    """A named function of the registry applied to arguments."""

    name: str
    args: tuple[Node, ...]
    size: Shape

    def compute_shape(self) -> Shape:
        return self.size

    @property
    def children(self) -> tuple[Node, ...]:
        return self.args

    def with_children(self, children: tuple[Node, ...]) -> Node:
        return Call(self.name, children, self.size)



# Every kind of node: each pass and printer has one rule per kind (tests check they are complete).
NODE_KINDS: tuple[type, ...] = (
    Symbol, Bound, Number, Identity, Zero, Filled, Commutation, Differential, DifferentialOf, Add, Mul, Hadamard,
    Kron, Transpose, Inverse, MatPower, Power, Call,
)

def is_permutation(node: Node) -> bool:
    """A commutation matrix K(m, n), or a Kronecker product of them and identities."""
    factors = node.factors if isinstance(node, Kron) else (node,)
    return any(isinstance(f, Commutation) for f in factors) and all(
        isinstance(f, (Commutation, Identity)) for f in factors)


def permutation_factors(node: Node) -> list[tuple]:
    """('I', n) and ('K', m, n) for each Kronecker factor of a permutation node."""
    factors = node.factors if isinstance(node, Kron) else (node,)
    return [("I", f.n) if isinstance(f, Identity) else ("K", f.m, f.n) for f in factors]  # type: ignore[attr-defined]


def fraction_to_float(value: Fraction) -> float:
    """The nearest double of an exact number, saturating to ±inf."""
    try:
        return float(value)
    except OverflowError:
        return float("inf") if value > 0 else float("-inf")


def number(value: int | str | Fraction) -> Number:
    return Number(Fraction(value))


def symbols_of(node: Node) -> list[Symbol]:
    """The distinct input symbols of a tree, in order of first appearance (a
    program's definitions first, in program order; defined names are not
    inputs)."""
    seen: dict[str, Symbol] = {}
    for tree in [b.definition for b in bound_in_order(node)] + [node]:
        for n in tree.walk():
            if isinstance(n, Bound):
                continue
            if isinstance(n, Symbol) and n.name not in seen:
                seen[n.name] = n
            elif isinstance(n, Differential) and n.var.name not in seen:
                seen[n.var.name] = n.var
    return list(seen.values())


def walk_program(node: Node) -> Iterator[Node]:
    """Every node of the tree and of the definitions its names stand for
    (each definition once), without recursion."""
    stack: list[Node] = [node]
    opened: set[Bound] = set()
    while stack:
        n = stack.pop()
        yield n
        if isinstance(n, Bound):
            if n not in opened:
                opened.add(n)
                stack.append(n.definition)
        else:
            stack.extend(reversed(n.children))


def depends_on(node: Node, var: Symbol) -> bool:
    """The tree contains the symbol, itself or in a definition it uses."""
    return any(isinstance(n, Symbol) and n.name == var.name and not isinstance(n, Bound) for n in walk_program(node))


_ORDERS: "OrderedDict[int, tuple[Node, tuple[Bound, ...]]]" = OrderedDict()  # id -> (tree, its names)
_ORDERS_KEPT = 4  # the trees of the derivation under way; older ones (and their memory) are let go


def bound_in_order(node: Node) -> tuple[Bound, ...]:
    """The names a tree uses, directly or through definitions, each before
    every name whose definition uses it (iterative: programs may be long;
    remembered for the trees most recently asked about, by identity, as
    every pass asks)."""
    if not node._named:  # a single expression: no walk
        return ()
    hit = _ORDERS.get(id(node))
    if hit is not None and hit[0] is node:
        _ORDERS.move_to_end(id(node))
        return hit[1]
    found = _names_in_order(node)
    _ORDERS[id(node)] = (node, found)
    if len(_ORDERS) > _ORDERS_KEPT:
        _ORDERS.popitem(last=False)
    return found


def derived_in_order(node: Node) -> tuple[Bound, ...]:
    """The names a derivation defined (adjoints, tangents) that a tree uses,
    each before every name whose definition uses it; the program's own
    definitions are not walked."""
    return _names_in_order(node, lambda b: b.derived) if node._named else ()


def _names_in_order(node: Node, through: Callable[[Bound], bool] = lambda b: True) -> tuple[Bound, ...]:
    """Post-order over the tree and the definitions of the names `through` admits."""
    order: list[Bound] = []
    stack: list[tuple[Node, bool]] = [(node, False)]
    visited: set[Node] = set()
    while stack:
        n, ready = stack.pop()
        if ready:
            if isinstance(n, Bound):
                order.append(n)
            continue
        if n in visited:
            continue
        visited.add(n)
        if isinstance(n, Bound):
            if not through(n):
                continue
            kids: tuple[Node, ...] = (n.definition,)
        else:
            kids = n.children
        stack.append((n, True))
        stack.extend((c, False) for c in reversed(kids) if c not in visited)
    return tuple(order)


def written_size(node: Node) -> int:
    """The number of nodes of the tree written out (shared subtrees counted
    each time they appear), computed over the shared graph in linear time."""
    return written_sizes(node)[node]


def written_sizes(node: Node) -> dict[Node, int]:
    """written_size of every subtree of the node, in one linear pass."""
    sizes: dict[Node, int] = {}
    for n in children_first(node):
        sizes[n] = 1 + sum(sizes[c] for c in n.children)
    return sizes


def children_first(root: Node) -> list[Node]:
    """The distinct subtrees of a tree, each after its children (a program's
    names are leaves here: their definitions are trees of their own)."""
    order: list[Node] = []
    seen: set[Node] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, ready = stack.pop()
        if ready:
            order.append(node)
        elif node not in seen:
            seen.add(node)
            stack.append((node, True))
            stack.extend((c, False) for c in reversed(node.children) if c not in seen)
    return order


def sizes_of(node: Node) -> set[str]:
    """The size symbols that the shapes of a tree's nodes use."""
    out: set[str] = set()
    for n in walk_program(node):
        for size in n.shape:
            out.update(size.factors)
    return out


def unfixed_sizes(node: Node, symbols: list[Symbol]) -> list[str]:
    """Sizes a tree uses that no symbol's shape fixes (the size of I in
    tr(2*I), of vector(c)): values of the tree need them besides the symbols'."""
    fixed = {f for s in symbols for size in s.shape for f in size.factors}
    return sorted(sizes_of(node) - fixed)


def unfixed_size_note(sizes: list[str]) -> str:
    """What the user is told about sizes no symbol fixes."""
    if len(sizes) == 1:
        return f"the size {sizes[0]} (of I, vector(c) or matrix(c)) is fixed by no symbol"
    return f"the sizes {', '.join(sizes[:-1])} and {sizes[-1]} (of I, vector(c) or matrix(c)) are fixed by no symbol"


def substitute(node: Node, replacements: "Mapping[Node, Node] | Callable[[Node], Node | None]",
               flatten_products: bool = False) -> Node:
    """`node` with the subtrees that are keys of `replacements` (or that it
    maps to a node) replaced, each distinct subtree visited once; with
    flatten_products, a product whose factors changed is made anew by
    `product` (A (−X⁻¹ dX X⁻¹) B reads −A X⁻¹ dX X⁻¹ B)."""
    memo: dict[Node, Node] = {}
    replacing = replacements if callable(replacements) else replacements.get

    def visit(n: Node) -> Node:
        hit = memo.get(n)
        if hit is None:
            hit = replacing(n)
            if hit is None:
                kids = n.children
                hit = n
                if kids:
                    new = tuple(map(visit, kids))
                    if any(a is not b for a, b in zip(new, kids)):
                        hit = product(*new) if flatten_products and isinstance(n, Mul) else n.with_children(new)
            memo[n] = hit
        return hit

    return visit(node)


def substitute_differential(node: Node, var: "Symbol", value: Node) -> Node:
    """`node` with every dX of `var` replaced by `value` (e.g. a direction symbol)."""
    return substitute(node, lambda n: value if isinstance(n, Differential) and n.var.name == var.name else None)


def ones_like(node: Node) -> Node:
    """1 for a scalar, else the all-ones array of the node's shape."""
    one = Number(Fraction(1))
    return one if node.is_scalar else Filled(one, node.shape)


def _runs(matrices: list[Node]) -> list[list[Node]]:
    """Maximal stretches whose neighbours fit (columns = rows), left to right."""
    runs: list[list[Node]] = []
    for a in matrices:
        if runs and runs[-1][-1].shape[1] == a.shape[0]:
            runs[-1].append(a)
        else:
            runs.append([a])
    return runs


def flatten_mul(items: tuple[Node, ...]) -> tuple[Node, ...]:
    """The factors of a product in one canonical form: scalar factors first,
    then every 1×1 stretch of the matrix chain (xᵀ y) as one scaling factor,
    then the rest of the chain.

    All nested products are expanded; the matrix factors split into maximal runs
    whose neighbours fit (columns = rows). A run that multiplies out to 1×1 is a
    scalar that scales the rest (xᵀy A), so it commutes to the front. The form
    depends only on the factors in order, so the parser (which groups left to
    right) and the simplifier agree, and printed input parses back unchanged."""
    atoms: list[Node] = []
    stack = list(reversed(items))
    while stack:
        item = stack.pop()
        if isinstance(item, Mul):
            stack.extend(reversed(item.factors))
        else:
            atoms.append(item)
    numbers = [a for a in atoms if isinstance(a, Number)]
    if numbers and (len(numbers) > 1 or atoms[0] is not numbers[0] or numbers[0].value == 1):
        # one leading coefficient, and none of 1: --a is a, a*(-b) is -a b, printed and parsed alike
        coefficient = Fraction(1)
        for a in numbers:
            coefficient *= a.value
        rest = [a for a in atoms if not isinstance(a, Number)]
        atoms = ([Number(coefficient)] if coefficient != 1 or not rest else []) + rest
    scalars = [a for a in atoms if a.is_scalar]
    matrices = [a for a in atoms if not a.is_scalar]
    # A 1×1 stretch can only start at a row vector or end at a column vector
    # inside the chain; without one, the chain is a single run (fast path).
    if not (any(a.shape[1].is_one for a in matrices[:-1]) or any(a.shape[0].is_one for a in matrices[1:])):
        return tuple(scalars + matrices)

    def is_1x1(run: list[Node]) -> bool:
        return run[0].shape[0].is_one and run[-1].shape[1].is_one

    # Moving the 1×1 runs to the front can make the chain read differently
    # (x3ᵀ y4 · v1ᵀ G5 is also the 1×p chain x3ᵀ y4 v1ᵀ G5): repeat until the
    # order is stable, so that flattening its own output changes nothing.
    for _ in range(len(matrices) + 1):
        runs = _runs(matrices)
        order = [a for r in runs if is_1x1(r) for a in r] + [a for r in runs if not is_1x1(r) for a in r]
        if order == matrices:
            break
        matrices = order
    runs = _runs(matrices)
    scaling = [a for r in runs if is_1x1(r) for a in r]
    chain = [a for r in runs if not is_1x1(r) for a in r]
    assert all(a.shape[1] == b.shape[0] for a, b in zip(chain, chain[1:])), \
        "a product whose matrix factors do not form one chain"
    if not chain or is_1x1(chain):
        return tuple(scalars + scaling + chain)
    return tuple(scalars + ([Mul(tuple(scaling))] if scaling else []) + chain)


def scalar_stretches(chain: Sequence[Node]) -> tuple[list[tuple[Node, ...]], list[Node]]:
    """The 1×1 stretches inside a matrix chain (xᵀ A y in x xᵀ A y zᵀ), each a
    scalar that commutes out, and the chain without them; none when the whole
    chain is 1×1."""
    stretches: list[tuple[Node, ...]] = []
    rest: list[Node] = []
    i = 0
    while i < len(chain):
        end = next((j for j in range(i + 1, len(chain)) if chain[j].shape[1].is_one), None)
        if chain[i].shape[0].is_one and end is not None and end - i + 1 < len(chain):
            stretches.append(tuple(chain[i:end + 1]))
            i = end + 1
            continue
        rest.append(chain[i])
        i += 1
    return stretches, rest


def stretch_read(stretch: tuple[Node, ...]) -> Node:
    """A 1×1 stretch as the scalar it is, read with the fewer transposes
    (uᵀ A v = vᵀ Aᵀ u, a scalar being its own transpose)."""
    flipped = tuple(Transpose(f) if not isinstance(f, Transpose) else f.arg for f in reversed(stretch))
    fewer = sum(isinstance(f, Transpose) for f in flipped) < sum(isinstance(f, Transpose) for f in stretch)
    return Mul(flipped if fewer else stretch)


def split_product(node: Node) -> tuple[Fraction, list[Node], list[Node]]:
    """A term as (coefficient, scalar factors, matrix chain): the one place
    where a product is taken apart (a lone node is its own chain or scalar)."""
    factors = node.factors if isinstance(node, Mul) else (node,)
    coefficient = Fraction(1)
    scalars: list[Node] = []
    chain: list[Node] = []
    for f in factors:
        if isinstance(f, Number):
            coefficient *= f.value
        elif f.is_scalar:
            scalars.append(f)
        else:
            chain.append(f)
    return coefficient, scalars, chain


def leading_coefficient(node: Node) -> tuple[Fraction, Node | None]:
    """c·rest for a term with a leading number (rest None for a pure number)."""
    if isinstance(node, Number):
        return node.value, None
    if isinstance(node, Mul) and isinstance(node.factors[0], Number):
        rest = node.factors[1:]
        return node.factors[0].value, rest[0] if len(rest) == 1 else Mul(rest)
    return Fraction(1), node


def join_product(coefficient: Fraction, scalars: Sequence[Node], chain: Sequence[Node]) -> Node:
    """The product of a coefficient, scalar factors and a chain (1 when empty),
    as written: the coefficient first, then the scalars, then the chain."""
    items: list[Node] = ([Number(coefficient)] if coefficient != 1 else []) + list(scalars) + list(chain)
    if not items:
        return Number(Fraction(1))
    return items[0] if len(items) == 1 else Mul(tuple(items))


def carries_transpose(f: Node) -> bool:
    """Aᵀ or A⁻ᵀ: a factor written with a transpose."""
    return isinstance(f, Transpose) or (isinstance(f, Inverse) and isinstance(f.arg, Transpose))


def scalars_out(node: Node) -> tuple[list[Node], Node] | None:
    """(scalar factors, the rest) of a product that scales a matrix chain, else
    None: what a linear function pulls out, f(c A) = c f(A)."""
    if isinstance(node, Mul):
        scalars, chain = node.scalars, node.chain
        if scalars and chain:
            return list(scalars), chain[0] if len(chain) == 1 else Mul(chain)
    return None


def product(*items: Node) -> Node:
    """The canonical product of the items (a lone factor is itself)."""
    factors = flatten_mul(items)
    return factors[0] if len(factors) == 1 else Mul(factors)


def negate(node: Node) -> Node:
    """-e, folding the sign into a leading number (so printing round-trips)."""
    if isinstance(node, Number):
        return Number(-node.value)
    return product(Number(Fraction(-1)), node)
