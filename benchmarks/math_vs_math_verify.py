"""rlvr's math checker side by side with Math-Verify: accuracy, then throughput.

    .venv/bin/pip install math-verify      # the peer; not an rlvr dependency
    .venv/bin/python benchmarks/math_vs_math_verify.py [--rows 10000] [--out DIR]

Accuracy, on two labelled sets, scored by both checkers in this process:
- rlvr's mixed set (`benchmarks/math_cases.py`): boxed completions by kind, including the
  known failure modes of answer checkers;
- Math-Verify's own published test cases (`benchmarks/data/math_verify_cases.jsonl`; where they
  come from is in the README beside it): each fed to both checkers the way its test fed it.

Throughput, whole commands on the same rows file (generated math problems, half answered
right, half wrong, boxed as a model would), each timed from process start to exit:
- `rlvr verify --in rows.jsonl --out scored.jsonl` (worker processes on every core);
- a plain Math-Verify loop: `python benchmarks/math_verify_loop.py rows.jsonl scored.jsonl`.

Prints a Markdown report; `--out DIR` also keeps the rows and outputs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from math_cases import rows as mixed_rows  # noqa: E402
from math_verify_loop import math_verify_case_score, math_verify_score  # noqa: E402

from rlvr.verifiers.math import MathVerifier  # noqa: E402


def rlvr_score(verifier: MathVerifier, row: dict[str, Any]) -> float:
    """rlvr's reward for a labelled row: its gold, mode, and the prompt and numeric_precision
    where the row has them (the restated-question and percent rules read the prompt)."""
    problem = {"answer": row["answer"], "mode": row["mode"]}
    for key in ("prompt", "numeric_precision"):
        if key in row:
            problem[key] = row[key]
    verdict = verifier.verify(problem, row["completion"])
    return verdict.reward or 0.0


def accuracy_table(
    title: str, rows: Iterable[dict[str, Any]], math_verify: Callable[[dict[str, Any]], float]
) -> list[str]:
    """Per-kind accuracy of both checkers against the labels, and the rows either gets wrong."""
    verifier = MathVerifier()
    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # n, rlvr ok, mv ok
    misses: list[str] = []
    for row in rows:
        expected = bool(row["expected"])
        ours = rlvr_score(verifier, row) >= 0.5
        theirs = math_verify(row) >= 0.5
        counts = by_kind[row["kind"]]
        counts[0] += 1
        counts[1] += ours == expected
        counts[2] += theirs == expected
        if expected not in (ours, theirs) or ours != theirs:
            cell = row["completion"].replace("\n", " ").replace("|", "\\|")[:70]
            gold = row["answer"].replace("\n", " ").replace("|", "\\|")[:50]
            misses.append(
                f"| {row['kind']} | `{gold}` | `{cell}` | {int(expected)} | "
                f"{int(ours)} | {int(theirs)} |"
            )
    total = [sum(c[i] for c in by_kind.values()) for i in range(3)]
    lines = [
        f"### {title}",
        "",
        "| kind | rows | rlvr | Math-Verify |",
        "| --- | ---: | ---: | ---: |",
    ]
    for kind, (n, ours_ok, theirs_ok) in sorted(by_kind.items()):
        lines.append(f"| {kind} | {n} | {ours_ok / n:.1%} | {theirs_ok / n:.1%} |")
    lines.append(
        f"| **all** | **{total[0]}** | **{total[1] / total[0]:.1%}** | "
        f"**{total[2] / total[0]:.1%}** |"
    )
    if misses:
        lines += [
            "",
            f"<details><summary>Rows where the two differ or either is wrong "
            f"({len(misses)})</summary>",
            "",
            "| kind | gold | completion | expected | rlvr | Math-Verify |",
            "| --- | --- | --- | ---: | ---: | ---: |",
            *misses,
            "",
            "</details>",
        ]
    return lines


def math_verify_case_rows(path: Path) -> list[dict[str, Any]]:
    """Math-Verify's test cases as rows for both checkers; see the data README.

    Few predictions box their answer (the tests exercise extraction from prose and `$...$`),
    so rlvr reads them in lenient mode. Math-Verify rounds numbers (to 6 places by default)
    everywhere, so its suite expects decimals to match exact values: rlvr opts in the same way
    (`numeric_precision`), which it leaves off by default: with its default of 3 significant
    digits, or with the test's own `float_rounding` where the test asks for fewer places (one
    row: `0.33` for 1/3 at 2 places).
    """
    rows = []
    for line in path.read_text().splitlines():
        case = json.loads(line)
        rows.append(
            {
                **case,
                "answer": case["gold"],
                "completion": case["prediction"],
                "mode": "lenient",
                "numeric_precision": True if case["precision"] >= 3 else case["precision"],
            }
        )
    return rows


def throughput_rows(count: int) -> list[dict[str, Any]]:
    from rlvr.environments.math import MathEnvironment

    problems = MathEnvironment(seed=7, size=count, heldout_fraction=0.0).problems("train")
    rows = []
    for i, problem in enumerate(problems):
        answer = problem["answer"] if i % 2 == 0 else f"{problem['answer']} + 1"
        if i % 2 and problem["answer"].startswith(("(", "\\left\\{")):
            answer = "(1000, 1000)"
        rows.append(
            {
                **problem,
                "completion": f"Working it out step by step, the result is $\\boxed{{{answer}}}$.",
            }
        )
    return rows


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stderr[-2000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    report = [
        f"## Math checker vs Math-Verify ({datetime.now(UTC):%Y-%m-%d})",
        "",
        f"Command: `.venv/bin/python benchmarks/math_vs_math_verify.py --rows {args.rows}`",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}",
        "",
    ]
    mixed = [{**row, "mode": "strict"} for row in mixed_rows()]
    report += [
        *accuracy_table(
            "Accuracy: rlvr's labelled mixed set (strict, boxed)",
            mixed,
            lambda row: math_verify_score(row["answer"], row["completion"]),
        ),
        "",
    ]
    cases = math_verify_case_rows(HERE / "data" / "math_verify_cases.jsonl")
    bare_gold = [row for row in cases if row["gold_style"] in ("bare", "latex")]
    report += [
        *accuracy_table(
            "Accuracy: Math-Verify's own test cases (all 276; rlvr lenient)",
            cases,
            math_verify_case_score,
        ),
        "",
        *accuracy_table(
            f"The {len(bare_gold)} of them whose gold is an answer, not a worked solution",
            bare_gold,
            math_verify_case_score,
        ),
        "",
    ]

    with tempfile.TemporaryDirectory() as scratch:
        folder = args.out or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        rows_path = folder / "rows.jsonl"
        with rows_path.open("w") as handle:
            for row in throughput_rows(args.rows):
                handle.write(json.dumps(row) + "\n")
        python = sys.executable
        rlvr_bin = str(Path(python).parent / "rlvr")
        ours = timed(
            [rlvr_bin, "verify", "--in", str(rows_path), "--out", str(folder / "rlvr.jsonl")]
        )
        ours_one = timed(
            [
                rlvr_bin,
                "verify",
                "--workers",
                "1",
                "--in",
                str(rows_path),
                "--out",
                str(folder / "rlvr-1.jsonl"),
            ]
        )
        theirs = timed(
            [
                python,
                str(HERE / "math_verify_loop.py"),
                str(rows_path),
                str(folder / "math_verify.jsonl"),
            ]
        )
        ours_rows = [json.loads(line) for line in (folder / "rlvr.jsonl").open()]
        theirs_rows = [json.loads(line) for line in (folder / "math_verify.jsonl").open()]
        agree = sum(
            ((a["reward"] or 0) >= 0.5) == (b["reward"] >= 0.5)
            for a, b in zip(ours_rows, theirs_rows, strict=True)
        )
    report += [
        f"### Throughput: {args.rows} generated rows, whole commands",
        "",
        "| command | seconds | rows/s |",
        "| --- | ---: | ---: |",
        f"| `rlvr verify` ({os.cpu_count()} workers) | {ours:.1f} | {args.rows / ours:,.0f} |",
        f"| `rlvr verify --workers 1` | {ours_one:.1f} | {args.rows / ours_one:,.0f} |",
        f"| plain Math-Verify loop | {theirs:.1f} | {args.rows / theirs:,.0f} |",
        "",
        f"rlvr verify / Math-Verify throughput: **{theirs / ours:.1f}x** "
        f"({theirs / ours_one:.1f}x with one worker). "
        f"The two agreed on {agree / args.rows:.1%} of the rows.",
    ]
    print("\n".join(report))


if __name__ == "__main__":
    main()
