"""The trackers (tensorboard, wandb, trackio) under the names metrics.jsonl uses.

transformers' tracker callbacks pass every logged key through `rewrite_logs`, which prefixes
it with "train/": a user would find `env/math/pass_rate` of metrics.jsonl as
`train/env/math/pass_rate` on the dashboard, and a script reading both would need two names.
rlvr installs a subclass of each stock callback in its place (same position, same
configuration: the stock constructor runs): TRL's and transformers' own keys still go through
the stock `on_log`, so they keep the usual naming, and rlvr's keys (`is_rlvr_metric`) go to the
same writer or run under their metrics.jsonl names, at the same global step. Only the stock
classes themselves are replaced: a callback a user subclassed is left alone.

Run name and project: `run_name` reaches wandb and trackio as the run's name, `project`
reaches wandb (WANDB_PROJECT) and trackio (`project`); tensorboard names a run by its folder
(TENSORBOARD_LOGGING_DIR, else <output_dir>/runs/<time>_<host>). wandb and trackio are logged
twice per step (TRL's keys, then rlvr's, each with `train/global_step`, which transformers
makes their x-axis), since a stock `on_log` commits its row itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from transformers import TrainerCallback
from transformers.integrations import TensorBoardCallback, TrackioCallback, WandbCallback

RLVR_NAMESPACES = ("env/", "pool/", "genrm/", "curriculum/", "dynamic_sampling/")
"""Prefixes of rlvr's metric names; TRL and transformers use none of them."""
RLVR_NAMES = frozenset(
    {"zero_variance_groups", "zero_variance_groups_in_update", "step_seconds", "tokens_per_second"}
)
"""rlvr's run-wide metrics without a namespace."""


def is_rlvr_metric(name: str) -> bool:
    """Whether a logged key is one of rlvr's metrics (kept as metrics.jsonl names it)."""
    return name in RLVR_NAMES or name.startswith(RLVR_NAMESPACES)


def _split(logs: Mapping[str, Any] | None) -> tuple[dict[str, Any], dict[str, float]]:
    """(TRL's and transformers' keys, rlvr's numeric keys)."""
    theirs: dict[str, Any] = {}
    ours: dict[str, float] = {}
    for key, value in (logs or {}).items():
        if is_rlvr_metric(key) and isinstance(value, int | float) and not isinstance(value, bool):
            ours[key] = float(value)
        else:
            theirs[key] = value
    return theirs, ours


class RLVRTensorBoardCallback(TensorBoardCallback):
    """transformers' TensorBoardCallback; rlvr's metrics under their own names."""

    def on_log(self, args: Any, state: Any, control: Any, logs: Any = None, **kwargs: Any) -> None:
        theirs, ours = _split(logs)
        super().on_log(args, state, control, logs=theirs, **kwargs)  # opens the writer if needed
        if not ours or not state.is_world_process_zero or self.tb_writer is None:
            return
        for key, value in ours.items():
            self.tb_writer.add_scalar(key, value, state.global_step)
        self.tb_writer.flush()


class _RunLogged:
    """For trackers whose stock `on_log` logs a row to a run object (`client`: the attribute
    holding the library once set up): rlvr's metrics go to the same run as a row of their own,
    under their own names, at the same `train/global_step`."""

    client: str

    def on_log(
        self,
        args: Any,
        state: Any,
        control: Any,
        model: Any = None,
        logs: Any = None,
        **kwargs: Any,
    ) -> None:
        theirs, ours = _split(logs)
        # the stock on_log first: it sets up the run
        super().on_log(args, state, control, model=model, logs=theirs, **kwargs)  # type: ignore[misc]
        library = getattr(self, self.client, None)
        if ours and state.is_world_process_zero and library is not None:
            library.log({**ours, "train/global_step": state.global_step})


class RLVRWandbCallback(_RunLogged, WandbCallback):
    """transformers' WandbCallback; rlvr's metrics under their own names."""

    client = "_wandb"


class RLVRTrackioCallback(_RunLogged, TrackioCallback):
    """transformers' TrackioCallback; rlvr's metrics under their own names."""

    client = "_trackio"


REPLACEMENTS: dict[type, type] = {
    TensorBoardCallback: RLVRTensorBoardCallback,
    WandbCallback: RLVRWandbCallback,
    TrackioCallback: RLVRTrackioCallback,
}
"""Each stock tracker callback and rlvr's subclass of it."""


def with_rlvr_trackers(callbacks: list[TrainerCallback]) -> list[TrainerCallback]:
    """The callbacks with each stock tracker callback replaced by rlvr's, in place in the
    order (a stock callback is a default the trainer built from `report_to`; building the
    subclass runs the same constructor, so it is configured the same way)."""
    replaced: list[TrainerCallback] = []
    for callback in callbacks:
        ours = REPLACEMENTS.get(type(callback))
        replaced.append(ours() if ours is not None else callback)
    return replaced
