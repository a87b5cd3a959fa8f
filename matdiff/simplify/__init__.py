"""Simplification: small named rules driven to a normal form (engine.py,
rules.py), then a presentation pass that factors common parts out of sums
(factor.py). Imports nodes, shapes and ops."""
from .engine import simplify
from .factor import factor
from .stable import stable_forms

__all__ = ["simplify", "factor", "stable_forms"]
