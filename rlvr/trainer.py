"""The training step: TRL's GRPOTrainer with four named overrides, written against TRL 1.16.0.

One step, in the order it happens (the setup that builds all of this is rlvr/train.py):

1. `_generate_and_score_completions` (TRL's hook that generates a batch and scores it):
   asks `StepPlan` for the step's problems, now, after the curricula saw the last step;
   lets TRL generate `group_size` completions per problem and score them with
   `ProblemRewards` (rlvr/rewards.py: the environment pool's verifiers, the GenRM, overlong
   shaping); with dynamic sampling, replaces the groups whose rewards are all equal by fresh
   problems, within a budget of extra generation rounds; then every curriculum observes every
   group it was given, and the step's rlvr metrics are computed, where the outcomes are
   produced.
2. TRL computes advantages and the loss, and updates the policy, in micro-batches of
   `per_device_train_batch_size` accumulated into one optimizer step.
3. `log` (TRL's, called once per optimizer step): adds the rlvr metrics to TRL's before they
   go to the trackers (tensorboard, wandb, trackio), so the trackers and metrics.jsonl hold the
   same names, then writes metrics.jsonl and samples.jsonl.
4. `_save_checkpoint`: adds the curricula's state and the COMPLETE marker, last.

`_get_train_sampler` hands TRL's dataloader placeholders: the rows come from the curricula.

`OVERRIDDEN` records the signature of each TRL method overridden here as TRL 1.16.0 has it;
tests/rlvr/test_trainer_overrides.py fails when an installed TRL renames or re-signs one.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from typing import Any

import torch
from transformers import PrinterCallback, TrainerCallback
from trl import GRPOTrainer

from rlvr.batches import StepPlan, StepSampler
from rlvr.metrics import env_metrics, zero_variance_fraction
from rlvr.protocols import curriculum_metrics
from rlvr.rewards import ProblemRewards, StepOutcomes
from rlvr.run_dir import RunDir, env_metric, write_atomic

TRL_VERSION = "1.16.0"
OVERRIDDEN: dict[str, str] = {
    "_get_train_sampler": "(self, dataset: datasets.arrow_dataset.Dataset | None = None) "
    "-> torch.utils.data.sampler.Sampler",
    "_generate_and_score_completions": "(self, inputs: list[dict[str, torch.Tensor | "
    "typing.Any]]) -> dict[str, torch.Tensor | typing.Any]",
    "log": "(self, logs: dict[str, float], start_time: float | None = None) -> None",
    "_save_checkpoint": "(self, model, trial)",
    "create_model_card": "(self, model_name: str | None = None, dataset_name: str | None = None, "
    "tags: str | list[str] | None = None)",
}
"""inspect.signature of each GRPOTrainer method overridden below, as TRL 1.16.0 has it."""
TRL_INIT_ARGUMENTS = ("model", "reward_funcs", "args", "train_dataset", "peft_config")
"""The GRPOTrainer constructor arguments rlvr passes (by name)."""

# How each tensor of TRL's generation output is padded (side, value), to splice dynamic
# sampling's fresh groups into a batch: prompts are left-padded, completions right-padded.
_PADDING: dict[str, tuple[str, float | None]] = {
    "prompt_ids": ("left", None),  # None: the tokenizer's pad token
    "prompt_mask": ("left", 0),
    "completion_ids": ("right", None),
    "completion_mask": ("right", 0),
    "old_per_token_logps": ("right", 0.0),
    "sampling_per_token_logps": ("right", 0.0),
    "ref_per_token_logps": ("right", 0.0),
    "importance_sampling_ratio": ("right", 1.0),
    "tool_mask": ("right", 1),
    "advantages": ("right", 0.0),
}


class RLVRTrainer(GRPOTrainer):
    """GRPOTrainer whose problems come from the curricula and whose step log is rlvr's."""

    def __init__(
        self,
        *,
        plan: StepPlan,
        sampler: StepSampler,
        run: RunDir,
        curricula: Mapping[str, Any],
        rewards: ProblemRewards,
        problems: Mapping[str, Mapping[str, Any]],
        max_error_rate: float,
        dynamic_sampling_rounds: int = 0,
        on_row: Callable[[dict[str, Any], int], None] | None = None,
        **grpo_trainer_arguments: Any,
    ) -> None:
        super().__init__(reward_funcs=[rewards], **grpo_trainer_arguments)
        self.plan = plan
        self.sampler = sampler
        self.run = run
        self.curricula = curricula
        self.rewards = rewards
        self.problems = problems
        self.max_error_rate = max_error_rate
        self.dynamic_sampling_rounds = dynamic_sampling_rounds
        self.on_row = on_row
        self.failure: str | None = None
        self._step_metrics: dict[str, Any] = {}
        self._step_samples: list[dict[str, Any]] = []
        self._last_logged_step = -1
        self._tokens_seen = 0.0
        self._clock = _StepClock()
        self.add_callback(self._clock)
        self.remove_callback(PrinterCallback)  # `on_row` shows the run instead

    # -- TRL 1.16.0: Trainer._get_train_sampler -------------------------------------------------

    def _get_train_sampler(self, dataset: Any = None) -> Any:
        return self.sampler  # placeholders: the rows come from the curricula, below

    # -- TRL 1.16.0: GRPOTrainer._generate_and_score_completions ------------------------------

    def _generate_and_score_completions(self, inputs: list[dict[str, Any]]) -> dict[str, Any]:
        if self.model is None or not self.model.training:
            return super()._generate_and_score_completions(inputs)
        step = self.state.global_step
        rows = self.plan.rows_for(
            step, rank=self.accelerator.process_index, world_size=self.accelerator.num_processes
        )
        output = super()._generate_and_score_completions(rows)
        outcomes = _gathered(self.rewards.take_outcomes())
        resampling: dict[str, float] = {}
        if self.dynamic_sampling_rounds:
            output, outcomes, resampling = self._resample(step, rows, output, outcomes)
        self._observe(outcomes, resampling)
        return output

    # -- TRL 1.16.0: GRPOTrainer.log ------------------------------------------------------------

    def log(self, logs: dict[str, float], start_time: float | None = None) -> None:
        step = self.state.global_step
        if (
            self.model is None
            or not self.model.training
            or step <= max(self._last_logged_step, self._clock.first_step)
        ):
            super().log(logs, start_time)  # evaluation, or the end-of-training summary
            return
        self._last_logged_step = step
        rlvr_metrics = self._step_metrics
        self._step_metrics = {}
        seconds = self._clock.seconds()
        rlvr_metrics["step_seconds"] = seconds
        tokens = float(self.state.num_input_tokens_seen)
        if tokens and self._tokens_seen:
            rlvr_metrics["tokens_per_second"] = (tokens - self._tokens_seen) / seconds
        self._tokens_seen = tokens
        # the trackers get every number metrics.jsonl gets, under the same names
        logs.update({k: v for k, v in rlvr_metrics.items() if isinstance(v, int | float)})
        super().log(logs, start_time)  # TRL adds its metrics to `logs`, then the trackers
        row: dict[str, Any] = {"step": step, **rlvr_metrics, **logs}
        if self.failure is not None:
            self.control.should_save = True
            self.control.should_training_stop = True
        if not self.is_world_process_zero():
            return
        self.run.append(self.run.metrics, [row])
        self.run.append(self.run.samples, [{"step": step, **s} for s in self._step_samples])
        self._step_samples = []
        if self.on_row is not None:
            self.on_row(row, step)

    # -- TRL 1.16.0: GRPOTrainer._save_checkpoint ---------------------------------------------

    def _save_checkpoint(self, model: Any, trial: Any) -> None:
        super()._save_checkpoint(model, trial)
        state = {"curricula": {name: c.state_dict() for name, c in self.curricula.items()}}
        if self.accelerator.num_processes > 1:
            from accelerate.utils import gather_object

            # every process plans its slice of each step from its own curricula: they must agree
            if any(other != state for other in gather_object([state])):
                raise RuntimeError(
                    "the training processes' curriculum states diverged; a curriculum's "
                    "next_batch/observe must be deterministic given the same outcomes"
                )
        if self.is_world_process_zero():
            folder = self.run.path / f"checkpoint-{self.state.global_step}"
            self.run.mark_complete(folder, state)

    # -- TRL 1.16.0: BaseTrainer.create_model_card (called by GRPOTrainer._save_checkpoint) ---

    # TRL's BaseTrainer already re-signs transformers' method; this keeps TRL's signature.
    def create_model_card(  # type: ignore[override]
        self,
        model_name: str | None = None,
        dataset_name: str | None = None,
        tags: str | list[str] | None = None,
    ) -> None:
        """rlvr's card (rlvr/export.py: base model, environments, training, the run's
        evaluation) in the run directory, instead of TRL's, which names no base model when the
        policy was loaded from a local path ("a fine-tuned version of None")."""
        if not self.is_world_process_zero():
            return
        from rlvr.export import model_card

        step = self.state.global_step
        card = model_card(
            self.run, step, self.run.read_config(), name=model_name or self.run.path.name
        )
        write_atomic(self.run.path / "README.md", card)

    # -- rlvr's part of the step ------------------------------------------------------------------

    def _observe(self, outcomes: StepOutcomes, resampling: Mapping[str, float]) -> None:
        """Every curriculum observes every group it was given; the step's metrics and samples
        are kept for `log`; too many unscorable completions stop the run after this step."""
        metrics: dict[str, Any] = {}
        for env, verdicts in sorted(outcomes.verdicts_by_env.items()):
            metrics.update(env_metrics(env, verdicts))
            faults = [v for v in verdicts if v.reward is None]
            if verdicts and len(faults) / len(verdicts) > self.max_error_rate:
                self.failure = (
                    f"step {self.state.global_step + 1}: {len(faults)} of {len(verdicts)} "
                    f"{env!r} completions could not be scored (first: "
                    f"{faults[0].info.get('error')}), more than max_error_rate "
                    f"{self.max_error_rate}"
                )
        by_env: dict[str, dict[str, list[float]]] = {}
        for pid, group in sorted(outcomes.rewards_by_problem.items()):
            by_env.setdefault(self.problems[pid]["env"], {})[pid] = group
        update_by_env: dict[str, dict[str, list[float]]] = {}
        for pid, group in sorted(outcomes.update_rewards_by_problem.items()):
            update_by_env.setdefault(self.problems[pid]["env"], {})[pid] = group
        metrics["zero_variance_groups"] = zero_variance_fraction(outcomes.update_rewards_by_problem)
        for env, groups in by_env.items():
            metrics[env_metric(env, "zero_variance_groups")] = zero_variance_fraction(
                update_by_env.get(env, {})
            )
            self.curricula[env].observe(groups)
        for env, curriculum in self.curricula.items():
            metrics.update(
                {
                    env_metric(env, f"curriculum/{k}"): v
                    for k, v in curriculum_metrics(curriculum).items()
                }
            )
        metrics["zero_variance_groups_in_update"] = metrics["zero_variance_groups"]
        metrics.update(resampling)
        self._step_metrics = metrics
        self._step_samples = outcomes.samples

    def _resample(
        self,
        step: int,
        rows: list[dict[str, Any]],
        output: dict[str, Any],
        outcomes: StepOutcomes,
    ) -> tuple[dict[str, Any], StepOutcomes, dict[str, float]]:
        """DAPO's dynamic sampling: groups whose rewards are all equal (every advantage 0)
        are replaced by groups of fresh problems from the same environment's curriculum, for
        at most `dynamic_sampling_rounds` extra generation rounds. Groups still without
        variance when the budget is spent stay in the batch (it keeps its size)."""
        size = int(self.num_generations or 1)
        group_ids = [str(rows[i]["problem_id"]) for i in range(0, len(rows), size)]
        rewards = list(self.rewards.last_rewards)
        used = set(group_ids)
        rounds = replaced = extra = 0
        for _ in range(self.dynamic_sampling_rounds):
            flat = [i for i in range(len(group_ids)) if _no_variance(rewards, i, size)]
            if not flat:
                break
            wanted: dict[str, list[int]] = defaultdict(list)
            for i in flat:
                wanted[self.problems[group_ids[i]]["env"]].append(i)
            slots, fresh = [], []
            for env, indices in sorted(wanted.items()):
                picked = self.plan.replacements(env, len(indices), step, used)
                slots += indices[: len(picked)]
                fresh += picked
            if not fresh:
                break
            used.update(fresh)
            new_output = super()._generate_and_score_completions(self.plan.group_rows(fresh))
            new_outcomes = self.rewards.take_outcomes()
            new_rewards = self.rewards.last_rewards
            output = _splice(output, new_output, slots, size, self._pad_id())
            for slot, k in zip(slots, range(len(fresh)), strict=True):
                group_ids[slot] = fresh[k]
                rewards[slot * size : (slot + 1) * size] = new_rewards[k * size : (k + 1) * size]
            outcomes = _merged(outcomes, new_outcomes)
            rounds += 1
            replaced += len(fresh)
            extra += len(fresh) * size
        still_flat = sum(_no_variance(rewards, i, size) for i in range(len(group_ids)))
        return (
            output,
            outcomes,
            {
                "dynamic_sampling/extra_rounds": float(rounds),
                "dynamic_sampling/replaced_groups": float(replaced),
                "dynamic_sampling/extra_completions": float(extra),
                "zero_variance_groups_in_update": still_flat / len(group_ids),
            },
        )

    def _pad_id(self) -> int:
        pad = getattr(self.processing_class, "pad_token_id", None)
        return int(pad) if pad is not None else 0


