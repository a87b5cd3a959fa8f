"""Programs (SPEC §7): a table of programs — networks with biases, a residual
block, an RNN unrolled three steps, softmax heads, the 18.063 course
problems — each gradient checked at distinct sizes against central
differences and against autograd, both on an independent NumPy translation;
the closed form, the backward pass's code and the shared backward function
must all agree. Then Hessians and Jacobians of programs, the printed forms,
and the errors a program can cause.
"""
from __future__ import annotations

import unicodedata
import warnings

import numpy as np
import pytest

import matdiff
from helpers import draw, numeric_gradient, rel_error
from matdiff.evaluate import Interpreter, bind


def _softmax(np_, u):
    e = np_.exp(u - np_.max(u))
    return e / np_.sum(e)


def _sigmoid(np_, u):
    return 1 / (1 + np_.exp(-u))


def _logdet(np_, S):
    return np_.linalg.slogdet(S)[1]


# id, program, where, symbols, wrt, f(np_, v) in NumPy (np_ is numpy or autograd.numpy)
PROGRAMS = [
    ("spec-mlp-vector-biases", "a = W1*x + b1; h = tanh(a); r = W2*h + b2 - y; f = r'*r", "b1: vector, b2: vector",
     "W1:4x3 x:3 b1:4 W2:2x4 b2:2 y:2", ["W1", "b1", "W2", "b2", "x"],
     lambda np_, v: np_.sum((v["W2"] @ np_.tanh(v["W1"] @ v["x"] + v["b1"]) + v["b2"] - v["y"]) ** 2)),
    ("spec-mlp-scalar-biases", "a = W1*x + b1; h = tanh(a); r = W2*h + b2 - y; f = r'*r", None,
     "W1:4x3 x:3 b1:s W2:2x4 b2:s y:2", ["b1", "b2", "W1"],
     lambda np_, v: np_.sum((v["W2"] @ np_.tanh(v["W1"] @ v["x"] + v["b1"]) + v["b2"] - v["y"]) ** 2)),
    ("bare-last-expression", "a = W*x; a'*a", None, "W:3x4 x:4", ["W", "x"],
     lambda np_, v: np_.sum((v["W"] @ v["x"]) ** 2)),
    ("new-lines-and-inline-where", "a = W1*x + b1\n\nh = tanh(a)\nf = norm2(h)^2\nwhere b1: vector", None,
     "W1:3x2 x:2 b1:3", ["b1", "W1"],
     lambda np_, v: np_.sum(np_.tanh(v["W1"] @ v["x"] + v["b1"]) ** 2)),
    ("residual-block", "a = W1*x; h = tanh(a); r = x + W2*h; f = norm2(r)^2", None, "W1:5x3 x:3 W2:3x5",
     ["W1", "W2", "x"],
     lambda np_, v: np_.sum((v["x"] + v["W2"] @ np_.tanh(v["W1"] @ v["x"])) ** 2)),
    ("rnn-three-steps", "h1 = tanh(W*x1 + U*h0)\nh2 = tanh(W*x2 + U*h1)\nh3 = tanh(W*x3 + U*h2)\nf = v'*h3",
     None, "W:4x3 U:4x4 x1:3 x2:3 x3:3 h0:4 v:4", ["W", "U", "h0", "x2"],
     lambda np_, v: v["v"] @ np_.tanh(v["W"] @ v["x3"] + v["U"] @ np_.tanh(
         v["W"] @ v["x2"] + v["U"] @ np_.tanh(v["W"] @ v["x1"] + v["U"] @ v["h0"])))),
    ("softmax-cross-entropy-head", "a = W1*x + b1; h = tanh(a); z = W2*h + b2; f = -y'*log(softmax(z))",
     "b1: vector, b2: vector", "W1:5x3 x:3 b1:5 W2:4x5 b2:4 y:4:onehot", ["W1", "b1", "W2", "b2"],
     lambda np_, v: -v["y"] @ np_.log(_softmax(np_, v["W2"] @ np_.tanh(v["W1"] @ v["x"] + v["b1"]) + v["b2"]))),
    ("softmax-named-then-log", "z = W*x; s = softmax(z); f = -y'*log(s)", None, "W:4x3 x:3 y:4:onehot",
     ["W", "x"], lambda np_, v: -v["y"] @ np_.log(_softmax(np_, v["W"] @ v["x"]))),
    ("logsumexp-head", "z = W*x; f = logsumexp(z) - y'*z", None, "W:4x3 x:3 y:4:onehot", ["W"],
     lambda np_, v: np_.log(np_.sum(np_.exp(v["W"] @ v["x"]))) - v["y"] @ (v["W"] @ v["x"])),
    ("course-iap2025-hw2-p5", "a = (x'*y)*z; b = sin(a) + x.*exp(z); c = log(b); d = (b'*b)*b; f = c'*d", None,
     "x:3:big y:3 z:3:small", ["x", "y", "z"],
     lambda np_, v: np_.log(np_.sin((v["x"] @ v["y"]) * v["z"]) + v["x"] * np_.exp(v["z"])) @ (
         np_.sum((np_.sin((v["x"] @ v["y"]) * v["z"]) + v["x"] * np_.exp(v["z"])) ** 2)
         * (np_.sin((v["x"] @ v["y"]) * v["z"]) + v["x"] * np_.exp(v["z"])))),
    ("course-pset2-backprop-with-penalty",
     "v1 = W1*x; v2 = tanh(v1); v3 = W2*v2; f = norm2(v3 - y)^2 + c*norm2(v3)^2", None,
     "W1:4x3 x:3 W2:2x4 y:2 c:s:pos", ["W1", "W2", "c"],
     lambda np_, v: np_.sum((v["W2"] @ np_.tanh(v["W1"] @ v["x"]) - v["y"]) ** 2)
     + v["c"] * np_.sum((v["W2"] @ np_.tanh(v["W1"] @ v["x"])) ** 2)),
    ("a-name-used-twice", "u = A*x; v = u.*u; f = sum(v) + w'*u", None, "A:4x3 x:3 w:4", ["A", "x"],
     lambda np_, v: np_.sum((v["A"] @ v["x"]) ** 2) + v["w"] @ (v["A"] @ v["x"])),
    ("gram-logdet", "S = X'*X + I; f = logdet(S)", None, "X:4x3", ["X"],
     lambda np_, v: _logdet(np_, v["X"].T @ v["X"] + np_.eye(3))),
    ("matrix-intermediate", "M = A*X; f = tr(M'*M)", None, "A:4x3 X:3x5", ["X", "A"],
     lambda np_, v: np_.sum((v["A"] @ v["X"]) ** 2)),
    ("least-squares", "r = A*x - b; f = 0.5*r'*r", "b: vector", "A:5x3 x:3 b:5", ["x", "A", "b"],
     lambda np_, v: 0.5 * np_.sum((v["A"] @ v["x"] - v["b"]) ** 2)),
    ("logistic-regression", "z = X*w; p = sigmoid(z); f = -(y'*log(p) + (1 - y)'*log(1 - p))", None,
     "X:6x3 w:3 y:6:pos", ["w"],
     lambda np_, v: -(v["y"] @ np_.log(_sigmoid(np_, v["X"] @ v["w"]))
                      + (1 - v["y"]) @ np_.log(1 - _sigmoid(np_, v["X"] @ v["w"])))),
    ("gaussian-nll", "r = x - u; f = logdet(S) + r'*inv(S)*r", "S: spd", "x:3 u:3 S:3x3:spd", ["u", "x"],
     lambda np_, v: _logdet(np_, v["S"]) + (v["x"] - v["u"]) @ np_.linalg.solve(v["S"], v["x"] - v["u"])),
    ("attention-read-out", "s = softmax(K*q); o = V'*s; f = norm2(o - t)^2", None, "K:5x3 q:3 V:5x4 t:4",
     ["K", "q", "V"],
     lambda np_, v: np_.sum((v["V"].T @ _softmax(np_, v["K"] @ v["q"]) - v["t"]) ** 2)),
    ("centred-norm", "m = mean(x); c = x - m; f = norm2(c)^2", None, "x:5", ["x"],
     lambda np_, v: np_.sum((v["x"] - np_.mean(v["x"])) ** 2)),
    ("five-tanh-layers",
     "h0 = tanh(W0*x); h1 = tanh(W1*h0); h2 = tanh(W2*h1); h3 = tanh(W3*h2); h4 = tanh(W4*h3); f = sum(h4)",
     None, "W0:4x3 x:3 W1:5x4 W2:4x5 W3:3x4 W4:2x3", ["W0", "W2", "W4", "x"],
     lambda np_, v: np_.sum(np_.tanh(v["W4"] @ np_.tanh(v["W3"] @ np_.tanh(v["W2"] @ np_.tanh(
         v["W1"] @ np_.tanh(v["W0"] @ v["x"]))))))),
    ("product-of-two-uses", "a = W*x; f = sum(exp(a))*sum(a)", None, "W:4x3 x:3", ["W"],
     lambda np_, v: np_.sum(np_.exp(v["W"] @ v["x"])) * np_.sum(v["W"] @ v["x"])),
    ("matrix-chain-of-definitions", "P = X*X'; Q = P*P; f = tr(A*Q)", None, "X:3x4 A:3x3", ["X"],
     lambda np_, v: np_.trace(v["A"] @ (v["X"] @ v["X"].T) @ (v["X"] @ v["X"].T))),
    ("relu-layer", "a = W*x; h = relu(a); f = v'*h", None, "W:5x3 x:3 v:5", ["W"],
     lambda np_, v: v["v"] @ np_.maximum(v["W"] @ v["x"], 0)),
    ("scalar-intermediates", "s = x'*x; t = log(1 + s); f = t^2", None, "x:4", ["x"],
     lambda np_, v: np_.log(1 + v["x"] @ v["x"]) ** 2),
    ("bare-last-after-two", "u = W*x; v = tanh(u); v'*v", None, "W:3x4 x:4", ["W"],
     lambda np_, v: np_.sum(np_.tanh(v["W"] @ v["x"]) ** 2)),
    ("softplus-mean", "h = softplus(W1*x); f = mean(h)", None, "W1:4x3 x:3", ["W1", "x"],
     lambda np_, v: np_.mean(np_.log(1 + np_.exp(v["W1"] @ v["x"])))),
    ("solve-in-a-program", "z = A\\b; f = norm2(z)^2", "b: vector", "A:3x3:inv b:3", ["A", "b"],
     lambda np_, v: np_.sum(np_.linalg.solve(v["A"], v["b"]) ** 2)),
    ("two-heads-share-a-layer", "h = tanh(W*x); f = u'*h + norm2(h)^2", None, "W:4x3 x:3 u:4", ["W"],
     lambda np_, v: v["u"] @ np_.tanh(v["W"] @ v["x"]) + np_.sum(np_.tanh(v["W"] @ v["x"]) ** 2)),
]

