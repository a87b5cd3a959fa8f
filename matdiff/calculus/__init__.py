"""Differentiation: forward differentials (differential.py), their transposes
into gradients (adjoint.py) and their vec-matrices into Jacobians
(vectorize.py). Imports nodes, shapes, ops and simplify."""
