"""The TRL methods RLVRTrainer overrides still exist with the signatures they were written
against (TRL 1.16.0): a TRL upgrade that renames or re-signs one fails here, not mid-run."""

from __future__ import annotations

import inspect

import pytest
import torch
from trl import GRPOTrainer

from rlvr.trainer import (
    OVERRIDDEN,
    TRL_INIT_ARGUMENTS,
    TRL_VERSION,
    RLVRTrainer,
    _no_variance,
    _splice,
)


@pytest.mark.parametrize("name", sorted(OVERRIDDEN))
def test_each_overridden_trl_method_keeps_its_recorded_signature(name: str) -> None:
    original = getattr(GRPOTrainer, name, None)
    assert original is not None, f"TRL no longer has GRPOTrainer.{name} (written for {TRL_VERSION})"
    assert str(inspect.signature(original)) == OVERRIDDEN[name], (
        f"GRPOTrainer.{name} changed since TRL {TRL_VERSION}: review RLVRTrainer.{name}"
    )


def test_every_override_is_recorded() -> None:
    overridden = {
        name
        for name, value in vars(RLVRTrainer).items()
        if callable(value) and name != "__init__" and hasattr(GRPOTrainer, name)
    }
    assert overridden == set(OVERRIDDEN)


def test_the_constructor_arguments_rlvr_passes_exist() -> None:
    parameters = inspect.signature(GRPOTrainer.__init__).parameters
    assert set(TRL_INIT_ARGUMENTS) <= set(parameters)


def test_splice_replaces_groups_and_pads_as_trl_does() -> None:
    pad = 9
    base = {
        "prompt_ids": torch.tensor([[pad, 1], [pad, 1], [2, 2], [2, 2]]),
        "prompt_mask": torch.tensor([[0, 1], [0, 1], [1, 1], [1, 1]]),
        "completion_ids": torch.tensor([[5, pad], [5, 6], [7, 7], [7, 7]]),
        "completion_mask": torch.tensor([[1, 0], [1, 1], [1, 1], [1, 1]]),
        "advantages": torch.tensor([-1.0, 1.0, 0.0, 0.0]),
        "num_items_in_batch": torch.tensor(7),
    }
    fresh = {
        "prompt_ids": torch.tensor([[3, 3, 3], [3, 3, 3]]),
        "prompt_mask": torch.tensor([[1, 1, 1], [1, 1, 1]]),
        "completion_ids": torch.tensor([[8], [8]]),
        "completion_mask": torch.tensor([[1], [1]]),
        "advantages": torch.tensor([0.5, -0.5]),
        "num_items_in_batch": torch.tensor(2),
    }
    out = _splice(base, fresh, slots=[1], size=2, pad_id=pad)
    # the flat group (rows 2-3) is replaced; prompts left-padded, completions right-padded
    assert out["prompt_ids"].tolist() == [[pad, pad, 1], [pad, pad, 1], [3, 3, 3], [3, 3, 3]]
    assert out["prompt_mask"].tolist() == [[0, 0, 1], [0, 0, 1], [1, 1, 1], [1, 1, 1]]
    assert out["completion_ids"].tolist() == [[5, pad], [5, 6], [8, pad], [8, pad]]
    assert out["completion_mask"].tolist() == [[1, 0], [1, 1], [1, 0], [1, 0]]
    assert out["advantages"].tolist() == [-1.0, 1.0, 0.5, -0.5]
    assert int(out["num_items_in_batch"]) == 5  # the tokens the loss now averages over
    with pytest.raises(RuntimeError, match="pixel_values"):
        _splice({**base, "pixel_values": torch.zeros(1)}, fresh, slots=[1], size=2, pad_id=pad)


def test_a_group_without_reward_variance() -> None:
    rewards = [1.0, 1.0, 0.0, 1.0, None, 0.0, None, None]
    assert [_no_variance(rewards, g, 2) for g in range(4)] == [True, False, True, True]
