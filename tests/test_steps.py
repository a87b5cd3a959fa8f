"""Step-by-step derivations (SPEC §8): golden derivations in text and LaTeX,
every step of them true in value, LaTeX that compiles, the steps API and CLI."""
from __future__ import annotations

import json
from fractions import Fraction
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

import matdiff
from matdiff.calculus.steps import (
    DIFFERENTIAL, EQUAL, PROJECTED, READ_GRADIENT, READ_JACOBIAN, VECTORIZED, Step,
)
from matdiff.cli import main
from matdiff.identities import Rule
from matdiff.nodes import DifferentialOf, Mul, Number
from matdiff.printing.steps import identity_latex
from helpers import pdflatex_errors

GOLDEN = Path(__file__).parent / "golden" / "steps"

# id -> (expression, wrt, where, "derivative" or "hessian"): together every kind of step.
CASES = {
    "trace_AXB": ("tr(A*X*B)", "X", None, "derivative"),                # linearity, cyclic trace, read off
    "logdet": ("log(det(X))", "X", None, "derivative"),                 # stable form, d log det (Cookbook 43)
    "det": ("det(X)", "X", None, "derivative"),                         # d det X (Cookbook 42)
    "quadratic_symmetric": ("x'*A*x", "x", "A: matrix(n,n) symmetric", "derivative"),  # product rule, terms
    "logistic_loss": ("-(y'*log(sigmoid(X*w)) + (vector(1)-y)'*log(vector(1)-sigmoid(X*w)))", "w", None,
                      "derivative"),                                    # chain rule, parts, Hadamard, factor
    "inverse_symmetric": ("tr(inv(X)*A)", "X", "X: matrix(n,n) symmetric", "derivative"),  # d X⁻¹, projection
    "expm": ("tr(A*expm(X))", "X", None, "derivative"),                 # the Fréchet derivative
    "eigenvalue": ("eigmax(S)", "S", "S: matrix(n,n) symmetric", "derivative"),  # dλ = vᵀ dS v
    "trace_power": ("tr(X^3)", "X", None, "derivative"),                # a function's shortcut rule
    "least_squares": ("norm2(A*x - b)^2", "x", None, "derivative"),     # power rule, norm rule
    "softmax_cross_entropy": ("-y'*log(softmax(z))", "z", None, "derivative"),  # filled vectors, logsumexp
    "jacobian_AXB": ("A*X*B", "X", None, "derivative"),                 # vec(A dX B) = (Bᵀ ⊗ A) vec(dX)
    "jacobian_transpose": ("X'", "X", None, "derivative"),              # the commutation matrix
    "jacobian_hadamard": ("x .* exp(x)", "x", None, "derivative"),      # vec(C ∘ dX) = diag(vec C) vec(dX)
    "hessian_trace": ("tr(X'*A*X)", "X", None, "hessian"),              # d(∇f), the operator, its matrix
    "program_two_layer": ("a = W1*x + b1; h = tanh(a); r = W2*h - y; f = r'*r", "W1", None,
                          "derivative"),                                # one block per definition, pullbacks
}


