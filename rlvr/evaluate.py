"""`rlvr eval`: pass@k of a model, or of every checkpoint of a run, per environment and
difficulty.

Reads top to bottom: settings -> what to evaluate (a model, or a run's base model and its
complete checkpoints) -> the problems (each environment's held-out split, which training never
draws from, or the rows of `--data FILE`) -> for each policy: generate n completions per
problem, judge them, summarise -> write eval.json, eval.csv, settings.json and, on request,
per-problem pass rates.

Generation is the engine training uses: transformers `generate` with the prompt rendered by
the tokenizer's chat template exactly as TRL's GRPOTrainer renders it (`add_generation_prompt`,
completions cut at the first end-of-sequence token and decoded without special tokens); vLLM on
a GPU when it is installed, fed the same token ids; or, with `--base-url`, any OpenAI-compatible
server (vLLM, SGLang, llama.cpp elsewhere) sent the environment's chat messages, its system
prompt included. Sampling is at `temperature` with `top_p`, `top_k` and `min_p` (defaults: no
cut, as in training); temperature 0 is greedy decoding, one sample per problem. Each problem's n
completions come from a generator seeded by (seed, problem id), so a result does not depend on
which other problems, checkpoints or `--limit` were evaluated alongside it, and every checkpoint
meets the same random draws. `--batch B` trades that for speed on a CPU: B problems share a call
(left-padded, seeded by the first one's seed), so a result then depends on the problem order and
`--limit`, still the same for every checkpoint. A completion the server failed to produce
(transport errors after retries, a refused request) is an infrastructure fault: reward None,
counted under `errors`, never a 0.

Which verifier judges a row, and the environments and prompts, follow the rules every verb
shares (rlvr/resolve.py): a row's own `verifier`, else the run config's, else the
environment's, with its required fields checked before any model is loaded. Judging runs in
the verification engine (rlvr/engine.py: worker processes, each call under a deadline), with
the verifier's options but without training's shaping options (no partial credit for an
unboxed math answer): a completion is correct when its reward is 1. A verifier that declares
`extraction_modes` (math: strict, boxed, and lenient, free-form) is judged once per mode, the
first the headline. A verifier fault (reward None) is never counted as wrong: the sample is
left out and counted under `errors`; a verification past the deadline scores 0.

Beside pass@k each reading holds avg@n (mean reward of the n samples) and, where the verifier
exposes a comparable answer (math: the answer it extracted, as it read it), maj@k (the reward of
the majority answer; rlvr/passk.py says how it is estimated). Where the `math_verify` package
is installed, a math environment also gets a `math_verify` reading: Math-Verify's verdict on the
same completions, the checker behind published numbers. `--log-samples` writes every completion
with its verdicts to samples.jsonl.

A checkpoint's blocks also hold `vs_base`: its pass@k minus the base model's on the same
problems, with a paired bootstrap interval (problems resampled, each problem's two results
kept together). That is the interval to read "did training help?" from: the two policies'
own intervals share the problem-to-problem spread, and overlap even when the gain is real.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
import re
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rlvr.engine import ITEM_TIMEOUT_S, Item, LocalPool, VerificationPool
from rlvr.errors import UserError
from rlvr.multiturn import is_multiturn
from rlvr.passk import (
    DEFAULT_CONFIDENCE,
    DEFAULT_RESAMPLES,
    majority_at_k,
    mean_with_interval,
    paired_difference_with_interval,
    pass_at_k_with_interval,
)
from rlvr.protocols import Environment, Message, Verifier, extraction_modes
from rlvr.records import Record, environment_problems, load_records
from rlvr.registry import default_registry
from rlvr.resolve import (
    VerifierResolver,
    build_environment,
    plan_verifiers,
    pool_key,
    render_prompt,
)
from rlvr.run_dir import (
    BASE_POLICY,
    CONFIG_FILE,
    EVAL_FILE,
    MODEL_POLICY,
    RunDir,
    checkpoint_label,
    passk_ci_key,
    passk_key,
    write_atomic,
)
from rlvr.verdict import Verdict

DEFAULT_N = 16
DEFAULT_KS = (1, 4, 16)
DEFAULT_MAX_NEW_TOKENS = {"cpu": 96, "gpu": 1024}
"""As training's `max_completion_length` defaults, used when no run config says otherwise."""
DEFAULT_CONCURRENCY = 8
DIGITS = 6
PROGRESS_EVERY_S = 30.0
_NUMBER = r"-?\d[\d.eE+-]*|null"
_NUMBER_LIST = re.compile(rf"\[\s*((?:{_NUMBER})(?:,\s*(?:{_NUMBER}))*)\s*\]")

CSV_FILE = "eval.csv"
SAMPLES_FILE = "samples.jsonl"
SETTINGS_FILE = "settings.json"
CSV_COLUMNS = (
    "policy",
    "step",
    "env",
    "extraction",
    "difficulty",
    "k",
    "pass_at_k",
    "ci_low",
    "ci_high",
    "n_problems",
    "n",
    "errors",
    "maj_at_k",
    "maj_ci_low",
    "maj_ci_high",
    "avg_at_n",
    "avg_ci_low",
    "avg_ci_high",
)
"""Long format: one row per (policy, env, extraction, difficulty, k); avg@n repeats across k,
maj@k is empty where the verifier offers no comparable answer."""


@dataclass(frozen=True)
class GenerationFailure:
    """A completion the engine could not produce (the server failed after retries, or refused
    the request): an infrastructure fault, judged None, never 0."""

    reason: str


Completion = str | GenerationFailure
GenerateFn = Callable[[Sequence[list[Message]], int, Sequence[int]], list[list[Completion]]]
"""(prompts, n, one seed per prompt) -> n completions per prompt."""


# -- settings ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """How completions are drawn and summarised; all of it is written to settings.json."""

    n: int = DEFAULT_N
    ks: tuple[int, ...] = DEFAULT_KS
    seed: int = 0
    temperature: float = 1.0
    max_new_tokens: int = DEFAULT_MAX_NEW_TOKENS["cpu"]
    limit: int | None = None
    engine: str = "transformers"
    batch: int = 1
    """Problems per `generate` call (transformers engine). 1: each problem alone, its samples
    independent of every other problem; more: several problems left-padded into one call, much
    faster on a CPU, the samples then depending on which problems share the call."""
    top_p: float = 1.0
    """Nucleus sampling: the smallest set of tokens holding this much probability (1: all)."""
    top_k: int = 0
    """Only the k likeliest tokens (0: no cut)."""
    min_p: float = 0.0
    """Tokens at least this fraction of the likeliest one's probability (0: no cut)."""
    base_url: str | None = None
    """An OpenAI-compatible server (engine "openai"); the model is the one it serves."""
    served_model: str | None = None
    """The model name sent to that server."""
    concurrency: int = DEFAULT_CONCURRENCY
    """Requests in flight at once to that server."""

    @property
    def greedy(self) -> bool:
        return self.temperature == 0


def parse_ks(text: str | None, n: int) -> tuple[int, ...]:
    """The k values to report. Without `--k`, those of 1, 4, 16 that n samples allow, and n."""
    if text is None:
        return tuple(sorted({k for k in DEFAULT_KS if k <= n} | {n}))
    ks = _comma_separated("--k", text, "whole numbers", "at least one k (e.g. --k 1,4,16)")
    if ks[0] < 1:
        raise UserError(f"--k {text}: every k must be at least 1")
    if ks[-1] > n:
        raise UserError(
            f"--k {text}: k={ks[-1]} needs at least {ks[-1]} samples per problem, and --n is "
            f"{n}; raise --n or lower k"
        )
    return tuple(ks)


# -- what to evaluate ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Policy:
    """One model to evaluate: a model directory, or a run checkpoint (an adapter needs `base`)."""

    label: str
    """"model", "base" or "checkpoint-<step>": its key in eval.json."""
    step: int | None
    path: Path
    base: Path | None = None


@dataclass
class RunInfo:
    """What `rlvr eval --run` takes from the run directory."""

    run: RunDir
    config: dict[str, Any]
    model_path: Path
    checkpoints: list[tuple[int, Path]]


def parse_steps(text: str | None) -> tuple[int, ...] | None:
    """`--steps 25,50`: the checkpoints to evaluate (None: every complete one)."""
    if text is None:
        return None
    return tuple(
        _comma_separated("--steps", text, "step numbers", "at least one step (e.g. --steps 25,50)")
    )


