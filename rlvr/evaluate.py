"""`rlvr eval`: pass@k of a model, or of every checkpoint of a run, per environment and
difficulty.

Reads top to bottom: settings -> what to evaluate (a model, or a run's base model and its
complete checkpoints) -> the problems (each environment's held-out split, which training never
draws from, or the rows of `--data FILE`) -> for each policy: generate n completions per
problem, judge them, summarise -> write eval.json, eval.csv, settings.json and, on request,
per-problem pass rates.

Generation is the engine training uses: transformers `generate` with the prompt rendered by
the tokenizer's chat template exactly as TRL's GRPOTrainer renders it (`add_generation_prompt`,
sampling at `temperature` with no top-k/top-p cut, completions cut at the first end-of-sequence
token and decoded without special tokens); vLLM on a GPU when it is installed, fed the same
token ids. Each problem's n completions come from a generator seeded by (seed, problem id), so
a result does not depend on which other problems, checkpoints or `--limit` were evaluated
alongside it, and every checkpoint meets the same random draws. `--batch B` trades that for
speed on a CPU: B problems share a call (left-padded, seeded by the first one's seed), so a
result then depends on the problem order and `--limit`, still the same for every checkpoint.

Which verifier judges a row, and the environments and prompts, follow the rules every verb
shares (rlvr/resolve.py): a row's own `verifier`, else the run config's, else the
environment's, with its required fields checked before any model is loaded. Judging runs in
the verification engine (rlvr/engine.py: worker processes, each call under a deadline), with
the verifier's options but without training's shaping options (no partial credit for an
unboxed math answer): a completion is correct when its reward is 1. A verifier that declares
`extraction_modes` (math: strict, boxed, and lenient, free-form) is judged once per mode, the
first the headline. A verifier fault (reward None) is never counted as wrong: the sample is
left out and counted under `errors`; a verification past the deadline scores 0.

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
from rlvr.multiturn import refuse_multiturn
from rlvr.passk import paired_difference_with_interval, pass_at_k_with_interval
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

DEFAULT_N = 16
DEFAULT_KS = (1, 4, 16)
DEFAULT_MAX_NEW_TOKENS = {"cpu": 96, "gpu": 1024}
"""As training's `max_completion_length` defaults, used when no run config says otherwise."""
DIGITS = 6
PROGRESS_EVERY_S = 30.0
_NUMBER = r"-?\d[\d.eE+-]*|null"
_NUMBER_LIST = re.compile(rf"\[\s*((?:{_NUMBER})(?:,\s*(?:{_NUMBER}))*)\s*\]")

CSV_FILE = "eval.csv"
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
)

GenerateFn = Callable[[Sequence[list[Message]], int, Sequence[int]], list[list[str]]]
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

    @property
    def extractions(self) -> tuple[str | None, ...]:
        """The readings its verifiers declare (`extraction_modes`) when they all declare the
        same; otherwise each problem once, as its verifier judges it (None)."""
        declared = {extraction_modes(v) for v in self.verifiers}
        return declared.pop() if len(declared) == 1 else (None,)

    def key(self, index: int) -> str:
        """Problem `index`'s verifier in the engine's pool (verifiers are built per env)."""
        return pool_key(self.name, self.verifier_names[index])


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
            refuse_multiturn(name, environment, "rlvr eval")
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
        tasks.append(task)
    return tasks


def open_judges(
    tasks: Sequence[EnvTask], *, item_timeout: float = ITEM_TIMEOUT_S
) -> VerificationPool:
    """The engine's local pool holding every task's verifiers, under the deadline."""
    verifiers = {
        task.key(i): verifier for task in tasks for i, verifier in enumerate(task.verifiers)
    }
    return LocalPool(verifiers, item_timeout=item_timeout)


# -- generating and judging ------------------------------------------------------------------------


