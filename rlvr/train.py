"""`rlvr train`: GRPO on several verifiable environments at once.

Reads top to bottom: config -> environments and their problems -> curricula -> model ->
TRL's GRPOTrainer with two named overrides -> train. Where each part of a step runs:

- pick:       `CurriculumSampler` (rlvr/batches.py) splits the step's problems across
              environments by weight and asks each environment's curriculum which ones; TRL's
              dataloader iterates it.
- generate:   GRPOTrainer (transformers `generate` on CPU; vLLM on GPU when installed),
              `group_size` completions per problem, prompts rendered with the chat template.
- verify:     `ProblemRewards` (rlvr/rewards.py) scores every completion with its
              environment's verifier; an infrastructure fault is `None`, which TRL leaves out.
- advantages and update: GRPOTrainer (group-normalised advantages, `loss_type`, optional KL).
- log:        `_StepLog` writes metrics.jsonl and samples.jsonl, feeds the outcomes back to
              the curricula, and prints one line per step.
- checkpoint: transformers writes checkpoint-N; `_Trainer._save_checkpoint` adds the curricula
              and the COMPLETE marker last, so `--resume` only ever starts from a whole one.
"""

from __future__ import annotations

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

from rlvr.batches import CurriculumSampler
from rlvr.config import TrainConfig, config_to_dict, resolve_defaults
from rlvr.dataset_env import DatasetEnvironment
from rlvr.errors import UserError
from rlvr.metrics import env_metrics, zero_variance_fraction
from rlvr.models import resolve_model
from rlvr.registry import default_registry
from rlvr.rewards import ProblemRewards
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
        environments[name], verifiers[name] = _environment(name, env_config, config.seed)
    problems, rows = _training_rows(environments)

    # -- curricula: one per environment, restored on resume ----------------------------------
    curricula = {
        name: registry.create(
            "curricula",
            config.curriculum,
            [p for p in problems.values() if p["env"] == name],
            seed=config.seed,
        )
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

    # -- trainer ------------------------------------------------------------------------------
    index_of = {row["problem_id"]: i for i, row in enumerate(rows)}
    rewards = ProblemRewards(problems, verifiers, samples_per_call=config.samples_per_step)
    trainer = _Trainer(
        model=str(model_path),
        reward_funcs=[rewards],
        args=_grpo_args(config, run, gpu),
        train_dataset=Dataset.from_list(rows),
        peft_config=_lora(config),
    )
    trainer.rlvr_sampler = CurriculumSampler(
        curricula,
        {name: c.weight for name, c in config.envs.items()},
        index_of,
        problems_per_step=_given(config.problems_per_step),
        group_size=_given(config.group_size),
        max_steps=_given(config.max_steps),
        first_step=first_step,
    )
    trainer.rlvr_run = run
    trainer.rlvr_curricula = curricula
    trainer.remove_callback(PrinterCallback)  # _StepLog prints one line per step instead
    stop = _StopOnInterrupt()
    trainer.add_callback(stop)
    trainer.add_callback(_StepLog(run, rewards, curricula, problems, _given(config.max_steps)))
    run.create()
    run.write_config({**config_to_dict(config), "model_path": str(model_path)})

    # -- train --------------------------------------------------------------------------------
    with stop.installed():
        trainer.train(resume_from_checkpoint=str(checkpoint[1]) if checkpoint else None)
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
        env_problems = [dict(p, env=name) for p in env.problems("train")]
        if not env_problems:
            raise UserError(f"environment {name!r} has no training problems")
        for problem in env_problems:
            problems[str(problem["id"])] = problem
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
    """TRL's config: one optimizer step per generated batch of problems x group."""
    return GRPOConfig(
        output_dir=str(run.path),
        max_steps=_given(config.max_steps),
        per_device_train_batch_size=_given(config.problems_per_step) * _given(config.group_size),
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
    """The environment instance and its verifier instance."""
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
    verifier_name = env_config.verifier or env.verifier
    options = {**getattr(env, "training_verifier_options", {}), **env_config.verifier_options}
    return env, registry.create("verifiers", verifier_name, **options)


def _curriculum_state(curricula: Mapping[str, Any]) -> dict[str, Any]:
    return {"curricula": {name: c.state_dict() for name, c in curricula.items()}}


# -- the two overrides of GRPOTrainer -----------------------------------------------------------


class _Trainer(GRPOTrainer):
    rlvr_sampler: Any
    rlvr_run: RunDir
    rlvr_curricula: Mapping[str, Any]

    def _get_train_sampler(self, dataset: Any = None) -> Any:
        return self.rlvr_sampler  # problems come from the curricula, not a shuffle

    def _save_checkpoint(self, model: Any, trial: Any) -> None:
        super()._save_checkpoint(model, trial)
        if self.is_world_process_zero():
            folder = self.rlvr_run.path / f"checkpoint-{self.state.global_step}"
            self.rlvr_run.mark_complete(folder, _curriculum_state(self.rlvr_curricula))


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
    """metrics.jsonl, samples.jsonl, curriculum feedback and the line per step."""

    def __init__(
        self,
        run: RunDir,
        rewards: Any,
        curricula: Mapping[str, Any],
        problems: Mapping[str, Mapping[str, Any]],
        max_steps: int,
    ) -> None:
        self.run = run
        self.rewards = rewards
        self.curricula = curricula
        self.problems = problems
        self.max_steps = max_steps
        self.step_started = time.perf_counter()
        self.run_started = time.perf_counter()
        self.steps_done = 0
        self.tokens_seen = 0.0

    def on_step_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.step_started = time.perf_counter()

    def on_log(
        self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        if not logs or "loss" not in logs:
            return  # the end-of-training summary, not a step
        outcomes = self.rewards.take_outcomes()
        seconds = time.perf_counter() - self.step_started
        tokens = float(logs.get("num_tokens", 0.0))
        row: dict[str, Any] = {"step": state.global_step, **logs, "step_seconds": seconds}
        if tokens and self.tokens_seen:
            row["tokens_per_second"] = (tokens - self.tokens_seen) / seconds
        self.tokens_seen = tokens
        for env, verdicts in outcomes.verdicts_by_env.items():
            row.update(env_metrics(env, verdicts))
        by_env: dict[str, dict[str, list[float]]] = {}
        for pid, group in outcomes.rewards_by_problem.items():
            by_env.setdefault(self.problems[pid]["env"], {})[pid] = group
        row["zero_variance_groups"] = zero_variance_fraction(outcomes.rewards_by_problem)
        for env, groups in by_env.items():
            row[f"env/{env}/zero_variance_groups"] = zero_variance_fraction(groups)
            self.curricula[env].observe(groups)
        self.run.append(self.run.metrics, [row])
        self.run.append(
            self.run.samples, [{"step": state.global_step, **s} for s in outcomes.samples]
        )
        self.steps_done += 1
        self._print(row, state.global_step)

    def _print(self, row: dict[str, Any], step: int) -> None:
        elapsed = time.perf_counter() - self.run_started
        eta = elapsed / self.steps_done * (self.max_steps - step)
        envs = "  ".join(
            f"{k.split('/')[1]} {v:.2f}"
            for k, v in sorted(row.items())
            if k.startswith("env/") and k.endswith("/pass_rate")
        )
        zero = row.get("zero_variance_groups")
        zero_text = "n/a" if zero is None else f"{zero:.2f}"
        print(
            f"step {step}/{self.max_steps}  pass {envs}  reward {row.get('reward', 0):.2f}  "
            f"zero-var {zero_text}  len {row.get('completions/mean_length', 0):.0f}  "
            f"{row['step_seconds']:.0f} s/step  ETA {eta / 60:.1f} min",
            file=sys.stderr,
            flush=True,
        )
