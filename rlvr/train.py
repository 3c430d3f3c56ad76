"""`rlvr train`: GRPO on several verifiable environments at once — the run's setup.

Reads top to bottom: config (the algorithm's knobs, the hardware's defaults, precision) ->
environments and their problems -> curricula -> batching (micro-batches from the memory
arithmetic) -> verification hosts -> the trainer -> train. The step itself is in
rlvr/trainer.py (`RLVRTrainer`, TRL's GRPOTrainer with four named overrides). Where each
part of a step runs:

- pick:       `RLVRTrainer._generate_and_score_completions` asks `StepPlan` (rlvr/batches.py)
              for the step's problems when the step generates: split across environments by
              weight, each environment's curriculum picks which ones (after it has seen the
              previous step's rewards); each process takes its slice.
- generate:   GRPOTrainer (transformers `generate` on CPU; vLLM on GPU when installed),
              `group_size` completions per problem, prompts rendered with the chat template.
              A multi-turn environment's rollouts go through TRL's tool loop: each gets an
              episode (rlvr/multiturn.py, `environment_factory`) whose tools' programs run
              on the verification pool below (in the sandbox, under the engine's deadline),
              their results appended and generation resumed, within the turn limits.
- verify:     `ProblemRewards` (rlvr/rewards.py) scores the step's completions on the
              verification engine (rlvr/engine.py): Ray actors per environment (rlvr/pool.py),
              or local worker processes where Ray is not installed (`verification`), all
              environments at once; an infrastructure fault is `None`, which TRL leaves out.
              A multi-turn rollout is judged on its final assistant turn by the same
              verifier; a tool's infrastructure fault makes its reward `None` too.
              With a GenRM (rlvr/genrm.py, its own actor), each group is judged meanwhile
              and the reward is the environment's weighted mix of verifier reward and GenRM
              score; overlong shaping is added on top.
- resample:   with dynamic sampling, groups without reward variance are replaced (trainer).
- observe:    every curriculum observes every group it was given, right there (trainer).
- advantages and update: GRPOTrainer (group-normalised advantages, `loss_type`, optional KL),
              in micro-batches accumulated into one optimizer step.
- log:        `RLVRTrainer.log` adds rlvr's metrics to TRL's before the trackers see them,
              writes metrics.jsonl and samples.jsonl, and prints one line per step.
- checkpoint: transformers writes checkpoint-N; `RLVRTrainer._save_checkpoint` adds the
              curricula and the COMPLETE marker last, so `--resume` only ever starts from a
              whole one.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import sys
import time
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from rlvr.batches import MemoryPlan, ModelShape, StepPlan, StepSampler, plan_memory
from rlvr.config import (
    TrainConfig,
    check_passthrough,
    config_to_dict,
    native_bf16,
    resolve_defaults,
)
from rlvr.engine import Backend
from rlvr.errors import UserError
from rlvr.genrm import GenRMActor
from rlvr.models import resolve_model
from rlvr.multiturn import (
    environment_factories,
    grpo_config_kwargs,
    is_multiturn,
    tool_chat_template,
    tool_programs,
    training_row,
)
from rlvr.pool import backend_for, open_pool
from rlvr.protocols import takes_total_steps
from rlvr.records import environment_problems
from rlvr.registry import default_registry
from rlvr.resolve import build_environment, plan_verifiers
from rlvr.rewards import ProblemRewards
from rlvr.run_dir import RunDir, env_values

TRACKERS = {
    "tensorboard": ("tensorboard", "tensorboardX"),
    "wandb": ("wandb",),
    "trackio": ("trackio",),
}
"""The trackers TRL reports to, and the packages each needs (any one of them)."""
if TYPE_CHECKING:
    from trl import GRPOConfig

MULTITURN_MIN_COMPLETION = 512
"""Completion tokens below which a multi-turn run is warned that tool results may not fit."""


@dataclasses.dataclass(frozen=True)
class Batching:
    """How a step's problems x group completions are split on each process."""

    rows_per_step: int
    world_size: int
    micro_batch_size: int
    plan: MemoryPlan | None = None
    """The memory arithmetic that chose `micro_batch_size`, when it was chosen (GPU)."""

    @property
    def accumulation_steps(self) -> int:
        return self.rows_per_step // self.world_size // self.micro_batch_size


