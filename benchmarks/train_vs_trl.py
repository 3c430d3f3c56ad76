"""Step time of `rlvr train` against a plain TRL GRPOTrainer, same model, config and verifier.

    .venv/bin/python benchmarks/train_vs_trl.py [--steps 5] [--model PATH] [--precision fp32 bf16]

Both run in this process one after the other on the same problems (the math environment,
easiest problems), the same GRPO settings and the same verifier called in-process: plain TRL
gets `rlvr.reward_function("math")` and a dataset of the same prompts; rlvr verifies in local
worker processes (no Ray) and adds its sampler,
per-environment metrics, samples, checkpoints with curriculum state, and the per-step line.
Step time depends on how long the sampled completions are, so the report gives tokens per
second (completion and prompt tokens processed, from TRL's own `num_tokens`) beside seconds
per step; the first step (warm-up) is left out of both. Each precision asked for runs both
sides in turn, in one process; bf16 is refused where rlvr's precision rule
(`rlvr.config.native_bf16`) finds no native support, since an emulated bf16 step measures
the emulation, not rlvr.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import torch
from datasets import Dataset
from transformers import TrainerCallback
from trl import GRPOConfig, GRPOTrainer

from rlvr import reward_function
from rlvr.config import EnvConfig, TrainConfig, native_bf16
from rlvr.environments.math import MathEnvironment
from rlvr.models import resolve_model
from rlvr.train import train

PROBLEMS_PER_STEP, GROUP, LENGTH = 3, 4, 96


class StepTimes(TrainerCallback):
    def __init__(self) -> None:
        self.started = 0.0
        self.seconds: list[float] = []
        self.tokens: list[float] = []

    def on_step_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.started = time.perf_counter()

    def on_log(self, args: Any, state: Any, control: Any, logs: Any = None, **kw: Any) -> None:
        if logs and "loss" in logs:
            self.seconds.append(time.perf_counter() - self.started)
            self.tokens.append(float(logs["num_tokens"]))


def plain_trl(model: Path, steps: int, out: Path, bf16: bool) -> StepTimes:
    env = MathEnvironment(seed=0, max_difficulty=1)
    rows = [{"prompt": env.prompt(p), "answer": p["answer"]} for p in env.problems("train")]
    times = StepTimes()
    trainer = GRPOTrainer(
        model=str(model),
        reward_funcs=[reward_function("math", unboxed_credit=0.5)],
        args=GRPOConfig(
            output_dir=str(out),
            max_steps=steps,
            seed=0,
            logging_steps=1,
            per_device_train_batch_size=PROBLEMS_PER_STEP * GROUP,
            num_generations=GROUP,
            max_completion_length=LENGTH,
            learning_rate=2e-5,
            use_cpu=True,
            bf16=bf16,  # TRL's GRPOConfig turns bf16 on unless told: both sides are told
            # and gradient checkpointing, which rlvr turns off on a CPU (23% of a step there)
            activation_checkpointing=False,
            report_to="none",
            save_strategy="no",
            disable_tqdm=True,
        ),
        train_dataset=Dataset.from_list(rows),
        peft_config=__import__("peft").LoraConfig(
            r=16, lora_alpha=32, target_modules="all-linear", task_type="CAUSAL_LM"
        ),
        callbacks=[times],
    )
    trainer.train()
    return times


def rlvr_run(model: Path, steps: int, out: Path, bf16: bool) -> list[dict[str, Any]]:
    config = TrainConfig(
        envs={"math": EnvConfig(options={"max_difficulty": 1})},
        model=str(model),
        output_dir=str(out),
        max_steps=steps,
        problems_per_step=PROBLEMS_PER_STEP,
        group_size=GROUP,
        max_completion_length=LENGTH,
        save_steps=steps,
        temperature=1.0,  # TRL's default; rlvr's CPU default is 0.7
        bf16=bf16,  # rlvr's default follows the hardware; here both sides run the same
        verification="local",  # worker processes: a shared machine's second Ray would compete
    )
    train(config)
    return [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]


def summary(seconds: list[float], tokens: list[float]) -> tuple[float, float]:
    """Mean seconds per step and tokens per second, the first (warm-up) step left out."""
    per_step = [t1 - t0 for t0, t1 in itertools.pairwise(tokens)]
    return statistics.mean(seconds[1:]), sum(per_step) / sum(seconds[1:])


def measure(model: Path, steps: int, precision: str) -> list[str]:
    """The table rows of one precision: plain TRL, rlvr, and the ratio."""
    with tempfile.TemporaryDirectory() as scratch:
        bf16 = precision == "bf16"
        trl_times = plain_trl(model, steps, Path(scratch) / "trl", bf16)
        rows = rlvr_run(model, steps, Path(scratch) / "rlvr", bf16)
    trl_step, trl_tps = summary(trl_times.seconds, trl_times.tokens)
    rlvr_step, rlvr_tps = summary(
        [r["step_seconds"] for r in rows], [r["num_tokens"] for r in rows]
    )
    return [
        f"| {precision} | plain TRL GRPOTrainer | {trl_step:.1f} | {trl_tps:.0f} | |",
        f"| {precision} | rlvr train | {rlvr_step:.1f} | {rlvr_tps:.0f} "
        f"| {(trl_tps / rlvr_tps - 1):+.1%} per token, "
        f"{(rlvr_step / trl_step - 1):+.1%} per step |",
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--model", default=None)
    parser.add_argument("--precision", nargs="+", choices=("fp32", "bf16"), default=["fp32"])
    args = parser.parse_args()
    torch.set_num_threads(len(os.sched_getaffinity(0)))
    model = resolve_model(args.model)
    bf16_native, bf16_reason = native_bf16(torch.cuda.is_available())
    table, notes = [], [f"bf16 on this machine: {bf16_reason}."]
    for precision in args.precision:
        if precision == "bf16" and not bf16_native:
            notes.append("bf16 refused: not native here, an emulated step measures emulation.")
            continue
        table += measure(model, args.steps, precision)
    today = f"{datetime.now(UTC):%Y-%m-%d}"
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        "\n".join(
            [
                f"## Training step: rlvr train vs plain TRL GRPOTrainer ({today})",
                "",
                f"Command: `.venv/bin/python benchmarks/train_vs_trl.py --steps {args.steps} "
                f"--precision {' '.join(args.precision)}`",
                f"Machine: {platform.machine()}, {os.cpu_count()} cores, "
                f"torch {torch.__version__}, load average at the end {load}; "
                f"model {model.name}, {PROBLEMS_PER_STEP} problems x {GROUP} completions x up to "
                f"{LENGTH} tokens per step, LoRA r=16",
                *notes,
                "",
                "| precision | | s/step | tokens/s | rlvr's overhead |",
                "| --- | --- | ---: | ---: | ---: |",
                *table,
            ]
        )
    )


if __name__ == "__main__":
    main()
