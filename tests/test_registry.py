"""The registry and the layout: every function has every form (numbers, code
for every backend, text, LaTeX, SymPy) and agrees with itself across them;
every printer and pass handles every node kind; the modules import one way,
without circles; no function or property name is spelled outside its home."""
from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

import matdiff
from function_table import DECL, FUNCTIONS, public_names, sample
from helpers import array_module, backend_array, rel_error
from matdiff.calculus.differential import DIFFERENTIALS
from matdiff.evaluate import Interpreter, size_value
from matdiff.nodes import NODE_KINDS, Bound, Node, Symbol, symbols_of
from matdiff.ops import REGISTRY
from matdiff.ops.forms import no_sympy_form
from matdiff.ops.registry import _ALIASES, POSITIVE
from matdiff.shapes import ONE, Size
from matdiff.printing.code import CodeFunction, CodePrinter, generate_module
from matdiff.printing.latex import LatexPrinter, to_latex
from matdiff.printing.spelling import BACKENDS, KERNEL_ROLES
from matdiff.printing.sympy_form import SympyPrinter, to_sympy
from matdiff.printing.text import InputPrinter, TextPrinter, to_input, to_text
from matdiff.structures import PROPERTIES, STRUCTURES

PACKAGE = Path(matdiff.__file__).resolve().parent
FAMILIES = {"elementwise", "reduction", "matrix", "construct"}


def test_every_public_function_has_a_row_in_the_table():
    assert set(public_names()) == set(FUNCTIONS)


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_function_has_its_required_fields(name):
    """(Numbers, code and LaTeX are required at registration: a record without
    them fails to import.)"""
    fn = REGISTRY[name]
    assert fn.summary and fn.source and fn.family in FAMILIES
    assert fn.domain is None or fn.domain == POSITIVE or fn.domain in STRUCTURES
    if fn.is_construct:  # a construct has the forms of the node it builds
        return
    assert any(rule is not None for rule in (fn.derivative, fn.differential, fn.shortcut)), "no way to differentiate"
    if fn.public:  # a SymPy form, or the declaration that SymPy has none
        assert fn.sympy is not None
    if fn.family == "elementwise" and fn.arity == 1:
        assert fn.commutes_with_transpose and fn.preserves_symmetry


def _draw(rng: np.random.Generator, symbol: Symbol, sizes: dict[str, int], positive: bool) -> np.ndarray:
    """Values the function accepts: square matrices symmetric positive
    definite, other entries in ±(0.1, 0.9) (inside arcsin's domain; positive
    for a function of positive arguments)."""
    r, c = (size_value(s, sizes) for s in symbol.shape)
    if r == c and r > 1:
        Q, _ = np.linalg.qr(rng.standard_normal((r, r)))
        return (Q * rng.uniform(0.5, 2.0, r)) @ Q.T
    entries = rng.uniform(0.1, 0.9, (r, c))
    return entries if positive else entries * rng.choice([-1.0, 1.0], (r, c))


@pytest.mark.parametrize("backend", sorted(BACKENDS))
@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_function_has_every_output_form(name, backend):
    """Generated code equals the interpreter; text, LaTeX and SymPy print."""
    node = sample(name)
    sizes = {"n": 3}
    symbols = symbols_of(node) + [Symbol("z", (Size(1, ("n",)), ONE))]  # z fixes n for the code
    rng = np.random.default_rng(5)
    positive = REGISTRY[name].domain == POSITIVE
    values = {s.name: _draw(rng, s, sizes, positive) for s in symbols}
    want = Interpreter(values, sizes)(node)
    shape = (size_value(node.shape[0], sizes), size_value(node.shape[1], sizes))
    function = CodeFunction(node, symbols, "f", "the sample", "matrix", node.shape)
    try:
        source = generate_module([function], backend)
    except matdiff.BackendError as e:  # refused at generation time, naming what the backend lacks
        assert backend != "numpy" and "backend has no" in str(e)
        return
    if backend != "numpy":
        array_module(backend)
        values = {k: backend_array(backend, v) for k, v in values.items()}
    scope: dict = {}
    exec(compile(source, "<sample>", "exec"), scope)
    got = np.asarray(scope["f"](**values))
    assert got.shape == shape and rel_error(got, want) < 1e-10
    assert to_text(node) and to_latex(node).count("{") == to_latex(node).count("}")
    assert to_latex(node).count(r"\left") == to_latex(node).count(r"\right")
    if REGISTRY[name].public:
        assert matdiff.parse(to_input(node), where=DECL) == node