IDS = [row[0] for row in PROGRAMS]


def _results(program: str, where: str | None, wrt: list[str]) -> list[matdiff.Result]:
    found = matdiff.derivative(program, wrt=wrt, where=where)
    return found if isinstance(found, list) else [found]


def _closed_form(result: matdiff.Result, values: dict) -> np.ndarray:
    """The printed closed form evaluated by the tree interpreter."""
    arrays, sizes = bind(result.symbols, values)
    return Interpreter(arrays, sizes)(result.value).reshape(np.shape(values[result.variable.name]))


def test_the_table_has_at_least_25_programs():
    assert len(PROGRAMS) >= 25


@pytest.mark.parametrize("name, program, where, spec, wrt, f", PROGRAMS, ids=IDS)
def test_program_gradients_match_central_differences(name, program, where, spec, wrt, f):
    values = draw(spec, seed=1)
    results = _results(program, where, wrt)
    shared = results[0].backprop.lambdify()(**values)
    shared = shared if isinstance(shared, tuple) else (shared,)
    for result, from_pass in zip(results, shared):
        var = result.variable.name

        def f_of(X, var=var):
            return f(np, {**values, var: X})
        expected = numeric_gradient(f_of, np.asarray(values[var], dtype=float))
        assert rel_error(result.lambdify()(**values), expected) < 1e-6, (var, str(result))
        assert rel_error(_closed_form(result, values), expected) < 1e-6, (var, str(result))
        assert rel_error(np.reshape(from_pass, np.shape(expected)), expected) < 1e-6, var


