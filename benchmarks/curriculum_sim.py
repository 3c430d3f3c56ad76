"""Curricula against synthetic learners at an equal rollout budget: `pass_rate` vs `uniform`.

    .venv/bin/python benchmarks/curriculum_sim.py [--seeds 0,1,2] [--steps 200]
        [--problems-per-step 16] [--group-size 8] [--envs 3] [--pool 100] [--no-labels]
        [--profile N [--profile-limit K]] [--pass-rate-options JSON] [--plot PNG] [--json FILE]

No model is trained: a learner is a table of per-problem success probabilities that move the
way GRPO moves them. Every curriculum gets the same number of steps, problems per step and
completions per problem, so the same rollout budget. The learners below were written down
before the curriculum's defaults were tuned, and were not changed afterwards.

Environments: `--envs` of them (code, if, math), each a pool of `--pool` problems with its own
curriculum instance, and every step's `--problems-per-step` shared between them equally by
`rlvr.batches.StepPlan`, as `rlvr train` builds them: a curriculum cannot move rollouts from
one environment to another. (Until issue 25 the simulation ran one curriculum over one pool.)
The learner is one model across them: the `transfer` learner's shared skill spans them all.

Each pool: difficulty 1 to 5 in equal numbers (the records carry it, as rlvr's environments
do; `--no-labels` hides it from the curriculum). Problem i starts at logit
a_i = 3 - 1.5 (d_i - 1) + e_i, e_i ~ Normal(0, 0.5): success probability about .95, .82,
.50, .18, .05 for difficulty 1-5.

A group is `--group-size` Bernoulli(p_i) rewards. After each group the learner takes one
step along the group-normalised GRPO gradient of a policy with one logit per problem: with
group mean m, that gradient is the group's reward standard deviation s = sqrt(m (1 - m))
(sum_j (r_j - m)/s * (r_j - p) = G s), so a group in which every completion got the same
reward (s = 0) teaches nothing, and one with a mixed outcome teaches most.

Learner `independent`: p_i = sigmoid(z_i), z_i starts at a_i, each group moves z_i += 0.4 s.
Problems share nothing; practice at a problem's frontier is all that counts.

Learner `transfer`: p_i = sigmoid(theta + z_i), z_i starts at a_i, theta (a shared skill)
at 0; each group moves z_i += 0.2 s and theta += 0.002 s. Every informative group on any
problem lifts every problem a little, so hard problems come within reach by practising
the ones at the frontier.

Measured per run: the fraction of zero-variance groups over the whole run (groups whose
rewards were all equal), and the mean pass rate over the whole pool at the end (the mean of
the true p_i, no sampling noise). Seeds change the learner's starting logits, its reward
draws and the curriculum's seed. `pass_rate` runs with its defaults and `total_steps`
(selection "mixed": the expected probability that the next group is mixed);
`pass_rate/target` is the same curriculum with the sliding-target rule it had before.

`--profile N`: before step 0, the first `--profile-limit` problems of each environment (all
without it) get N rollouts each from the starting learner, which does not learn from them,
written as `rlvr eval --per-problem` writes them and given to both `pass_rate` rows as
`pass_rates=`. Those rollouts are outside the training budget; the header counts them.

A third row, `oracle`, is no curriculum: it reads the learner's true p_i and takes the
problems closest to 0.5 every step. It was added after the first results, to tell how far
a pick by pass rate can go in each learner (a greedy reference, not a proven bound).

The plot (`--plot`) shows, per learner, the mean pass rate and the zero-variance fraction
(over a 10-step window) against the step, averaged over the seeds. Runs in seconds (a
700-problem pool: under a minute).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rlvr.batches import StepPlan
from rlvr.curricula.pass_rate import PassRateCurriculum
from rlvr.curricula.uniform import UniformCurriculum
from rlvr.protocols import Curriculum

START_LOGIT = 3.0
LOGIT_PER_DIFFICULTY = 1.5
START_NOISE = 0.5


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


@dataclass
class Learner:
    """Per-problem logits plus a shared skill; see the module docstring for the two kinds."""

    own_logit: dict[str, float]
    own_rate: float
    shared_rate: float
    shared_skill: float = 0.0

    def pass_rate(self, pid: str) -> float:
        return sigmoid(self.shared_skill + self.own_logit[pid])

    def mean_pass_rate(self) -> float:
        return sum(self.pass_rate(pid) for pid in self.own_logit) / len(self.own_logit)

    def practise(self, pid: str, rewards: Sequence[float]) -> None:
        mean = sum(rewards) / len(rewards)
        spread = math.sqrt(mean * (1.0 - mean))
        self.own_logit[pid] += self.own_rate * spread
        self.shared_skill += self.shared_rate * spread


LEARNERS: dict[str, tuple[float, float]] = {
    "independent": (0.4, 0.0),
    "transfer": (0.2, 0.002),
}
"""Learner name -> (own_rate, shared_rate), as the module docstring writes them."""


def make_pool(size: int, env: str = "sim") -> list[dict[str, Any]]:
    """Problem records of one environment: difficulty 1-5 in equal numbers."""
    return [
        {"id": f"{env}-{i:04d}", "env": env, "prompt": f"problem {i}", "difficulty": 1 + i % 5}
        for i in range(size)
    ]


def make_learner(kind: str, pool: Sequence[Mapping[str, Any]], rng: random.Random) -> Learner:
    own_rate, shared_rate = LEARNERS[kind]
    logits = {
        str(p["id"]): START_LOGIT
        - LOGIT_PER_DIFFICULTY * (int(p["difficulty"]) - 1)
        + rng.gauss(0.0, START_NOISE)
        for p in pool
    }
    return Learner(logits, own_rate, shared_rate)


@dataclass
class RunResult:
    curriculum: str
    learner: str
    seed: int
    start_pass_rate: float
    final_pass_rate: float
    zero_variance_groups: float
    profile_rollouts: int = 0
    pass_rate_by_step: list[float] = field(default_factory=list)
    zero_variance_by_step: list[float] = field(default_factory=list)


class OracleReference:
    """Not a curriculum: it reads the learner's true pass rates and takes, every step, the
    problems closest to 0.5 (where a group is least likely to be all equal). A greedy
    reference for how few zero-variance groups a pick by pass rate could reach."""

    def __init__(self, pool: Sequence[Mapping[str, Any]], learner: Learner) -> None:
        self.ids = sorted(str(p["id"]) for p in pool)
        self.learner = learner

    def next_batch(self, size: int, step: int) -> list[str]:
        return sorted(self.ids, key=lambda pid: abs(self.learner.pass_rate(pid) - 0.5))[:size]

    def observe(self, outcomes: Mapping[str, Sequence[float]]) -> None:
        pass

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        pass


PASS_RATE_OPTIONS: dict[str, Any] = {}
"""`--pass-rate-options`: options for `pass_rate` other than its defaults."""

CurriculumFactory = Callable[[list[dict[str, Any]], int, int, Learner, Path | None], Curriculum]

CURRICULA: dict[str, CurriculumFactory] = {
    "uniform": lambda pool, seed, steps, learner, profile: UniformCurriculum(pool, seed=seed),
    "pass_rate": lambda pool, seed, steps, learner, profile: PassRateCurriculum(
        pool, seed=seed, total_steps=steps, pass_rates=profile, **PASS_RATE_OPTIONS
    ),
    "pass_rate/target": lambda pool, seed, steps, learner, profile: PassRateCurriculum(
        pool,
        seed=seed,
        total_steps=steps,
        pass_rates=profile,
        **{**PASS_RATE_OPTIONS, "selection": "target"},
    ),
    "oracle": lambda pool, seed, steps, learner, profile: OracleReference(pool, learner),
}
"""`pass_rate` is the default curriculum (selection "mixed"); `pass_rate/target` the same
curriculum with the sliding-target rule it had before issue 25, for comparison."""

ENVIRONMENTS = ("code", "if", "math")


def profile_file(
    pools: Mapping[str, Sequence[Mapping[str, Any]]],
    learner: Learner,
    *,
    rollouts: int,
    limit: int | None,
    rng: random.Random,
    directory: Path,
) -> tuple[Path, int]:
    """What `rlvr eval --per-problem` on the training problems writes before training: the
    first `limit` problems of each environment, `rollouts` samples each from the starting
    learner (which does not learn from them). Returns the file and the rollouts it cost."""
    rows = []
    for env in sorted(pools):
        for problem in list(pools[env])[:limit]:
            pid = str(problem["id"])
            p = learner.pass_rate(pid)
            correct = sum(rng.random() < p for _ in range(rollouts))
            rows.append(
                {
                    "id": pid,
                    "env": env,
                    "n": rollouts,
                    "correct": correct,
                    "pass_rate": correct / rollouts,
                }
            )
    path = directory / "per_problem.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path, rollouts * len(rows)


def simulate(
    curriculum_name: str,
    learner_kind: str,
    seed: int,
    *,
    steps: int,
    problems_per_step: int,
    group_size: int,
    pool_size: int,
    envs: int = len(ENVIRONMENTS),
    labels: bool = True,
    profile_rollouts: int = 0,
    profile_limit: int | None = None,
) -> RunResult:
    """One run: `envs` environments of `pool_size` problems each, one curriculum per
    environment and every step's problems shared equally between them, as `rlvr train`
    builds them (`rlvr.batches.StepPlan`)."""
    # The learner's start depends on the seed only, so every curriculum faces the same
    # problems; the reward draws have their own stream.
    names = ENVIRONMENTS[:envs] if envs <= len(ENVIRONMENTS) else [f"env{i}" for i in range(envs)]
    pools = {env: make_pool(pool_size, env) for env in names}
    everything = [p for pool in pools.values() for p in pool]
    learner = make_learner(learner_kind, everything, random.Random(f"learner/{seed}"))
    rewards_rng = random.Random(f"rewards/{seed}/{curriculum_name}")
    result = RunResult(curriculum_name, learner_kind, seed, learner.mean_pass_rate(), 0.0, 0.0)
    with tempfile.TemporaryDirectory() as directory:
        profile = None
        if profile_rollouts and curriculum_name.startswith("pass_rate"):
            profile, result.profile_rollouts = profile_file(
                pools,
                learner,
                rollouts=profile_rollouts,
                limit=profile_limit,
                rng=random.Random(f"profile/{seed}"),
                directory=Path(directory),
            )
        # --no-labels: the curriculum sees records without a difficulty (its prior is flat),
        # as with a pool where every problem carries the same one
        curricula = {
            env: CURRICULA[curriculum_name](
                [p if labels else {k: v for k, v in p.items() if k != "difficulty"} for p in pool],
                seed,
                steps,
                learner,
                profile,
            )
            for env, pool in pools.items()
        }
    plan = StepPlan(
        curricula,
        dict.fromkeys(names, 1.0),
        [{"problem_id": p["id"]} for p in everything],
        problems_per_step=problems_per_step,
        group_size=group_size,
    )
    env_of = {str(p["id"]): env for env, pool in pools.items() for p in pool}
    zero_groups = groups = 0
    for step in range(steps):
        outcomes: dict[str, list[float]] = {}
        for pid in plan.problems_for(step):
            p = learner.pass_rate(pid)
            rewards = [float(rewards_rng.random() < p) for _ in range(group_size)]
            outcomes.setdefault(pid, []).extend(rewards)
        step_zero = 0
        for pid, rewards in outcomes.items():
            learner.practise(pid, rewards)
            step_zero += max(rewards) == min(rewards)
        for env, curriculum in curricula.items():
            curriculum.observe({pid: r for pid, r in outcomes.items() if env_of[pid] == env})
        zero_groups += step_zero
        groups += len(outcomes)
        result.zero_variance_by_step.append(step_zero / len(outcomes))
        result.pass_rate_by_step.append(learner.mean_pass_rate())
    result.final_pass_rate = learner.mean_pass_rate()
    result.zero_variance_groups = zero_groups / groups
    return result


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def table(results: Sequence[RunResult]) -> str:
    """Markdown: per learner and curriculum, the means over seeds and each seed's numbers."""
    lines = [
        "| learner | curriculum | zero-variance groups | final pass rate | start pass rate |"
        " per seed (zero-var / final) |",
        "|---|---|---|---|---|---|",
    ]
    for learner in LEARNERS:
        for name in CURRICULA:
            runs = [r for r in results if r.learner == learner and r.curriculum == name]
            if not runs:
                continue
            per_seed = ", ".join(
                f"{r.zero_variance_groups:.3f} / {r.final_pass_rate:.3f}" for r in runs
            )
            lines.append(
                f"| {learner} | {name} | {mean([r.zero_variance_groups for r in runs]):.3f} | "
                f"{mean([r.final_pass_rate for r in runs]):.3f} | "
                f"{mean([r.start_pass_rate for r in runs]):.3f} | {per_seed} |"
            )
    return "\n".join(lines)


