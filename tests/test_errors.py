"""Bad input: the right error class, a message a student understands, and a
caret under the place; never a traceback or a foreign exception."""
from __future__ import annotations

import numpy as np
import pytest

import matdiff

BAD = [
    # (input, where, error class, words the message must contain)
    ("", None, matdiff.ParseError, "empty"),
    ("   ", None, matdiff.ParseError, "empty"),
    ("tr(A*X*B", None, matdiff.ParseError, "never closed"),
    ("(x'*A*x", None, matdiff.ParseError, "never closed"),
    ("x'*A*x)", None, matdiff.ParseError, "no matching"),
    ("())", None, matdiff.ParseError, "no matching"),
    ("x'*A*", None, matdiff.ParseError, "operand is missing"),
    ("x +", None, matdiff.ParseError, "operand is missing"),
    ("A * * B", None, matdiff.ParseError, "'**' is Python's power; matdiff writes X^2"),
    ("* A", None, matdiff.ParseError, "operand is missing"),
    ("A ^", None, matdiff.ParseError, "operand is missing"),
    ("A .* ./ B", None, matdiff.ParseError, "operand is missing"),
    ("()", None, matdiff.ParseError, "')'"),
    ("tr()", None, matdiff.ParseError, "one argument"),
    ("tr(A, B)", None, matdiff.ParseError, "one argument"),
    ("inner(A)", None, matdiff.ParseError, "two arguments"),
    ("x'*x ☃ 2", None, matdiff.ParseError, "unexpected character"),
    ("x # y", None, matdiff.ParseError, "unexpected character"),
    ("x $", None, matdiff.ParseError, "unexpected character"),
    ("A @ B", None, matdiff.ParseError, "'@' is Python's matrix product; matdiff writes A*B or A B"),
    ("logdett(X)", None, matdiff.ParseError, "did you mean logdet"),
    ("trace2(X)", None, matdiff.ParseError, "unknown function"),
    ("sinn(x)", None, matdiff.ParseError, "did you mean sin"),
    ("tr + X", None, matdiff.ParseError, "tr is a function"),
    ("A(B, C)", None, matdiff.ParseError, "symbol"),
    ("x where", None, matdiff.ParseError, "ends"),
    ("where x: scalar", None, matdiff.ParseError, "where"),
    ("A*x'", None, matdiff.ShapeError, "columns of A"),
    ("A*x", "A: matrix(3,4), x: vector(5)", matdiff.ShapeError, "columns of A (4)"),
    ("A*B", "A: matrix(2,3), B: matrix(4,5)", matdiff.ShapeError, "rows of B (4)"),
    ("x + X", None, matdiff.ShapeError, "the shapes differ"),
    ("A + B'", "A: matrix(2,3), B: matrix(2,3)", matdiff.ShapeError, "the shapes differ"),
    ("x + y", "x: vector(3), y: vector(4)", matdiff.ShapeError, "shapes differ"),
    ("x - x'", None, matdiff.ShapeError, "subtract"),
    ("A .* B", "A: matrix(2,3), B: matrix(3,2)", matdiff.ShapeError, "equal shapes"),
    ("x ./ y", "x: vector(2), y: vector(3)", matdiff.ShapeError, "equal shapes"),
    ("A/B", None, matdiff.ShapeError, "inv"),
    ("x/y", None, matdiff.ShapeError, "./"),
    ("det(X)", "X: matrix(3,4)", matdiff.ShapeError, "square"),
    ("inv(X)", "X: matrix(3,4)", matdiff.ShapeError, "square"),
    ("tr(X)", "X: matrix(2,5)", matdiff.ShapeError, "square"),
    ("logdet(x)", None, matdiff.ShapeError, "square"),
    ("X^2", "X: matrix(3,4)", matdiff.ShapeError, "square"),
    ("x^2", None, matdiff.ShapeError, ".^"),
    ("X^0.5", None, matdiff.ShapeError, "integer exponent"),
    ("X^c", None, matdiff.ShapeError, "integer exponent"),
    ("a^x", None, matdiff.ShapeError, "exponent"),
    ("diag(x')", None, matdiff.ShapeError, "row vector"),
    ("inner(A, x)", None, matdiff.ShapeError, "same shape"),
    ("vector(x)", None, matdiff.ShapeError, "scalar"),
    ("x'x", "x: vectr(3)", matdiff.DeclarationError, "did you mean vector"),
    ("x'x", "x: vector(3) symetric", matdiff.DeclarationError, "did you mean symmetric"),
    ("x'x", "x: vector(3, 4)", matdiff.DeclarationError, "one size"),
    ("c", "c: scalar(2)", matdiff.DeclarationError, "no sizes"),
    ("x'x", "x: vector(3), x: vector(4)", matdiff.DeclarationError, "two sizes, vector(3) and vector(4)"),
    ("x'x", "x: vector, x: matrix", matdiff.DeclarationError, "both a vector and a matrix"),
    ("x'x", "x: vector(0)", matdiff.DeclarationError, "positive integer"),
    ("A", "A: matrix(2,3) symmetric", matdiff.DeclarationError, "square"),
    ("x'x", "x: vector symmetric", matdiff.DeclarationError, "square matrices"),
    ("x'x", "tr: scalar", matdiff.DeclarationError, "function name"),
    ("x'x", "x vector", matdiff.ParseError, "declaration"),
    ("x'*A*x where A: matrix(n,m)", None, matdiff.ShapeError, ""),
]


