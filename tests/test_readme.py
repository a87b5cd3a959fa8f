"""The README's sessions are what the command line prints: every `$ matdiff`
line in a code block is run and its output compared, line by line (a
`check passed` line up to its numbers, which depend on rounding)."""
from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from matdiff.cli import main

README = Path(__file__).resolve().parent.parent / "README.md"


def _sessions() -> list[tuple[str, list[str]]]:
    out: list[tuple[str, list[str]]] = []
    for block in re.findall(r"```\n(.*?)```", README.read_text(encoding="utf-8"), re.S):
        command: str | None = None
        lines: list[str] = []
        for line in block.splitlines():
            if line.startswith("$ matdiff "):
                if command is not None:
                    out.append((command, lines))
                command, lines = line[len("$ matdiff "):], []
            elif command is not None:
                lines.append(line)
        if command is not None:
            out.append((command, lines))
    return out


SESSIONS = _sessions()


def _comparable(line: str) -> str:
    return re.sub(r"\d\.\de[-+]\d\d", "<number>", line) if line.startswith("check passed") else line


def test_the_readme_has_sessions():
    assert len(SESSIONS) >= 6


@pytest.mark.parametrize("command,want", SESSIONS, ids=[s[0] for s in SESSIONS])
def test_a_readme_session_prints_what_it_shows(command, want, capsys):
    main(shlex.split(command))
    captured = capsys.readouterr()
    got = (captured.out + captured.err).rstrip("\n").splitlines()
    while want and not want[-1]:  # a blank line separates sessions in a block
        want = want[:-1]
    assert [_comparable(x) for x in got] == [_comparable(x) for x in want]
