"""Least squares by gradient descent with a gradient derived by matdiff.

    python examples/least_squares.py
"""
import numpy as np

import matdiff

result = matdiff.derivative("norm2(A*x - y)^2", wrt="x")
print("gradient:", result)           # 2 Aᵀ (A x - y)
gradient = result.lambdify()

rng = np.random.default_rng(0)
A = rng.standard_normal((20, 5))
y = rng.standard_normal(20)
x = np.zeros(5)
step = 0.5 / np.linalg.norm(A, 2) ** 2
for _ in range(2000):
    x = x - step * gradient(A=A, x=x, y=y)

exact = np.linalg.lstsq(A, y, rcond=None)[0]
error = np.linalg.norm(x - exact) / np.linalg.norm(exact)
print(f"relative distance to numpy.linalg.lstsq: {error:.2e}")
assert error < 1e-6
