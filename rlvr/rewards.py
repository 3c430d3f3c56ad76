"""rlvr's verifiers as TRL reward functions.

`reward_function("math")` is a reward function any `trl.GRPOTrainer` accepts: it reads the
problem's fields (`answer`, `tests`, ...) from the dataset columns TRL passes as keyword
arguments. `rlvr train` uses `ProblemRewards`, which looks each problem up by `problem_id`
instead (environments have different fields) and keeps what the step needs beyond the
rewards: per-environment outcomes for the metrics and the curriculum, and sample verdicts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rlvr.protocols import Verifier
from rlvr.registry import get_verifier
from rlvr.scoring import completion_text, score
from rlvr.verdict import Verdict

TRL_KEYWORDS = frozenset(
    {
        "prompts",
        "completions",
        "completion_ids",
        "trainer_state",
        "log_extra",
        "log_metric",
        "environments",
    }
)


def reward_function(
    verifier: str | Verifier, **verifier_options: Any
) -> Callable[..., list[float | None]]:
    """A TRL reward function scoring completions with a registered verifier (or an instance).

    Each problem's fields come from the dataset columns of the same name; `None` marks an
    infrastructure fault, which TRL leaves out of the update.
    """
    instance = get_verifier(verifier, **verifier_options) if isinstance(verifier, str) else verifier

    def rewards(
        prompts: Sequence[Any], completions: Sequence[Any], **columns: Any
    ) -> list[float | None]:
        fields = {k: v for k, v in columns.items() if k not in TRL_KEYWORDS}
        problems = [{k: v[i] for k, v in fields.items()} for i in range(len(completions))]
        return [
            score(instance, p, completion_text(c)).reward
            for p, c in zip(problems, completions, strict=True)
        ]

    rewards.__name__ = f"rlvr_{instance.name}"
    return rewards


@dataclass
class StepOutcomes:
    """What one batch of verdicts says, for metrics, the curriculum and samples.jsonl."""

    rewards_by_problem: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    verdicts_by_env: dict[str, list[Verdict]] = field(default_factory=lambda: defaultdict(list))
    samples: list[dict[str, Any]] = field(default_factory=list)


class ProblemRewards:
    """The reward function of `rlvr train`: problems by id, each scored by its env's verifier."""

    __name__ = "rlvr"

    def __init__(
        self,
        problems: Mapping[str, Mapping[str, Any]],
        verifiers: Mapping[str, Verifier],
        *,
        samples_per_call: int = 4,
    ) -> None:
        self.problems = problems
        self.verifiers = verifiers  # by env name
        self.samples_per_call = samples_per_call
        self.outcomes = StepOutcomes()

    def take_outcomes(self) -> StepOutcomes:
        """The outcomes gathered since the last call, and a fresh slate."""
        outcomes, self.outcomes = self.outcomes, StepOutcomes()
        return outcomes

    def __call__(
        self,
        prompts: Sequence[Any],
        completions: Sequence[Any],
        problem_id: Sequence[str],
        **kwargs: Any,
    ) -> list[float | None]:
        rewards: list[float | None] = []
        # spread over the batch, so that every environment's groups are seen
        every = max(1, -(-len(completions) // max(1, self.samples_per_call)))
        for i, (pid, completion) in enumerate(zip(problem_id, completions, strict=True)):
            problem = self.problems[pid]
            env = problem["env"]
            text = completion_text(completion)
            verdict = score(self.verifiers[env], problem, text)
            rewards.append(verdict.reward)
            self.outcomes.verdicts_by_env[env].append(verdict)
            if verdict.reward is not None:
                self.outcomes.rewards_by_problem[pid].append(verdict.reward)
            if i % every == 0 and i // every < self.samples_per_call:
                self.outcomes.samples.append(
                    {
                        "problem_id": pid,
                        "env": env,
                        "completion": text,
                        "reward": verdict.reward,
                        "info": verdict.info,
                    }
                )
        return rewards
