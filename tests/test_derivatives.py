"""The derivative table: matrixcalculus.org examples, MIT 18.063 lecture
examples and Matrix Cookbook formulas (equation numbers of the 2012 edition),
each checked numerically at distinct sizes against a hand-written formula or
central differences of a plain NumPy f, and many printed forms compared as text.
"""
from __future__ import annotations

import numpy as np
import pytest

import matdiff
from helpers import draw, numeric_gradient, numeric_jacobian, printed, rel_error

inv, det, tr = np.linalg.inv, np.linalg.det, np.trace
sig = lambda t: 1 / (1 + np.exp(-t))  # noqa: E731


def _softmax(u: np.ndarray) -> np.ndarray:
    e = np.exp(u - u.max())
    return e / e.sum()


# id, expression, wrt, where, symbols, f (NumPy, for central differences),
# expected closed form (NumPy) or None, expected text or None
ROWS = [
    # ---- matrixcalculus.org documentation examples
    ("mc-quadratic", "x'*A*x", "x", None, "x:4 A:4x4", lambda d: d["x"] @ d["A"] @ d["x"],
     lambda d: (d["A"] + d["A"].T) @ d["x"], "(A + Aᵀ) x"),
    ("mc-half-quadratic", "0.5*x'*A*x", "x", None, "x:4 A:4x4", lambda d: 0.5 * d["x"] @ d["A"] @ d["x"],
     lambda d: 0.5 * (d["A"] + d["A"].T) @ d["x"], "0.5 (A + Aᵀ) x"),
    ("mc-yv-x", "(y.*v)'*x", "x", None, "y:4 v:4 x:4", lambda d: (d["y"] * d["v"]) @ d["x"],
     lambda d: d["y"] * d["v"], "y ∘ v"),
    ("mc-a-pow-b-a", "a^b", "a", None, "a:s:pos b:s", lambda d: d["a"] ** d["b"],
     lambda d: d["b"] * d["a"] ** (d["b"] - 1), None),
    ("mc-a-pow-b-b", "a^b", "b", None, "a:s:pos b:s", lambda d: d["a"] ** d["b"],
     lambda d: d["a"] ** d["b"] * np.log(d["a"]), "a^b log(a)"),
    ("mc-norm1", "norm1(A*x-y)", "x", None, "A:5x3 x:3 y:5", lambda d: np.abs(d["A"] @ d["x"] - d["y"]).sum(),
     lambda d: d["A"].T @ np.sign(d["A"] @ d["x"] - d["y"]), "Aᵀ sign(A x - y)"),
    ("mc-least-squares", "norm2(A*x-y)^2", "x", None, "A:4x3 x:3 y:4",
     lambda d: np.sum((d["A"] @ d["x"] - d["y"]) ** 2), lambda d: 2 * d["A"].T @ (d["A"] @ d["x"] - d["y"]),
     "2 Aᵀ (A x - y)"),
    ("mc-logistic", "sum(log(exp(-y.*(X*w)) + vector(1)))", "w", None, "X:6x3 y:6 w:3",
     lambda d: np.sum(np.log(np.exp(-d["y"] * (d["X"] @ d["w"])) + 1)),
     lambda d: -d["X"].T @ (d["y"] * sig(-d["y"] * (d["X"] @ d["w"]))), "-Xᵀ (sigmoid(-(y ∘ (X w))) ∘ y)"),
    ("mc-tr-AXtBXC", "tr(A*X'*B*X*C)", "X", None, "A:2x3 X:4x3 B:4x4 C:3x2",
     lambda d: tr(d["A"] @ d["X"].T @ d["B"] @ d["X"] @ d["C"]),
     lambda d: d["B"] @ d["X"] @ d["C"] @ d["A"] + d["B"].T @ d["X"] @ d["A"].T @ d["C"].T,
     "B X C A + Bᵀ X Aᵀ Cᵀ"),
    ("mc-logdet-inv", "log(det(inv(X)))", "X", None, "X:4x4:inv", lambda d: np.log(det(inv(d["X"]))),
     lambda d: -inv(d["X"]).T, "-X⁻ᵀ"),
    ("mc-front-x", "x'*A*x + c*sin(y)'*x", "x", None, "x:3 A:3x3 c:s y:3",
     lambda d: d["x"] @ d["A"] @ d["x"] + d["c"] * np.sin(d["y"]) @ d["x"],
     lambda d: (d["A"] + d["A"].T) @ d["x"] + d["c"] * np.sin(d["y"]), None),
    ("mc-front-y", "x'*A*x + c*sin(y)'*x", "y", None, "x:3 A:3x3 c:s y:3",
     lambda d: d["x"] @ d["A"] @ d["x"] + d["c"] * np.sin(d["y"]) @ d["x"],
     lambda d: d["c"] * np.cos(d["y"]) * d["x"], "c (cos(y) ∘ x)"),
    ("mc-front-c", "x'*A*x + c*sin(y)'*x", "c", None, "x:3 A:3x3 c:s y:3",
     lambda d: d["x"] @ d["A"] @ d["x"] + d["c"] * np.sin(d["y"]) @ d["x"],
     lambda d: np.sin(d["y"]) @ d["x"], "sin(y)ᵀ x"),
    ("mc-exp-quadratic", "exp(-x'*x)", "x", None, "x:4", lambda d: np.exp(-d["x"] @ d["x"]),
     lambda d: -2 * np.exp(-d["x"] @ d["x"]) * d["x"], None),
    ("mc-XtX-trace", "tr(X'*X)", "X", None, "X:3x5", lambda d: np.sum(d["X"] ** 2), lambda d: 2 * d["X"], "2 X"),
    # ---- MIT 18.063 lecture examples
    ("mit-grad-tr", "tr(X)", "X", None, "X:4x4", lambda d: tr(d["X"]), lambda d: np.eye(4), "I"),
    ("mit-frobenius", "norm2(A)", "A", None, "A:3x4", lambda d: np.linalg.norm(d["A"]),
     lambda d: d["A"] / np.linalg.norm(d["A"]), "A / norm2(A)"),
    ("mit-xAy-wrt-A", "x'*A*y", "A", None, "x:3 A:3x4 y:4", lambda d: d["x"] @ d["A"] @ d["y"],
     lambda d: np.outer(d["x"], d["y"]), "x yᵀ"),
    ("mit-xAy-unicode", "xᵀ A y", "A", None, "x:5 A:5x2 y:2", lambda d: d["x"] @ d["A"] @ d["y"],
     lambda d: np.outer(d["x"], d["y"]), "x yᵀ"),
    ("mit-det", "det(A)", "A", None, "A:4x4:inv", lambda d: det(d["A"]), lambda d: det(d["A"]) * inv(d["A"]).T,
     "det(A) A⁻ᵀ"),
    ("mit-logdet", "log(det(A))", "A", None, "A:3x3:inv", lambda d: np.log(det(d["A"])), lambda d: inv(d["A"]).T,
     "A⁻ᵀ"),
    ("mit-logdet-fn", "logdet(A)", "A", None, "A:3x3:inv", lambda d: np.log(det(d["A"])), lambda d: inv(d["A"]).T,
     "A⁻ᵀ"),
    ("mit-xtx", "x'x", "x", None, "x:5", lambda d: d["x"] @ d["x"], lambda d: 2 * d["x"], "2 x"),
    ("mit-norm-x", "norm2(x)", "x", None, "x:4", lambda d: np.linalg.norm(d["x"]),
     lambda d: d["x"] / np.linalg.norm(d["x"]), "x / norm2(x)"),
    ("mit-X2-jacobian", "X^2", "X", None, "X:3x3", lambda d: d["X"] @ d["X"],
     lambda d: np.kron(np.eye(3), d["X"]) + np.kron(d["X"].T, np.eye(3)), "eye(m) ⊗ X + Xᵀ ⊗ eye(m)"),
    ("mit-XX-jacobian", "X X", "X", None, "X:4x4", lambda d: d["X"] @ d["X"],
     lambda d: np.kron(np.eye(4), d["X"]) + np.kron(d["X"].T, np.eye(4)), "Xᵀ ⊗ eye(m) + eye(m) ⊗ X"),
    ("mit-X3-jacobian", "X^3", "X", None, "X:3x3", lambda d: d["X"] @ d["X"] @ d["X"], None, None),
    ("mit-Xinv-jacobian", "X^-1", "X", None, "X:3x3:inv", lambda d: inv(d["X"]),
     lambda d: -np.kron(inv(d["X"]).T, inv(d["X"])), "-(X⁻ᵀ ⊗ X⁻¹)"),
    ("mit-inv-jacobian", "inv(X)", "X", None, "X:2x2:inv", lambda d: inv(d["X"]),
     lambda d: -np.kron(inv(d["X"]).T, inv(d["X"])), "-(X⁻ᵀ ⊗ X⁻¹)"),
    ("mit-AXB-jacobian", "A*X*B", "X", None, "A:2x3 X:3x4 B:4x5", lambda d: d["A"] @ d["X"] @ d["B"],
     lambda d: np.kron(d["B"].T, d["A"]), "Bᵀ ⊗ A"),
    ("mit-Ax-jacobian", "A x", "x", None, "A:3x5 x:5", lambda d: d["A"] @ d["x"], lambda d: d["A"], "A"),
    ("mit-exp-jacobian", "exp(x)", "x", None, "x:4", lambda d: np.exp(d["x"]), lambda d: np.diag(np.exp(d["x"])),
     "diag(exp(x))"),
    ("mit-Aexp-jacobian", "A*exp(x)", "x", None, "A:3x5 x:5", lambda d: d["A"] @ np.exp(d["x"]),
     lambda d: d["A"] @ np.diag(np.exp(d["x"])), "A diag(exp(x))"),
    ("mit-transpose-jacobian", "X'", "X", None, "X:3x4", lambda d: d["X"].T, None, "commutation(m, n)"),
    ("mit-XtX-jacobian", "X'*X", "X", None, "X:4x3", lambda d: d["X"].T @ d["X"], None, None),
    # ---- Matrix Cookbook, section 2.4-2.8 (equation numbers of the 2012 edition)
    ("cb-49-det", "det(X)", "X", None, "X:3x3:inv", lambda d: det(d["X"]), lambda d: det(d["X"]) * inv(d["X"]).T,
     "det(X) X⁻ᵀ"),
    ("cb-51-det-AXB", "det(A*X*B)", "X", None, "A:3x3:inv X:3x3:inv B:3x3:inv",
     lambda d: det(d["A"] @ d["X"] @ d["B"]), lambda d: det(d["A"] @ d["X"] @ d["B"]) * inv(d["X"]).T, None),
    ("cb-57-logdet", "log(det(X))", "X", None, "X:4x4:inv", lambda d: np.log(det(d["X"])), lambda d: inv(d["X"]).T,
     "X⁻ᵀ"),
    ("cb-55-logdet-XtX", "log(det(X'*X))", "X", None, "X:5x3", lambda d: np.log(det(d["X"].T @ d["X"])),
     lambda d: 2 * d["X"] @ inv(d["X"].T @ d["X"]), None),
    ("cb-61-aXinvb", "a'*inv(X)*b", "X", "a: vector(n), b: vector(n)", "a:3 X:3x3:inv b:3",
     lambda d: d["a"] @ inv(d["X"]) @ d["b"], lambda d: -inv(d["X"]).T @ np.outer(d["a"], d["b"]) @ inv(d["X"]).T,
     "-X⁻ᵀ a bᵀ X⁻ᵀ"),
    ("cb-63-trAXinvB", "tr(A*inv(X)*B)", "X", None, "A:3x4 X:4x4:inv B:4x3",
     lambda d: tr(d["A"] @ inv(d["X"]) @ d["B"]), lambda d: -(inv(d["X"]) @ d["B"] @ d["A"] @ inv(d["X"])).T,
     "-X⁻ᵀ Aᵀ Bᵀ X⁻ᵀ"),
    ("cb-69-aXb", "a'*X*b", "X", "a: vector(m), b: vector(n)", "a:3 X:3x4 b:4",
     lambda d: d["a"] @ d["X"] @ d["b"], lambda d: np.outer(d["a"], d["b"]), "a bᵀ"),
    ("cb-70-aXtb", "a'*X'*b", "X", "a: vector(n), b: vector(m)", "a:4 X:3x4 b:3",
     lambda d: d["a"] @ d["X"].T @ d["b"], lambda d: np.outer(d["b"], d["a"]), "b aᵀ"),
    ("cb-71-aXa", "a'*X*a", "X", "a: vector(n)", "a:3 X:3x3", lambda d: d["a"] @ d["X"] @ d["a"],
     lambda d: np.outer(d["a"], d["a"]), "a aᵀ"),
    ("cb-77-bXtXc", "b'*X'*X*c", "X", "b: vector(n), c: vector(n)", "b:3 X:4x3 c:3",
     lambda d: d["b"] @ d["X"].T @ d["X"] @ d["c"],
     lambda d: d["X"] @ (np.outer(d["b"], d["c"]) + np.outer(d["c"], d["b"])), "X (c bᵀ + b cᵀ)"),
    ("cb-78-Xbc-D", "(X*b + c)'*D*(X*b + c)", "X", "b: vector(n), c: vector(m)", "X:4x3 b:3 c:4 D:4x4",
     lambda d: (d["X"] @ d["b"] + d["c"]) @ d["D"] @ (d["X"] @ d["b"] + d["c"]),
     lambda d: np.outer((d["D"] + d["D"].T) @ (d["X"] @ d["b"] + d["c"]), d["b"]), None),
    ("cb-81-xBx", "x'*B*x", "x", None, "x:4 B:4x4", lambda d: d["x"] @ d["B"] @ d["x"],
     lambda d: (d["B"] + d["B"].T) @ d["x"], "(B + Bᵀ) x"),
    ("cb-81-sym", "x'*B*x", "x", "B: matrix(n,n) symmetric", "x:4 B:4x4:sym", lambda d: d["x"] @ d["B"] @ d["x"],
     lambda d: 2 * d["B"] @ d["x"], "2 B x"),
    ("cb-84-affine", "(A*x + b)'*C*(D*x + e)", "x", "b: vector(m), e: vector(p)",
     "A:3x4 x:4 b:3 C:3x5 D:5x4 e:5",
     lambda d: (d["A"] @ d["x"] + d["b"]) @ d["C"] @ (d["D"] @ d["x"] + d["e"]),
     lambda d: d["D"].T @ d["C"].T @ (d["A"] @ d["x"] + d["b"]) + d["A"].T @ d["C"] @ (d["D"] @ d["x"] + d["e"]),
     None),
    ("cb-89-x-Ax-b", "(x - A*s)'*W*(x - A*s)", "s", "s: vector(n)", "x:4 A:4x3 s:3 W:4x4:sym",
     lambda d: (d["x"] - d["A"] @ d["s"]) @ d["W"] @ (d["x"] - d["A"] @ d["s"]), None, None),
    ("cb-100-trX", "tr(X)", "X", None, "X:3x3", lambda d: tr(d["X"]), lambda d: np.eye(3), "I"),
    ("cb-101-trXA", "tr(X*A)", "X", None, "X:3x4 A:4x3", lambda d: tr(d["X"] @ d["A"]), lambda d: d["A"].T, "Aᵀ"),
    ("cb-102-trAXB", "tr(A*X*B)", "X", None, "A:2x3 X:3x4 B:4x2", lambda d: tr(d["A"] @ d["X"] @ d["B"]),
     lambda d: d["A"].T @ d["B"].T, "Aᵀ Bᵀ"),
    ("cb-103-trAXtB", "tr(A*X'*B)", "X", None, "A:2x4 X:3x4 B:3x2", lambda d: tr(d["A"] @ d["X"].T @ d["B"]),
     lambda d: d["B"] @ d["A"], "B A"),
    ("cb-104-trXtA", "tr(X'*A)", "X", None, "X:3x4 A:3x4", lambda d: tr(d["X"].T @ d["A"]), lambda d: d["A"], "A"),
    ("cb-105-trAXt", "tr(A*X')", "X", None, "X:3x4 A:3x4", lambda d: tr(d["A"] @ d["X"].T), lambda d: d["A"], "A"),
    ("cb-107-trX2", "tr(X^2)", "X", None, "X:4x4", lambda d: tr(d["X"] @ d["X"]), lambda d: 2 * d["X"].T, "2 Xᵀ"),
    ("cb-108-trX2B", "tr(X^2*B)", "X", None, "X:3x3 B:3x3", lambda d: tr(d["X"] @ d["X"] @ d["B"]),
     lambda d: (d["X"] @ d["B"] + d["B"] @ d["X"]).T, None),
    ("cb-109-trXtBX", "tr(X'*B*X)", "X", None, "X:4x3 B:4x4", lambda d: tr(d["X"].T @ d["B"] @ d["X"]),
     lambda d: d["B"] @ d["X"] + d["B"].T @ d["X"], "(B + Bᵀ) X"),
    ("cb-110-trBXXt", "tr(B*X*X')", "X", None, "X:4x3 B:4x4", lambda d: tr(d["B"] @ d["X"] @ d["X"].T),
     lambda d: d["B"] @ d["X"] + d["B"].T @ d["X"], "(Bᵀ + B) X"),
    ("cb-111-trXXtB", "tr(X*X'*B)", "X", None, "X:4x3 B:4x4", lambda d: tr(d["X"] @ d["X"].T @ d["B"]),
     lambda d: d["B"] @ d["X"] + d["B"].T @ d["X"], None),
    ("cb-112-trXBXt", "tr(X*B*X')", "X", None, "X:4x3 B:3x3", lambda d: tr(d["X"] @ d["B"] @ d["X"].T),
     lambda d: d["X"] @ d["B"].T + d["X"] @ d["B"], "X (Bᵀ + B)"),
    ("cb-113-trBXtX", "tr(B*X'*X)", "X", None, "X:4x3 B:3x3", lambda d: tr(d["B"] @ d["X"].T @ d["X"]),
     lambda d: d["X"] @ d["B"].T + d["X"] @ d["B"], None),
    ("cb-114-trXtXB", "tr(X'*X*B)", "X", None, "X:4x3 B:3x3", lambda d: tr(d["X"].T @ d["X"] @ d["B"]),
     lambda d: d["X"] @ d["B"].T + d["X"] @ d["B"], None),
    ("cb-115-trAXBX", "tr(A*X*B*X)", "X", None, "A:3x4 X:4x3 B:3x4", lambda d: tr(d["A"] @ d["X"] @ d["B"] @ d["X"]),
     lambda d: d["A"].T @ d["X"].T @ d["B"].T + d["B"].T @ d["X"].T @ d["A"].T, "Aᵀ Xᵀ Bᵀ + Bᵀ Xᵀ Aᵀ"),
    ("cb-116-trXtX", "tr(X'*X)", "X", None, "X:3x4", lambda d: tr(d["X"].T @ d["X"]), lambda d: 2 * d["X"], "2 X"),
    ("cb-117-trBtXtCXB", "tr(B'*X'*C*X*B)", "X", None, "B:3x2 X:4x3 C:4x4",
     lambda d: tr(d["B"].T @ d["X"].T @ d["C"] @ d["X"] @ d["B"]),
     lambda d: d["C"].T @ d["X"] @ d["B"] @ d["B"].T + d["C"] @ d["X"] @ d["B"] @ d["B"].T, None),
    ("cb-118-trXtBXC", "tr(X'*B*X*C)", "X", None, "X:4x3 B:4x4 C:3x3",
     lambda d: tr(d["X"].T @ d["B"] @ d["X"] @ d["C"]),
     lambda d: d["B"] @ d["X"] @ d["C"] + d["B"].T @ d["X"] @ d["C"].T, None),
    ("cb-119-trAXBXtC", "tr(A*X*B*X'*C)", "X", None, "A:2x4 X:4x3 B:3x3 C:4x2",
     lambda d: tr(d["A"] @ d["X"] @ d["B"] @ d["X"].T @ d["C"]),
     lambda d: d["A"].T @ d["C"].T @ d["X"] @ d["B"].T + d["C"] @ d["A"] @ d["X"] @ d["B"], None),
    ("cb-120-frob-affine", "tr((A*X*B + C)*(A*X*B + C)')", "X", None, "A:3x4 X:4x5 B:5x2 C:3x2",
     lambda d: np.sum((d["A"] @ d["X"] @ d["B"] + d["C"]) ** 2),
     lambda d: 2 * d["A"].T @ (d["A"] @ d["X"] @ d["B"] + d["C"]) @ d["B"].T, None),
    ("cb-121-trXk", "tr(X^4)", "X", None, "X:3x3", lambda d: tr(np.linalg.matrix_power(d["X"], 4)),
     lambda d: 4 * np.linalg.matrix_power(d["X"], 3).T, "4 (Xᵀ)³"),
    ("cb-122-trAXk", "tr(A*X^3)", "X", None, "A:3x3 X:3x3", lambda d: tr(d["A"] @ np.linalg.matrix_power(d["X"], 3)),
     None, None),
    ("cb-124-trAXinv", "tr(A*inv(X))", "X", None, "A:3x3 X:3x3:inv", lambda d: tr(d["A"] @ inv(d["X"])),
     lambda d: -(inv(d["X"]) @ d["A"] @ inv(d["X"])).T, "-X⁻ᵀ Aᵀ X⁻ᵀ"),
    ("cb-125-trXinv", "tr(inv(X))", "X", None, "X:4x4:inv", lambda d: tr(inv(d["X"])),
     lambda d: -(inv(d["X"]) @ inv(d["X"])).T, None),
    ("cb-127-trXtAX-inv", "tr(inv(X'*C*X)*A)", "X", None, "X:4x3 C:4x4:spd A:3x3",
     lambda d: tr(inv(d["X"].T @ d["C"] @ d["X"]) @ d["A"]), None, None),
    ("cb-128-frob2", "norm2(X)^2", "X", None, "X:3x4", lambda d: np.sum(d["X"] ** 2), lambda d: 2 * d["X"], "2 X"),
    ("cb-129-norm-x-a", "norm2(x - a)", "x", "a: vector(n)", "x:4 a:4", lambda d: np.linalg.norm(d["x"] - d["a"]),
     lambda d: (d["x"] - d["a"]) / np.linalg.norm(d["x"] - d["a"]), "(x - a) / norm2(x - a)"),
    ("cb-130-x-over-norm", "x/norm2(x)", "x", None, "x:3", lambda d: d["x"] / np.linalg.norm(d["x"]),
     lambda d: (np.eye(3) - np.outer(d["x"], d["x"]) / (d["x"] @ d["x"])) / np.linalg.norm(d["x"]), None),
    ("cb-131-norm-sq", "norm2(x)^2", "x", None, "x:4", lambda d: d["x"] @ d["x"], lambda d: 2 * d["x"], "2 x"),
    ("cb-37-product", "A*X*X*B", "X", None, "A:2x3 X:3x3 B:3x2", lambda d: d["A"] @ d["X"] @ d["X"] @ d["B"], None,
     None),
    ("cb-38-hadamard", "sum(X .* X .* A)", "X", None, "X:3x4 A:3x4", lambda d: np.sum(d["X"] * d["X"] * d["A"]),
     lambda d: 2 * d["X"] * d["A"], None),
    ("cb-36-inner", "inner(A, X)", "X", None, "A:3x4 X:3x4", lambda d: np.sum(d["A"] * d["X"]), lambda d: d["A"], "A"),
    ("cb-adj", "tr(adj(X))", "X", None, "X:3x3:inv", lambda d: tr(det(d["X"]) * inv(d["X"])), None, None),
    ("cb-adj-jacobian", "adj(X)", "X", None, "X:3x3:inv", lambda d: det(d["X"]) * inv(d["X"]), None, None),
    ("cb-det-inv", "det(inv(X))", "X", None, "X:3x3:inv", lambda d: 1 / det(d["X"]),
     lambda d: -inv(d["X"]).T / det(d["X"]), None),
    ("cb-Xinv-a", "inv(X)*a", "X", "a: vector(n)", "X:3x3:inv a:3", lambda d: inv(d["X"]) @ d["a"], None, None),
    # ---- element-wise functions and ML losses
    ("ew-sin", "sum(sin(x))", "x", None, "x:4", lambda d: np.sin(d["x"]).sum(), lambda d: np.cos(d["x"]), "cos(x)"),
    ("ew-cos", "sum(cos(X))", "X", None, "X:3x4", lambda d: np.cos(d["X"]).sum(), lambda d: -np.sin(d["X"]), "-sin(X)"),
    ("ew-tan", "sum(tan(x))", "x", None, "x:4", lambda d: np.tan(d["x"]).sum(), lambda d: 1 / np.cos(d["x"]) ** 2,
     None),
    ("ew-arcsin", "sum(arcsin(x/4))", "x", None, "x:3", lambda d: np.arcsin(d["x"] / 4).sum(), None, None),
    ("ew-arccos", "sum(arccos(x/4))", "x", None, "x:3", lambda d: np.arccos(d["x"] / 4).sum(), None, None),
    ("ew-arctan", "sum(arctan(x))", "x", None, "x:3", lambda d: np.arctan(d["x"]).sum(),
     lambda d: 1 / (1 + d["x"] ** 2), None),
    ("ew-sqrt", "sum(sqrt(x))", "x", None, "x:4:pos", lambda d: np.sqrt(d["x"]).sum(),
     lambda d: 0.5 / np.sqrt(d["x"]), None),
    ("ew-tanh", "sum(tanh(A*x))", "x", None, "A:3x4 x:4", lambda d: np.tanh(d["A"] @ d["x"]).sum(), None, None),
    ("ew-abs", "sum(abs(A*x))", "x", None, "A:3x4 x:4", lambda d: np.abs(d["A"] @ d["x"]).sum(),
     lambda d: d["A"].T @ np.sign(d["A"] @ d["x"]), "Aᵀ sign(A x)"),
    ("ew-relu", "sum(relu(W*x))", "x", None, "W:5x3 x:3", lambda d: np.maximum(d["W"] @ d["x"], 0).sum(),
     lambda d: d["W"].T @ (d["W"] @ d["x"] > 0).astype(float), None),
    ("ew-sigmoid", "sum(sigmoid(W*x))", "W", None, "W:3x4 x:4", lambda d: sig(d["W"] @ d["x"]).sum(), None, None),
    ("ew-hadamard-quotient", "sum(x ./ y)", "y", None, "x:4 y:4:pos", lambda d: np.sum(d["x"] / d["y"]),
     lambda d: -d["x"] / d["y"] ** 2, None),
    ("ew-power", "sum(x .^ 3)", "x", None, "x:4", lambda d: np.sum(d["x"] ** 3), lambda d: 3 * d["x"] ** 2, None),
    ("ew-log-sum-exp", "log(sum(exp(x)))", "x", None, "x:5", lambda d: np.log(np.exp(d["x"]).sum()),
     lambda d: np.exp(d["x"]) / np.exp(d["x"]).sum(), None),
    ("ml-ridge", "norm2(X*w - y)^2 + c*w'*w", "w", None, "X:6x3 w:3 y:6 c:s:pos",
     lambda d: np.sum((d["X"] @ d["w"] - d["y"]) ** 2) + d["c"] * d["w"] @ d["w"],
     lambda d: 2 * d["X"].T @ (d["X"] @ d["w"] - d["y"]) + 2 * d["c"] * d["w"], None),
    ("ml-two-layer", "norm2(V*tanh(W*x) - y)^2", "W", None, "V:2x4 W:4x3 x:3 y:2",
     lambda d: np.sum((d["V"] @ np.tanh(d["W"] @ d["x"]) - d["y"]) ** 2), None, None),
    ("ml-gaussian-nll", "logdet(S) + x'*inv(S)*x", "S", None, "S:4x4:spd x:4",
     lambda d: np.log(det(d["S"])) + d["x"] @ inv(d["S"]) @ d["x"],
     lambda d: inv(d["S"]).T - inv(d["S"]).T @ np.outer(d["x"], d["x"]) @ inv(d["S"]).T, None),
    ("ml-softplus", "sum(log(vector(1) + exp(X*w)))", "w", None, "X:5x3 w:3",
     lambda d: np.sum(np.log(1 + np.exp(d["X"] @ d["w"]))), lambda d: d["X"].T @ sig(d["X"] @ d["w"]),
     "Xᵀ sigmoid(X w)"),
    ("jac-hadamard", "x .* y", "x", None, "x:4 y:4", lambda d: d["x"] * d["y"], lambda d: np.diag(d["y"]), "diag(y)"),
    ("jac-scalar-times-vector", "a*x", "a", None, "a:s x:4", lambda d: d["a"] * d["x"],
     lambda d: d["x"].reshape(-1, 1), "x"),
    ("jac-vec", "vec(A*X)", "X", None, "A:2x3 X:3x4", lambda d: (d["A"] @ d["X"]).reshape(-1, order="F"),
     lambda d: np.kron(np.eye(4), d["A"]), "eye(p) ⊗ A"),
    ("jac-XB-transpose", "(X*B)'", "X", None, "X:3x4 B:4x2", lambda d: (d["X"] @ d["B"]).T, None, None),
    ("jac-sum-rows", "X'*vector(1)", "X", None, "X:3x4", lambda d: d["X"].T @ np.ones(3), None, None),
    ("jac-tr-to-vector", "tr(X)*x", "X", None, "X:3x3 x:4", lambda d: tr(d["X"]) * d["x"], None, None),
    ("sum-of-traces", "tr(A*X) + tr(B*X)", "X", None, "A:4x3 B:4x3 X:3x4",
     lambda d: tr(d["A"] @ d["X"]) + tr(d["B"] @ d["X"]), lambda d: d["A"].T + d["B"].T, "(A + B)ᵀ"),
    ("cb-121-trX3", "tr(X^3)", "X", None, "X:4x4", lambda d: tr(np.linalg.matrix_power(d["X"], 3)),
     lambda d: 3 * np.linalg.matrix_power(d["X"], 2).T, "3 (Xᵀ)²"),
    # ---- Kronecker products and diag with the variable inside
    ("cb-106-trAkronX", "tr(kron(A, X))", "X", None, "A:3x3 X:4x4", lambda d: tr(np.kron(d["A"], d["X"])),
     lambda d: tr(d["A"]) * np.eye(4), "tr(A) I"),
    ("cb-121-trXkronX", "tr(kron(X, X))", "X", None, "X:3x3", lambda d: tr(np.kron(d["X"], d["X"])),
     lambda d: 2 * tr(d["X"]) * np.eye(3), "2 tr(X) I"),
    ("kron-gradient-right", "sum(kron(A, X) .* C)", "X", None, "A:2x3 X:4x5 C:8x15",
     lambda d: np.sum(np.kron(d["A"], d["X"]) * d["C"]), None, None),
    ("kron-gradient-left", "sum(kron(X, A) .* C)", "X", None, "A:2x3 X:4x5 C:8x15",
     lambda d: np.sum(np.kron(d["X"], d["A"]) * d["C"]), None, None),
    ("kron-gradient-middle", "sum(kron(kron(A, X), B) .* C)", "X", None, "A:2x1 X:2x3 B:1x2 C:4x6",
     lambda d: np.sum(np.kron(np.kron(d["A"], d["X"]), d["B"]) * d["C"]), None, None),
    ("cb-39-kron-jacobian-right", "kron(A, X)", "X", None, "A:2x3 X:3x2", lambda d: np.kron(d["A"], d["X"]), None,
     None),
    ("kron-jacobian-left", "kron(X, A)", "X", None, "A:2x3 X:3x2", lambda d: np.kron(d["X"], d["A"]), None, None),
    ("kron-jacobian-both", "kron(X, X)", "X", None, "X:2x3", lambda d: np.kron(d["X"], d["X"]), None, None),
    ("kron-vectors", "kron(x, y)", "x", None, "x:3 y:4", lambda d: np.kron(d["x"], d["y"]),
     lambda d: np.kron(np.eye(3), d["y"].reshape(-1, 1)), "eye(m) ⊗ y"),
    ("diag-build-jacobian", "diag(x)", "x", None, "x:4", lambda d: np.diag(d["x"]), None, None),
    ("diag-take-jacobian", "diag(X)", "X", None, "X:4x4", lambda d: np.diag(d["X"]), None, None),
    ("diag-sandwich-jacobian", "A*diag(x)*B", "x", None, "A:2x3 x:3 B:3x4", lambda d: d["A"] @ np.diag(d["x"]) @ d["B"],
     None, None),
    ("diag-gradient", "sum(diag(x) .* A)", "x", None, "x:3 A:3x3", lambda d: np.sum(np.diag(d["x"]) * d["A"]),
     lambda d: np.diag(d["A"]), "diag(A)"),
    # ---- SPEC §6: broadcasting of scalars in sums
    ("bc-scalar-minus-vector", "c - x", "x", None, "c:s x:4", lambda d: d["c"] - d["x"], lambda d: -np.eye(4), "-I"),
    ("bc-inner-plus-vector", "x'*y + z", "x", None, "x:3 y:3 z:5", lambda d: d["x"] @ d["y"] + d["z"],
     lambda d: np.outer(np.ones(5), d["y"]), "vector(1) yᵀ"),
    ("bc-matrix-minus-scalar", "sum((X - c).^2)", "c", None, "X:3x4 c:s", lambda d: np.sum((d["X"] - d["c"]) ** 2),
     lambda d: -2 * np.sum(d["X"] - d["c"]), None),
    ("bc-dot-operators", "sum(exp(X .- c) .+ 1)", "X", None, "X:3x4 c:s", lambda d: np.sum(np.exp(d["X"] - d["c"]) + 1),
     lambda d: np.exp(d["X"] - d["c"]), "exp(X - c)"),
    ("bc-logistic-bias", "sum(log(1 + exp(-y.*(X*w + c))))", "c", None, "X:6x3 y:6 w:3 c:s",
     lambda d: np.sum(np.log1p(np.exp(-d["y"] * (d["X"] @ d["w"] + d["c"])))),
     lambda d: -np.sum(d["y"] * sig(-d["y"] * (d["X"] @ d["w"] + d["c"]))), "-sum(sigmoid(-(y ∘ (X w + c))) ∘ y)"),
    # ---- SPEC §6: new entry-wise functions (derivatives written by hand)
    ("fn-sinh", "sum(sinh(x) .* y)", "x", None, "x:4 y:4", lambda d: np.sinh(d["x"]) @ d["y"],
     lambda d: np.cosh(d["x"]) * d["y"], "cosh(x) ∘ y"),
    ("fn-cosh", "sum(cosh(A*x))", "x", None, "A:5x3 x:3", lambda d: np.sum(np.cosh(d["A"] @ d["x"])),
     lambda d: d["A"].T @ np.sinh(d["A"] @ d["x"]), "Aᵀ sinh(A x)"),
    ("fn-log1p", "sum(log1p(x))", "x", None, "x:4:pos", lambda d: np.sum(np.log1p(d["x"])),
     lambda d: 1 / (1 + d["x"]), "(1 + x)∘⁻¹"),
    ("fn-expm1", "sum(expm1(X) .* A)", "X", None, "X:3x4 A:3x4", lambda d: np.sum(np.expm1(d["X"]) * d["A"]),
     lambda d: np.exp(d["X"]) * d["A"], "exp(X) ∘ A"),
    ("fn-softplus", "sum(softplus(X*w))", "w", None, "X:6x3 w:3", lambda d: np.sum(np.logaddexp(0, d["X"] @ d["w"])),
     lambda d: d["X"].T @ sig(d["X"] @ d["w"]), "Xᵀ sigmoid(X w)"),
    ("fn-sech", "sum(sech(x))", "x", None, "x:4", lambda d: np.sum(1 / np.cosh(d["x"])),
     lambda d: -np.tanh(d["x"]) / np.cosh(d["x"]), "-(sech(x) ∘ tanh(x))"),
    ("fn-step", "sum(step(x) .* x)", "x", None, "x:4", lambda d: np.sum((d["x"] > 0) * d["x"]),
     lambda d: (d["x"] > 0).astype(float), "step(x)"),
    # ---- SPEC §6: log-sum-exp and softmax (the textbook forms)
    ("fn-logsumexp-vector", "logsumexp(x)", "x", None, "x:5", lambda d: np.log(np.sum(np.exp(d["x"]))),
     lambda d: np.exp(d["x"]) / np.sum(np.exp(d["x"])), "softmax(x)"),
    ("fn-logsumexp-matrix", "logsumexp(X)", "X", None, "X:3x4", lambda d: np.log(np.sum(np.exp(d["X"]))),
     lambda d: np.exp(d["X"]) / np.sum(np.exp(d["X"])), "exp(X - logsumexp(X))"),
    ("fn-softmax-jacobian", "softmax(x)", "x", None, "x:5", lambda d: np.exp(d["x"]) / np.sum(np.exp(d["x"])),
     lambda d: np.diag(_softmax(d["x"])) - np.outer(_softmax(d["x"]), _softmax(d["x"])),
     "diag(s) - s sᵀ where s = softmax(x)"),
    ("fn-cross-entropy", "-y'*log(softmax(z))", "z", None, "y:5:pos z:5", lambda d: -d["y"] @ np.log(_softmax(d["z"])),
     lambda d: np.sum(d["y"]) * _softmax(d["z"]) - d["y"], "sum(y) softmax(z) - y"),
    ("fn-softmax-layer", "y'*log(softmax(W*x))", "W", None, "y:4 W:4x3 x:3",
     lambda d: d["y"] @ np.log(_softmax(d["W"] @ d["x"])),
     lambda d: np.outer(d["y"] - np.sum(d["y"]) * _softmax(d["W"] @ d["x"]), d["x"]), None),
    # ---- SPEC §6: extreme entries and means
    ("fn-max", "max(A*x)", "x", None, "A:5x3 x:3", lambda d: np.max(d["A"] @ d["x"]),
     lambda d: d["A"][np.argmax(d["A"] @ d["x"])], "Aᵀ onehot_max(A x)"),
    ("fn-min", "min(X)", "X", None, "X:3x4", lambda d: np.min(d["X"]),
     lambda d: (d["X"] == d["X"].min()).astype(float), "onehot_min(X)"),
    ("fn-mean", "mean((X*w - y).^2)", "w", None, "X:6x3 w:3 y:6", lambda d: np.mean((d["X"] @ d["w"] - d["y"]) ** 2),
     lambda d: 2 * d["X"].T @ (d["X"] @ d["w"] - d["y"]) / 6, "2 Xᵀ (X w - y) / numel(y)"),
    ("fn-numel", "numel(X) * tr(A)", "A", None, "X:3x4 A:2x2", lambda d: 12 * np.trace(d["A"]),
     lambda d: 12 * np.eye(2), "numel(X) I"),
    # ---- SPEC §6: solves, never an inverse the user did not write
    ("fn-solve-rhs", "solve(A, B)", "B", None, "A:3x3:inv B:3x4", lambda d: np.linalg.solve(d["A"], d["B"]),
     lambda d: np.kron(np.eye(4), inv(d["A"])), "eye(n) ⊗ A⁻¹"),
    ("fn-solve-matrix", "y'*solve(A, x)", "A", None, "A:3x3:inv x:3 y:3",
     lambda d: d["y"] @ np.linalg.solve(d["A"], d["x"]),
     lambda d: -np.outer(np.linalg.solve(d["A"].T, d["y"]), np.linalg.solve(d["A"], d["x"])), "-(Aᵀ \\ y) (A \\ x)ᵀ"),
    ("fn-backslash", "x'*(A \\ x)", "x", None, "A:4x4:inv x:4", lambda d: d["x"] @ np.linalg.solve(d["A"], d["x"]),
     lambda d: np.linalg.solve(d["A"], d["x"]) + np.linalg.solve(d["A"].T, d["x"]), "A \\ x + Aᵀ \\ x"),
    ("fn-gp-nlml", "0.5*y'*solve(K, y) + sum(log(diag(chol(K))))", "y", "K: matrix(n,n) spd", "K:4x4:spd y:4",
     lambda d: 0.5 * d["y"] @ np.linalg.solve(d["K"], d["y"]) + np.sum(np.log(np.diag(np.linalg.cholesky(d["K"])))),
     lambda d: np.linalg.solve(d["K"], d["y"]), "K \\ y"),
    # ---- SPEC §6: the Cholesky factor (2 Σ log Lᵢᵢ = log det S)
    ("fn-chol-logdet", "2*sum(log(diag(chol(S))))", "S", "S: matrix(n,n) spd", "S:4x4:spd",
     lambda d: np.linalg.slogdet(d["S"])[1], lambda d: inv(d["S"]), None),
    # ---- SPEC §6: extreme eigenvalues and singular values
    ("fn-eigmax", "eigmax(S)", "S", "S: matrix(n,n) symmetric", "S:4x4:sym", lambda d: np.linalg.eigvalsh(d["S"])[-1],
     lambda d: np.outer(np.linalg.eigh(d["S"])[1][:, -1], np.linalg.eigh(d["S"])[1][:, -1]),
     "v vᵀ where v = eigvec_max(S)"),
    ("fn-eig-spread", "eigmax(S) - eigmin(S)", "S", "S: matrix(n,n) symmetric", "S:4x4:sym",
     lambda d: np.ptp(np.linalg.eigvalsh(d["S"])),
     lambda d: (lambda V: np.outer(V[:, -1], V[:, -1]) - np.outer(V[:, 0], V[:, 0]))(np.linalg.eigh(d["S"])[1]),
     "v vᵀ - v1 v1ᵀ where v = eigvec_max(S), v1 = eigvec_min(S)"),
    ("fn-nucnorm", "nucnorm(X)", "X", None, "X:4x3", lambda d: np.linalg.svd(d["X"], compute_uv=False).sum(),
     lambda d: (lambda U, s, Vt: U @ Vt)(*np.linalg.svd(d["X"], full_matrices=False)), "svd_polar(X)"),
    ("fn-opnorm", "opnorm(X)", "X", None, "X:3x5", lambda d: np.linalg.norm(d["X"], 2),
     lambda d: (lambda U, s, Vt: np.outer(U[:, 0], Vt[0]))(*np.linalg.svd(d["X"])), "svd_u1(X) svd_v1(X)ᵀ"),
    ("fn-opnorm-vector", "opnorm(x)", "x", None, "x:4", lambda d: np.linalg.norm(d["x"]),
     lambda d: d["x"] / np.linalg.norm(d["x"]), "x / norm2(x)"),
    ("fn-svdvals", "svdvals(X)'*y", "X", "X: matrix(4,3)", "X:4x3 y:3",
     lambda d: np.linalg.svd(d["X"], compute_uv=False) @ d["y"],
     lambda d: (lambda U, s, Vt: U @ np.diag(d["y"]) @ Vt)(*np.linalg.svd(d["X"], full_matrices=False)),
     "svd_u(X) diag(y) svd_v(X)ᵀ"),
    ("fn-svdvals-jacobian", "svdvals(X)", "X", "X: matrix(3,4)", "X:3x4",
     lambda d: np.linalg.svd(d["X"], compute_uv=False), None, None),
]