@pytest.mark.parametrize("name, program, where, spec, wrt, f", PROGRAMS, ids=IDS)
def test_program_gradients_match_autograd(name, program, where, spec, wrt, f):
    autograd = pytest.importorskip("autograd")
    import autograd.numpy as anp
    values = draw(spec, seed=2)
    for result in _results(program, where, wrt):
        var = result.variable.name

        def f_of(X, var=var):
            return f(anp, {**values, var: X})
        expected = autograd.grad(f_of)(np.asarray(values[var], dtype=float))
        assert rel_error(result.lambdify()(**values), expected) < 1e-9, (var, str(result))


@pytest.mark.parametrize("name, program, where, spec, wrt, f", PROGRAMS, ids=IDS)
def test_program_results_pass_their_own_check(name, program, where, spec, wrt, f):
    """check() compares the closed form with the differential, the generated
    code and differences at its own random values (the course problem needs
    b = sin(a) + x ∘ exp(z) > 0, which random normal values do not keep)."""
    if name == "course-iap2025-hw2-p5":
        pytest.skip("log(b) of a name: check() cannot draw b positive (see README, Programs)")
    for result in _results(program, where, wrt):
        report = result.check()
        assert report.ok, (result.variable.name, str(report))


def test_several_variables_share_one_backward_pass():
    results = _results(PROGRAMS[0][1], PROGRAMS[0][2], ["W1", "b1", "W2"])
    assert all(r.backprop is results[0].backprop for r in results)
    backward = results[0].backprop
    assert [b.of for b in backward.adjoints] == ["r", "h", "a"]  # one adjoint per definition, f to inputs
    assert [b.name for b in backward.uses("W2")] == ["r_bar"]


