"""Softmax regression (multinomial logistic regression) by gradient descent,
with matdiff's gradient of the cross-entropy of one sample: for a one-hot
label y, ∇W (−yᵀ log softmax(W x)) = (sum(y) softmax(W x) − y) xᵀ.

    python examples/softmax_regression.py

The data are drawn from a known model W_true (labels are the arg max of
W_true x plus noise); the trained model must classify as well as the model
that made the data, up to a few points.
"""
import numpy as np

import matdiff

loss = "-y'*log(softmax(W*x))"
result = matdiff.derivative(loss, wrt="W")
print("gradient:", result)
assert str(result) == "(sum(y) softmax(W x) - y) xᵀ", result
assert result.check().ok
gradient = result.lambdify()

rng = np.random.default_rng(3)
classes, features, samples = 3, 4, 150
W_true = rng.standard_normal((classes, features)) * 2
X = rng.standard_normal((samples, features))
labels = np.argmax(X @ W_true.T + 0.5 * rng.standard_normal((samples, classes)), axis=1)
Y = np.eye(classes)[labels]


def accuracy(W):
    return float(np.mean(np.argmax(X @ W.T, axis=1) == labels))


def mean_gradient(W):
    return sum(gradient(W=W, x=x, y=y) for x, y in zip(X, Y)) / samples


W = np.zeros((classes, features))
start = np.linalg.norm(mean_gradient(W))
for step in range(300):
    W = W - 1.0 * mean_gradient(W)
final = np.linalg.norm(mean_gradient(W))

print(f"gradient norm {start:.2e} -> {final:.2e}; accuracy {accuracy(W):.2f} "
      f"(the model that made the data: {accuracy(W_true):.2f})")
assert final < 0.05 * start
assert accuracy(W) >= accuracy(W_true) - 0.05
