"""The command line: `matdiff EXPR [--wrt X] [--where W] [--latex|--json|--code] [--check]`.
Input errors go to stderr with exit status 1 and no traceback."""
from __future__ import annotations

import argparse
import json
import sys
import warnings
from typing import TYPE_CHECKING, Sequence

from .version import __version__
from .errors import MatdiffError, MatdiffWarning
from .terminal import Terminal, flush_or_fail, unwritable

if TYPE_CHECKING:  # the CLI imports the library only when it runs (a fast --help)
    from .result import Result

OPERATORS = """\
operators, loosest first (one level associates to the left, as in MATLAB):
  a + b, a - b, .+, .-    sum, difference (shapes agree, or a scalar acts on every entry: 1 + exp(x))
  A * B, A B, 2x          matrix product; a scalar factor scales
  A / c                   division by a scalar
  A \\ B                   solve(A, B) = A⁻¹B for a square A
  A .* B, A ∘ B, A ./ B   entry-wise product and quotient
  A ⊗ B, kron(A, B)       Kronecker product
  -a                      negation (-x^2 is -(x^2))
  A^k, A²                 matrix power of a square matrix (integer k); a^b for scalars
  A^-1, A⁻¹, inv(A)       inverse;  A⁻ᵀ inverse transpose
  A^T, A', Aᵀ             transpose
  A .^ p                  entry-wise power

names: a-g scalars, h-z column vectors, A-Z matrices unless declared;
  I and eye are the identity, vector(c) and matrix(c) are filled with c.
declarations: EXPR where A: matrix(n,n) symmetric, x: vector(n), c: scalar
  kinds scalar, vector(n), matrix(m,n); properties symmetric, spd, diagonal,
  orthogonal, invertible.
programs: definitions separated by ';' or new lines, the last one (or a bare
  last expression) is f:  a = W1*x + b1; h = tanh(a); r = W2*h - y; f = r'*r
  A line goes on to the next inside parentheses, after an operator, or when the
  next starts with one. f is called by the last definition's name (loss = ...).
  Derivatives are with respect to the inputs; --backprop shows the backward pass
  (with --code: one function for every --wrt, one forward and one backward pass).
"""


def function_help() -> str:
    from .ops import REGISTRY
    lines = ["functions:"]
    width = max(len(name) for name, fn in REGISTRY.items() if fn.public) + 1
    for fam, title in (("elementwise", "entry-wise"), ("reduction", "to scalars"), ("matrix", "matrix"),
                       ("construct", "constructors")):
        lines.append(f"  {title}:")
        for name, fn in REGISTRY.items():
            if fn.public and fn.family == fam:
                alias = f" (also {', '.join(fn.aliases)})" if fn.aliases else ""
                lines.append(f"    {name:{width}s}{fn.summary}{alias}")
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="matdiff",
        description="Symbolic matrix differential calculus: derivatives of matrix expressions "
                    "as differentials df = f'(X)[dX], gradients, Jacobians and Hessians.",
        epilog=OPERATORS + "\n" + function_help() + "\n\nexamples:\n"
               "  matdiff \"tr(A X B)\" --wrt X\n"
               "  matdiff \"x'*A*x\" --wrt x --where \"A: matrix(n,n) symmetric\"\n"
               "  matdiff \"log(det(X))\" --wrt X --latex\n"
               "  matdiff \"tr(A X B)\" --wrt X --steps   (the derivation; --steps=brief, with --latex for align*)\n"
               "  matdiff \"norm2(A*x - y)^2\" --wrt x --check\n"
               "  matdiff \"tr(X' A X)\" --wrt X --hessian\n"
               "  matdiff \"-x'*x\" --wrt x        (an expression may begin with -)\n"
               "  matdiff \"tr(expm(X))\" --wrt X    (expm, logm, sqrtm need SciPy)\n"
               "  matdiff \"a = W*x; h = tanh(a); f = sum(h)\" --wrt W --backprop\n"
               "  matdiff --file net.txt --wrt W1 --wrt b1   (a program in a file; - reads standard input)\n",
        formatter_class=argparse.RawDescriptionHelpFormatter, allow_abbrev=False)
    p.add_argument("expression", nargs="?",
                   help="the matrix expression, e.g. \"tr(A X B)\", or a program (a = W*x; f = a'*a)")
    p.add_argument("--file", metavar="PATH",
                   help="read the expression or program from a file (- for standard input) instead")
    p.add_argument("--wrt", action="append", metavar="X",
                   help="the variable to differentiate with respect to (repeat or separate by commas "
                        "for several); without it, matdiff shows the parsed expression and its shape")
    p.add_argument("--where", action="append", metavar="DECLS",
                   help="declarations, e.g. \"A: matrix(n,n) symmetric, c: scalar\" (repeat to add more)")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--latex", action="store_true", help="print LaTeX")
    out.add_argument("--json", action="store_true", help="print one JSON object (a list for several --wrt)")
    out.add_argument("--code", nargs="?", const="numpy", choices=CODE_BACKENDS, metavar="BACKEND",
                     help="print a standalone module: one function returning the derivative for every --wrt, "
                          "for numpy (the default), jax or torch")
    p.add_argument("--with-value", action="store_true",
                   help="with --code: the function returns f's value first, computed with the derivatives "
                        "(what scipy.optimize.minimize(jac=True) takes)")
    p.add_argument("--check", action="store_true",
                   help="verify against central finite differences at random values (exit 1 on failure)")
    p.add_argument("--hessian", action="store_true",
                   help="the second derivative of a scalar f: d²f, the Hessian operator H[dX] and its "
                        "matrix against column-major vec (block by block for several --wrt)")
    p.add_argument("--backprop", action="store_true",
                   help="the reverse-mode program of a scalar f: its definitions, one adjoint per definition "
                        "from f back to the inputs, then each --wrt variable's gradient (one shared pass)")
    p.add_argument("--steps", nargs="?", const="full", choices=STEP_FORMS, metavar="brief",
                   help="show the derivation step by step, each rule with its identity and source "
                        "(--steps=brief: the rule names and the lines that change the form of the answer)")
    p.add_argument("--version", action="version", version=f"matdiff {__version__}")
    return p