def test_the_spec_example_prints_the_gradient_with_the_program_names():
    r = matdiff.derivative("a = W1*x + b1; h = tanh(a); r = W2*h + b2 - y; f = r'*r", "W1",
                           where="b1: vector, b2: vector")
    assert str(r) == "2 (sech(a)∘² ∘ (W2ᵀ r)) xᵀ"
    assert r.where == "a = W1 x + b1, h = tanh(a), r = W2 h + b2 - y"
    assert "where a = W1 x + b_{1}" not in r.latex() and r"\text{where }" in r.latex()


def _nfc(text: str) -> str:
    """Adjoints print with a combining macron (a + U+0304); compare composed."""
    return unicodedata.normalize("NFC", text)


TWO_LAYER_BACKPROP = """\
forward:
  a = W1 x + b1
  h = tanh(a)
  r = W2 h + b2 - y
  f = rᵀ r
backward:
  r̄ = 2 r
  h̄ = W2ᵀ r̄
  ā = sech(a)∘² ∘ h̄
  ∇W1 f = ā xᵀ    (uses r̄, h̄, ā)
  ∇b1 f = ā    (uses r̄, h̄, ā)
  ∇W2 f = r̄ hᵀ    (uses r̄)"""

COURSE_BACKPROP = """\
forward:
  a = (xᵀ y) z
  b = sin(a) + x ∘ exp(z)
  c = log(b)
  d = (bᵀ b) b
  f = cᵀ d
backward:
  d̄ = c
  c̄ = d
  b̄ = 2 (bᵀ d̄) b + (bᵀ b) d̄ + c̄ ⊘ b
  ā = cos(a) ∘ b̄
  ∇x f = exp(z) ∘ b̄ + (zᵀ ā) y    (uses d̄, c̄, b̄, ā)"""


def test_the_backprop_of_the_two_layer_network_reads_as_in_the_readme():
    results = _results(PROGRAMS[0][1], PROGRAMS[0][2], ["W1", "b1", "W2"])
    assert _nfc(str(results[0].backprop)) == _nfc(TWO_LAYER_BACKPROP)


def test_the_backprop_of_the_course_problem_reads_as_in_the_readme():
    r = matdiff.derivative("a = (x'*y)*z; b = sin(a) + x.*exp(z); c = log(b); d = (b'*b)*b; f = c'*d", "x")
    assert _nfc(str(r.backprop)) == _nfc(COURSE_BACKPROP)


def test_backprop_latex_is_an_aligned_block_and_json_names_every_adjoint():
    r = matdiff.derivative(PROGRAMS[0][1], "W1", where=PROGRAMS[0][2])
    latex = r.backprop.latex()
    assert latex.startswith("\\begin{aligned}") and latex.endswith("\\end{aligned}")
    assert r"\bar{a} &= \operatorname{sech}" in latex
    data = r.backprop.to_dict()
    assert [a["adjoint_of"] for a in data["backward"]] == ["r", "h", "a"]
    assert [_nfc(u) for u in data["gradients"][0]["uses"]] == [_nfc(u) for u in ["r̄", "h̄", "ā"]]
    assert r.to_dict()["where"][0] == {"name": "a", "value": "W1 x + b1"}


def test_result_input_of_a_program_reads_back_as_the_same_value():
    r = matdiff.derivative(PROGRAMS[0][1], "W1", where=PROGRAMS[0][2])
    text = r.to_dict()["result_input"]
    assert text.startswith("a = W1*x + b1; h = tanh(a); r = W2*h + b2 - y; ")
    back = matdiff.parse(text, where="b1: vector, b2: vector, W1: matrix(m, n), x: vector(n), W2: matrix(p, m)")
    values = draw("W1:4x3 x:3 b1:4 W2:2x4 b2:2 y:2", seed=3)
    arrays, sizes = bind(matdiff.nodes.symbols_of(back), values)
    assert rel_error(Interpreter(arrays, sizes)(back), _closed_form(r, values)) < 1e-12


