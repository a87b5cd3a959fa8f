"""Shape inference: syntax to the typed tree.

One walk over the syntax unifies symbolic sizes (reporting conflicts at the
operator that causes them) and records how to build each node; once every
size is known, the recorded builders make the immutable typed tree.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

from ..errors import DeclarationError, MatdiffError, ParseError, ShapeError, Span
from ..facts import name_properties
from ..nodes import (
    Add, Bound, Call, Filled, Hadamard, Identity, Inverse, MatPower, Node, Number, Power, Symbol, Transpose,
    negate, product, symbols_of,
)
from ..ops import REGISTRY, SOLVE, Function, function, lookup, suggest
from ..ops.constructs import EYE, KRONECKER
from ..shapes import Size, SizeConflict, SizeTable, SizeVar
from .declarations import Declaration
from .syntax import (
    FACTORS, TERMS, Syn, SynCall, SynChain, SynDefinition, SynName, SynNumber, SynPostfix, SynPower, SynPrefix,
    SynProgram,
)

MAX_MATRIX_POWER = 1024
MAX_NUMBER, MIN_NUMBER = Fraction(10) ** 300, Fraction(1, 10 ** 300)
IShape = tuple[SizeVar, SizeVar]
Resolve = Callable[[SizeVar], Size]
IDENTITY_NAMES = ("I", EYE)
_SIMPLE = re.compile(r"[A-Za-z0-9_.]+'?")


def unquoted(label: str) -> str:
    return label[1:-1] if label.startswith("`") else label


def operand(label: str) -> str:
    """A quoted label as it is written inside a suggested expression."""
    text = unquoted(label)
    return f"({text})" if label.startswith("`") and not _parenthesised(text) else text


def inner(label: str) -> str:
    """A quoted label as the argument of a suggested call: (B+C) in inv(B+C)."""
    text = unquoted(label)
    return text[1:-1] if _parenthesised(text) else text


def _parenthesised(text: str) -> bool:
    """(...) around the whole text."""
    if not (text.startswith("(") and text.endswith(")")):
        return False
    depth = 0
    for i, ch in enumerate(text):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0 and i < len(text) - 1:
            return False
    return True


def article(word: str) -> str:
    """'a' or 'an' before a size read aloud (an m×n, a p×q, an 8×3)."""
    return "an" if word[:1] in "aefhilmnorsx8" or word.startswith(("11", "18")) else "a"


@dataclass(frozen=True)
class Typed:
    """A syntax node's inferred shape, its label for messages, and its builder."""

    shape: IShape
    label: str
    make: Callable[[Resolve], Node]
    power: int = 1   # |k| of the matrix powers composed so far ((X²)ᵀ)³ has 6: bounded like one power


class _InferenceSizes:
    """The registry's size algebra during inference: conflicts become ShapeErrors."""

    def __init__(self, table: SizeTable, span: Span, fresh: Callable[[], SizeVar], args: list[Typed],
                 describe: Callable[[IShape], str]):
        self.table = table
        self.span = span
        self.one = table.constant(1)
        self.fresh = fresh  # a new free size (vector(c) has one)
        self.args = args
        self._describe = describe

    def smaller(self, a: SizeVar, b: SizeVar) -> SizeVar | None:
        if self.table.same(a, b):
            return a
        va, vb = self.table.find(a).value, self.table.find(b).value
        if va is not None and vb is not None:
            return a if va <= vb else b
        return a if va == 1 else b if vb == 1 else None

    def argument(self, i: int) -> str:
        return f"{self.args[i].label} is {self.describe(i)}"

    def describe(self, i: int) -> str:
        return self._describe(self.args[i].shape)

    def unify(self, a: SizeVar, b: SizeVar, what: Callable[[], str]) -> None:
        try:
            self.table.unify(a, b)
        except SizeConflict:
            raise ShapeError(what(), self.span) from None

    def is_one(self, a: SizeVar) -> bool:
        return self.table.is_one(a)

    def product(self, a: SizeVar, b: SizeVar) -> SizeVar:
        return self.table.product((a, b))

    def fail(self, message: str) -> None:
        raise ShapeError(message, self.span)

    def text(self, a: SizeVar) -> str:
        return self.table.text(a)


