"""Sizes and shapes: resolved sizes (`Size`) and the unification of symbolic
sizes during shape inference (`SizeTable`).

Every value is two-dimensional: scalars are 1×1, vectors n×1. Imports only
matdiff.errors.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import count

_SIZE_NAMES = ("m", "n", "p", "q", "r", "s", "t", "u", "v", "w", "k", "l")


def size_name(i: int) -> str:
    """The i-th automatic size name: m, n, p, ..., l, m1, n1, ..."""
    base = _SIZE_NAMES[i % len(_SIZE_NAMES)]
    return base if i < len(_SIZE_NAMES) else f"{base}{i // len(_SIZE_NAMES)}"


@dataclass(frozen=True, slots=True, order=True)
class Size:
    """A resolved size: an integer coefficient times a product of size symbols."""

    coeff: int
    factors: tuple[str, ...] = ()

    @staticmethod
    def of(value: "int | str | Size") -> "Size":
        if isinstance(value, Size):
            return value
        if isinstance(value, int):
            return Size(value)
        return Size(1, (value,))

    def __mul__(self, other: "Size") -> "Size":
        return Size(self.coeff * other.coeff, tuple(sorted(self.factors + other.factors)))

    @property
    def is_one(self) -> bool:
        return self.coeff == 1 and not self.factors

    @property
    def value(self) -> int | None:
        """The integer value, or None when the size is symbolic."""
        return None if self.factors else self.coeff

    def __str__(self) -> str:
        parts = ([] if self.coeff == 1 and self.factors else [str(self.coeff)]) + list(self.factors)
        return "*".join(parts)


ONE = Size(1)
Shape = tuple[Size, Size]
SCALAR: Shape = (ONE, ONE)


def shape_text(shape: Shape) -> str:
    """'scalar', 'vector(n)', 'row vector(n)' or 'matrix(m, n)'."""
    rows, cols = shape
    if rows.is_one and cols.is_one:
        return "scalar"
    if cols.is_one:
        return f"vector({rows})"
    if rows.is_one:
        return f"row vector({cols})"
    return f"matrix({rows}, {cols})"


def value_kind(shape: Shape) -> str:
    """'scalar', 'vector', 'row' or 'matrix': how a value of the shape is read
    (kernels._as_array's kinds)."""
    rows, cols = shape
    if rows.is_one and cols.is_one:
        return "scalar"
    if cols.is_one:
        return "vector"
    return "row" if rows.is_one else "matrix"


class SizeConflict(Exception):
    """Two sizes cannot be equal; carries their display texts."""

    def __init__(self, left: str, right: str):
        super().__init__(f"{left} vs {right}")
        self.left = left
        self.right = right


@dataclass(eq=False)
class SizeVar:
    """A size during inference: free, an integer, a user's symbol or a product."""

    serial: int
    name: str | None = None            # a user's size symbol, or an automatic name
    value: int | None = None
    product: tuple["SizeVar", ...] = ()
    automatic: bool = True
    parent: "SizeVar | None" = None


@dataclass
class SizeTable:
    """Union-find over size variables, with integers, symbols and products."""

    reserved: set[str] = field(default_factory=set)
    _serials: "count[int]" = field(default_factory=count)
    _named: dict[str, SizeVar] = field(default_factory=dict)
    _pool: int = 0
    # products of unknown sizes made equal before their factors are known (k·p = m·q): settle() decides
    _deferred: list[tuple[SizeVar, SizeVar]] = field(default_factory=list)

    def fresh(self) -> SizeVar:
        """A new free size with an automatic display name (m, n, p, ...)."""
        return SizeVar(next(self._serials), name=self._next_name())

    def constant(self, value: int) -> SizeVar:
        return SizeVar(next(self._serials), name=str(value), value=value, automatic=False)

    def symbol(self, name: str) -> SizeVar:
        """The size called `name` by the user: one variable per name."""
        if name not in self._named:
            self._named[name] = SizeVar(next(self._serials), name=name, automatic=False)
        return self._named[name]

    def product(self, factors: tuple[SizeVar, ...]) -> SizeVar:
        roots = tuple(self.find(f) for f in factors)
        values = [r.value for r in roots]
        if all(v is not None for v in values):
            total = 1
            for v in values:
                total *= v  # type: ignore[operator]
            return self.constant(total)
        roots = tuple(r for r in roots if r.value != 1)
        if len(roots) == 1:
            return roots[0]
        return SizeVar(next(self._serials), product=roots, automatic=False)

    def _next_name(self) -> str:
        while True:
            name = size_name(self._pool)
            self._pool += 1
            if name not in self.reserved:
                return name

    def find(self, v: SizeVar) -> SizeVar:
        root = v
        while root.parent is not None:
            root = root.parent
        while v.parent is not None:  # path compression
            v.parent, v = root, v.parent
        return root

    def is_one(self, v: SizeVar) -> bool:
        return self.find(v).value == 1

    def same(self, a: SizeVar, b: SizeVar) -> bool:
        return self.find(a) is self.find(b) or self.key(a) == self.key(b)

    def key(self, v: SizeVar) -> object:
        r = self.find(v)
        if r.value is not None:
            return r.value
        if r.product:
            return tuple(sorted(str(self.key(f)) for f in r.product))
        return id(r)

    def text(self, v: SizeVar) -> str:
        r = self.find(v)
        if r.value is not None:
            return str(r.value)
        if r.product:
            return "*".join(self.text(f) for f in r.product)
        return r.name or "?"

    def unify(self, a: SizeVar, b: SizeVar) -> None:
        """Make two sizes equal, or raise SizeConflict."""
        ra, rb = self.find(a), self.find(b)
        if ra is rb:
            return
        if ra.product or rb.product:
            if self.key(ra) == self.key(rb):
                return
            if (ra.value is not None) != (rb.value is not None):  # m·m = 4: m = 2
                const, prod = (ra, rb) if ra.value is not None else (rb, ra)
                if self._solve(prod, const):
                    return
            free = ra if ra.automatic and not ra.product else rb if rb.automatic and not rb.product else None
            if free is None and ra.product and rb.product:
                self._unify_products(ra, rb)
                return
            if free is None:
                raise SizeConflict(self.text(ra), self.text(rb))
            other = rb if free is ra else ra
            free.parent = other
            return
        if ra.value is not None and rb.value is not None:
            if ra.value != rb.value:
                raise SizeConflict(self.text(ra), self.text(rb))
            rb.parent = ra
            return
        # A symbolic size never stands for 1: that keeps "scalar" a stable kind.
        if (ra.value == 1 and rb.value is None) or (rb.value == 1 and ra.value is None):
            raise SizeConflict(self.text(ra), self.text(rb))
        if ra.value is not None or rb.value is not None:
            const, var = (ra, rb) if ra.value is not None else (rb, ra)
            if not var.automatic:
                raise SizeConflict(self.text(ra), self.text(rb))
            var.parent = const
            return
        if not ra.automatic and not rb.automatic:
            raise SizeConflict(self.text(ra), self.text(rb))
        # Keep a user's name, else the older automatic one.
        if not rb.automatic or (ra.automatic and rb.serial < ra.serial):
            ra, rb = rb, ra
        rb.parent = ra

    def _factors(self, v: SizeVar) -> list[SizeVar]:
        r = self.find(v)
        return [x for f in r.product for x in self._factors(f)] if r.product else [r]

    def _unify_products(self, a: SizeVar, b: SizeVar, guess: bool = False) -> None:
        """k·p = n·p: the factors both sides share cancel (k = n, as in the
        Kronecker product I ⊗ A against a matrix of n·p rows); what remains is
        matched one free size against the rest; several unknowns on both
        sides wait for settle(), which in the end matches them factor by factor."""
        left, right = self._factors(a), self._factors(b)
        for f in list(left):
            match = next((g for g in right if self.key(g) == self.key(f)), None)
            if match is not None:
                left.remove(f)
                right.remove(match)
        if not left and not right:
            return
        for one, rest in ((left, right), (right, left)):
            if len(one) == 1 and one[0].automatic and rest:
                self.unify(one[0], rest[0] if len(rest) == 1 else self.product(tuple(rest)))
                return
        if not guess:
            self._deferred.append((a, b))
            return
        ra, rb = self.find(a), self.find(b)
        if len(left) == len(right):
            pairs = list(zip(left, right))  # m·p = n·q, matched factor by factor
        elif len(ra.product) == len(rb.product):
            pairs = list(zip(ra.product, rb.product))  # (n·q)·s = t·u, as written
        else:
            raise SizeConflict(self.text(a), self.text(b))
        for fa, fb in pairs:
            self.unify(fa, fb)

    def settle(self) -> None:
        """Decide the deferred products: retried while other constraints
        cancel their factors, then the rest matched factor by factor."""
        while self._deferred:
            pending, self._deferred = self._deferred, []
            for a, b in pending:
                self.unify(a, b)
            if self._deferred == pending:  # no progress: guess the first, retry the others
                (a, b), rest = self._deferred[0], self._deferred[1:]
                self._deferred = list(rest)
                self._unify_products(self.find(a), self.find(b), guess=True)

    def _solve(self, prod: SizeVar, const: SizeVar) -> bool:
        """Make a product of sizes equal a constant by fixing its one unknown
        factor (m·p = 12 with p = 3, or m·m = 4): True when that settles it."""
        known, unknown = 1, []
        for f in prod.product:
            r = self.find(f)
            if r.value is not None:
                known *= r.value
            elif r.product or not r.automatic:
                return False
            else:
                unknown.append(r)
        assert const.value is not None
        if not unknown or const.value % known or len({id(u) for u in unknown}) != 1:
            return False
        target, power = const.value // known, len(unknown)
        root = round(target ** (1 / power))
        for guess in (root - 1, root, root + 1):
            if guess > 1 and guess ** power == target:
                self.unify(unknown[0], self.constant(guess))
                return True
        return False

    def resolve(self, v: SizeVar, names: dict[int, str]) -> Size:
        """The final Size of a variable; `names` renames automatic roots."""
        r = self.find(v)
        if r.value is not None:
            return Size(r.value)
        if r.product:
            out = ONE
            for f in r.product:
                out = out * self.resolve(f, names)
            return out
        if r.automatic:
            return Size(1, (names.get(r.serial, r.name or "n"),))
        return Size(1, (r.name or "n",))

    def automatic_roots(self, vars_in_order: list[SizeVar]) -> dict[int, str]:
        """Compact names for the free automatic sizes, in order of appearance."""
        names: dict[int, str] = {}
        pool = (n for n in (size_name(i) for i in count()) if n not in self.reserved)
        for v in vars_in_order:
            r = self.find(v)
            stack = [r]
            while stack:
                x = self.find(stack.pop())
                if x.product:
                    stack.extend(reversed(x.product))
                elif x.value is None and x.automatic and x.serial not in names:
                    names[x.serial] = next(pool)
        return names