def test_a_single_expression_has_a_backward_pass_of_its_gradient_alone():
    r = matdiff.derivative("x'*A*x", "x")
    assert str(r.backprop) == "forward:\n  f = xᵀ A x\nbackward:\n  ∇x f = (A + Aᵀ) x"


def test_a_long_chain_keeps_adjoints_by_name_and_derives_correctly():
    """The closed form of a deep chain is cut into named adjoints (readable,
    and printers never recurse along the whole program)."""
    layers = 30
    text = "\n".join(["h0 = tanh(W0*x)"] + [f"h{i} = tanh(W{i}*h{i - 1})" for i in range(1, layers)]
                     + [f"f = sum(h{layers - 1})"])
    r = matdiff.derivative(text, "W0", where=", ".join(f"W{i}: matrix(n, n)" for i in range(layers)))
    assert any(b.derived for b in r.definitions)
    g = np.random.default_rng(4)
    values = {f"W{i}": g.standard_normal((3, 3)) / 2 for i in range(layers)} | {"x": g.standard_normal(3)}

    def f(W0):
        h = np.tanh(W0 @ values["x"])
        for i in range(1, layers):
            h = np.tanh(values[f"W{i}"] @ h)
        return np.sum(h)
    expected = numeric_gradient(f, values["W0"])
    assert rel_error(_closed_form(r, values), expected) < 1e-6
    assert rel_error(r.lambdify()(**values), expected) < 1e-6


def test_a_thousand_layers_derive_without_recursion_limits():
    text = "\n".join(["h0 = tanh(W0*x)"] + [f"h{i} = tanh(W{i}*h{i - 1})" for i in range(1, 1000)]
                     + ["f = sum(h999)"])
    r = matdiff.derivative(text, "W0")
    assert r.kind == "gradient" and len(r.backprop.adjoints) == 1000


# -- second derivatives and Jacobians -----------------------------------------
def test_hessian_of_a_program_is_w_transpose_diag_w():
    h = matdiff.hessian("h = tanh(W*x); f = sum(h)", "x")
    values = draw("W:4x3 x:3", seed=5)
    t = np.tanh(values["W"] @ values["x"])
    expected = values["W"].T @ np.diag(-2 * t * (1 - t ** 2)) @ values["W"]
    assert rel_error(h.lambdify()(**values), expected) < 1e-10
    assert h.check().ok


def test_hessian_of_a_two_layer_network_matches_autograd():
    autograd = pytest.importorskip("autograd")
    import autograd.numpy as anp
    program, where = PROGRAMS[0][1], PROGRAMS[0][2]
    h = matdiff.hessian(program, "b1", where=where)
    values = draw("W1:4x3 x:3 b1:4 W2:2x4 b2:2 y:2", seed=6)
    f = PROGRAMS[0][5]
    expected = autograd.hessian(lambda b: f(anp, {**values, "b1": b}))(values["b1"])
    assert rel_error(h.lambdify()(**values), expected) < 1e-9


def test_jacobian_of_a_vector_valued_program():
    r = matdiff.derivative("a = W*x; h = tanh(a)", "x")
    assert r.kind == "jacobian" and str(r) == "diag(sech(a)∘²) W"
    values = draw("W:4x3 x:3", seed=7)
    expected = np.diag(1 - np.tanh(values["W"] @ values["x"]) ** 2) @ values["W"]
    assert rel_error(r.lambdify()(**values), expected) < 1e-10


