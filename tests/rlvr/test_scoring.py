"""rlvr.score: a buggy verifier never crashes the caller, and never scores a silent 0."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import pytest

from rlvr import Verdict, score
from rlvr.scoring import completion_text


class Recorder:
    name = "recorder"

    def __init__(self) -> None:
        self.seen: list[tuple[Mapping[str, Any], str]] = []

    def verify(self, problem: Mapping[str, Any], completion: str) -> Verdict:
        self.seen.append((problem, completion))
        return Verdict(float(completion == problem["answer"]), {"got": completion})


class Raises:
    name = "raises"

    def verify(self, problem: Mapping[str, Any], completion: str) -> Verdict:
        raise ZeroDivisionError("division by zero in my checker")


class Returns:
    name = "returns"

    def __init__(self, value: object) -> None:
        self.value = value

    def verify(self, problem: Mapping[str, Any], completion: str) -> Any:
        return self.value


class Mutates:
    name = "mutates"

    def verify(self, problem: Any, completion: str) -> Verdict:
        problem["answer"] = completion
        return Verdict(1.0)


def test_score_returns_the_verifiers_verdict() -> None:
    recorder = Recorder()
    assert score(recorder, {"answer": "4"}, "4") == Verdict(1.0, {"got": "4"})
    assert score(recorder, {"answer": "4"}, "5") == Verdict(0.0, {"got": "5"})
    assert [c for _, c in recorder.seen] == ["4", "5"]


def test_problem_is_handed_over_read_only() -> None:
    recorder = Recorder()
    problem = {"answer": "4", "meta": {"source": "x"}}
    score(recorder, problem, "4")
    seen, _ = recorder.seen[0]
    assert isinstance(seen, MappingProxyType)
    assert dict(seen) == problem
    with pytest.raises(TypeError):
        seen["answer"] = "5"  # type: ignore[index]


def test_verifier_that_writes_to_the_problem_is_an_error_and_the_caller_keeps_its_row() -> None:
    problem = {"answer": "4"}
    verdict = score(Mutates(), problem, "5")
    assert verdict.is_error
    assert "verifier 'mutates' raised TypeError" in verdict.info["error"]
    assert problem == {"answer": "4"}


def test_exception_becomes_an_error_with_message_and_trace() -> None:
    verdict = score(Raises(), {"answer": "4"}, "4")
    assert verdict.reward is None
    assert verdict.is_error
    assert verdict.info["error"] == (
        "verifier 'raises' raised ZeroDivisionError: division by zero in my checker"
    )
    assert "Traceback" in verdict.info["traceback"]
    assert "ZeroDivisionError" in verdict.info["traceback"]


@pytest.mark.parametrize(
    ("value", "type_name"),
    [(None, "NoneType"), (1.0, "float"), ((1.0, {}), "tuple"), ({"reward": 1.0}, "dict")],
)
def test_non_verdict_return_becomes_an_error(value: object, type_name: str) -> None:
    verdict = score(Returns(value), {}, "x")
    assert verdict.reward is None
    assert verdict.info["error"] == (
        f"verifier 'returns' returned {type_name}, not an rlvr.Verdict"
    )


def test_error_verdict_from_the_verifier_passes_through() -> None:
    verdict = score(Returns(Verdict.error("sandbox did not start")), {}, "x")
    assert verdict == Verdict(None, {"error": "sandbox did not start"})


CHAT = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "2+2?"},
    {"role": "assistant", "content": "first try: 5"},
    {"role": "user", "content": "again"},
    {"role": "assistant", "content": "4"},
]


@pytest.mark.parametrize(
    ("completion", "text"),
    [
        ("plain text", "plain text"),
        ("", ""),
        ([{"role": "assistant", "content": "only turn"}], "only turn"),
        (CHAT, "4"),
        (CHAT[:4], "first try: 5"),
        ({"role": "assistant", "content": "one message"}, "one message"),
    ],
)
def test_completion_text(completion: Any, text: str) -> None:
    assert completion_text(completion) == text


@pytest.mark.parametrize(
    "completion",
    [
        None,
        42,
        b"bytes",
        [],
        [{"role": "user", "content": "no assistant turn"}],
        ["just", "strings"],
        {"role": "assistant"},
        # The last assistant turn is not text: an earlier turn must not be judged instead.
        [{"role": "assistant", "content": "old"}, {"role": "assistant", "content": None}],
    ],
)
def test_completion_text_rejects_other_values(completion: Any) -> None:
    with pytest.raises(TypeError, match="a completion must be a string or chat messages"):
        completion_text(completion)