def _comma_separated(flag: str, text: str, what: str, at_least: str) -> list[int]:
    """The distinct whole numbers of a comma-separated flag value, in order; at least one."""
    try:
        numbers = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise UserError(f"{flag} {text}: expected {what} separated by commas") from None
    if not numbers:
        raise UserError(f"{flag}: give {at_least}")
    return numbers


def run_info(path: str | Path, steps: Sequence[int] | None = None) -> RunInfo:
    """The run at `path` and its complete checkpoints (only those at `steps`, when given)."""
    run = RunDir(path)
    try:
        config = run.read_config()
    except UserError as exc:
        raise UserError(f"--run: {exc}") from None
    if "model_path" not in config:
        raise UserError(f"{run.path / CONFIG_FILE}: no model_path; was it written by `rlvr train`?")
    checkpoints = run.checkpoints()
    if not checkpoints:
        raise UserError(f"--run {run.path}: no complete checkpoint to evaluate")
    if steps is not None:
        missing = sorted(set(steps) - {step for step, _ in checkpoints})
        if missing:
            raise UserError(
                f"--steps: {run.path} has no complete checkpoint at step "
                f"{', '.join(map(str, missing))}; it has "
                f"{', '.join(str(step) for step, _ in checkpoints)}"
            )
        checkpoints = [(step, path) for step, path in checkpoints if step in steps]
    return RunInfo(run, config, Path(config["model_path"]), checkpoints)


def run_policies(info: RunInfo, *, base: bool) -> list[Policy]:
    """The run's base model (step 0) when asked, then every complete checkpoint, oldest first."""
    policies = [Policy(BASE_POLICY, 0, info.model_path)] if base else []
    for step, path in info.checkpoints:
        adapter = (path / "adapter_config.json").is_file()
        policies.append(
            Policy(checkpoint_label(step), step, path, base=info.model_path if adapter else None)
        )
    return policies


# -- the problems ----------------------------------------------------------------------------------


@dataclass
class EnvTask:
    """One environment's problems, their rendered prompts and their verifiers."""

    name: str
    problems: list[Record] = field(default_factory=list)
    prompts: list[list[Message]] = field(default_factory=list)
    verifier_names: list[str] = field(default_factory=list)
    verifiers: list[Verifier] = field(default_factory=list)
    environment: Any = None
    """A multi-turn environment, whose episodes `evaluate_multiturn` runs; None otherwise."""

    @property
    def extractions(self) -> tuple[str | None, ...]:
        """The readings its verifiers declare (`extraction_modes`) when they all declare the
        same; otherwise each problem once, as its verifier judges it (None)."""
        declared = {extraction_modes(v) for v in self.verifiers}
        return declared.pop() if len(declared) == 1 else (None,)

    extra_readings: dict[str, Verifier] = field(default_factory=dict)
    """Further checkers judging every completion, by reading name (math: Math-Verify)."""

    @property
    def readings(self) -> list[str | None]:
        """Every reading of a completion: the extraction modes, then the further checkers."""
        return [*self.extractions, *self.extra_readings]

    def key(self, index: int) -> str:
        """Problem `index`'s verifier in the engine's pool (verifiers are built per env)."""
        return pool_key(self.name, self.verifier_names[index])

    def extra_key(self, reading: str) -> str:
        """A further checker's key in the pool: a name no registered verifier can have."""
        return pool_key(self.name, f"reading:{reading}")

    def judged_as(self, index: int, reading: str | None) -> tuple[str, Record]:
        """(pool key, problem as that reading's verifier sees it) of problem `index`."""
        problem = self.problems[index]
        if reading in self.extra_readings:
            return self.extra_key(str(reading)), problem
        if reading is None:
            return self.key(index), problem
        return self.key(index), {**problem, "mode": reading}

    def reading_verifier(self, index: int, reading: str | None) -> Verifier:
        if reading in self.extra_readings:
            return self.extra_readings[str(reading)]
        return self.verifiers[index]


def env_configs(run_config: Mapping[str, Any] | None) -> dict[str, Any]:
    """The run's `envs:` as EnvConfig objects (options, data, verifier), or none."""
    if not run_config:
        return {}
    from rlvr.config import config_from_dict

    return dict(config_from_dict({"envs": run_config.get("envs") or {}}, where="config.yaml").envs)


class _Environments:
    """Environment instances by name, built as training builds them (the run's options and
    pool seed), so that "held out" means held out from what that run drew."""

    def __init__(self, configs: Mapping[str, Any], seed: int, data: Path | None) -> None:
        self.configs = configs
        self.seed = seed
        self.data = data
        self._built: dict[str, Environment | None] = {}

    def get(self, name: str) -> Environment | None:
        """The environment, or None for rows of --data whose env is not registered (their
        prompts are used as written)."""
        if name not in self._built:
            environment = build_environment(
                name, self.configs.get(name), self.seed, rows_elsewhere=self.data is not None
            )
            self._built[name] = environment
        return self._built[name]


def _file_problems(data: Path, env_names: Sequence[str] | None) -> dict[str, list[Record]]:
    rows: dict[str, list[Record]] = {}  # a missing source: load_records says so
    for record in load_records(data):
        rows.setdefault(str(record["env"]), []).append(record)
    wanted = list(env_names) if env_names else list(rows)
    missing = [name for name in wanted if name not in rows]
    if missing:
        raise UserError(
            f"--data {data}: no rows of environment {', '.join(map(repr, missing))}; "
            f"the file holds {', '.join(map(repr, sorted(rows))) or 'none'}"
        )
    return {name: rows[name] for name in wanted}


def _heldout_problems(
    environments: _Environments, env_names: Sequence[str] | None
) -> dict[str, list[Record]]:
    if not env_names:
        raise UserError("no environments: pass --envs (e.g. --envs math,code,if)")
    problems = {}
    for name in env_names:
        problems[name] = environment_problems(name, environments.get(name), "heldout")
        if not problems[name]:
            raise UserError(
                f"environment {name!r} has no held-out problems; evaluate a file with --data"
            )
    return problems


def build_tasks(
    env_names: Sequence[str] | None,
    *,
    configs: Mapping[str, Any],
    env_seed: int,
    data: Path | None,
    limit: int | None,
) -> list[EnvTask]:
    """The problems to evaluate, per environment, with their prompts and verifiers. Every
    input fault is a UserError here, before any model is loaded."""
    environments = _Environments(configs, env_seed, data)
    if data is not None:
        problem_lists = _file_problems(data, env_names)
    else:
        problem_lists = _heldout_problems(environments, env_names)
    resolver = VerifierResolver(default_registry())
    tasks = []
    for name, problems in problem_lists.items():
        env = environments.get(name)
        chosen = problems[:limit] if limit is not None else problems
        where = f"--data {data}" if data is not None else f"environment {name!r}"
        plan = plan_verifiers(
            name, env, configs.get(name), chosen, training=False, where=where, resolver=resolver
        )
        task = EnvTask(name, list(chosen), [render_prompt(env, p) for p in chosen], plan.names)
        task.verifiers = [plan.verifiers[key] for key in plan.keys]
        task.environment = env if is_multiturn(env) else None
        if task.problems and _all_math(task.verifiers) and math_verify_installed():
            task.extra_readings[MATH_VERIFY_READING] = MathVerifyChecker()
        tasks.append(task)
    return tasks


def _all_math(verifiers: Sequence[Verifier]) -> bool:
    """Whether rlvr's math verifier judges every problem: then they have gold answers that
    Math-Verify can read too."""
    return all(is_math_verifier(v) for v in verifiers)


def is_math_verifier(verifier: object) -> bool:
    """An instance of rlvr's math verifier; asked without importing it (sympy: seconds), as
    an instance can only exist once its module is loaded."""
    module = sys.modules.get("rlvr.verifiers.math")
    return module is not None and isinstance(verifier, module.MathVerifier)


def open_judges(
    tasks: Sequence[EnvTask], *, item_timeout: float = ITEM_TIMEOUT_S
) -> VerificationPool:
    """The engine's local pool holding every task's verifiers, under the deadline."""
    verifiers = {
        task.key(i): verifier for task in tasks for i, verifier in enumerate(task.verifiers)
    }
    for task in tasks:
        verifiers.update({task.extra_key(r): v for r, v in task.extra_readings.items()})
    return LocalPool(verifiers, item_timeout=item_timeout)


# -- generating and judging ------------------------------------------------------------------------


