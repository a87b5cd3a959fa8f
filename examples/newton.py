"""Newton's method on a strictly convex function of a matrix, with the gradient
and the Hessian operator derived by matdiff. Each Newton step solves
H[P] = -∇f by conjugate gradients on Hessian-vector products, so the
(mn × mn) Hessian matrix is never formed.

    f(X) = Σ softplus(A X B) + (c/2) ‖X‖²,   softplus(t) = log(1 + eᵗ)

    python examples/newton.py
"""
import numpy as np

import matdiff
from matdiff.evaluate import evaluate

TEXT = "sum(log(matrix(1) + exp(A*X*B))) + 0.5*c*norm2(X)^2"
gradient_result = matdiff.derivative(TEXT, wrt="X")
hessian_result = matdiff.hessian(TEXT, wrt="X")
print("∇f    =", gradient_result)
print("H[dX] =", hessian_result.operator)

gradient = gradient_result.lambdify()
hessian_times = hessian_result.lambdify(form="operator")

rng = np.random.default_rng(0)
A, B = rng.standard_normal((6, 4)), rng.standard_normal((3, 5))
c = 0.1


def f(X):
    return float(evaluate(gradient_result.expression, {"A": A, "X": X, "B": B, "c": c})[0, 0])


def conjugate_gradients(apply, rhs, tolerance):
    """Solve apply(P) = rhs for a symmetric positive definite linear map."""
    P = np.zeros_like(rhs)
    R = rhs.copy()
    D = R.copy()
    rr = np.sum(R * R)
    for k in range(rhs.size):
        if np.sqrt(rr) <= tolerance:
            return P, k
        HD = apply(D)
        alpha = rr / np.sum(D * HD)
        P += alpha * D
        R -= alpha * HD
        rr, rr_old = np.sum(R * R), rr
        D = R + (rr / rr_old) * D
    return P, rhs.size


X = np.zeros((4, 3))
norms = []
print(f"{'step':>4} {'f(X)':>14} {'‖∇f‖':>10} {'CG':>4}")
for step in range(30):
    G = gradient(A=A, X=X, B=B, c=c)
    norms.append(np.linalg.norm(G))
    if norms[-1] < 1e-11:
        print(f"{step:4d} {f(X):14.10f} {norms[-1]:10.2e}")
        break
    # an inexact Newton step: CG to a relative accuracy that tightens as ‖∇f‖ falls
    P, iterations = conjugate_gradients(lambda D: hessian_times(A=A, X=X, B=B, c=c, dX=D), -G,
                                        min(0.1, norms[-1]) * norms[-1])
    print(f"{step:4d} {f(X):14.10f} {norms[-1]:10.2e} {iterations:4d}")
    t = 1.0  # backtracking (Armijo) line search; near the minimum the full step is taken
    while f(X + t * P) > f(X) + 1e-4 * t * np.sum(G * P):
        t /= 2
    X = X + t * P

assert norms[-1] < 1e-11, "Newton's method did not converge"
# quadratic convergence: log ‖∇f‖ roughly doubles from step to step at the end
orders = [np.log(norms[k + 1] / norms[k]) / np.log(norms[k] / norms[k - 1]) for k in range(1, len(norms) - 1)]
print("observed orders of convergence:", " ".join(f"{q:.2f}" for q in orders))
assert max(orders[-2:]) > 1.6, "convergence is not quadratic"
