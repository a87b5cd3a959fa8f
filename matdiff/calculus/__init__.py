"""Differentiation: forward differentials (differential.py), their transposes
into gradients (adjoint.py) and their vec-matrices into Jacobians
(vectorize.py), each one dispatch table over the node kinds with named
functions' rules from their records; Hessians (hessian.py) and gradients of
structured variables (structured.py, from the structure records). Imports
nodes, shapes, ops, structures, facts and simplify."""
