"""The training step: TRL's GRPOTrainer with a few named overrides, written against TRL 1.16.0.

One step, in the order it happens (the setup that builds all of this is rlvr/train.py):

1. `_generate_and_score_completions` (TRL's hook that generates a batch and scores it):
   asks `StepPlan` for the step's problems, now, after the curricula saw the last step;
   lets TRL generate `group_size` completions per problem and score them with
   `ProblemRewards` (rlvr/rewards.py: the environment pool's verifiers, the GenRM, overlong
   shaping); with dynamic sampling, replaces the groups whose rewards are all equal by fresh
   problems, within a budget of extra generation rounds, and drops from the update the groups
   still flat after it (`_drop_groups`); then every curriculum observes every group it was
   given, and the step's rlvr metrics are computed, where the outcomes are produced.
2. TRL computes advantages and the loss (`_compute_loss`: TRL's, rescaled so that dropped
   groups count as absent, skipped when nothing is left), and updates the policy, in
   micro-batches of `per_device_train_batch_size` accumulated into one optimizer step.
3. `log` (TRL's, called once per optimizer step): adds the rlvr metrics to TRL's before they
   go to the trackers (tensorboard, wandb, trackio: rlvr/trackers.py keeps rlvr's names as
   metrics.jsonl has them, TRL's under transformers' usual `train/` prefix), then writes
   metrics.jsonl and samples.jsonl.
4. `_save_checkpoint`: adds the curricula's state and the COMPLETE marker, last.

`_get_train_sampler` hands TRL's dataloader placeholders: the rows come from the curricula.

`OVERRIDDEN` records the signature of each TRL method overridden here as TRL 1.16.0 has it;
tests/rlvr/test_trainer_overrides.py fails when an installed TRL renames or re-signs one.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from types import FrameType
from typing import Any

import torch
from transformers import PrinterCallback, TrainerCallback
from trl import GRPOTrainer

from rlvr.batches import StepPlan, StepSampler
from rlvr.errors import UserError
from rlvr.metrics import env_metrics, zero_variance_fraction
from rlvr.protocols import curriculum_metrics
from rlvr.rewards import ProblemRewards, StepOutcomes
from rlvr.run_dir import RunDir, env_metric, write_atomic
from rlvr.trackers import with_rlvr_trackers

TRL_VERSION = "1.16.0"
OVERRIDDEN: dict[str, str] = {
    "_get_train_sampler": "(self, dataset: datasets.arrow_dataset.Dataset | None = None) "
    "-> torch.utils.data.sampler.Sampler",
    "_generate_and_score_completions": "(self, inputs: list[dict[str, torch.Tensor | "
    "typing.Any]]) -> dict[str, torch.Tensor | typing.Any]",
    "log": "(self, logs: dict[str, float], start_time: float | None = None) -> None",
    "_compute_loss": "(self, model, inputs)",
    "_save_checkpoint": "(self, model, trial)",
    "create_model_card": "(self, model_name: str | None = None, dataset_name: str | None = None, "
    "tags: str | list[str] | None = None)",
}
"""inspect.signature of each GRPOTrainer method overridden below, as TRL 1.16.0 has it."""
TRL_INIT_ARGUMENTS = (
    "model",
    "reward_funcs",
    "args",
    "train_dataset",
    "peft_config",
    "processing_class",
    "environment_factory",
)
"""The GRPOTrainer constructor arguments rlvr passes (by name)."""

LOSS_SCALE = "rlvr_loss_scale"
"""The batch field (a 0-dim tensor, carried by TRL's shuffle and split into every micro-batch)
by which `_compute_loss` multiplies TRL's loss so that dropped groups count as absent; 0: no
group is left, the update is skipped."""

# How each TRL 1.16 loss type normalises, which decides how dropping rows by their mask must be
# corrected to act as if they were not in the batch:
# - per row (the loss is a mean over the batch's rows, or a sum divided by rows x
#   max_completion_length): masked rows still count in the row count, so the loss is scaled
#   by rows / kept rows;
# - per token (divided by the active tokens: `num_items_in_batch` for dapo, cispo, vespo, the
#   micro-batch's mask for bnpo): masked tokens already fall out of the count once
#   `num_items_in_batch` is recounted from the mask.
ROW_NORMALISED_LOSSES = frozenset({"grpo", "sapo", "dr_grpo", "luspo"})
TOKEN_NORMALISED_LOSSES = frozenset({"dapo", "cispo", "vespo", "bnpo"})

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
        if dynamic_sampling_rounds:
            _check_dynamic_sampling(grpo_trainer_arguments["args"])
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
        # transformers' tracker callbacks prefix every key with "train/"; rlvr's keep their names
        self.callback_handler.callbacks = with_rlvr_trackers(self.callback_handler.callbacks)

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

    # -- TRL 1.16.0: GRPOTrainer._compute_loss ---------------------------------------------------

    def _compute_loss(self, model: Any, inputs: dict[str, Any]) -> Any:
        scale = inputs.get(LOSS_SCALE)
        if scale is None:  # evaluation, or dynamic sampling off
            return super()._compute_loss(model, inputs)
        if float(scale) == 0.0:
            # Every group was dropped. A zero loss through the model would still give every
            # parameter a zero gradient, and AdamW moves weights on zero gradients (momentum,
            # weight decay); a loss not connected to the model leaves the gradients None, and
            # the optimizer skips parameters without one: the step is a true no-op.
            return torch.zeros((), device=self.accelerator.device, requires_grad=True)
        return super()._compute_loss(model, inputs) * scale

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
        variance when the budget is spent are dropped from the update (`_drop_groups`): DAPO
        fills its batch with informative groups only, and a flat group left in would still
        dilute the loss's normalisation and, with a KL term or entropy bonus, move the policy
        for nothing it learned."""
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
        flat = [i for i in range(len(group_ids)) if _no_variance(rewards, i, size)]
        output = _drop_groups(output, flat, size, str(self.loss_type))
        kept = [i for i in range(len(group_ids)) if i not in flat]
        in_update = sum(_no_variance(rewards, i, size) for i in kept)
        return (
            output,
            outcomes,
            {
                "dynamic_sampling/extra_rounds": float(rounds),
                "dynamic_sampling/replaced_groups": float(replaced),
                "dynamic_sampling/extra_completions": float(extra),
                "dynamic_sampling/dropped_groups": float(len(flat)),
                "dynamic_sampling/groups_in_update": float(len(kept)),
                # what truly entered the update: 0 by construction (none, when all were dropped)
                "zero_variance_groups_in_update": in_update / len(kept) if kept else 0.0,
            },
        )

    def _pad_id(self) -> int:
        pad = getattr(self.processing_class, "pad_token_id", None)
        return int(pad) if pad is not None else 0


def _check_dynamic_sampling(args: Any) -> None:
    """Dynamic sampling replaces and drops whole groups; that leaves the other groups'
    advantages and the loss's normalisation as if those groups were never generated only
    where advantages are computed per group and the loss type's normaliser is known."""
    loss_type = str(args.loss_type)
    if loss_type not in ROW_NORMALISED_LOSSES | TOKEN_NORMALISED_LOSSES:
        raise UserError(
            f"dynamic_sampling_rounds: loss_type {loss_type!r} is not one rlvr knows how to "
            f"drop groups from (known: "
            f"{', '.join(sorted(ROW_NORMALISED_LOSSES | TOKEN_NORMALISED_LOSSES))}); choose "
            "one of them or set dynamic_sampling_rounds: 0"
        )
    if args.scale_rewards == "batch" or args.multi_objective_aggregation != "sum_then_normalize":
        raise UserError(
            "dynamic_sampling_rounds: trl scale_rewards 'batch' and multi_objective_aggregation "
            "'normalize_then_sum' normalise advantages over the whole batch, so replacing or "
            "dropping a group would change every other group's advantages; use scale_rewards "
            "'group' or 'none', or set dynamic_sampling_rounds: 0"
        )


def _drop_groups(
    output: dict[str, Any], groups: list[int], size: int, loss_type: str
) -> dict[str, Any]:
    """TRL's batch with the given groups out of the update: their completions' loss mask is
    zeroed (no policy, KL or entropy term from them), the token count that the token-level
    losses divide by is recounted, and `LOSS_SCALE` corrects the losses that divide by the
    number of rows (see ROW_NORMALISED_LOSSES), so the update is the one TRL would make on a
    batch without those groups."""
    out = dict(output)
    mask = output["completion_mask"]
    rows = int(mask.shape[0])
    if groups:
        target = torch.cat(
            [torch.arange(g * size, (g + 1) * size, device=mask.device) for g in groups]
        )
        mask = mask.clone()
        mask[target] = 0
        out["completion_mask"] = mask
        loss_mask = mask * out["tool_mask"] if "tool_mask" in out else mask
        out["num_items_in_batch"] = loss_mask.sum()
    kept = rows - len(groups) * size
    if kept == 0:
        scale = 0.0
    elif loss_type in ROW_NORMALISED_LOSSES:
        scale = rows / kept
    else:
        scale = 1.0
    out[LOSS_SCALE] = torch.tensor(scale, device=mask.device)
    return out


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


class StopOnInterrupt(TrainerCallback):
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

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        """The Ctrl-C handler, for the training loop's duration."""
        previous = signal.signal(signal.SIGINT, self._handler)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, previous)

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> Any:
        if self.requested:
            control.should_save = True
            control.should_training_stop = True
        elif state.global_step >= state.max_steps:
            control.should_save = True  # the last step is always saved
        return control
