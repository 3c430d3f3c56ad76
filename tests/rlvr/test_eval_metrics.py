"""`rlvr eval`'s metrics beside pass@k (avg@n, maj@k, the Math-Verify reading), its sample
log, and its settings (greedy decoding, sampling cuts), with scripted generators: no model."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from rlvr.errors import UserError
from rlvr.evaluate import (
    GenerationFailure,
    Policy,
    Settings,
    build_tasks,
    evaluate_tasks,
    policy_blocks,
    recorded_url,
    resolve_settings,
    sample_lines,
)
from rlvr.protocols import Message

PARITY = """\
from rlvr import Verdict


class ParityMetrics:
    name = "parity_metrics"

    def verify(self, problem, completion):
        return Verdict(float(len(completion) % 2 == 0), {"length": len(completion)})
"""


def scripted(answers: dict[str, list[Any]]) -> Any:
    """A generator answering each prompt (its last message, without the environment's
    instruction) with a fixed list."""

    def generate(prompts: Sequence[list[Message]], n: int, seeds: Sequence[int]) -> list[list[Any]]:
        return [answers[prompt[-1]["content"].split(" Give")[0]][:n] for prompt in prompts]

    return generate


def math_rows(write_jsonl: Any) -> Path:
    return write_jsonl(
        "math.jsonl",
        [
            {"id": "half", "env": "math", "prompt": "Half of 1?", "answer": "\\frac{1}{2}"},
            {"id": "nine", "env": "math", "prompt": "4 + 5?", "answer": "9"},
        ],
    )


ANSWERS = {
    # the right answer written three ways is one answer, and outvotes the 3 twice
    "Half of 1?": [
        *("\\boxed{\\frac{1}{2}}", "\\boxed{1/2}", "\\boxed{0.5}"),
        *("\\boxed{3}", "\\boxed{3}", "no idea"),
    ],
    # right once, outvoted by a wrong answer: pass@6 credits it, maj@6 does not
    "4 + 5?": ["\\boxed{9}", "\\boxed{8}", "\\boxed{8}", "\\boxed{7}", "I cannot", "\\boxed{8}"],
}


def test_avg_and_majority_vote_beside_pass_at_k(write_jsonl: Any) -> None:
    tasks = build_tasks(None, configs={}, env_seed=0, data=math_rows(write_jsonl), limit=None)
    settings = Settings(n=6, ks=(1, 6))
    block = policy_blocks(evaluate_tasks(scripted(ANSWERS), tasks, settings), settings)["math"]
    assert block["pass@6"] == 1.0
    assert block["avg@6"] == pytest.approx((3 / 6 + 1 / 6) / 2)
    assert block["avg@6"] == pytest.approx(block["pass@1"])  # 0/1 rewards: the same number
    assert block["maj@6"] == pytest.approx((1.0 + 0.0) / 2)
    # maj@1: the share of samples whose own answer is right, abstentions included in n
    assert block["maj@1"] == pytest.approx((3 / 6 + 1 / 6) / 2)
    low, high = block["maj@6_ci"]
    assert low <= block["maj@6"] <= high
    assert block["lenient"]["maj@6"] == pytest.approx(0.5)


def test_majority_vote_is_left_out_where_answers_do_not_compare(
    write_jsonl: Any, write_plugin: Any
) -> None:
    from rlvr.registry import load_plugin

    load_plugin(write_plugin("parity_metrics", PARITY))
    data = write_jsonl(
        "rows.jsonl", [{"id": "a", "env": "custom", "verifier": "parity_metrics", "prompt": "a"}]
    )
    tasks = build_tasks(None, configs={}, env_seed=0, data=data, limit=None)
    settings = Settings(n=4, ks=(1, 4))
    results = evaluate_tasks(scripted({"a": ["xx", "x", "xx", "yy"]}), tasks, settings)
    block = policy_blocks(results, settings)["custom"]
    assert block["avg@4"] == 0.75
    assert not [key for key in block if key.startswith("maj@")]
    assert "math_verify" not in block  # not a math verifier


def test_a_completion_the_engine_could_not_produce_is_null_not_wrong(
    write_jsonl: Any, tmp_path: Path
) -> None:
    tasks = build_tasks(None, configs={}, env_seed=0, data=math_rows(write_jsonl), limit=None)
    lost = GenerationFailure("APIConnectionError: Connection refused")
    answers = {
        "Half of 1?": ["\\boxed{1/2}", lost, lost, "\\boxed{3}"],
        "4 + 5?": [lost, lost, lost, lost],
    }
    settings = Settings(n=4, ks=(1, 2))
    results = evaluate_tasks(scripted(answers), tasks, settings)
    block = policy_blocks(results, settings)["math"]
    assert block["errors"] == 6
    assert block["pass@1"] == 0.5  # over the two samples that exist, of the one problem
    assert block["avg@4"] == 0.5
    lines = [
        json.loads(line)
        for line in sample_lines(Policy("model", None, tmp_path), results).splitlines()
    ]
    assert len(lines) == 8
    failed = [row for row in lines if row["completion"] is None]
    assert len(failed) == 6
    assert {row["reward"] for row in failed} == {None}
    assert all("Connection refused" in row["info"]["error"] for row in failed)
    for reading in failed[0]["readings"].values():
        assert reading["reward"] is None


def test_the_sample_log_holds_each_completion_with_its_verdicts(
    write_jsonl: Any, tmp_path: Path
) -> None:
    tasks = build_tasks(None, configs={}, env_seed=0, data=math_rows(write_jsonl), limit=None)
    settings = Settings(n=6, ks=(1,))
    results = evaluate_tasks(scripted(ANSWERS), tasks, settings)
    lines = [
        json.loads(line)
        for line in sample_lines(Policy("model", None, tmp_path), results).splitlines()
    ]
    assert [(row["id"], row["sample"]) for row in lines[:2]] == [("half", 0), ("half", 1)]
    first = lines[0]
    assert first["env"] == "math"
    assert first["prompt"][-1]["role"] == "user"
    assert first["prompt"][-1]["content"].startswith("Half of 1? Give the final answer in")
    assert first["completion"] == "\\boxed{\\frac{1}{2}}"
    assert first["reward"] == 1.0
    assert first["extraction"] == "strict"
    assert first["info"]["status"] == "correct"
    assert first["answer"] == lines[2]["answer"] == "1/2"  # 0.5 votes with 1/2
    assert lines[5]["answer"] is None  # "no idea": no vote
    assert "lenient" in first["readings"]
    assert sum(row["reward"] for row in lines if row["id"] == "nine") == 1.0


def test_math_verify_is_an_extra_reading_of_math_where_installed(
    write_jsonl: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("math_verify")
    data = math_rows(write_jsonl)
    tasks = build_tasks(None, configs={}, env_seed=0, data=data, limit=None)
    settings = Settings(n=6, ks=(1, 6))
    block = policy_blocks(evaluate_tasks(scripted(ANSWERS), tasks, settings), settings)["math"]
    checked = block["math_verify"]
    # Math-Verify reads the same boxed answers right, and votes with its own parse
    assert checked["pass@1"] == pytest.approx(block["pass@1"])
    assert checked["maj@6"] == pytest.approx(0.5)
    assert checked["errors"] == 0
    assert "by_difficulty" in checked

    import rlvr.evaluate

    monkeypatch.setattr(rlvr.evaluate, "math_verify_installed", lambda: False)
    tasks = build_tasks(None, configs={}, env_seed=0, data=data, limit=None)
    block = policy_blocks(evaluate_tasks(scripted(ANSWERS), tasks, settings), settings)["math"]
    assert "math_verify" not in block  # not installed: no column, no error


def test_a_completion_that_breaks_math_verify_scores_0_not_null() -> None:
    pytest.importorskip("math_verify")
    from rlvr.evaluate import MathVerifyChecker

    checker = MathVerifyChecker()
    problem = {"answer": "9"}
    assert checker.verify(problem, "so \\boxed{9}").reward == 1.0
    # Math-Verify's time on unclosed parentheses grows faster than their count (300: 1.6 s,
    # 3000: 30 s on a 2-core machine); in `rlvr eval` the engine's deadline bounds it
    for hostile in ("\\boxed{" * 2000, "\\frac{" * 500 + "}", "$$" + "(" * 300 + "$$", ""):
        verdict = checker.verify(problem, hostile)
        assert verdict.reward == 0.0, (hostile[:20], verdict)
    # a gold Math-Verify cannot read is not the model's fault
    assert checker.verify({"answer": "\\text{}"}, "\\boxed{9}").reward is None


# -- settings --------------------------------------------------------------------------------------


def test_temperature_0_is_greedy_with_one_sample() -> None:
    settings = resolve_settings({"temperature": 0}, {})
    assert settings.greedy
    assert settings.n == 1
    assert settings.ks == (1,)
    assert not resolve_settings({}, {}).greedy
    assert resolve_settings({}, {}).n == 16


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        ({"temperature": 0, "n": 4}, "would all be the same completion"),
        ({"temperature": 0, "k": "1,4"}, "--k 1,4: greedy decoding"),
        ({"temperature": 0, "top_p": 0.9}, "--top-p: greedy decoding"),
        ({"temperature": 0, "top_k": 5, "min_p": 0.1}, "--top-k, --min-p: greedy"),
        ({"temperature": -1}, "--temperature must be in [0, 5]"),
        ({"top_p": 0}, "--top-p must be in (0, 1]"),
        ({"top_p": 1.5}, "--top-p must be in (0, 1]"),
        ({"top_k": -2}, "--top-k must be at least 0"),
        ({"min_p": 1}, "--min-p must be in [0, 1)"),
        ({"base_url": "localhost:8000"}, "expected an http(s) URL"),
        ({"base_url": "http://host:99999/v1"}, "expected an http(s) URL"),
        ({"base_url": "http://h/v1", "engine": "vllm"}, "cannot run --engine vllm"),
        ({"engine": "openai"}, "--engine openai needs --base-url"),
        ({"base_url": "http://h/v1", "concurrency": 0}, "--concurrency must be at least 1"),
    ],
)
def test_bad_sampling_settings_are_refused(flags: dict[str, Any], message: str) -> None:
    with pytest.raises(UserError, match=None) as raised:
        resolve_settings(flags, {})
    assert message in str(raised.value)


def test_sampling_cuts_and_the_server_are_settings() -> None:
    settings = resolve_settings(
        {"top_p": 0.95, "top_k": 20, "min_p": 0.05, "base_url": "http://h:8000/v1/", "model": "m"},
        {},
    )
    assert (settings.top_p, settings.top_k, settings.min_p) == (0.95, 20, 0.05)
    assert settings.engine == "openai"
    assert settings.base_url == "http://h:8000/v1"
    assert settings.served_model == "m"


def test_a_recorded_url_carries_no_credentials() -> None:
    assert recorded_url("https://user:secret@api.example.com:8443/v1?key=abc") == (
        "https://api.example.com:8443/v1"
    )
