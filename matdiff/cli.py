"""The command line: `matdiff EXPR [--wrt X] [--where W] [--latex|--json|--code] [--check]`.
Input errors go to stderr with exit status 1 and no traceback."""
from __future__ import annotations

import argparse
import json
import sys
from typing import Sequence

from .errors import MatdiffError

OPERATORS = """\
operators, loosest first (one level associates to the left, as in MATLAB):
  a + b, a - b            sum, difference (shapes must agree; scalars are not broadcast)
  A * B, A B, 2x          matrix product; a scalar factor scales
  A / c                   division by a scalar
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
"""


def function_help() -> str:
    from .ops import REGISTRY, STRUCTURAL
    lines = ["functions:"]
    for fam, title in (("elementwise", "entry-wise"), ("reduction", "to scalars"), ("matrix", "matrix")):
        lines.append(f"  {title}:")
        for name, fn in REGISTRY.items():
            if fn.public and fn.family == fam:
                alias = f" (also {', '.join(fn.aliases)})" if fn.aliases else ""
                lines.append(f"    {name:8s} {fn.summary}{alias}")
    lines.append("  constructors:")
    for name, summary in STRUCTURAL.items():
        lines.append(f"    {name:8s} {summary}")
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
               "  matdiff \"norm2(A*x - y)^2\" --wrt x --check\n"
               "  matdiff \"tr(X' A X)\" --wrt X --hessian\n"
               "  matdiff \"tr(expm(X))\" --wrt X    (expm, logm, sqrtm need SciPy)\n",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("expression", help="the matrix expression, e.g. \"tr(A X B)\"")
    p.add_argument("--wrt", action="append", metavar="X",
                   help="the variable to differentiate with respect to (repeat or separate by commas "
                        "for several); without it, matdiff shows the parsed expression and its shape")
    p.add_argument("--where", metavar="DECLS", help="declarations, e.g. \"A: matrix(n,n) symmetric, c: scalar\"")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--latex", action="store_true", help="print LaTeX")
    out.add_argument("--json", action="store_true", help="print one JSON object (a list for several --wrt)")
    out.add_argument("--code", action="store_true", help="print a standalone NumPy function")
    p.add_argument("--check", action="store_true",
                   help="verify against central finite differences at random values (exit 1 on failure)")
    p.add_argument("--hessian", action="store_true",
                   help="the second derivative of a scalar f: d²f, the Hessian operator H[dX] and its "
                        "matrix against column-major vec (block by block for several --wrt)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _run(args)
    except MatdiffError as e:
        print(e.render(), file=sys.stderr)
        return 1


def _run(args: argparse.Namespace) -> int:
    from . import api
    from .nodes import symbols_of
    from .printing.text import to_input, to_text
    from .result import BlockHessian, Hessian
    from .shapes import shape_text

    if not args.wrt:
        expr = api.parse(args.expression, args.where)
        print(f"expression: {to_text(expr)}")
        print(f"input form: {to_input(expr)}")
        print(f"shape:      {shape_text(expr.shape)}")
        for s in symbols_of(expr):
            props = f" {' '.join(sorted(s.properties))}" if s.properties else ""
            print(f"  {s.name}: {shape_text(s.shape)}{props}")
        return 0
    wrt = ",".join(args.wrt)
    results: list = []
    if args.hessian:
        second = api.hessian(args.expression, wrt=wrt, where=args.where)
        results = [b for row in second.blocks for b in row] if isinstance(second, BlockHessian) else [second]
    else:
        first = api.derivative(args.expression, wrt=wrt, where=args.where)
        results = first if isinstance(first, list) else [first]
    status = 0
    if args.json:
        payload = [r.to_json() for r in results]
        for r, obj in zip(results, payload):
            if args.check:
                report = r.check()
                obj["check"] = {"ok": report.ok, "worst_error": report.worst_error}
                status |= 0 if report.ok else 1
        print(json.dumps(payload[0] if len(payload) == 1 else payload, ensure_ascii=False, indent=2))
        return status
    for i, r in enumerate(results):
        if i:
            print()
        if args.latex:
            print(r.latex())
        elif args.code:
            print(r.code(), end="")
        elif isinstance(r, Hessian):
            pair = r.variable.name + ("" if r.column == r.variable else r.column.name)
            print(f"f  = {to_text(r.expression)}    ({r.shape})")
            print(f"d²f = {r.differential}")
            print(f"H[d{r.column.name}] = {r.operator}")
            on_vec = any(not v.shape[1].is_one for v in (r.variable, r.column))
            print(f"∇²{pair} f = {r}" + ("    (against column-major vec)" if on_vec else ""))
        else:
            name = "∇" + r.variable.name + " f" if r.kind == "gradient" else f"J = ∂vec(f)/∂vec({r.variable.name})"
            print(f"f  = {to_text(r.expression)}    ({r.shape})")
            print(f"df = {r.differential}")
            print(f"{name} = {r}")
        if args.check:
            report = r.check()
            print(report, file=sys.stdout if report.ok else sys.stderr)
            status |= 0 if report.ok else 1
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
