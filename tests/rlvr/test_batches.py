"""Batch composition: environment shares and the sampler layout GRPOTrainer expects."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rlvr.batches import StepPlan, StepSampler, split_by_weight
from rlvr.curricula.uniform import UniformCurriculum


@given(
    st.dictionaries(st.sampled_from("abcdef"), st.floats(0.01, 100), min_size=1, max_size=6),
    st.integers(0, 200),
)
def test_split_by_weight_fills_every_slot_and_every_env(
    weights: dict[str, float], extra: int
) -> None:
    total = len(weights) + extra
    counts = split_by_weight(total, weights)
    assert sum(counts.values()) == total
    assert set(counts) == set(weights)
    assert min(counts.values()) >= 1
    norm = sum(weights.values())
    for name, count in counts.items():  # within one slot of the exact share of the spare slots
        assert abs((count - 1) - extra * weights[name] / norm) < 1 + 1e-9


def test_split_by_weight_examples() -> None:
    assert split_by_weight(4, {"math": 1, "code": 1, "if": 1}) == {"code": 2, "if": 1, "math": 1}
    assert split_by_weight(12, {"math": 2, "code": 1}) == {"code": 4, "math": 8}
    with pytest.raises(ValueError, match="cannot hold"):
        split_by_weight(1, {"math": 1, "code": 1})


def _plan(group_size: int = 2) -> tuple[StepPlan, list[dict[str, str]]]:
    problems = {env: [{"id": f"{env}-{i}"} for i in range(10)] for env in ("a", "b")}
    curricula = {env: UniformCurriculum(p, seed=1) for env, p in problems.items()}
    rows = [{"problem_id": p["id"], "prompt": f"solve {p['id']}"} for p in problems["a"]]
    rows += [{"problem_id": p["id"], "prompt": f"solve {p['id']}"} for p in problems["b"]]
    plan = StepPlan(curricula, {"a": 3, "b": 1}, rows, problems_per_step=4, group_size=group_size)
    return plan, rows


def test_plan_repeats_each_problem_group_size_times_in_env_shares() -> None:
    plan, _ = _plan()
    for step in range(3):
        rows = plan.rows_for(step)
        ids = [row["problem_id"] for row in rows]
        assert len(ids) == 8
        assert ids[0::2] == ids[1::2]  # each problem twice in a row, TRL's group layout
        envs = [pid.split("-")[0] for pid in ids[0::2]]
        assert (envs.count("a"), envs.count("b")) == (3, 1)
        assert rows[0]["prompt"] == f"solve {ids[0]}"
    assert plan.rows_for(0) != plan.rows_for(1)  # the uniform curriculum moves on


def test_plan_slices_a_step_across_processes() -> None:
    plan, _ = _plan()
    whole = plan.rows_for(5)
    halves = [plan.rows_for(5, rank=r, world_size=2) for r in range(2)]
    assert halves[0] + halves[1] == whole
    quarters = [plan.rows_for(5, rank=r, world_size=4) for r in range(4)]
    assert [row for part in quarters for row in part] == whole
    with pytest.raises(ValueError, match="do not split over 3 processes"):
        plan.rows_for(5, rank=0, world_size=3)


def test_rows_are_copies() -> None:
    plan, rows = _plan()
    plan.rows_for(0)[0]["prompt"] = "changed"
    assert all(row["prompt"].startswith("solve") for row in rows)


def test_sampler_counts_the_remaining_steps() -> None:
    sampler = StepSampler(8, max_steps=3)
    assert len(list(sampler)) == len(sampler) == 24
    assert set(sampler) == {0}
    assert len(StepSampler(8, max_steps=3, first_step=1)) == 16
