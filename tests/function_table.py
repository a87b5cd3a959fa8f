"""One row per public function of the registry, read by every test that walks
it (shapes in test_grammar, generated code in test_outputs, the forms in
test_registry): adding a function is its record in one `ops/` module and its
row here. A public function without a row is a red test.
"""
from __future__ import annotations

from dataclasses import dataclass

import matdiff
from matdiff.nodes import Node, Symbol
from matdiff.ops import REGISTRY, call
from matdiff.shapes import ONE, Size

# The symbols rows are written in.
DECL = "A: matrix(3,4), B: matrix(4,5), C: matrix(5,3), S: matrix(4,4), x: vector(4), y: vector(3), c: scalar"
# The symbols of the compound uses, differentiated with respect to X.
USE_DECL = "X: matrix(3,4), B: matrix(3,4)"


@dataclass(frozen=True)
class Row:
    call: str   # a call on the symbols of DECL
    shape: str  # its shape, as shape_text prints it
    use: str    # one compound use in X and B: code, interpreter and differences must agree


FUNCTIONS: dict[str, Row] = {
    "inv": Row("inv(S)", "matrix(4, 4)", "sum(inv(X*X' + B*B') * B)"),
    "kron": Row("kron(A, B)", "matrix(12, 20)", "sum(kron(X, B) .* kron(B, X))"),
    "khatri_rao": Row("khatri_rao(A, S)", "matrix(12, 4)", "sum(khatri_rao(X, B) .* khatri_rao(B, X))"),
    "vector": Row("x + vector(c)", "vector(4)", "sum(vec(X) .* (vec(B) + vector(2)))"),
    "matrix": Row("A + matrix(c)", "matrix(3, 4)", "sum(X .* (B + matrix(3)))"),
    "sin": Row("sin(A)", "matrix(3, 4)", "sum(sin(X + B))"),
    "cos": Row("cos(A)", "matrix(3, 4)", "sum(cos(X + B))"),
    "tan": Row("tan(A)", "matrix(3, 4)", "sum(tan((X + B)/10))"),
    "arcsin": Row("arcsin(A)", "matrix(3, 4)", "sum(arcsin((X + B)/10))"),
    "arccos": Row("arccos(A)", "matrix(3, 4)", "sum(arccos((X + B)/10))"),
    "arctan": Row("arctan(A)", "matrix(3, 4)", "sum(arctan(X + B))"),
    "exp": Row("exp(A)", "matrix(3, 4)", "sum(exp(X + B))"),
    "log": Row("log(A)", "matrix(3, 4)", "sum(log(X .* X + B .* B))"),
    "sqrt": Row("sqrt(A)", "matrix(3, 4)", "sum(sqrt(X .* X + B .* B))"),
    "tanh": Row("tanh(A)", "matrix(3, 4)", "sum(tanh(X + B))"),
    "abs": Row("abs(A)", "matrix(3, 4)", "sum(abs(X + B))"),
    "sign": Row("sign(A)", "matrix(3, 4)", "sum(sign(X + B) .* X)"),
    "sinh": Row("sinh(A)", "matrix(3, 4)", "sum(sinh(X + B))"),
    "cosh": Row("cosh(A)", "matrix(3, 4)", "sum(cosh(X + B))"),
    "sech": Row("sech(A)", "matrix(3, 4)", "sum(sech(X + B))"),
    "log1p": Row("log1p(A)", "matrix(3, 4)", "sum(log1p(X .* X + B .* B))"),
    "expm1": Row("expm1(A)", "matrix(3, 4)", "sum(expm1(X + B))"),
    "softplus": Row("softplus(A)", "matrix(3, 4)", "sum(softplus(X + B))"),
    "step": Row("step(A)", "matrix(3, 4)", "sum(step(X + B) .* X)"),
    "relu": Row("relu(A)", "matrix(3, 4)", "sum(relu(X + B))"),
    "sigmoid": Row("sigmoid(A)", "matrix(3, 4)", "sum(sigmoid(X + B))"),
    "logsumexp": Row("logsumexp(A)", "scalar", "logsumexp(X + B) + logsumexp(vec(X))"),
    "softmax": Row("softmax(x)", "vector(4)", "sum(softmax(vec(X + B)) .* vec(B))"),
    "max": Row("max(A)", "scalar", "max(X + 2*B) + min(vec(X))"),
    "min": Row("min(x)", "scalar", "min(X + 2*B) + max(vec(X))"),
    "mean": Row("mean(A)", "scalar", "mean((X + B) .* X)"),
    "numel": Row("numel(A)", "scalar", "numel(X + B) * sum(X - B)"),
    "solve": Row("solve(S, A')", "matrix(4, 3)", "sum(solve(X*X' + B*B', X + B))"),
    "chol": Row("chol(S)", "matrix(4, 4)", "sum(chol(X*X' + B*B') * B)"),
    "eigmax": Row("eigmax(S)", "scalar", "eigmax(X*X' + B*B')"),
    "eigmin": Row("eigmin(S)", "scalar", "eigmin(X*X' + B*B')"),
    "svdvals": Row("svdvals(A)", "vector(3)", "sum(svdvals(X + B) .* vector(3))"),
    "nucnorm": Row("nucnorm(A)", "scalar", "nucnorm(X + B)"),
    "opnorm": Row("opnorm(A)", "scalar", "opnorm(X + B)"),
    "tr": Row("tr(S)", "scalar", "tr(X*B' + B*X')"),
    "det": Row("det(S)", "scalar", "det(X*B' + B*X')"),
    "logdet": Row("logdet(S)", "scalar", "logdet(X*X' + B*B')"),
    "adj": Row("adj(S)", "matrix(4, 4)", "sum(adj(X*B'))"),
    "diag": Row("diag(S)", "vector(4)", "sum(diag(X*B') .* diag(X*X'))"),
    "vec": Row("vec(A)", "vector(12)", "sum(vec(X + B) .* vec(B))"),
    "sum": Row("sum(A)", "scalar", "sum(X + B)"),
    "norm1": Row("norm1(A)", "scalar", "norm1(X + B)"),
    "norm2": Row("norm2(A)", "scalar", "norm2(X + B)"),
    "inner": Row("inner(A, A)", "scalar", "inner(X + B, X - B)"),
    "expm": Row("expm(S)", "matrix(4, 4)", "sum(expm(X*B'/10) * B)"),
    "logm": Row("logm(S)", "matrix(4, 4)", "tr(logm(X*X' + B*B') * B*B')"),
    "sqrtm": Row("sqrtm(S)", "matrix(4, 4)", "sum(sqrtm(X*X' + B*B') * B)"),
    "eigvals": Row("eigvals(S)", "vector(4)", "eigvals(X*X')' * eigvals(B*B')"),
    "eye": Row("eye(4)", "matrix(4, 4)", "sum(eye(3) * X .* B)"),
    "commutation": Row("commutation(3, 4)", "matrix(12, 12)", "sum(commutation(3, 4) * vec(X) .* vec(B))"),
    # the functions results are written in (Fréchet derivatives, factors, indicators)
    "kron_left_adjoint": Row("kron_left_adjoint(kron(A, B), B)", "matrix(3, 4)",
                             "sum(kron_left_adjoint(exp(kron(X, B)), B) .* X)"),
    "kron_right_adjoint": Row("kron_right_adjoint(kron(A, B), A)", "matrix(4, 5)",
                              "sum(kron_right_adjoint(exp(kron(B, X)), B) .* X)"),
    "chol_phi": Row("chol_phi(S)", "matrix(4, 4)", "sum(chol_phi(X*B') .* (X*B'))"),
    "logaddexp": Row("logaddexp(c, c)", "scalar", "sum(logaddexp(X, B))"),
    "hypot": Row("hypot(c, c)", "scalar", "sum(hypot(X, B))"),
    "onehot_max": Row("onehot_max(A)", "matrix(3, 4)", "sum(onehot_max(B) .* X)"),
    "onehot_min": Row("onehot_min(A)", "matrix(3, 4)", "sum(onehot_min(B) .* X)"),
    "eigvecs": Row("eigvecs(S)", "matrix(4, 4)", "sum(eigvecs(B*B') .* (X*B'))"),
    "eigvec_max": Row("eigvec_max(S)", "vector(4)", "eigvec_max(B*B')' * X * B' * eigvec_max(B*B')"),
    "eigvec_min": Row("eigvec_min(S)", "vector(4)", "eigvec_min(B*B')' * X * B' * eigvec_min(B*B')"),
    "svd_u": Row("svd_u(A)", "matrix(3, 3)", "sum(svd_u(B) * svd_u(B)' * X)"),
    "svd_v": Row("svd_v(A)", "matrix(4, 3)", "sum(X * svd_v(B) * svd_v(B)')"),
    "svd_polar": Row("svd_polar(A)", "matrix(3, 4)", "sum(svd_polar(B) .* X)"),
    "svd_u1": Row("svd_u1(A)", "vector(3)", "svd_u1(B)' * X * svd_v1(B)"),
    "svd_v1": Row("svd_v1(A)", "vector(4)", "sum(X * svd_v1(B))"),
}
for _f, _M in (("expm", "B*B'/10"), ("logm", "B*B' + I"), ("sqrtm", "B*B' + I")):  # _M: in the function's domain
    FUNCTIONS.update({
        f"frechet_{_f}": Row(f"frechet_{_f}(S, S)", "matrix(4, 4)", f"sum(frechet_{_f}({_M}, X*B'))"),
        f"frechet2_{_f}": Row(f"frechet2_{_f}(S, S, S)", "matrix(4, 4)", f"sum(frechet2_{_f}({_M}, X*B', B*B'))"),
        f"kron_form_{_f}": Row(f"kron_form_{_f}(S)", "matrix(16, 16)", f"sum(kron_form_{_f}({_M}) * vec(X*B'))"),
        f"kron_form2_{_f}": Row(f"kron_form2_{_f}(S, S)", "matrix(16, 16)",
                                f"sum(kron_form2_{_f}({_M}, B*B') * vec(X*B'))"),
    })

# Internal functions are built by the passes, not typed: a sample call is on
# n×n symbols unless its arguments are listed here.
_N = Size(1, ("n",))
INTERNAL_ARGUMENTS = {
    "unvec": lambda: ((Symbol("v", (_N * _N, ONE)),), (_N, _N)),
    "softmax": lambda: ((Symbol("v", (_N, ONE)),), None),
}


def public_names() -> list[str]:
    return [n for n, f in REGISTRY.items() if f.public]


def sample(name: str) -> Node:
    """A node of any registered function: its row's call (public) or a call on
    n×n symbols (internal)."""
    fn = REGISTRY[name]
    if fn.public:
        return matdiff.parse(FUNCTIONS[name].call, where=DECL)
    if name in INTERNAL_ARGUMENTS:
        args, shape = INTERNAL_ARGUMENTS[name]()
        return call(name, *args, shape=shape)
    X = Symbol("X", (_N, _N))
    return call(name, *[X] * fn.arity)
