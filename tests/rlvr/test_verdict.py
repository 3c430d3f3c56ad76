"""rlvr.Verdict: a reward in [0, 1], or None for an infrastructure fault."""

from __future__ import annotations

import dataclasses
import math

import pytest

from rlvr import Verdict


@pytest.mark.parametrize(
    ("reward", "stored"),
    [(0.0, 0.0), (1.0, 1.0), (0.25, 0.25), (0, 0.0), (1, 1.0), (5e-324, 5e-324)],
)
def test_reward_in_bounds_is_kept_as_float(reward: float, stored: float) -> None:
    verdict = Verdict(reward, {"why": "test"})
    assert verdict.reward == stored
    assert type(verdict.reward) is float
    assert verdict.info == {"why": "test"}
    assert not verdict.is_error


@pytest.mark.parametrize("reward", [-0.001, 1.000001, 2, -1, math.inf, -math.inf, math.nan])
def test_reward_out_of_bounds_or_not_finite_is_rejected(reward: float) -> None:
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        Verdict(reward)


@pytest.mark.parametrize("reward", [True, False, "1.0", [1.0], {"reward": 1.0}, 1j])
def test_reward_of_wrong_type_is_rejected(reward: object) -> None:
    with pytest.raises(TypeError, match=r"Verdict\.reward"):
        Verdict(reward)  # type: ignore[arg-type]


def test_none_reward_is_an_error() -> None:
    verdict = Verdict(None)
    assert verdict.reward is None
    assert verdict.is_error
    assert verdict.info == {}


@pytest.mark.parametrize("reward", [None, 0.5])
@pytest.mark.parametrize("info", ["text", ["a"], None, 3])
def test_info_must_be_a_dict(reward: float | None, info: object) -> None:
    with pytest.raises(TypeError, match=r"Verdict\.info"):
        Verdict(reward, info)  # type: ignore[arg-type]


def test_error_constructor_carries_message_and_extra_info() -> None:
    verdict = Verdict.error("sandbox did not start", status="spawn failed", code=127)
    assert verdict.reward is None
    assert verdict.is_error
    assert verdict.info == {"error": "sandbox did not start", "status": "spawn failed", "code": 127}


def test_default_info_is_not_shared_between_verdicts() -> None:
    first, second = Verdict(1.0), Verdict(0.0)
    first.info["note"] = "x"
    assert second.info == {}


def test_verdict_is_frozen() -> None:
    verdict = Verdict(0.5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        verdict.reward = 1.0  # type: ignore[misc]


def test_numpy_scalars_are_rewards() -> None:
    import numpy as np

    verdict = Verdict(np.float32(0.5))
    assert verdict.reward == 0.5
    assert type(verdict.reward) is float
