"""Results as a person writes them: the golden table of textbook forms
(tests/textbook.py) compared as text and in value, the size of printed
results against the textbook's over the derivative table, and LaTeX that
compiles (with pdflatex where it is installed; a structural check always).
"""
from __future__ import annotations

import re
import shutil
import statistics
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import matdiff
from matdiff.check import domains, draw, draw_kind, size_names
from matdiff.evaluate import Interpreter, bind
from matdiff.nodes import Node, Symbol, symbols_of
from helpers import as_program, pdflatex_errors, printed
from properties import LATEX_MACROS
from textbook import GOLDEN

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from readability import ratios, result_inputs  # noqa: E402


def _value(node: Node, symbols: list[Symbol], arrays: dict[str, np.ndarray]) -> np.ndarray:
    used = {s.name: arrays[s.name] for s in symbols}
    return np.asarray(Interpreter(*bind(symbols, used))(node), dtype=float)


def _random_values(r: matdiff.Result, seed: int) -> dict[str, np.ndarray]:
    """Values of the result's symbols at distinct sizes (3, 4, 5, ...), each in its declared set."""
    g = np.random.default_rng(seed)
    sizes = {name: 3 + i for i, name in enumerate(size_names(r.symbols))}
    domain = domains(r.expression)
    out = {}
    for s in r.symbols:
        shape = tuple(size.coeff * int(np.prod([sizes[f] for f in size.factors])) for size in s.shape)
        out[s.name] = draw(g, shape, draw_kind(s, domain))  # type: ignore[arg-type]
    return out


@pytest.mark.parametrize("expression, wrt, where, textbook", GOLDEN, ids=[f"{g[0]} wrt {g[1]}" for g in GOLDEN])
def test_a_golden_result_prints_its_textbook_form_and_has_its_value(expression, wrt, where, textbook):
    """The printed text is the textbook's, it reads back as the value of the
    result, and the result agrees with finite differences."""
    r = matdiff.derivative(expression, wrt=wrt, where=where)
    assert printed(r) == textbook
    read = matdiff.parse(as_program(textbook), where)
    for seed in (0, 1):
        values = _random_values(r, seed)
        want = _value(r.value, r.symbols, values)
        got = _value(read, list(symbols_of(read)), values) if symbols_of(read) else None
        if got is not None:
            assert got.shape == want.shape and np.allclose(got, want, rtol=1e-10, atol=1e-12)
    assert r.check().ok


COMBINED = [  # (expression, wrt): results whose chains' scalar coefficients combine
    ("x'*inv(I + x*x')*x", "x"), ("x'*A*x/(x'*x)", "x"), ("x'*y/(norm2(x)*norm2(y))", "x"),
    ("1/((1/(1 + (d*e)^2))^2 + 1)", "e"), ("(x'*x)*(a'*x)/(1 + x'*x) - a'*x", "x"),
    ("tr(inv(I + X'*X))/(1 + tr(X'*X))", "X"), ("(x'*A*y)^2/(y'*A'*x + 1)", "x"),
]


def test_combining_scalar_coefficients_keeps_the_value():
    """The multiplied-out form with each chain's coefficient in lowest terms
    (simplify/collect.py) equals the derivative, whether or not it is the one
    printed, on every row where it applies (most of them)."""
    from matdiff.simplify.collect import collected
    where = {g[0]: g[2] for g in GOLDEN}
    combined_rows = 0
    for expression, wrt in COMBINED + [(g[0], g[1]) for g in GOLDEN]:
        r = matdiff.derivative(expression, wrt=wrt, where=where.get(expression))
        combined = collected(r.value)
        if combined is None:
            continue  # nothing to multiply out or combine (tr(A X B): Aᵀ Bᵀ)
        combined_rows += 1
        for seed in (0, 1):
            values = _random_values(r, seed)
            want = _value(r.value, r.symbols, values)
            got = _value(combined, r.symbols, values)
            assert got.shape == want.shape and np.allclose(got, want, rtol=1e-9, atol=1e-12), expression
    assert combined_rows >= 15


@pytest.mark.parametrize("written, combined", [
    ("(x'*x)*x/(1 + x'*x) - x", "-x / (1 + xᵀ x)"),      # t/(1 + t) − 1 = −1/(1 + t)
    ("(y'*x)*x + (x'*y)*x", "2 (xᵀ y) x"),                # a scalar is its own transpose
    ("x/(x'*x) - (x'*x)*x/(x'*x)^2", None),               # the coefficients cancel: nothing left
])
def test_each_chain_gets_one_coefficient_in_lowest_terms(written, combined):
    from matdiff.simplify.collect import collected
    out = collected(matdiff.parse(written))
    assert (str(out) if out is not None else None) == combined


