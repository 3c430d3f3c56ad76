"""The `pass_rate` curriculum (rlvr's default): train where a GRPO group still teaches something.

A group whose completions all get the same reward has zero advantage everywhere: GRPO learns
nothing from it. That happens to problems the policy always solves or never solves, so this
curriculum keeps a Beta posterior over each problem's pass rate p and prefers the problems
whose next group is expected to be mixed, one instance per environment (`rlvr.batches` holds
every environment's share of each batch fixed).

The selection rule (`selection="mixed"`, the default): a problem's score is the probability,
under its posterior Beta(a, b), that a group of G completions is mixed,
    P(mixed) = 1 - E[p^G] - E[(1-p)^G],   E[p^G] = prod_{k<G} (a+k) / (a+b+k),
which is highest for a problem measured near p = 0.5 (2 of 4: 0.76), lower for one never
tried (0.60 with the default flat prior), lowest for one whose groups were all equal (0 of 4:
0.44). So a problem that gave a mixed group is revisited while it stays mixed, and one whose
single group failed is not picked again until the others are worse bets, which the old
sliding target did (at a target of 0.3, a problem that failed once, estimated 1/6, sat
nearer the target than an untried one at 0.5, and math's training pass rate fell from 0.38
to 0.12 on the real run). The draw is a softmax of the scores at `temperature` (0.02: a
problem 0.08 more likely to be mixed is e^4 times as likely to be drawn), so near-ties are
shared and clear winners are taken. G is `group_size` when given, else the size of the last
groups observed (4 before any). A problem whose last group in this run was mixed gets
`learning_credit` pseudo-successes in this score: the update that group drove makes it
likelier to be solved than its rollouts say, and without the credit the rule kept drawing
problems that had just become always-solved. A group whose rewards were all equal drove no
update (its advantages are 0) and a profiled problem (`pass_rates=`) was not trained on:
neither gets credit, so a failed problem never looks better for having failed.
Partial rewards (an instruction-following row that follows one of two instructions: 0.5;
math's unboxed right answer in training: 0.5) are outcomes of their own: P(mixed) comes from
a Dirichlet over the reward values seen, so a problem that scores 0.5 on every rollout is as
flat as one that always fails, not a coin flip (`mixed_group_probability`).
`visit_discount` (off at 1, its default) multiplies a problem's score by itself once per
recent group of it in this run (`recent_visits`: each counted half after `visit_halflife`
observes), so that a problem which stays mixed without being learned cannot take most of an
environment's draws; issue 25's real runs spent 17 and 26 of 50 instruction-following draws
on one problem each. What it costs and gains is measured in BENCHMARKS.md
("Visit discount").
The Nemotron-style rule, a Gaussian over the estimate around a target that slides from easy
to hard (`selection="target"`), stays available; see docs/curriculum.md for when to use it.

Each batch of `size` problems is filled in this order:
1. revisit: a `revisit_fraction` of the slots goes to parked problems, the one that has
   waited longest first. A problem is parked once its last `park_after` rewards were all
   equal (always solved, never solved); a revisit with a mixed outcome brings it back.
2. explore: an `explore_fraction` of the slots goes to problems never tried, while any remain.
3. the rest is drawn without replacement among the problems not parked (tried or not), with
   probabilities from the selection rule, of which a `uniform_share` is spread evenly so
   that no problem starves. `selection="mixed"`: a softmax of P(mixed) (above).
   `selection="target"`: a Gaussian over the estimated pass rate around a target (standard
   deviation `target_width`) that moves linearly from `target_start` (easier) at step 0 to
   `target_end` (harder) at `total_steps - 1`, as Nemotron-3-Nano shifted the mean of a
   Gaussian over pass rate; without `total_steps` it stays half-way between them.
4. only when the pool runs short: more parked problems, then (a batch larger than the pool)
   the same order again.
Fractions of slots are kept over the run, not per batch: with 1 problem per step and
`explore_fraction=0.1`, every tenth step explores.

The pass-rate estimate is the mean of a Beta posterior: `prior_strength` pseudo-rollouts at
a prior pass rate plus the problem's rollouts. The prior is its difficulty level's: the
record's `difficulty` 1-5 (else 0.5) as a starting point, moved by the rollouts seen at that
level (`level_prior_mean`), because a label ranks problems but does not know the policy.
Of the rollouts, earlier groups count `history_decay` times less at each new group, because
the policy the old rollouts came from has since changed. A per-problem pass-rate file from
`rlvr eval --per-problem` (`pass_rates=`, a profiling pass before training) counts as each
problem's first group: without it, on a short run over a large pool that sees each problem
about once, nothing is known before a problem's first group and the first pick of every
problem is blind; with it, the run starts on the problems the starting model solves
sometimes, and problems it always or never solves (at least `park_after` rollouts) start
parked.

Determinism (several training processes, resume): `next_batch(size, step)` is a pure
function of (state, size, step, seed). Its randomness comes from a generator seeded by
(seed, step) that draws one number per problem in sorted-id order; nothing else is random,
and `next_batch` changes nothing in the state (it notes the step, for `metrics` only).
`observe` visits problems in sorted order. The state is plain JSON, so a run resumed from a
checkpoint continues the same schedule.

The pure functions (`pass_rate_estimate`, `mixed_group_probability`, `mixed_weights`,
`target_pass_rate`, `problem_weights`, `weighted_order`, `slots_for_step`,
`difficulty_prior`) hold the math; the class keeps state.
"""

