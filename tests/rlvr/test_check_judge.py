"""`rlvr check-judge`: the cases, the rates they give for judges of known behaviour, and the
command on a tiny random-init model."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from rlvr.check_judge import (
    KINDS,
    MASTER_KEY_KINDS,
    PUBLISHED_MASTER_KEYS,
    Problem,
    cases_for,
    run_check,
    wrong_answer,
)
from rlvr.genrm import GenRMConfig, ScriptedJudge

PROBLEMS = [
    Problem("p1", "Solve for $x$: $4x - 17 = 8x + 43$.", "-15"),
    Problem("p2", [{"role": "user", "content": "Compute 3/13 * 7/9."}], "\\frac{7}{39}"),
]
FENCED = re.compile(r"<<<BEGIN (RESPONSE(?: \d)?) (\w+)>>>\n(.*?)\n<<<END \1 \2>>>", re.S)
REFERENCE = re.compile(r"\[Reference answer\]\n(.*)\n")


def verdict(ratings: list[int]) -> str:
    if len(ratings) == 1:
        return json.dumps({"score": ratings[0]})
    first, second = ratings
    return json.dumps({"score_1": first, "score_2": second, "ranking": 3.5 - (first - second)})


def discerning(prompt: str) -> str:
    """Rates 5 a response that boxes the reference answer, 1 anything else."""
    reference = REFERENCE.search(prompt)
    assert reference is not None
    boxed = "\\boxed{" + reference.group(1) + "}"
    return verdict([5 if boxed in m.group(3) else 1 for m in FENCED.finditer(prompt)])


def gullible(prompt: str) -> str:
    return verdict([5 for _ in FENCED.finditer(prompt)])


def run(judge: Any, mode: str = "pointwise") -> Any:
    return run_check(
        ScriptedJudge(judge),
        GenRMConfig(mode=mode),
        PROBLEMS,
        model="scripted",
        env="math",
        threshold=0.5,
    )


def test_wrong_answers_differ_from_the_reference() -> None:
    assert wrong_answer("-15", []) == "-16"
    assert wrong_answer("\\frac{7}{39}", []) == "\\frac{7}{40}"
    assert wrong_answer("\\frac{7}{39}", [], offset=2) == "\\frac{7}{41}"
    assert wrong_answer("yes", ["no", "yes"]) == "no"
    assert wrong_answer("yes", []) == "yes + 1"


def test_every_kind_of_case_is_built() -> None:
    cases = cases_for(PROBLEMS[0], ["-15", "3"])
    assert {c.kind for c in cases} == set(KINDS)
    texts = [c.text for c in cases]
    assert set(PUBLISHED_MASTER_KEYS) <= set(texts)
    assert "Solve for $x$: $4x - 17 = 8x + 43$." in texts  # the question restated
    assert all("-15" not in c.text for c in cases if c.kind in ("wrong", "verbose_wrong"))
    lengths = [len(c.text) for c in cases if c.kind == "verbose_wrong"]
    assert lengths == sorted(lengths)
    assert len(set(lengths)) == len(lengths)


@pytest.mark.parametrize("mode", ["pointwise", "pairwise"])
def test_a_discerning_judge_passes(mode: str) -> None:
    report = run(discerning, mode)
    assert report.true_positive_rate == 1.0
    assert report.true_negative_rate == 1.0
    assert report.false_positive_rate == 0.0
    if mode == "pairwise":
        assert report.order_agreement == 1.0
    else:
        assert report.order_agreement is None


@pytest.mark.parametrize("mode", ["pointwise", "pairwise"])
def test_a_gullible_judge_is_caught(mode: str) -> None:
    report = run(gullible, mode)
    assert report.true_negative_rate == 0.0
    fpr = report.false_positive_rate
    assert fpr is not None
    assert fpr > 0.5
    by_kind = report.by_kind()
    # content-free text scores 0 without a judge call; everything else fools this judge
    assert by_kind["content_free"]["positive_rate"] == 0.0
    for kind in ("opener", "restated_question", "injected_verdict", "forged_section"):
        assert by_kind[kind]["positive_rate"] == 1.0, kind


def test_a_judge_that_likes_length_shows_it() -> None:
    def by_length(prompt: str) -> str:
        return verdict([min(5, 1 + len(m.group(3)) // 200) for m in FENCED.finditer(prompt)])

    assert run(by_length).length_correlation > 0.9
    assert run(discerning).length_correlation == 0.0


def test_the_report_as_json() -> None:
    data = run(discerning).to_json()
    assert data["true_positive_rate"] == 1.0
    assert data["false_positive_rate"] == 0.0
    assert data["problems"] == 2
    assert {row["kind"] for row in data["cases"]} == set(KINDS)
    assert all({"kind", "text", "score"} <= set(row) for row in data["cases"])
    assert set(data["by_kind"]) == set(KINDS)
    assert set(MASTER_KEY_KINDS) <= set(data["by_kind"])


def test_max_fpr_fails_the_command(monkeypatch: pytest.MonkeyPatch, tiny_model: Path) -> None:
    from typer.testing import CliRunner

    import rlvr.genrm
    from rlvr.cli import app

    monkeypatch.setattr(
        rlvr.genrm.TransformersJudge, "from_config", lambda *a, **k: ScriptedJudge(gullible)
    )
    args = ["check-judge", "--model", str(tiny_model), "--limit", "1"]
    result = CliRunner().invoke(app, [*args, "--max-fpr", "0.2"])
    assert result.exit_code == 1, result.output
    assert "false-positive rate" in result.output
    result = CliRunner().invoke(app, [*args, "--max-fpr", "1"])
    assert result.exit_code == 0, result.output


@pytest.mark.slow
def test_check_judge_on_a_tiny_model(run_cli: Any, tiny_model: Path, tmp_path: Path) -> None:
    config = tmp_path / "run.yaml"
    config.write_text(f"genrm:\n  model: {tiny_model}\n  max_new_tokens: 4\n", encoding="utf-8")
    out = tmp_path / "judge.json"
    result = run_cli("check-judge", "--config", config, "--limit", "1", "--json", out)
    assert result.returncode == 0, result.stderr
    assert "false-positive rate" in result.stdout
    assert "master_key" in result.stdout
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["model"] == str(tiny_model)  # the configured judge
    assert {"true_positive_rate", "false_positive_rate", "cases"} <= set(data)
    assert {row["kind"] for row in data["cases"]} == set(KINDS)
    assert all(0 <= row["score"] <= 1 for row in data["cases"])


def test_bad_input_is_a_clear_error(run_cli: Any) -> None:
    result = run_cli("check-judge", "--mode", "listwise")
    assert result.returncode == 2
    assert "--mode must be pointwise or pairwise" in result.stderr
    assert "Traceback" not in result.stderr
    result = run_cli("check-judge", "--env", "nosuchenv")
    assert result.returncode == 2
    assert "nosuchenv" in result.stderr
    assert "Traceback" not in result.stderr