NEEDS_WRT = ("check", "code", "hessian", "backprop", "steps")
CODE_BACKENDS = ("numpy", "jax", "torch")
STEP_FORMS = ("full", "brief")


def _expression_first(argv: Sequence[str], parser: argparse.ArgumentParser) -> list[str]:
    """argv with an expression that begins with '-' (-x'*x) marked as one: a
    leading space, which argparse does not read as an option and the parser ignores."""
    options = {s for action in parser._actions for s in action.option_strings}
    takes_value = {s for action in parser._actions if action.nargs is None and action.option_strings
                   and not isinstance(action, (argparse._StoreTrueAction, argparse._VersionAction))
                   for s in action.option_strings}
    out: list[str] = []
    expecting_value = False
    for i, arg in enumerate(argv):
        if len(arg) >= 4 and "--code".startswith(arg) and (i + 1 == len(argv) or argv[i + 1] not in CODE_BACKENDS):
            following = argv[i + 1] if i + 1 < len(argv) else ""
            if following.isidentifier() and following.islower() and _has_expression(argv, i + 1, takes_value):
                parser.error(f"there is no code backend {following!r}: choose one of {', '.join(CODE_BACKENDS)}")
            arg = "--code=numpy"  # the next word is not a backend: the expression, say
        if arg == "--steps" and (i + 1 == len(argv) or argv[i + 1] not in STEP_FORMS):
            arg = "--steps=full"  # the next word is the expression, not a form of the steps
        name = arg.split("=", 1)[0]
        if not expecting_value and arg.startswith("-") and arg != "-" and name not in options:
            arg = " " + arg
        expecting_value = arg in takes_value
        out.append(arg)
    return out


def _has_expression(argv: Sequence[str], skip: int, takes_value: set[str]) -> bool:
    """Whether argv holds a positional word (the expression) besides argv[skip]."""
    expecting_value = False
    for i, arg in enumerate(argv):
        if expecting_value:
            expecting_value = False
        elif arg.split("=", 1)[0] in takes_value:
            expecting_value = "=" not in arg
        elif i != skip and not arg.startswith("--"):
            return True
    return False


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(_expression_first(sys.argv[1:] if argv is None else argv, parser))
    if args.expression is not None and args.expression.startswith(" -"):
        args.expression = args.expression[1:]
    terminal = Terminal()
    try:
        with warnings.catch_warnings(record=True) as notes:
            warnings.simplefilter("always", MatdiffWarning)
            try:
                args.expression = _input_text(args)
                status = _run(args, terminal)
            except MatdiffError as e:
                terminal.err(e.render())
                status = 1
        for note in notes:
            if issubclass(note.category, MatdiffWarning):
                terminal.err(f"note: {note.message}")
    except OSError as e:  # stdout cannot be written (/dev/full, a closed pipe)
        unwritable(terminal, e)
        return 1
    return status if flush_or_fail(terminal) else 1