def _value(fn, values):
    return np.asarray(fn(values), dtype=float)


@pytest.mark.parametrize("row", ROWS, ids=[r[0] for r in ROWS])
def test_derivative_matches_an_independent_reference(row):
    rid, text, wrt, where, spec, f, expected, _ = row
    r = matdiff.derivative(text, wrt=wrt, where=where)
    g = r.lambdify()
    for seed in (1, 2):
        values = draw(spec, seed)
        got = np.asarray(g(**values), dtype=float)
        if expected is not None:
            want = _value(expected, values)
            if r.kind == "jacobian" and want.ndim == 1:
                want = want.reshape(-1, 1)
        else:
            x = values[wrt]

            def f_at(X, values=values):
                return _value(f, {**values, wrt: X})
            want = numeric_gradient(f_at, x) if r.kind == "gradient" else numeric_jacobian(f_at, x)
        got = got.reshape(want.shape) if got.size == want.size and got.ndim != want.ndim else got
        assert got.shape == want.shape, f"{rid}: shape {got.shape} vs {want.shape}"
        tol = 1e-8 if expected is not None else 1e-5
        assert rel_error(got, want) < tol, f"{rid}: {r} is off"
    assert r.check().ok


TEXT_ROWS = [r for r in ROWS if r[7] is not None]