from __future__ import annotations

import dataclasses
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from os import PathLike
from pathlib import Path
from typing import Any

from rlvr.errors import RecordError
from rlvr.records import read_jsonl

STATE_VERSION = 4
READABLE_STATE_VERSIONS = (1, 2, 3, 4)
"""Version 1 (before `group_size` was kept) loads as a state that has observed no group;
versions 1 and 2 (before partial rewards were counted by value) as states whose rewards were
all 0 or 1; versions 1 to 3 (before visits were counted) as states whose problems have no
recent visits."""
SELECTIONS = ("mixed", "target")
DEFAULT_GROUP_SIZE = 4

# -- the math: pure functions ---------------------------------------------------------------------


def pass_rate_estimate(
    successes: float, attempts: float, *, prior_mean: float, prior_strength: float
) -> float:
    """Posterior mean of a Beta prior (`prior_strength` pseudo-rollouts at `prior_mean`) after
    `successes` out of `attempts` (rewards in [0, 1] add up as fractional successes).

    With few rollouts it stays near the prior: 0 of 4 with a prior of 2 at 0.5 is 1/6, not 0.
    """
    return (successes + prior_strength * prior_mean) / (attempts + prior_strength)


def beta_moment(a: float, b: float, power: int) -> float:
    """E[p^power] for p ~ Beta(a, b): prod_{k < power} (a + k) / (a + b + k)."""
    moment = 1.0
    for k in range(power):
        moment *= (a + k) / (a + b + k)
    return moment


def value_counts(
    successes: float, attempts: float, partial: Mapping[float, float] | None
) -> dict[float, float]:
    """Rollouts by reward value: `partial` (rewards strictly between 0 and 1, {value: count})
    as given, the rest of `attempts` split into 1s and 0s so that the values add up to
    `successes`."""
    counts = dict(partial or {})
    ones = max(0.0, successes - sum(value * count for value, count in counts.items()))
    zeros = max(0.0, attempts - ones - sum(counts.values()))
    counts[1.0] = counts.get(1.0, 0.0) + ones
    counts[0.0] = counts.get(0.0, 0.0) + zeros
    return counts


def mixed_group_probability(
    successes: float,
    attempts: float,
    *,
    prior_mean: float,
    prior_strength: float,
    group_size: int,
    partial: Mapping[float, float] | None = None,
    prior_values: Mapping[float, float] | None = None,
) -> float:
    """The probability that a group of `group_size` rewards is mixed (not all equal).

    With 0/1 rewards, the pass rate p is drawn from the Beta posterior of
    `pass_rate_estimate`: 1 - E[p^G] - E[(1-p)^G]. Uncertainty counts: a problem never tried
    (flat prior of 2, G=4) scores 0.60, one measured near 0.5 more (2 of 4: 0.76), one whose
    group was all equal less (0 of 4: 0.44). A group of 1 is never mixed.

    Partial credit makes each reward value an outcome of its own. `partial` holds the rewards
    strictly between 0 and 1 that were seen, {value: count} (included in `successes` and
    `attempts`), and `prior_values` the prior's shares of each value (summing to 1; default
    `prior_mean` on 1 and the rest on 0). The posterior is a Dirichlet over the values
    (`prior_strength` times each share, plus the counts), and P(all G equal) is the sum over
    values v of prod_{k<G} (alpha_v + k) / (alpha_total + k): the Beta formula when there
    are only 0s and 1s. So a problem that scored 0.5 on every rollout (one of two
    instructions followed, every time; a right answer never boxed) is as flat as one that
    always failed, where its mean of 0.5 alone would make it the likeliest to be mixed
    (issue 25's first seed drew such an instruction-following problem 17 times in 50 steps,
    9 of them in all-equal groups)."""
    counts = value_counts(successes, attempts, partial)
    shares = prior_values or {1.0: prior_mean, 0.0: 1.0 - prior_mean}
    for value, share in shares.items():
        counts[value] = counts.get(value, 0.0) + prior_strength * share
    total = sum(counts.values())
    same = 0.0
    for alpha in counts.values():
        moment = 1.0
        for k in range(group_size):
            moment *= (alpha + k) / (total + k)
        same += moment
    return max(0.0, 1.0 - same)


