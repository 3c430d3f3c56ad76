"""The uniform curriculum: a pure function of (seed, problems, size, step), epoch by epoch."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rlvr import Curriculum
from rlvr.curricula.uniform import UniformCurriculum


def problems(n: int) -> list[dict[str, str]]:
    return [{"id": f"p{i:03d}", "prompt": f"problem {i}"} for i in range(n)]


def stream(curriculum: UniformCurriculum, size: int, steps: int) -> list[str]:
    return [pid for step in range(steps) for pid in curriculum.next_batch(size, step)]


def test_is_a_curriculum() -> None:
    assert isinstance(UniformCurriculum(problems(3), seed=0), Curriculum)


def test_same_seed_and_step_give_the_same_batch_in_any_call_order() -> None:
    first = UniformCurriculum(problems(10), seed=7)
    forward = [first.next_batch(4, step) for step in range(8)]
    second = UniformCurriculum(problems(10), seed=7)
    backward = [second.next_batch(4, step) for step in reversed(range(8))][::-1]
    assert forward == backward
    assert first.next_batch(4, 3) == forward[3]  # asking again changes nothing


def test_input_order_of_problems_does_not_matter() -> None:
    shuffled = problems(12)[::-1]
    assert stream(UniformCurriculum(shuffled, seed=1), 5, 6) == stream(
        UniformCurriculum(problems(12), seed=1), 5, 6
    )


@pytest.mark.parametrize(("n", "size"), [(10, 5), (10, 3), (7, 7), (5, 12), (1, 3)])
def test_every_problem_once_per_epoch(n: int, size: int) -> None:
    curriculum = UniformCurriculum(problems(n), seed=3)
    ids = sorted(p["id"] for p in problems(n))
    epochs = 4
    steps = -(-epochs * n // size)  # enough steps to cover the epochs
    drawn = stream(curriculum, size, steps)
    assert all(len(curriculum.next_batch(size, s)) == size for s in range(steps))
    for epoch in range(epochs):
        assert sorted(drawn[epoch * n : (epoch + 1) * n]) == ids


def test_epochs_are_shuffled_differently() -> None:
    curriculum = UniformCurriculum(problems(20), seed=0)
    drawn = stream(curriculum, 20, 3)
    assert drawn[:20] != drawn[20:40] or drawn[20:40] != drawn[40:60]
    assert drawn[:20] != sorted(drawn[:20])


def test_different_seeds_differ() -> None:
    batches = {
        tuple(stream(UniformCurriculum(problems(20), seed=seed), 10, 2)) for seed in range(5)
    }
    assert len(batches) == 5


def test_observe_counts_rewards_and_changes_no_batch() -> None:
    curriculum = UniformCurriculum(problems(6), seed=2)
    before = stream(curriculum, 4, 5)
    curriculum.observe({"p000": [1.0, 0.0, 1.0], "p001": [0.0]})
    curriculum.observe({})
    assert curriculum.state_dict()["observed"] == 4
    assert stream(curriculum, 4, 5) == before


def test_state_dict_round_trip() -> None:
    trained = UniformCurriculum(problems(9), seed=11)
    trained.next_batch(4, 0)
    trained.observe({"p003": [1.0, 1.0]})
    state = trained.state_dict()
    assert state == {"seed": 11, "n_problems": 9, "observed": 2}

    resumed = UniformCurriculum(problems(9), seed=0)
    resumed.load_state_dict(state)
    assert resumed.state_dict() == state
    assert [resumed.next_batch(4, s) for s in range(5, 12)] == [
        trained.next_batch(4, s) for s in range(5, 12)
    ]


def test_load_state_dict_for_another_problem_count_raises() -> None:
    state = UniformCurriculum(problems(9), seed=1).state_dict()
    curriculum = UniformCurriculum(problems(8), seed=5)
    with pytest.raises(ValueError, match="state is for 9 problems, this run has 8"):
        curriculum.load_state_dict(state)
    assert curriculum.state_dict()["seed"] == 5  # left as it was


def test_duplicate_ids_are_rejected() -> None:
    with pytest.raises(ValueError, match="unique"):
        UniformCurriculum([{"id": "a"}, {"id": "a"}], seed=0)


def test_no_problems_cannot_draw() -> None:
    curriculum = UniformCurriculum([], seed=0)
    with pytest.raises(ValueError, match="no problems"):
        curriculum.next_batch(1, 0)


@given(
    n=st.integers(1, 30),
    size=st.integers(1, 40),
    seed=st.integers(0, 2**32),
    steps=st.integers(1, 10),
)
def test_property_stream_is_a_sequence_of_permutations(
    n: int, size: int, seed: int, steps: int
) -> None:
    curriculum = UniformCurriculum(problems(n), seed=seed)
    drawn = stream(curriculum, size, steps)
    assert len(drawn) == size * steps
    counts = Counter(drawn)
    # After any number of draws, no problem is more than one epoch ahead of another.
    assert max(counts.values()) - min(counts.get(p["id"], 0) for p in problems(n)) <= 1
    for start in range(0, len(drawn) - n + 1, n):
        assert len(set(drawn[start : start + n])) == n
