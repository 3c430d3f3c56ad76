"""One report of a GPU check: the machine, peak GPU memory (sampled by nvidia-smi while the run
went), seconds per step, generated tokens per second, the steps that ran with their metrics, and
the evaluation of the last checkpoint.

    python benchmarks/gpu/report.py RUN_DIR --memory MEMORY.csv --out REPORT.md [--json REPORT.json]

MEMORY.csv holds nvidia-smi's `memory.used,memory.total` rows in MiB; tokens per step are the
step's completions times their mean length as TRL logs it (`completions/mean_length`).
"""

from __future__ import annotations

import argparse
import json
import platform
from pathlib import Path
from typing import Any

from rlvr.run_dir import RunDir, env_metric, read_eval

STEP_TIME_KEYS = ("step_seconds",)
TABLE_METRICS = ("pass_rate", "mean_reward", "errors", "zero_variance_groups")


def peak_memory(path: Path) -> tuple[float | None, float | None]:
    """(peak used, total) in GiB from nvidia-smi's CSV rows; (None, None) without any."""
    used, total = [], []
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            parts = [p.strip().split()[0] for p in line.split(",") if p.strip()]
            if len(parts) >= 2 and parts[0].isdigit() and parts[1].isdigit():
                used.append(int(parts[0]))
                total.append(int(parts[1]))
    if not used:
        return None, None
    return max(used) / 1024, max(total) / 1024


def summary(run: Path, memory: Path) -> dict[str, Any]:
    import torch

    run_dir = RunDir(run)
    rows = list(run_dir.read_metrics())
    config = run_dir.read_config()
    times = [next((r[k] for k in STEP_TIME_KEYS if k in r), None) for r in rows]
    tokens = []
    for row in rows:
        length = row.get("completions/mean_length")
        count = row.get("num_completions") or (
            (config.get("problems_per_step") or 0) * (config.get("group_size") or 0)
        )
        tokens.append(length * count if length is not None and count else None)
    timed = [(t, n) for t, n in zip(times, tokens, strict=True) if t and n]
    peak, total = peak_memory(memory)
    eval_path = run / "eval" / "eval.json"
    return {
        "device": torch.cuda.get_device_name(0)
        if torch.cuda.is_available()
        else platform.processor(),
        "torch": torch.__version__,
        "steps": len(rows),
        "seconds_per_step": [round(t, 2) if t else None for t in times],
        "tokens_per_second": round(sum(n for _, n in timed) / sum(t for t, _ in timed), 1)
        if timed
        else None,
        "peak_gpu_memory_gib": round(peak, 2) if peak is not None else None,
        "gpu_memory_gib": round(total, 2) if total is not None else None,
        "config": {
            k: config.get(k)
            for k in (
                "model",
                "max_steps",
                "problems_per_step",
                "group_size",
                "max_completion_length",
                "micro_batch_size",
                "bf16",
                "lora",
                "use_vllm",
            )
            if k in config
        },
        "metrics": rows,
        "eval": read_eval(eval_path) if eval_path.is_file() else None,
    }


def markdown(report: dict[str, Any]) -> str:
    lines = [
        f"# GPU check: {report['device']} (torch {report['torch']})",
        "",
        f"- steps that ran: {report['steps']}; seconds per step: {report['seconds_per_step']}",
        f"- generated tokens per second (over timed steps): {report['tokens_per_second']}",
        f"- peak GPU memory: {report['peak_gpu_memory_gib']} GiB of {report['gpu_memory_gib']}",
        f"- config: {json.dumps(report['config'])}",
        "",
    ]
    if report["metrics"]:
        envs = sorted({k.split("/")[1] for k in report["metrics"][-1] if k.startswith("env/")})
        keys = [(env, m) for env in envs for m in TABLE_METRICS]
        lines.append("| step | " + " | ".join(f"{env} {m}" for env, m in keys) + " |")
        lines.append("|" + " --- |" * (len(keys) + 1))
        for row in report["metrics"]:
            cells = [row.get(env_metric(env, m)) for env, m in keys]
            lines.append(
                f"| {row.get('step')} | "
                + " | ".join(f"{c:.3g}" if isinstance(c, float) else str(c) for c in cells)
                + " |"
            )
    if report["eval"]:
        lines += [
            "",
            "Evaluation of the last checkpoint:",
            "",
            "```",
            json.dumps(report["eval"], indent=1)[:4000],
            "```",
        ]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run", type=Path)
    parser.add_argument("--memory", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    report = summary(args.run, args.memory)
    args.out.write_text(markdown(report), encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, default=str), encoding="utf-8")
    print(markdown(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
