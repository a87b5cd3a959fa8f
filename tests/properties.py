"""Properties of matdiff on one generated expression, each returning None when
it holds and a message when it does not (shared by the pytest suite and
tests/verify_at_scale.py)."""
from __future__ import annotations

import re
from typing import Callable

import numpy as np

import matdiff
from expressions import SIZE_VALUES, Sample
from helpers import as_program, printed
from matdiff.evaluate import Interpreter, bind
from matdiff.nodes import bound_in_order, symbols_of, unfixed_sizes
from matdiff.printing.latex import GREEK, to_latex
from matdiff.printing.text import to_input
from matdiff.simplify import simplify

ORACLE_TOLERANCE = 1e-8


class Skip(Exception):
    """The sample is outside what the property can judge (undefined values, no variable)."""


def _parse(sample: Sample):
    return matdiff.parse(sample.text, sample.where or None)


def _interpreter(sample: Sample, values: dict) -> Interpreter:
    expr = _parse(sample)
    arrays, sizes = bind(symbols_of(expr), {s.name: values[s.name] for s in symbols_of(expr)})
    return Interpreter(arrays, sizes)


def _variable(sample: Sample, rng: np.random.Generator, plain: bool = True):
    names = [s.name for s in (sample.plain_symbols() if plain else sample.symbols)]
    names = [n for n in names if f"V['{n}']" in sample.expr.code]
    if not names:
        raise Skip("no variable")
    return names[int(rng.integers(len(names)))]


def _tame(*arrays: np.ndarray, limit: float = 1e6) -> bool:
    return all(np.all(np.isfinite(a)) and np.abs(a).max(initial=0.0) < limit for a in arrays)


def oracle_gradient(sample: Sample, seed: int) -> str | None:
    """matdiff's gradient (scalar f) or Jacobian equals autograd's, which
    differentiates the independent NumPy translation, to ORACLE_TOLERANCE relative."""
    import autograd
    import autograd.numpy as anp
    rng = np.random.default_rng(seed)
    var = _variable(sample, rng)
    values = sample.values(rng)
    f = sample.function(anp)
    scalar = sample.expr.shape == ("1", "1")

    def f_of(X):
        out = f(**{**values, var: X})
        return out[0, 0] if scalar else out

    with np.errstate(all="ignore"):
        value = f(**values)
        if scalar:
            want = autograd.grad(f_of)(values[var])
        else:  # ∂F[i,j]/∂X[k,l] ordered as J[vec index (i,j), vec index (k,l)], column-major
            r, c = value.shape
            xr, xc = values[var].shape
            want = autograd.jacobian(f_of)(values[var]).transpose(1, 0, 3, 2).reshape(r * c, xr * xc)
    if not _tame(value, want):
        raise Skip("values out of range")
    r = matdiff.derivative(sample.text, wrt=var, where=sample.where or None)
    try:
        got = np.asarray(r.lambdify()(**{s.name: values[s.name] for s in r.symbols}), dtype=float)
    except matdiff.EvaluationError:
        raise Skip("matdiff refuses these values") from None
    if got.size != want.size or (not scalar and got.shape != want.shape):
        return f"{r.kind} wrt {var}: shape {got.shape}, oracle {want.shape}"
    gap = float(np.linalg.norm(got.ravel() - want.ravel()))
    # A gradient that is exactly 0 comes out of either side as rounding residue
    # (|a| + a at a < 0: autograd -8.9e-16, matdiff -0.0): judge those absolutely.
    scale = max(float(np.linalg.norm(want)), float(np.linalg.norm(got)), 1e-6 * max(1.0, float(np.abs(value).max())))
    if gap > ORACLE_TOLERANCE * scale:
        return f"{r.kind} wrt {var} = {r} differs from autograd: relative {gap / scale:.1e}"
    return None


def finite_differences(sample: Sample, seed: int) -> str | None:
    """check(): the closed form against central differences, the exact
    differential and the generated code, with any variable (structured too)."""
    rng = np.random.default_rng(seed)
    var = _variable(sample, rng, plain=False)
    r = matdiff.derivative(sample.text, wrt=var, where=sample.where or None)
    return _verdict(r.check(seed=seed), f"check wrt {var}")


