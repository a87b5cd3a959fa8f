"""The size measure of printed results: over the derivative table
(tests/test_derivatives.py), the ratio of the tree nodes of each result's
`result_input` to those of its textbook form (the row's printed text, or
tests/textbook.py where a row compares none), both parsed by matdiff.

    python benchmarks/readability.py [--worst K] [--inputs FILE]

--inputs reads the result_input strings from a JSON file (row id -> text)
instead of deriving them, so that another version's results can be measured
by this version's parser. Run on demand; the latest figures are in
benchmarks/RESULTS.md ("Readability").
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import matdiff  # noqa: E402
from matdiff.nodes import written_size  # noqa: E402
from helpers import as_program  # noqa: E402
from test_derivatives import ROWS  # noqa: E402
from textbook import DERIVATIVE_TABLE  # noqa: E402


def textbook_form(row: tuple) -> str:
    """The row's textbook closed form in the input language (named parts as definitions)."""
    return as_program(row[-1] if row[-1] is not None else DERIVATIVE_TABLE[row[0]])


def result_inputs() -> dict[str, str]:
    """Each row's result_input, derived now."""
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for row in ROWS:
            rid, text, wrt, where = row[:4]
            out[rid] = matdiff.derivative(text, wrt=wrt, where=where).to_dict()["result_input"]
    return out


def ratios(inputs: dict[str, str]) -> list[tuple[float, str]]:
    """(size of result_input / size of the textbook form, row id), smallest first."""
    out = []
    for row in ROWS:
        rid, where = row[0], row[3]
        mine = written_size(matdiff.parse(inputs[rid], where))
        theirs = written_size(matdiff.parse(textbook_form(row), where))
        out.append((mine / theirs, rid))
    return sorted(out)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--worst", type=int, default=5, help="list the K rows furthest from the textbook")
    p.add_argument("--inputs", help="a JSON file of result_input strings by row id")
    args = p.parse_args()
    inputs = json.loads(Path(args.inputs).read_text()) if args.inputs else result_inputs()
    measured = ratios(inputs)
    values = [r for r, _ in measured]
    print(f"{len(values)} rows: median ratio {statistics.median(values):.3f}, worst {values[-1]:.3f}, "
          f"{sum(v > 1.1 for v in values)} above 1.1")
    for value, rid in measured[-args.worst:]:
        print(f"  {value:.3f}  {rid}")


if __name__ == "__main__":
    main()
