"""The math environment: a pool fixed by seed and size, exact golds, loaders, prompts."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from rlvr import RecordError, get_environment
from rlvr.environments.math import MathEnvironment
from rlvr.environments.math_problems import FAMILIES
from rlvr.verifiers.math import MathVerifier

POOL = MathEnvironment(seed=0, size=600)
ALL = POOL.problems("train") + POOL.problems("heldout")


def test_registered_through_its_entry_point() -> None:
    env = get_environment("math", seed=0, size=10)
    assert isinstance(env, MathEnvironment)
    assert env.verifier == "math"


def test_pool_has_the_requested_size_of_distinct_problems() -> None:
    assert len(ALL) == 600
    assert len({p["id"] for p in ALL}) == 600
    assert len({(p["prompt"], p["answer"]) for p in ALL}) == 600


def test_splits_are_disjoint_and_roughly_the_requested_fraction() -> None:
    train = {p["id"] for p in POOL.problems("train")}
    heldout = {p["id"] for p in POOL.problems("heldout")}
    assert not train & heldout
    assert 0.04 < len(heldout) / 600 < 0.18


@pytest.mark.usefixtures("no_pool_cache")  # two real builds, never one read back
def test_the_pool_is_fixed_by_seed_and_a_larger_pool_extends_a_smaller_one() -> None:
    again = MathEnvironment(seed=0, size=600).problems("train")
    assert again == POOL.problems("train")
    larger_ids = {p["id"] for p in MathEnvironment(seed=0, size=900).problems("train")}
    assert {p["id"] for p in POOL.problems("train")} <= larger_ids
    other_seed = {p["id"] for p in MathEnvironment(seed=1, size=600).problems("train")}
    assert len(other_seed & {p["id"] for p in POOL.problems("train")}) < 300


def test_a_problem_keeps_its_split_in_every_pool() -> None:
    heldout = {p["id"] for p in POOL.problems("heldout")}
    larger_train = {p["id"] for p in MathEnvironment(seed=0, size=900).problems("train")}
    assert not heldout & larger_train


def test_every_family_and_difficulty_appears() -> None:
    assert set(Counter(p["meta"]["family"] for p in ALL)) == set(FAMILIES)
    assert set(Counter(p["difficulty"] for p in ALL)) == {1, 2, 3, 4, 5}


def test_every_gold_answer_verifies_against_itself() -> None:
    verifier = MathVerifier()
    failures = [
        (p["meta"]["family"], p["answer"])
        for p in ALL
        if verifier.verify(p, f"So the answer is \\boxed{{{p['answer']}}}.").reward != 1
    ]
    assert failures == []


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_a_wrong_answer_of_each_family_scores_zero(family: str) -> None:
    verifier = MathVerifier()
    problems = [p for p in ALL if p["meta"]["family"] == family][:20]
    assert problems
    for problem in problems:
        wrong = f"\\boxed{{{problem['answer']} + 1}}"
        if problem["answer"].startswith(("(", "\\left\\{")):
            wrong = "\\boxed{(100, 100)}"
        assert verifier.verify(problem, wrong).reward == 0, problem


@pytest.mark.parametrize(
    "family", ["arithmetic", "fractions", "order_of_operations", "expand", "factor"]
)
def test_boxing_the_question_of_each_family_scores_zero(family: str) -> None:
    """The question's own expression is never its answer (issue 24): a policy that boxes it
    has computed nothing."""
    verifier = MathVerifier()
    problems = [p for p in ALL if p["meta"]["family"] == family][:20]
    assert problems
    for problem in problems:
        expression = re.search(r"\$([^$]+)\$", problem["prompt"])
        assert expression, problem["prompt"]
        verdict = verifier.verify(problem, f"\\boxed{{{expression.group(1)}}}")
        assert (verdict.reward, verdict.info["status"]) == (0, "not_computed"), problem


def test_max_difficulty_keeps_the_easy_problems() -> None:
    easy = MathEnvironment(size=40, max_difficulty=1).problems()
    assert {p["difficulty"] for p in easy} == {1}


def test_families_can_be_restricted_and_are_validated() -> None:
    env = MathEnvironment(size=50, families=["arithmetic", "modular"])
    assert {p["meta"]["family"] for p in env.problems()} <= {"arithmetic", "modular"}
    with pytest.raises(ValueError, match="unknown math families"):
        MathEnvironment(families=["calculus"])
    with pytest.raises(ValueError, match="fewer than"):
        MathEnvironment(size=10_000, families=["counting"]).problems()


def test_prompt_is_one_worked_exchange_then_the_question() -> None:
    problem = ALL[0]
    shot_user, shot_answer, question = POOL.prompt(problem)
    assert [m["role"] for m in (shot_user, shot_answer, question)] == ["user", "assistant", "user"]
    assert MathVerifier().verify({"answer": "32"}, shot_answer["content"]).reward == 1
    assert problem["prompt"] in question["content"]
    assert "\\boxed{}" in question["content"]
    (bare,) = MathEnvironment(size=5, shots=0).prompt(problem)
    assert bare["role"] == "user"


def test_training_gives_partial_credit_for_an_unboxed_right_answer() -> None:
    assert MathEnvironment.training_verifier_options == {"unboxed_credit": 0.5}


def test_data_file_in_public_and_plain_formats(tmp_path: Path) -> None:
    rows = [
        {"question": "Two plus two?", "answer": "2 + 2 = 4\n#### 4"},
        {"problem": "Half of one?", "solution": "It is $\\boxed{\\frac12}$.", "level": "Level 2"},
        {"question": "Three times three?", "answer": "9"},
        {"prompt": "Roots of x^2 = 1?", "answer": "\\{-1, 1\\}", "mode": "lenient"},
    ]
    path = tmp_path / "mine.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    env = MathEnvironment(data=path, heldout_fraction=0.0, mode="strict")
    problems = env.problems("train")
    assert [p["answer"] for p in problems] == ["4", "\\frac12", "9", "\\{-1, 1\\}"]
    assert [p["prompt"] for p in problems][:3] == [
        "Two plus two?",
        "Half of one?",
        "Three times three?",
    ]
    assert problems[1]["difficulty"] == 2
    assert [p["mode"] for p in problems] == ["strict", "strict", "strict", "lenient"]
    assert env.problems("heldout") == []


def test_a_bad_data_file_names_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"question": "ok", "answer": "1"}\n{"answer": "2"}\n')
    with pytest.raises(RecordError, match=r"bad.jsonl:2: field 'prompt'"):
        MathEnvironment(data=path).problems()


def test_problems_cli_prints_records(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("problems", "math", "--split", "heldout", "--limit", "3", "--seed", "5")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 3
    heldout = {p["id"] for p in MathEnvironment(seed=5).problems("heldout")}
    assert {r["id"] for r in records} <= heldout