def _run(args: argparse.Namespace, terminal: Terminal) -> int:
    from . import api
    from .nodes import symbols_of
    from .printing.latex import to_latex
    from .printing.program import definitions_used
    from .printing.text import to_input, to_text
    from .result import BlockHessian, Hessian
    from .shapes import shape_text

    show = terminal.expression
    if args.with_value and not args.code:
        raise UsageError("--with-value says what --code returns: add --code")
    if not args.wrt:
        missing = [f"--{flag}" for flag in NEEDS_WRT if getattr(args, flag)]
        if missing:
            raise UsageError(f"{' and '.join(missing)} {'needs' if len(missing) == 1 else 'need'} a variable: "
                             f"add --wrt X")
        expr = api.parse(args.expression, args.where)
        _note_unused(api.declared_names(args.where), symbols_of(expr), [])
        symbols = [{"name": s.name, "shape": shape_text(s.shape), "properties": sorted(s.properties)}
                   for s in symbols_of(expr)]
        if args.json:
            terminal.out(json.dumps({"input": args.expression, "expression": to_input(expr), "text": to_text(expr),
                                     "shape": shape_text(expr.shape), "latex": to_latex(expr), "symbols": symbols},
                                    ensure_ascii=not terminal.unicode, indent=2))
            return 0
        if args.latex:
            terminal.out(to_latex(expr))
            return 0
        for defined in definitions_used(expr):  # a program: its definitions, each with its shape
            terminal.out(f"{defined.name} = {show(defined.definition)}    ({shape_text(defined.shape)})")
        terminal.out(f"expression: {show(expr)}")
        terminal.out(f"input form: {to_input(expr)}")
        terminal.out(f"shape:      {shape_text(expr.shape)}")
        for s in symbols_of(expr):
            props = f" {' '.join(sorted(s.properties))}" if s.properties else ""
            terminal.out(f"  {s.name}: {shape_text(s.shape)}{props}")
        return 0
    if args.steps and (args.code or args.backprop):
        raise UsageError("--steps shows the derivation; leave out --code and --backprop")
    wrt = ",".join(args.wrt)
    results: list = []
    if args.hessian:
        if args.steps and "," in wrt:
            raise UsageError("--steps with --hessian shows one variable's Hessian: give one --wrt")
        second = api.hessian(args.expression, wrt=wrt, where=args.where, steps=bool(args.steps))
        results = [b for row in second.blocks for b in row] if isinstance(second, BlockHessian) else [second]
    else:
        first = api.derivative(args.expression, wrt=wrt, where=args.where, steps=bool(args.steps))
        results = first if isinstance(first, list) else [first]
    _note_unused(api.declared_names(args.where), symbols_of(results[0].expression), [r.variable for r in results])
    if args.backprop:
        return _backprop(results, args, terminal)
    status = 0
    if args.json:
        payload = [r.to_dict() for r in results]
        for r, obj in zip(results, payload):
            if args.steps:
                obj["steps"] = [step_dict(s) for s in r.steps]
                if args.check:
                    steps_report = r.check_steps()
                    obj["steps_check"] = {"ok": steps_report.ok, "worst_error": steps_report.worst_error}
                    status |= 0 if steps_report.ok else 1
            if args.check:
                report = r.check()
                obj["check"] = {"ok": report.ok, "worst_error": report.worst_error}
                status |= 0 if report.ok else 1
        terminal.out(json.dumps(payload[0] if len(payload) == 1 else payload, ensure_ascii=not terminal.unicode,
                                indent=2))
        return status
    if args.code:
        from .printing.code import generate_module
        from .result import joint_code_function
        if any(isinstance(r, Hessian) for r in results):
            functions = [r.code_function(with_value=args.with_value) for r in results]
        else:
            functions = [joint_code_function(results, args.with_value)]
        terminal.out(generate_module(functions, args.code), end="")
        return _checks(results, args.check, terminal)
    if args.steps and args.latex:  # one align* body for all the variables
        terminal.out(" \\\\[1ex]\n".join(r.steps_latex(args.steps == "brief") for r in results))
        return _checks(results, args.check, terminal)
    for i, r in enumerate(results):
        if i:
            terminal.out()
        with r.printing():
            status |= _result(r, args, terminal)
    return status