class Inference:
    """Infers the shapes of one expression against its declarations."""

    def __init__(self, text: str, declarations: dict[str, Declaration]):
        self.text = text
        self.declarations = declarations
        reserved = {s for d in declarations.values() for s in d.sizes if isinstance(s, str)}
        self.sizes = SizeTable(reserved=reserved)
        self.one = self.sizes.constant(1)
        self.symbols: dict[str, IShape] = {}
        self.order: list[SizeVar] = []
        self.extra: dict[str, Symbol] = {}
        self.read: frozenset[str] = frozenset()
        # programs: the names defined so far, those defined later, the one being defined
        self.defined: dict[str, Typed] = {}
        self.later: dict[str, Span] = {}
        self.defining: str | None = None
        self.near_misses: dict[str, str] = {}  # input name -> the defined name one edit away
        self.near_names = NearNames()
        self.inputs_seen: set[str] = set()
        self.unused: list[str] = []  # defined names no later statement uses
        self.bound: dict[str, Bound] = {}  # name -> its node, in the build under way
        self.references: dict[str, Typed] = {}  # a reference to each defined name, in program order
        self.output: str | None = None  # the name the last statement defines, if it does
        self.unused_inputs: tuple[Symbol, ...] = ()

    # -- entry -----------------------------------------------------------------
    def run(self, syn: Syn, also: tuple[str, ...] = ()) -> Node:
        """The typed tree; `also` names symbols that need a shape without
        appearing (a variable f does not depend on), found in `self.extra`."""
        typed = self.program(syn) if isinstance(syn, SynProgram) else self.expr(syn)
        try:
            self.sizes.settle()
        except SizeConflict as e:
            raise ShapeError(f"the sizes cannot agree: {e.left} vs {e.right}", syn.span) from None
        self.read = frozenset(self.symbols)  # every symbol of the text, also those that drop out (X^0)
        draft = self.build(typed, lambda v: self.sizes.resolve(v, {}))
        tree_symbols = symbols_of(draft)
        extra = {name: self.symbol_shape(name) for name in also if name not in {s.name for s in tree_symbols}}
        # Unnamed sizes are called m, n, p, ... in the order their symbols appear
        # in the tree (not in the text), so equal trees get equal names.
        in_tree = [v for s in tree_symbols if s.name in self.symbols for v in self.symbols[s.name]]
        self.sizes.reserved |= set(self.symbols)  # a size is not called like a symbol (m*x'*x, m scalar)
        names = self.sizes.automatic_roots(in_tree + self.order)
        resolve: Resolve = lambda v: self.sizes.resolve(v, names)  # noqa: E731
        self.extra = {name: Symbol(name, (resolve(shape[0]), resolve(shape[1])), self.properties(name))
                      for name, shape in extra.items()}
        tree = self.build(typed, resolve)
        in_f = {s.name for s in symbols_of(tree)} | set(self.extra)
        # inputs only an unused definition reads: still arguments of f's code (accepted, ignored)
        self.unused_inputs = tuple(Symbol(name, (resolve(shape[0]), resolve(shape[1])), self.properties(name))
                                   for name, shape in self.symbols.items() if name not in in_f)
        return tree

    def build(self, typed: Typed, resolve: Resolve) -> Node:
        """The tree, a program's names built first in program order (so that
        building never recurses along the program)."""
        self.bound = {}
        for reference in self.references.values():
            reference.make(resolve)
        return typed.make(resolve)

    # -- programs --------------------------------------------------------------
    def program(self, syn: SynProgram) -> Typed:
        """The statements in order, each definition typed once; the last
        statement's expression is the function."""
        self.later = {}
        for statement in syn.statements:
            if isinstance(statement, SynDefinition):
                if statement.name not in self.later:
                    self.near_names.add(statement.name)
                self.later.setdefault(statement.name, statement.name_span)
        typed: Typed | None = None
        used: set[str] = set()
        for statement in syn.statements:
            value = statement.value if isinstance(statement, SynDefinition) else statement
            if isinstance(statement, SynDefinition):
                self.check_definable(statement)
                self.defining = statement.name
            try:
                typed = self.expr(value)  # type: ignore[arg-type]
            except MatdiffError as e:
                raise self.with_near_miss(e) from None
            used |= {n.name for n in _names_in(value)}  # type: ignore[arg-type]
            if isinstance(statement, SynDefinition):
                self.defined[statement.name] = typed
                self.references[statement.name] = self.reference(statement.name, typed)
                del self.later[statement.name]
                self.defining = None
        assert typed is not None
        last = syn.statements[-1]
        self.output = last.name if isinstance(last, SynDefinition) else None
        self.unused = [s.name for s in syn.statements[:-1]
                       if isinstance(s, SynDefinition) and s.name not in used]
        if isinstance(last, SynDefinition) and last.name in used:
            raise AssertionError("the last definition was used before it")  # pragma: no cover (use before definition)
        return typed

    def check_definable(self, syn: SynDefinition) -> None:
        name = syn.name
        if name in self.defined:
            raise ParseError(f"{name} is defined twice: a program defines each name once; give the new value "
                             f"another name", syn.name_span)
        if lookup(name) is not None or name in IDENTITY_NAMES:
            what = "the identity" if name in IDENTITY_NAMES else "a function"
            raise ParseError(f"{name} is {what} and cannot be defined; choose another name", syn.name_span)
        if name in self.declarations:
            raise DeclarationError(f"{name} is defined by the program, so its kind and shape come from its "
                                   f"definition: declare the inputs in 'where', not {name}", syn.name_span)

    def defined_name(self, syn: SynName) -> Typed | None:
        """A reference to a name the program defines, or None for an input."""
        name = syn.name
        if name == self.defining:
            raise ParseError(f"{name} is defined in terms of itself; a definition uses inputs and names "
                             f"defined before it", syn.span)
        if name in self.later:
            raise ParseError(f"{name} is used before its definition; statements run in order, so define "
                             f"{name} first", syn.span)
        if name not in self.defined:
            if name not in self.inputs_seen:
                self.inputs_seen.add(name)
                guess = self.near_names.near(name)
                if guess is not None:
                    self.near_misses[name] = guess
            return None
        return self.references[name]

    def reference(self, name: str, definition: Typed) -> Typed:
        """What a use of a defined name builds: its Bound node, made once per build."""
        def make(R: Resolve) -> Node:
            node = self.bound.get(name)
            if node is None:
                value = definition.make(R)
                node = self.bound[name] = Bound(name, value.shape, name_properties(value), definition=value,
                                                position=len(self.bound))
            return node
        return Typed(definition.shape, name, make, definition.power)

    def with_near_miss(self, error: MatdiffError) -> MatdiffError:
        """The error, with a 'did you mean' for an input one edit away from a defined name."""
        if not self.near_misses:
            return error
        name, guess = next(iter(self.near_misses.items()))
        return type(error)(f"{error.message} ({name} is an input: no statement defines it; did you mean "
                           f"{guess}?)", error.span, error.text)

    def notes(self) -> list[str]:
        """What the reading of the text may not have meant: a name such as Ax
        made of letters that are symbols themselves is one name, not a product;
        an input one edit away from a name the program defines."""
        out = [f"{name} is an input (no statement defines it); did you mean {guess}?"
               for name, guess in self.near_misses.items()]
        out += [f"{name} is defined but not used: f does not depend on it" for name in self.unused]
        for name in self.symbols:
            if name in self.declarations or len(name) < 2 or not name.isalpha():
                continue
            if any(letter in self.symbols for letter in name):
                out.append(f"{name} is read as one name (a {default_kind(name)}); "
                           f"for a product write {'*'.join(name)} or {' '.join(name)}")
        return out

    def properties(self, name: str) -> frozenset[str]:
        return self.declarations[name].properties if name in self.declarations else frozenset()

    # -- helpers ---------------------------------------------------------------
    def label(self, syn: Syn) -> str:
        return self.span_label(syn.span)

    def span_label(self, span: Span) -> str:
        """The input text of a span, as messages quote it: a name as it is, a
        compound in backquotes, a long one by the caret."""
        text = " ".join(self.text[span.start:span.end].split())
        if len(text) > 24:
            return "the expression at the caret"
        return text if _SIMPLE.fullmatch(text) else f"`{text}`"

    def is_scalar(self, shape: IShape) -> bool:
        return self.sizes.is_one(shape[0]) and self.sizes.is_one(shape[1])

    def describe(self, shape: IShape) -> str:
        r, c = shape
        if self.is_scalar(shape):
            return "a scalar"
        if self.sizes.is_one(c):
            return f"a vector of size {self.sizes.text(r)}"
        if self.sizes.is_one(r):
            return f"a row vector of size {self.sizes.text(c)}"
        size = f"{self.sizes.text(r)}×{self.sizes.text(c)}"
        return f"{article(size)} {size} matrix"

    def unify(self, a: SizeVar, b: SizeVar, message: Callable[[], str], span: Span) -> None:
        try:
            self.sizes.unify(a, b)
        except SizeConflict:
            raise ShapeError(message(), span) from None

    def fresh_square(self) -> IShape:
        n = self.sizes.fresh()
        self.order.append(n)
        return (n, n)

    def fresh(self) -> SizeVar:
        v = self.sizes.fresh()
        self.order.append(v)
        return v

    # -- dispatch --------------------------------------------------------------
    def expr(self, syn: Syn) -> Typed:
        if isinstance(syn, SynNumber):
            value = number_literal(syn)
            span = syn.span
            return Typed((self.one, self.one), syn.text, lambda R: Number(value, span=span))
        if isinstance(syn, SynName):
            return self.name(syn)
        if isinstance(syn, SynCall):
            return self.call(syn)
        if isinstance(syn, SynChain):
            return self.sum(syn) if syn.level == TERMS else self.product(syn)
        if isinstance(syn, SynPrefix):
            inner = self.expr(syn.operand)  # type: ignore[arg-type]
            if syn.op == "+":
                return inner
            return Typed(inner.shape, self.label(syn), lambda R: negate(inner.make(R)))
        if isinstance(syn, SynPostfix):
            return self.postfix(syn)
        if isinstance(syn, SynPower):
            return self.power(syn)
        raise AssertionError(f"unknown syntax node {syn!r}")

    # -- names -----------------------------------------------------------------
    def name(self, syn: SynName) -> Typed:
        name = syn.name
        if name in IDENTITY_NAMES and name not in self.declarations:
            shape = self.fresh_square()
            return Typed(shape, name, lambda R: Identity(R(shape[0])))
        if lookup(name) is not None:
            raise ParseError(f"{name} is a function: write {name}(...)", syn.span)
        reference = self.defined_name(syn)
        if reference is not None:
            return reference
        shape = self.symbol_shape(name)
        props = self.properties(name)
        span = syn.span
        return Typed(shape, name, lambda R: Symbol(name, (R(shape[0]), R(shape[1])), props, span=span))

    def symbol_shape(self, name: str) -> IShape:
        if name in self.symbols:
            return self.symbols[name]
        decl = self.declarations.get(name)
        kind = decl.kind if decl is not None and decl.kind else default_kind(name)
        sizes = decl.sizes if decl is not None else ()
        if kind == "scalar":
            shape: IShape = (self.one, self.one)
        elif kind == "vector":
            shape = (self.size_of(sizes[0] if sizes else None), self.one)
        elif decl is not None and decl.properties:  # a structured matrix is square
            given = [s for s in sizes if s is not None]
            n = self.size_of(given[0] if given else None)
            shape = (n, n)
        else:
            shape = (self.size_of(sizes[0] if sizes else None), self.size_of(sizes[1] if sizes else None))
        self.symbols[name] = shape
        return shape

    def size_of(self, size: str | int | None) -> SizeVar:
        if size is None:
            return self.fresh()
        v = self.sizes.constant(size) if isinstance(size, int) else self.sizes.symbol(size)
        self.order.append(v)
        return v

    # -- calls -----------------------------------------------------------------
    def call(self, syn: SynCall) -> Typed:
        fn = lookup(syn.name)
        if fn is None:
            return self.unknown_function(syn)
        if fn.build_of_sizes is not None:
            return self.construct_of_sizes(syn, fn)
        if fn.optional_sizes and len(syn.args) > fn.arity:
            return self.sized_construct(syn, fn)
        return self.apply(fn, self.arguments(syn, fn.arity), syn.span, self.label(syn))

    def sized_construct(self, syn: SynCall, fn: Function) -> Typed:
        """matrix(c, m, n), vector(c, n): a construct given its size as well,
        the size names shared with the declarations'."""
        if len(syn.args) != fn.arity + fn.optional_sizes:
            sizes = "m, n" if fn.optional_sizes == 2 else "n"
            raise ParseError(f"{syn.name} takes c, or c and its size: {syn.name}(c, {sizes})", syn.span)
        typed = self.apply(fn, [self.expr(a) for a in syn.args[:fn.arity]], syn.span, self.label(syn))
        given = [self.size_argument(a, syn.name) for a in syn.args[fn.arity:]]
        for have, want in zip(typed.shape, given):
            try:
                self.sizes.unify(have, want)
            except SizeConflict:
                raise ShapeError(f"{self.label(syn)} cannot have the size it is given here", syn.span) from None
        return typed

    def apply(self, fn: Function, args: list[Typed], span: Span, label: str) -> Typed:
        """A function (or construct) of typed arguments: its shape by its rule,
        its node a call or what the construct builds (inv(A) is A⁻¹)."""
        sizes = _InferenceSizes(self.sizes, span, self.fresh, args, self.describe)
        shape = fn.shape_rule(sizes, fn.name, [a.shape for a in args])
        name, build = fn.name, fn.build

        def make(R: Resolve) -> Node:
            kids, size = tuple(a.make(R) for a in args), (R(shape[0]), R(shape[1]))
            return build(kids, size) if build is not None else Call(name, kids, size)
        return Typed(shape, label, make)

    def construct_of_sizes(self, syn: SynCall, fn: Function) -> Typed:
        """commutation(m, n): arguments that are sizes — a name, an integer or
        a product of them (n*p) — the names shared with the declarations'."""
        if len(syn.args) != fn.arity:
            raise ParseError(f"{syn.name} takes {fn.arity} sizes, got {len(syn.args)}", syn.span)
        sizes = tuple(self.size_argument(a, syn.name) for a in syn.args)
        build = fn.build_of_sizes
        assert build is not None
        shape = fn.shape_rule(_InferenceSizes(self.sizes, syn.span, self.fresh, [], self.describe), fn.name, [sizes])
        return Typed(shape, self.label(syn), lambda R: build(tuple(R(s) for s in sizes)))

    def size_argument(self, syn: Syn, name: str) -> SizeVar:
        if isinstance(syn, SynName) and syn.name in self.declarations:
            raise ParseError(f"{name} takes sizes, and {syn.name} is a declared symbol, not a size", syn.span)
        if isinstance(syn, SynName):
            self.sizes.reserved.add(syn.name)
            return self.sizes.symbol(syn.name)
        value = integer_literal(syn)
        if value is not None and value > 0:
            return self.sizes.constant(value)
        if isinstance(syn, SynChain) and syn.level == FACTORS and all(op in ("*", "") for op in syn.ops):
            first = self.size_argument(syn.first, name)  # type: ignore[arg-type]
            return self.sizes.product((first,) + tuple(self.size_argument(o, name) for o in syn.operands))
        raise ParseError(f"{name} takes sizes: a name, a positive integer or a product of them (n*p)", syn.span)

    def arguments(self, syn: SynCall, count: int) -> list[Typed]:
        if len(syn.args) != count:
            what = {1: "one argument", 2: "two arguments"}.get(count, f"{count} arguments")
            raise ParseError(f"{syn.name} takes {what}, got {len(syn.args)}", syn.span)
        return [self.expr(a) for a in syn.args]

    def unknown_function(self, syn: SynCall) -> Typed:
        """A name followed by '(' that is neither a function nor a symbol (symbols
        before '(' are products, read as such by the lexer: see grammar.py)."""
        name = syn.name
        assert len(name) > 1 and name not in self.declarations, f"the symbol {name} was read as a call"
        guess = suggest(name)
        hint = f"; did you mean {guess}?" if guess else ""
        raise ParseError(f"unknown function {name}{hint}", syn.name_span)

    # -- sums and products -----------------------------------------------------
    def sum(self, syn: SynChain) -> Typed:
        """Terms of one shape; a scalar term among vectors or matrices acts on
        every entry (1 + exp(x) is vector(1) + exp(x), as in MATLAB and NumPy)."""
        first = self.expr(syn.first)  # type: ignore[arg-type]
        terms: list[tuple[str, Typed]] = [("+", first)]
        shaped: Typed | None = None if self.is_scalar(first.shape) else first  # the term that fixes the shape
        for op, op_span, operand in zip(syn.ops, syn.op_spans, syn.operands):
            right = self.expr(operand)
            if not self.is_scalar(right.shape):
                if shaped is None:
                    shaped = right
                else:
                    self.check_same_shape(shaped, right, op, op_span)
            terms.append((op, right))
        shape = shaped.shape if shaped is not None else first.shape
        broadcast = shaped is not None

        def make(R: Resolve) -> Node:
            out: list[Node] = []
            size = (R(shape[0]), R(shape[1]))
            for op, t in terms:
                node = t.make(R)
                node = negate(node) if op == "-" else node
                if broadcast and node.is_scalar and not (size[0].is_one and size[1].is_one):
                    node = Filled(node, size)  # c + X: c on every entry
                out.extend(node.terms if isinstance(node, Add) else (node,))
            return Add(tuple(out))
        return Typed(shape, self.label(syn), make)

    def check_same_shape(self, left: Typed, right: Typed, op: str, span: Span) -> None:
        verb = "add" if op == "+" else "subtract"
        message = lambda: (f"cannot {verb} {left.label} ({self.describe(left.shape)}) "  # noqa: E731
                           f"and {right.label} ({self.describe(right.shape)}): the shapes differ")
        self.unify(left.shape[0], right.shape[0], message, span)
        self.unify(left.shape[1], right.shape[1], message, span)

    def product(self, syn: SynChain) -> Typed:
        acc = self.expr(syn.first)  # type: ignore[arg-type]
        start = syn.first.span  # type: ignore[union-attr]
        for op, op_span, operand in zip(syn.ops, syn.op_spans, syn.operands):
            right = self.expr(operand)
            span = start.cover(operand.span)
            label = self.span_label(span)
            if op in ("*", ""):
                acc = self.multiply(acc, right, op, op_span, span, label)
            elif op == "/":
                acc = self.divide(acc, right, op_span, label)
            elif op == "\\":  # A \ B solves
                acc = self.apply(function(SOLVE), [acc, right], span, label)
            elif op in (".*", "∘", "./"):
                acc = self.hadamard(acc, right, op, op_span, label)
            else:
                acc = self.kron(acc, right, op_span, label)
        return acc

    def multiply(self, left: Typed, right: Typed, op: str, op_span: Span, span: Span, label: str) -> Typed:
        ls, rs = self.is_scalar(left.shape), self.is_scalar(right.shape)
        if ls:
            shape = right.shape
        elif rs:
            shape = left.shape
        else:
            self.unify(left.shape[1], right.shape[0],
                       lambda: (f"the columns of {left.label} ({self.sizes.text(left.shape[1])}) do not match "
                                f"the rows of {right.label} ({self.sizes.text(right.shape[0])})"), op_span)
            shape = (left.shape[0], right.shape[1])
        return Typed(shape, label, lambda R: product(left.make(R), right.make(R)))

    def divide(self, left: Typed, right: Typed, op_span: Span, label: str) -> Typed:
        if not self.is_scalar(right.shape):
            raise ShapeError(f"cannot divide by {right.label}, {self.describe(right.shape)}: '/' divides by a "
                             f"scalar only; write {operand(left.label)}*inv({inner(right.label)}) "
                             f"for a matrix inverse or {operand(left.label)} ./ {operand(right.label)} for entry-wise "
                             f"division", op_span)
        minus_one = Number(Fraction(-1))
        return Typed(left.shape, label,
                     lambda R: product(left.make(R), Power(right.make(R), minus_one)))

    def hadamard(self, left: Typed, right: Typed, op: str, op_span: Span, label: str) -> Typed:
        ls, rs = self.is_scalar(left.shape), self.is_scalar(right.shape)
        shape = right.shape if ls else left.shape
        if not (ls or rs):
            message = lambda: (f"entry-wise '{op}' needs equal shapes, but {left.label} is "  # noqa: E731
                               f"{self.describe(left.shape)} and {right.label} is {self.describe(right.shape)}")
            self.unify(left.shape[0], right.shape[0], message, op_span)
            self.unify(left.shape[1], right.shape[1], message, op_span)
        minus_one = Number(Fraction(-1))

        def make(R: Resolve) -> Node:
            a, b = left.make(R), right.make(R)
            if op == "./":
                b = Power(b, minus_one)
            items = (a.factors if isinstance(a, Hadamard) else (a,)) + (b,)
            return Hadamard(items)
        return Typed(shape, label, make)

    def kron(self, left: Typed, right: Typed, span: Span, label: str) -> Typed:
        """A ⊗ B: the construct kron(A, B)."""
        return self.apply(function(KRONECKER), [left, right], span, label)

    # -- powers and transposes -------------------------------------------------
    def require_square(self, arg: Typed, syn: Syn, what: str) -> None:
        r, c = arg.shape
        if self.is_scalar(arg.shape):
            return
        if self.sizes.is_one(r) or self.sizes.is_one(c):
            raise ShapeError(f"{what} needs a square matrix, but {arg.label} is {self.describe(arg.shape)}",
                             syn.span)
        self.unify(r, c, lambda: f"{what} needs a square matrix, but {arg.label} is {self.describe(arg.shape)}",
                   syn.span)

    def postfix(self, syn: SynPostfix) -> Typed:
        inner = self.expr(syn.operand)  # type: ignore[arg-type]
        label = self.label(syn)
        if syn.op == "'":
            return Typed((inner.shape[1], inner.shape[0]), label, lambda R: Transpose(inner.make(R)), inner.power)
        self.require_square(inner, syn, "the inverse transpose")
        return Typed(inner.shape, label, lambda R: Inverse(Transpose(inner.make(R))), inner.power)

    def power(self, syn: SynPower) -> Typed:
        base = self.expr(syn.base)  # type: ignore[arg-type]
        exponent_syn = syn.exponent
        label = self.label(syn)
        if syn.op == "^" and isinstance(exponent_syn, SynName) and exponent_syn.name == "T":
            return Typed((base.shape[1], base.shape[0]), label, lambda R: Transpose(base.make(R)), base.power)
        exponent = self.expr(exponent_syn)  # type: ignore[arg-type]
        transpose_hint = ("; the transpose is " + f"{operand(base.label)}' or {operand(base.label)}^T"
                          if isinstance(exponent_syn, SynName) and exponent_syn.name in ("t", "H") else "")
        if not self.is_scalar(exponent.shape):
            raise ShapeError(f"the exponent {exponent.label} must be a scalar, not {self.describe(exponent.shape)}"
                             + transpose_hint, exponent_syn.span)  # type: ignore[union-attr]
        if syn.op == ".^" or self.is_scalar(base.shape):
            return Typed(base.shape, label, lambda R: Power(base.make(R), exponent.make(R)))
        k = integer_literal(exponent_syn)  # type: ignore[arg-type]
        if self.sizes.is_one(base.shape[1]) or self.sizes.is_one(base.shape[0]):
            raise ShapeError(f"{base.label} is {self.describe(base.shape)}: '^' is a matrix power; "
                             f"use {operand(base.label)}.^{operand(exponent.label)} for entry-wise powers", syn.op_span)
        if k is None:
            raise ShapeError(f"a matrix power needs an integer exponent, not {exponent.label}; "
                             f"use .^ for entry-wise powers" + transpose_hint,
                             exponent_syn.span)  # type: ignore[union-attr]
        self.require_square(base, syn, f"the power {label}")
        if abs(k) > MAX_MATRIX_POWER:
            raise ParseError(f"the matrix power {exponent.label} is too large: matdiff allows |k| ≤ {MAX_MATRIX_POWER} "
                             f"(the differential of X^k has |k| terms)", exponent_syn.span)  # type: ignore[union-attr]
        composed = abs(k) * base.power
        if composed > MAX_MATRIX_POWER:
            raise ParseError(f"the matrix powers compose to a power of {composed}: matdiff allows |k| ≤ "
                             f"{MAX_MATRIX_POWER} (the differential of X^k has |k| terms)", syn.span)
        if k == -1:
            return Typed(base.shape, label, lambda R: Inverse(base.make(R)), base.power)
        if k == 0:
            return Typed(base.shape, label, lambda R: Identity(R(base.shape[0])))
        if k == 1:
            return base
        return Typed(base.shape, label, lambda R: MatPower(base.make(R), k), composed)


