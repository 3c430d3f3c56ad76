"""Every registered curriculum (built-ins and installed plugins) keeps the contract the trainer
relies on: batches of the asked size from its own problems, a pure function of (state, size,
step), outcomes accepted as {problem id: group rewards}, and a JSON state that resumes."""

from __future__ import annotations

import inspect
import json
import random
from typing import Any

import pytest

from rlvr import Curriculum
from rlvr.registry import Registry

REGISTRY = Registry()
NAMES = REGISTRY.names("curricula")
SIZES = (1, 3, 8)


def problems(n: int = 12) -> list[dict[str, Any]]:
    return [
        {"id": f"c{i:02d}", "env": "demo", "prompt": f"task {i}", "difficulty": 1 + i % 5}
        for i in range(n)
    ]


def create(name: str, pool: list[dict[str, Any]], seed: int = 0) -> Any:
    """As `rlvr train` builds one: the run's length given when the factory takes it."""
    factory = REGISTRY.factory("curricula", name)
    options = {"total_steps": 20} if "total_steps" in inspect.signature(factory).parameters else {}
    return REGISTRY.create("curricula", name, pool, seed=seed, **options)


def outcomes_for(batch: list[str], step: int) -> dict[str, list[float]]:
    """Rewards that depend on the problem and the step only, so two runs can be fed alike."""
    rng = random.Random(f"{step}/{','.join(batch)}")
    return {pid: [float(rng.random() < 0.5) for _ in range(4)] for pid in batch}


def drive(curriculum: Any, size: int, steps: range) -> list[list[str]]:
    batches = []
    for step in steps:
        batch = curriculum.next_batch(size, step)
        batches.append(batch)
        curriculum.observe(outcomes_for(batch, step))
    return batches


def test_the_built_ins_are_registered() -> None:
    assert {"uniform", "pass_rate"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_is_a_curriculum(name: str) -> None:
    assert isinstance(create(name, problems()), Curriculum)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("size", SIZES)
def test_batches_have_the_size_asked_drawn_from_its_problems(name: str, size: int) -> None:
    pool = problems()
    ids = {p["id"] for p in pool}
    curriculum = create(name, pool)
    for batch in drive(curriculum, size, range(10)):
        assert len(batch) == size
        assert set(batch) <= ids


@pytest.mark.parametrize("name", NAMES)
def test_same_state_and_step_give_the_same_batch(name: str) -> None:
    first, second = create(name, problems(), seed=4), create(name, problems(), seed=4)
    assert drive(first, 3, range(8)) == drive(second, 3, range(8))
    # asking again, or out of order, draws nothing new and changes nothing
    state = first.state_dict()
    later = [first.next_batch(3, step) for step in (12, 9, 12)]
    assert later[0] == later[2]
    assert first.state_dict() == state


@pytest.mark.parametrize("name", NAMES)
def test_state_is_json_and_a_resumed_copy_continues_the_same_schedule(name: str) -> None:
    original = create(name, problems(), seed=2)
    drive(original, 3, range(6))
    state = json.loads(json.dumps(original.state_dict()))
    resumed = create(name, problems(), seed=99)
    resumed.load_state_dict(state)
    assert resumed.state_dict() == original.state_dict()
    assert drive(resumed, 3, range(6, 14)) == drive(original, 3, range(6, 14))
    assert resumed.state_dict() == original.state_dict()


@pytest.mark.parametrize("name", NAMES)
def test_empty_outcomes_are_accepted(name: str) -> None:
    curriculum = create(name, problems())
    curriculum.observe({})
    assert len(curriculum.next_batch(2, 0)) == 2