def train(config: TrainConfig, *, resume: bool = False, plugin_files: Sequence[str] = ()) -> Path:
    """Run (or resume) a training run; returns the run directory."""
    # transformers' deprecation notices about its own internals say nothing to a user of rlvr
    warnings.filterwarnings("ignore", category=FutureWarning, module="transformers")
    registry = default_registry()
    for plugin in plugin_files:
        registry.load_file(plugin)

    # -- config: the algorithm's knobs, then the hardware's defaults --------------------------
    gpu = torch.cuda.is_available()
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    config, hardware = _resolved(config, gpu, world_size)
    run = RunDir(config.output_dir)
    checkpoint = _prepare_run_dir(run, resume)
    if _finished(run, checkpoint, _given(config.max_steps)):
        return run.path

    # -- environments and their problems ------------------------------------------------------
    environments = {
        name: _environment(name, env_config, config.seed)
        for name, env_config in config.envs.items()
    }
    problems, rows = _training_rows(environments)
    verifiers, verifier_keys = _verifiers(config, environments, problems)

    # -- curricula: one per environment, restored on resume ----------------------------------
    curricula = {
        name: _curriculum(config, [p for p in problems.values() if p["env"] == name])
        for name in environments
    }
    first_step = _restore(run, checkpoint, curricula)

    # -- model and batching: micro-batches that fit the accelerator's memory ------------------
    # (TRL, transformers and datasets load only now, after the checks of the user's input
    # above: about 10 s of imports that an existing run or a bad row should not wait for)
    from datasets import Dataset

    from rlvr.trainer import RLVRTrainer, StopOnInterrupt

    model_path = resolve_model(config.model)
    if not gpu:
        torch.set_num_threads(max(1, len(os.sched_getaffinity(0))))
    batching = _batching(config, model_path, gpu, world_size)
    tools = (
        _tool_setup(config, environments, model_path)
        if any(is_multiturn(env) for env in environments.values())
        else None
    )
    args = _grpo_args(config, run, gpu, batching, tools.grpo_sets if tools else {})

    with contextlib.ExitStack() as hosts:
        # -- verification hosts: Ray actors per environment or local workers (and the GenRM's
        # actor), closed however the run ends; they host the multi-turn environments' tool
        # programs too, which TRL's rollout loop calls through each rollout's episode
        # (rlvr/multiturn.py; every row then names its environment, which TRL routes it by) --
        pool = hosts.enter_context(
            open_pool(
                _hosted(verifiers, environments),
                backend=hardware["verification"],
                workers=config.actors_per_env,
                item_timeout=config.verify_timeout,
                address=config.ray_address,
            )
        )
        genrm = None
        if config.genrm.mode != "off":
            genrm = GenRMActor(config.genrm)
            hosts.callback(genrm.close)
        rewards = ProblemRewards(
            problems,
            verifiers,
            verifier_keys=verifier_keys,
            samples_per_call=config.samples_per_step,
            pool=pool,
            genrm=genrm,
            reward_weights={name: env.reward for name, env in config.envs.items()},
            reference_field=config.genrm.reference_field,
            overlong=(
                (_given(config.max_completion_length), _given(config.overlong_buffer))
                if config.overlong == "soft"
                else None
            ),
        )

        # -- trainer: the step is in rlvr/trainer.py ------------------------------------------
        view = _LiveView(first_step=first_step, max_steps=_given(config.max_steps))
        hosts.callback(view.close)
        trainer = RLVRTrainer(
            plan=StepPlan(
                curricula,
                {name: c.weight for name, c in config.envs.items()},
                rows,
                problems_per_step=_given(config.problems_per_step),
                group_size=_given(config.group_size),
            ),
            sampler=StepSampler(
                batching.rows_per_step,
                max_steps=_given(config.max_steps),
                first_step=first_step,
                batches_per_step=batching.accumulation_steps,
            ),
            run=run,
            curricula=curricula,
            rewards=rewards,
            problems=problems,
            max_error_rate=config.max_error_rate,
            dynamic_sampling_rounds=_given(config.dynamic_sampling_rounds),
            on_row=view.update,
            model=str(model_path),
            args=args,
            train_dataset=Dataset.from_list(rows),
            peft_config=_lora(config),
            **(
                {
                    "environment_factory": environment_factories(environments, problems, pool),
                    "processing_class": tools.tokenizer,
                }
                if tools
                else {}
            ),
        )
        stop = StopOnInterrupt()
        trainer.add_callback(stop)
        run.create()
        run.write_config(
            {
                **config_to_dict(config),
                "model_path": str(model_path),
                "hardware": {
                    **hardware,
                    "gradient_checkpointing": args.gradient_checkpointing,
                    "micro_batch_size": batching.micro_batch_size,
                    "gradient_accumulation_steps": batching.accumulation_steps,
                    **({"memory_plan": batching.plan.lines()[0]} if batching.plan else {}),
                },
                **({"multiturn": tools.record} if tools is not None else {}),
            }
        )

        # -- train ----------------------------------------------------------------------------
        if trainer.is_world_process_zero():
            view.start()
        with stop.installed():
            trainer.train(resume_from_checkpoint=str(checkpoint[1]) if checkpoint else None)
    if trainer.failure is not None:
        raise UserError(
            f"{trainer.failure}; stopped after saving {run.path}/checkpoint-"
            f"{trainer.state.global_step} (raise max_error_rate to go on regardless)"
        )
    if stop.requested:
        step = trainer.state.global_step
        print(
            f"rlvr train: interrupted; saved {run.path}/checkpoint-{step}, continue with --resume",
            file=sys.stderr,
        )
        raise KeyboardInterrupt
    return run.path