# -- the language and its errors ---------------------------------------------
@pytest.mark.parametrize("text, wrt, where, error, message, caret", [
    ("a = W*x; a = tanh(a); f = a'*a", "W", None, matdiff.ParseError, "a is defined twice", "         ^"),
    ("h = tanh(a); a = W*x; f = h'*h", "W", None, matdiff.ParseError, "a is used before its definition",
     "         ^"),
    ("a = tanh(a)", "W", None, matdiff.ParseError, "a is defined in terms of itself", "         ^"),
    ("a = ; f = a", "W", None, matdiff.ParseError, "the definition of a is empty", "^^^^"),
    ("a = W*x; f =", "W", None, matdiff.ParseError, "the definition of f is empty", "         ^^^"),
    ("tr = X*X; f = tr(tr)", "X", None, matdiff.ParseError, "tr is a function and cannot be defined", "^^"),
    ("I = X*X", "X", None, matdiff.ParseError, "I is the identity and cannot be defined", "^"),
    ("W*x; f = sum(x)", "x", None, matdiff.ParseError, "only the last statement of a program may be a bare",
     "^^^"),
    ("a = W*x; f = a'*a", "a", None, matdiff.DerivativeError, "a is defined by the program; derivatives are "
     "taken with respect to its inputs (W, x)", None),
    ("a = W*x; f = a'*a where a: vector", "W", None, matdiff.DeclarationError, "a is defined by the program",
     "^"),
    ("a = W*x; f = a'*a", "W", "a: vector", matdiff.DeclarationError, "a is defined by the program", "^"),
    ("hidden = W*x; f = hiden*hidden", "W", None, matdiff.ShapeError, "did you mean hidden?", None),
    ("x'*A*x = 3", "x", None, matdiff.ParseError, "'=' defines a name", "       ^"),
    ("a == b", "a", None, matdiff.ParseError, "'==' compares", "  ^^"),
])
def test_program_errors_say_what_and_where(text, wrt, where, error, message, caret):
    with pytest.raises(error) as info:
        matdiff.derivative(text, wrt, where=where)
    rendered = str(info.value)
    assert message in rendered
    if caret is not None:
        assert rendered.splitlines()[-1].rstrip() == "  " + caret.rstrip(), rendered  # under the text, indented


def test_an_input_one_edit_from_a_defined_name_gets_a_note():
    with pytest.warns(matdiff.MatdiffWarning, match="hiden is an input .*did you mean hidden"):
        matdiff.derivative("hidden = W*x; f = hiden'*hidden", "W")


def test_indexed_names_are_not_taken_for_misspellings():
    with warnings.catch_warnings():
        warnings.simplefilter("error", matdiff.MatdiffWarning)
        matdiff.derivative("h1 = tanh(W1*x); h2 = tanh(W2*h1); f = sum(h2) + b1", "W1")


def test_an_unused_definition_gets_a_note_and_no_drop_out_talk():
    with pytest.warns(matdiff.MatdiffWarning) as notes:
        r = matdiff.derivative("hidden = W*x; f = sum(y)", "W")
    messages = [str(n.message) for n in notes]
    assert "hidden is defined but not used: f does not depend on it" in messages
    assert "f does not depend on W: its derivative is zero" in messages
    assert str(r) == "0"


@pytest.mark.parametrize("text", [
    "a = W*x\nf = a'*a",
    "a = W*x;\n\nf = a'*a;\n",
    "\n a = W*x\n f = a'*a\n",
    "a = W*x +\n  0*x\nf = a'*a",
    "a = (W*x\n  + 0*x)\nf = a'*a",
    "a = W*x\nf = a'*a\nwhere W: matrix(m, n)",
])
def test_statements_end_at_new_lines_that_do_not_continue(text):
    r = matdiff.derivative(text, "W")
    assert str(r) == "2 a xᵀ"


def test_a_single_expression_over_several_lines_is_still_one_expression():
    assert str(matdiff.derivative("x'*A*x +\n 0", "x")) == "(A + Aᵀ) x"
    assert str(matdiff.derivative("x'*A*x\n  + 0", "x")) == "(A + Aᵀ) x"  # no statement starts with '+'
    assert str(matdiff.derivative("x'*A\n  *x", "x")) == "(A + Aᵀ) x"


# -- the command line -------------------------------------------------------
NET = "a = W1*x + b1\nh = tanh(a)\nr = W2*h + b2 - y\nf = r'*r\nwhere b1: vector, b2: vector\n"


def _cli(args: list[str], capsys) -> tuple[int, str, str]:
    from matdiff.cli import main
    status = main(args)
    out = capsys.readouterr()
    return status, out.out, out.err


def test_cli_reads_a_program_from_a_file(tmp_path, capsys):
    path = tmp_path / "net.txt"
    path.write_text(NET, encoding="utf-8")
    status, out, err = _cli(["--file", str(path), "--wrt", "W1", "--wrt", "b1"], capsys)
    assert status == 0 and err == ""
    assert "∇W1 f = 2 (sech(a)∘² ∘ (W2ᵀ r)) xᵀ\n  where a = W1 x + b1, h = tanh(a), r = W2 h + b2 - y" in out
    assert "∇b1 f = 2 (sech(a)∘² ∘ (W2ᵀ r))" in out


def test_cli_reads_a_program_from_standard_input(monkeypatch, capsys):
    import io
    monkeypatch.setattr("sys.stdin", io.StringIO(NET))
    status, out, _ = _cli(["--file", "-", "--wrt", "W2", "--backprop"], capsys)
    assert status == 0 and "∇W2 f = r̄ hᵀ    (uses r̄)" in out


