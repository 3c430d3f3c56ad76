"""A verifier that raises on a completion must score it 0, never null: null is the engine's
word for an infrastructure fault, and a null sample is dropped from the update, so a policy
that found a crashing input would have its wrong answers forgiven. Whatever the exception's
type (these tests raise ones no rule names), the built-in text verifiers turn it into the
completion's 0; a row whose own data is what raises stays null."""

from __future__ import annotations

import pytest

from rlvr.verifiers import instruct as instruct_module
from rlvr.verifiers import math as math_module
from rlvr.verifiers.instruct import InstructionVerifier
from rlvr.verifiers.math import MathVerifier

ROW = {"prompt": "What is $2 + 3$?", "answer": "5"}


class Unforeseen(Exception):
    """An exception type no verifier rule can be naming."""


@pytest.mark.parametrize("error", [Unforeseen("deep in a parser"), IndexError(3), KeyError("x")])
def test_math_reader_raising_on_the_completion_is_zero(
    monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    real_read = math_module.read

    def read(text: str) -> object:
        if "7" in text:  # the completion's answer, not the gold
            raise error
        return real_read(text)

    monkeypatch.setattr(math_module, "read", read)
    verdict = MathVerifier().verify(ROW, "The answer is $\\boxed{7}$.")
    assert verdict.reward == 0.0, verdict.info
    assert verdict.info["status"] == "unparseable"
    assert MathVerifier().verify(ROW, "So $\\boxed{5}$.").reward == 1.0


def test_math_row_whose_answer_raises_is_null(monkeypatch: pytest.MonkeyPatch) -> None:
    def read(text: str) -> object:
        raise Unforeseen("every reading fails")

    monkeypatch.setattr(math_module, "read", read)
    verdict = MathVerifier().verify(ROW, "The answer is $\\boxed{7}$.")
    assert verdict.reward is None
    assert "row's answer" in verdict.info["error"]


def test_math_row_without_answer_is_null() -> None:
    assert MathVerifier().verify({"prompt": "What is $2 + 3$?"}, "$\\boxed{5}$").reward is None


def test_if_check_raising_on_the_response_is_not_followed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    row = {
        "prompt": "Write about the sea.",
        "instruction_id_list": ["change_case:english_lowercase", "punctuation:no_comma"],
        "kwargs": [{}, {}],
    }
    real_judge = instruct_module.judge

    def judge(instruction_id: str, *args: object, **kwargs: object) -> tuple[bool, str]:
        if instruction_id == "punctuation:no_comma":
            raise Unforeseen("a detector choked on the text")
        return real_judge(instruction_id, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(instruct_module, "judge", judge)
    verifier = InstructionVerifier(all_or_nothing=False, min_content=False)
    verdict = verifier.verify(row, "the sea is wide and deep and cold and grey today")
    assert verdict.reward == 0.5, verdict.info
    strict = InstructionVerifier(all_or_nothing=True, min_content=False)
    assert strict.verify(row, "the sea is wide").reward == 0.0
