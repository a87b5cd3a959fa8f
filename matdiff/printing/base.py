"""The base every printer shares: one method per node kind, `_Symbol`,
`_Mul`, ..., found once per class and dispatched by the node's type; a
printer without a method for some kind is incomplete (tests/test_registry.py
asks `missing_kinds`). Imports nodes.
"""
from __future__ import annotations

from typing import Any, Callable, ClassVar

from ..nodes import NODE_KINDS, Node


class Printer:
    """A visitor over the typed tree returning one output per node."""

    methods: ClassVar[dict[type, Callable[[Any, Any], Any]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.methods = {kind: getattr(cls, "_" + kind.__name__) for kind in NODE_KINDS
                       if hasattr(cls, "_" + kind.__name__)}

    @classmethod
    def missing_kinds(cls) -> list[str]:
        """The node kinds this printer has no form for (none, for a complete one)."""
        return [kind.__name__ for kind in NODE_KINDS if kind not in cls.methods]

    def __call__(self, node: Node) -> Any:
        return self.doprint(node)

    def doprint(self, node: Node) -> Any:
        return self.methods[type(node)](self, node)