def _result(r: Result, args: argparse.Namespace, terminal: Terminal) -> int:
    """One result's lines, its check and its steps' check."""
    from .printing.program import where_text
    from .result import Hessian
    show = terminal.expression
    status = 0
    if args.steps:
        terminal.out(r.steps_text(args.steps == "brief"))
    elif args.latex:
        terminal.out(r.latex())
    elif isinstance(r, Hessian):
        f = r.output_name
        pair = r.variable.name + ("" if r.column == r.variable else r.column.name)
        terminal.out(f"{f:<{len(f) + 1}} = {show(r.expression)}    ({r.shape})")
        terminal.out(f"d²{f} = {show(r.differential_tree)}")
        terminal.out(f"H[d{r.column.name}] = {show(r.operator_tree)}")
        on_vec = any(not v.shape[1].is_one for v in (r.variable, r.column))
        terminal.out(f"∇²{pair} {f} = {show(r.value)}" + ("    (against column-major vec)" if on_vec else ""))
    else:
        f = r.output_name
        name = f"∇{r.variable.name} {f}" if r.kind == "gradient" else f"J = ∂vec({f})/∂vec({r.variable.name})"
        terminal.out(f"{f:<{len(f) + 1}} = {show(r.expression)}    ({r.shape})")
        terminal.out(f"d{f} = {show(r.differential_tree)}")
        terminal.out(f"{name} = {show(r.value)}")
    if r.definitions and not args.latex:
        terminal.out(f"  where {where_text(r.definitions, ascii=not terminal.unicode)}")
    status |= _checks([r], args.check, terminal)
    if args.steps and args.check:
        report = r.check_steps()
        (terminal.out if report.ok else terminal.err)(f"steps {report}")
        status |= 0 if report.ok else 1
    return status


def _backprop(results: list, args: argparse.Namespace, terminal: Terminal) -> int:
    """The backward pass, once for all the variables that share it."""
    from .backprop import Backprop
    from .result import Hessian
    if any(isinstance(r, Hessian) for r in results):
        raise UsageError("--backprop shows the backward pass of a gradient; leave out --hessian")
    if any(r.kind != "gradient" for r in results):
        raise UsageError("--backprop is for a scalar f; this one's derivative is a Jacobian")
    shared = {id(r.backprop_pass): r.backprop_pass for r in results if r.backprop_pass is not None}
    passes = list(shared.values()) or [Backprop.of_gradients(results)]
    for i, backward in enumerate(passes):
        if i:
            terminal.out()
        if args.json:
            terminal.out(json.dumps(backward.to_dict(), ensure_ascii=not terminal.unicode, indent=2))
        elif args.code:
            terminal.out(backward.code(backend=args.code, with_value=args.with_value), end="")
        elif args.latex:
            terminal.out(backward.latex())
        else:
            terminal.out(backward.text(ascii=not terminal.unicode))
    return _checks(results, args.check, terminal)


def step_dict(step) -> dict:
    """One step as JSON: the rule, its identity and source, both sides as text."""
    from .printing.text import to_text
    return {"rule": step.rule, "identity": step.identity, "source": step.source, "before": to_text(step.before),
            "after": to_text(step.after), "relation": step.relation, "level": step.level, "brief": step.key}


def _input_text(args: argparse.Namespace) -> str:
    """The expression of the command line, or the text of --file (- is standard input)."""
    if args.file is None:
        if args.expression is None:
            raise UsageError("give an expression, e.g. matdiff \"tr(A X B)\" --wrt X, or a file with --file")
        return args.expression
    if args.expression is not None:
        raise UsageError("give the expression or --file, not both")
    try:
        if args.file == "-":
            text = sys.stdin.read()
        else:
            with open(args.file, encoding="utf-8-sig") as handle:  # -sig: a byte-order mark is not text
                text = handle.read()
    except OSError as e:
        raise UsageError(f"cannot read {args.file}: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise UsageError(f"cannot read {args.file}: it is not UTF-8 text") from None
    if not text.strip():
        raise UsageError(f"{'standard input' if args.file == '-' else args.file} holds no expression")
    return text.lstrip("\ufeff")


def _note_unused(declared: list[str], symbols: list, variables: list) -> None:
    """A --where declaration of a symbol the expression does not have is
    probably a typo: say so."""
    present = {s.name for s in symbols} | {v.name for v in variables}
    for name in declared:
        if name not in present:
            warnings.warn(f"{name} is declared in --where but does not appear in the expression", MatdiffWarning)


def _checks(results: list, wanted: bool, terminal: Terminal) -> int:
    """Run check() on each result, printing its report; 1 if any failed."""
    status = 0
    for r in results if wanted else ():
        report = r.check()
        (terminal.out if report.ok else terminal.err)(str(report))
        status |= 0 if report.ok else 1
    return status


class UsageError(MatdiffError):
    """Options that do not fit together."""


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