@pytest.mark.parametrize("printer", [InputPrinter, TextPrinter, LatexPrinter, SympyPrinter, CodePrinter])
def test_every_printer_has_a_form_for_every_node_kind(printer):
    assert printer.missing_kinds() == []


def test_the_differential_has_a_rule_for_every_node_kind():
    assert set(DIFFERENTIALS) | {Symbol, Bound} == set(NODE_KINDS)  # names: the leaf rule of differential()


def test_every_spelling_has_every_kernel():
    for spelling in BACKENDS.values():
        assert set(spelling.kernels) == set(KERNEL_ROLES)


def test_every_structure_record_is_complete():
    for s in STRUCTURES.values():
        assert s.summary
        if s.project is not None:  # a constrained set: checks need its tangents
            assert s.tangent is not None and s.normal_part is not None
        assert set(s.kernels) <= set(KERNEL_ROLES) and set(s.kernels.values()) <= set(KERNEL_ROLES)


def test_node_kinds_lists_every_kind_of_node():
    import matdiff.nodes as nodes
    # (a slotted dataclass replaces its class: the stale first class is no kind)
    kinds, stack = set(), [Node]
    while stack:  # every descendant class (a program's Bound name is a kind of Symbol)
        for c in stack.pop().__subclasses__():
            kinds.add(c)
            stack.append(c)
    defined = {c for c in kinds if getattr(nodes, c.__name__, None) is c}
    assert set(NODE_KINDS) == defined


@pytest.mark.parametrize("name", public_names())
def test_the_sympy_form_has_the_value_of_the_function(name):
    """At the row's call with numbers for its symbols, SymPy's value is the
    interpreter's (an opaque form, for a function SymPy has none of, is skipped)."""
    import sympy
    fn = REGISTRY[name]
    if fn.sympy is no_sympy_form:
        pytest.skip(f"SymPy has no form of {name}")
    node = sample(name)
    rng = np.random.default_rng(3)
    values = {s.name: _draw(rng, s, {}, fn.domain == POSITIVE) for s in symbols_of(node)}
    expr = to_sympy(node)
    subs = {}
    for s in symbols_of(node):
        if s.is_scalar:
            subs[sympy.Symbol(s.name)] = sympy.Float(values[s.name][0, 0])
        else:
            subs[sympy.MatrixSymbol(s.name, *values[s.name].shape)] = sympy.Matrix(values[s.name])
    # SymPy keeps the all-ones matrix and the diagonal of explicit matrices symbolic: spell them out
    from sympy.matrices.expressions.diagonal import DiagonalOf
    out = expr.subs(subs).replace(lambda e: isinstance(e, sympy.OneMatrix), lambda e: sympy.ones(*e.shape))
    out = out.replace(lambda e: isinstance(e, DiagonalOf) and isinstance(e.arg, sympy.MatrixBase),
                      lambda e: sympy.Matrix([e.arg[i, i] for i in range(min(e.arg.shape))]))
    out = out.doit()
    if isinstance(out, (sympy.MatrixBase, sympy.MatrixExpr)):
        got = np.array(sympy.Matrix(out).evalf().tolist(), dtype=float)
    else:
        got = np.array(float(out.evalf()))
    want = Interpreter(values, {})(node)
    assert rel_error(got.reshape(want.shape), want) < 1e-10


# -- the import graph ----------------------------------------------------------------
# Each top-level part of matdiff/ and its layer: a module imports only from its
# own layer or below (errors/shapes -> nodes -> ops -> frontend, calculus,
# simplify -> printing -> check -> result -> api -> cli).
LAYERS = {
    "errors": 0, "shapes": 0, "lazy_numpy": 0, "kernels": 0, "version": 0, "identities": 0,
    "nodes": 1,
    "ops": 2,
    "structures": 3, "facts": 3,
    "frontend": 4, "calculus": 4, "simplify": 4,
    "printing": 5, "evaluate": 5,
    "check": 6, "compiled": 6, "steps_check": 6,
    "result": 7, "backprop": 7,
    "api": 8,
    "terminal": 9, "cli": 9,
    "__init__": 10, "__main__": 10,
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_package(module: str) -> bool:
    return (PACKAGE.parent / module.replace(".", "/") / "__init__.py").exists()


def _exists(module: str) -> bool:
    return _is_package(module) or (PACKAGE.parent / (module.replace(".", "/") + ".py")).exists()


def import_graph() -> dict[str, set[str]]:
    """Module -> the matdiff modules it imports, anywhere in its body."""
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        name = _module_name(path)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found |= {a.name for a in node.names if a.name.startswith("matdiff")}
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")
                    base = base[:len(base) - node.level + 1]
                    target = ".".join(base + ([node.module] if node.module else []))
                elif node.module and node.module.startswith("matdiff"):
                    target = node.module
                else:
                    continue
                for alias in node.names:  # `from . import constructs` imports a module
                    sub = f"{target}.{alias.name}"
                    found.add(sub if _exists(sub) else target)
        graph[name] = found - {name}
    return graph


def _layer(module: str) -> int:
    parts = module.split(".")
    return LAYERS["__init__" if len(parts) == 1 else parts[1]]


def test_imports_go_one_way():
    wrong = [f"{m} imports {t}" for m, targets in import_graph().items() for t in targets
             if _layer(t) > _layer(m)]
    assert wrong == []


def test_the_import_graph_has_no_cycle():
    graph = import_graph()
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        path.append(m)
        for t in sorted(graph.get(m, ())):
            if state.get(t) == 1:
                raise AssertionError(" -> ".join(path[path.index(t):] + [t]))
            if t not in state:
                visit(t)
        path.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)


