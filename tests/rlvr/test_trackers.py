"""rlvr's metrics reach the trackers under metrics.jsonl's names; TRL's keep transformers'
"train/" prefix. Tensorboard is checked on a real event file; wandb and trackio (no network
here) on their callbacks' calls into the library."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from transformers import PrinterCallback
from transformers.integrations import TensorBoardCallback, TrackioCallback, WandbCallback

from rlvr.trackers import (
    RLVRTensorBoardCallback,
    RLVRTrackioCallback,
    RLVRWandbCallback,
    is_rlvr_metric,
    with_rlvr_trackers,
)

LOGS = {
    "loss": 0.25,
    "reward": 0.5,
    "completions/mean_length": 7.0,
    "env/math/pass_rate": 0.75,
    "env/math/curriculum/target": 0.5,
    "zero_variance_groups": 0.5,
    "zero_variance_groups_in_update": 0.0,
    "pool/actor_restarts": 0.0,
    "genrm/errors": 0.0,
    "dynamic_sampling/dropped_groups": 1.0,
    "step_seconds": 3.0,
}
STATE = SimpleNamespace(is_world_process_zero=True, global_step=7, is_hyper_param_search=False)


def test_rlvr_metric_names() -> None:
    rlvr = {k for k in LOGS if is_rlvr_metric(k)}
    assert rlvr == set(LOGS) - {"loss", "reward", "completions/mean_length"}
    assert not is_rlvr_metric("train/env/math/pass_rate")
    assert not is_rlvr_metric("environment_loss")


def test_tensorboard_holds_rlvr_metrics_under_their_own_names(tmp_path: Path) -> None:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    callback = RLVRTensorBoardCallback()
    args = SimpleNamespace(output_dir=str(tmp_path), to_json_string=lambda: "{}")
    callback.on_train_begin(args, STATE, None)
    callback.on_log(args, STATE, None, logs=dict(LOGS))
    callback.on_train_end(args, STATE, None)
    (events,) = tmp_path.rglob("events.out.tfevents.*")
    accumulator = EventAccumulator(str(events.parent))
    accumulator.Reload()
    tags = set(accumulator.Tags()["scalars"])
    expected = {k if is_rlvr_metric(k) else f"train/{k}" for k in LOGS}
    assert tags == expected
    (point,) = accumulator.Scalars("env/math/pass_rate")
    assert (point.step, point.value) == (7, 0.75)


class Recorder:
    """What a tracker library's module is asked to do."""

    def __init__(self) -> None:
        self.logged: list[dict[str, Any]] = []
        self.run = SimpleNamespace(summary={})

    def log(self, values: dict[str, Any]) -> None:
        self.logged.append(values)


@pytest.mark.parametrize(
    ("cls", "attribute"),
    [(RLVRWandbCallback, "_wandb"), (RLVRTrackioCallback, "_trackio")],
)
def test_wandb_and_trackio_get_rlvr_metrics_under_their_own_names(
    cls: type, attribute: str
) -> None:
    callback = cls.__new__(cls)  # the library is not installed here: no constructor
    recorder = Recorder()
    setattr(callback, attribute, recorder)
    callback._initialized = True
    callback.on_log(SimpleNamespace(), STATE, None, logs=dict(LOGS))
    keys = {k for values in recorder.logged for k in values}
    assert {k for k in LOGS if is_rlvr_metric(k)} <= keys
    assert {"train/loss", "train/reward", "train/completions/mean_length"} <= keys
    assert not {k for k in keys if k.startswith("train/") and is_rlvr_metric(k[6:])}
    assert all(values["train/global_step"] == 7 for values in recorder.logged)


def test_only_the_stock_tracker_callbacks_are_replaced_in_place() -> None:
    class Mine(TensorBoardCallback):
        pass

    stock = TensorBoardCallback()
    mine = Mine()
    printer = PrinterCallback()
    replaced = with_rlvr_trackers([printer, stock, mine])
    assert replaced[0] is printer
    assert replaced[2] is mine
    assert type(replaced[1]) is RLVRTensorBoardCallback
    # wandb and trackio have theirs too (not built here: the libraries are not installed)
    assert issubclass(RLVRWandbCallback, WandbCallback)
    assert issubclass(RLVRTrackioCallback, TrackioCallback)
