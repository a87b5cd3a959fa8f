"""Simplification: small named rules driven to a normal form (engine.py,
rules.py), then a presentation pass that factors common parts out of sums
(factor.py), and the stable forms of inputs (stable.py). Imports nodes,
shapes, ops and facts."""
from .engine import simplify
from .factor import factor
from .stable import stable_forms

__all__ = ["simplify", "factor", "stable_forms"]
