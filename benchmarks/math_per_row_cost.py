"""Per-row cost of the math verifier at another commit against the working tree's, in one process.

    .venv/bin/python benchmarks/math_per_row_cost.py ROWS.jsonl [--commit 445c524] [--limit 2000]

ROWS.jsonl holds problem records with a `completion` (`math_vs_math_verify.py --out DIR` keeps
its `rows.jsonl`). The old `verifiers/math.py` and `verifiers/latex.py` are read from git into
a scratch folder and imported beside the current ones; each round verifies every row with both,
the order alternating between rounds, so that a machine whose load changes treats both alike.
Prints rows/s for each.
"""

from __future__ import annotations

import argparse
import importlib
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rlvr.verifiers.math import MathVerifier


def old_verifier(commit: str, folder: Path) -> object:
    for name in ("math", "latex"):
        source = subprocess.run(
            ["git", "show", f"{commit}:verifiers/{name}.py"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        source = source.replace("from rlvr.verifiers.latex import", "from old_latex import")
        (folder / f"old_{name}.py").write_text(source)
    sys.path.insert(0, str(folder))
    return importlib.import_module("old_math").MathVerifier()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", type=Path)
    parser.add_argument("--commit", default="445c524")
    parser.add_argument("--limit", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    rows = [json.loads(line) for line in args.rows.open()][: args.limit]
    with tempfile.TemporaryDirectory() as scratch:
        verifiers = {"old": old_verifier(args.commit, Path(scratch)), "new": MathVerifier()}
        seconds = dict.fromkeys(verifiers, 0.0)
        for round_ in range(args.rounds):
            for name in ("old", "new") if round_ % 2 == 0 else ("new", "old"):
                started = time.perf_counter()
                for row in rows:
                    verifiers[name].verify(row, row["completion"])  # type: ignore[attr-defined]
                seconds[name] += time.perf_counter() - started
    for name, spent in seconds.items():
        label = args.commit if name == "old" else "working tree"
        print(f"{label}: {args.rounds * len(rows) / spent:,.0f} rows/s")


if __name__ == "__main__":
    main()