# -- names in their homes --------------------------------------------------------------
# Where function and property names may be spelled: the records, the grammar.
HOMES = ("ops/", "structures.py", "frontend/grammar.py", "frontend/lalr_tables.py")
# The declaration kinds of the language, spelled like the constructs vector(c) and matrix(c).
KIND_WORDS = {"vector", "matrix"}
# Tables of other vocabularies that happen to share a name: NumPy's names (with
# matdiff's spelling as the hint), and ASCII spellings of Unicode signs (√ is sqrt).
FOREIGN_TABLES = {("frontend/parse.py", "_NUMPY_NAMES"), ("terminal.py", "_ASCII")}


def _foreign_constants(tree: ast.AST, rel: str) -> set[int]:
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and (rel, t.id) in FOREIGN_TABLES
                                                for t in node.targets):
            skip |= {id(c) for c in ast.walk(node.value)}
    return skip


def _spells_a_name(text: object, names: set[str]) -> bool:
    """A whole name, or the prefix internal names are built from ('frechet_')."""
    if not isinstance(text, str) or not text:
        return False
    return text in names or (text.endswith("_") and any(n.startswith(text) for n in names))


def test_no_function_or_property_name_is_spelled_outside_its_home():
    names = (set(REGISTRY) | set(_ALIASES) | set(PROPERTIES)) - KIND_WORDS
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel.startswith(HOMES):
            continue
        tree = ast.parse(path.read_text())
        skip = _foreign_constants(tree, rel)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and _spells_a_name(node.value, names) and id(node) not in skip:
                found.append(f"{rel}:{node.lineno}: {node.value!r}")
    assert found == []


# -- what moving facts into the records must not change ------------------------------
def test_eigenvalues_of_a_constant_matrix_need_no_symmetry():
    """A non-symmetric matrix whose eigenvalues are constant is never differentiated."""
    r = matdiff.derivative("y'*diag(eigvals(A))*y", wrt="y", where="A: matrix(3,3), y: vector(3)")
    g = np.random.default_rng(2)
    S = g.standard_normal((3, 3))
    S = S + S.T
    y = g.standard_normal(3)
    assert rel_error(r.lambdify()(A=S, y=y), 2 * np.linalg.eigvalsh(S) * y) < 1e-12


def test_a_matrix_plus_its_transpose_is_symmetric_by_construction():
    r = matdiff.derivative("sum(eigvals(A + A'))", wrt="A", where="A: matrix(3,3)")
    assert str(r) == "2 I" and r.check().ok


def test_the_trace_of_an_inverse_transpose_reads_without_the_transpose():
    from matdiff.simplify import simplify
    assert str(simplify(matdiff.parse("tr(2*inv(X'))"))) == "2 tr(X⁻¹)"


@pytest.mark.parametrize("text,message", [
    ("inv(x)", "inv needs a square matrix, but x is a vector of size 3"),
    ("inv(x')", "inv needs a square matrix, but x' is a row vector of size 3"),
    ("inv(A)", "inv needs a square matrix, but A is a 2×3 matrix"),
    ("vector(x)", "vector(c) needs a scalar c, not a vector of size 3"),
    ("inner(A, x)", "the two arguments of inner must have the same shape, but A is a 2×3 matrix and x is a "
                    "vector of size 3"),
])
def test_shape_rules_name_the_argument_they_refuse(text, message):
    with pytest.raises(matdiff.ShapeError) as info:
        matdiff.parse(text, where="A: matrix(2,3), x: vector(3)")
    assert info.value.message == message


def test_the_inner_product_of_scalars_in_sympy_is_their_product():
    import sympy
    assert to_sympy(matdiff.parse("inner(a, b)")) == sympy.Symbol("a") * sympy.Symbol("b")
