"""The input language: every operator and function parses, gets the right
shape with distinct sizes, and prints back to an equal tree."""
from __future__ import annotations

import hashlib
import io
import logging
from pathlib import Path

import pytest
from lark import Lark, logger

import matdiff
from function_table import DECL, FUNCTIONS, public_names
from matdiff.frontend import lalr_tables
from matdiff.nodes import Call, Hadamard, Identity, Inverse, Kron, MatPower, Mul, Power, Transpose
from matdiff.ops import REGISTRY
from matdiff.printing.text import to_input
from matdiff.shapes import shape_text

GRAMMAR = Path(__file__).resolve().parent.parent / "grammar" / "matdiff.lark"

# Shift/reduce conflicts that were reviewed and are intended (none today).
REVIEWED_CONFLICTS: set[str] = set()


def grammar_text() -> str:
    return GRAMMAR.read_text(encoding="utf-8")


def test_shipped_parser_tables_are_made_from_the_current_grammar():
    """matdiff/frontend/lalr_tables.py is generated from grammar/matdiff.lark;
    after editing the grammar, run `python grammar/build_parser.py`."""
    assert lalr_tables.GRAMMAR_SHA256 == hashlib.sha256(grammar_text().encode("utf-8")).hexdigest(), \
        "the parser tables are out of date: run python grammar/build_parser.py"


TABLE_CORPUS = ["tr(A X B)", "x'*A*x where A: matrix(n,n) symmetric", "-x^2", "A(B+C)'", "a/b*c", "X⁻ᵀ",
                "kron(A, B) ⊗ C", "2.5e-3 x .* y ./ z", "A^-1 + B^T + C²", "sin(x) + log(det(X))"]


@pytest.mark.parametrize("text", TABLE_CORPUS)
def test_shipped_tables_parse_like_lark_built_from_the_grammar(text):
    fresh = Lark(grammar_text(), parser="lalr", start="start", maybe_placeholders=False)
    shipped = lalr_tables.Lark_StandAlone()
    assert _plain(shipped.parse(text, start="start")) == _plain(fresh.parse(text))


def _plain(tree):
    """A parse tree as nested tuples of rule names and (token type, text)."""
    if hasattr(tree, "data"):
        return (str(tree.data), tuple(_plain(c) for c in tree.children))
    return (tree.type, str(tree))


def test_grammar_has_no_unreviewed_lalr_conflicts():
    buf = io.StringIO()
    handler = logging.StreamHandler(buf)
    logger.addHandler(handler)
    old = logger.level
    logger.setLevel(logging.DEBUG)
    try:
        Lark(grammar_text(), parser="lalr", debug=True, start=["start", "declarations_only"])
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old)
    conflicts = {line for line in buf.getvalue().splitlines() if "conflict" in line.lower()}
    assert conflicts <= REVIEWED_CONFLICTS, conflicts



SHAPES = [
    ("A*B", "matrix(3, 5)"), ("A B", "matrix(3, 5)"), ("A*B*C", "matrix(3, 3)"), ("A x", "vector(3)"),
    ("2x", "vector(4)"), ("2.5e-1*x", "vector(4)"), (".5 x", "vector(4)"), ("x'", "row vector(4)"),
    ("xᵀ", "row vector(4)"), ("x^T", "row vector(4)"), ("x'S x", "scalar"), ("y'A x", "scalar"),
    ("A + A", "matrix(3, 4)"), ("A - 2A", "matrix(3, 4)"), ("-A", "matrix(3, 4)"), ("A/c", "matrix(3, 4)"),
    ("A .* A", "matrix(3, 4)"), ("A ∘ A", "matrix(3, 4)"), ("A ./ A", "matrix(3, 4)"), ("A .^ 2", "matrix(3, 4)"),
    ("A ⊗ B", "matrix(12, 20)"), ("kron(x, y)", "vector(12)"), ("S^2", "matrix(4, 4)"), ("S²", "matrix(4, 4)"),
    ("S^-1", "matrix(4, 4)"), ("S⁻¹", "matrix(4, 4)"), ("inv(S)", "matrix(4, 4)"), ("S⁻ᵀ", "matrix(4, 4)"),
    ("c^2", "scalar"), ("c^c", "scalar"), ("x'x", "scalar"), ("x x'", "matrix(4, 4)"), ("A(B C)", "matrix(3, 3)"),
    ("A (B C)", "matrix(3, 3)"), ("I + S", "matrix(4, 4)"), ("eye*x", "vector(4)"), ("x + c*vector(1)", "vector(4)"),
    ("A + matrix(c)", "matrix(3, 4)"), ("S^0", "matrix(4, 4)"), ("(A*B)'", "matrix(5, 3)"),
    ("A*B .* (A*B)", "matrix(3, 5)"), ("A where A: matrix(2,7)", "matrix(2, 7)"),
]


