"""The countdown verifier: its own examples, the rules, and rows that are broken."""

from __future__ import annotations

import pickle
from typing import Any

import pytest
from rlvr_countdown import CountdownVerifier

from rlvr import Verdict

PUZZLE = {"numbers": [25, 7, 4], "target": 72}


def answer(expression: str) -> str:
    return f"<think>trying</think><answer>{expression}</answer>"


@pytest.mark.parametrize(("problem", "completion", "expected"), CountdownVerifier().examples())
def test_examples_score_as_they_say(
    problem: dict[str, Any], completion: str, expected: float
) -> None:
    verdict = CountdownVerifier().verify(problem, completion)
    assert verdict.reward == expected, verdict.info


@pytest.mark.parametrize(
    ("completion", "status"),
    [
        (answer("(25 - 7) * 4"), "correct"),
        ("<answer>1</answer> on second thought <answer>(25 - 7) * 4</answer>", "correct"),
        (answer("(25 - 7) * 4 * 1"), "wrong_numbers"),
        (answer("(25 - 7) * 7"), "wrong_numbers"),
        (answer("25 * 4 - 7"), "wrong_value"),
        (answer("72"), "wrong_numbers"),
        (answer(""), "unparseable"),
        (answer("(25 - 7) * 4 = 72 = 72"), "unparseable"),
        (answer("9" * 300), "too_long"),
        ("(25 - 7) * 4", "no_answer"),
        ("", "no_answer"),
    ],
)
def test_statuses(completion: str, status: str) -> None:
    verdict = CountdownVerifier().verify(PUZZLE, completion)
    assert verdict.info["status"] == status
    assert verdict.reward == (1.0 if status == "correct" else 0.0)


def test_use_all_false_allows_leaving_numbers_out() -> None:
    lenient = CountdownVerifier(use_all=False)
    assert lenient.verify({"numbers": [9, 8, 3], "target": 72}, answer("9 * 8")).reward == 1.0
    assert lenient.verify({"numbers": [9, 8, 3], "target": 72}, answer("9 * 8 * 1")).reward == 0.0


def test_format_credit_rewards_a_well_formed_miss_only() -> None:
    verifier = CountdownVerifier(format_credit=0.1)
    assert verifier.verify(PUZZLE, answer("25 + 7 + 4")).reward == 0.1
    assert verifier.verify(PUZZLE, answer("25 + 7")).reward == 0.0  # 4 unused
    assert verifier.verify(PUZZLE, "no tags").reward == 0.0
    with pytest.raises(ValueError, match="format_credit"):
        CountdownVerifier(format_credit=1.0)


@pytest.mark.parametrize(
    "problem",
    [
        {"numbers": "25 7 4", "target": 72},
        {"numbers": [], "target": 72},
        {"numbers": [25, 7.5], "target": 72},
        {"numbers": [25, 7, 4], "target": "72"},
        {"numbers": [True, 7], "target": 72},
    ],
)
def test_a_broken_row_is_an_error_not_a_zero(problem: dict[str, Any]) -> None:
    verdict = CountdownVerifier().verify(problem, answer("(25 - 7) * 4"))
    assert verdict.is_error
    assert "numbers" in verdict.info["error"]


def test_it_pickles_with_its_options() -> None:
    copy = pickle.loads(pickle.dumps(CountdownVerifier(use_all=False, format_credit=0.2)))
    assert copy.use_all is False
    assert copy.format_credit == 0.2
    assert isinstance(copy.verify(PUZZLE, answer("25 + 7")), Verdict)
