"""The countdown environment: a pool fixed by seed and size, solvable puzzles, a stable split."""

from __future__ import annotations

from typing import Any

import pytest
from rlvr_countdown import CountdownEnvironment, CountdownVerifier


def pool(**options: Any) -> list[dict[str, Any]]:
    env = CountdownEnvironment(**options)
    return env.problems("train") + env.problems("heldout")


def test_every_puzzle_is_solved_by_its_own_solution() -> None:
    verifier = CountdownVerifier()
    problems = pool(size=300)
    assert len(problems) == 300
    for problem in problems:
        completion = f"<answer>{problem['meta']['solution']}</answer>"
        assert verifier.verify(problem, completion).reward == 1.0, problem
        assert 10 <= problem["target"] <= 999
        assert problem["target"] not in problem["numbers"]
        assert problem["difficulty"] == len(problem["numbers"]) - 2
        assert str(problem["target"]) in problem["prompt"]


def test_the_pool_is_fixed_by_seed_and_a_larger_pool_extends_a_smaller_one() -> None:
    assert pool(size=50) == pool(size=50)
    assert pool(size=50, seed=1) != pool(size=50)
    small = {p["id"] for p in pool(size=50)}
    large = {p["id"] for p in pool(size=200)}
    assert small < large


def test_ids_are_unique_and_splits_are_disjoint_and_stable() -> None:
    env = CountdownEnvironment(size=500)
    train, heldout = env.problems("train"), env.problems("heldout")
    ids = [p["id"] for p in train + heldout]
    assert len(ids) == len(set(ids)) == 500
    assert not {p["id"] for p in train} & {p["id"] for p in heldout}
    assert 20 < len(heldout) < 90  # about a tenth
    other_seed = CountdownEnvironment(size=500, seed=7)
    for problem in other_seed.problems("heldout"):
        assert env.split_of(problem["id"]) == "heldout"


def test_prompt_is_one_user_message() -> None:
    env = CountdownEnvironment(size=5)
    (problem, *_) = env.problems()
    assert env.prompt(problem) == [{"role": "user", "content": problem["prompt"]}]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"size": 0}, "size"),
        ({"counts": [1]}, "counts"),
        ({"heldout_fraction": 1.0}, "heldout_fraction"),
        ({"size": 50, "counts": [2], "max_number": 3}, "distinct puzzles"),
    ],
)
def test_bad_options_say_which(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        pool(**options)
