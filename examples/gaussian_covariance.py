"""Maximum likelihood covariance of a Gaussian via logdet: the gradient of the
negative log-likelihood N logdet(S) + tr(inv(S) C) (C the scatter matrix)
vanishes at S = C / N.

    python examples/gaussian_covariance.py
"""
import numpy as np

import matdiff

nll = "b*logdet(S) + tr(inv(S)*C)"
result = matdiff.derivative(nll, wrt="S", where="S: spd, C: symmetric, b: scalar")
print("gradient:", result)
gradient = result.lambdify()

rng = np.random.default_rng(2)
samples = rng.standard_normal((500, 3)) @ np.array([[2.0, 0.0, 0.0], [0.5, 1.0, 0.0], [0.0, 0.3, 0.5]])
C = samples.T @ samples
N = len(samples)

S = np.eye(3)
for _ in range(500):            # gradient descent in the space of symmetric matrices
    S = S - 0.5 / N * (S @ gradient(b=N, S=S, C=C) @ S)

mle = C / N
error = np.linalg.norm(S - mle) / np.linalg.norm(mle)
print(f"relative distance to C/N: {error:.2e}")
assert error < 1e-6