@pytest.mark.parametrize("args, message", [
    (["--file", "/nonexistent/net.txt", "--wrt", "x"], "cannot read /nonexistent/net.txt"),
    (["x'*x", "--file", "-", "--wrt", "x"], "give the expression or --file, not both"),
    (["--wrt", "x"], "give an expression"),
    (["x'*A*x", "--backprop"], "--backprop needs a variable"),
    (["a = W*x; h = tanh(a)", "--wrt", "W", "--backprop"], "--backprop is for a scalar f"),
    (["a = W*x; f = a'*a", "--wrt", "W", "--backprop", "--hessian"], "leave out --hessian"),
])
def test_cli_program_options_refuse_what_does_not_fit(args, message, capsys):
    status, out, err = _cli(args, capsys)
    assert status == 1 and message in err and "Traceback" not in err


def test_cli_backprop_as_json_latex_and_code(capsys):
    import json
    args = ["a = W1*x + b1; h = tanh(a); r = W2*h + b2 - y; f = r'*r", "--where", "b1: vector, b2: vector",
            "--wrt", "W1", "--wrt", "W2", "--backprop"]
    _, out, _ = _cli(args + ["--json"], capsys)
    data = json.loads(out)
    assert [g["wrt"] for g in data["gradients"]] == ["W1", "W2"] and len(data["backward"]) == 3
    _, out, _ = _cli(args + ["--latex"], capsys)
    assert out.startswith("\\begin{aligned}")
    _, out, _ = _cli(args + ["--code"], capsys)
    namespace: dict = {}
    exec(compile(out, "<backprop>", "exec"), namespace)  # noqa: S102
    values = draw("W1:4x3 x:3 b1:4 W2:2x4 b2:2 y:2", seed=8)
    gW1, gW2 = namespace["gradients_W1_W2"](**values)
    f = PROGRAMS[0][5]
    assert rel_error(gW1, numeric_gradient(lambda W: f(np, {**values, "W1": W}), values["W1"])) < 1e-6
    assert rel_error(gW2, numeric_gradient(lambda W: f(np, {**values, "W2": W}), values["W2"])) < 1e-6


def test_cli_backprop_in_ascii(monkeypatch, capsys):
    import io
    out = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    monkeypatch.setattr("sys.stdout", out)
    from matdiff.cli import main
    assert main(["a = W*x; h = tanh(a); f = sum(h)", "--wrt", "W", "--backprop"]) == 0
    out.flush()
    out.seek(0)
    text = out.read()
    assert "a_bar = sech(a).^2 .* h_bar" in text and "grad_W f = a_bar*x'" in text


def test_definitions_are_computed_in_normal_form():
    """Found at scale: a definition v = 2ᵀ generated `2.0.T`; code is printed
    from simplified trees, definitions too."""
    r = matdiff.derivative("v = (2)'; f = w'*w * v", "w")
    values = draw("w:4", seed=9)
    assert rel_error(r.lambdify()(**values), 4 * values["w"]) < 1e-12


# -- found by trying programs as users would ------------------------------------
def test_the_output_keeps_the_name_the_last_definition_gives_it(capsys):
    r = matdiff.derivative("f = W*x; g = f'*f", "W")
    assert r.output_name == "g" and r.where == "f = W x"
    assert str(r.backprop).splitlines()[2] == "  g = fᵀ f"
    status, out, _ = _cli(["f = W*x; g = f'*f", "--wrt", "W"], capsys)
    assert out.splitlines()[:3] == ["g  = fᵀ f    (scalar)", "dg = 2 fᵀ dW x", "∇W g = 2 f xᵀ"]


def test_a_bare_last_expression_is_called_f_unless_f_is_taken():
    assert matdiff.derivative("a = W*x; a'*a", "W").output_name == "f"
    assert matdiff.derivative("a = W*x; f*a'*a", "f").output_name == "f1"


def test_inputs_of_unused_definitions_are_accepted_arguments():
    with pytest.warns(matdiff.MatdiffWarning, match="u is defined but not used"):
        r = matdiff.derivative("u = A*x; v = x'*x; v", wrt="x")
    values = draw("x:3 A:2x3", seed=10)
    assert rel_error(r.lambdify()(**values), 2 * values["x"]) < 1e-12
    assert rel_error(r.backprop.lambdify()(**values), 2 * values["x"]) < 1e-12