def mixed_weights(
    scores: Sequence[float], *, temperature: float, uniform_share: float
) -> list[float]:
    """Sampling probabilities from P(mixed) scores: a softmax at `temperature`, normalised,
    mixed with an even spread that gets `uniform_share` of the mass. Sums to 1."""
    if not scores:
        return []
    best = max(scores)
    softmax = [math.exp((s - best) / temperature) for s in scores]
    total = sum(softmax)  # >= 1: the best problem's term is exp(0)
    even = 1.0 / len(scores)
    return [(1.0 - uniform_share) * w / total + uniform_share * even for w in softmax]


def difficulty_prior(difficulty: Any) -> float:
    """A weak prior pass rate from a record's `difficulty` (1 easy .. 5 hard): 0.8 down to 0.2
    in equal steps, clamped; 0.5 when the record has none."""
    if isinstance(difficulty, bool) or not isinstance(difficulty, int | float):
        return 0.5
    if math.isnan(difficulty):
        return 0.5
    level = min(5.0, max(1.0, float(difficulty)))
    return 0.8 - 0.15 * (level - 1.0)


LEVEL_PRIOR_STRENGTH = 8.0
"""Pseudo-rollouts at the label's nominal pass rate (`difficulty_prior`) that the rollouts
seen at a difficulty level are pooled with, before they take over."""


def level_prior_mean(nominal: float, successes: float, attempts: float) -> float:
    """The prior mean of every problem of one difficulty level: the label's nominal pass rate
    (`nominal`), moved towards what the rollouts at that level (`successes` of `attempts`,
    all its problems together) measured. A label is a rank, not a pass rate: on the first
    real run every math problem said difficulty 1 (nominal 0.8) and the model solved 0.35 of
    them, so a problem whose one group failed (posterior mean 0.27 from 0.8) looked more
    likely to be mixed than an untried one (0.8), and the failures were drawn again."""
    return pass_rate_estimate(
        successes, attempts, prior_mean=nominal, prior_strength=LEVEL_PRIOR_STRENGTH
    )


def target_pass_rate(step: int, total_steps: int | None, *, start: float, end: float) -> float:
    """The pass rate the curriculum aims at on `step`: linear from `start` at step 0 to `end`
    at the last step (`total_steps - 1`), then held; the mid-point when the length is unknown."""
    if total_steps is None:
        return (start + end) / 2
    progress = min(1.0, max(0, step) / max(1, total_steps - 1))
    return start + (end - start) * progress


def problem_weights(
    estimates: Sequence[float], *, target: float, width: float, uniform_share: float
) -> list[float]:
    """Sampling probabilities: a Gaussian of each estimate around `target` (standard deviation
    `width`), normalised, mixed with an even spread that gets `uniform_share` of the mass (so
    every problem keeps a chance of at least uniform_share / n). Sums to 1; empty in, empty out.
    """
    if not estimates:
        return []
    gaussian = [math.exp(-0.5 * ((p - target) / width) ** 2) for p in estimates]
    total = sum(gaussian)
    even = 1.0 / len(estimates)
    if total == 0.0:  # every estimate too far from the target to register: spread evenly
        return [even] * len(estimates)
    return [(1.0 - uniform_share) * g / total + uniform_share * even for g in gaussian]