def verdicts(results: Sequence[RunResult]) -> list[str]:
    """The issue's goal, checked per learner on the means over seeds."""
    out = []
    for learner in LEARNERS:
        for name in ("pass_rate", "pass_rate/target"):
            by_name = {
                n: [r for r in results if r.learner == learner and r.curriculum == n]
                for n in ("uniform", name)
            }
            if not all(by_name.values()):
                continue
            zero = {n: mean([r.zero_variance_groups for r in rs]) for n, rs in by_name.items()}
            final = {n: mean([r.final_pass_rate for r in rs]) for n, rs in by_name.items()}
            ratio = zero[name] / zero["uniform"] if zero["uniform"] else math.inf
            out.append(
                f"{learner}: zero-variance ratio {name}/uniform {ratio:.2f} "
                f"({'met' if ratio <= 0.5 else 'NOT met'}: at most 0.5); final pass rate "
                f"{final[name]:.3f} vs {final['uniform']:.3f} "
                f"({'met' if final[name] > final['uniform'] else 'NOT met'}: higher)"
            )
    return out


def plot(results: Sequence[RunResult], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    window = 10
    fig, axes = plt.subplots(2, len(LEARNERS), figsize=(4.2 * len(LEARNERS), 5.6), sharex=True)
    colours = {
        "uniform": "tab:gray",
        "pass_rate": "tab:blue",
        "pass_rate/target": "tab:orange",
        "oracle": "tab:green",
    }
    styles = {"uniform": "-", "pass_rate": "-", "pass_rate/target": "--", "oracle": ":"}
    for column, learner in enumerate(LEARNERS):
        for name in CURRICULA:
            runs = [r for r in results if r.learner == learner and r.curriculum == name]
            if not runs:
                continue
            steps = len(runs[0].pass_rate_by_step)
            rate = [mean([r.pass_rate_by_step[s] for r in runs]) for s in range(steps)]
            zero = [mean([r.zero_variance_by_step[s] for r in runs]) for s in range(steps)]
            smooth = [mean(zero[max(0, s - window + 1) : s + 1]) for s in range(steps)]
            style = {"label": name, "color": colours[name], "linestyle": styles[name]}
            axes[0][column].plot(range(1, steps + 1), rate, **style)
            axes[1][column].plot(range(1, steps + 1), smooth, **style)
        axes[0][column].set_title(f"learner: {learner}")
        axes[0][column].set_ylabel("mean pass rate (pool)")
        axes[1][column].set_ylabel(f"zero-variance groups ({window}-step mean)")
        axes[1][column].set_xlabel("step")
        axes[1][column].set_ylim(0, 1)
        axes[0][column].legend(loc="lower right")
    seeds = sorted({r.seed for r in results})
    fig.suptitle(
        f"curricula at an equal rollout budget (oracle: reads the true pass rates), "
        f"mean of seeds {seeds}",
        fontsize=9,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--problems-per-step", type=int, default=16)
    parser.add_argument("--group-size", type=int, default=8)
    parser.add_argument(
        "--pool", type=int, default=100, help="problems per environment (default 100)"
    )
    parser.add_argument(
        "--envs", type=int, default=3, help="environments, one curriculum each (default 3)"
    )
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="a profiling pass before training: N rollouts per problem from the starting "
        "learner, given to pass_rate as its pass_rates file (rlvr eval --per-problem)",
    )
    parser.add_argument(
        "--profile-limit",
        type=int,
        metavar="K",
        help="profile only the first K problems of each environment (rlvr eval --limit)",
    )
    parser.add_argument(
        "--no-labels",
        action="store_true",
        help="hide the difficulty from the curriculum (the learner still has it)",
    )
    parser.add_argument("--plot", type=Path, help="write the curves as a PNG")
    parser.add_argument("--json", type=Path, help="write every run's numbers as JSON")
    parser.add_argument(
        "--pass-rate-options",
        type=json.loads,
        default={},
        help='options for pass_rate, as JSON (e.g. \'{"target_start": 0.5, "target_end": 0.5}\')',
    )
    args = parser.parse_args(argv)
    if args.problems_per_step < args.envs:
        parser.error(
            f"--problems-per-step {args.problems_per_step} cannot give each of the "
            f"{args.envs} environments (--envs) a problem"
        )
    for option, value in (
        ("--steps", args.steps),
        ("--group-size", args.group_size),
        ("--pool", args.pool),
        ("--envs", args.envs),
    ):
        if value < 1:
            parser.error(f"{option} must be at least 1, got {value}")
    if not isinstance(args.pass_rate_options, dict):
        parser.error("--pass-rate-options must be a JSON object")
    try:
        PassRateCurriculum(make_pool(1), **args.pass_rate_options)
    except (TypeError, ValueError) as exc:
        parser.error(f"--pass-rate-options: {exc}")
    PASS_RATE_OPTIONS.clear()
    PASS_RATE_OPTIONS.update(args.pass_rate_options)
    seeds = [int(s) for s in args.seeds.split(",")]

    started = time.perf_counter()
    results = [
        simulate(
            name,
            learner,
            seed,
            steps=args.steps,
            problems_per_step=args.problems_per_step,
            group_size=args.group_size,
            pool_size=args.pool,
            envs=args.envs,
            profile_rollouts=args.profile,
            profile_limit=args.profile_limit,
            labels=not args.no_labels,
        )
        for learner in LEARNERS
        for seed in seeds
        for name in CURRICULA
    ]
    seconds = time.perf_counter() - started
    rollouts = args.steps * args.problems_per_step * args.group_size
    profiled = max(r.profile_rollouts for r in results)
    print(
        f"{datetime.now(UTC):%Y-%m-%d}: {args.envs} environments of {args.pool} problems, "
        f"one curriculum each; {args.steps} steps x "
        f"{args.problems_per_step} problems x {args.group_size} completions = {rollouts} "
        f"rollouts per run, seeds {seeds}{', difficulty hidden' if args.no_labels else ''}"
        f"{f', pass_rate options {args.pass_rate_options}' if args.pass_rate_options else ''}"
        f"{f', pass_rate profiled first ({profiled} rollouts)' if profiled else ''}; "
        f"{len(results)} runs in {seconds:.1f} s\n"
    )
    print(table(results))
    print()
    for line in verdicts(results):
        print(line)
    if args.plot:
        plot(results, args.plot)
        print(f"plot: {args.plot}")
    if args.json:
        args.json.write_text(
            json.dumps([r.__dict__ for r in results], indent=1) + "\n", encoding="utf-8"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