def simplification_keeps_values(sample: Sample, seed: int) -> str | None:
    """simplify(f) has f's value."""
    expr = _parse(sample)
    values = sample.values(np.random.default_rng(seed))
    arrays, sizes = bind(symbols_of(expr), {s.name: values[s.name] for s in symbols_of(expr)})
    try:
        before = Interpreter(arrays, sizes)(expr)
        after = Interpreter(arrays, sizes)(simplify(expr))
    except matdiff.EvaluationError:
        raise Skip("undefined here") from None
    if not _tame(before):
        raise Skip("values out of range")
    if before.shape != after.shape or not np.allclose(before, after, rtol=1e-9, atol=1e-9):
        return "simplification changed the value"
    return None


def _program_text(expr, print_one: Callable) -> str:
    """The expression's text, after the definitions of the names it uses (a program)."""
    return "".join(f"{b.name} = {print_one(b.definition)}; " for b in bound_in_order(expr)) + print_one(expr)


def input_form_round_trips(sample: Sample, seed: int) -> str | None:
    """The printed input form (a program's with its definitions) parses back to the same tree."""
    expr = _parse(sample)
    printed = _program_text(expr, to_input)
    again = matdiff.parse(printed, sample.where or None)
    if again != expr:
        return f"printed as {printed!r}, which parses to a different tree"
    return None


def fewest_parentheses_round_trip(sample: Sample, seed: int) -> str | None:
    """Printed with the fewest parentheses the README's table allows (and
    products as juxtaposition, A(B + C)), the expression parses back to the
    same tree."""
    from fewest_parentheses import FewestParentheses
    expr = _parse(sample)
    printed = _program_text(expr, FewestParentheses(frozenset(s.name for s in sample.symbols if s.declared)))
    again = matdiff.parse(printed, sample.where or None)
    if again != expr:
        return f"printed with the fewest parentheses as {printed!r}, which parses to a different tree"
    return None


def generated_code_agrees(sample: Sample, seed: int) -> str | None:
    """The generated gradient code agrees with the tree interpreter."""
    rng = np.random.default_rng(seed)
    var = _variable(sample, rng, plain=False)
    r = matdiff.derivative(sample.text, wrt=var, where=sample.where or None)
    values = sample.values(rng)
    used = {s.name: values[s.name] for s in r.symbols}
    try:
        got = np.asarray(r.lambdify()(**used), dtype=float)
        arrays, sizes = bind(r.symbols, used)
        want = Interpreter(arrays, sizes)(r.value)
    except matdiff.EvaluationError:
        raise Skip("undefined here") from None
    if not _tame(want):
        raise Skip("values out of range")
    if got.size != want.size or not np.allclose(got.reshape(-1), want.reshape(-1), rtol=1e-9, atol=1e-9):
        return "generated code disagrees with the interpreter"
    return None


def check_rejects_results_outside_the_set(sample: Sample, seed: int) -> str | None:
    """For a structured variable X, the gradient plus a component normal to
    the set (X D − D X with D = diag(diag X) for symmetric X, X J − J X with J
    all ones for diagonal X, X itself for orthogonal X) agrees with df along
    every direction in the set, and check() must still reject it."""
    from fractions import Fraction

    from matdiff.nodes import Add, Filled, Mul, Number
    from matdiff.ops import call
    from matdiff.result import Result
    structured = [s for s in sample.symbols if s.properties and f"V['{s.name}']" in sample.expr.code]
    if not structured or sample.expr.shape != ("1", "1"):
        raise Skip("no structured variable")
    rng = np.random.default_rng(seed)
    name = structured[int(rng.integers(len(structured)))].name
    r = matdiff.derivative(sample.text, wrt=name, where=sample.where or None)
    X = r.variable
    if "orthogonal" in X.properties:
        normal = X
    else:
        D = call("diag", call("diag", X)) if "diagonal" not in X.properties else Filled(Number(Fraction(1)), X.shape)
        normal = Add((Mul((X, D)), Mul((Number(Fraction(-1)), D, X))))
    wrong = Result(r.input, r.expression, X, r.kind, r.differential_tree, Add((r.value, normal)),
                   function=r.function)
    report = wrong.check(seed=seed)
    if report.ok:
        return f"check() passed ∇ + a normal component wrt {name} ({X.properties}): {report}"
    return None


DOCUMENTED_LIMITS = ("not available", "cannot yet")  # README, "Not yet"


def is_documented_limit(error: matdiff.DerivativeError) -> bool:
    return any(words in str(error) for words in DOCUMENTED_LIMITS)


def _hessian(sample: Sample, var: str):
    """matdiff's Hessian, or Skip where it is a documented limit."""
    try:
        return matdiff.hessian(sample.text, wrt=var, where=sample.where or None)
    except matdiff.DerivativeError as e:
        if is_documented_limit(e):
            raise Skip("no second derivative here") from None
        raise