def weighted_order(weights: Sequence[float], uniforms: Sequence[float]) -> list[int]:
    """Indices in the order of a weighted draw without replacement (Efraimidis-Spirakis keys
    log(u) / w, largest first): the first k are a weighted sample of k. `uniforms` are
    numbers in [0, 1), one per weight; a weight of 0 comes last; ties go to the lower index."""
    keys = [
        math.log1p(-u) / w if w > 0 else -math.inf for u, w in zip(uniforms, weights, strict=True)
    ]
    return sorted(range(len(keys)), key=lambda i: (-keys[i], i))


def slots_for_step(step: int, size: int, fraction: float) -> int:
    """How many of `size` slots a share of `fraction` gets on `step`: steps 0..n-1 together get
    floor(n * size * fraction), so a share smaller than one slot a step still adds up."""
    share = Fraction(fraction).limit_denominator(1_000_000) * size
    return math.floor((step + 1) * share) - math.floor(step * share)


# -- state ----------------------------------------------------------------------------------------


@dataclass
class ProblemStats:
    """What the curriculum remembers of one problem it has seen rollouts of."""

    attempts: float = 0.0
    """Rollouts, earlier groups discounted by `history_decay` at each new group."""
    successes: float = 0.0
    """Sum of their rewards, discounted alike."""
    same_reward: float | None = None
    """The reward of the current run of identical rewards (None: the last group was mixed)."""
    same_count: int = 0
    """How many rewards in a row were `same_reward`."""
    last_seen: int = 0
    """The `observe` call (counted from 1) that last brought this problem's rollouts; 0: the
    eval file."""
    partial: dict[float, float] = dataclasses.field(default_factory=dict)
    """Rewards strictly between 0 and 1 among them, by value (rounded to 6 places): their
    counts, discounted alike. What makes `mixed_group_probability` tell a problem that scores
    0.5 every time from one that scores 0 or 1 at random."""
    visits: float = 0.0
    """Groups of this problem in this run, as of the `last_seen` observe: each earlier one
    counted half for every `visit_halflife` observes that passed before the next (a profile
    is not a visit)."""

    def to_json(self) -> list[Any]:
        row: list[Any] = [
            self.attempts,
            self.successes,
            self.same_reward,
            self.same_count,
            self.last_seen,
        ]
        if self.partial or self.visits:  # a row of 0/1 rewards, never visited: as version 1
            row.append([[value, count] for value, count in sorted(self.partial.items())])
        if self.visits:
            row.append(self.visits)
        return row

    @classmethod
    def from_json(cls, row: Any) -> ProblemStats:
        if len(row) not in (5, 6, 7):
            raise ValueError(f"a problem's statistics have 5 to 7 fields, got {len(row)}")
        attempts, successes, same_reward, same_count, last_seen = row[:5]
        partial = {float(value): float(count) for value, count in row[5]} if len(row) >= 6 else {}
        visits = float(row[6]) if len(row) == 7 else 0.0
        if not (visits >= 0.0 and math.isfinite(visits)):
            raise ValueError(f"a problem's visits must be a number >= 0, got {row[6]!r}")
        return cls(
            float(attempts),
            float(successes),
            None if same_reward is None else float(same_reward),
            int(same_count),
            int(last_seen),
            partial,
            visits,
        )

    def add_partial(self, rewards: Sequence[float], decay: float) -> None:
        """Discount the partial-reward counts by `decay`, then count this group's partial
        rewards. Counts that decayed below `PARTIAL_FLOOR` are dropped, and only the
        `MAX_PARTIAL_VALUES` largest are kept (continuous rewards make every value new)."""
        counts = {v: c * decay for v, c in self.partial.items() if c * decay >= PARTIAL_FLOOR}
        for reward in rewards:
            if 0.0 < reward < 1.0:
                value = round(reward, 6)
                counts[value] = counts.get(value, 0.0) + 1.0
        if len(counts) > MAX_PARTIAL_VALUES:
            kept = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
            counts = dict(kept[:MAX_PARTIAL_VALUES])
        self.partial = counts


MAX_PARTIAL_VALUES = 32
PARTIAL_FLOOR = 1e-3


OPTIONS = (
    "total_steps",
    "pass_rates",
    "selection",
    "temperature",
    "group_size",
    "learning_credit",
    "visit_discount",
    "visit_halflife",
    "target_start",
    "target_end",
    "target_width",
    "uniform_share",
    "explore_fraction",
    "revisit_fraction",
    "park_after",
    "history_decay",
    "prior_strength",
)