def problem_seed(seed: int, problem_id: str) -> int:
    """The sampling seed of one problem: fixed by (seed, id) alone."""
    digest = hashlib.sha256(f"rlvr-eval/{seed}/{problem_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1  # torch seeds are at most 2**63 - 1


@dataclass
class Tally:
    """One problem's samples under one reading: a verdict per sample, in sample order."""

    rewards: list[float | None] = field(default_factory=list)
    """None: a fault of the infrastructure (the verifier, the server), not of the sample."""
    infos: list[dict[str, Any]] = field(default_factory=list)
    answers: list[str | None] | None = None
    """Each sample's comparable answer (None: it gave none), for maj@k; None when the
    verifier offers no comparable answer."""

    @property
    def scored(self) -> int:
        return sum(reward is not None for reward in self.rewards)

    @property
    def correct(self) -> int:
        return sum(reward == 1.0 for reward in self.rewards)

    @property
    def errors(self) -> int:
        return sum(reward is None for reward in self.rewards)

    @errors.setter
    def errors(self, count: int) -> None:
        """`tally.errors += faults`: that many more samples were faults that never reached
        a verifier (a multi-turn episode's tool failed, say)."""
        for _ in range(count - self.errors):
            self.rewards.append(None)
            self.infos.append({"error": "an infrastructure fault before judging"})
            if self.answers is not None:
                self.answers.append(None)


@dataclass
class ProblemResult:
    id: str
    env: str
    difficulty: Any
    tallies: dict[str | None, Tally]
    """By reading: extraction mode (None: the verifier's own) or further checker."""
    prompt: list[Message] = field(default_factory=list)
    completions: list[Completion] = field(default_factory=list)
    episodes: list[dict[str, Any]] | None = None
    """Multi-turn: per judged completion (same order), its episode (`transcript`: every
    assistant turn and tool result; `tool_calls`: each call's record), bounded as in
    samples.jsonl of training; None for single-turn."""
    faulted: list[dict[str, Any]] = field(default_factory=list)
    """Multi-turn episodes whose tool met an infrastructure fault: not judged (counted under
    `errors`), their transcripts and the fault kept for --log-samples."""


def judge(
    pool: VerificationPool,
    task: EnvTask,
    indices: Sequence[int],
    completions: Sequence[Sequence[Completion]],
) -> list[ProblemResult]:
    """Score problems' completions in each of their task's readings, in one batch. A sample
    the engine failed to produce is not sent to a verifier: it is a fault (reward None)."""
    readings = task.readings
    items: list[Item] = []
    for index, texts in zip(indices, completions, strict=True):
        for reading in readings:
            key, judged = task.judged_as(index, reading)
            items += [(key, judged, text) for text in texts if isinstance(text, str)]
    verdicts = iter(pool.score(items))
    results = []
    for index, texts in zip(indices, completions, strict=True):
        problem = task.problems[index]
        tallies = {}
        for reading in readings:
            verifier = task.reading_verifier(index, reading)
            tally = Tally(answers=[] if offers_answers(verifier) else None)
            for text in texts:
                verdict = (
                    next(verdicts)
                    if isinstance(text, str)
                    else Verdict.error(f"no completion: {text.reason}")
                )
                tally.rewards.append(verdict.reward)
                tally.infos.append(dict(verdict.info))
                if tally.answers is not None:
                    reward = verdict.reward
                    answer = None if reward is None else comparable_answer(verifier, verdict.info)
                    tally.answers.append(answer)
            tallies[reading] = tally
        results.append(
            ProblemResult(
                str(problem["id"]),
                task.name,
                problem.get("difficulty"),
                tallies,
                task.prompts[index],
                list(texts),
            )
        )
    return results


# -- comparable answers (maj@k) and the Math-Verify reading ----------------------------------------

MAX_ANSWER_CHARS = 300
"""An answer key longer than this is cut: two answers equal over 300 characters vote together."""
_NO_FINAL_ANSWER = frozenset({"no_answer", "hedged", "empty_box", "too_large"})


def offers_answers(verifier: object) -> bool:
    """Whether a verifier's verdicts carry an answer that two samples can share: rlvr's math
    verifier, Math-Verify's reading, or any verifier with an `answer_key(info)` method."""
    return is_math_verifier(verifier) or callable(getattr(verifier, "answer_key", None))


def comparable_answer(verifier: object, info: Mapping[str, Any]) -> str | None:
    """A sample's answer as its verifier read it, the key samples are grouped by for maj@k;
    None where it gave no final answer (it does not vote)."""
    hook = getattr(verifier, "answer_key", None)
    if callable(hook):
        key = hook(info)
        if not isinstance(key, str) or not key.strip():
            return None
        from rlvr.verifiers.latex import normalise_unicode

        return " ".join(normalise_unicode(key[: MAX_ANSWER_CHARS * 4]).split())[:MAX_ANSWER_CHARS]
    extracted = info.get("extracted")
    if not isinstance(extracted, str) or info.get("status") in _NO_FINAL_ANSWER:
        return None
    from rlvr.verifiers.math import plain

    # sympy's reading where the answer parsed (`\frac{1}{2}` and `1/2` alike), else the text
    read_as = info.get("read_as")
    key = read_as if isinstance(read_as, str) else plain(extracted[: MAX_ANSWER_CHARS * 4])
    return key[:MAX_ANSWER_CHARS]


MATH_VERIFY_READING = "math_verify"


class MathVerifyChecker:
    """Math-Verify (Hugging Face's math answer checker, behind lighteval's and open-r1's
    numbers) as a verifier, for the extra reading of a math environment: its gold and answer
    parsed with its default extraction (LaTeX and plain expressions), compared by its `verify`.
    It runs in the engine's worker processes under the engine's deadline; Math-Verify's own
    SIGALRM timeouts are off, as they would cancel the engine's alarm."""

    name = MATH_VERIFY_READING
    max_completion_chars = 100_000
    """Read from the end, where the final answer is, as rlvr's math verifier reads."""

    def verify(self, problem: Mapping[str, Any], completion: str) -> Verdict:
        import logging

        from math_verify import parse, verify

        from rlvr.text import strip_reasoning
        from rlvr.verifiers.latex import normalise_unicode

        # its "timeout is disabled" warning, once per worker: the engine's deadline holds
        logging.getLogger("math_verify").setLevel(logging.ERROR)
        # as rlvr's checker reads it: NFKC, invisible characters dropped, look-alikes folded
        # (plain ASCII, what published numbers were computed on, is unchanged)
        text = strip_reasoning(normalise_unicode(str(completion)[-self.max_completion_chars :]))
        if text is None:
            return Verdict(0.0, {"status": "no_answer", "reason": "reasoning never closed"})
        gold = parse(f"${problem['answer']}$", parsing_timeout=None)
        if not gold:
            return Verdict.error(f"Math-Verify cannot read the gold {problem['answer']!r}")
        try:
            answer = parse(text, parsing_timeout=None)
            correct = bool(answer) and verify(gold, answer, timeout_seconds=None)
        except Exception as exc:  # whatever the completion made Math-Verify raise
            return Verdict(0.0, {"status": "unparseable", "reason": repr(exc)[:200]})
        if not answer:
            return Verdict(0.0, {"status": "no_answer"})
        status = "correct" if correct else "wrong"
        return Verdict(float(correct), {"status": status, "extracted": str(answer[0])[:1000]})

    def answer_key(self, info: Mapping[str, Any]) -> str | None:
        extracted = info.get("extracted")
        return extracted if isinstance(extracted, str) else None


def math_verify_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("math_verify") is not None


def evaluate_tasks(
    generate: GenerateFn,
    tasks: Sequence[EnvTask],
    settings: Settings,
    *,
    label: str = MODEL_POLICY,
    prompts_per_call: int = 8,
    log: Callable[[str], None] | None = None,
    judges: VerificationPool | None = None,
) -> dict[str, list[ProblemResult]]:
    """Generate and judge every problem of every task with one policy; `judges`: the
    verification pool (default: one opened for these tasks, closed at the end)."""
    if judges is None:
        with open_judges(tasks) as pool:
            return evaluate_tasks(
                generate,
                tasks,
                settings,
                label=label,
                prompts_per_call=prompts_per_call,
                log=log,
                judges=pool,
            )
    say = log or (lambda line: None)
    results: dict[str, list[ProblemResult]] = {}
    for task in tasks:
        started = last_report = time.perf_counter()
        env_results: list[ProblemResult] = []
        seeds = [problem_seed(settings.seed, str(p["id"])) for p in task.problems]
        for first in range(0, len(task.problems), prompts_per_call):
            chunk = range(first, min(first + prompts_per_call, len(task.problems)))
            completions = generate(
                [task.prompts[i] for i in chunk], settings.n, [seeds[i] for i in chunk]
            )
            env_results += judge(judges, task, chunk, completions)
            if time.perf_counter() - last_report > PROGRESS_EVERY_S:
                last_report = time.perf_counter()
                say(f"rlvr eval: {label} {task.name}: {len(env_results)}/{len(task.problems)}")
        results[task.name] = env_results
        mode = task.extractions[0]
        solved = sum(r.tallies[mode].correct for r in env_results)
        scored = sum(r.tallies[mode].scored for r in env_results)
        rate = f"{solved / scored:.3f}" if scored else "n/a"
        errors = sum(r.tallies[mode].errors for r in env_results)
        faults = f", {errors} samples not scored (null: see errors)" if errors else ""
        say(
            f"rlvr eval: {label} {task.name}: {len(env_results)} problems x {settings.n} "
            f"samples, pass rate {rate}{faults} ({time.perf_counter() - started:.0f} s)"
        )
    return results


def evaluate_multiturn(
    engine: Any,
    tasks: Sequence[EnvTask],
    settings: Settings,
    *,
    label: str,
    judges: VerificationPool,
    log: Callable[[str], None],
) -> dict[str, list[ProblemResult]]:
    """Multi-turn tasks: rlvr.multiturn.evaluate_episodes, the transformers engine's model
    generating one message at a time with the settings' sampling, rendered by a copy of its
    tokenizer given the tool-capable template training uses (rlvr.multiturn.tool_chat_template;
    the single-turn tasks keep the tokenizer as it is), the final turns judged like any other."""
    import copy
    import functools

    from rlvr.multiturn import chat_policy, evaluate_episodes, tool_chat_template

    tokenizer = copy.deepcopy(engine.tokenizer)
    log(f"rlvr eval: {label}: multi-turn chat template: {tool_chat_template(tokenizer)}")
    policy = chat_policy(
        engine.model,
        tokenizer,
        max_new_tokens=settings.max_new_tokens,
        temperature=settings.temperature,
        top_p=settings.top_p,
        top_k=settings.top_k,
        min_p=settings.min_p,
    )
    results: dict[str, list[ProblemResult]] = {}
    for task in tasks:
        started = time.perf_counter()
        results[task.name] = evaluate_episodes(
            task.environment,
            task.problems,
            policy,
            n=settings.n,
            seeds=[problem_seed(settings.seed, str(p["id"])) for p in task.problems],
            judge=functools.partial(judge, judges, task),
        )
        solved = sum(r.tallies[task.extractions[0]].correct for r in results[task.name])
        log(
            f"rlvr eval: {label} {task.name}: {len(task.problems)} problems x {settings.n} "
            f"episodes, {solved} correct ({time.perf_counter() - started:.0f} s)"
        )
    return results


# -- summaries -------------------------------------------------------------------------------------


def summarise(results: Sequence[ProblemResult], mode: str | None, settings: Settings) -> dict:
    """pass@k, avg@n and (where answers compare) maj@k with intervals over these problems, in
    eval.json's per-env block shape."""
    block: dict[str, Any] = {}
    tallies = [r.tallies[mode] for r in results]
    for k in settings.ks:
        # A problem with fewer than k scored samples (verifier faults) has no pass@k estimate.
        counts = [(t.scored, t.correct) for t in tallies if t.scored >= k]
        _put(block, passk_key(k), counts and pass_at_k_with_interval(counts, k, seed=settings.seed))
    averages = [sum(r for r in t.rewards if r is not None) / t.scored for t in tallies if t.scored]
    _put(block, f"avg@{settings.n}", averages and _mean_interval(averages, settings))
    if tallies and all(t.answers is not None for t in tallies):
        for k in settings.ks:
            values = [majority_at_k(*majority_votes(t), k) for t in tallies if t.scored >= k]
            _put(block, f"maj@{k}", values and _mean_interval(values, settings))
    block["n_problems"] = len(results)
    block["n"] = settings.n
    block["errors"] = sum(t.errors for t in tallies)
    return block


def _put(block: dict[str, Any], key: str, estimate: Any) -> None:
    """`key` and `key_ci` from (value, (low, high)); both None where nothing was estimated."""
    if estimate:
        value, (low, high) = estimate
        block[key] = round(value, DIGITS)
        block[f"{key}_ci"] = [round(low, DIGITS), round(high, DIGITS)]
    else:
        block[key] = block[f"{key}_ci"] = None


def _mean_interval(values: Sequence[float], settings: Settings) -> tuple[float, Any]:
    return mean_with_interval(
        values, confidence=DEFAULT_CONFIDENCE, resamples=DEFAULT_RESAMPLES, seed=settings.seed
    )


def majority_votes(tally: Tally) -> tuple[list[tuple[int, float]], int]:
    """The scored samples as answer classes (members, mean reward) and abstentions, the input
    of `majority_at_k`. Members of a class almost always share a verdict; where they do not (an
    uncomputed `\\frac{6}{8}` beside a `3/4`), the class scores its members' mean."""
    classes: dict[str, list[float]] = {}
    abstained = 0
    for reward, answer in zip(tally.rewards, tally.answers or (), strict=True):
        if reward is None:
            continue  # a fault: not a sample
        if answer is None:
            abstained += 1
        else:
            classes.setdefault(answer, []).append(reward)
    return [(len(r), sum(r) / len(r)) for r in classes.values()], abstained


def env_block(
    results: Sequence[ProblemResult],
    settings: Settings,
    base: Sequence[ProblemResult] | None = None,
) -> dict[str, Any]:
    """One environment's block: by difficulty too, and for math the lenient reading nested;
    with the base model's results, each reading also says by how much this policy beats the
    base, paired by problem (`vs_base`)."""
    modes = list(results[0].tallies) if results else [None]

    def one(mode: str | None) -> dict[str, Any]:
        block = summarise(results, mode, settings)
        if base is not None and results:
            block["vs_base"] = versus(base, results, mode, settings)
        groups: dict[Any, list[ProblemResult]] = {}
        for result in results:
            if result.difficulty is not None:
                groups.setdefault(result.difficulty, []).append(result)
        block["by_difficulty"] = {
            _difficulty_key(d): summarise(groups[d], mode, settings)
            for d in sorted(
                groups, key=lambda d: (isinstance(d, str), str(d) if isinstance(d, str) else d)
            )
        }
        return block

    block = one(modes[0])
    if modes[0] is not None:
        block["extraction"] = modes[0]
    for mode in modes[1:]:
        block[str(mode)] = one(mode)
    return block


def _difficulty_key(difficulty: Any) -> str:
    if isinstance(difficulty, float) and difficulty.is_integer():
        return str(int(difficulty))
    return str(difficulty)


def policy_blocks(
    results: Mapping[str, Sequence[ProblemResult]],
    settings: Settings,
    base: Mapping[str, Sequence[ProblemResult]] | None = None,
) -> dict[str, Any]:
    """Each environment's block (`env_block`), paired with the base model's results when
    given."""
    return {
        env: env_block(env_results, settings, (base or {}).get(env))
        for env, env_results in results.items()
    }


def versus(
    before: Sequence[ProblemResult],
    after: Sequence[ProblemResult],
    mode: str | None,
    settings: Settings,
) -> dict[str, Any]:
    """pass@k(after) - pass@k(before) with a paired 95% bootstrap interval, for each k, over
    the problems both scored at least k samples of."""
    by_id = {r.id: r for r in before}
    block: dict[str, Any] = {}
    for k in settings.ks:
        pairs = [
            (by_id[r.id].tallies[mode], r.tallies[mode])
            for r in after
            if r.id in by_id
            and r.tallies[mode].scored >= k
            and by_id[r.id].tallies[mode].scored >= k
        ]
        if not pairs:
            block[passk_key(k)] = block[passk_ci_key(k)] = None
            continue
        value, (low, high) = paired_difference_with_interval(
            [(b.scored, b.correct) for b, _ in pairs],
            [(a.scored, a.correct) for _, a in pairs],
            k,
            seed=settings.seed,
        )
        block[passk_key(k)] = round(value, DIGITS)
        block[passk_ci_key(k)] = [round(low, DIGITS), round(high, DIGITS)]
    return block


def readings(block: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    """(extraction mode, reading) of an env block: the headline ("" when the verifier has one
    reading), then each further mode's reading nested under its name."""
    nested = [
        (str(key), value)
        for key, value in block.items()
        if isinstance(value, Mapping) and "by_difficulty" in value
    ]
    return [(str(block.get("extraction", "")), block), *nested]


def csv_rows(policy: Policy, blocks: Mapping[str, Any], settings: Settings) -> list[dict]:
    """eval.json's numbers as long-format rows: one per (env, extraction, difficulty, k)."""
    rows = []
    for env, block in blocks.items():
        for extraction, reading in readings(block):
            groups = [("all", reading), *reading["by_difficulty"].items()]
            for difficulty, group in groups:
                for k in settings.ks:
                    interval = group[passk_ci_key(k)] or [None, None]
                    majority = group.get(f"maj@{k}_ci") or [None, None]
                    average = group.get(f"avg@{settings.n}_ci") or [None, None]
                    rows.append(
                        {
                            "policy": policy.label,
                            "step": "" if policy.step is None else policy.step,
                            "env": env,
                            "extraction": extraction,
                            "difficulty": difficulty,
                            "k": k,
                            "pass_at_k": group[passk_key(k)],
                            "ci_low": interval[0],
                            "ci_high": interval[1],
                            "n_problems": group["n_problems"],
                            "n": group["n"],
                            "errors": group["errors"],
                            "maj_at_k": group.get(f"maj@{k}"),
                            "maj_ci_low": majority[0],
                            "maj_ci_high": majority[1],
                            "avg_at_n": group.get(f"avg@{settings.n}"),
                            "avg_ci_low": average[0],
                            "avg_ci_high": average[1],
                        }
                    )
    return rows


def per_problem_rows(results: Mapping[str, Sequence[ProblemResult]]) -> list[dict[str, Any]]:
    """{id, env, n, correct, pass_rate} per problem, in the mode training judges (strict math):
    the file a curriculum can be seeded from. `n` counts scored samples; a problem whose every
    sample was a verifier fault says nothing about its pass rate and is left out."""
    rows = []
    for env_results in results.values():
        for result in env_results:
            tally = next(iter(result.tallies.values()))
            if tally.scored:
                rows.append(
                    {
                        "id": result.id,
                        "env": result.env,
                        "n": tally.scored,
                        "correct": tally.correct,
                        "pass_rate": round(tally.correct / tally.scored, DIGITS),
                    }
                )
    return rows


# -- engines ---------------------------------------------------------------------------------------


def open_engine(policy: Policy, settings: Settings, run: RunDir | None) -> Any:
    """The policy loaded into the chosen engine (call `close()` when done)."""
    import warnings

    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # a bar per checkpoint load says nothing
    # transformers' deprecation notices about its own internals say nothing to a user of rlvr
    warnings.filterwarnings("ignore", category=FutureWarning, module="transformers")
    if settings.engine == "vllm":
        return VLLMEngine(policy, settings, run)
    return TransformersEngine(policy, settings)


def open_server_engine(settings: Settings, api_key: str | None) -> OpenAIEngine:
    """The OpenAI-compatible server, checked (see OpenAIEngine)."""
    return OpenAIEngine(settings, api_key)


def prompt_ids(tokenizer: Any, messages: list[Message]) -> list[int]:
    """The prompt's token ids as TRL's GRPOTrainer renders a conversational prompt."""
    encoded = tokenizer.apply_chat_template(
        messages, add_generation_prompt=True, tokenize=True, return_dict=True
    )
    return [int(token) for token in encoded["input_ids"]]


def load_policy(policy: Policy) -> tuple[Any, Any]:
    """(model, tokenizer); an adapter is merged into its base, as `rlvr export` does."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if policy.base is not None:
        from peft import PeftModel

        base = AutoModelForCausalLM.from_pretrained(policy.base)
        model = PeftModel.from_pretrained(base, policy.path).merge_and_unload()
    else:
        model = AutoModelForCausalLM.from_pretrained(policy.path)
    tokenizer_path = policy.path
    if policy.base is not None and not (policy.path / "tokenizer_config.json").is_file():
        tokenizer_path = policy.base
    return model, AutoTokenizer.from_pretrained(tokenizer_path)


class TransformersEngine:
    """transformers `generate`, sampling as TRL's GRPOTrainer does (see the module docstring)."""

    def __init__(self, policy: Policy, settings: Settings) -> None:
        import os

        import torch
        from transformers import GenerationConfig

        self.batch = settings.batch
        # problems per call from evaluate_tasks: it paces the progress lines
        self.prompts_per_call = max(8, settings.batch)
        self.device = "cuda" if torch.cuda.is_available() else "cpu"
        if self.device == "cpu":
            torch.set_num_threads(max(1, len(os.sched_getaffinity(0))))
        model, self.tokenizer = load_policy(policy)
        self.model = model.to(self.device).eval()
        eos = model.generation_config.eos_token_id
        eos_ids = [] if eos is None else [eos] if isinstance(eos, int) else list(eos)
        if self.tokenizer.eos_token_id not in eos_ids:
            eos_ids = [self.tokenizer.eos_token_id, *eos_ids]
        self.eos_ids = set(eos_ids)
        # greedy: the likeliest token, whatever the model's own generation config says
        sampling: dict[str, Any] = (
            {"do_sample": False, "temperature": None, "top_p": None, "top_k": None}
            if settings.greedy
            else {
                "do_sample": True,
                "temperature": settings.temperature,
                "top_p": settings.top_p,
                "top_k": settings.top_k,  # 0: no cut
                "min_p": settings.min_p or None,
            }
        )
        self.config = GenerationConfig(
            max_new_tokens=settings.max_new_tokens,
            **sampling,
            pad_token_id=self.tokenizer.pad_token_id,
            bos_token_id=self.tokenizer.bos_token_id,
            eos_token_id=eos_ids,
        )

    def generate(
        self, prompts: Sequence[list[Message]], n: int, seeds: Sequence[int]
    ) -> list[list[str]]:
        out: list[list[str]] = []
        for first in range(0, len(prompts), self.batch):
            group = [prompt_ids(self.tokenizer, m) for m in prompts[first : first + self.batch]]
            out += self._generate(group, n, seeds[first])
        return out

    def _generate(self, group: list[list[int]], n: int, seed: int) -> list[list[str]]:
        """n samples of each prompt in one call, prompts left-padded to a common length (a
        lone prompt, the default, has no padding at all)."""
        import torch

        width = max(len(ids) for ids in group)
        pad = self.config.pad_token_id if self.config.pad_token_id is not None else 0
        rows = [[pad] * (width - len(ids)) + ids for ids in group for _ in range(n)]
        mask = [[0] * (width - len(ids)) + [1] * len(ids) for ids in group for _ in range(n)]
        torch.manual_seed(seed)
        with torch.no_grad():
            generated = self.model.generate(
                input_ids=torch.tensor(rows, device=self.device),
                attention_mask=torch.tensor(mask, device=self.device),
                generation_config=self.config,
            )
        texts = []
        for row in generated[:, width:].tolist():
            ends = [i for i, token in enumerate(row) if token in self.eos_ids]
            kept = row[: ends[0] + 1] if ends else row
            texts.append(self.tokenizer.decode(kept, skip_special_tokens=True))
        return [texts[i * n : (i + 1) * n] for i in range(len(group))]

    def close(self) -> None:
        import torch

        del self.model
        if self.device == "cuda":
            torch.cuda.empty_cache()


class VLLMEngine:
    """vLLM, given the token ids the transformers engine renders. Untested here (no GPU with
    vLLM on the development machines); see docs/evaluation.md."""

    prompts_per_call = 1_000_000  # an environment's prompts in one call: vLLM batches them

    def __init__(self, policy: Policy, settings: Settings, run: RunDir | None) -> None:
        import tempfile

        from transformers import AutoTokenizer
        from vllm import LLM

        self.settings = settings
        self._staging: tempfile.TemporaryDirectory[str] | None = None
        path = policy.path
        if policy.base is not None:  # an adapter: merged into a plain model vLLM can load
            from rlvr.export import export

            if run is None or policy.step is None:
                raise ValueError("an adapter checkpoint is evaluated as part of its run")
            self._staging = tempfile.TemporaryDirectory(prefix="rlvr-eval-")
            path = export(run.path, Path(self._staging.name) / "model", step=policy.step)
        self.tokenizer = AutoTokenizer.from_pretrained(path)
        self.llm = LLM(model=str(path), seed=settings.seed)

    def generate(
        self, prompts: Sequence[list[Message]], n: int, seeds: Sequence[int]
    ) -> list[list[str]]:
        from vllm import SamplingParams

        requests = [{"prompt_token_ids": prompt_ids(self.tokenizer, m)} for m in prompts]
        params = [
            SamplingParams(
                n=n,
                temperature=self.settings.temperature,  # 0: greedy
                top_p=self.settings.top_p,
                top_k=self.settings.top_k or -1,  # -1: no cut, in every vLLM release
                min_p=self.settings.min_p,
                max_tokens=self.settings.max_new_tokens,
                seed=seed,
            )
            for seed in seeds
        ]
        outputs = self.llm.generate(requests, params, use_tqdm=False)
        return [[c.text for c in output.outputs] for output in outputs]

    def close(self) -> None:
        del self.llm
        if self._staging is not None:
            self._staging.cleanup()


class OpenAIEngine:
    """Chat completions from an OpenAI-compatible server (vLLM, SGLang, llama.cpp's server,
    `transformers serve`, OpenAI itself) at `settings.base_url`.

    Each problem's messages are sent as they are (system prompt included: the server applies
    its model's chat template), asking for its n samples in one request with a seed derived
    from the problem's; a server that returns fewer choices (`transformers serve` ignores
    `n`; one that refuses it at the start-up check, as llama.cpp's does, gets one request per
    sample) is asked again for the rest, each later request seeded apart. At most
    `concurrency` requests are in flight. Transport faults, timeouts, 429 and 5xx answers are
    retried with exponential backoff by the openai client (`MAX_RETRIES`); a sample still
    missing after that, or refused by the server (a 4xx: a prompt over its context length),
    is a `GenerationFailure`, judged None, never 0. `top_k` and `min_p` are not OpenAI fields:
    they are sent, as vLLM, SGLang and llama.cpp take them, only when set.

    At start it checks the server once, so that a wrong URL, key, model or setting is a clear
    error before any problem is sent: it lists the served models (and picks the only one when
    `--model` is not given) and sends one one-token request with the sampling settings."""

    MAX_RETRIES = 4
    REQUEST_TIMEOUT_S = 600.0
    CHECK_TIMEOUT_S = 120.0

    def __init__(self, settings: Settings, api_key: str | None) -> None:
        import os

        import openai

        assert settings.base_url is not None
        self.settings = settings
        self.url = settings.base_url
        # problems per generate call: enough to keep every request slot busy between stragglers
        self.prompts_per_call = 4 * settings.concurrency
        self.one_choice = False
        """Whether the server refuses `n` > 1: then each sample is a request of its own."""
        self.client = openai.OpenAI(
            base_url=settings.base_url,
            # local servers take any key; the client refuses to start without one
            api_key=api_key or os.environ.get("OPENAI_API_KEY") or "none",
            max_retries=self.MAX_RETRIES,
            timeout=self.REQUEST_TIMEOUT_S,
        )
        self.model = self._check_server(settings.served_model)

    def _check_server(self, model: str | None) -> str:
        """The model to ask for, after one listing and one tiny request; UserError otherwise."""
        import openai

        quick = self.client.with_options(max_retries=1, timeout=self.CHECK_TIMEOUT_S)
        try:
            served = [entry.id for entry in quick.models.list()]
        except openai.AuthenticationError as exc:
            raise UserError(
                self._refusal("rejected the API key (--api-key or OPENAI_API_KEY)", exc)
            ) from None
        except (openai.APIConnectionError, openai.APITimeoutError) as exc:
            raise UserError(
                f"--base-url {recorded_url(self.url)}: cannot reach an OpenAI-compatible server "
                f"({exc}); is it running, and does the URL end in /v1?"
            ) from None
        except openai.APIStatusError as exc:
            if exc.status_code != 404:
                raise UserError(self._refusal("answered GET /models with an error", exc)) from None
            served = []  # a server without the listing endpoint: the request below tells
        if model is None:
            if len(served) != 1:
                listing = ", ".join(served) if served else "none listed"
                raise UserError(
                    f"--base-url {recorded_url(self.url)}: pass --model NAME, the served "
                    f"model to evaluate (served: {listing})"
                )
            model = served[0]
        elif served and model not in served:
            raise UserError(
                f"--model {model!r}: not served at {recorded_url(self.url)}; it serves "
                f"{', '.join(served)}"
            )
        probe = [{"role": "user", "content": "Say OK."}]
        for choices in (2, 1) if self.settings.n > 1 else (1,):
            try:
                quick.chat.completions.create(
                    **self._request(model, probe, choices, 0), max_tokens=1
                )
                break
            except (openai.APIConnectionError, openai.APITimeoutError) as exc:
                raise UserError(
                    f"--base-url {recorded_url(self.url)}: the server stopped answering ({exc})"
                ) from None
            except openai.APIStatusError as exc:
                if choices == 1:
                    refused = "refused a request with these settings"
                    raise UserError(self._refusal(refused, exc)) from None
                # a server that allows one choice a request (llama.cpp): one sample a request
                self.one_choice = True
        return model

    def _refusal(self, what: str, exc: Any) -> str:
        message = " ".join(str(getattr(exc, "message", exc)).split())[:500]
        hint = ""
        if self.settings.top_k or self.settings.min_p:
            hint = " (--top-k and --min-p are not OpenAI fields: not every server takes them)"
        return f"--base-url {recorded_url(self.url)}: the server {what}: {message}{hint}"

    def _request(self, model: str, messages: list[Message], n: int, seed: int) -> dict[str, Any]:
        settings = self.settings
        request: dict[str, Any] = {
            "model": model,
            "messages": [dict(m) for m in messages],
            "temperature": settings.temperature,  # 0: greedy
            "seed": seed,
        }
        if n > 1:
            request["n"] = n
        if not settings.greedy:
            request["top_p"] = settings.top_p
            extra = {"top_k": settings.top_k, "min_p": settings.min_p}
            if any(extra.values()):
                request["extra_body"] = {key: v for key, v in extra.items() if v}
        return request

    def generate(
        self, prompts: Sequence[list[Message]], n: int, seeds: Sequence[int]
    ) -> list[list[Completion]]:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(self.settings.concurrency) as pool:
            jobs = [
                pool.submit(self._samples, m, seed, n)
                for m, seed in zip(prompts, seeds, strict=True)
            ]
            return [job.result() for job in jobs]

    def _samples(self, messages: list[Message], seed: int, n: int) -> list[Completion]:
        """n completions of one prompt; the ones the server did not give are failures."""
        import openai

        texts: list[Completion] = []
        for attempt in range(n):  # each request gives at least one choice, or we stop
            try:
                choices = 1 if self.one_choice else n - len(texts)
                request = self._request(self.model, messages, choices, _request_seed(seed, attempt))
                reply = self.client.chat.completions.create(
                    **request, max_tokens=self.settings.max_new_tokens
                )
            except openai.APIError as exc:
                reason = f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}"
                return [*texts, *[GenerationFailure(reason)] * (n - len(texts))]
            # whatever the model said is its completion: no content is an empty answer
            texts += [choice.message.content or "" for choice in reply.choices][: n - len(texts)]
            if len(texts) == n or not reply.choices:
                break
        missing = n - len(texts)
        return [*texts, *[GenerationFailure("the server returned no choice")] * missing]

    def close(self) -> None:
        self.client.close()


def _request_seed(seed: int, attempt: int) -> int:
    """A request's seed: in 31 bits (llama.cpp reads a uint32, some servers an int32), apart
    for each further request of one problem, so that topped-up samples differ."""
    return (seed + attempt * 1_000_003) % (2**31 - 1)


# -- the verb --------------------------------------------------------------------------------------


@dataclass
class Report:
    """What one `rlvr eval` produced: blocks per policy (eval.json), CSV rows, per-problem rows."""

    policies: list[Policy]
    blocks: dict[str, dict[str, Any]]
    csv_rows: list[dict[str, Any]]
    per_problem: dict[str, list[dict[str, Any]]]
    settings: Settings
    out: Path | None

    def eval_json(self) -> dict[str, Any]:
        """A model: env blocks at the top; a run: one object of env blocks per policy."""
        if [p.label for p in self.policies] == [MODEL_POLICY]:
            return self.blocks[MODEL_POLICY]
        return self.blocks


def run_eval(
    *,
    model: str | None,
    run: Path | None,
    envs: Sequence[str] | None,
    settings_in: Mapping[str, Any],
    out: Path | None,
    data: Path | None,
    per_problem: bool,
    base: bool,
    steps: Sequence[int] | None = None,
    log: Callable[[str], None] | None = None,
    log_samples: bool = False,
    api_key: str | None = None,
) -> Report:
    """`rlvr eval`: see the module docstring. `settings_in` holds the flags (None: default);
    `api_key` is for `--base-url` (never written anywhere)."""
    log = log or (lambda line: print(line, file=sys.stderr, flush=True))
    if model is not None and run is not None:
        raise UserError("pass --model or --run, not both")
    if steps is not None and run is None:
        raise UserError("--steps picks checkpoints of a run: pass --run too")
    if run is not None and settings_in.get("base_url") is not None:
        raise UserError(
            "--base-url evaluates the one model its server serves; a run's checkpoints are "
            "evaluated locally (drop --base-url), or served one at a time with --model NAME"
        )

    # -- what to evaluate, and how --------------------------------------------------------------
    info = run_info(run, steps) if run is not None else None
    run_config = info.config if info else {}
    settings = resolve_settings({**settings_in, "model": model}, run_config)
    if out is None and info is not None:
        out = info.run.path / "eval"
    if out is not None and out.exists() and not out.is_dir():
        raise UserError(f"--out {out}: exists and is not a directory")
    if log_samples and out is None:
        raise UserError("--log-samples writes samples.jsonl beside eval.json: pass --out DIR")

    # -- the problems (every input fault shows up here, before a model is loaded) -------------
    configs = env_configs(run_config)
    tasks = build_tasks(
        list(envs) if envs else (list(configs) if data is None else None),
        configs=configs,
        env_seed=int(run_config.get("seed", 0)),
        data=data,
        limit=settings.limit,
    )
    policies, server, settings = _what_to_evaluate(info, model, settings, api_key, base=base)
    multiturn = [task for task in tasks if task.environment is not None]
    if multiturn and settings.engine != "transformers":
        raise UserError(
            f"{', '.join(t.name for t in multiturn)}: multi-turn environments are evaluated on "
            "the transformers engine (one message at a time, their tools run between); pass "
            f"--engine transformers (engine {settings.engine} cannot run their tools)"
        )

    # -- each policy: generate, judge, summarise, write ---------------------------------------
    report = Report(policies, {}, [], {}, settings, out)
    base_results: Mapping[str, Sequence[ProblemResult]] | None = None
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        _write_settings(out, report, model=model, run=run, data=data, tasks=tasks)
    timeout = float(run_config.get("verify_timeout") or ITEM_TIMEOUT_S)
    with open_judges(tasks, item_timeout=timeout) as judges:
        for policy in policies:
            engine = server or open_engine(policy, settings, info.run if info else None)
            try:
                results = evaluate_tasks(
                    engine.generate,
                    [task for task in tasks if task.environment is None],
                    settings,
                    label=policy.label,
                    prompts_per_call=engine.prompts_per_call,
                    log=log,
                    judges=judges,
                )
                if multiturn:
                    results.update(
                        evaluate_multiturn(
                            engine, multiturn, settings, label=policy.label, judges=judges, log=log
                        )
                    )
                results = {task.name: results[task.name] for task in tasks}
            finally:
                engine.close()
            if policy.label == BASE_POLICY:
                base_results = results
            report.blocks[policy.label] = policy_blocks(
                results, settings, None if policy.label == BASE_POLICY else base_results
            )
            report.csv_rows.extend(csv_rows(policy, report.blocks[policy.label], settings))
            report.per_problem[policy.label] = per_problem_rows(results)
            if out is not None:  # after each policy: a long run's finished checkpoints are kept
                _write_results(out, report, per_problem=per_problem)
                if log_samples:
                    write_atomic(out / samples_file(policy.label), sample_lines(policy, results))
    return report


def _what_to_evaluate(
    info: RunInfo | None, model: str | None, settings: Settings, api_key: str | None, *, base: bool
) -> tuple[list[Policy], OpenAIEngine | None, Settings]:
    """The policies; the server engine, checked, when the model is served; the settings with
    the engine and hardware defaults settled."""
    server = None
    if info is not None:
        policies = run_policies(info, base=base)
    elif settings.base_url is not None:
        server = open_server_engine(settings, api_key)  # checked before anything is written
        settings = dataclasses.replace(settings, served_model=server.model)
        policies = [Policy(MODEL_POLICY, None, Path(server.model))]
    else:
        from rlvr.models import resolve_model

        policies = [Policy(MODEL_POLICY, None, resolve_model(model))]
    return policies, server, settle_hardware(settings)


def samples_file(label: str) -> str:
    """samples.jsonl for a model, samples-<policy>.jsonl for each policy of a run."""
    return SAMPLES_FILE if label == MODEL_POLICY else f"samples-{label}.jsonl"


def sample_lines(policy: Policy, results: Mapping[str, Sequence[ProblemResult]]) -> str:
    """Every completion with its verdicts, one JSON object a line (lm-eval's --log_samples):
    the headline reading's reward, info and comparable answer, and each further reading's
    under `readings`. A completion the engine failed to produce is null, its reward null."""
    lines = []
    for env_results in results.values():
        for result in env_results:
            modes = list(result.tallies)
            for index, completion in enumerate(result.completions):
                verdicts = {mode: _sample_verdict(result.tallies[mode], index) for mode in modes}
                head = verdicts.pop(modes[0])
                row = {
                    **_sample_head(policy, result, index),
                    "completion": completion if isinstance(completion, str) else None,
                    **head,
                    "extraction": modes[0],
                    "readings": {str(mode): verdict for mode, verdict in verdicts.items()},
                    **(result.episodes[index] if result.episodes is not None else {}),
                }
                lines.append(json.dumps(row, ensure_ascii=False, default=str) + "\n")
            for index, episode in enumerate(result.faulted, start=len(result.completions)):
                row = {
                    **_sample_head(policy, result, index),
                    "completion": None,
                    "reward": None,  # an infrastructure fault, never the candidate's 0
                    "info": {"error": f"tool infrastructure fault: {episode['fault']}"},
                    **{key: value for key, value in episode.items() if key != "fault"},
                }
                lines.append(json.dumps(row, ensure_ascii=False, default=str) + "\n")
    return "".join(lines)


def _sample_head(policy: Policy, result: ProblemResult, index: int) -> dict[str, Any]:
    return {
        "policy": policy.label,
        "step": policy.step,
        "env": result.env,
        "id": result.id,
        "difficulty": result.difficulty,
        "sample": index,
        "prompt": result.prompt,
    }


def _sample_verdict(tally: Tally, index: int) -> dict[str, Any]:
    verdict: dict[str, Any] = {"reward": tally.rewards[index], "info": tally.infos[index]}
    if tally.answers is not None:
        verdict["answer"] = tally.answers[index]
    return verdict


def resolve_settings(flags: Mapping[str, Any], run_config: Mapping[str, Any]) -> Settings:
    """The flags, else the run's own settings, else the defaults; checked. The engine and the
    hardware's default length are settled later, by `settle_hardware`."""
    temperature = flags.get("temperature")
    if temperature is None:
        temperature = run_config.get("temperature", 1.0)
    temperature = float(temperature)
    if not 0 <= temperature <= 5:
        raise UserError(f"--temperature must be in [0, 5] (0: greedy), got {temperature:g}")
    greedy = temperature == 0
    n = flags.get("n")
    if n is None:
        n = 1 if greedy else DEFAULT_N
    if n < 1:
        raise UserError(f"--n must be at least 1, got {n}")
    if greedy and n > 1:
        # lighteval refuses this too: n greedy samples are one sample n times, and a pass@k or
        # maj@k over them would claim k tries that were never made
        raise UserError(
            f"--temperature 0 is greedy decoding: its --n {n} samples would all be the same "
            "completion; use --n 1 (the default at temperature 0) for greedy pass@1, or a "
            "temperature above 0 for pass@k, maj@k and avg@n over several samples"
        )
    if greedy and flags.get("k") is not None and parse_ks(flags["k"], 10**9) != (1,):
        raise UserError(
            f"--k {flags['k']}: greedy decoding (--temperature 0) draws one sample per problem, "
            "so only k=1 is defined; sample at a temperature above 0 for pass@k with k > 1"
        )
    top_p, top_k, min_p = _sampling_cuts(flags, greedy)
    limit = flags.get("limit")
    if limit is not None and limit < 1:
        raise UserError(f"--limit must be at least 1, got {limit}")
    batch = flags.get("batch") or 1
    if batch < 1:
        raise UserError(f"--batch must be at least 1, got {batch}")
    base_url = flags.get("base_url")
    engine = flags.get("engine") or "auto"
    if engine not in ("auto", "transformers", "vllm", "openai"):
        raise UserError(f"--engine must be auto, transformers, vllm or openai, got {engine!r}")
    if base_url is not None and engine not in ("auto", "openai"):
        raise UserError(f"--base-url sends requests to a server: it cannot run --engine {engine}")
    if engine == "openai" and base_url is None:
        raise UserError("--engine openai needs --base-url (e.g. http://localhost:8000/v1)")
    concurrency = flags.get("concurrency")
    concurrency = DEFAULT_CONCURRENCY if concurrency is None else concurrency
    if concurrency < 1:
        raise UserError(f"--concurrency must be at least 1, got {concurrency}")
    return Settings(
        n=n,
        ks=parse_ks(flags.get("k"), n),
        seed=int(flags.get("seed") or 0),
        temperature=temperature,
        max_new_tokens=int(
            flags.get("max_new_tokens") or run_config.get("max_completion_length") or 0
        ),
        limit=limit,
        engine="openai" if base_url is not None else engine,
        batch=batch,
        top_p=top_p,
        top_k=top_k,
        min_p=min_p,
        base_url=check_base_url(base_url) if base_url is not None else None,
        served_model=flags.get("model") if base_url is not None else None,
        concurrency=concurrency,
    )


def _sampling_cuts(flags: Mapping[str, Any], greedy: bool) -> tuple[float, int, float]:
    """(top_p, top_k, min_p), checked; each None flag takes its no-cut default."""
    top_p = 1.0 if flags.get("top_p") is None else float(flags["top_p"])
    top_k = 0 if flags.get("top_k") is None else int(flags["top_k"])
    min_p = 0.0 if flags.get("min_p") is None else float(flags["min_p"])
    if not 0 < top_p <= 1:
        raise UserError(f"--top-p must be in (0, 1], got {top_p:g}")
    if top_k < 0:
        raise UserError(f"--top-k must be at least 0 (0: no cut), got {top_k}")
    if not 0 <= min_p < 1:
        raise UserError(f"--min-p must be in [0, 1) (0: no cut), got {min_p:g}")
    given = {"--top-p": top_p < 1, "--top-k": top_k > 0, "--min-p": min_p > 0}
    cut = [name for name, on in given.items() if on]
    if greedy and cut:
        # settings.json would record a cut that never applied
        raise UserError(
            f"{', '.join(cut)}: greedy decoding (--temperature 0) takes the likeliest token, "
            "so a sampling cut changes nothing; drop it or sample at a temperature above 0"
        )
    return top_p, top_k, min_p


def check_base_url(url: str) -> str:
    """An http(s) URL with a host; said to be wrong here, before anything is sent."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname)
        parts.port  # noqa: B018 - raises on a port that is not a number in range
    except ValueError:
        valid = False
    if not valid:
        raise UserError(
            f"--base-url {url!r}: expected an http(s) URL of an OpenAI-compatible server, e.g. "
            "http://localhost:8000/v1"
        )
    return url.rstrip("/")


def recorded_url(url: str) -> str:
    """The URL as settings.json records it: without a user, password or query (credentials
    travel there on some deployments)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    if parts.port is not None:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def settle_hardware(settings: Settings) -> Settings:
    """The engine ("auto": vLLM on a GPU when installed, as training chooses) and, unless
    given, the completion length training would default to on this hardware."""
    import importlib.util

    if settings.engine == "openai":  # the server's hardware, not this machine's: as on a GPU
        length = settings.max_new_tokens or DEFAULT_MAX_NEW_TOKENS["gpu"]
        return dataclasses.replace(settings, max_new_tokens=length)

    import torch

    gpu = torch.cuda.is_available()
    vllm_installed = importlib.util.find_spec("vllm") is not None
    engine = settings.engine
    if engine == "auto":
        engine = "vllm" if gpu and vllm_installed else "transformers"
    if engine == "vllm" and not vllm_installed:
        raise UserError("--engine vllm: vLLM is not installed (pip install 'rlvr[gpu]')")
    length = settings.max_new_tokens or DEFAULT_MAX_NEW_TOKENS["gpu" if gpu else "cpu"]
    return dataclasses.replace(settings, engine=engine, max_new_tokens=length)


def _write_settings(
    out: Path,
    report: Report,
    *,
    model: str | None,
    run: Path | None,
    data: Path | None,
    tasks: Sequence[EnvTask],
) -> None:
    import rlvr

    settings = report.settings
    written = {
        "model": model,
        "run": str(run) if run is not None else None,
        "policies": {
            p.label: {
                "step": p.step,
                "path": str(p.path),
                "base": str(p.base) if p.base else None,
            }
            for p in report.policies
        },
        "envs": {t.name: len(t.problems) for t in tasks},
        "problems": "file" if data is not None else "heldout",
        "data": str(data) if data is not None else None,
        "n": settings.n,
        "k": list(settings.ks),
        "seed": settings.seed,
        "temperature": settings.temperature,
        "max_new_tokens": settings.max_new_tokens,
        "limit": settings.limit,
        "engine": settings.engine,
        "batch": settings.batch,
        "greedy": settings.greedy,
        "top_p": settings.top_p,
        "top_k": settings.top_k,
        "min_p": settings.min_p,
        "base_url": recorded_url(settings.base_url) if settings.base_url else None,
        "served_model": settings.served_model,
        "concurrency": settings.concurrency if settings.base_url else None,
        "readings": {t.name: [str(r) if r else "verifier" for r in t.readings] for t in tasks},
        "math_verify_version": _version("math-verify")
        if any(t.extra_readings for t in tasks)
        else None,
        "rlvr_version": rlvr.__version__,
    }
    write_atomic(out / SETTINGS_FILE, to_json(written) + "\n")


def _version(distribution: str) -> str | None:
    import importlib.metadata

    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def to_json(data: Any) -> str:
    """Indented JSON with each interval on one line (`"pass@1_ci": [0.1, 0.3]`)."""
    text = json.dumps(data, indent=2)
    return _NUMBER_LIST.sub(
        lambda m: "[" + ", ".join(part.strip() for part in m.group(1).split(",")) + "]", text
    )


def _write_results(out: Path, report: Report, *, per_problem: bool) -> None:
    write_atomic(out / EVAL_FILE, to_json(report.eval_json()) + "\n")
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(report.csv_rows)
    write_atomic(out / CSV_FILE, buffer.getvalue())
    if per_problem:
        for label, rows in report.per_problem.items():
            name = "pass_rates.jsonl" if label == MODEL_POLICY else f"pass_rates-{label}.jsonl"
            write_atomic(out / name, "".join(json.dumps(row) + "\n" for row in rows))


def print_report(report: Report) -> None:
    """The numbers as a table on stdout: pass@k for each k, avg@n, and maj@k at the largest k
    where the answers compare ("-" where they do not)."""
    from rich.console import Console
    from rich.table import Table

    settings = report.settings
    title = "pass@k, avg@n, maj@k (95% bootstrap interval)"
    if settings.greedy:
        title += "; greedy decoding"
    table = Table(box=None, pad_edge=False, title=title)
    several = len(report.policies) > 1
    if several:
        table.add_column("policy")
    for column in ("env", "extraction", "problems"):
        table.add_column(column)
    keys = [passk_key(k) for k in settings.ks] + [f"avg@{settings.n}", f"maj@{settings.ks[-1]}"]
    for key in keys:
        table.add_column(key, justify="right")
    for policy in report.policies:
        for env, block in report.blocks[policy.label].items():
            for extraction, reading in readings(block):
                cells = [_cell(reading, key) for key in keys]
                row = [env, extraction, str(reading["n_problems"]), *cells]
                table.add_row(*([policy.label, *row] if several else row))
    console = Console(width=None if sys.stdout.isatty() else 200)
    console.print(table)
    if report.out is not None:
        print(f"rlvr eval: wrote {report.out / EVAL_FILE}", file=sys.stderr)


def _cell(block: Mapping[str, Any], key: str) -> str:
    if key not in block:
        return "-"
    value, interval = block[key], block[f"{key}_ci"]
    if value is None:
        return "n/a"
    return f"{value:.3f} [{interval[0]:.2f}, {interval[1]:.2f}]"
