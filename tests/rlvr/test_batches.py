"""Batch composition: environment shares and the sampler layout GRPOTrainer expects."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from curricula.uniform import UniformCurriculum
from rlvr.batches import CurriculumSampler, split_by_weight


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


def test_sampler_yields_each_problem_group_size_times_in_env_shares() -> None:
    problems = {env: [{"id": f"{env}-{i}"} for i in range(10)] for env in ("a", "b")}
    curricula = {env: UniformCurriculum(p, seed=1) for env, p in problems.items()}
    index_of = {p["id"]: i for i, p in enumerate(problems["a"] + problems["b"])}
    sampler = CurriculumSampler(
        curricula, {"a": 3, "b": 1}, index_of, problems_per_step=4, group_size=2, max_steps=3
    )
    indices = list(sampler)
    assert len(indices) == len(sampler) == 3 * 4 * 2
    for step in range(3):
        block = indices[step * 8 : (step + 1) * 8]
        assert block[0::2] == block[1::2]  # each problem twice in a row
        envs = ["a" if i < 10 else "b" for i in block[0::2]]
        assert (envs.count("a"), envs.count("b")) == (3, 1)
    resumed = CurriculumSampler(
        curricula,
        {"a": 3, "b": 1},
        index_of,
        problems_per_step=4,
        group_size=2,
        max_steps=3,
        first_step=1,
    )
    assert list(resumed) == indices[8:]