@pytest.mark.parametrize("text,shape", SHAPES, ids=[s[0] for s in SHAPES])
def test_operator_shapes(text, shape):
    where = None if "where" in text else DECL
    assert shape_text(matdiff.parse(text, where=where).shape) == shape


@pytest.mark.parametrize("name", public_names())
def test_every_function_parses_with_its_shape(name):
    row = FUNCTIONS[name]
    expr = matdiff.parse(row.call, where=DECL)
    assert shape_text(expr.shape) == row.shape
    if not REGISTRY[name].is_construct:  # a function is a call; a construct builds its own node
        assert isinstance(expr, Call) and expr.name == name and row.call.startswith(name + "(")
    else:  # its own node, never a call of itself (khatri_rao is a product of a Kronecker and selectors)
        assert not any(isinstance(n, Call) and n.name == name for n in expr.walk())


def test_diag_builds_a_matrix_from_a_vector():
    assert shape_text(matdiff.parse("diag(x)", where=DECL).shape) == "matrix(4, 4)"


@pytest.mark.parametrize("text,kind", [
    ("inv(S)", Inverse), ("S^-1", Inverse), ("S⁻¹", Inverse), ("A'", Transpose), ("A^T", Transpose),
    ("S^3", MatPower), ("A .* A", Hadamard), ("A ⊗ B", Kron), ("kron(A, B)", Kron), ("c^2", Power),
    ("A .^ 3", Power), ("A B", Mul), ("I", Identity),
])
def test_operators_build_their_node(text, kind):
    assert isinstance(matdiff.parse(text, where=DECL), kind)


def test_default_kinds_follow_the_first_letter():
    expr = matdiff.parse("a*x + B*z")
    kinds = {s.name: shape_text(s.shape) for s in expr.walk() if type(s).__name__ == "Symbol"}
    assert kinds["a"] == "scalar"
    assert kinds["x"].startswith("vector") and kinds["B"].startswith("matrix")


def test_sizes_are_unified_across_the_expression():
    expr = matdiff.parse("A*X*B")
    sizes = {s.name: s.shape for s in expr.walk() if type(s).__name__ == "Symbol"}
    assert sizes["A"][1] == sizes["X"][0] and sizes["X"][1] == sizes["B"][0]
    assert len({sizes["A"][0], sizes["A"][1], sizes["X"][1], sizes["B"][1]}) == 4


def test_declared_properties_make_square_matrices():
    expr = matdiff.parse("tr(A X) where X: symmetric")
    X = next(s for s in expr.walk() if getattr(s, "name", "") == "X" and type(s).__name__ == "Symbol")
    assert X.shape[0] == X.shape[1] and "symmetric" in X.properties


def test_left_associativity_matches_matlab():
    assert to_input(matdiff.parse("a/b*c")) == "a/b*c"
    assert matdiff.parse("a/b*c") == matdiff.parse("(a/b)*c")
    assert matdiff.parse("-x^2 where x: scalar") == matdiff.parse("-(x^2) where x: scalar")


def test_call_versus_product():
    assert matdiff.parse("A(B+C)") == matdiff.parse("A*(B+C)")
    assert isinstance(matdiff.parse("tr(X)"), Call)