def _no_variance(rewards: list[float | None], group: int, size: int) -> bool:
    """Whether a group gives GRPO nothing to learn: every scored reward equal (or none)."""
    scored = [r for r in rewards[group * size : (group + 1) * size] if r is not None]
    return not scored or max(scored) == min(scored)


def _splice(
    base: dict[str, Any], fresh: dict[str, Any], slots: list[int], size: int, pad_id: int
) -> dict[str, Any]:
    """`base` with its groups at `slots` replaced by `fresh`'s groups, in order; tensors of
    different widths are padded the way TRL pads them (prompts left, completions right)."""
    unknown = sorted(set(base) - set(_PADDING) - {"num_items_in_batch"})
    if unknown:
        raise RuntimeError(f"dynamic sampling cannot splice TRL's batch fields {unknown}")
    target = torch.cat(
        [torch.arange(s * size, (s + 1) * size, device=base["advantages"].device) for s in slots]
    )
    out = dict(base)
    for key, (side, value) in _PADDING.items():
        if key not in base:
            continue
        old, new = base[key], fresh[key]
        fill = pad_id if value is None else value
        if old.dim() == 2 and old.shape[1] != new.shape[1]:
            width = max(old.shape[1], new.shape[1])
            old, new = _pad(old, width, side, fill), _pad(new, width, side, fill)
        merged = old.clone()
        merged[target] = new.to(merged.dtype)
        out[key] = merged
    mask = (
        out["completion_mask"] * out["tool_mask"] if "tool_mask" in out else out["completion_mask"]
    )
    out["num_items_in_batch"] = mask.sum()
    return out