def problem_seed(seed: int, problem_id: str) -> int:
    """The sampling seed of one problem: fixed by (seed, id) alone."""
    digest = hashlib.sha256(f"rlvr-eval/{seed}/{problem_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1  # torch seeds are at most 2**63 - 1


@dataclass
class Tally:
    """One problem's outcome under one extraction mode."""

    scored: int = 0
    correct: int = 0
    errors: int = 0


@dataclass
class ProblemResult:
    id: str
    env: str
    difficulty: Any
    tallies: dict[str | None, Tally]
    """By extraction mode (None: the verifier's own)."""


def judge(
    pool: VerificationPool,
    task: EnvTask,
    indices: Sequence[int],
    completions: Sequence[Sequence[str]],
) -> list[ProblemResult]:
    """Score problems' completions in each of their task's extraction modes, in one batch."""
    modes = task.extractions
    items: list[Item] = []
    for index, texts in zip(indices, completions, strict=True):
        problem = task.problems[index]
        for mode in modes:
            judged = problem if mode is None else {**problem, "mode": mode}
            items += [(task.key(index), judged, text) for text in texts]
    verdicts = iter(pool.score(items))
    results = []
    for index, texts in zip(indices, completions, strict=True):
        problem = task.problems[index]
        tallies = {}
        for mode in modes:
            tally = Tally()
            for _ in texts:
                reward = next(verdicts).reward
                if reward is None:
                    tally.errors += 1
                else:
                    tally.scored += 1
                    tally.correct += reward == 1.0
            tallies[mode] = tally
        results.append(
            ProblemResult(str(problem["id"]), task.name, problem.get("difficulty"), tallies)
        )
    return results


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
        say(
            f"rlvr eval: {label} {task.name}: {len(env_results)} problems x {settings.n} "
            f"samples, pass rate {rate} ({time.perf_counter() - started:.0f} s)"
        )
    return results


# -- summaries -------------------------------------------------------------------------------------


def summarise(results: Sequence[ProblemResult], mode: str | None, settings: Settings) -> dict:
    """pass@k with intervals over these problems, in eval.json's per-env block shape."""
    block: dict[str, Any] = {}
    for k in settings.ks:
        # A problem with fewer than k scored samples (verifier faults) has no pass@k estimate.
        counts = [
            (r.tallies[mode].scored, r.tallies[mode].correct)
            for r in results
            if r.tallies[mode].scored >= k
        ]
        if counts:
            value, (low, high) = pass_at_k_with_interval(counts, k, seed=settings.seed)
            block[passk_key(k)] = round(value, DIGITS)
            block[passk_ci_key(k)] = [round(low, DIGITS), round(high, DIGITS)]
        else:
            block[passk_key(k)] = None
            block[passk_ci_key(k)] = None
    block["n_problems"] = len(results)
    block["n"] = settings.n
    block["errors"] = sum(r.tallies[mode].errors for r in results)
    return block


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
        self.config = GenerationConfig(
            max_new_tokens=settings.max_new_tokens,
            do_sample=True,
            temperature=settings.temperature,
            top_p=1.0,
            top_k=0,
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
                temperature=self.settings.temperature,
                top_p=1.0,
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
) -> Report:
    """`rlvr eval`: see the module docstring. `settings_in` holds the flags (None: default)."""
    log = log or (lambda line: print(line, file=sys.stderr, flush=True))
    if model is not None and run is not None:
        raise UserError("pass --model or --run, not both")
    if steps is not None and run is None:
        raise UserError("--steps picks checkpoints of a run: pass --run too")

    # -- what to evaluate, and how --------------------------------------------------------------
    info = run_info(run, steps) if run is not None else None
    run_config = info.config if info else {}
    settings = resolve_settings(settings_in, run_config)
    if out is None and info is not None:
        out = info.run.path / "eval"
    if out is not None and out.exists() and not out.is_dir():
        raise UserError(f"--out {out}: exists and is not a directory")

    # -- the problems (every input fault shows up here, before a model is loaded) -------------
    configs = env_configs(run_config)
    tasks = build_tasks(
        list(envs) if envs else (list(configs) if data is None else None),
        configs=configs,
        env_seed=int(run_config.get("seed", 0)),
        data=data,
        limit=settings.limit,
    )
    if info is not None:
        policies = run_policies(info, base=base)
    else:
        from rlvr.models import resolve_model

        policies = [Policy(MODEL_POLICY, None, resolve_model(model))]
    settings = settle_hardware(settings)

    # -- each policy: generate, judge, summarise, write ---------------------------------------
    report = Report(policies, {}, [], {}, settings, out)
    base_results: Mapping[str, Sequence[ProblemResult]] | None = None
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        _write_settings(out, report, model=model, run=run, data=data, tasks=tasks)
    timeout = float(run_config.get("verify_timeout") or ITEM_TIMEOUT_S)
    with open_judges(tasks, item_timeout=timeout) as judges:
        for policy in policies:
            engine = open_engine(policy, settings, info.run if info else None)
            try:
                results = evaluate_tasks(
                    engine.generate,
                    tasks,
                    settings,
                    label=policy.label,
                    prompts_per_call=engine.prompts_per_call,
                    log=log,
                    judges=judges,
                )
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
    return report


def resolve_settings(flags: Mapping[str, Any], run_config: Mapping[str, Any]) -> Settings:
    """The flags, else the run's own settings, else the defaults; checked. The engine and the
    hardware's default length are settled later, by `settle_hardware`."""
    n = flags.get("n") or DEFAULT_N
    if n < 1:
        raise UserError(f"--n must be at least 1, got {n}")
    limit = flags.get("limit")
    if limit is not None and limit < 1:
        raise UserError(f"--limit must be at least 1, got {limit}")
    temperature = flags.get("temperature")
    if temperature is None:
        temperature = run_config.get("temperature", 1.0)
    if not 0 < float(temperature) <= 5:
        raise UserError(f"--temperature must be in (0, 5], got {temperature}")
    batch = flags.get("batch") or 1
    if batch < 1:
        raise UserError(f"--batch must be at least 1, got {batch}")
    engine = flags.get("engine") or "auto"
    if engine not in ("auto", "transformers", "vllm"):
        raise UserError(f"--engine must be auto, transformers or vllm, got {engine!r}")
    return Settings(
        n=n,
        ks=parse_ks(flags.get("k"), n),
        seed=int(flags.get("seed") or 0),
        temperature=float(temperature),
        max_new_tokens=int(
            flags.get("max_new_tokens") or run_config.get("max_completion_length") or 0
        ),
        limit=limit,
        engine=engine,
        batch=batch,
    )


def settle_hardware(settings: Settings) -> Settings:
    """The engine ("auto": vLLM on a GPU when installed, as training chooses) and, unless
    given, the completion length training would default to on this hardware."""
    import importlib.util

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
        "rlvr_version": rlvr.__version__,
    }
    write_atomic(out / SETTINGS_FILE, to_json(written) + "\n")


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
    """The numbers as a table on stdout."""
    from rich.console import Console
    from rich.table import Table

    table = Table(box=None, pad_edge=False, title="pass@k (95% bootstrap interval)")
    several = len(report.policies) > 1
    if several:
        table.add_column("policy")
    for column in ("env", "extraction", "problems"):
        table.add_column(column)
    for k in report.settings.ks:
        table.add_column(passk_key(k), justify="right")
    for policy in report.policies:
        for env, block in report.blocks[policy.label].items():
            for extraction, reading in readings(block):
                cells = [_cell(reading, k) for k in report.settings.ks]
                row = [env, extraction, str(reading["n_problems"]), *cells]
                table.add_row(*([policy.label, *row] if several else row))
    console = Console(width=None if sys.stdout.isatty() else 200)
    console.print(table)
    if report.out is not None:
        print(f"rlvr eval: wrote {report.out / EVAL_FILE}", file=sys.stderr)


def _cell(block: Mapping[str, Any], k: int) -> str:
    value, interval = block[passk_key(k)], block[passk_ci_key(k)]
    if value is None:
        return "n/a"
    return f"{value:.3f} [{interval[0]:.2f}, {interval[1]:.2f}]"
