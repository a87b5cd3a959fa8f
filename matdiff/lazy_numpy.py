"""NumPy, imported on first use: deriving and printing never need it, so the
command line answers `matdiff "tr(A X B)" --wrt X` without paying for it.

`np.sin` read at import time (to fill the function registry) is a deferred
reference that imports NumPy when first called; once NumPy is loaded, `np.x`
is the real attribute.
"""
from __future__ import annotations

import importlib
import sys
from typing import Any


class _Deferred:
    """numpy.<path>, resolved when called or inspected."""

    __slots__ = ("_path", "_target")

    def __init__(self, path: str):
        self._path = path
        self._target: Any = None

    def resolve(self) -> Any:
        """The NumPy object, looked up once (registry entries are called often)."""
        if self._target is None:
            target: Any = importlib.import_module("numpy")
            for part in self._path.split("."):
                target = getattr(target, part)
            self._target = target
        return self._target

    def __getattr__(self, name: str) -> Any:
        if "numpy" in sys.modules:
            return getattr(self.resolve(), name)
        return _Deferred(f"{self._path}.{name}")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.resolve()(*args, **kwargs)


class _LazyNumPy:
    def __getattr__(self, name: str) -> Any:
        module = sys.modules.get("numpy")
        if module is not None:
            return getattr(module, name)
        return _Deferred(name)


np: Any = _LazyNumPy()