MAX_NUMBER_DIGITS = 400


def number_literal(syn: SynNumber) -> Fraction:
    """The exact value of a number, refused outside double precision's range."""
    if len(syn.text) > MAX_NUMBER_DIGITS:
        raise ParseError(f"the number has {len(syn.text)} characters: matdiff reads numbers of at most "
                         f"{MAX_NUMBER_DIGITS}", syn.span)
    value = Fraction(syn.text)
    if value and not (MIN_NUMBER <= abs(value) <= MAX_NUMBER):
        raise ParseError(f"the number {syn.text} is out of range: numbers lie between 1e-300 and 1e300 "
                         f"in absolute value", syn.span)
    return value


def integer_literal(syn: Syn) -> int | None:
    """The integer an exponent's syntax spells (2, -1, (3)), else None."""
    if isinstance(syn, SynNumber):
        value = number_literal(syn)
        return int(value) if value.denominator == 1 else None
    if isinstance(syn, SynPrefix) and syn.op == "-" and syn.operand is not None:
        inner = integer_literal(syn.operand)
        return -inner if inner is not None else None
    return None


def _names_in(syn: Syn) -> list[SynName]:
    """The names a statement's syntax mentions (iteratively)."""
    found: list[SynName] = []
    stack: list[Syn | None] = [syn]
    while stack:
        node = stack.pop()
        if isinstance(node, SynName):
            found.append(node)
        elif isinstance(node, SynCall):
            stack.extend(node.args)
        elif isinstance(node, SynChain):
            stack.append(node.first)
            stack.extend(node.operands)
        elif isinstance(node, (SynPrefix, SynPostfix)):
            stack.append(node.operand)
        elif isinstance(node, SynPower):
            stack.extend((node.base, node.exponent))
    return found


