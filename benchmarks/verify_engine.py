"""`rlvr verify` throughput on cheap rows, this tree against another (e.g. before a change).

Cheap rows (one-step arithmetic, the math verifier) are where the engine's own costs — worker
start-up, round trips, the first pass over the file — show most; a sandboxed code row costs
a hundred times more and hides them. Runs alternate between the two trees, whole commands
timed from process start to exit, and the rewards of the two are compared row by row.

    git archive <commit> rlvr environments verifiers curricula | tar -x -C /tmp/before
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/verify_engine.py --other /tmp/before
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent


def write_rows(path: Path, n: int, seed: int) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            a, b = rng.randint(1, 999), rng.randint(1, 999)
            given = a + b if i % 3 else a + b + 1
            row = {
                "id": f"r{i}",
                "env": "math",
                "prompt": f"{a}+{b}?",
                "answer": str(a + b),
                "completion": f"The sum is \\boxed{{{given}}}.",
            }
            out.write(json.dumps(row) + "\n")


def run(tree: Path, rows: Path, out: Path, workers: int) -> float:
    env = {**os.environ, "PYTHONPATH": str(tree), "OMP_NUM_THREADS": "1"}
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "rlvr",
            "verify",
            "--in",
            rows,
            "--out",
            out,
            "--workers",
            str(workers),
        ],
        check=True,
        env=env,
        cwd=tempfile.gettempdir(),  # not this checkout: PYTHONPATH decides which rlvr runs
        capture_output=True,
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--other", type=Path, required=True, help="the tree to compare with")
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        rows = Path(folder) / "rows.jsonl"
        write_rows(rows, args.rows, seed=0)
        trees = {"this tree": HERE, "other": args.other.resolve()}
        seconds: dict[str, list[float]] = {label: [] for label in trees}
        for _ in range(args.repeats):
            for label, tree in trees.items():
                seconds[label].append(
                    run(tree, rows, Path(folder) / f"{label}.jsonl", args.workers)
                )
        rewards = {
            label: [json.loads(line)["reward"] for line in (Path(folder) / f"{label}.jsonl").open()]
            for label in trees
        }
    print(f"| tree | seconds (median of {args.repeats}) | rows/s | every run |")
    print("| --- | ---: | ---: | --- |")
    for label, runs in seconds.items():
        median = statistics.median(runs)
        every = ", ".join(f"{s:.1f}" for s in runs)
        print(f"| {label} | {median:.1f} | {args.rows / median:,.0f} | {every} |")
    print(f"\nsame rewards row by row: {rewards['this tree'] == rewards['other']}")


if __name__ == "__main__":
    main()
