"""The learning benchmark's tables, in Markdown, from the runs `run.sh` wrote.

    .venv/bin/python benchmarks/learning/report.py runs/learning/pass_rate runs/learning/uniform

Held-out pass@1 of the base model and each checkpoint per environment (math strict and
lenient), with `rlvr eval`'s 95% intervals and the paired interval of the gain over the base
model; one line per run with the last checkpoint's gains; the held-out math completions that
restate the problem (`restatements.py`), base model vs last checkpoint; then the training side:
mean pass rate and zero-variance-group fraction over the first and last ten steps, steps done,
seconds per step; and how the curriculum spread its picks (samples.jsonl holds at least one
completion of every group, so the problems of each step): distinct problems per environment,
and the most steps any one problem was drawn on; where a pool spreads over difficulty levels,
the picks and held-out pass@1 of each level. Last, the curricula head to head: for each
seed with more than one curriculum evaluated, each checkpoint step they share, and each
environment, pass@1 of one minus the other's (the first run given against each later one),
paired by held-out problem from eval's samples files (strict reading), with the same paired
bootstrap interval as the gain over the base model.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from statistics import mean
from typing import Any


def cell(block: dict[str, Any] | None) -> str:
    if not block or block.get("pass@1") is None:
        return "–"
    low, high = block["pass@1_ci"]
    return f"{block['pass@1']:.3f} [{low:.2f}, {high:.2f}]"


def gain(block: dict[str, Any] | None) -> str:
    paired = (block or {}).get("vs_base") or {}
    if paired.get("pass@1") is None:
        return ""
    low, high = paired["pass@1_ci"]
    mark = " **" if low > 0 or high < 0 else ""
    return f"{paired['pass@1']:+.3f} [{low:+.2f}, {high:+.2f}]{mark}"


@dataclass
class Run:
    """One run directory, read once: its label, eval.json (if any) and metrics.jsonl rows."""

    label: str
    evaluated: dict[str, Any] | None
    metrics: list[dict[str, Any]]
    restatements: dict[str, Any] | None = None
    picks: dict[str, Counter[str]] = field(default_factory=dict)
    """Per environment: on how many steps each problem was drawn."""
    seed: int = 0
    path: Path = Path()
    config: dict[str, Any] = field(default_factory=dict)
    """The run's config.yaml."""

    @classmethod
    def read(cls, path: Path) -> Run:
        import yaml

        config = yaml.safe_load((path / "config.yaml").read_text(encoding="utf-8")) or {}
        eval_file = path / "eval" / "eval.json"
        counted = path / "eval" / "restatements.json"
        drawn = {
            (row["env"], row["step"], row["problem_id"])
            for row in map(json.loads, (path / "samples.jsonl").read_text().splitlines())
        }
        picks: dict[str, Counter[str]] = {}
        for env, _, problem in drawn:
            picks.setdefault(env, Counter())[problem] += 1
        return cls(
            # the curriculum (the directory's name) and the training seed
            f"{path.name}, seed {config.get('seed', 0)}",
            json.loads(eval_file.read_text()) if eval_file.is_file() else None,
            [json.loads(line) for line in (path / "metrics.jsonl").read_text().splitlines()],
            json.loads(counted.read_text()) if counted.is_file() else None,
            picks,
            int(config.get("seed", 0)),
            path,
            config,
        )

    def solved(self, policy: str) -> dict[tuple[str, str], tuple[int, int]] | None:
        """(env, problem id) -> (scored samples, correct ones) for one evaluated policy, read
        from its samples file (a sample is correct when its reward is 1; null is unscored);
        None when it has none (evaluated without `--log-samples`)."""
        tallies: dict[tuple[str, str], list[int]] = {}
        samples = self.path / "eval" / f"samples-{policy}.jsonl"
        if not samples.is_file():
            return None
        for line in samples.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if row.get("reward") is None:
                continue
            tally = tallies.setdefault((row["env"], row["id"]), [0, 0])
            tally[0] += 1
            tally[1] += row["reward"] == 1
        return {key: (n, correct) for key, (n, correct) in tallies.items()}


