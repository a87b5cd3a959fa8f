"""The names of a generated module. A user's symbols keep their own names
(a Python keyword gets a suffix); every other name the code binds or reads —
sizes, temporaries, the NumPy module, results — is claimed here after the
user's names, so it can never be one of them. Shipped helpers are module
globals whose names start with '_', which no matdiff symbol can.
Imports nothing of matdiff.
"""
from __future__ import annotations

import keyword
from typing import Iterable


class Namespace:
    """Distinct Python identifiers for one generated module."""

    def __init__(self, user_names: Iterable[str]):
        names = list(dict.fromkeys(user_names))
        self.taken: set[str] = {n for n in names if not keyword.iskeyword(n)}
        self.user: dict[str, str] = {}
        for n in names:
            self.user[n] = self.claim(n + "_") if keyword.iskeyword(n) else n

    def claim(self, preferred: str) -> str:
        """`preferred`, or `preferred_1`, `preferred_2`, ... : the first that is free."""
        name, k = preferred, 0
        while name in self.taken or keyword.iskeyword(name):
            k += 1
            name = f"{preferred}_{k}"
        self.taken.add(name)
        return name

    def symbol(self, name: str) -> str:
        """The Python name of a user's symbol."""
        return self.user[name]
