"""Where a CPU training step's time goes, against what the machine's matmuls can do.

    .venv/bin/python benchmarks/step_profile.py [--steps 4] [--config benchmarks/learning/run.yaml]
        [--variants checkpointing no-checkpointing]

Runs `rlvr train` in this process on the learning benchmark's config (the embedded model, all
three environments, 3 problems x 4 completions x up to 96 tokens a step) once per variant, and
splits each step with TRL's own profiling points (`trl.extras.profiling`, which TRL reports only
to trackers; here they are collected): `transformers.generate` (decoding, prompt prefill
included), the reward call (rlvr's environment pool), `compute_loss` (the policy's forward over
prompt + completion) and the rest of TRL's `training_step` (backward, with the forward recomputed
when gradient checkpointing is on), then the optimizer and rlvr's per-step work (step time minus
training_step). The first step (warm-up) is left out.

The machine's limit: fp32 matmul throughput measured here at the model's shapes, and the step's
forward FLOPs (2 x parameters x tokens; backward through frozen LoRA base weights is about one
forward more, gradient checkpointing adds one more forward).
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import os
import platform
import statistics
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import torch

VARIANTS = {
    # TRL's GRPOConfig default (its `gradient_checkpointing`, transformers 5's
    # `activation_checkpointing`), and rlvr's CPU default since this benchmark measured it
    "checkpointing": {"activation_checkpointing": True},
    "no-checkpointing": {"activation_checkpointing": False},
}


def matmul_gflops(threads: int, rows: int = 1152, inner: int = 576, cols: int = 1536) -> float:
    """fp32 GFLOP/s of a (rows x inner) @ (inner x cols) product: SmolLM2-135M's MLP shape
    for one step's 12 sequences of ~96 tokens."""
    torch.set_num_threads(threads)
    a, b = torch.randn(rows, inner), torch.randn(inner, cols)
    for _ in range(3):
        a @ b
    reps, start = 20, time.perf_counter()
    for _ in range(reps):
        a @ b
    return 2 * rows * inner * cols * reps / (time.perf_counter() - start) / 1e9


def profile(config_path: Path, steps: int, trl_overrides: dict[str, Any]) -> dict[str, Any]:
    from trl.extras import profiling
    from trl.trainer.grpo_trainer import GRPOTrainer

    from rlvr.config import load_config
    from rlvr.train import train

    events: list[tuple[str, float]] = []
    original_log = profiling.ProfilingContext._log_metrics
    original_step = GRPOTrainer.training_step

    def log(self: Any, duration: float) -> None:
        events.append((self.name.split(".")[-1], duration))

    def training_step(self: Any, *args: Any, **kwargs: Any) -> Any:
        events.append(("<step>", 0.0))
        start = time.perf_counter()
        try:
            return original_step(self, *args, **kwargs)
        finally:
            events.append(("training_step", time.perf_counter() - start))

    profiling.ProfilingContext._log_metrics = log  # type: ignore[method-assign]
    GRPOTrainer.training_step = training_step  # type: ignore[method-assign]
    try:
        with tempfile.TemporaryDirectory() as scratch:
            config = load_config(config_path)
            config = dataclasses.replace(
                config,
                output_dir=str(Path(scratch) / "run"),
                max_steps=steps,
                save_steps=steps,
                trl={**config.trl, **trl_overrides},
            )
            train(config)
            rows = [
                json.loads(line)
                for line in (Path(scratch) / "run" / "metrics.jsonl").read_text().splitlines()
            ]
    finally:
        profiling.ProfilingContext._log_metrics = original_log  # type: ignore[method-assign]
        GRPOTrainer.training_step = original_step  # type: ignore[method-assign]
    per_step: list[dict[str, float]] = []
    for name, seconds in events:
        if name == "<step>":
            per_step.append(defaultdict(float))
        elif per_step:
            per_step[-1][name] += seconds
    phases: dict[str, list[float]] = defaultdict(list)
    for row, times in zip(rows[1:], per_step[1:], strict=False):
        generate = times["generate"]
        rewards = times["_calculate_rewards"]
        prepare = times["_prepare_inputs"]
        loss = times["compute_loss"]
        phases["step"].append(row["step_seconds"])
        phases["generate"].append(generate)
        phases["rewards"].append(rewards)
        phases["other generation-side work"].append(prepare - generate - rewards)
        phases["forward (compute_loss)"].append(loss)
        phases["backward"].append(times["training_step"] - prepare - loss)
        phases["optimizer and rlvr's per-step work"].append(
            row["step_seconds"] - times["training_step"]
        )
    tokens = [b["num_tokens"] - a["num_tokens"] for a, b in itertools.pairwise(rows)]
    lengths = [row["completions/mean_length"] for row in rows[1:]]
    return {
        "phases": {k: statistics.mean(v) for k, v in phases.items()},
        "tokens": statistics.mean(tokens[1:] or tokens),
        "completion_length": statistics.mean(lengths),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--config", type=Path, default=Path("benchmarks/learning/run.yaml"))
    parser.add_argument("--variants", nargs="+", choices=tuple(VARIANTS), default=list(VARIANTS))
    args = parser.parse_args()
    threads = len(os.sched_getaffinity(0))
    peak = {n: matmul_gflops(n) for n in sorted({1, threads})}
    results = {v: profile(args.config, args.steps, VARIANTS[v]) for v in args.variants}
    params = 134.5e6  # SmolLM2-135M's matmul parameters, the tied output projection included
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    cpu = next(
        (
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/cpuinfo").read_text().splitlines()
            if ln.startswith("model name")
        ),
        platform.processor(),
    )
    lines = [
        f"## Where a CPU step's time goes ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC)",
        "",
        f"Command: `.venv/bin/python benchmarks/step_profile.py --steps {args.steps} "
        f"--config {args.config} --variants {' '.join(args.variants)}`",
        f"Machine: {cpu}, {threads} cores, torch {torch.__version__} "
        f"({torch.backends.cpu.get_cpu_capability()}), load average at the end {load}; "
        "fp32 matmul at the model's MLP shape: "
        + ", ".join(f"{g:.0f} GFLOP/s on {n} thread{'s' * (n > 1)}" for n, g in peak.items()),
        f"Means over steps 2-{args.steps} (step 1 is warm-up), seconds:",
        "",
        "| phase | " + " | ".join(args.variants) + " |",
        "| --- | " + " | ".join("---:" for _ in args.variants) + " |",
    ]
    names = list(next(iter(results.values()))["phases"])
    for name in names:
        cells = []
        for v in args.variants:
            seconds, step = results[v]["phases"][name], results[v]["phases"]["step"]
            cells.append(f"{seconds:.1f}" + ("" if name == "step" else f" ({seconds / step:.0%})"))
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    for v in args.variants:
        r = results[v]
        forward_gflop = 2 * params * r["tokens"] / 1e9
        forward_s = r["phases"]["forward (compute_loss)"]
        lines.append(
            f"\n{v}: {r['tokens']:.0f} tokens a step (prompt + completion, TRL's num_tokens), "
            f"mean completion {r['completion_length']:.0f} tokens; one forward over them is "
            f"{forward_gflop:.0f} GFLOP, {forward_gflop / peak[threads]:.1f} s at the measured "
            f"{threads}-thread matmul rate; the forward took {forward_s:.1f} s"
        )
    print("\n".join(lines))


if __name__ == "__main__":
    main()
