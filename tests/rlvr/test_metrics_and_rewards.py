"""Step metrics and the TRL reward-function adapter."""

from __future__ import annotations

from typing import Any

import pytest

from rlvr import Verdict, reward_function
from rlvr.metrics import env_metrics, zero_variance_fraction
from rlvr.rewards import ProblemRewards, overlong_penalty
from rlvr.verifiers.math import MathVerifier


def test_zero_variance_fraction() -> None:
    assert zero_variance_fraction({"a": [1, 1], "b": [0, 1], "c": [0, 0, 0]}) == pytest.approx(
        2 / 3
    )
    assert zero_variance_fraction({"a": [1]}) is None
    assert zero_variance_fraction({}) is None


def test_env_metrics_separate_no_answer_wrong_and_errors() -> None:
    verdicts = [
        Verdict(1.0, {"status": "correct"}),
        Verdict(0.0, {"status": "no_answer"}),
        Verdict(0.0, {"status": "wrong"}),
        Verdict(0.5, {"status": "correct_unboxed"}),
        Verdict.error("sandbox down"),
    ]
    metrics = env_metrics("math", verdicts)
    assert metrics["env/math/completions"] == 5
    assert metrics["env/math/errors"] == 1
    assert metrics["env/math/pass_rate"] == 0.25
    assert metrics["env/math/mean_reward"] == pytest.approx(1.5 / 4)
    assert metrics["env/math/no_answer"] == 0.2
    assert metrics["env/math/wrong"] == 0.2


def test_reward_function_reads_problem_fields_from_dataset_columns() -> None:
    rewards = reward_function("math")
    out = rewards(
        prompts=["p1", "p2", "p3"],
        completions=["\\boxed{4}", [{"role": "assistant", "content": "\\boxed{5}"}], "\\boxed{5}"],
        answer=["4", "4", "5"],
        trainer_state=None,
        log_metric=lambda *a: None,
    )
    assert out == [1.0, 0.0, 1.0]
    assert rewards.__name__ == "rlvr_math"


def test_reward_function_accepts_options_and_instances() -> None:
    lenient = reward_function("math", mode="lenient")
    assert lenient(prompts=["p"], completions=["the answer is 4"], answer=["4"]) == [1.0]
    instance = reward_function(MathVerifier(unboxed_credit=0.25))
    assert instance(prompts=["p"], completions=["the answer is 4"], answer=["4"]) == [0.25]


def test_unboxed_credit_rewards_a_right_answer_without_a_box() -> None:
    verifier = MathVerifier(unboxed_credit=0.5)
    right = verifier.verify({"answer": "7"}, "3 + 4 = 7. The answer is 7.")
    assert (right.reward, right.info["status"]) == (0.5, "correct_unboxed")
    wrong = verifier.verify({"answer": "7"}, "The answer is 8.")
    assert (wrong.reward, wrong.info["status"]) == (0.0, "no_answer")
    boxed = verifier.verify({"answer": "7"}, "\\boxed{7}")
    assert boxed.reward == 1.0
    with pytest.raises(ValueError, match="unboxed_credit"):
        MathVerifier(unboxed_credit=1.0)


@pytest.mark.parametrize(
    ("length", "expected"),
    [(0, 0.0), (80, 0.0), (90, -0.5), (100, -1.0), (130, -1.0)],
)
def test_overlong_penalty_falls_linearly_over_the_buffer(length: int, expected: float) -> None:
    assert overlong_penalty(length, max_length=100, buffer=20) == pytest.approx(expected)


def test_overlong_shaping_composes_on_top_of_the_verifiers_reward() -> None:
    problems = {"p": {"id": "p", "env": "math", "answer": "4"}}
    rewards = ProblemRewards(problems, {"math": MathVerifier()}, overlong=(10, 4))
    out = rewards(
        prompts=["q"] * 4,
        completions=["\\boxed{4}", "\\boxed{4}", "\\boxed{5}", "\\boxed{5}"],
        problem_id=["p"] * 4,
        completion_ids=[[1] * 3, [1] * 10, [1] * 3, [1] * 8],
    )
    assert out == pytest.approx([1.0, 0.0, 0.0, -0.5])
    outcomes = rewards.take_outcomes()
    # the curriculum hears whether the problem was solved; the update gets the shaped reward
    assert outcomes.rewards_by_problem["p"] == [1.0, 1.0, 0.0, 0.0]
    assert outcomes.update_rewards_by_problem["p"] == pytest.approx([1.0, 0.0, 0.0, -0.5])
    assert all(0.0 <= v.reward <= 1.0 for v in outcomes.verdicts_by_env["math"])


def test_each_problem_is_scored_by_the_verifier_its_key_names() -> None:
    # rlvr/resolve.py's rule in training: a row's own `verifier` decides, else its env's.
    class Never:
        name = "never"

        def verify(self, problem: Any, completion: str) -> Verdict:
            return Verdict(0.0, {"by": "never"})

    problems = {
        "a": {"id": "a", "env": "mixed", "answer": "4"},
        "b": {"id": "b", "env": "mixed", "answer": "4", "verifier": "math"},
    }
    rewards = ProblemRewards(
        problems,
        {"mixed/never": Never(), "mixed/math": MathVerifier()},
        verifier_keys={"a": "mixed/never", "b": "mixed/math"},
    )
    out = rewards(prompts=["q"] * 2, completions=["\\boxed{4}"] * 2, problem_id=["a", "b"])
    assert out == [0.0, 1.0]