class NearNames:
    """The defined names, indexed by their one-character deletions, to find
    the one a misspelt input means in constant time per query (the
    symmetric-delete scheme of spelling correctors)."""

    def __init__(self) -> None:
        self.index: dict[str, list[str]] = {}

    def add(self, name: str) -> None:
        for key in {name} | _deletions(name):
            self.index.setdefault(key, []).append(name)

    def near(self, word: str) -> str | None:
        """A name that one inserted or deleted character, or (in names of three
        or more characters) one changed character, turns into word: hh for h,
        hiden for hidden, hidnen for hidden. Names that differ in their first
        letter or in a trailing index (W3 and h3, a and a1) are the usual names
        of different things."""
        if not self.index:
            return None
        candidates = dict.fromkeys(n for key in {word} | _deletions(word) for n in self.index.get(key, ()))
        for name in candidates:
            if name == word or name[0] != word[0] or abs(len(name) - len(word)) > 1:
                continue
            if name.rstrip("0123456789") == word.rstrip("0123456789") or (len(name) == len(word) < 3):
                continue
            i = 0
            while i < min(len(name), len(word)) and name[i] == word[i]:
                i += 1
            if name[i + 1:] == word[i + 1:] or name[i:] == word[i + 1:] or name[i + 1:] == word[i:]:
                return name
        return None


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))}


def default_kind(name: str) -> str:
    """matrixcalculus.org's convention: a–g scalar, h–z vector, A–Z matrix."""
    first = name[0]
    if first.isupper():
        return "matrix"
    return "scalar" if first <= "g" else "vector"


def function_names() -> frozenset[str]:
    return frozenset(REGISTRY)
