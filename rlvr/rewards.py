"""rlvr's verifiers as TRL reward functions.

`reward_function("math")` is a reward function any `trl.GRPOTrainer` accepts: it reads the
problem's fields (`answer`, `tests`, ...) from the dataset columns TRL passes as keyword
arguments; given a verification pool (rlvr/engine.py: Ray actors or local workers), it is an
async reward function that awaits the pool instead of verifying in this process. `rlvr train` uses
`ProblemRewards`, which looks each problem up by `problem_id` instead (environments have
different fields), scores the whole batch through the pool at once, and keeps what the step
needs beyond the rewards: per-environment outcomes for the metrics and the curriculum, and
sample verdicts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rlvr.errors import UserError
from rlvr.genrm import JudgeGroup, combine_reward, group_by_problem
from rlvr.multiturn import episode_record, episode_reward, tool_metrics, transcript_of
from rlvr.protocols import Verifier
from rlvr.registry import get_verifier
from rlvr.scoring import completion_text, score
from rlvr.verdict import Verdict

if TYPE_CHECKING:
    from rlvr.config import RewardWeights
    from rlvr.engine import VerificationPool
    from rlvr.genrm import GenRMActor, PendingScores

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
    verifier: str | Verifier, *, pool: VerificationPool | None = None, **verifier_options: Any
) -> Callable[..., Any]:
    """A TRL reward function scoring completions with a registered verifier (or an instance).

    Each problem's fields come from the dataset columns of the same name; `None` marks an
    infrastructure fault, which TRL leaves out of the update. With `pool`, the function is
    async and scores on the pool's actors for the environment named `verifier` (TRL awaits it
    alongside its other async reward functions); the pool already holds the verifier, so
    options go to it, not here.
    """
    if pool is not None:
        return _pooled_reward_function(verifier, pool, verifier_options)
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


def _pooled_reward_function(
    verifier: str | Verifier, pool: VerificationPool, options: Mapping[str, Any]
) -> Callable[..., Any]:
    env = verifier if isinstance(verifier, str) else verifier.name
    if options:
        raise UserError(
            f"reward_function({env!r}, pool=...): verifier options {sorted(options)} belong to "
            "the verifier the pool was built with"
        )
    if env not in pool.envs:
        raise UserError(f"the pool has no environment {env!r}; it has {', '.join(pool.envs)}")

    async def rewards(
        prompts: Sequence[Any], completions: Sequence[Any], **columns: Any
    ) -> list[float | None]:
        fields = {k: v for k, v in columns.items() if k not in TRL_KEYWORDS}
        problems = [{k: v[i] for k, v in fields.items()} for i in range(len(completions))]
        verdicts = await pool.ascore(
            [(env, p, completion_text(c)) for p, c in zip(problems, completions, strict=True)]
        )
        return [v.reward for v in verdicts]

    rewards.__name__ = f"rlvr_{env}"
    return rewards


def overlong_penalty(length: int, max_length: int, buffer: int) -> float:
    """DAPO's soft overlong punishment (Yu et al. 2025, eq. 13): 0 up to `max_length -
    buffer` tokens, then falling linearly to -1 at `max_length`, and -1 beyond.

    Added to the verifier's [0, 1] reward, never folded into it: a verifier judges the
    answer, the shaping judges the length, and a policy cannot trade one for the other by
    running out of tokens mid-answer (a truncated completion earns at most 0).
    """
    start = max_length - buffer
    if length <= start:
        return 0.0
    if length <= max_length:
        return (start - length) / buffer
    return -1.0


@dataclass
class StepOutcomes:
    """What one batch of verdicts says, for metrics, the curriculum and samples.jsonl.

    `rewards_by_problem` holds each group's rewards in [0, 1] (verifier and GenRM), which the
    curriculum observes; `update_rewards_by_problem` the rewards the update uses, after
    overlong shaping (the same without it), from which zero-variance groups are counted.
    """

    rewards_by_problem: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    update_rewards_by_problem: dict[str, list[float]] = field(
        default_factory=lambda: defaultdict(list)
    )
    verdicts_by_env: dict[str, list[Verdict]] = field(default_factory=lambda: defaultdict(list))
    samples: list[dict[str, Any]] = field(default_factory=list)


class ProblemRewards:
    """The reward function of `rlvr train`: problems by id, each scored by its env's verifier,
    on the pool's actors when given one (the whole batch at once), else in this process.

    With a GenRM, each problem's group goes to the judge first (it works while the verifiers
    do), and each completion's reward is the weighted mean of its verifier reward and its
    GenRM score by its environment's `reward` weights; an environment whose verifier weight is
    0 has no verifier and is judged alone. The curriculum sees the reward the update uses;
    the per-environment pass rates stay the verifier's.
    """

    __name__ = "rlvr"

    def __init__(
        self,
        problems: Mapping[str, Mapping[str, Any]],
        verifiers: Mapping[str, Verifier],
        *,
        verifier_keys: Mapping[str, str] | None = None,
        samples_per_call: int = 4,
        pool: VerificationPool | None = None,
        genrm: GenRMActor | None = None,
        reward_weights: Mapping[str, RewardWeights] | None = None,
        reference_field: str | None = None,
        overlong: tuple[int, int] | None = None,
    ) -> None:
        """`verifiers`: by key in the pool; `verifier_keys`: each problem id's key (the rule of
        rlvr/resolve.py; None: a problem's key is its environment's name). `overlong`:
        (max_completion_length, buffer) for DAPO's soft overlong punishment, added to each
        reward; None: off."""
        self.problems = problems
        self.overlong = overlong
        self.last_rewards: list[float | None] = []
        self.verifiers = verifiers  # an env judged by the GenRM alone has none
        self.verifier_keys = verifier_keys
        self.samples_per_call = samples_per_call
        self.pool = pool
        self.genrm = genrm
        self.reward_weights = reward_weights or {}
        self.reference_field = reference_field
        self.outcomes = StepOutcomes()
        self._restarts_logged = (0, 0)

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
        texts = [completion_text(c) for c in completions]
        problems = [self.problems[pid] for pid in problem_id]
        lengths = [len(ids) for ids in kwargs.get("completion_ids") or [[]] * len(completions)]
        log_metric = kwargs.get("log_metric")
        scoring = self.genrm is not None and not self.genrm.cascade
        judging = self._submit_to_genrm(prompts, completions, problem_id) if scoring else None
        verdicts = self._verify(problems, texts)
        if self.genrm is not None and self.genrm.cascade:  # the judge only where it said wrong
            verdicts = self.genrm.rescue(
                prompts,
                problems,
                completions,
                verdicts,
                reference_field=self.reference_field,
                log_metric=log_metric if callable(log_metric) else None,
            )
        # TRL's rollout loop hands over each rollout's episode (multi-turn runs): a tool call
        # that met an infrastructure fault voids the verdict, which is then counted as an
        # error like any verifier fault, never a 0 the policy is blamed for.
        episodes = kwargs.get("environments")
        if episodes:
            verdicts = [
                _episode_verdict(verdict, episode)
                for verdict, episode in zip(verdicts, episodes, strict=True)
            ]
            if callable(log_metric):
                for name, value in tool_metrics(problems, episodes).items():
                    log_metric(name, value)
        if self.pool is not None:
            self._log_restarts(log_metric)
        genrm_scores = self._genrm_scores(judging, len(completions), log_metric)
        rewards: list[float | None] = []
        # spread over the batch, so that every environment's groups are seen
        every = max(1, -(-len(completions) // max(1, self.samples_per_call)))
        for i, (pid, problem, text, verdict) in enumerate(
            zip(problem_id, problems, texts, verdicts, strict=True)
        ):
            env = problem["env"]
            reward = verdict.reward if verdict is not None else None
            if genrm_scores is not None:
                reward = combine_reward(reward, genrm_scores[i], self.reward_weights[env])
            if episodes:
                reward = episode_reward(reward, episodes[i])
            penalty = 0.0
            if self.overlong is not None and reward is not None:
                penalty = overlong_penalty(lengths[i], *self.overlong)
            update_reward = None if reward is None else reward + penalty
            rewards.append(update_reward)
            if verdict is not None:
                self.outcomes.verdicts_by_env[env].append(verdict)
            if reward is not None and update_reward is not None:
                self.outcomes.rewards_by_problem[pid].append(reward)
                self.outcomes.update_rewards_by_problem[pid].append(update_reward)
            if i % every == 0 and i // every < self.samples_per_call:
                sample = {
                    "problem_id": pid,
                    "env": env,
                    "completion": text,
                    "reward": reward,
                    "info": verdict.info if verdict is not None else {},
                }
                if penalty:
                    sample["overlong_penalty"] = penalty
                calls = episode_record(episodes[i]) if episodes else None
                if calls is not None:  # a multi-turn rollout: the whole conversation
                    sample["transcript"] = transcript_of(completions[i])
                    sample["tool_calls"] = calls
                if genrm_scores is not None:
                    sample["genrm_score"] = genrm_scores[i]
                    sample["verifier_reward"] = verdict.reward if verdict is not None else None
                self.outcomes.samples.append(sample)
        self.last_rewards = rewards
        return rewards

    def _verify(
        self, problems: Sequence[Mapping[str, Any]], texts: Sequence[str]
    ) -> list[Verdict | None]:
        """Every completion whose environment has a verifier, on the pool or in-process."""
        keyed = [(i, key) for i, p in enumerate(problems) if (key := self._key(p)) is not None]
        todo = [i for i, _ in keyed]
        verdicts: list[Verdict | None] = [None] * len(problems)
        if self.pool is not None:
            done = self.pool.score([(key, problems[i], texts[i]) for i, key in keyed])
        else:
            done = [score(self.verifiers[key], problems[i], texts[i]) for i, key in keyed]
        for i, verdict in zip(todo, done, strict=True):
            verdicts[i] = verdict
        return verdicts

    def _key(self, problem: Mapping[str, Any]) -> str | None:
        """The key of the verifier that scores `problem`; None: the GenRM alone judges it."""
        if self.verifier_keys is not None:
            return self.verifier_keys.get(str(problem["id"]))
        env = str(problem["env"])
        return env if env in self.verifiers else None

    def _submit_to_genrm(
        self, prompts: Sequence[Any], completions: Sequence[Any], problem_id: Sequence[str]
    ) -> tuple[PendingScores, list[list[int]]]:
        """Each problem's group to the judge actor, which works while the verifiers run;
        returns what to wait on and the groups' indices in the batch."""
        assert self.genrm is not None
        index_groups = group_by_problem(problem_id)
        groups = []
        for indices in index_groups:
            problem = self.problems[problem_id[indices[0]]]
            reference = problem.get(self.reference_field) if self.reference_field else None
            groups.append(
                JudgeGroup(
                    prompt=prompts[indices[0]],
                    completions=[completions[i] for i in indices],
                    reference=None if reference is None else str(reference),
                    env=problem["env"],
                )
            )
        return self.genrm.submit(groups), index_groups

    def _genrm_scores(
        self, judging: tuple[PendingScores, list[list[int]]] | None, size: int, log_metric: Any
    ) -> list[float | None] | None:
        """Per-completion GenRM scores in batch order (None: the judge failed on it)."""
        if judging is None:
            return None
        pending, index_groups = judging
        result = pending.result()
        scores: list[float | None] = [None] * size
        for indices, group_scores in zip(index_groups, result.scores, strict=True):
            for i, value in zip(indices, group_scores, strict=True):
                scores[i] = value
        if callable(log_metric):
            for name, value in result.metrics.items():
                log_metric(name, value)
        return scores

    def _log_restarts(self, log_metric: Any) -> None:
        """Actors and verifier processes the pool replaced during this call, as TRL metrics
        (timeouts and errors are counted per environment from the verdicts)."""
        assert self.pool is not None
        stats = self.pool.stats()
        now = (stats.actor_restarts, stats.process_restarts)
        if callable(log_metric):
            log_metric("pool/actor_restarts", float(now[0] - self._restarts_logged[0]))
            log_metric("pool/process_restarts", float(now[1] - self._restarts_logged[1]))
        self._restarts_logged = now


def _episode_verdict(verdict: Verdict | None, episode: object) -> Verdict | None:
    """The verdict of a multi-turn rollout: None (left out, counted) when a tool call met an
    infrastructure fault, since the policy may have been denied feedback it was owed."""
    if verdict is None or verdict.reward is None:
        return verdict
    if episode_reward(verdict.reward, episode) is None:
        fault = str(getattr(episode, "fault", ""))[:500]
        return Verdict(None, {**verdict.info, "error": f"tool infrastructure fault: {fault}"})
    return verdict