@pytest.mark.parametrize("row", TEXT_ROWS, ids=[r[0] for r in TEXT_ROWS])
def test_closed_form_reads_like_a_textbook(row):
    rid, text, wrt, where, spec, f, expected, textbook = row
    assert printed(matdiff.derivative(text, wrt=wrt, where=where)) == textbook


def test_table_sizes():
    assert len(ROWS) >= 80
    assert sum(1 for r in ROWS if r[0].startswith("cb-")) >= 50
    assert len(TEXT_ROWS) >= 30


DIFFERENTIALS = [
    ("tr(A X B)", "X", "tr(A dX B)"),
    ("X^2", "X", "X dX + dX X"),
    ("inv(X)", "X", "-X⁻¹ dX X⁻¹"),
    ("det(X)", "X", "det(X) tr(X⁻¹ dX)"),
    ("log(det(X))", "X", "tr(X⁻¹ dX)"),
    ("x'*A*x", "x", "dxᵀ A x + xᵀ A dx"),
    ("A*X*B", "X", "A dX B"),
    ("exp(x)", "x", "exp(x) ∘ dx"),
]


@pytest.mark.parametrize("text,wrt,df", DIFFERENTIALS, ids=[d[0] for d in DIFFERENTIALS])
def test_differential_is_printed_as_a_linear_map(text, wrt, df):
    assert matdiff.derivative(text, wrt=wrt).differential == df