def _verdict(report, what: str) -> str | None:
    """None for a passed check, Skip where no values could be drawn, else the failure."""
    if report.ok:
        return None
    if "could not find random values" in report.message:
        raise Skip("no values in the domain")
    if "fixed by no symbol" in report.message:
        raise Skip("a size no symbol fixes")
    return f"{what} failed: {report}"


def hessian_differences(sample: Sample, seed: int) -> str | None:
    """For scalar f: the Hessian matrix, operator, d²f and generated code agree,
    and H[E] matches central differences of the gradient (Hessian.check)."""
    if sample.expr.shape != ("1", "1"):
        raise Skip("not scalar")
    rng = np.random.default_rng(seed)
    var = _variable(sample, rng, plain=False)
    return _verdict(_hessian(sample, var).check(seed=seed), f"Hessian check wrt {var}")


def oracle_hessian(sample: Sample, seed: int) -> str | None:
    """For scalar f: matdiff's Hessian matrix equals autograd's hessian of the
    independent translation (column-major vec order), to ORACLE_TOLERANCE."""
    import autograd
    import autograd.numpy as anp
    if sample.expr.shape != ("1", "1"):
        raise Skip("not scalar")
    rng = np.random.default_rng(seed)
    var = _variable(sample, rng)
    values = sample.values(rng)
    f = sample.function(anp)
    with np.errstate(all="ignore"):
        value = f(**values)
        shape = values[var].shape
        n = values[var].size
        raw = autograd.hessian(lambda X: f(**{**values, var: X})[0, 0])(values[var])
        want = raw.reshape(shape + shape).transpose(1, 0, 3, 2).reshape(n, n)
        slope = autograd.grad(lambda X: f(**{**values, var: X})[0, 0])(values[var])
    if not _tame(value, want, slope):
        raise Skip("values out of range")
    h = _hessian(sample, var)
    try:
        got = np.asarray(h.lambdify()(**{s.name: values[s.name] for s in h.symbols}), dtype=float)
    except matdiff.EvaluationError:
        raise Skip("matdiff refuses these values") from None
    if got.shape != want.shape:
        return f"Hessian wrt {var}: shape {got.shape}, oracle {want.shape}"
    gap = float(np.linalg.norm(got - want))
    scale = max(float(np.linalg.norm(want)), float(np.linalg.norm(got)),
                1e-6 * max(1.0, float(np.abs(value).max()), float(np.linalg.norm(slope))))
    if gap > ORACLE_TOLERANCE * scale:
        return f"Hessian wrt {var} = {h} differs from autograd: relative {gap / scale:.1e}"
    return None


LATEX_MACROS = {
    r"\left", r"\right", r"\operatorname", r"\mathsf", r"\otimes", r"\circ", r"\oslash", r"\frac", r"\sqrt",
    r"\det", r"\log", r"\exp", r"\sin", r"\cos", r"\tan", r"\arcsin", r"\arccos", r"\arctan", r"\tanh",
    r"\nabla", r"\partial", r"\lambda", r"\langle", r"\rangle", r"\|", r"\mathbf", r"\cdot", r"\sigma",
    r"\mathrm", r"\mathbb", r"\odot", r"\mathit", r"\backslash", r"\sinh", r"\cosh", r"\max", r"\min",
    r"\arg", r"\Phi", r"\quad", r"\text", r"\bar", r"\overline",  # a program's `where` and adjoints
    r"\begin", r"\end",  # a long result's aligned lines
} | {"\\" + name for name in GREEK}


def latex_is_well_formed(sample: Sample, seed: int) -> str | None:
    """Balanced braces and \\left/\\right pairs, only known macros."""
    rng = np.random.default_rng(seed)
    var = _variable(sample, rng, plain=False)
    r = matdiff.derivative(sample.text, wrt=var, where=sample.where or None)
    for tex in (to_latex(_parse(sample)), r.latex()):
        depth = 0
        for ch in tex.replace(r"\{", "").replace(r"\}", ""):
            depth += {"{": 1, "}": -1}.get(ch, 0)
            if depth < 0:
                return f"unbalanced braces in {tex!r}"
        if depth:
            return f"unbalanced braces in {tex!r}"
        if tex.count(r"\left") != tex.count(r"\right"):
            return f"unpaired \\left/\\right in {tex!r}"
        unknown = set(re.findall(r"\\[a-zA-Z]+|\\\|", tex)) - LATEX_MACROS
        if unknown:
            return f"unknown macros {sorted(unknown)} in {tex!r}"
    return None


