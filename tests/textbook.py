"""Textbook forms: the closed forms a person writes, as text in matdiff's
language, for the golden table of tests/test_readability.py and for every row
of the derivative table (tests/test_derivatives.py) that compares no printed
text. Shared by the tests and benchmarks/readability.py (the size measure).
"""
from __future__ import annotations

# expression, wrt, declarations, the textbook's closed form (Matrix Cookbook equation numbers, 2012)
GOLDEN = [
    # the rows of the Readability issue
    ("exp(x)/sum(exp(x))", "x", None, "diag(s) - s sᵀ where s = softmax(x)"),
    ("softmax(x)", "x", None, "diag(s) - s sᵀ where s = softmax(x)"),
    ("-y'*log(exp(z)/sum(exp(z)))", "z", None, "sum(y) softmax(z) - y"),
    ("logsumexp(x)", "x", None, "softmax(x)"),
    ("-(y'*log(sigmoid(X*w)) + (vector(1)-y)'*log(vector(1)-sigmoid(X*w)))", "w", None, "Xᵀ (sigmoid(X w) - y)"),
    ("x'*A*x/(x'*x)", "x", None, "(A + Aᵀ - 2 f I) x / (xᵀ x) where f = xᵀ A x / (xᵀ x)"),
    ("x'*y/(norm2(x)*norm2(y))", "x", None,
     "(y / norm2(y) - f x / norm2(x)) / norm2(x) where f = xᵀ y / (norm2(x) norm2(y))"),
    ("logdet(S) + (x-u)'*inv(S)*(x-u)", "S", "S: spd", "(I - S⁻¹ (x - u) (x - u)ᵀ) S⁻¹"),
    ("norm2(kron(A, X))^2", "X", None, "2 norm2(A)² X"),
    ("det(A*X*B)", "X", None, "det(A X B) Aᵀ (A X B)⁻ᵀ Bᵀ"),
    ("(x'*A*x)*(y'*B*y)", "A", None, "(yᵀ B y) x xᵀ"),
    ("norm2(Q*X - Y)^2", "Q", "Q: orthogonal", "(Q X - Y) Xᵀ - Q X (Q X - Y)ᵀ Q"),
    # course (18.063) and matrixcalculus.org forms
    ("x'*A*x", "x", None, "(A + Aᵀ) x"),
    ("x'*A*x", "x", "A: symmetric", "2 A x"),
    ("tr(A*X*B)", "X", None, "Aᵀ Bᵀ"),
    ("log(det(X))", "X", None, "X⁻ᵀ"),
    ("log(det(X))", "X", "X: spd", "X⁻¹"),
    ("norm2(A*x - y)^2", "x", None, "2 Aᵀ (A x - y)"),
    ("sum(log(exp(-y.*(X*w)) + vector(1)))", "w", None, "-Xᵀ (sigmoid(-(y ∘ (X w))) ∘ y)"),
    ("tr(A*X'*B*X*C)", "X", None, "B X C A + Bᵀ X Aᵀ Cᵀ"),
    ("norm2(X*w - y)^2 + c*w'*w", "w", None, "2 (Xᵀ (X w - y) + c w)"),
    ("mean((X*w - y).^2)", "w", None, "2 Xᵀ (X w - y) / numel(y)"),
    ("tr(X'*A*X)", "X", None, "(A + Aᵀ) X"),
    ("x/norm2(x)", "x", None, "(I - x xᵀ / norm2(x)²) / norm2(x)"),
    ("norm2(x)", "x", None, "x / norm2(x)"),
    ("sum((X - c).^2)", "c", None, "-2 (sum(X) - c numel(X))"),
    ("2*sum(log(diag(chol(S))))", "S", "S: spd", "S⁻¹"),
    ("-x'*A*x - x'*B*x", "x", None, "-(A + Aᵀ + B + Bᵀ) x"),
    ("y'*inv(I + u*v')*u", "y", None, "u / (1 + vᵀ u)"),                # Sherman–Morrison, Cookbook (160)
    ("x'*inv(I + x*x')*x", "x", None, "2 x / (1 + xᵀ x)²"),              # 1 − t/(1 + t) = 1/(1 + t)
    ("eigvals(S)", "S", "S: symmetric", "khatri_rao(eigvecs(S), eigvecs(S))ᵀ"),  # rows (vᵢ ⊗ vᵢ)ᵀ
    ("svdvals(X)", "X", "X: matrix(n, n)", "khatri_rao(svd_v(X), svd_u(X))ᵀ"),  # rows (vᵢ ⊗ uᵢ)ᵀ
    # Matrix Cookbook
    ("det(X)", "X", None, "det(X) X⁻ᵀ"),                                  # (49)
    ("tr(inv(X)*A)", "X", None, "-X⁻ᵀ Aᵀ X⁻ᵀ"),                          # (63)
    ("p'*X*q", "X", None, "p qᵀ"),                                       # (70)
    ("p'*X'*q", "X", None, "q pᵀ"),                                      # (71)
    ("u'*X'*X*v", "X", None, "X (v uᵀ + u vᵀ)"),                         # (77)
    ("(X*v + w)'*D*(X*v + w)", "X", None, "(D + Dᵀ) (X v + w) vᵀ"),     # (78)
    ("(x - A*s)'*W*(x - A*s)", "s", "W: symmetric", "-2 Aᵀ W (x - A s)"),  # (86)
    ("tr(X*B)", "X", None, "Bᵀ"),                                        # (100)
    ("tr(X'*B*X*C)", "X", None, "B X C + Bᵀ X Cᵀ"),                      # (117)
    ("tr(X*X'*B)", "X", None, "(Bᵀ + B) X"),                             # (111)
    ("tr(X^2*B)", "X", None, "Xᵀ Bᵀ + Bᵀ Xᵀ"),                          # (108)
    ("tr((A*X*B + C)*(A*X*B + C)')", "X", None, "2 Aᵀ (A X B + C) Bᵀ"),  # (120)
    ("det(inv(X))", "X", None, "-X⁻ᵀ / det(X)"),
    ("log(det(X'*X))", "X", "X: matrix(5,3)", "2 X (Xᵀ X)⁻¹"),           # (55)
    ("sum(X .* X .* A)", "X", None, "2 (X ∘ A)"),
    ("eigmax(S)", "S", "S: symmetric", "v vᵀ where v = eigvec_max(S)"),
    ("nucnorm(X)", "X", None, "svd_polar(X)"),
    ("A*X*B", "X", None, "Bᵀ ⊗ A"),
    ("X'", "X", None, "commutation(m, n)"),
]