def held_out(runs: list[Run]) -> None:
    print("| run | policy | env | held-out pass@1 [95% CI] | vs base [paired 95% CI] |")
    print("| --- | --- | --- | --- | --- |")
    for run in runs:
        for policy, blocks in (run.evaluated or {}).items():
            for env, block in blocks.items():
                rows = [(env, block)]
                if block.get("extraction"):
                    rows = [(f"{env} (strict)", block), (f"{env} (lenient)", block.get("lenient"))]
                for name, row in rows:
                    n = f" ({block['n_problems']} x {block['n']})" if row is block else ""
                    print(f"| {run.label} | {policy} | {name}{n} | {cell(row)} | {gain(row)} |")


def training(runs: list[Run]) -> None:
    print()
    print(
        "| run | steps | s/step | env | train pass rate, steps 1-10 -> last 10 | "
        "zero-variance groups, first 10 -> last 10 |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    for run in runs:
        rows = run.metrics
        seconds = mean(r["step_time"] for r in rows if "step_time" in r)
        envs = sorted({k.split("/")[1] for r in rows for k in r if k.endswith("/pass_rate")})
        for env in [*envs, "all"]:
            rate_key = f"env/{env}/pass_rate" if env != "all" else None
            zero_key = f"env/{env}/zero_variance_groups" if env != "all" else "zero_variance_groups"

            def window(key: str | None, part: list[dict[str, Any]]) -> str:
                values = [r[key] for r in part if key and r.get(key) is not None]
                return f"{mean(values):.2f}" if values else "–"

            first, last = rows[:10], rows[-10:]
            rate = f"{window(rate_key, first)} -> {window(rate_key, last)}" if rate_key else ""
            zero = f"{window(zero_key, first)} -> {window(zero_key, last)}"
            steps = rows[-1]["step"]
            print(f"| {run.label} | {steps} | {seconds:.0f} | {env} | {rate} | {zero} |")


def final(runs: list[Run]) -> None:
    """One line per run: the last checkpoint's gain over the base model per environment, and
    the share of zero-variance groups over the whole run."""
    modes = {
        env: f" ({b[env]['extraction']})" if b[env].get("extraction") else ""
        for run in runs
        for b in (run.evaluated or {}).values()
        for env in b
    }
    envs = sorted(modes)
    print()
    heads = " | ".join(f"{env}{modes[env]} vs base" for env in envs)
    print(f"| run | last checkpoint | {heads} | zero-variance |")
    print(f"| --- | --- | {' | '.join('---' for _ in envs)} | --- |")
    for run in runs:
        blocks = run.evaluated or {}
        last = max((p for p in blocks if p != "base"), key=step_of)
        zero = mean(r["zero_variance_groups"] for r in run.metrics if "zero_variance_groups" in r)
        gains = " | ".join(gain(blocks[last].get(env)) or "–" for env in envs)
        print(f"| {run.label} | {last} | {gains} | {zero:.2f} |")


def restated(runs: list[Run]) -> None:
    """Held-out math completions whose final answer restates the problem (boxing the question's
    arithmetic), base model vs last checkpoint, and how many of them the verifier scored 1."""
    counted = [run for run in runs if run.restatements]
    if not counted:
        return
    print()
    print("| run | policy | math completions | restate the problem | of those scored 1 |")
    print("| --- | --- | --- | --- | --- |")
    for run in counted:
        for policy, row in (run.restatements or {}).items():
            print(
                f"| {run.label} | {policy} | {row['completions']} | {row['restated']} | "
                f"{row['restated_scored_1']} |"
            )


def spread(runs: list[Run]) -> None:
    """How the curriculum spread its picks over each environment's problems."""
    print()
    print("| run | env | distinct problems drawn | most steps on one problem |")
    print("| --- | --- | --- | --- |")
    for run in runs:
        for env, counts in sorted(run.picks.items()):
            print(f"| {run.label} | {env} | {len(counts)} | {max(counts.values())} |")


def by_difficulty(runs: list[Run]) -> None:
    """Where a pool spreads over difficulty levels: per level, the steps the curriculum drew
    it on (the run's own pool, rebuilt from config.yaml as `rlvr train` builds it) and held-out
    pass@1 of the base model and the last checkpoint (eval's samples files)."""
    from rlvr.config import config_from_dict
    from rlvr.resolve import build_environment

    rows = []
    for run in runs:
        envs = config_from_dict({"envs": run.config.get("envs") or {}}, where="config.yaml").envs
        checkpoints = sorted((p for p in run.evaluated or {} if p != "base"), key=step_of)
        compared = ["base", checkpoints[-1] if checkpoints else "none"]
        held: dict[str, dict[tuple[str, Any], list[float]]] = {}
        for policy in compared:
            samples = run.path / "eval" / f"samples-{policy}.jsonl"
            if samples.is_file():
                for line in samples.read_text(encoding="utf-8").splitlines():
                    row = json.loads(line)
                    if row.get("reward") is not None:
                        key = (row["env"], row.get("difficulty"))
                        held.setdefault(policy, {}).setdefault(key, []).append(row["reward"] == 1)
        for name, env_config in envs.items():
            env = build_environment(name, env_config, run.seed)
            level = {str(p["id"]): p.get("difficulty") for p in env.problems("train")}
            if len(set(level.values())) < 2:
                continue
            drawn = Counter(level.get(problem) for problem in run.picks.get(name, {}).elements())
            pool = Counter(level.values())
            for difficulty in sorted(pool, key=str):
                rates = [held.get(policy, {}).get((name, difficulty)) for policy in compared]
                cells = [f"{mean(r):.3f} ({len(r)})" if r else "–" for r in rates]
                rows.append(
                    f"| {run.label} | {name} | {difficulty} | {pool[difficulty]} | "
                    f"{drawn[difficulty]} | {' | '.join(cells)} |"
                )
    if rows:
        print()
        print(
            "| run | env | difficulty | training problems | steps drawn | held-out pass@1 "
            "base (samples) | last checkpoint (samples) |"
        )
        print("| --- | --- | --- | --- | --- | --- | --- |")
        print("\n".join(rows))


def step_of(policy: str) -> int:
    return int(policy.rsplit("-", maxsplit=1)[-1])


def head_to_head(runs: list[Run]) -> None:
    """The first evaluated run of each seed against each later one, per shared checkpoint and
    environment: pass@1 difference paired by held-out problem, with its 95% interval."""
    from rlvr.passk import paired_difference_with_interval

    rows = []
    for seed in sorted({run.seed for run in runs}):
        same = [run for run in runs if run.seed == seed and run.evaluated]
        for other in same[1:]:
            first = same[0]
            steps = sorted(
                (set(first.evaluated or {}) & set(other.evaluated or {})) - {"base"},
                key=step_of,
            )
            for policy in steps:
                mine, theirs = first.solved(policy), other.solved(policy)
                name = f"{first.label.split(',')[0]} - {other.label.split(',')[0]}"
                if mine is None or theirs is None:
                    rows.append(f"| {seed} | {name} | {policy} | – | no samples file |")
                    continue
                for env in sorted({env for env, _ in mine}):
                    shared = sorted(k for k in mine if k[0] == env and k in theirs)
                    if not shared:
                        continue
                    value, (low, high) = paired_difference_with_interval(
                        [theirs[k] for k in shared], [mine[k] for k in shared], 1
                    )
                    mark = " **" if low > 0 or high < 0 else ""
                    rows.append(
                        f"| {seed} | {name} | {policy} | {env} ({len(shared)}) | "
                        f"{value:+.3f} [{low:+.2f}, {high:+.2f}]{mark} |"
                    )
    if rows:
        print()
        print("| seed | difference | policy | env (problems) | held-out pass@1 [paired 95% CI] |")
        print("| --- | --- | --- | --- | --- |")
        print("\n".join(rows))


def main(argv: list[str]) -> None:
    paths = [Path(a) for a in argv] or [
        Path("runs/learning") / f"seed{seed}" / curriculum
        for seed in (0, 1, 2)
        for curriculum in ("pass_rate", "uniform")
    ]
    runs = [Run.read(path) for path in paths]
    if all(run.evaluated is not None for run in runs):
        held_out(runs)
        final(runs)
    restated(runs)
    training(runs)
    spread(runs)
    by_difficulty(runs)
    head_to_head(runs)


if __name__ == "__main__":
    main(sys.argv[1:])
