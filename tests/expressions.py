"""Random well-typed matrix expressions over the whole language, each with an
independent NumPy translation (written here, not by matdiff) so that an
autodiff library can serve as an oracle.

    gen = Generator(RandomChooser(seed), size=8)
    sample = gen.scalar_expression()      # Sample: text, where, code, symbols
    sample.function(np_module)            # f as a Python function of the symbol values

The same generator runs under hypothesis (HypothesisChooser), whose shrinking
then yields small failing expressions; from a seed, `shrink` does the same
by replacing subexpressions with same-shaped parts.

Conventions of the translation: every value is a 2-D array (scalars 1×1);
sizes are named m, n, p (set to distinct integers when evaluated). Domains are
respected by construction: log, sqrt, log1p and fractional powers see x∘x + 1
(or x∘x), inverses, solves and determinants see T Tᵀ + I or I + 0.1 tanh(T),
matrix functions and chol bounded or positive definite arguments, eigvals,
eigmax and eigmin a T Tᵀ + S with S symmetric; sinh, cosh, expm1 see tanh(u).
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

SIZES = ("m", "n", "p")
SIZE_VALUES = {"m": 3, "n": 4, "p": 5}
ENTRYWISE = ("sin", "cos", "tan", "arcsin", "arccos", "arctan", "exp", "log", "sqrt", "tanh", "abs", "sign",
             "relu", "sigmoid", "sinh", "cosh", "log1p", "expm1", "softplus", "sech")
# Names that generated code uses for its own purposes (sizes, temporaries,
# modules, builtins, Python keywords): symbols renamed to them must not clash.
CODE_NAMES = ("n", "m", "p", "t0", "np", "t1", "q", "scipy", "float", "lambda", "value", "k", "in", "s", "t")
# Constructs autodiff libraries do not differentiate (no oracle; checked by differences instead).
NOT_IN_ORACLE = {"expm", "logm", "sqrtm"}


class RandomChooser:
    """Choices from a seeded random.Random."""

    def __init__(self, seed: int):
        self.random = random.Random(seed)

    def choice(self, options: Sequence[Any]) -> Any:
        return options[self.random.randrange(len(options))]

    def chance(self, p: float) -> bool:
        return self.random.random() < p


class HypothesisChooser:
    """Choices drawn through hypothesis (earlier options are simpler: shrinking goes there)."""

    def __init__(self, data: Any):
        from hypothesis import strategies as st
        self.data, self.st = data, st

    def choice(self, options: Sequence[Any]) -> Any:
        return options[self.data.draw(self.st.integers(0, len(options) - 1))]

    def chance(self, p: float) -> bool:
        return self.data.draw(self.st.integers(0, 999)) < 1000 * p


@dataclass(frozen=True)
class Expr:
    """A generated expression: input text, NumPy source, shape (size names or
    '1'), the same-shaped parts it can shrink to, and how to rebuild it."""

    text: str
    code: str
    rows: str
    cols: str
    kids: tuple["Expr", ...] = ()
    rebuild: Callable[[tuple["Expr", ...]], "Expr"] | None = field(default=None, compare=False)
    features: frozenset[str] = frozenset()

    @property
    def shape(self) -> tuple[str, str]:
        return (self.rows, self.cols)

    def operators(self) -> int:
        return 1 + sum(k.operators() for k in self.kids) if self.kids else 0


@dataclass(frozen=True)
class Symbol:
    name: str
    rows: str
    cols: str
    properties: str = ""   # '', 'symmetric', 'spd', 'orthogonal', 'diagonal'
    declared: bool = True

    def declaration(self) -> str:
        if self.rows == "1" and self.cols == "1":
            kind = "scalar"
        elif self.cols == "1":
            kind = f"vector({self.rows})"
        else:
            kind = f"matrix({self.rows},{self.cols})"
        return f"{self.name}: {kind}" + (f" {self.properties}" if self.properties else "")


@dataclass(frozen=True)
class Sample:
    """A generated expression with its declarations."""

    expr: Expr
    symbols: tuple[Symbol, ...]

    @property
    def text(self) -> str:
        return self.expr.text

    @property
    def where(self) -> str:
        return ", ".join(s.declaration() for s in self.symbols if s.declared)

    def function(self, np: Any) -> Callable[..., Any]:
        """f(**values) in NumPy (or autograd.numpy) from the independent translation."""
        source = "def f(V, S):\n    return " + self.expr.code + "\n"
        namespace: dict[str, Any] = {"np": np}
        if "_expm" in source or "_logm" in source or "_sqrtm" in source:
            from scipy import linalg
            namespace.update(_expm=linalg.expm, _logm=lambda M: np.real(linalg.logm(M)),
                             _sqrtm=lambda M: np.real(linalg.sqrtm(M)))
        exec(compile(source, "<generated>", "exec"), namespace)  # noqa: S102
        inner = namespace["f"]
        return lambda **values: inner(values, SIZE_VALUES)

    def values(self, rng: Any) -> dict[str, Any]:
        """Random values honouring declared structure (NumPy Generator rng)."""
        import numpy
        out = {}
        for s in self.symbols:
            r = 1 if s.rows == "1" else SIZE_VALUES[s.rows]
            c = 1 if s.cols == "1" else SIZE_VALUES[s.cols]
            M = rng.standard_normal((r, c))
            if s.properties == "symmetric":
                M = (M + M.T) / 2
            elif s.properties == "diagonal":
                M = numpy.diag(numpy.diag(M))
            elif s.properties == "orthogonal":
                Q, R = numpy.linalg.qr(M)
                M = Q * numpy.sign(numpy.diag(R))
            out[s.name] = M
        return out

    def plain_symbols(self) -> list[Symbol]:
        """Symbols without structure: variables the oracle differentiates freely."""
        return [s for s in self.symbols if not s.properties]

    def with_expr(self, expr: Expr) -> "Sample":
        used = [s for s in self.symbols if f"V['{s.name}']" in expr.code]
        return Sample(expr, tuple(used))

    def renamed(self, names: Sequence[str]) -> "Sample":
        """The same expression with its symbols called `names` in turn (every
        one declared, since a name's first letter no longer tells its kind)."""
        mapping = dict(zip((s.name for s in self.symbols), names))
        text, code = self.expr.text, self.expr.code
        for old, new in mapping.items():  # generated names (x3, A12) never contain one another
            text = re.sub(rf"(?<![A-Za-z0-9_]){old}(?![A-Za-z0-9_])", new, text)
            code = code.replace(f"V['{old}']", f"V['{new}']")
        symbols = tuple(Symbol(mapping.get(s.name, s.name), s.rows, s.cols, s.properties, True) for s in self.symbols)
        return Sample(Expr(text, code, self.expr.rows, self.expr.cols, features=self.expr.features), symbols)


def _one(rows: str, cols: str) -> str:
    return f"np.ones(({_n(rows)}, {_n(cols)}))"


def _n(size: str) -> str:
    return "1" if size == "1" else f"S['{size}']"


def _filled_text(rows: str, cols: str, value: str) -> str:
    if rows == "1" and cols == "1":
        return value
    return f"{'vector' if cols == '1' else 'matrix'}({value})" if rows != "1" else f"vector({value})'"


class Generator:
    """Random expressions of a requested shape; `size` bounds the nesting depth
    and `leaf_chance` (the chance of stopping early at each node) sets how bushy."""

    def __init__(self, chooser: Any, size: int = 6, oracle_only: bool = False, leaf_chance: float = 0.2):
        self.c = chooser
        self.size = size
        self.leaf_chance = leaf_chance   # lower: bushier, larger expressions
        self.oracle_only = oracle_only   # leave out what autodiff libraries cannot differentiate
        self.symbols: dict[str, Symbol] = {}

    # -- entry points --------------------------------------------------------------
    def scalar_expression(self) -> Sample:
        expr = self.expr("1", "1", self.size)
        return Sample(expr, tuple(self.symbols.values()))

    def expression(self) -> Sample:
        rows = self.c.choice(("1",) + SIZES)
        cols = "1" if rows == "1" else self.c.choice(("1",) + SIZES)
        expr = self.expr(rows, cols, self.size)
        return Sample(expr, tuple(self.symbols.values()))

    # -- leaves -------------------------------------------------------------------
    def symbol(self, rows: str, cols: str, properties: str = "") -> Expr:
        existing = [s for s in self.symbols.values() if (s.rows, s.cols, s.properties) == (rows, cols, properties)]
        if existing and self.c.chance(0.5):
            s = self.c.choice(existing)
        else:
            if rows == "1" and cols == "1":
                letters = "abcdefg"
            elif cols == "1":
                letters = "uvwxyz"
            else:
                letters = "ABCDFGHMNPQRSUVWXYZ"  # not I, T, K: identity, transpose
            k = len(self.symbols)
            name = f"{letters[k % len(letters)]}{k}"
            # plain scalars and vectors sometimes rely on the default kinds (a-g scalars, h-z vectors)
            matrix = rows != "1" and cols != "1"
            declared = matrix or bool(properties) or self.c.chance(0.5)  # only scalars and vectors default
            s = Symbol(name, rows, cols, properties, declared)
            self.symbols[name] = s
        return Expr(s.name, f"V['{s.name}']", rows, cols)

    def leaf(self, rows: str, cols: str) -> Expr:
        if rows == "1" and cols != "1":  # a row vector is a transposed column vector
            x = self.leaf(cols, "1")
            return Expr(f"{x.text}'", f"{x.code}.T", rows, cols)
        if self.c.chance(0.15):
            value = self.c.choice(("2", "0.5", "3"))
            if rows == "1" and cols == "1":
                return Expr(value, f"np.full((1, 1), {float(value)!r})", "1", "1")
            if rows == cols:
                return Expr(f"{value}*I", f"({value} * np.eye({_n(rows)}))", rows, cols)
        if rows == cols and rows != "1" and self.c.chance(0.15):
            kind = self.c.choice(("symmetric", "orthogonal", "diagonal"))
            return self.symbol(rows, cols, kind)
        return self.symbol(rows, cols)

    # -- composite ----------------------------------------------------------------
    def expr(self, rows: str, cols: str, depth: int) -> Expr:
        if depth <= 0 or self.c.chance(self.leaf_chance):
            return self.leaf(rows, cols)
        makers = [self.sum, self.product, self.scaled, self.hadamard, self.transpose, self.negation,
                  self.entrywise, self.entrywise_power]
        if rows == cols == "1":
            makers += [self.reduction, self.reduction, self.scalar_power]
        elif rows == cols:
            makers += [self.square, self.square]
        elif cols == "1":
            makers += [self.vector]
        return self.c.choice(makers)(rows, cols, depth - 1)

    def _node(self, text: str, code: str, rows: str, cols: str, kids: tuple[Expr, ...],
              rebuild: Callable[[tuple[Expr, ...]], Expr], feature: str = "") -> Expr:
        features = frozenset().union(*(k.features for k in kids)) | ({feature} if feature else set())
        return Expr(text, code, rows, cols, kids, rebuild, frozenset(features))

    def sum(self, rows, cols, depth):
        op = self.c.choice(("+", "-", ".+", ".-"))
        scalar_first = (rows, cols) != ("1", "1") and self.c.chance(0.25)  # c + X: c on every entry
        scalar_second = (rows, cols) != ("1", "1") and not scalar_first and self.c.chance(0.2)

        def build(k):
            a, b = k
            plain = op.lstrip(".")
            return self._node(f"({a.text} {op} {b.text})", f"({a.code} {plain} {b.code})", rows, cols, k, build,
                              "broadcast" if a.shape != b.shape else "")
        first = self.expr("1", "1", depth) if scalar_first else self.expr(rows, cols, depth)
        second = self.expr("1", "1", depth) if scalar_second else self.expr(rows, cols, depth)
        return build((first, second))

    def product(self, rows, cols, depth):
        inner = self.c.choice(("1",) + SIZES)
        if rows == "1" and cols == "1" and inner == "1":
            inner = self.c.choice(SIZES)

        def build(k):
            return self._node(f"({k[0].text})*({k[1].text})", f"({k[0].code} @ {k[1].code})", rows, cols, k, build)
        return build((self.expr(rows, inner, depth), self.expr(inner, cols, depth)))

    def scaled(self, rows, cols, depth):
        divide = self.c.chance(0.3)

        def build(k):
            s, e = k
            if divide:  # a positive divisor: s² + 1
                return self._node(f"({e.text})/(({s.text})^2 + 1)", f"({e.code} / ({s.code} ** 2 + 1))",
                                  rows, cols, k, build)
            return self._node(f"({s.text})*({e.text})", f"({s.code} * {e.code})", rows, cols, k, build)
        return build((self.expr("1", "1", depth), self.expr(rows, cols, depth)))

    def hadamard(self, rows, cols, depth):
        quotient = self.c.chance(0.3)

        def build(k):
            a, b = k
            if quotient:
                one = _filled_text(rows, cols, "1")
                return self._node(f"({a.text}) ./ (({b.text}) .* ({b.text}) + {one})",
                                  f"({a.code} / ({b.code} * {b.code} + 1))", rows, cols, k, build)
            return self._node(f"({a.text}) .* ({b.text})", f"({a.code} * {b.code})", rows, cols, k, build)
        return build((self.expr(rows, cols, depth), self.expr(rows, cols, depth)))

    def transpose(self, rows, cols, depth):
        mark = self.c.choice(("'", "ᵀ", "^T"))

        def build(k):
            return self._node(f"({k[0].text}){mark}", f"({k[0].code}).T", rows, cols, k, build)
        return build((self.expr(cols, rows, depth),))

    def negation(self, rows, cols, depth):
        def build(k):
            return self._node(f"(-({k[0].text}))", f"(-{k[0].code})", rows, cols, k, build)
        return build((self.expr(rows, cols, depth),))

    def entrywise(self, rows, cols, depth):
        name = self.c.choice(ENTRYWISE)
        one = _filled_text(rows, cols, "1")

        def build(k):
            u, t = k[0].text, k[0].code
            if name in ("log", "sqrt"):
                text, code = f"{name}(({u}) .* ({u}) + {one})", f"np.{name}({t} * {t} + 1)"
            elif name in ("arcsin", "arccos", "tan"):
                text, code = f"{name}(0.5*tanh({u}))", f"np.{name}(0.5 * np.tanh({t}))"
            elif name in ("exp", "sinh", "cosh", "expm1"):
                text, code = f"{name}(tanh({u}))", f"np.{name}(np.tanh({t}))"
            elif name == "log1p":
                text, code = f"log1p(({u}) .* ({u}))", f"np.log1p({t} * {t})"
            elif name == "softplus":
                text, code = f"softplus({u})", f"np.logaddexp(0.0, {t})"
            elif name == "sech":
                text, code = f"sech({u})", f"(1 / np.cosh({t}))"
            elif name == "relu":
                text, code = f"relu({u})", f"np.maximum({t}, 0.0)"
            elif name == "sigmoid":
                text, code = f"sigmoid({u})", f"(1 / (1 + np.exp(-{t})))"
            else:
                text, code = f"{name}({u})", f"np.{name}({t})"
            return self._node(text, code, rows, cols, k, build, name)
        return build((self.expr(rows, cols, depth),))

    def entrywise_power(self, rows, cols, depth):
        p = self.c.choice(("2", "3", "0.5", "-1"))
        one = _filled_text(rows, cols, "1")

        def build(k):
            u, t = k[0].text, k[0].code
            if p in ("2", "3"):
                return self._node(f"({u}) .^ {p}", f"({t} ** {p})", rows, cols, k, build)
            return self._node(f"(({u}) .* ({u}) + {one}) .^ ({p})", f"(({t} * {t} + 1) ** ({p}))", rows, cols, k,
                              build)
        return build((self.expr(rows, cols, depth),))

    def scalar_power(self, rows, cols, depth):
        p = self.c.choice(("2", "3", "0.5", "-1"))

        def build(k):
            u, t = k[0].text, k[0].code
            if p in ("2", "3"):
                return self._node(f"({u})^{p}", f"({t} ** {p})", "1", "1", k, build)
            return self._node(f"(({u})^2 + 1)^({p})", f"(({t} ** 2 + 1) ** ({p}))", "1", "1", k, build)
        return build((self.expr("1", "1", depth),))

    # -- bounded and well-conditioned matrices -----------------------------------
    def spd(self, k: str, depth: int) -> Expr:
        """T Tᵀ + I with bounded T (symmetric, eigenvalues ≥ 1)."""
        def build(kids):
            t = kids[0]
            return self._node(f"(tanh({t.text})*tanh({t.text})' + I)",
                              f"(np.tanh({t.code}) @ np.tanh({t.code}).T + np.eye({_n(k)}))", k, k, kids, build)
        return build((self.expr(k, k, depth),))

    def invertible(self, k: str, depth: int) -> Expr:
        if self.c.chance(0.5):
            return self.spd(k, depth)

        def build(kids):
            t = kids[0]
            return self._node(f"(I + 0.1*tanh({t.text}))", f"(np.eye({_n(k)}) + 0.1 * np.tanh({t.code}))",
                              k, k, kids, build)
        return build((self.expr(k, k, depth),))

    def square(self, rows, cols, depth):
        k = rows
        options = ["inv", "power", "negative_power", "adj", "diag", "identity_sum", "chol", "solve"]
        if not self.oracle_only:
            options += ["expm", "logm", "sqrtm"]
        what = self.c.choice(options)
        if what == "solve":
            return self.solve(k, k, depth)
        if what == "diag":
            def build(kids):
                return self._node(f"diag({kids[0].text})", f"np.diag({kids[0].code}[:, 0])", k, k, kids, build,
                                  "diag")
            return build((self.expr(k, "1", depth),))
        if what == "identity_sum":
            def build(kids):
                return self._node(f"({kids[0].text} + I)", f"({kids[0].code} + np.eye({_n(k)}))", k, k, kids, build)
            return build((self.expr(k, k, depth),))
        if what == "power":
            e = self.c.choice(("2", "3"))

            def build(kids):
                t = kids[0].code
                code = " @ ".join([t] * int(e))
                return self._node(f"({kids[0].text})^{e}", f"({code})", k, k, kids, build, "power")
            return build((self.expr(k, k, depth),))
        if what == "expm":
            def build(kids):
                return self._node(f"expm(0.5*tanh({kids[0].text}))", f"_expm(0.5 * np.tanh({kids[0].code}))", k, k,
                                  kids, build, "expm")
            return build((self.expr(k, k, depth),))
        inner = self.invertible(k, depth) if what in ("inv", "negative_power", "adj") else self.spd(k, depth)
        if what == "chol":
            def build(kids):
                return self._node(f"chol({kids[0].text})", f"np.linalg.cholesky({kids[0].code})", k, k, kids, build,
                                  "chol")
            return build((inner,))

        def build(kids):
            t, c = kids[0].text, kids[0].code
            text, code = {
                "inv": (f"inv({t})", f"np.linalg.inv({c})"),
                "negative_power": (f"{t}^-1", f"np.linalg.inv({c})"),
                "adj": (f"adj({t})", f"(np.linalg.det({c}) * np.linalg.inv({c}))"),
                "logm": (f"logm({t})", f"_logm({c})"),
                "sqrtm": (f"sqrtm({t})", f"_sqrtm({c})"),
            }[what]
            return self._node(text, code, k, k, kids, build, what)
        return build((inner,))

    def solve(self, rows, cols, depth):
        """A \\ B or solve(A, B) with A invertible by construction."""
        infix = self.c.chance(0.5)

        def build(kids):
            a, b = kids
            text = f"({a.text} \\ ({b.text}))" if infix else f"solve({a.text}, {b.text})"
            return self._node(text, f"np.linalg.solve({a.code}, {b.code})", rows, cols, kids, build, "solve")
        return build((self.invertible(rows, depth), self.expr(rows, cols, depth)))

    def vector(self, rows, cols, depth):
        what = self.c.choice(("diag", "eigvals", "filled", "softmax", "svdvals", "solve"))
        k = rows
        if what == "solve":
            return self.solve(k, "1", depth)
        if what == "softmax":
            def build(kids):
                t = kids[0].code
                return self._node(f"softmax({kids[0].text})", f"(np.exp({t}) / np.sum(np.exp({t})))", k, "1", kids,
                                  build, "softmax")
            return build((self.expr(k, "1", depth),))
        if what == "svdvals":
            def build(kids):  # + I makes the argument square to matdiff too (undeclared vectors have own sizes)
                return self._node(f"svdvals({kids[0].text} + I)",
                                  f"np.linalg.svd({kids[0].code} + np.eye({_n(k)}), compute_uv=False).reshape(-1, 1)",
                                  k, "1", kids, build, "svdvals")
            return build((self.expr(k, k, depth),))
        if what == "diag":
            def build(kids):
                return self._node(f"diag({kids[0].text})", f"np.diag({kids[0].code}).reshape(-1, 1)", k, "1", kids,
                                  build, "diag")
            return build((self.expr(k, k, depth),))
        if what == "filled":
            def build(kids):
                return self._node(f"vector({kids[0].text})", f"({kids[0].code} * {_one(k, '1')})", k, "1", kids,
                                  build)
            return build((self.expr("1", "1", depth),))
        spd = self.spd(k, depth)
        symmetric = self.symbol(k, k, "symmetric")

        def build(kids):
            a, s = kids
            return self._node(f"eigvals({a.text} + {s.text})",
                              f"np.linalg.eigh({a.code} + {s.code})[0].reshape(-1, 1)", k, "1", kids, build,
                              "eigvals")
        return build((spd, symmetric))

    def reduction(self, rows, cols, depth):
        what = self.c.choice(("tr", "det", "logdet", "log_det", "sum", "norm1", "norm2", "norm2_squared",
                              "inner", "dot", "kron_trace", "kron_sum", "vec_sum", "eigvals_sum", "logsumexp",
                              "mean", "max", "min", "nucnorm", "opnorm", "eigmax", "eigmin"))
        k = self.c.choice(SIZES)
        j = self.c.choice(SIZES)

        def scalar(text, code):
            return text, f"np.reshape({code}, (1, 1))"

        if what in ("det", "logdet", "log_det"):
            arg = self.invertible(k, depth) if what == "det" else self.spd(k, depth)

            def build(kids):
                t, c = kids[0].text, kids[0].code
                text, code = {"det": (f"det({t})", f"np.linalg.det({c})"),
                              "logdet": (f"logdet({t})", f"np.linalg.slogdet({c})[1]"),
                              "log_det": (f"log(det({t}))", f"np.log(np.linalg.det({c}))")}[what]
                return self._node(*scalar(text, code), "1", "1", kids, build, what)
            return build((arg,))
        if what in ("inner", "dot", "kron_sum"):
            shape = (k, "1") if what == "dot" else (k, j)

            def build(kids):
                a, b = kids
                text, code = {
                    "inner": (f"inner({a.text}, {b.text})", f"np.sum({a.code} * {b.code})"),
                    "dot": (f"({a.text})'*({b.text})", f"({a.code}.T @ {b.code})"),
                    "kron_sum": (f"sum(kron({a.text}, {b.text}))", f"np.sum(np.kron({a.code}, {b.code}))"),
                }[what]
                return self._node(*scalar(text, code), "1", "1", kids, build, what)
            return build((self.expr(*shape, depth), self.expr(*shape, depth)))
        if what == "kron_trace":
            def build(kids):
                a, b = kids
                return self._node(*scalar(f"tr(({a.text}) ⊗ ({b.text}))", f"np.trace(np.kron({a.code}, {b.code}))"),
                                  "1", "1", kids, build, "kron")
            return build((self.expr(k, k, depth), self.expr(j, j, depth)))
        if what in ("eigmax", "eigmin"):
            spd, symmetric = self.spd(k, depth), self.symbol(k, k, "symmetric")

            def build(kids):
                a, s = kids
                index = -1 if what == "eigmax" else 0
                return self._node(*scalar(f"{what}({a.text} + {s.text})",
                                          f"np.linalg.eigh({a.code} + {s.code})[0][{index}]"), "1", "1", kids, build,
                                  what)
            return build((spd, symmetric))
        if what == "eigvals_sum":
            vec = self.vector(k, "1", depth)

            def build(kids):
                return self._node(*scalar(f"sum({kids[0].text})", f"np.sum({kids[0].code})"), "1", "1", kids, build)
            return build((vec,))
        shape = (k, k) if what == "tr" else (k, self.c.choice(("1", j)))

        def build(kids):
            t, c = kids[0].text, kids[0].code
            text, code = {
                "tr": (f"tr({t})", f"np.trace({c})"),
                "sum": (f"sum({t})", f"np.sum({c})"),
                "norm1": (f"norm1({t})", f"np.sum(np.abs({c}))"),
                "norm2": (f"norm2({t})", f"np.sqrt(np.sum({c} * {c}))"),
                "norm2_squared": (f"norm2({t})^2", f"np.sum({c} * {c})"),
                "vec_sum": (f"sum(vec({t}) .* vec({t}))", f"np.sum({c}.T.reshape(-1) ** 2)"),
                "logsumexp": (f"logsumexp({t})", f"np.log(np.sum(np.exp({c})))"),
                "mean": (f"mean({t})", f"np.mean({c})"),
                "max": (f"max({t})", f"np.max({c})"),
                "min": (f"min({t})", f"np.min({c})"),
                "nucnorm": (f"nucnorm({t})", f"np.sum(np.linalg.svd({c}, compute_uv=False))"),
                "opnorm": (f"opnorm({t})", f"np.linalg.svd({c}, compute_uv=False)[0]"),
            }[what]
            return self._node(*scalar(text, code), "1", "1", kids, build, what)
        return build((self.expr(*shape, depth),))


def as_program(sample: Sample, chooser: Any, chance: float = 0.35) -> Sample:
    """The sample cut into a program at random: subexpressions become
    definitions `v_k = ...` (children first), used by name in what follows;
    the last statement is the rest of the expression. Its NumPy translation
    is the expression's own, so every oracle still applies."""
    definitions: list[str] = []

    def cut(expr: Expr) -> Expr:
        if not expr.kids or expr.rebuild is None:
            return expr
        kids = tuple(cut(k) for k in expr.kids)
        rebuilt = expr.rebuild(kids) if kids != expr.kids else expr
        if not chooser.chance(chance):
            return rebuilt
        name = f"v_{len(definitions)}"
        definitions.append(f"{name} = {rebuilt.text}")
        return Expr(name, rebuilt.code, expr.rows, expr.cols, features=rebuilt.features)

    last = cut(sample.expr)
    if not definitions:
        return sample
    separator = chooser.choice(("; ", "\n"))
    text = separator.join(definitions + [last.text])
    program = Expr(text, sample.expr.code, sample.expr.rows, sample.expr.cols, features=sample.expr.features)
    return Sample(program, sample.symbols)


def shrink(sample: Sample, fails: Callable[[Sample], bool], budget: int = 400) -> Sample:
    """A smaller sample that still fails: replace subexpressions by same-shaped
    parts, greedily, while the property keeps failing."""
    current = sample
    improved = True
    while improved and budget > 0:
        improved = False
        for candidate in _smaller(current.expr):
            budget -= 1
            trial = current.with_expr(candidate)
            try:
                still = fails(trial)
            except Exception:  # a candidate that cannot even be evaluated is not a reproduction
                still = False
            if still:
                current, improved = trial, True
                break
            if budget <= 0:
                break
    return current


def _smaller(expr: Expr):
    """Candidates one step simpler than expr: a same-shaped descendant, or expr
    with one child simplified."""
    for kid in expr.kids:
        if kid.shape == expr.shape:
            yield kid
    if expr.rebuild is None:
        return
    for i, kid in enumerate(expr.kids):
        for smaller in _smaller(kid):
            kids = expr.kids[:i] + (smaller,) + expr.kids[i + 1:]
            yield expr.rebuild(kids)
