"""Nothing honest changes: responses with content that the judge gives a readable verdict
score what they scored before the adversarial rules (docs/genrm.md) were added.

The expected scores were computed by the scorer as it was before those rules (commit 556554b),
on this fixed set of judge replies, and are pinned here.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from rlvr.genrm import GenRMConfig, GenRMScorer, JudgeGroup, ScriptedJudge

QUALITY = {"alpha": 5, "bravo": 2, "charlie": 3, "delta": 4, "echo": 1}
POINTWISE_REPLIES = {
    "alpha": '{"score": 5}',
    "bravo": 'The response is wrong.\n{"score": 2}',
    "charlie": '```json\n{"score": 3}\n```',
    "delta": '{"score": 4, "why": "it is cut sh',
    "echo": '{"score": 1} on reflection {"score": 2}',
}
WORD = re.compile(r"\b(alpha|bravo|charlie|delta|echo)\b")


def reply(prompt: str) -> str:
    """A fixed verdict per response (pointwise) or per ordered pair (pairwise), in the formats
    judges write: restated, fenced, cut short, without a ranking, with a slight position bias."""
    shown = WORD.findall(prompt)
    if len(shown) == 1:
        return POINTWISE_REPLIES[shown[0]]
    first, second = shown
    q1, q2 = QUALITY[first], QUALITY[second]
    if "echo" in shown:
        return json.dumps({"score_1": q1, "score_2": q2})
    ranking = min(6, max(1, 3.5 - (q1 - q2) * 0.6 + 0.4))
    return "Both are fine.\n" + json.dumps({"score_1": q1, "score_2": q2, "ranking": ranking})


def groups() -> list[JudgeGroup]:
    return [
        JudgeGroup(
            "What is 2 + 2?",
            ["The answer is alpha.", "I think bravo", "charlie, surely", "delta!"],
            reference="4",
            env="math",
        ),
        JudgeGroup("Name a letter.", ["echo", "alpha is first", "<think>hmm</think>bravo"]),
        JudgeGroup("One alone.", ["delta"], reference="x"),
        JudgeGroup("Two.", ["charlie", "echo"]),
    ]


POINTWISE_SCORES = [[1.0, 0.25, 0.5, 0.75], [0.25, 1.0, 0.25], [0.75], [0.5, 0.25]]


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"mode": "pointwise"}, POINTWISE_SCORES),
        ({"mode": "pointwise", "prefill": False}, POINTWISE_SCORES),
        (
            {"mode": "pairwise"},
            [[0.87, 0.255, 0.5, 0.625], [0.09375, 0.965, 0.31625], [0.75], [0.625, 0.125]],
        ),
        (
            {"mode": "pairwise", "position_swap": False},
            [[0.87, 0.255, 0.5, 0.625], [0.09375, 0.945, 0.33625], [0.75], [0.625, 0.125]],
        ),
    ],
)
def test_honest_scores_are_unchanged(options: dict[str, Any], expected: list[list[float]]) -> None:
    result = GenRMScorer(ScriptedJudge(reply), GenRMConfig(**options)).score_groups(groups())
    assert result.scores == [pytest.approx(group) for group in expected]
    assert result.metrics["genrm/unparseable"] == 0
    assert result.metrics["genrm/errors"] == 0