def _resolved(config: TrainConfig, gpu: bool, world_size: int) -> tuple[TrainConfig, dict]:
    """The config with every default filled and the passthrough sections checked, and what
    the hardware decided (written to config.yaml)."""
    bf16_native, bf16_reason = native_bf16(gpu)
    config = resolve_defaults(
        config, gpu=gpu, vllm_installed=_installed("vllm"), bf16_native=bf16_native
    )
    if config.bf16 and not bf16_native:
        print(
            f"rlvr train: warning: bf16 asked for, but {bf16_reason}; an fp32 run is likely "
            "several times faster here",
            file=sys.stderr,
        )
    for tracker in config.report_to:
        modules = TRACKERS.get(tracker)
        if modules is None:
            raise UserError(
                f"report_to: unknown tracker {tracker!r}; rlvr sends its metrics to "
                f"{', '.join(TRACKERS)}"
            )
        if not any(_installed(module) for module in modules):
            raise UserError(f"report_to {tracker}: not installed; pip install {modules[0]}")
    if config.trl:
        from trl import GRPOConfig

        check_passthrough("trl", config.trl, GRPOConfig)
    if config.peft:
        from peft import LoraConfig

        check_passthrough("peft", config.peft, LoraConfig)
    if config.dynamic_sampling_rounds and world_size > 1:
        raise UserError(
            "dynamic_sampling_rounds needs one training process (the replacement groups are "
            f"generated where the step's batch is held); this run has {world_size}: set "
            "dynamic_sampling_rounds: 0 (the dapo algorithm turns it on)"
        )
    _check_batching(config, world_size)  # before any work: no pool built, no model loaded
    hardware = {
        "device": "cuda" if gpu else "cpu",
        "bf16_native": bf16_native,
        "bf16_reason": bf16_reason,
        "training_processes": world_size,
        "verification": _verification_backend(config),  # resolved: ray or local
    }
    return config, hardware


def _given(value: Any) -> Any:
    """A field that `resolve_defaults` has filled."""
    assert value is not None
    return value


def _check_batching(config: TrainConfig, world_size: int) -> None:
    """A step's completions split evenly over the processes and, when given, into
    micro-batches of `micro_batch_size`: settings alone, so checked before any work."""
    rows_per_step = _given(config.problems_per_step) * _given(config.group_size)
    if rows_per_step % world_size:
        raise UserError(
            f"problems_per_step x group_size = {rows_per_step} completions per step do not "
            f"split evenly over {world_size} training processes; change one of them"
        )
    rows = rows_per_step // world_size
    if config.micro_batch_size is not None and rows % config.micro_batch_size:
        raise UserError(
            f"micro_batch_size {config.micro_batch_size} does not divide the "
            f"{rows} completions each process trains on per step (problems_per_step x "
            "group_size / processes)"
        )