@pytest.mark.parametrize("text,where,cls,words", BAD, ids=[f"{i}:{b[0][:20]}" for i, b in enumerate(BAD)])
def test_bad_input_gives_a_clear_error(text, where, cls, words):
    with pytest.raises(cls) as info:
        matdiff.parse(text, where=where)
    assert isinstance(info.value, matdiff.MatdiffError)
    assert words in info.value.message
    assert "Traceback" not in info.value.render()


def test_at_least_forty_bad_inputs_are_covered():
    assert len(BAD) >= 40


RENDERED = [
    ("A*x'", matdiff.ShapeError, [
        "error: the columns of A (n) do not match the rows of x' (1)",
        "  A*x'",
        "   ^"]),
    ("logdett(X)", matdiff.ParseError, [
        "error: unknown function logdett; did you mean logdet?",
        "  logdett(X)",
        "  ^^^^^^^"]),
    ("tr(A*X*B", matdiff.ParseError, [
        "error: this '(' is never closed: a ')' is missing",
        "  tr(A*X*B",
        "    ^"]),
    ("x + X", matdiff.ShapeError, [
        "error: cannot add x (a vector of size m) and X (an m×p matrix): the shapes differ",
        "  x + X",
        "    ^"]),
]


@pytest.mark.parametrize("text,cls,lines", RENDERED, ids=[r[0] for r in RENDERED])
def test_rendered_error_has_a_caret_under_the_place(text, cls, lines):
    with pytest.raises(cls) as info:
        matdiff.parse(text)
    assert info.value.render() == "\n".join(lines)


def test_declaration_error_points_into_the_where_text():
    with pytest.raises(matdiff.DeclarationError) as info:
        matdiff.parse("x'*x", where="x: vectr(3)")
    assert info.value.render().splitlines()[1:] == ["  x: vectr(3)", "     ^^^^^^^^"]


def test_derivative_with_respect_to_an_absent_symbol_is_zero_of_its_shape():
    """SPEC §10: zero, shaped like the symbol, with a note."""
    with pytest.warns(matdiff.MatdiffWarning, match="does not depend on Y"):
        r = matdiff.derivative("tr(A X)", wrt="Y", where="Y: matrix(2,3)")
    assert str(r) == "0" and r.notes == ("f does not depend on Y: its derivative is zero",)
    A = np.ones((4, 4))
    assert r.lambdify()(A=A, X=A, Y=np.ones((2, 3))).tolist() == np.zeros((2, 3)).tolist()
    with pytest.warns(matdiff.MatdiffWarning):
        J = matdiff.derivative("A*x", wrt="y")
    assert J.kind == "jacobian" and J.lambdify()(A=np.ones((2, 3)), x=np.ones(3), y=np.ones(5)).shape == (2, 5)