def test_a_long_chain_of_symmetric_names_derives_without_recursion():
    program = "; ".join(["A0 = S"] + [f"A{i} = A{i - 1} + S" for i in range(1, 200)]) + "; tr(A199*A199)"
    r = matdiff.derivative(program, "S", where="S: symmetric")
    assert str(r) == "400 A199"  # f = 200² tr(S²), ∇ = 80000 S = 400 A199 (symmetric: no transpose)


def test_equal_definitions_are_written_as_the_first_name_and_listed_in_program_order():
    r = matdiff.derivative("a = exp(x); b = exp(x); c = sum(a.*a); c + sum(b)", "x")
    assert [b.name for b in r.backprop.forward] == ["a", "b", "c"]
    assert "b ∘" not in str(r) and "a" in str(r)


@pytest.mark.parametrize("wrt, where, error, message", [
    (None, None, matdiff.DerivativeError, "wrt takes a name or a list of names, not NoneType"),
    (3, None, matdiff.DerivativeError, "not int"),
    ("x", {"b": "vector"}, matdiff.ParseError, "declarations must be text"),
])
def test_python_arguments_of_the_wrong_type_are_matdiff_errors(wrt, where, error, message):
    with pytest.raises(error, match=message):
        matdiff.derivative("a = W*x; f = a'*x", wrt, where=where)


@pytest.mark.parametrize("text, message", [
    ("f = sum(W*x) == 3", "'==' compares"),
    ("a = W*x; f = (a == y)", "'==' compares"),
    ("a = W*x\nwhere W: matrix\nf = a'*a", "the 'where' declarations come last"),
])
def test_misplaced_equals_and_where_say_what_is_wrong(text, message):
    with pytest.raises(matdiff.ParseError, match=message):
        matdiff.derivative(text, "W")


def test_files_with_a_byte_order_mark_and_empty_files(tmp_path, capsys):
    marked = tmp_path / "marked.txt"
    marked.write_bytes("\ufeffa = W*x\nf = a'*a\n".encode("utf-8"))
    status, out, _ = _cli(["--file", str(marked), "--wrt", "W"], capsys)
    assert status == 0 and "∇W f = 2 a xᵀ" in out
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n", encoding="utf-8")
    status, _, err = _cli(["--file", str(empty), "--wrt", "W"], capsys)
    assert status == 1 and "holds no expression" in err


def test_a_vector_for_a_scalar_name_suggests_declaring_it():
    r = matdiff.derivative("a = W*x + b; f = sum(a)", "W")
    with pytest.raises(matdiff.EvaluationError, match="where b: vector"):
        r.lambdify()(W=np.ones((2, 2)), x=np.ones(2), b=np.ones(2))


def test_generated_docstrings_join_statements_not_lines():
    r = matdiff.derivative("a = W*x\n  + x\nf = sum(a)", "W")
    assert "a = W*x + x; f = sum(a)" in r.code()


def test_without_wrt_a_program_shows_its_definitions_and_shapes(capsys):
    status, out, _ = _cli(["a = W*x + b1; h = tanh(a); f = sum(h)", "--where", "b1: vector"], capsys)
    assert status == 0
    assert out.splitlines()[:3] == ["a = W x + b1    (vector(m))", "h = tanh(a)    (vector(m))", "expression: sum(h)"]


def test_an_identically_tied_max_in_a_program_is_refused_by_both_numeric_paths():
    """Found at scale: v = (A .- x'x) - A has equal entries; generated code saw
    the tie, the interpreter (definitions as written) got a value from
    rounding. Both evaluate definitions in normal form now."""
    r = matdiff.derivative("v = (A .- x'*x) - A; f = max(v)^2", "x")
    values = draw("A:3x4 x:4", seed=11)
    with pytest.raises(matdiff.EvaluationError, match="tie"):
        r.lambdify()(**values)
    with pytest.raises(matdiff.EvaluationError, match="tie"):
        _closed_form(r, values)


def test_a_hessian_writes_the_values_of_definitions_by_their_names():
    h = matdiff.hessian("a = W*x; h = tanh(a); f = h'*h", "x")
    assert str(h) == "2 Wᵀ ((diag(sech(a)∘⁴) - 2 diag(sech(a)∘² ∘ h∘²)) W)"  # tanh(a) is h
    values = draw("W:4x3 x:3", seed=12)
    t = np.tanh(values["W"] @ values["x"])
    s2 = 1 - t ** 2
    expected = 2 * values["W"].T @ np.diag(s2 ** 2 - 2 * s2 * t ** 2) @ values["W"]
    assert rel_error(h.lambdify()(**values), expected) < 1e-10
