"""Verification at scale: generated expressions against autograd and the other
properties of tests/properties.py, and parser fuzzing.

    python tests/verify_at_scale.py expressions --count 20000 [--seed 0] [--size 6] [--code-names] [--programs]
    python tests/verify_at_scale.py fuzz --count 100000 [--seed 0]

Expressions: seed s gives one expression (even seeds: scalar; odd: any shape);
with --code-names its symbols are renamed to names generated code uses itself;
with --programs random subexpressions become definitions of a program.
A failure prints the property, the seed, the expression and a shrunk
expression that still fails, ready to become a regression test. The oracle
property uses only what autograd differentiates (no expm/logm/sqrtm); the
others use the whole language. Fuzzing mutates known-good inputs by character
and token insertions, deletions and swaps and feeds random strings; anything
but a MatdiffError escaping, or one input taking over a second, is reported.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from expressions import CODE_NAMES, Generator, RandomChooser, as_program, shrink  # noqa: E402
from properties import PROPERTIES, Skip, is_documented_limit  # noqa: E402

import matdiff  # noqa: E402


def sample_for(seed: int, size: int, oracle_only: bool, code_names: bool = False, programs: bool = False):
    gen = Generator(RandomChooser(seed), size=size, oracle_only=oracle_only)
    sample = gen.scalar_expression() if seed % 2 == 0 else gen.expression()
    sample = sample.renamed(CODE_NAMES[seed % 3:]) if code_names else sample
    return as_program(sample, RandomChooser(seed + 10_000)) if programs else sample


def run_expressions(count: int, seed: int, size: int, names: list[str], code_names: bool = False,
                    programs: bool = False) -> int:
    stats: Counter = Counter()
    failures = 0
    started = time.perf_counter()
    for s in range(seed, seed + count):
        for name in names:
            prop = PROPERTIES[name]
            sample = sample_for(s, size, oracle_only=name.startswith("oracle"), code_names=code_names,
                                programs=programs)
            try:
                message = prop(sample, s)
            except Skip:
                stats[name, "skipped"] += 1
                continue
            except matdiff.DerivativeError as e:
                stats[name, "not differentiable"] += 1
                if not is_documented_limit(e) and "symmetric" not in str(e):
                    message = f"DerivativeError: {e}"
                else:
                    continue
            except Exception as e:  # noqa: BLE001 - anything else is a bug to report
                message = f"{type(e).__name__}: {e}"
            if message is None:
                stats[name, "passed"] += 1
                continue
            failures += 1
            stats[name, "failed"] += 1

            def fails(candidate, prop=prop, s=s):
                try:
                    return prop(candidate, s) is not None
                except Skip:
                    return False
            small = shrink(sample, fails)
            print(f"FAIL {name} seed={s}\n  expression: {sample.text}\n  where: {sample.where}\n"
                  f"  {message}\n  shrunk: {small.text}\n  where: {small.where}", flush=True)
    elapsed = time.perf_counter() - started
    for name in names:
        print(f"{name:12s} passed {stats[name, 'passed']:6d}  failed {stats[name, 'failed']:4d}  "
              f"skipped {stats[name, 'skipped']:5d}  not differentiable {stats[name, 'not differentiable']:4d}")
    print(f"{count} seeds in {elapsed:.0f} s")
    return 1 if failures else 0


SEEDS = [
    "tr(A X B)", "log(det(X))", "x'*A*x", "norm2(A*x - y)^2", "tr(X' A X)", "sum(log(vector(1) + exp(-y .* (X*w))))",
    "a*x'*x + b", "exp(x)'*y", "inv(X)*y", "A .* B ./ C", "kron(A, B)", "X^2 + X^-1", "tr(expm(X))",
    "det(X) * tr(inv(X))", "sigmoid(W*x + b)", "relu(A*x)'*relu(A*x)", "x'*y where x: vector(3), y: vector(3)",
    "diag(x)*A*diag(y)", "vec(A)'*vec(B)", "norm1(A*x - y)", "sum(eigvals(S)) where S: matrix(n,n) symmetric",
    "(x'*x)^(1/2)", "tr(A*X*Bᵀ)", "X⁻¹ + Xᵀ", "A ⊗ B ∘ C", "sqrt(x .^ 2 + vector(1))", "logdet(X' X)",
    "inner(A, X)", "sum(sin(X) .* cos(X))", "trace(adj(X))",
    "a = W*x + b; h = tanh(a); f = h'*h", "a = W*x\nh = tanh(a)\nsum(h)\nwhere W: matrix(3,4)",
    "u = A*x; v = u .* u; f = sum(v)",
]
TOKENS = ["A", "X", "x", "y", "a", "2", "0.5", "+", "-", "*", "/", ".*", "./", "^", ".^", "'", "ᵀ", "⁻¹", "²",
          "∘", "⊗", "(", ")", ",", "tr", "det", "inv", "log", "exp", "sum", "norm2", "kron", "diag", "vec",
          "vector", "matrix", "I", " ", "where", ":", "symmetric", "T", "1e308", "☃", "\t", "\n", "((", "))",
          "=", ";", "a =", "f = ", "\n\n"]


def mutate(text: str, rng: random.Random) -> str:
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(5)
        i = rng.randrange(len(text) + 1)
        if op == 0:
            text = text[:i] + rng.choice(TOKENS) + text[i:]
        elif op == 1 and text:
            j = min(len(text), i + rng.randint(1, 3))
            text = text[:i] + text[j:]
        elif op == 2 and len(text) > 1:
            j = rng.randrange(len(text))
            chars = list(text)
            chars[i % len(text)], chars[j] = chars[j], chars[i % len(text)]
            text = "".join(chars)
        elif op == 3:
            text = text[:i] + chr(rng.randrange(32, 0x2400)) + text[i:]
        else:
            text = text + rng.choice(TOKENS)
    return text


def run_fuzz(count: int, seed: int) -> int:
    rng = random.Random(seed)
    escaped = 0
    outcomes: Counter = Counter()
    slowest = (0.0, "")
    started = time.perf_counter()
    for k in range(count):
        kind = k % 3
        if kind == 0:
            text = mutate(rng.choice(SEEDS), rng)
        elif kind == 1:
            text = "".join(rng.choice(TOKENS) for _ in range(rng.randint(0, 30)))
        else:
            text = "".join(chr(rng.randrange(9, 0x2500)) for _ in range(rng.randint(0, 20)))
        t0 = time.perf_counter()
        try:
            expr = matdiff.parse(text)
            names = [s.name for s in matdiff.nodes.symbols_of(expr)]
            if names and k % 10 == 0:  # also derive now and then
                matdiff.derivative(text, wrt=names[0])
            outcomes["parsed"] += 1
        except matdiff.MatdiffError:
            outcomes["MatdiffError"] += 1
        except Exception as e:  # noqa: BLE001
            escaped += 1
            print(f"ESCAPED {type(e).__name__}: {e}\n  input: {text!r}", flush=True)
        took = time.perf_counter() - t0
        if took > slowest[0]:
            slowest = (took, text)
        if took > 1.0:
            print(f"SLOW {took:.2f} s: {text!r}", flush=True)
    elapsed = time.perf_counter() - started
    print(f"{count} inputs in {elapsed:.0f} s: {outcomes['parsed']} parsed, {outcomes['MatdiffError']} "
          f"MatdiffError, {escaped} escaped; slowest {slowest[0] * 1000:.1f} ms ({slowest[1]!r})")
    return 1 if escaped else 0


def main() -> int:
    warnings.filterwarnings("ignore")  # overflow in discarded samples, autograd's constant-output notice
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("what", choices=["expressions", "fuzz"])
    p.add_argument("--count", type=int, default=1000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--size", type=int, default=5, help="nesting depth of generated expressions")
    p.add_argument("--properties", default=",".join(PROPERTIES), help="comma-separated subset of "
                   + ", ".join(PROPERTIES))
    p.add_argument("--programs", action="store_true",
                   help="cut each expression into a program (random subexpressions become definitions)")
    p.add_argument("--code-names", action="store_true",
                   help="rename the symbols to names generated code uses itself (n, t0, np, lambda, ...)")
    args = p.parse_args()
    if args.what == "fuzz":
        return run_fuzz(args.count, args.seed)
    return run_expressions(args.count, args.seed, args.size, args.properties.split(","), args.code_names,
                           args.programs)


if __name__ == "__main__":
    sys.exit(main())