@pytest.mark.parametrize("wrt,words", [
    ("X'", "not a name"), ("x y", "separate several by commas"), ("tr", "a function"), ("I", "the identity"),
    ("", "name the variable"), ("2", "not a name"),
])
def test_wrt_takes_names_of_symbols(wrt, words):
    with pytest.raises(matdiff.DerivativeError, match=words):
        matdiff.derivative("tr(X)", wrt=wrt)


def test_non_string_input_is_a_matdiff_error():
    with pytest.raises(matdiff.ParseError):
        matdiff.parse(42)  # type: ignore[arg-type]


# Messages that quote operands quote them readably: names as they are,
# compound operands in backquotes, suggestions as expressions one can type.
FULL_MESSAGES = [
    ("A + x", "error: cannot add A (an m×n matrix) and x (a vector of size m): the shapes differ\n"
              "  A + x\n    ^"),
    ("(A+B)*x'", "error: the columns of `(A+B)` (n) do not match the rows of x' (1)\n  (A+B)*x'\n       ^"),
    ("A/(B+C)", "error: cannot divide by `(B+C)`, a p×q matrix: '/' divides by a scalar only; write A*inv(B+C) "
                "for a matrix inverse or A ./ (B+C) for entry-wise division\n  A/(B+C)\n   ^"),
    ("(x+y)^2", "error: `(x+y)` is a vector of size m: '^' is a matrix power; use (x+y).^2 for entry-wise "
                "powers\n  (x+y)^2\n       ^"),
    ("X^t", "error: the exponent t must be a scalar, not a vector of size p; the transpose is X' or X^T\n"
            "  X^t\n    ^"),
    ("X**2", "error: '**' is Python's power; matdiff writes X^2 (a matrix power) or X.^2 (entry by entry)\n"
             "  X**2\n   ^^"),
    ("X.T*A", "error: '.T' is NumPy's transpose; matdiff writes X' or Xᵀ\n  X.T*A\n   ^^"),
    ("np.trace(X)", "error: 'np.trace' is Python; matdiff names its functions without a module; write tr(X)\n"
                    "  np.trace(X)\n  ^^^^^^^^"),
    ("np.linalg.det(X)", "error: 'np.linalg.det' is Python; matdiff names its functions without a module; "
                         "write det(...)\n  np.linalg.det(X)\n  ^^^^^^^^^^^^^"),
    ("|x|", "error: '|' is not matdiff: write abs(x) entry by entry, or norm2(x) for the Euclidean norm\n"
            "  |x|\n  ^"),
    ("A^\\top", "error: '\\top' is LaTeX; matdiff writes A' for a transpose, inv(A) for an inverse and plain "
                "names for symbols\n  A^\\top\n    ^^^^"),
    ("A^{-1}", "error: '{' is LaTeX grouping; matdiff groups with parentheses: A^(-1), x'*(A + B)*x\n"
               "  A^{-1}\n    ^"),
    ("Tr(X)", "error: unknown function Tr; did you mean tr?\n  Tr(X)\n  ^^"),
]


@pytest.mark.parametrize("text,message", FULL_MESSAGES, ids=[m[0] for m in FULL_MESSAGES])
def test_full_text_of_messages(text, message):
    with pytest.raises(matdiff.MatdiffError) as info:
        matdiff.parse(text)
    assert str(info.value) == message


def test_an_unknown_function_gets_no_far_fetched_suggestion():
    """max once suggested matrix."""
    with pytest.raises(matdiff.ParseError) as info:
        matdiff.parse("mux(x)")
    assert "did you mean" not in str(info.value)
