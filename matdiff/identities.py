"""How a derivation cites what it applies: a rule's name, its identity and
the source of the identity (Matrix Cookbook equation, course notes). Imports
nothing, so every pass and the function records can name their rules."""
from __future__ import annotations

from typing import NamedTuple


class Rule(NamedTuple):  # a named tuple: made at import by every pass, so cheap to create
    """A rule as a person cites it: name, the identity it applies, where it is from."""

    name: str
    identity: str = ""
    source: str = ""
