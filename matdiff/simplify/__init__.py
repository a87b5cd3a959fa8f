"""Simplification: small named rules driven to a normal form (engine.py,
rules.py), then a presentation pass that factors common parts out of sums
(factor.py). Imports nodes, shapes and ops."""
from .engine import simplify
from .factor import factor

__all__ = ["simplify", "factor"]