def test_span_does_not_take_part_in_equality():
    assert matdiff.parse("x'*A*x") == matdiff.parse("x' * A *  x")
    assert hash(matdiff.parse("x'*A*x")) == hash(matdiff.parse("x'  *A*x"))


MATRIXCALCULUS_EXAMPLES = [
    "x'*A*x", "0.5*x'*A*x", "A*exp(x)", "(y.*v)'*x", "a^b", "norm1(A*x-y)", "norm2(A*x-y)^2",
    "sum(log(exp(-y.*(X*w)) + vector(1)))", "tr(A*X'*B*X*C)", "log(det(inv(X)))",
    "x'*A*x + c*sin(y)'*x", "inv(X)", "X'*X", "exp(-x'*x)", "tr(X^2)", "det(X)", "x'*y",
]


@pytest.mark.parametrize("text", MATRIXCALCULUS_EXAMPLES)
def test_documented_examples_parse_and_round_trip(text):
    expr = matdiff.parse(text)
    assert matdiff.parse(to_input(expr)) == expr


def test_long_input_is_answered():
    text = " + ".join(["x'*A*x"] * 1500)
    assert len(text) > 10_000
    assert matdiff.parse(text).is_scalar


def test_deep_parentheses_are_answered():
    text = "(" * 500 + "x'*A*x" + ")" * 500
    assert matdiff.parse(text) == matdiff.parse("x'*A*x")
    r = matdiff.derivative(text, wrt="x")
    assert str(r) == "(A + Aᵀ) x"


def test_deep_nesting_of_functions_is_a_clean_error():
    text = "sin(" * 500 + "x" + ")" * 500
    with pytest.raises(matdiff.ParseError, match="nested"):
        matdiff.parse(text)


def test_scalar_chains_inside_products_print_back_to_the_same_tree():
    """x'*((x*x')*x) once printed as x'*x*x'*x, which parsed to a different grouping."""
    for text in ("x'*((x*x')*x)", "(x'*x)*(x'*x)", "x*(x'*y)", "(x'*y)*A", "A*(x'*y)", "2*(x'*y)"):
        expr = matdiff.parse(text)
        assert matdiff.parse(to_input(expr)) == expr, text


# `name(` is a product at the level of juxtaposition: postfix operators and '/'
# keep their precedence over it (once A(B)⁻¹ was inv(A B)).
@pytest.mark.parametrize("text,values,want", [
    ("a(b)^2", {"a": 2.0, "b": 3.0}, 18.0),
    ("a/b(c)", {"a": 1.0, "b": 2.0, "c": 4.0}, 2.0),
    ("3^b (-3)", {"b": 2.0}, -27.0),
    ("(a)(b)^2", {"a": 2.0, "b": 3.0}, 18.0),
    ("2(b)^2", {"b": 3.0}, 18.0),
])
def test_a_symbol_before_a_parenthesis_is_a_product_of_the_lowest_binding(text, values, want):
    from matdiff.evaluate import evaluate
    assert evaluate(matdiff.parse(text), values)[0, 0] == want


@pytest.mark.parametrize("text,same_as", [
    ("A(B+C)'", "A*(B+C)'"), ("A(B)⁻¹", "A*inv(B)"), ("A .* B(C)", "(A .* B)*C"),
    ("W1(x)^2 where W1: scalar, x: scalar", "W1*x^2 where W1: scalar, x: scalar"),
    ("b^T (a)", "b'*a"),
])
def test_postfix_operators_bind_tighter_than_a_product_with_a_parenthesis(text, same_as):
    assert matdiff.parse(text) == matdiff.parse(same_as)


def test_gradient_through_a_product_with_a_parenthesis_follows_the_table():
    assert str(matdiff.derivative("tr(C*A(X)')", wrt="X")) == "C A"


def test_a_symbol_before_a_parenthesis_takes_one_expression():
    with pytest.raises(matdiff.ParseError, match="A is a symbol, not a function"):
        matdiff.parse("A(B, C)")
