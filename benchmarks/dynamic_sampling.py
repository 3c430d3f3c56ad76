"""Dynamic sampling on the embedded model: zero-variance groups entering the update, and the
generation it costs.

    .venv/bin/python benchmarks/dynamic_sampling.py [--steps 6] [--rounds 3] [--out DIR]

Two runs of `rlvr train` one after the other, identical but for `dynamic_sampling_rounds`
(0, then --rounds): the embedded SmolLM2-135M-Instruct on math held to one-step arithmetic
(examples/cpu-quickstart.yaml's problem mix, where it answers about a third right), 3 problems
x 4 completions x 96 tokens a step, seed 0, verified in local worker processes (no Ray: on a
shared machine a second Ray instance competes for the same cores). Reported from each run's
metrics.jsonl: the share of groups whose rewards are all equal among those the update got and
among all generated, the groups dropped from the update (still flat after the rounds), the
completions generated per step and seconds per step, and the cost of the rounds against the
run without them. Resumable: a finished run is not redone.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import torch
import yaml

CONFIG = Path(__file__).parents[1] / "examples" / "cpu-quickstart.yaml"


def run(out: Path, steps: int, rounds: int) -> list[dict[str, float]]:
    metrics = out / "metrics.jsonl"
    done = metrics.exists() and len(metrics.read_text().splitlines()) >= steps
    if not done:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "rlvr",
                "train",
                "--config",
                str(CONFIG),
                "--envs",
                "math",
                "--max-steps",
                str(steps),
                "--save-steps",
                str(steps),
                "--dynamic-sampling-rounds",
                str(rounds),
                "--verification",
                "local",
                "--output-dir",
                str(out),
                "--resume",
            ],
            check=True,
        )
    return [json.loads(line) for line in metrics.read_text().splitlines()]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("runs/bench-dynamic-sampling"))
    args = parser.parse_args()
    table, precision, cost = [], "?", {}
    for rounds in (0, args.rounds):
        rows = run(args.out / f"rounds-{rounds}", args.steps, rounds)
        config = yaml.safe_load((args.out / f"rounds-{rounds}" / "config.yaml").read_text())
        precision = "bf16" if config["bf16"] else "fp32"
        precision += f" ({config['hardware']['bf16_reason']})"
        generated = [4 * 3 + r.get("dynamic_sampling/extra_completions", 0.0) for r in rows]
        in_update = statistics.mean(r["zero_variance_groups_in_update"] for r in rows)
        dropped = statistics.mean(r.get("dynamic_sampling/dropped_groups", 0.0) for r in rows)
        seconds = statistics.mean(r["step_seconds"] for r in rows)
        cost[rounds] = (statistics.mean(generated), seconds)
        table.append(
            f"| {rounds} | {in_update:.2f} "
            f"| {statistics.mean(r['zero_variance_groups'] for r in rows):.2f} "
            f"| {dropped:.2f} "
            f"| {statistics.mean(generated):.1f} "
            f"| {seconds:.0f} "
            f"| {statistics.mean(r['env/math/pass_rate'] for r in rows):.2f} |"
        )
    print(
        "\n".join(
            [
                f"## Dynamic sampling on the embedded model ({datetime.now(UTC):%Y-%m-%d})",
                "",
                f"Command: `.venv/bin/python benchmarks/dynamic_sampling.py --steps {args.steps} "
                f"--rounds {args.rounds}`",
                f"Machine: {platform.machine()}, {len(os.sched_getaffinity(0))} cores, torch "
                f"{torch.__version__}; math (one-step arithmetic), 3 problems x 4 completions x "
                f"96 tokens a step, {args.steps} steps, seed 0, {precision}",
                "",
                "| extra rounds | zero-variance groups in the update | of all generated "
                "| groups dropped / step | completions generated / step | s / step "
                "| math pass rate |",
                "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
                *table,
                "",
                f"Cost of {args.rounds} rounds: "
                f"{cost[args.rounds][0] / cost[0][0]:.2f}x the completions generated "
                f"(+{cost[args.rounds][0] - cost[0][0]:.1f} a step), "
                f"{cost[args.rounds][1] / cost[0][1]:.2f}x the seconds per step.",
            ]
        )
    )


if __name__ == "__main__":
    main()