def _batching(config: TrainConfig, model_path: Path, gpu: bool, world_size: int) -> Batching:
    """Micro-batch size and gradient accumulation: the user's `micro_batch_size`, else on a
    GPU the largest that the memory arithmetic fits (rlvr/batches.py, docs/configuration.md),
    on a CPU the whole step in one pass (a CPU step's rows are few; memory is not the limit).
    The settings were checked by `_check_batching`."""
    rows_per_step = _given(config.problems_per_step) * _given(config.group_size)
    rows = rows_per_step // world_size
    if config.micro_batch_size is not None:
        return Batching(rows_per_step, world_size, config.micro_batch_size)
    if not gpu:
        return Batching(rows_per_step, world_size, rows)
    from transformers import AutoConfig

    shape = ModelShape.from_config(AutoConfig.from_pretrained(model_path))
    trl = config.trl
    plan = plan_memory(
        shape,
        rows=rows,
        completion_tokens=_given(config.max_completion_length),
        memory_bytes=torch.cuda.get_device_properties(torch.cuda.current_device()).total_memory,
        lora=config.lora,
        reference_model=bool(config.beta),
        gradient_checkpointing=_checkpointing(trl, gpu=True),
        vllm_share=(
            float(trl.get("vllm_gpu_memory_utilization", 0.3))
            if config.use_vllm and trl.get("vllm_mode", "colocate") == "colocate"
            else 0.0
        ),
    )
    return Batching(rows_per_step, world_size, plan.micro_batch_size, plan)


def _training_rows(
    environments: Mapping[str, Any],
) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    """Every training problem by id, and the dataset rows TRL iterates (prompt, problem id)."""
    problems: dict[str, dict[str, Any]] = {}
    rows = []
    for name, env in environments.items():
        env_problems = environment_problems(name, env, "train")
        if not env_problems:
            raise UserError(f"environment {name!r} has no training problems")
        for problem in env_problems:
            pid = str(problem["id"])
            if pid in problems:
                raise UserError(
                    f"problem id {pid!r} is in environments {problems[pid]['env']!r} and "
                    f"{name!r}; ids must be unique across a run's environments (drop the `id` "
                    "field from the dataset rows to get content-hash ids)"
                )
            problems[pid] = problem
            rows.append(training_row(name, env, problem))
    if not any(is_multiturn(env) for env in environments.values()):
        for row in rows:
            del row["environment"]  # only TRL's rollout loop routes by it
    return problems, rows


def _lora(config: TrainConfig) -> Any:
    if not config.lora:
        return None
    from peft import LoraConfig

    options: dict[str, Any] = {"target_modules": "all-linear", **config.peft}
    try:
        return LoraConfig(
            r=config.lora_r, lora_alpha=config.lora_alpha, task_type="CAUSAL_LM", **options
        )
    except (TypeError, ValueError) as exc:
        raise UserError(f"peft: {exc}") from None


def _grpo_args(
    config: TrainConfig,
    run: RunDir,
    gpu: bool,
    batching: Batching,
    tool_sets: Mapping[str, Any],
) -> GRPOConfig:
    """TRL's config: one optimizer step per generated batch of problems x group, shared by
    the training processes (`torchrun` / `accelerate launch` set WORLD_SIZE) and split into
    micro-batches; the multi-turn round limit (`tool_sets`) unless the user's `trl:` sets
    it; then the user's `trl:` fields, which `check()` kept off the ones set here."""
    if config.project:
        os.environ.setdefault("WANDB_PROJECT", config.project)  # wandb reads only this
    rlvr_sets: dict[str, Any] = {
        "output_dir": str(run.path),
        "max_steps": _given(config.max_steps),
        "per_device_train_batch_size": batching.micro_batch_size,
        "gradient_accumulation_steps": batching.accumulation_steps,
        "steps_per_generation": batching.accumulation_steps,
        "num_generations": _given(config.group_size),
        "max_completion_length": config.max_completion_length,
        "temperature": config.temperature,
        "learning_rate": float(config.learning_rate or 0.0),
        "beta": config.beta,
        "loss_type": config.loss_type,
        "mask_truncated_completions": config.overlong == "mask",
        "seed": config.seed,
        "logging_steps": 1,  # every step is a row of metrics.jsonl and of the trackers
        "save_strategy": "steps",
        "save_steps": _given(config.save_steps),
        "report_to": config.report_to or "none",
        "run_name": config.run_name or run.path.name,
        "use_cpu": not gpu,
        "bf16": bool(config.bf16),
        "use_vllm": bool(config.use_vllm),
        "disable_tqdm": True,
        "ignore_data_skip": True,  # the sampler starts at the resumed step itself
        "dataloader_num_workers": 0,
    }
    if config.project:
        rlvr_sets["project"] = config.project  # trackio's
    if not any(name in config.trl for name in CHECKPOINTING_FIELDS):  # else `trl:` decides
        rlvr_sets["activation_checkpointing"] = _checkpointing({}, gpu)
    rlvr_sets.update({k: v for k, v in tool_sets.items() if k not in config.trl})
    from trl import GRPOConfig

    try:
        return GRPOConfig(**rlvr_sets, **config.trl)
    except (TypeError, ValueError) as exc:
        raise UserError(f"trl: TRL's GRPOConfig refused the settings: {exc}") from None


