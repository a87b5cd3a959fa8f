"""Logistic regression by gradient descent with matdiff's gradient of the
logistic loss (the matrixcalculus.org example).

    python examples/logistic_regression.py
"""
import numpy as np

import matdiff

loss = "sum(log(exp(-y.*(X*w)) + vector(1)))"
result = matdiff.derivative(loss, wrt="w")
print("gradient:", result)
assert result.check().ok
gradient = result.lambdify()

rng = np.random.default_rng(1)
X = rng.standard_normal((200, 3))
w_true = np.array([2.0, -1.0, 0.5])
y = np.where(X @ w_true + 0.3 * rng.standard_normal(200) > 0, 1.0, -1.0)

w = np.zeros(3)
start = np.linalg.norm(gradient(X=X, y=y, w=w))
for _ in range(5000):
    w = w - 0.02 * gradient(X=X, y=y, w=w)

final = np.linalg.norm(gradient(X=X, y=y, w=w))
accuracy = np.mean(np.sign(X @ w) == y)
print(f"gradient norm {start:.2e} -> {final:.2e}; training accuracy {accuracy:.2f}")
assert final < 1e-3 * start and accuracy > 0.85