def _pad(tensor: torch.Tensor, width: int, side: str, value: float) -> torch.Tensor:
    missing = width - tensor.shape[1]
    padding = torch.full(
        (tensor.shape[0], missing), value, dtype=tensor.dtype, device=tensor.device
    )
    return torch.cat([padding, tensor] if side == "left" else [tensor, padding], dim=1)


def _merged(first: StepOutcomes, second: StepOutcomes) -> StepOutcomes:
    merged = StepOutcomes()
    for part in (first, second):
        for pid, group in part.rewards_by_problem.items():
            merged.rewards_by_problem[pid].extend(group)
        for pid, group in part.update_rewards_by_problem.items():
            merged.update_rewards_by_problem[pid].extend(group)
        for env, verdicts in part.verdicts_by_env.items():
            merged.verdicts_by_env[env].extend(verdicts)
        merged.samples.extend(part.samples)
    return merged


def _gathered(outcomes: StepOutcomes) -> StepOutcomes:
    """Every process's outcomes of this step, merged in process order (one process: as is)."""
    from accelerate import PartialState
    from accelerate.utils import gather_object

    if PartialState().num_processes == 1:
        return outcomes
    merged = StepOutcomes()
    for part in gather_object([outcomes]):
        merged = _merged(merged, part)
    return merged


class _StepClock(TrainerCallback):
    """Seconds from the start of an optimizer step to its log (checkpoint writes left out)."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.first_step = 0
        """The step training (re)started from: a log at that step is no step of this run."""

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.first_step = state.global_step

    def on_step_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.started = time.perf_counter()

    def seconds(self) -> float:
        return time.perf_counter() - self.started
