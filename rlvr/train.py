"""`rlvr train`: GRPO on several verifiable environments at once.

Reads top to bottom: config -> environments and their problems -> curricula -> model ->
TRL's GRPOTrainer with two named overrides -> train. Where each part of a step runs:

- pick:       `_Trainer._generate_and_score_completions` asks `StepPlan` (rlvr/batches.py)
              for the step's problems when the step generates: split across environments by
              weight, each environment's curriculum picks which ones (after it has seen the
              previous step's rewards); each process takes its slice.
- generate:   GRPOTrainer (transformers `generate` on CPU; vLLM on GPU when installed),
              `group_size` completions per problem, prompts rendered with the chat template.
- verify:     `ProblemRewards` (rlvr/rewards.py) scores the step's completions on the
              `EnvironmentPool` (rlvr/pool.py): Ray actors per environment, all environments
              at once; an infrastructure fault is `None`, which TRL leaves out. With a GenRM
              (rlvr/genrm.py, its own actor), each group is judged meanwhile and the reward is
              the environment's weighted mix of verifier reward and GenRM score.
- advantages and update: GRPOTrainer (group-normalised advantages, `loss_type`, optional KL).
- log:        `_StepLog` writes metrics.jsonl and samples.jsonl, feeds the outcomes back to
              the curricula, and prints one line per step.
- checkpoint: transformers writes checkpoint-N; `_Trainer._save_checkpoint` adds the curricula
              and the COMPLETE marker last, so `--resume` only ever starts from a whole one.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import FrameType
from typing import Any

import torch
from datasets import Dataset
from transformers import PrinterCallback, TrainerCallback
from trl import GRPOConfig, GRPOTrainer

from rlvr.batches import StepPlan, StepSampler
from rlvr.config import TrainConfig, config_to_dict, resolve_defaults
from rlvr.dataset_env import DatasetEnvironment
from rlvr.errors import UserError
from rlvr.genrm import GenRMActor
from rlvr.metrics import env_metrics, zero_variance_fraction
from rlvr.models import resolve_model
from rlvr.pool import EnvironmentPool
from rlvr.records import environment_problems
from rlvr.registry import default_registry
from rlvr.rewards import ProblemRewards, StepOutcomes
from rlvr.run_dir import RunDir


def train(config: TrainConfig, *, resume: bool = False, plugin_files: Sequence[str] = ()) -> Path:
    """Run (or resume) a training run; returns the run directory."""
    # transformers' deprecation notices about its own internals say nothing to a user of rlvr
    warnings.filterwarnings("ignore", category=FutureWarning, module="transformers")
    registry = default_registry()
    for plugin in plugin_files:
        registry.load_file(plugin)

    # -- config -------------------------------------------------------------------------------
    gpu = torch.cuda.is_available()
    config = resolve_defaults(config, gpu=gpu, vllm_installed=_installed("vllm"))
    run = RunDir(config.output_dir)
    checkpoint = _prepare_run_dir(run, resume)

    # -- environments and their problems ------------------------------------------------------
    environments, verifiers = {}, {}
    for name, env_config in config.envs.items():
        environments[name], verifier = _environment(name, env_config, config.seed)
        if verifier is not None:  # None: judged by the GenRM alone
            verifiers[name] = verifier
    problems, rows = _training_rows(environments)

    # -- curricula: one per environment, restored on resume ----------------------------------
    curricula = {
        name: _curriculum(config, [p for p in problems.values() if p["env"] == name])
        for name in environments
    }
    first_step = 0
    if checkpoint is not None:
        first_step, checkpoint_dir = checkpoint
        state = run.read_state(checkpoint_dir)
        for name, curriculum in curricula.items():
            curriculum.load_state_dict(state["curricula"][name])
        run.cut_after(first_step)

    # -- model --------------------------------------------------------------------------------
    model_path = resolve_model(config.model)
    if not gpu:
        torch.set_num_threads(max(1, len(os.sched_getaffinity(0))))

    with contextlib.ExitStack() as hosts:
        # -- verification hosts: Ray actors per environment (and the GenRM's), closed however
        # the run ends ----------------------------------------------------------------------
        pool = hosts.enter_context(
            EnvironmentPool(
                verifiers,
                actors_per_env=config.actors_per_env,
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
            samples_per_call=config.samples_per_step,
            pool=pool,
            genrm=genrm,
            reward_weights={name: env.reward for name, env in config.envs.items()},
            reference_field=config.genrm.reference_field,
        )

        # -- trainer --------------------------------------------------------------------------
        trainer = _Trainer(
            model=str(model_path),
            reward_funcs=[rewards],
            args=_grpo_args(config, run, gpu),
            train_dataset=Dataset.from_list(rows),
            peft_config=_lora(config),
        )
        trainer.rlvr_plan = StepPlan(
            curricula,
            {name: c.weight for name, c in config.envs.items()},
            rows,
            problems_per_step=_given(config.problems_per_step),
            group_size=_given(config.group_size),
        )
        trainer.rlvr_sampler = StepSampler(
            _given(config.problems_per_step) * _given(config.group_size),
            max_steps=_given(config.max_steps),
            first_step=first_step,
        )
        trainer.rlvr_run = run
        trainer.rlvr_curricula = curricula
        trainer.remove_callback(PrinterCallback)  # _StepLog shows the run instead
        stop = _StopOnInterrupt()
        trainer.add_callback(stop)
        log = _StepLog(run, rewards, curricula, problems, config)
        trainer.add_callback(log)
        run.create()
        run.write_config({**config_to_dict(config), "model_path": str(model_path)})

        # -- train ----------------------------------------------------------------------------
        with stop.installed():
            trainer.train(resume_from_checkpoint=str(checkpoint[1]) if checkpoint else None)
    if log.failure is not None:
        raise UserError(
            f"{log.failure}; stopped after saving {run.path}/checkpoint-"
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


def _given(value: int | None) -> int:
    """A field that `resolve_defaults` has filled."""
    assert value is not None
    return value


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
            rows.append({"prompt": env.prompt(problem), "problem_id": str(problem["id"])})
    return problems, rows


def _lora(config: TrainConfig) -> Any:
    if not config.lora:
        return None
    from peft import LoraConfig

    return LoraConfig(
        r=config.lora_r,
        lora_alpha=config.lora_alpha,
        target_modules="all-linear",
        task_type="CAUSAL_LM",
    )


def _grpo_args(config: TrainConfig, run: RunDir, gpu: bool) -> GRPOConfig:
    """TRL's config: one optimizer step per generated batch of problems x group, shared by
    the training processes (`torchrun` / `accelerate launch` set WORLD_SIZE)."""
    rows_per_step = _given(config.problems_per_step) * _given(config.group_size)
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if rows_per_step % world_size:
        raise UserError(
            f"problems_per_step x group_size = {rows_per_step} completions per step do not "
            f"split evenly over {world_size} training processes; change one of them"
        )
    return GRPOConfig(
        output_dir=str(run.path),
        max_steps=_given(config.max_steps),
        per_device_train_batch_size=rows_per_step // world_size,
        gradient_accumulation_steps=1,
        num_generations=_given(config.group_size),
        max_completion_length=config.max_completion_length,
        temperature=config.temperature,
        learning_rate=float(config.learning_rate or 0.0),
        beta=config.beta,
        loss_type=config.loss_type,
        seed=config.seed,
        logging_steps=1,
        save_strategy="steps",
        save_steps=_given(config.save_steps),
        report_to=config.report_to or "none",
        use_cpu=not gpu,
        bf16=bool(config.bf16),
        use_vllm=bool(config.use_vllm),
        disable_tqdm=True,
        ignore_data_skip=True,  # the sampler starts at the resumed step itself
        dataloader_num_workers=0,
    )


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


def _environment(name: str, env_config: Any, seed: int) -> tuple[Any, Any]:
    """The environment instance and its verifier instance (None when its reward is the
    GenRM's alone: `reward: {verifier: 0, genrm: 1}`)."""
    registry = default_registry()
    if name in registry.names("environments"):
        options = dict(env_config.options)
        if env_config.data:
            options["data"] = env_config.data
        try:
            env = registry.create("environments", name, seed=seed, **options)
        except ValueError as exc:
            raise UserError(f"environment {name!r}: {exc}") from None
    elif env_config.data:
        verifier_name = env_config.verifier or name
        env = DatasetEnvironment(name, data=env_config.data, verifier=verifier_name)
    else:
        known = ", ".join(registry.names("environments")) or "none"
        raise UserError(
            f"unknown environment {name!r}; installed: {known}. A custom "
            f"environment needs `data:` (a JSONL file) and `verifier:`"
        )
    if env_config.reward.verifier == 0:
        return env, None
    verifier_name = env_config.verifier or env.verifier
    options = {**getattr(env, "training_verifier_options", {}), **env_config.verifier_options}
    return env, registry.create("verifiers", verifier_name, **options)


def _curriculum(config: TrainConfig, problems: list[dict[str, Any]]) -> Any:
    """One environment's curriculum; told the run's length when its factory asks for it (a
    schedule that moves from easy to hard needs to know where the end is)."""
    import inspect

    registry = default_registry()
    options = dict(config.curriculum_options)
    parameters = inspect.signature(registry.factory("curricula", config.curriculum)).parameters
    if "total_steps" in parameters:
        options.setdefault("total_steps", config.max_steps)
    try:
        return registry.create(
            "curricula", config.curriculum, problems, seed=config.seed, **options
        )
    except ValueError as exc:
        raise UserError(f"curriculum {config.curriculum!r}: {exc}") from None


def _curriculum_state(curricula: Mapping[str, Any]) -> dict[str, Any]:
    return {"curricula": {name: c.state_dict() for name, c in curricula.items()}}


# -- the two overrides of GRPOTrainer -----------------------------------------------------------


class _Trainer(GRPOTrainer):
    rlvr_plan: StepPlan
    rlvr_sampler: StepSampler
    rlvr_run: RunDir
    rlvr_curricula: Mapping[str, Any]

    def _get_train_sampler(self, dataset: Any = None) -> Any:
        return self.rlvr_sampler  # placeholders: the rows come from the curricula, below

    def _generate_and_score_completions(self, inputs: list[dict[str, Any]]) -> dict[str, Any]:
        if (
            self.model is not None and self.model.training
        ):  # this step's problems, picked now, after the last observe
            inputs = self.rlvr_plan.rows_for(
                self.state.global_step,
                rank=self.accelerator.process_index,
                world_size=self.accelerator.num_processes,
            )
        return super()._generate_and_score_completions(inputs)

    def _save_checkpoint(self, model: Any, trial: Any) -> None:
        super()._save_checkpoint(model, trial)
        state = _curriculum_state(self.rlvr_curricula)
        if self.accelerator.num_processes > 1:
            from accelerate.utils import gather_object

            # every process plans its slice of each step from its own curricula: they must agree
            if any(other != state for other in gather_object([state])):
                raise RuntimeError(
                    "the training processes' curriculum states diverged; a curriculum's "
                    "next_batch/observe must be deterministic given the same outcomes"
                )
        if self.is_world_process_zero():
            folder = self.rlvr_run.path / f"checkpoint-{self.state.global_step}"
            self.rlvr_run.mark_complete(folder, state)


# -- callbacks ------------------------------------------------------------------------------------


class _StopOnInterrupt(TrainerCallback):
    """Ctrl-C: finish the step, save a checkpoint, stop. A second Ctrl-C aborts at once."""

    def __init__(self) -> None:
        self.requested = False

    def _handler(self, signum: int, frame: FrameType | None) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        print(
            "\nrlvr train: stopping after this step to save a checkpoint "
            "(Ctrl-C again to abort without saving)",
            file=sys.stderr,
        )

    def installed(self) -> Any:
        import contextlib

        @contextlib.contextmanager
        def scope() -> Any:
            previous = signal.signal(signal.SIGINT, self._handler)
            try:
                yield
            finally:
                signal.signal(signal.SIGINT, previous)

        return scope()

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> Any:
        if self.requested:
            control.should_save = True
            control.should_training_stop = True
        elif state.global_step >= state.max_steps:
            control.should_save = True  # the last step is always saved
        return control


class _StepLog(TrainerCallback):
    """metrics.jsonl, samples.jsonl, curriculum feedback, and the live view of the run.

    Each process scored only its slice of the step; the outcomes are gathered first, so that
    every process feeds its curricula the same rewards and plans the same next step.
    """

    def __init__(
        self,
        run: RunDir,
        rewards: Any,
        curricula: Mapping[str, Any],
        problems: Mapping[str, Mapping[str, Any]],
        config: TrainConfig,
    ) -> None:
        self.run = run
        self.rewards = rewards
        self.curricula = curricula
        self.problems = problems
        self.max_steps = _given(config.max_steps)
        self.max_error_rate = config.max_error_rate
        self.step_started = time.perf_counter()
        self.tokens_seen = 0.0
        self.view: _LiveView | None = None
        self.failure: str | None = None

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if state.is_world_process_zero:
            self.view = _LiveView(first_step=state.global_step, max_steps=self.max_steps)

    def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if self.view is not None:
            self.view.close()

    def on_step_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.step_started = time.perf_counter()

    def on_log(
        self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        if not logs or "loss" not in logs:
            return  # the end-of-training summary, not a step
        outcomes = _gathered(self.rewards.take_outcomes())
        seconds = time.perf_counter() - self.step_started
        tokens = float(logs.get("num_tokens", 0.0))
        row: dict[str, Any] = {"step": state.global_step, **logs, "step_seconds": seconds}
        if tokens and self.tokens_seen:
            row["tokens_per_second"] = (tokens - self.tokens_seen) / seconds
        self.tokens_seen = tokens
        for env, verdicts in sorted(outcomes.verdicts_by_env.items()):
            row.update(env_metrics(env, verdicts))
            faults = [v for v in verdicts if v.reward is None]
            if verdicts and len(faults) / len(verdicts) > self.max_error_rate:
                self.failure = (
                    f"step {state.global_step}: {len(faults)} of {len(verdicts)} {env!r} "
                    f"completions could not be scored (first: {faults[0].info.get('error')}), "
                    f"more than max_error_rate {self.max_error_rate}"
                )
                control.should_save = True
                control.should_training_stop = True
        by_env: dict[str, dict[str, list[float]]] = {}
        for pid, group in sorted(outcomes.rewards_by_problem.items()):
            by_env.setdefault(self.problems[pid]["env"], {})[pid] = group
        row["zero_variance_groups"] = zero_variance_fraction(outcomes.rewards_by_problem)
        for env, groups in by_env.items():
            row[f"env/{env}/zero_variance_groups"] = zero_variance_fraction(groups)
            self.curricula[env].observe(groups)
        for env, curriculum in self.curricula.items():
            if hasattr(curriculum, "metrics"):
                row.update(
                    {f"env/{env}/curriculum/{k}": v for k, v in curriculum.metrics().items()}
                )
        if not state.is_world_process_zero:
            return
        self.run.append(self.run.metrics, [row])
        self.run.append(
            self.run.samples, [{"step": state.global_step, **s} for s in outcomes.samples]
        )
        if self.view is not None:
            self.view.update(row, state.global_step)


def _gathered(outcomes: StepOutcomes) -> StepOutcomes:
    """Every process's outcomes of this step, merged in process order (one process: as is)."""
    from accelerate import PartialState
    from accelerate.utils import gather_object

    if PartialState().num_processes == 1:
        return outcomes
    merged = StepOutcomes()
    for part in gather_object([outcomes]):
        for pid, group in part.rewards_by_problem.items():
            merged.rewards_by_problem[pid].extend(group)
        for env, verdicts in part.verdicts_by_env.items():
            merged.verdicts_by_env[env].extend(verdicts)
        merged.samples.extend(part.samples)
    return merged


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
        self.progress.start()

    def update(self, row: Mapping[str, Any], step: int) -> None:
        pass_rates = "  ".join(
            f"{key.split('/')[1]} {value:.2f}"
            for key, value in sorted(row.items())
            if key.startswith("env/") and key.endswith("/pass_rate") and key.count("/") == 2
        )
        zero = row.get("zero_variance_groups")
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
        self.progress.stop()