def steps_hold(sample: Sample, seed: int) -> str | None:
    """The recorded steps begin with f and end with the result, each step's
    two sides agree in value at random points (Result.check_steps), and
    their LaTeX is well formed."""
    rng = np.random.default_rng(seed)
    var = _variable(sample, rng, plain=False)
    r = matdiff.derivative(sample.text, wrt=var, where=sample.where or None, steps=True)
    if r.steps[0].before not in (r.expression, r.function_tree):  # f as typed, or in its stable form
        return f"the first step is {r.steps[0].before}, not f = {r.expression}"
    if r.steps[-1].after != r.value:
        return f"the last step is {r.steps[-1].after}, not the result {r.value}"
    tex = r.steps_latex()
    if not tex.isascii() or tex.count("{") - tex.count(r"\{") != tex.count("}") - tex.count(r"\}"):
        return f"the steps' LaTeX is not well formed: {tex!r}"
    return _verdict(r.check_steps(seed=seed), f"the steps wrt {var}")


def _value_of(node, arrays, sizes):
    try:
        return np.asarray(Interpreter(arrays, sizes)(node), dtype=float)
    except matdiff.EvaluationError:
        raise Skip("undefined here") from None


def printed_results_read_back(sample: Sample, seed: int) -> str | None:
    """The printed text of the derivative and its result_input parse back,
    under the documented left-to-right rule and the declarations of the
    input's symbols (Result.declarations) and the shape the left side gives
    (∇X f has X's, ∂vec f/∂vec X is numel f × numel X), to the value printed."""
    rng = np.random.default_rng(seed)
    var = _variable(sample, rng, plain=False)
    r = matdiff.derivative(sample.text, wrt=var, where=sample.where or None)
    values = sample.values(rng)
    arrays, sizes = bind(r.symbols, {s.name: values[s.name] for s in r.symbols})
    want = _value_of(r.value, arrays, sizes)
    if not _tame(want):
        raise Skip("values out of range")
    if r.kind == "jacobian" and unfixed_sizes(r.expression, symbols_of(r.expression)):
        raise Skip("f's size is fixed by no symbol, so f cannot pin the Jacobian's shape")
    readings = {"the printed result": as_program(printed(r)), "result_input": r.to_dict()["result_input"]}
    for what, text in readings.items():
        # ∇X f = I, J = I: the left side gives the shape (X's, or numel f × numel X)
        left = var if r.kind == "gradient" else f"vec({to_input(r.expression)})*vec({var})'"
        names, _, last = text.rpartition("; ")  # a result's named parts come first, as definitions
        read = f"{names}{'; ' if names else ''}({last}) + 0*{left}"
        try:
            again = matdiff.parse(read, r.declarations or None)
        except matdiff.MatdiffError as e:
            return f"{what} {text!r} does not parse: {str(e).splitlines()[0]}"
        read_arrays, read_sizes = bind(symbols_of(again), {s.name: values[s.name] for s in symbols_of(again)})
        try:  # the sizes of all the declared symbols, also those the text does not hold
            got = np.asarray(Interpreter(read_arrays, {**sizes, **read_sizes})(again), dtype=float)
        except matdiff.EvaluationError as e:
            return f"{what} {text!r} reads back as something that cannot be evaluated: {str(e).splitlines()[0]}"
        if got.size != want.size and not (got.size == 1 and not want.any()):
            return f"{what} {text!r} reads back with shape {got.shape}, not {want.shape}"
        if not np.allclose(np.broadcast_to(got, want.shape) if got.size == 1 else got.reshape(want.shape), want,
                           rtol=1e-8, atol=1e-8 * max(1.0, float(np.abs(want).max(initial=0.0)))):
            return f"{what} {text!r} reads back as a different value"
    return None


PROPERTIES: dict[str, Callable[[Sample, int], "str | None"]] = {
    "oracle": oracle_gradient,
    "differences": finite_differences,
    "simplify": simplification_keeps_values,
    "round_trip": input_form_round_trips,
    "fewest_parentheses": fewest_parentheses_round_trip,
    "code": generated_code_agrees,
    "latex": latex_is_well_formed,
    "hessian": hessian_differences,
    "oracle_hessian": oracle_hessian,
    "outside_the_set": check_rejects_results_outside_the_set,
    "steps": steps_hold,
    "reads_back": printed_results_read_back,
}

__all__ = ["PROPERTIES", "Skip", "SIZE_VALUES"]