# The derivative table's rows without a printed text of their own: what a textbook writes, in the language.
# Where the language has no shorter form (Kronecker and commutation Jacobians, the Kronecker adjoints)
# the textbook form is the one the identity gives.
DERIVATIVE_TABLE = {
    "mc-a-pow-b-a": "b a^(b - 1)",
    "mc-front-x": "(A + Aᵀ) x + c sin(y)",
    "mc-exp-quadratic": "-2 exp(-xᵀ x) x",
    "mit-X3-jacobian": "eye(m) ⊗ X² + Xᵀ ⊗ X + (Xᵀ)² ⊗ eye(m)",
    "mit-XtX-jacobian": "eye(n) ⊗ Xᵀ + (Xᵀ ⊗ eye(n)) commutation(m, n)",
    "cb-51-det-AXB": "det(A X B) Aᵀ (A X B)⁻ᵀ Bᵀ",
    "cb-55-logdet-XtX": "2 X (Xᵀ X)⁻¹",
    "cb-78-Xbc-D": "(D + Dᵀ) (X b + c) bᵀ",
    "cb-84-affine": "Aᵀ C (D x + e) + Dᵀ Cᵀ (A x + b)",
    "cb-89-x-Ax-b": "-Aᵀ (W + Wᵀ) (x - A s)",
    "cb-108-trX2B": "(X B + B X)ᵀ",
    "cb-111-trXXtB": "(B + Bᵀ) X",
    "cb-113-trBXtX": "X (B + Bᵀ)",
    "cb-114-trXtXB": "X (B + Bᵀ)",
    "cb-117-trBtXtCXB": "(C + Cᵀ) X B Bᵀ",
    "cb-118-trXtBXC": "B X C + Bᵀ X Cᵀ",
    "cb-119-trAXBXtC": "Aᵀ Cᵀ X Bᵀ + C A X B",
    "cb-120-frob-affine": "2 Aᵀ (A X B + C) Bᵀ",
    "cb-122-trAXk": "(Xᵀ)² Aᵀ + Xᵀ Aᵀ Xᵀ + Aᵀ (Xᵀ)²",
    "cb-125-trXinv": "-(X⁻²)ᵀ",
    "cb-127-trXtAX-inv": "-C X (Xᵀ C X)⁻¹ A (Xᵀ C X)⁻¹ - Cᵀ X (Xᵀ Cᵀ X)⁻¹ Aᵀ (Xᵀ Cᵀ X)⁻¹",
    "cb-130-x-over-norm": "I / norm2(x) - x xᵀ / norm2(x)³",
    "cb-37-product": "(Bᵀ Xᵀ) ⊗ A + Bᵀ ⊗ (A X)",
    "cb-38-hadamard": "2 (X ∘ A)",
    "cb-adj": "det(X) (tr(X⁻¹) X⁻ᵀ - (X⁻²)ᵀ)",
    "cb-adj-jacobian": "det(X) (vec(X⁻¹) vec(eye(m))ᵀ (eye(m) ⊗ X⁻¹) - X⁻ᵀ ⊗ X⁻¹)",
    "cb-det-inv": "-X⁻ᵀ / det(X)",
    "cb-Xinv-a": "-((aᵀ X⁻ᵀ) ⊗ X⁻¹)",
    "ew-tan": "cos(x)∘⁻²",
    "ew-arcsin": "0.25 (1 - (0.25 x)∘²).^(-1/2)",
    "ew-arccos": "-0.25 (1 - (0.25 x)∘²).^(-1/2)",
    "ew-arctan": "(1 + x∘²)∘⁻¹",
    "ew-sqrt": "0.5 sqrt(x)∘⁻¹",
    "ew-tanh": "Aᵀ sech(A x)∘²",
    "ew-relu": "Wᵀ step(W x)",
    "ew-sigmoid": "(sigmoid(W x) ∘ (1 - sigmoid(W x))) xᵀ",
    "ew-hadamard-quotient": "-(x ⊘ y∘²)",
    "ew-power": "3 x∘²",
    "ew-log-sum-exp": "softmax(x)",
    "ml-ridge": "2 Xᵀ (X w - y) + 2 c w",
    "ml-two-layer": "2 (sech(W x)∘² ∘ (Vᵀ (V tanh(W x) - y))) xᵀ",
    "ml-gaussian-nll": "S⁻ᵀ - S⁻ᵀ x xᵀ S⁻ᵀ",
    "jac-XB-transpose": "(eye(m) ⊗ Bᵀ) commutation(m, n)",
    "jac-sum-rows": "(vector(1)ᵀ ⊗ eye(n)) commutation(m, n)",
    "jac-tr-to-vector": "x vec(eye(m))ᵀ",
    "kron-gradient-right": "kron_right_adjoint(C, A)",
    "kron-gradient-left": "kron_left_adjoint(C, A)",
    "kron-gradient-middle": "kron_right_adjoint(kron_left_adjoint(C, B), A)",
    "cb-39-kron-jacobian-right": "(eye(n) ⊗ commutation(q, m) ⊗ eye(p)) (vec(A) ⊗ eye(p*q))",
    "kron-jacobian-left": "(eye(n) ⊗ commutation(q, m) ⊗ eye(p)) (eye(m*n) ⊗ vec(A))",
    "kron-jacobian-both": "(eye(n) ⊗ commutation(n, m) ⊗ eye(m)) (eye(m*n) ⊗ vec(X) + vec(X) ⊗ eye(m*n))",
    "diag-build-jacobian": "diag(vec(eye(m))) (vector(1) ⊗ eye(m))",
    "diag-take-jacobian": "(vector(1)ᵀ ⊗ eye(m)) diag(vec(eye(m)))",
    "diag-sandwich-jacobian": "(Bᵀ ⊗ A) diag(vec(eye(n))) (vector(1) ⊗ eye(n))",
    "bc-matrix-minus-scalar": "2 (c numel(X) - sum(X))",
    "fn-softmax-layer": "(y - sum(y) softmax(W x)) xᵀ",
    "fn-chol-logdet": "S⁻¹",
    "fn-svdvals-jacobian": "(vector(1)ᵀ ⊗ eye(3)) diag(vec(eye(3))) (svd_v(X)ᵀ ⊗ svd_u(X)ᵀ)",
}
