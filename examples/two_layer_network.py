"""A two-layer neural network (tanh hidden layer, softmax cross-entropy head)
trained by gradient descent, with the gradients of all four parameters from
one matdiff program and one backward pass.

    python examples/two_layer_network.py

The data are three concentric rings in the plane, which no linear classifier
separates; the network must classify nearly all of them and beat a softmax
regression trained the same way by a wide margin. Before training, matdiff's
gradients are compared with central differences of the loss in plain NumPy.
"""
import numpy as np

import matdiff

program = """
a = W1*x + b1
h = tanh(a)
z = W2*h + b2
f = -y'*log(softmax(z))
where b1: vector, b2: vector
"""
parameters = ["W1", "b1", "W2", "b2"]
results = matdiff.derivative(program, wrt=parameters)
print("∇W1 f =", results[0])
print("where", results[0].where)
assert str(results[0]) == "(sech(a)∘² ∘ (W2ᵀ (sum(y) softmax(z) - y))) xᵀ", results[0]
for result in results:
    assert result.check().ok, result.check()
backprop = results[0].backprop
print(backprop)
gradients = backprop.lambdify()  # (∇W1, ∇b1, ∇W2, ∇b2) of one sample's loss

# Three noisy concentric rings, one class each.
rng = np.random.default_rng(0)
classes, per_class, hidden = 3, 60, 12
labels = np.repeat(np.arange(classes), per_class)
radius = np.array([0.5, 1.5, 2.5])[labels] + 0.2 * rng.standard_normal(labels.size)
angle = rng.uniform(0, 2 * np.pi, labels.size)
X = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
Y = np.eye(classes)[labels]
samples, features = X.shape


def logits(W1, b1, W2, b2, inputs):
    return np.tanh(inputs @ W1.T + b1) @ W2.T + b2


def loss(W1, b1, W2, b2, x, y):
    """One sample's cross-entropy, written independently of matdiff."""
    z = logits(W1, b1, W2, b2, x)
    return -y @ (z - z.max() - np.log(np.sum(np.exp(z - z.max()))))


def central_differences(params, x, y, step=1e-6):
    numeric = []
    for p in params:
        g = np.zeros_like(p)
        for index in np.ndindex(p.shape):
            saved = p[index]
            p[index] = saved + step
            up = loss(*params, x, y)
            p[index] = saved - step
            down = loss(*params, x, y)
            p[index] = saved
            g[index] = (up - down) / (2 * step)
        numeric.append(g)
    return numeric


def mean_gradients(params):
    named = dict(zip(parameters, params))
    total = [np.zeros_like(p) for p in params]
    for x, y in zip(X, Y):
        for t, g in zip(total, gradients(**named, x=x, y=y)):
            t += g
    return [t / samples for t in total]


def descend(params, gradient, steps=200, rate=0.5, momentum=0.9):
    velocity = [np.zeros_like(p) for p in params]
    for _ in range(steps):
        velocity = [momentum * v - rate * g for v, g in zip(velocity, gradient(params))]
        params = [p + v for p, v in zip(params, velocity)]
    return params


params = [rng.standard_normal((hidden, features)), np.zeros(hidden),
          rng.standard_normal((classes, hidden)) / np.sqrt(hidden), np.zeros(classes)]

exact = gradients(**dict(zip(parameters, params)), x=X[0], y=Y[0])
numeric = central_differences(params, X[0], Y[0])
for name, e, n in zip(parameters, exact, numeric):
    assert e.shape == n.shape, (name, e.shape, n.shape)
error = (np.linalg.norm(np.concatenate([(e - n).ravel() for e, n in zip(exact, numeric)]))
         / np.linalg.norm(np.concatenate([n.ravel() for n in numeric])))
print(f"relative error against central differences: {error:.1e}")
assert error < 1e-6

params = descend(params, mean_gradients)
network = float(np.mean(np.argmax(logits(*params, X), axis=1) == labels))


def linear_gradients(params):
    """Softmax regression's mean gradient, by hand."""
    W, b = params
    z = X @ W.T + b
    p = np.exp(z - z.max(axis=1, keepdims=True))
    residual = (p / p.sum(axis=1, keepdims=True) - Y) / samples
    return [residual.T @ X, residual.sum(axis=0)]


W, b = descend([np.zeros((classes, features)), np.zeros(classes)], linear_gradients)
linear = float(np.mean(np.argmax(X @ W.T + b, axis=1) == labels))

print(f"training accuracy: two-layer network {network:.2f}, linear softmax {linear:.2f}")
assert network >= 0.95
assert network >= linear + 0.3
