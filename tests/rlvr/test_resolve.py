"""One rule for which verifier scores a row, one builder for environments and prompts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rlvr.config import EnvConfig
from rlvr.errors import RecordError, UserError
from rlvr.resolve import (
    VerifierResolver,
    build_environment,
    plan_verifiers,
    pool_key,
    render_prompt,
)
from rlvr.verifiers.math import MathVerifier

MATH_ROW = {"id": "m1", "env": "math", "prompt": "1+1?", "answer": "2"}
BOTH = {**MATH_ROW, "instruction_id_list": [], "kwargs": []}
"""A row that the math and the if verifiers can both read."""


def test_a_rows_own_verifier_wins_then_the_config_then_the_environment() -> None:
    resolver = VerifierResolver()
    assert resolver.verifier_for(BOTH) == "math"  # the environment declares it
    assert resolver.verifier_for(BOTH, "if") == "if"  # the run config's choice
    own = {**BOTH, "verifier": "math"}
    assert resolver.verifier_for(own, "if") == "math"  # the row's own beats the config
    with pytest.raises(RecordError, match="field 'instruction_id_list'"):
        resolver.verifier_for(MATH_ROW, "if")  # checked for the verifier chosen


def test_required_fields_are_checked_before_anything_is_scored() -> None:
    resolver = VerifierResolver()
    with pytest.raises(RecordError, match="field 'answer': missing; verifier 'math' needs it"):
        resolver.verifier_for({"id": "m", "env": "math", "prompt": "p"})
    with pytest.raises(RecordError, match="unknown environment 'nope'; installed: "):
        resolver.verifier_for({"id": "m", "env": "nope", "prompt": "p"})


def test_training_plans_add_the_environments_shaping_options_evaluation_does_not() -> None:
    environment = build_environment("math", None, 0)
    problems = [MATH_ROW, {**MATH_ROW, "id": "m2"}]
    train = plan_verifiers(
        "math", environment, None, problems, training=True, where="environment 'math'"
    )
    judge = plan_verifiers(
        "math", environment, None, problems, training=False, where="environment 'math'"
    )
    assert train.keys == judge.keys == [pool_key("math", "math")] * 2
    assert train.names == ["math", "math"]
    (trained,) = train.verifiers.values()
    (judged,) = judge.verifiers.values()
    assert isinstance(trained, MathVerifier)
    assert isinstance(judged, MathVerifier)
    assert trained.unboxed_credit > 0  # partial credit while learning to box
    assert judged.unboxed_credit == 0  # evaluation judges strictly


def test_a_plan_names_where_and_which_problem_lacks_a_field() -> None:
    with pytest.raises(UserError, match=r"--data rows\.jsonl: problem 'bad': field 'answer'"):
        plan_verifiers(
            "math",
            None,
            None,
            [MATH_ROW, {"id": "bad", "env": "math", "prompt": "p"}],
            training=False,
            where="--data rows.jsonl",
        )


def test_a_custom_environment_is_its_data_and_verifier(tmp_path: Path) -> None:
    data = tmp_path / "rows.jsonl"
    rows = [{"id": f"t{i}", "prompt": [{"role": "user", "content": f"q{i}"}]} for i in range(5)]
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    environment = build_environment("mytask", EnvConfig(data=str(data), verifier="if"), 0)
    assert environment is not None
    assert environment.verifier == "if"
    problem = environment.problems("train")[0]
    assert render_prompt(environment, problem) == problem["prompt"]


def test_an_unknown_environment_without_rows_is_a_user_error() -> None:
    with pytest.raises(UserError, match=r"unknown environment 'nope'; installed: .*math"):
        build_environment("nope", None, 0)
    assert build_environment("nope", None, 0, rows_elsewhere=True) is None


def test_prompts_of_rows_without_an_environment_are_used_as_written() -> None:
    assert render_prompt(None, {"prompt": "hi"}) == [{"role": "user", "content": "hi"}]
    messages = [{"role": "system", "content": "s"}, {"role": "user", "content": "u"}]
    assert render_prompt(None, {"prompt": messages}) == messages