def _derive(case: str, steps: bool = True):
    text, wrt, where, kind = CASES[case]
    if kind == "hessian":
        return matdiff.hessian(text, wrt, where, steps=steps)
    return matdiff.derivative(text, wrt, where, steps=steps)


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden_steps_in_text(case):
    assert _derive(case).steps_text() + "\n" == (GOLDEN / f"{case}.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden_steps_in_latex(case):
    assert _derive(case).steps_latex() + "\n" == (GOLDEN / f"{case}.tex").read_text(encoding="utf-8")


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_golden_step_holds_in_value(case):
    report = _derive(case).check_steps(trials=3)
    assert report.ok and report.trials == 3, str(report)


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_steps_begin_with_f_and_end_with_the_result(case):
    r = _derive(case)
    assert r.steps[0].before == r.expression
    assert r.steps[-1].after == r.value


def test_the_first_step_of_a_program_whose_stable_form_reads_the_same_is_that_form():
    r = matdiff.derivative("v_2 = log(det(B1)); v_2", "B1", "B1: matrix(p,p)", steps=True)
    assert r.steps[0].before in (r.expression, r.function_tree) and r.check_steps().ok


def test_the_golden_set_shows_every_kind_of_step():
    rules = {s.rule for case in CASES for s in _derive(case).steps}
    relations = {s.relation for case in CASES for s in _derive(case).steps}
    for wanted in ("sum rule", "product rule", "constant factors", "transpose", "inverse", "det rule",
                   "logdet rule", "expm rule", "eigmax rule", "chain rule (sigmoid)", "simplify",
                   "cyclic property of the trace", "write as tr(Gᵀ dX)", "collect as ⟨∇f, dX⟩",
                   "read off the gradient", "project onto the symmetric matrices", "vec of a product",
                   "commutation matrix", "vec of an entry-wise product", "read off the Jacobian",
                   "the Hessian operator", "pullback", "factor", "stable form", "the parts above"):
        assert any(wanted in rule for rule in rules), wanted
    assert relations == {EQUAL, DIFFERENTIAL, PROJECTED, READ_GRADIENT, READ_JACOBIAN, VECTORIZED}


# -- LaTeX: a structural check always, pdflatex where it is installed --------------------------
def latex_problems(body: str) -> list[str]:
    """What would stop an align* body from compiling, found without LaTeX."""
    problems = []
    if not body.isascii():
        problems.append("non-ASCII characters: " + "".join(sorted({c for c in body if not c.isascii()})))
    if body.count("{") - body.count(r"\{") != body.count("}") - body.count(r"\}"):
        problems.append("unbalanced braces")
    if body.count(r"\left") != body.count(r"\right"):
        problems.append(r"unbalanced \left and \right")
    for row in body.split(" \\\\\n"):
        if row.count("&=") != 1:
            problems.append(f"a row without exactly one '&=': {row[:60]}")
        if re.search(r"\^\{[^{}]*\}\^", row):
            problems.append(f"a double superscript: {row[:60]}")
    if "?" in re.sub(r"\\text\{[^{}]*\}", "", body):
        problems.append("an untranslated character (?)")
    return problems


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden_latex_is_well_formed(case):
    assert latex_problems(_derive(case).steps_latex()) == []


def test_every_identity_a_step_can_cite_translates_to_latex():
    from matdiff.calculus import adjoint, differential, steps, vectorize
    from matdiff.ops import REGISTRY
    from matdiff.structures import STRUCTURES
    identities = [f.identity for f in REGISTRY.values()] + [f.shortcut_identity for f in REGISTRY.values()]
    identities += [s.projection_identity for s in STRUCTURES.values()]
    for module in (adjoint, differential, steps, vectorize):
        for value in vars(module).values():
            found = value.values() if isinstance(value, dict) else [value]
            identities += [r.identity for r in found if isinstance(r, Rule)]
    for identity in filter(None, identities):
        out = identity_latex(identity)
        assert out.isascii() and "?" not in out, (identity, out)
        assert out.count("{") == out.count("}"), (identity, out)


def test_golden_latex_compiles_with_pdflatex(tmp_path):
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed: the structural check above runs instead")
    bodies = [_derive(case).steps_latex() for case in sorted(CASES)]
    bodies += [_derive(case).steps_latex(brief=True) for case in sorted(CASES)]
    errors = pdflatex_errors("".join(f"\\begin{{align*}}\n{b}\n\\end{{align*}}\n" for b in bodies), tmp_path)
    assert errors is None, errors


# -- the steps are the derivation's own ----------------------------------------------------------
def test_steps_are_recorded_only_when_asked_for():
    r = matdiff.derivative("tr(A*X*B)", "X")
    assert r.recorded_steps is None  # nothing recorded while deriving
    asked = matdiff.derivative("tr(A*X*B)", "X", steps=True)
    assert r.steps == asked.steps and r.recorded_steps is not None


def test_asking_for_steps_does_not_change_any_result():
    for case in CASES:
        with_steps, without = _derive(case, steps=True), _derive(case, steps=False)
        assert with_steps.value == without.value and with_steps.differential_tree == without.differential_tree


def test_a_step_that_lies_fails_the_check():
    r = matdiff.derivative("tr(A*X*B)", "X", steps=True)
    steps = list(r.steps)
    i = next(k for k, s in enumerate(steps) if s.rule == "constant factors")
    steps[i] = steps[i]._replace(after=Mul((Number(Fraction(2)), steps[i].after)))  # twice the truth
    lying = replace(r, recorded_steps=tuple(steps))
    report = lying.check_steps()
    assert not report.ok and "constant factors" in report.message


def test_a_read_off_that_lies_fails_the_check():
    r = matdiff.derivative("tr(A*X*B)", "X", steps=True)
    steps = list(r.steps)
    steps[-1] = steps[-1]._replace(after=matdiff.parse("B*A", "B: matrix(p, m), A: matrix(m, p)"))
    report = replace(r, recorded_steps=tuple(steps)).check_steps()
    assert not report.ok


def test_each_step_names_its_rule_identity_and_source():
    steps = matdiff.derivative("det(X)", "X", steps=True).steps
    det = next(s for s in steps if s.rule == "det rule")
    assert det.identity == "d det X = det(X) tr(X⁻¹ dX)" and det.source == "Cookbook (42)"
    assert isinstance(det, Step) and isinstance(det.before, DifferentialOf)
    assert str(det.before) == "d det(X)" and str(det.after) == "det(X) tr(X⁻¹ dX)"


def test_a_part_with_several_steps_is_grouped_under_it():
    steps = matdiff.derivative("tr(X*A*X') + sum(exp(X))", "X", steps=True).steps
    grouped = [s for s in steps if s.level == 1]
    assert {str(s.target) for s in grouped} >= {"tr(X A Xᵀ)", "sum(exp(X))"}
    text = matdiff.derivative("tr(X*A*X') + sum(exp(X))", "X", steps=True).steps_text()
    assert "\n  d tr(X A Xᵀ) = tr(d(X A Xᵀ))" in text


def test_brief_steps_show_rule_names_and_the_lines_that_change_the_answer():
    r = matdiff.derivative("x'*A*x", "x", "A: matrix(n,n) symmetric", steps=True)
    assert r.steps_text(brief=True) == (
        "   f = xᵀ A x\n"
        "  df = d(xᵀ A x)    take the differential\n"
        "     = (2 A x)ᵀ dx  collect as ⟨∇f, dX⟩\n"
        "∇x f = 2 A x        read off the gradient")


def test_steps_of_a_jacobian_through_a_function():
    r = matdiff.derivative("inv(X)", "X", steps=True)
    assert r.check_steps().ok and r.steps[-1].relation == READ_JACOBIAN


# -- the command line ------------------------------------------------------------------------------
def test_cli_prints_the_steps(capsys):
    assert main(["tr(A*X*B)", "--wrt", "X", "--steps"]) == 0
    out = capsys.readouterr().out
    assert out == (GOLDEN / "trace_AXB.txt").read_text(encoding="utf-8")


def test_cli_brief_steps(capsys):
    assert main(["x'*A*x", "--wrt", "x", "--where", "A: matrix(n,n) symmetric", "--steps=brief"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("∇x f = 2 A x")


def test_cli_latex_steps(capsys):
    assert main(["--steps", "--latex", "log(det(X))", "--wrt", "X"]) == 0
    assert capsys.readouterr().out == (GOLDEN / "logdet.tex").read_text(encoding="utf-8")


def test_cli_json_steps(capsys):
    assert main(["det(X)", "--wrt", "X", "--steps", "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert found["steps"][0]["before"] == "det(X)" and found["steps"][-1]["after"] == found["result"]
    assert {"rule", "identity", "source", "before", "after", "relation", "level"} <= set(found["steps"][1])


def test_cli_hessian_steps(capsys):
    assert main(["tr(X'*A*X)", "--wrt", "X", "--hessian", "--steps"]) == 0
    assert capsys.readouterr().out == (GOLDEN / "hessian_trace.txt").read_text(encoding="utf-8")


def test_cli_steps_with_check_checks_the_steps_too(capsys):
    assert main(["tr(A*X*B)", "--wrt", "X", "--steps", "--check"]) == 0
    out = capsys.readouterr().out
    assert "steps check passed" in out and "\ncheck passed" in out


@pytest.mark.parametrize("argv, message", [
    (["tr(X)", "--steps"], "--steps needs a variable"),
    (["tr(X)", "--wrt", "X", "--steps", "--code"], "leave out --code"),
    (["a = W*x; f = sum(a)", "--wrt", "W", "--steps", "--backprop"], "leave out --code and --backprop"),
    (["x'*A*y", "--wrt", "x,y", "--hessian", "--steps"], "one variable"),
])
def test_cli_refuses_steps_with_what_they_do_not_fit(argv, message, capsys):
    assert main(argv) == 1
    assert message in capsys.readouterr().err


def test_cli_rejects_an_unknown_form_of_steps(capsys):
    with pytest.raises(SystemExit):
        main(["tr(X)", "--wrt", "X", "--steps=long"])
    assert "invalid choice" in capsys.readouterr().err


@pytest.mark.parametrize("case", ["program_two_layer", "trace_power", "expm", "inverse_symmetric"])
def test_steps_on_a_terminal_without_unicode_are_plain_ascii(case):
    import os
    import sys
    text, wrt, where, _ = CASES[case]
    args = [text, "--wrt", wrt, "--steps"] + (["--where", where] if where else [])
    done = subprocess.run([sys.executable, "-m", "matdiff", *args], capture_output=True, timeout=60,
                          env={**os.environ, "PYTHONIOENCODING": "ascii"})
    assert done.returncode == 0 and b"Traceback" not in done.stderr
    out = done.stdout.decode("ascii")
    assert "\\x" not in out and "\\u" not in out, out  # every sign has an ASCII spelling
    assert "\ngrad_" in out


@pytest.mark.parametrize("text, wrt", [
    ("tr(A)", "X"),                 # f does not depend on X
    ("x", "x"),                     # f is the variable
    ("2*a", "a"),                   # scalars
    ("x'*x", "y"),                  # a variable f does not contain
    ("tr(X)*tr(X)", "X"),           # a repeated part, derived once
])
def test_steps_of_the_smallest_derivations_hold(text, wrt):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", matdiff.MatdiffWarning)
        r = matdiff.derivative(text, wrt, steps=True)
    assert r.steps[0].before == r.expression and r.steps[-1].after == r.value
    assert r.check_steps().ok
    assert all(str(s.before) != str(s.after) or s.relation != EQUAL for s in r.steps)  # no line repeats its own


def test_steps_of_a_program_shared_by_two_variables():
    rs = matdiff.derivative("a = W1*x + b1; h = tanh(a); f = sum(h)", ["W1", "b1"], "b1: vector", steps=True)
    for r in rs:
        assert r.check_steps().ok
        blocks = [s for s in r.steps if s.rule.startswith("definition of")]
        assert [str(s.target) for s in blocks] == ["a", "h"]  # each definition once, in program order
    assert "= dW1 x + db1" in rs[0].steps_text()  # the backward pass is shared: both directions show


def test_lazy_steps_of_a_shared_backward_pass_are_the_eager_ones():
    program, wrt = "a = W1*x + b1; h = tanh(a); f = sum(h)", ["W1", "b1"]
    lazy = matdiff.derivative(program, wrt, "b1: vector")
    eager = matdiff.derivative(program, wrt, "b1: vector", steps=True)
    assert [r.steps for r in lazy] == [r.steps for r in eager]


def test_the_steps_cached_on_a_result_are_no_part_of_its_equality():
    r, again = matdiff.derivative("tr(A*X*B)", "X"), matdiff.derivative("tr(A*X*B)", "X")
    before = hash(r)
    assert r.steps and r.recorded_steps is not None
    assert hash(r) == before and r == again and r in {again}


def test_a_program_gradient_that_lies_fails_the_check():
    """The read-off ties the backward pass's gradient to the forward pass's df."""
    r = matdiff.derivative("a = W1*x + b1; h = tanh(a); r = W2*h - y; f = r'*r", "W1", steps=True)
    steps = list(r.steps)
    i = next(k for k, s in enumerate(steps) if s.relation == READ_GRADIENT)
    steps[i] = steps[i]._replace(after=Mul((Number(Fraction(2)), steps[i].after)))
    assert not replace(r, recorded_steps=tuple(steps)).check_steps().ok


def test_a_step_whose_sides_differ_in_shape_is_named():
    r = matdiff.derivative("tr(A*X*B)", "X", steps=True)
    steps = list(r.steps)
    steps[2] = steps[2]._replace(after=r.variable)  # a matrix where the line is a scalar
    report = replace(r, recorded_steps=tuple(steps)).check_steps()
    assert not report.ok and "sides have shapes" in report.message


def test_a_definition_that_is_a_name_alone_has_steps():
    for text, wrt in [("a = x'*x; f = a", "x"), ("v_0 = 3*a0; v_0", "a0")]:
        r = matdiff.derivative(text, wrt, steps=True)
        assert r.check_steps().ok and r.steps[-1].after == r.value


def test_block_hessian_steps_are_refused_clearly():
    with pytest.raises(matdiff.DerivativeError, match="one variable's Hessian"):
        matdiff.hessian("x'*A*y", "x, y", steps=True)


def test_cli_json_steps_with_check(capsys):
    assert main(["det(X)", "--wrt", "X", "--steps", "--json", "--check"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert found["steps_check"]["ok"] and found["check"]["ok"]
    assert [s["brief"] for s in found["steps"]].count(True) >= 2


def test_cli_latex_steps_of_several_variables_are_one_align_body(capsys):
    assert main(["x'*A*y", "--wrt", "x,y", "--steps", "--latex"]) == 0
    body = capsys.readouterr().out.rstrip("\n")
    assert latex_problems(body.replace(" \\\\[1ex]\n", " \\\\\n")) == [] and "\n\n" not in body


def test_the_differential_of_a_solve_keeps_its_parentheses():
    r = matdiff.derivative("y'*(A\\x)", "A", steps=True)
    assert "yᵀ d(A \\ x)" in r.steps_text() and r.check_steps().ok


def test_lazy_steps_of_a_hessian_are_the_eager_ones():
    lazy = matdiff.hessian("tr(X'*A*X)", "X")
    assert lazy.recorded_steps is None
    assert lazy.steps == matdiff.hessian("tr(X'*A*X)", "X", steps=True).steps