def test_several_variables_give_one_result_each():
    results = matdiff.derivative("x'*A*y", wrt="x, y")
    assert [r.variable.name for r in results] == ["x", "y"]
    assert [str(r) for r in results] == ["A y", "Aᵀ x"]


def test_variable_not_in_f_gives_zero_gradient_only_when_present():
    r = matdiff.derivative("tr(A) + tr(X)", wrt="A")
    assert str(r) == "I"


def test_gradient_through_a_trace_scaling_keeps_the_identity():
    """∇_A ‖tr(A) A x‖² = 2 tr(A)² A x xᵀ + 2 tr(A) (xᵀAᵀA x) I (found by the property tests:
    a scalar chain times I must not join the chain)."""
    r = matdiff.derivative("norm2(A*(tr(A)*x))^2", wrt="A")
    g = np.random.default_rng(5)
    A, x = g.standard_normal((3, 3)), g.standard_normal(3)
    t = np.trace(A)
    want = 2 * t**2 * np.outer(A @ x, x) + 2 * t * (x @ A.T @ A @ x) * np.eye(3)
    assert rel_error(r.lambdify()(A=A, x=x), want) < 1e-10


def test_terms_sharing_a_coefficient_and_an_end_are_factored():
    """½A x + ½Aᵀ x - b reads ½ (A + Aᵀ) x - b (and stays equal in value)."""
    import numpy as np
    r = matdiff.derivative("0.5*x'*A*x - b'*x", wrt="x", where="b: vector")
    assert str(r) == "0.5 (A + Aᵀ) x - b"
    g = np.random.default_rng(0)
    A, x, b = g.standard_normal((4, 4)), g.standard_normal(4), g.standard_normal(4)
    assert np.allclose(r.lambdify()(A=A, x=x, b=b), 0.5 * (A + A.T) @ x - b, rtol=1e-13)