def test_the_golden_table_holds_forty_textbook_forms():
    assert len(GOLDEN) >= 40 and len({(g[0], g[1], g[2]) for g in GOLDEN}) == len(GOLDEN)


def test_printed_results_are_as_short_as_the_textbooks():
    """Over the derivative table: result_input's tree against the textbook
    form's, median ≤ 1.1 and worst ≤ 1.5 (benchmarks/readability.py prints them)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        measured = [value for value, _ in ratios(result_inputs())]
    assert statistics.median(measured) <= 1.1 and max(measured) <= 1.5


# -- LaTeX ------------------------------------------------------------------------------------------
def _golden_latex() -> list[str]:
    return [matdiff.derivative(e, wrt=w, where=d).latex() for e, w, d, _ in GOLDEN]


def _generated_latex(count: int) -> list[str]:
    """The LaTeX of `count` derivatives of generated expressions (seeds 0, 1, ...)."""
    from expressions import Generator, RandomChooser
    out: list[str] = []
    seed = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        while len(out) < count:
            gen = Generator(RandomChooser(seed), size=5)
            sample = gen.scalar_expression() if seed % 2 == 0 else gen.expression()
            seed += 1
            names = [s.name for s in sample.symbols if f"V['{s.name}']" in sample.expr.code]
            if not names:
                continue
            try:
                out.append(matdiff.derivative(sample.text, wrt=names[seed % len(names)],
                                              where=sample.where or None).latex())
            except matdiff.DerivativeError:
                continue
    return out


def _structural_errors(tex: str) -> str | None:
    """Balanced braces and \\left/\\right, known macros, aligned blocks closed."""
    depth = 0
    for ch in tex.replace(r"\{", "").replace(r"\}", ""):
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            return "a '}' closes nothing"
    if depth:
        return "an unclosed '{'"
    if tex.count(r"\left") != tex.count(r"\right"):
        return r"unpaired \left and \right"
    if tex.count(r"\begin{aligned}") != tex.count(r"\end{aligned}"):
        return "an unclosed aligned block"
    unknown = set(re.findall(r"\\[a-zA-Z]+|\\\|", tex)) - LATEX_MACROS
    return f"unknown macros {sorted(unknown)}" if unknown else None


def test_golden_and_generated_latex_is_well_formed():
    for tex in _golden_latex() + _generated_latex(200):
        assert _structural_errors(tex) is None, (_structural_errors(tex), tex)


def test_golden_and_generated_latex_compiles_with_pdflatex(tmp_path):
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed: the structural check above runs instead")
    bodies = _golden_latex() + _generated_latex(200)
    errors = pdflatex_errors("".join(f"\\[\n{b}\n\\]\n" for b in bodies), tmp_path)
    assert errors is None, errors


@pytest.mark.parametrize("expression, wrt, where, piece", [
    ("norm2(W1)*x'*x", "x", None, r"\left\|W_{1}\right\|_F x"),
    ("norm2(x)", "x", None, r"\left\|x\right\|}"),
    ("mu*x'*x", "x", "mu: scalar", r"\mu"),
    ("-2*sigma*x'*x", "x", "sigma: scalar", r"-4 \sigma x"),
    ("sqrt(x'*x + 1)", "x", None, r"\sqrt{x^{\mathsf{T}} x + 1}"),
])
def test_latex_sets_names_norms_and_coefficients_as_a_textbook(expression, wrt, where, piece):
    r = matdiff.derivative(expression, wrt=wrt, where=where)
    assert piece in r.latex()


def test_a_long_result_is_set_on_aligned_lines():
    r = matdiff.derivative("tr(A*X'*B*X*C) + norm2(X*W - Y)^2 + tr(D*expm(X)*E) + x'*sin(X)*z + logdet(X) "
                           "+ tr(F*X*G*X*H) + norm2(tanh(X*V))^2", wrt="X")
    tex = r.latex()
    assert tex.startswith("\\begin{aligned}") and tex.count(r"\\") >= 1 and _structural_errors(tex) is None
    assert "&=" in tex.split(r"\\")[0] and tex.split(r"\\")[1].lstrip().startswith(r"&\quad")


# -- named parts ------------------------------------------------------------------------------------
def test_the_rayleigh_hessian_prints_in_textbook_form_with_f_named():
    """∇² xᵀAx/xᵀx = 2/(xᵀx) (A − f I) − 4/(xᵀx)² (A x xᵀ + x xᵀ A − 2 f x xᵀ) for symmetric A."""
    h = matdiff.hessian("x'*A*x/(x'*x)", wrt="x", where="A: symmetric")
    assert str(h) == "2 (A + 2 (2 f x xᵀ - A x xᵀ - x xᵀ A) / (xᵀ x) - f I) / (xᵀ x)"
    assert h.where == "f = xᵀ A x / (xᵀ x)" and r"\text{where } f =" in h.latex()
    g = np.random.default_rng(3)
    x, B = g.standard_normal((5, 1)), g.standard_normal((5, 5))
    A = B + B.T
    t = (x.T @ x).item()
    R = (x.T @ A @ x).item() / t
    textbook = 2 / t * (A - R * np.eye(5)) - 4 / t**2 * (A @ x @ x.T + x @ x.T @ A - 2 * R * x @ x.T)
    assert np.allclose(h.lambdify()(x=x, A=A), textbook, rtol=1e-10)
    assert h.check().ok


def test_a_name_never_takes_a_symbols_name():
    r = matdiff.derivative("softmax(s)", wrt="s")  # s is taken: the name is s1
    assert (str(r), r.where) == ("diag(s1) - s1 s1ᵀ", "s1 = softmax(s)")
    r = matdiff.derivative("f'*A*f/(f'*f)", wrt="f", where="f: vector")  # f is an input: the value is f1
    assert (str(r), r.where) == ("(A + Aᵀ - 2 f1 I) f / (fᵀ f)", "f1 = fᵀ A f / (fᵀ f)")
    r = matdiff.derivative("softmax(x)", wrt="x", where="x: vector(s)")  # nor a size's name
    assert r.where == "s1 = softmax(x)"


def test_a_program_keeps_its_own_names():
    r = matdiff.derivative("a = softmax(x); f = a'*a", wrt="x")
    assert r.where == "a = softmax(x)"


def test_named_parts_appear_in_every_output(capsys):
    from matdiff.cli import main
    r = matdiff.derivative("softmax(x)", wrt="x", steps=True)
    assert r.to_dict()["where"] == [{"name": "s", "value": "softmax(x)"}]
    assert r.to_dict()["result_input"] == "s = softmax(x); diag(s) - s*s'"
    assert r"\text{where } s = \operatorname{softmax}" in r.latex()
    assert "name the repeated parts: s = softmax(x)" in r.steps_text()
    assert "where s = softmax(x)" in r.code()
    assert main(["softmax(x)", "--wrt", "x"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].strip() == "where s = softmax(x)"


def test_a_name_never_takes_a_program_s_names_or_its_output_s():
    r = matdiff.derivative("s = A*y; f = softmax(x) .* s", wrt="x")
    assert r.where == "s = A y, s1 = softmax(x)" and r.check().ok
    assert matdiff.derivative("s = 2*softmax(x)", wrt="x").where == "s1 = softmax(x)"
    r = matdiff.derivative("g = x'*A*x/(x'*x)", wrt="x")  # f is called g: so is the name of its value
    assert (str(r), r.where) == ("(A + Aᵀ - 2 g I) x / (xᵀ x)", "g = xᵀ A x / (xᵀ x)")


def test_a_block_hessian_says_what_its_names_stand_for():
    assert str(matdiff.hessian("x'*A*x/(x'*x)", wrt="x,A")).endswith("\n  where f = xᵀ A x / (xᵀ x)")


def test_combining_coefficients_gives_up_on_long_products_of_sums():
    """(1 + a + yᵀy)⁸ ⋯ (1 + d + yᵀy)⁸ multiplied out would have 9⁴ terms: the result stays as written."""
    r = matdiff.derivative("x'*x + x'*x/((1+a+y'*y)^8*(1+b+y'*y)^8*(1+c+y'*y)^8*(1+d+y'*y)^8)", wrt="x")
    assert str(r) == "2 (x + x / ((1 + a + yᵀ y)⁸ (1 + b + yᵀ y)⁸ (1 + c + yᵀ y)⁸ (1 + d + yᵀ y)⁸))"


def test_a_long_sum_sets_its_khatri_rao_terms_by_name_too():
    from matdiff.printing.latex import equation
    r = matdiff.derivative("eigvals(S) + S*x", wrt="S", where="S: symmetric")
    tex = equation("J", r.value, width=10)  # the aligned form, term by term
    assert r"\begin{aligned}" in tex and r"\odot" in tex and "diag" not in tex