CHECKPOINTING_FIELDS = ("activation_checkpointing", "gradient_checkpointing")
"""transformers 5's name for activation (gradient) checkpointing, then the older one, which
TRL's configs still default and transformers reads as an alias."""


def _checkpointing(trl: Mapping[str, Any], gpu: bool) -> bool:
    """Whether the update recomputes each layer's forward during backward: as `trl:` says
    under either name; else on a GPU (TRL's default, to save accelerator memory), and off on
    a CPU, whose few rows a step fit without it and where recomputing made the learning
    benchmark's step 23% longer (BENCHMARKS.md, "Where a CPU step's time goes")."""
    for name in CHECKPOINTING_FIELDS:
        if name in trl:
            return bool(trl[name])
    return gpu


def _installed(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def _prepare_run_dir(run: RunDir, resume: bool) -> tuple[int, Path] | None:
    if not resume:
        if run.has_run():
            raise UserError(
                f"{run.path} already holds a run: pass --resume to continue it, or "
                "choose another --output-dir"
            )
        return None
    run.drop_incomplete()
    checkpoint = run.latest_checkpoint()
    if checkpoint is None:
        run.cut_after(0)  # no whole checkpoint to continue from: the run starts over
    return checkpoint


def _restore(run: RunDir, checkpoint: tuple[int, Path] | None, curricula: Mapping[str, Any]) -> int:
    """The step to start from: 0, or a checkpoint's, with the curricula's state restored
    and the run's logs cut back to it."""
    if checkpoint is None:
        return 0
    step, checkpoint_dir = checkpoint
    state = run.read_state(checkpoint_dir)
    for name, curriculum in curricula.items():
        curriculum.load_state_dict(state["curricula"][name])
    run.cut_after(step)
    return step


def _finished(run: RunDir, checkpoint: tuple[int, Path] | None, max_steps: int) -> bool:
    """A resumed run that already has its last checkpoint: nothing is left to train, and
    nothing is touched, so what was computed from the run (an evaluation) stays current."""
    if checkpoint is None or checkpoint[0] < max_steps:
        return False
    print(
        f"rlvr train: {run.path} already finished its {max_steps} steps "
        f"(checkpoint-{checkpoint[0]}); nothing to resume",
        file=sys.stderr,
    )
    return True


def _environment(name: str, env_config: Any, seed: int) -> Any:
    """The environment instance, built as every verb builds it (rlvr/resolve.py): `data:` with
    its `columns:`, `system_prompt:`."""
    env = build_environment(name, env_config, seed)
    assert env is not None  # only None for rows read elsewhere (rlvr eval --data)
    return env


@dataclasses.dataclass(frozen=True)
class _ToolSetup:
    """What a run with multi-turn environments adds to the trainer."""

    tokenizer: Any
    """The policy's tokenizer with a chat template that renders tools (TRL's processing class)."""
    grpo_sets: dict[str, Any]
    record: dict[str, Any]
    """Written to config.yaml under `multiturn:`."""


def _tool_setup(
    config: TrainConfig, environments: Mapping[str, Any], model_path: Path
) -> _ToolSetup:
    """The tokenizer with a tool-capable chat template (rlvr.multiturn.tool_chat_template) and
    TRL's round limit (the largest `max_turns`); warns when the completion budget leaves
    little room for tool results, which TRL counts in it."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_path)
    template = tool_chat_template(tokenizer)
    grpo_sets = grpo_config_kwargs(environments)
    names = sorted(name for name, env in environments.items() if is_multiturn(env))
    length = _given(config.max_completion_length)
    if length < MULTITURN_MIN_COMPLETION:
        print(
            f"rlvr train: warning: max_completion_length {length} counts every turn of a "
            f"multi-turn rollout, tool results included; TRL ends a rollout at a tool call "
            f"whose result would not fit. {MULTITURN_MIN_COMPLETION} or more leaves room for "
            "a call, its result and an answer",
            file=sys.stderr,
        )
    record = {
        "environments": names,
        "chat_template": template,
        "max_tool_calling_iterations": config.trl.get(
            "max_tool_calling_iterations", grpo_sets.get("max_tool_calling_iterations")
        ),
        "max_turns": {name: environments[name].max_turns for name in names},
    }
    return _ToolSetup(tokenizer, grpo_sets, record)


def _verifiers(
    config: TrainConfig, environments: Mapping[str, Any], problems: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The verifier instances by pool key, and each training problem's key: the rule every
    verb follows (rlvr/resolve.py: a row's own `verifier`, else its environment's), each
    problem's required fields checked before any work, the training options the environment
    asks for applied. An environment whose reward is the GenRM's alone has none."""
    verifiers: dict[str, Any] = {}
    keys: dict[str, str] = {}
    for name, env_config in config.envs.items():
        if env_config.reward.verifier == 0:
            continue
        env_problems = [p for p in problems.values() if p["env"] == name]
        plan = plan_verifiers(
            name,
            environments[name],
            env_config,
            env_problems,
            training=True,
            where=f"environment {name!r}",
        )
        verifiers.update(plan.verifiers)
        keys.update({str(p["id"]): key for p, key in zip(env_problems, plan.keys, strict=True)})
    return verifiers, keys


def _hosted(verifiers: Mapping[str, Any], environments: Mapping[str, Any]) -> dict[str, Any]:
    """What the verification pool hosts, by key: the verifiers and the multi-turn
    environments' tool programs (rlvr/multiturn.py), whose keys must not meet."""
    programs = tool_programs(environments)
    if clash := sorted(set(programs) & set(verifiers)):
        raise UserError(f"tool program keys {clash} are also verifier keys; rename the tools")
    return {**verifiers, **programs}


def _verification_backend(config: TrainConfig) -> Backend:
    """`verification` as asked; unset, Ray where it is installed (training hosts its
    environments on actors), else `backend_for`'s rule: a cluster address means Ray, otherwise
    local worker processes (a GPU machine without Ray still trains, verifying on its cores)."""
    if config.verification == "ray" and not _installed("ray"):
        raise UserError("verification: ray needs Ray installed (pip install ray)")
    ray = None if config.verification is None else config.verification == "ray"
    if ray is None and _installed("ray"):
        ray = True
    return backend_for(config.ray_address, ray=ray)


def _curriculum(config: TrainConfig, problems: list[dict[str, Any]]) -> Any:
    """One environment's curriculum; told the run's length when its factory asks for it (a
    schedule that moves from easy to hard needs to know where the end is)."""
    registry = default_registry()
    options = dict(config.curriculum_options)
    if takes_total_steps(registry.factory("curricula", config.curriculum)):
        options.setdefault("total_steps", config.max_steps)
    try:
        return registry.create(
            "curricula", config.curriculum, problems, seed=config.seed, **options
        )
    except ValueError as exc:
        raise UserError(f"curriculum {config.curriculum!r}: {exc}") from None


# -- callbacks ------------------------------------------------------------------------------------


class _LiveView:
    """A progress bar with ETA and per-environment pass rates on a terminal, and one plain
    line per step above it (the only output when stderr is not a terminal, e.g. in a log)."""

    def __init__(self, *, first_step: int, max_steps: int) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.max_steps = max_steps
        self.first_step = first_step
        self.started = time.perf_counter()
        self.progress = Progress(
            TextColumn("[bold]rlvr train"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            TextColumn("{task.fields[summary]}"),
            console=Console(stderr=True),
            transient=True,
        )
        self.task = self.progress.add_task(
            "train", total=max_steps, completed=first_step, summary="generating the first step"
        )
        self.started_view = False

    def start(self) -> None:
        """Shown by the first training process only."""
        self.started = time.perf_counter()
        self.progress.start()
        self.started_view = True

    def update(self, row: Mapping[str, Any], step: int) -> None:
        pass_rates = "  ".join(
            f"{env} {value:.2f}"
            for env, value in sorted(env_values(dict(row), "pass_rate").items())
        )
        zero = row.get("zero_variance_groups")
        if not pass_rates:  # trl.num_iterations > 1: this step reused the last completions
            pass_rates = "(no generation this step)"
        self.progress.update(self.task, completed=step, summary=f"pass {pass_rates}")
        per_step = (time.perf_counter() - self.started) / max(1, step - self.first_step)
        eta = f"{per_step * (self.max_steps - step) / 60:.1f} min"
        self.progress.console.print(
            f"step {step}/{self.max_steps}  pass {pass_rates}  reward {row.get('reward', 0):.2f}  "
            f"zero-var {'n/a' if zero is None else f'{zero:.2f}'}  "
            f"len {row.get('completions/mean_length', 0):.0f}  "
            f"{row['step_seconds']:.0f} s/step  ETA {eta}",
            highlight=False,
            soft_wrap=True,
        )

    def close(self) -> None:
        if self.started_view:
            self.progress.stop()