class PassRateCurriculum:
    """Draws problems around a target pass rate that moves from easy to hard; see the module
    docstring for how a batch is filled and what each option does."""

    name = "pass_rate"

    def __init__(
        self,
        problems: Sequence[Mapping[str, Any]],
        *,
        seed: int = 0,
        total_steps: int | None = None,
        pass_rates: str | PathLike[str] | None = None,
        selection: str = "mixed",
        temperature: float = 0.02,
        group_size: int | None = None,
        learning_credit: float = 2.0,
        visit_discount: float = 1.0,
        visit_halflife: float = 20.0,
        target_start: float = 0.6,
        target_end: float = 0.3,
        target_width: float = 0.1,
        uniform_share: float = 0.03,
        explore_fraction: float = 0.1,
        revisit_fraction: float = 0.03,
        park_after: int = 16,
        history_decay: float = 0.5,
        prior_strength: float = 2.0,
        **unknown: Any,
    ) -> None:
        if unknown:
            raise ValueError(
                f"unknown option(s) {', '.join(sorted(unknown))}; "
                f"the pass_rate curriculum takes {', '.join(OPTIONS)}"
            )
        _check_int("seed", seed)
        if selection not in SELECTIONS:
            raise ValueError(f"selection must be one of {', '.join(SELECTIONS)}, got {selection!r}")
        if group_size is not None:
            _check_int("group_size", group_size, minimum=2)
        _check_number("learning_credit", learning_credit, low=0.0, high=None)
        if total_steps is not None:
            _check_int("total_steps", total_steps, minimum=1)
        for option, value in (
            ("target_start", target_start),
            ("target_end", target_end),
            ("explore_fraction", explore_fraction),
            ("revisit_fraction", revisit_fraction),
            ("uniform_share", uniform_share),
        ):
            _check_number(option, value, low=0.0, high=1.0)
        for option, value, high in (  # each in (0, high]
            ("temperature", temperature, None),
            ("visit_discount", visit_discount, 1.0),
            ("visit_halflife", visit_halflife, None),
            ("target_width", target_width, None),
            ("history_decay", history_decay, 1.0),
            ("prior_strength", prior_strength, None),
        ):
            _check_number(option, value, low=0.0, high=high, open_low=True)
        _check_int("park_after", park_after, minimum=1)
        if explore_fraction + revisit_fraction > 1:
            raise ValueError(
                f"explore_fraction + revisit_fraction must be at most 1, got "
                f"{explore_fraction} + {revisit_fraction}"
            )

        self.ids = sorted(str(p["id"]) for p in problems)
        if len(set(self.ids)) != len(self.ids):
            raise ValueError("problem ids must be unique")
        difficulty = {str(p["id"]): p.get("difficulty") for p in problems}
        self.prior = {pid: difficulty_prior(difficulty[pid]) for pid in self.ids}
        self.seed = seed
        self.total_steps = total_steps
        self.selection = selection
        self.temperature = float(temperature)
        self.group_size = group_size
        self.learning_credit = float(learning_credit)
        self.visit_discount = float(visit_discount)
        self.visit_halflife = float(visit_halflife)
        self.target_start = float(target_start)
        self.target_end = float(target_end)
        self.target_width = float(target_width)
        self.uniform_share = float(uniform_share)
        self.explore_fraction = float(explore_fraction)
        self.revisit_fraction = float(revisit_fraction)
        self.park_after = park_after
        self.history_decay = float(history_decay)
        self.prior_strength = float(prior_strength)

        self.stats: dict[str, ProblemStats] = {}
        self.level_mean: dict[float, float] = {}
        self.level_values: dict[float, dict[float, float]] = {}
        self.updates = 0
        self.last_zero_variance: float | None = None
        self.observed_group_size: int | None = None
        # for metrics() only: not state, never drawn from
        self.last_step: int | None = None
        self.last_expected_mixed: float | None = None
        if pass_rates is not None:
            self._seed_from_file(Path(pass_rates), {str(p.get("env")) for p in problems})
        self._calibrate()

    # -- the protocol ---------------------------------------------------------------------------

    def next_batch(self, size: int, step: int) -> list[str]:
        if not self.ids:
            raise ValueError("the pass_rate curriculum has no problems to draw from")
        if size < 1:
            raise ValueError(f"batch size must be at least 1, got {size}")
        self.last_step = step
        uniforms = self._uniforms(step)
        parked, unseen, active = [], [], []
        for index, pid in enumerate(self.ids):
            stats = self.stats.get(pid)
            if stats is None:
                unseen.append(index)
            elif self._is_parked(stats):
                parked.append(index)
            else:
                active.append(index)

        # parked: the longest wait first, ties by id
        parked.sort(key=lambda i: (self.stats[self.ids[i]].last_seen, i))
        revisits = parked[: slots_for_step(step, size, self.revisit_fraction)]
        drawable = sorted(unseen + active)
        if self.selection == "mixed":
            scores = [self.draw_score(self.ids[i]) for i in drawable]
            weights = mixed_weights(
                scores, temperature=self.temperature, uniform_share=self.uniform_share
            )
        else:
            weights = problem_weights(
                [self.estimate(self.ids[i]) for i in drawable],
                target=self.target(step),
                width=self.target_width,
                uniform_share=self.uniform_share,
            )
        ranked = [drawable[j] for j in weighted_order(weights, [uniforms[i] for i in drawable])]
        unseen_set = set(unseen)
        explores = [i for i in ranked if i in unseen_set]
        explores = explores[: slots_for_step(step, size, self.explore_fraction)]
        taken = set(revisits) | set(explores)
        chosen = revisits + explores + [i for i in ranked if i not in taken]
        chosen += [i for i in parked if i not in taken]  # only reached when too few others
        batch = chosen[:size]
        while len(batch) < size:  # a batch larger than the pool: every problem again, in order
            batch += chosen[: size - len(batch)]
        picked = [self.ids[i] for i in batch]
        self.last_expected_mixed = sum(self.expected_mixed(pid) for pid in picked) / len(picked)
        return picked

    def observe(self, outcomes: Mapping[str, Sequence[float]]) -> None:
        # None is an infrastructure fault (no verdict): it says nothing about the problem
        scored = {pid: [r for r in rewards if r is not None] for pid, rewards in outcomes.items()}
        groups = {pid: rewards for pid, rewards in scored.items() if rewards}
        for pid in sorted(groups):
            if pid not in self.prior:
                raise ValueError(f"outcomes for {pid!r}, which is not one of this curriculum's")
            bad = [r for r in groups[pid] if not 0.0 <= r <= 1.0]
            if bad:
                raise ValueError(f"rewards must be in [0, 1]; {pid!r} got {bad[0]}")
        if not groups:
            return
        self.updates += 1
        for pid in sorted(groups):
            rewards = [float(r) for r in groups[pid]]
            stats = self.stats.setdefault(pid, ProblemStats())
            stats.attempts = self.history_decay * stats.attempts + len(rewards)
            stats.successes = self.history_decay * stats.successes + sum(rewards)
            stats.add_partial(rewards, self.history_decay)
            if max(rewards) != min(rewards):
                stats.same_reward, stats.same_count = None, 0
            elif stats.same_reward == rewards[0]:
                stats.same_count += len(rewards)
            else:
                stats.same_reward, stats.same_count = rewards[0], len(rewards)
            stats.visits = self.recent_visits(pid) + 1.0
            stats.last_seen = self.updates
        self._calibrate()
        comparable = [g for g in groups.values() if len(g) > 1]
        if comparable:
            self.observed_group_size = max(len(g) for g in comparable)
            self.last_zero_variance = sum(max(g) == min(g) for g in comparable) / len(comparable)

    def state_dict(self) -> dict[str, Any]:
        return {
            "curriculum": self.name,
            "version": STATE_VERSION,
            "seed": self.seed,
            "n_problems": len(self.ids),
            "updates": self.updates,
            "last_zero_variance": self.last_zero_variance,
            "group_size": self.observed_group_size,
            "problems": {pid: self.stats[pid].to_json() for pid in sorted(self.stats)},
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        if state.get("curriculum") != self.name or state.get("version") not in (
            READABLE_STATE_VERSIONS
        ):
            raise ValueError(
                f"the curriculum state was not written by pass_rate (state version "
                f"{' or '.join(map(str, READABLE_STATE_VERSIONS))}): it names curriculum "
                f"{state.get('curriculum')!r}, version "
                f"{state.get('version')!r}; was the run started with another curriculum?"
            )
        if state.get("n_problems") != len(self.ids):
            raise ValueError(
                f"curriculum state is for {state.get('n_problems')} problems, "
                f"this run has {len(self.ids)}"
            )
        foreign = sorted(set(state["problems"]) - set(self.prior))
        if foreign:
            raise ValueError(
                f"curriculum state has statistics for {len(foreign)} problem(s) this run does "
                f"not have, e.g. {foreign[0]!r}"
            )
        try:
            stats = {pid: ProblemStats.from_json(row) for pid, row in state["problems"].items()}
            seed, updates = int(state["seed"]), int(state["updates"])
            last_zero = state.get("last_zero_variance")
            last_zero_variance = None if last_zero is None else float(last_zero)
            group = state.get("group_size")
            group_size = None if group is None else int(group)
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"malformed pass_rate curriculum state ({exc!r})") from None
        # assigned only once everything parsed: a bad state leaves the curriculum as it was
        self.stats, self.seed, self.updates = stats, seed, updates
        self.last_zero_variance = last_zero_variance
        self.observed_group_size = group_size
        self._calibrate()

    # -- beyond the protocol --------------------------------------------------------------------

    def metrics(self) -> dict[str, float]:
        """What the trainer logs under env/<name>/curriculum/: how many problems are parked,
        unseen and active, their mean estimated pass rate (problems seen), the share of
        zero-variance groups in the last observe, and for the last batch drawn either the
        mean P(mixed) it expected (`selection="mixed"`) or the target (`"target"`)."""
        parked = sum(self._is_parked(s) for s in self.stats.values())
        out: dict[str, float] = {
            "parked": float(parked),
            "unseen": float(len(self.ids) - len(self.stats)),
            "active": float(len(self.stats) - parked),
        }
        if self.selection == "target":
            out["target_pass_rate"] = self.target(self.last_step or 0)
        elif self.last_expected_mixed is not None:
            out["expected_mixed_groups"] = self.last_expected_mixed
        if self.stats:
            out["estimated_pass_rate"] = sum(self.estimate(pid) for pid in self.stats) / len(
                self.stats
            )
        if self.last_zero_variance is not None:
            out["zero_variance_groups"] = self.last_zero_variance
        return out

    def estimate(self, pid: str) -> float:
        """The estimated pass rate of one problem (its prior if never seen)."""
        stats = self.stats.get(pid, ProblemStats())
        return pass_rate_estimate(
            stats.successes,
            stats.attempts,
            prior_mean=self.level_mean[self.prior[pid]],
            prior_strength=self.prior_strength,
        )

    def expected_mixed(self, pid: str) -> float:
        """P(the next group of this problem is mixed) under its posterior (module docstring),
        with `learning_credit` pseudo-successes for a problem the run has trained on."""
        stats = self.stats.get(pid, ProblemStats())
        # only a mixed group drives an update (a zero-variance one has no advantage), and a
        # profiled problem (last_seen 0) has not been trained on
        trained = stats.last_seen > 0 and stats.same_reward is None and stats.attempts > 0
        credit = self.learning_credit if trained else 0.0
        return mixed_group_probability(
            stats.successes + credit,
            stats.attempts + credit,
            prior_mean=self.level_mean[self.prior[pid]],
            prior_strength=self.prior_strength,
            group_size=self.group_size or self.observed_group_size or DEFAULT_GROUP_SIZE,
            partial=stats.partial,
            prior_values=self.level_values.get(self.prior[pid]),
        )

    def recent_visits(self, pid: str) -> float:
        """This problem's groups in this run, each counted half for every `visit_halflife`
        observes since it came (0 for a problem only profiled or never drawn)."""
        stats = self.stats.get(pid)
        if stats is None or not stats.visits:
            return 0.0
        return stats.visits * 0.5 ** ((self.updates - stats.last_seen) / self.visit_halflife)

    def draw_score(self, pid: str) -> float:
        """What `selection="mixed"` draws by: P(mixed) (`expected_mixed`) times
        `visit_discount` per recent visit (`recent_visits`)."""
        return self.expected_mixed(pid) * self.visit_discount ** self.recent_visits(pid)

    def target(self, step: int) -> float:
        return target_pass_rate(
            step, self.total_steps, start=self.target_start, end=self.target_end
        )

    def parked_problems(self) -> list[str]:
        """The problems set aside (their last `park_after` rewards all equal), sorted."""
        return [pid for pid in sorted(self.stats) if self._is_parked(self.stats[pid])]

    # -- helpers ----------------------------------------------------------------------------------

    def _calibrate(self) -> None:
        """Each difficulty level's prior mean from the rollouts seen at that level (see
        `level_prior_mean`), and, where partial rewards were seen there, the prior's shares of
        each reward value, calibrated the same way (`LEVEL_PRIOR_STRENGTH` pseudo-rollouts
        of the label's 0/1 split, plus the level's rollouts by value): a level whose
        problems often score 0.5 expects 0.5 of an untried one too. Derived from the state
        alone, so recomputed, never saved."""
        successes: dict[float, float] = {}
        attempts: dict[float, float] = {}
        values: dict[float, dict[float, float]] = {}
        partial_levels = {self.prior[pid] for pid, stats in self.stats.items() if stats.partial}
        for pid, stats in self.stats.items():
            level = self.prior[pid]
            successes[level] = successes.get(level, 0.0) + stats.successes
            attempts[level] = attempts.get(level, 0.0) + stats.attempts
            if level in partial_levels:
                counts = values.setdefault(level, {})
                for value, count in value_counts(
                    stats.successes, stats.attempts, stats.partial
                ).items():
                    counts[value] = counts.get(value, 0.0) + count
        self.level_mean = {
            level: level_prior_mean(level, successes.get(level, 0.0), attempts.get(level, 0.0))
            for level in set(self.prior.values())
        }
        self.level_values = {}
        for level, counts in values.items():
            counts[1.0] += LEVEL_PRIOR_STRENGTH * level
            counts[0.0] += LEVEL_PRIOR_STRENGTH * (1.0 - level)
            kept = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
            total = sum(count for _, count in kept[:MAX_PARTIAL_VALUES])
            self.level_values[level] = {v: c / total for v, c in kept[:MAX_PARTIAL_VALUES]}

    def _is_parked(self, stats: ProblemStats) -> bool:
        return stats.same_reward is not None and stats.same_count >= self.park_after

    def _uniforms(self, step: int) -> list[float]:
        """One number in [0, 1) per problem (sorted ids), from (seed, step) alone."""
        rng = random.Random(f"pass_rate/{self.seed}/{step}")
        return [rng.random() for _ in self.ids]

    def _seed_from_file(self, path: Path, envs: set[str]) -> None:
        """Prior counts from `rlvr eval`'s per-problem pass rates: each row counts as one group
        of `n` rollouts seen before step 0. Rows for other problems (other environments,
        held-out ones) are skipped, but a file with rows for this environment and none of
        its training problems is refused: it was most likely profiled on the held-out split."""
        matched, missed = 0, 0
        for line, row in read_jsonl(path):
            for field in ("id", "n", "correct"):
                if field not in row:
                    raise RecordError("missing", path=path, line=line, field=field)
            pid = str(row["id"])
            n, correct = row["n"], row["correct"]
            if isinstance(n, bool) or not isinstance(n, int) or n < 1:
                raise RecordError(
                    f"must be a whole number >= 1, got {n!r}", path=path, line=line, field="n"
                )
            if isinstance(correct, bool) or not isinstance(correct, int) or not 0 <= correct <= n:
                raise RecordError(
                    f"must be a whole number from 0 to n ({n}), got {correct!r}",
                    path=path,
                    line=line,
                    field="correct",
                )
            if pid not in self.prior:
                missed += row.get("env") in envs
                continue
            matched += 1
            same = 1.0 if correct == n else 0.0 if correct == 0 else None
            self.stats[pid] = ProblemStats(
                attempts=float(n),
                successes=float(correct),
                same_reward=same,
                same_count=n if same is not None else 0,
                last_seen=0,
            )
        if missed and not matched:
            env = " / ".join(sorted(envs))
            raise ValueError(
                f"pass_rates {path}: {missed} row(s) of environment {env!r}, none of them a "
                "training problem of this run (rlvr eval scores the held-out split unless "
                f"given --data): profile the training problems with `rlvr problems {env} "
                f"--split train > train.jsonl` and `rlvr eval --data train.jsonl --per-problem`"
            )


def _check_int(option: str, value: Any, *, minimum: int | None = None) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{option} must be a whole number, got {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{option} must be at least {minimum}, got {value}")


def _check_number(
    option: str, value: Any, *, low: float, high: float | None, open_low: bool = False
) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise ValueError(f"{option} must be a number, got {value!r}")
    too_low = value <= low if open_low else value < low
    too_high = high is not None and value > high
    if too_low or too_high or math.isinf(value):
        bracket = "(" if open_low else "["
        upper = f"{high}]" if high is not None else "inf)"
        raise ValueError(f"{option} must be in {bracket}{low}, {upper}, got {value}")
