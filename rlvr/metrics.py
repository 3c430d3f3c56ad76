"""Step metrics from verdicts: pure functions of numbers and verdicts, unit-tested."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rlvr.run_dir import env_metric
from rlvr.verdict import Verdict


def zero_variance_fraction(rewards_by_problem: Mapping[str, Sequence[float]]) -> float | None:
    """The share of groups in which every completion got the same reward: GRPO learns
    nothing from them (every advantage is 0)."""
    groups = [rewards for rewards in rewards_by_problem.values() if len(rewards) > 1]
    if not groups:
        return None
    return sum(max(g) == min(g) for g in groups) / len(groups)


def env_metrics(env: str, verdicts: Sequence[Verdict]) -> dict[str, float]:
    """Per-environment step metrics: pass rate (reward 1), mean reward, answers not found
    versus wrong, infrastructure errors and timeouts."""
    if not verdicts:
        return {}
    scored = [v.reward for v in verdicts if v.reward is not None]
    statuses = [v.info.get("status") for v in verdicts]
    n = len(verdicts)
    values = {
        "completions": float(n),
        "errors": float(n - len(scored)),
        "timeouts": float(statuses.count("timeout")),
        "no_answer": statuses.count("no_answer") / n,
        "wrong": statuses.count("wrong") / n,
    }
    if scored:
        values["pass_rate"] = sum(r == 1.0 for r in scored) / len(scored)
        values["mean_reward"] = sum(scored) / len(scored)
    return {env_metric(env, name): value for name, value in values.items()}
