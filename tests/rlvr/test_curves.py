"""`rlvr curves`: the smoothing, run directories written by hand (two runs overlaid), and the
whole path from a tiny training run through `rlvr eval --run` to the pictures."""

from __future__ import annotations

import csv
import json
import math
import random
import re
from pathlib import Path
from typing import Any

import pytest

from rlvr.curves import checkpoint_step, default_smoothing, run_labels, smooth

RunCli = Any
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_smoothing_is_a_debiased_moving_average() -> None:
    assert smooth([0.2, 0.9, 0.4], 0.0) == [0.2, 0.9, 0.4]
    assert smooth([0.5] * 6, 0.9) == pytest.approx([0.5] * 6)  # no pull towards 0 at the start
    assert smooth([0.0, 1.0], 0.5) == pytest.approx([0.0, 0.5 / 0.75])
    with pytest.raises(ValueError, match="smoothing"):
        smooth([0.1], 1.0)


def test_default_smoothing_grows_with_the_run() -> None:
    assert default_smoothing(3) == 0.0
    assert default_smoothing(50) == pytest.approx(0.9)
    assert default_smoothing(10_000) == 0.95


def test_checkpoint_labels_and_run_labels() -> None:
    assert checkpoint_step("base") == 0
    assert checkpoint_step("checkpoint-40") == 40
    assert checkpoint_step("model") is None
    assert run_labels([Path("/x/a/run"), Path("/x/b/run")]) == ["a/run", "b/run"]
    assert run_labels([Path("/x/lr-1"), Path("/x/lr-2")]) == ["lr-1", "lr-2"]


def passk_block(rate: float, ks: tuple[int, ...] = (1, 4, 16)) -> dict[str, Any]:
    block: dict[str, Any] = {}
    for k in ks:
        value = 1 - (1 - rate) ** k
        block[f"pass@{k}"] = round(value, 4)
        block[f"pass@{k}_ci"] = [round(max(0, value - 0.06), 4), round(min(1, value + 0.06), 4)]
    return {**block, "n_problems": 50, "n": 16, "errors": 0, "by_difficulty": {}}


def write_run(path: Path, *, speed: float, seed: int, steps: int = 60) -> Path:
    """metrics.jsonl with noisy rising pass rates for math and code, and an eval.json with
    the base model and four checkpoints."""
    rng = random.Random(seed)
    path.mkdir(parents=True)
    with (path / "metrics.jsonl").open("w") as handle:
        for step in range(1, steps + 1):
            row: dict[str, Any] = {"step": step, "loss": 0.1}
            for env, start in (("math", 0.25), ("code", 0.05)):
                truth = start + (0.7 - start) * (1 - math.exp(-speed * step))
                row[f"env/{env}/pass_rate"] = sum(rng.random() < truth for _ in range(12)) / 12
                row[f"env/{env}/zero_variance_groups"] = round(1 - truth, 4)
            row["zero_variance_groups"] = rng.choice([0.0, 0.5, 1.0])
            handle.write(json.dumps(row) + "\n")
        handle.write('{"step": 61, "env/math/pass')  # torn by a crash: ignored
    evaluated = {}
    for step in (0, 15, 30, 45, 60):
        label = "base" if step == 0 else f"checkpoint-{step}"
        evaluated[label] = {
            env: passk_block(start + (0.6 - start) * (1 - math.exp(-speed * step)))
            for env, start in (("math", 0.2), ("code", 0.03))
        }
        if step:  # `rlvr eval` pairs each checkpoint with the base model
            for env, block in evaluated[label].items():
                gain = round(block["pass@1"] - evaluated["base"][env]["pass@1"], 4)
                block["vs_base"] = {"pass@1": gain, "pass@1_ci": [gain - 0.03, gain + 0.03]}
    (path / "eval").mkdir()
    (path / "eval" / "eval.json").write_text(json.dumps(evaluated))
    return path


def metrics_rows(run: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()[:-1]]


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open() as handle:
        return list(csv.DictReader(handle))


def test_two_runs_are_overlaid_in_four_figures_with_their_csvs(
    run_cli: RunCli, tmp_path: Path
) -> None:
    fast = write_run(tmp_path / "fast", speed=0.08, seed=1)
    slow = write_run(tmp_path / "slow", speed=0.02, seed=2)
    out = tmp_path / "curves"
    result = run_cli("curves", fast, slow, "--out", out)
    assert result.returncode == 0, result.stderr[-3000:]
    for name in ("pass_rate", "zero_variance", "passk_by_checkpoint", "passk_by_k"):
        assert (out / f"{name}.png").read_bytes().startswith(PNG_MAGIC)
        assert (out / f"{name}.csv").exists()

    zero = read_csv(out / "zero_variance.csv")
    assert {r["env"] for r in zero} == {"math", "code", "all environments"}
    assert len(zero) == 2 * 3 * 60
    slow_code = [
        float(r["zero_variance"]) for r in zero if r["run"] == "slow" and r["env"] == "code"
    ]
    assert slow_code == [m["env/code/zero_variance_groups"] for m in metrics_rows(slow)]

    training = read_csv(out / "pass_rate.csv")
    assert len(training) == 2 * 2 * 60  # runs x envs x steps; the torn line is skipped
    metrics = [json.loads(line) for line in (fast / "metrics.jsonl").read_text().splitlines()[:60]]
    fast_math = [r for r in training if r["run"] == "fast" and r["env"] == "math"]
    assert [float(r["pass_rate"]) for r in fast_math] == [m["env/math/pass_rate"] for m in metrics]
    smoothed = smooth([m["env/math/pass_rate"] for m in metrics], default_smoothing(60))
    assert [float(r["smoothed"]) for r in fast_math] == pytest.approx(smoothed, abs=1e-6)

    by_checkpoint = read_csv(out / "passk_by_checkpoint.csv")
    steps = sorted({int(r["step"]) for r in by_checkpoint if r["run"] == "slow"})
    assert steps == [0, 15, 30, 45, 60]
    assert {r["k"] for r in by_checkpoint} == {"1", "4", "16"}

    by_k = read_csv(out / "passk_by_k.csv")
    assert {(r["run"], r["policy"]) for r in by_k} == {
        ("fast", "checkpoint-60"),
        ("fast", "base"),
        ("slow", "checkpoint-60"),
        ("slow", "base"),
    }
    # the summary table: both runs, both environments, the last checkpoint against base
    for word in ("fast", "slow", "math", "code", "checkpoint-60"):
        assert word in result.stdout
    assert len(re.findall(r"\+0\.\d{3} \[\+0\.\d\d, \+0\.\d\d\]", result.stdout)) == 4
    assert "wrote" in result.stderr


def test_a_run_without_eval_draws_only_its_training_curve(run_cli: RunCli, tmp_path: Path) -> None:
    run = write_run(tmp_path / "run", speed=0.05, seed=3)
    (run / "eval" / "eval.json").unlink()
    result = run_cli("curves", run)
    assert result.returncode == 0, result.stderr[-3000:]
    assert sorted(p.name for p in (run / "curves").iterdir()) == [
        "pass_rate.csv",
        "pass_rate.png",
        "zero_variance.csv",
        "zero_variance.png",
    ]


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("empty", "nothing to draw"),
        ("missing", "not a directory"),
        ("bad_json", "not valid JSON"),
    ],
)
def test_bad_run_directories_fail_with_one_line(
    run_cli: RunCli, tmp_path: Path, setup: str, message: str
) -> None:
    run = tmp_path / "run"
    if setup != "missing":
        run.mkdir()
    if setup == "bad_json":
        (run / "eval").mkdir()
        (run / "eval" / "eval.json").write_text("{ torn")
    result = run_cli("curves", run)
    assert result.returncode == 2
    assert result.stderr.startswith("rlvr: error:")
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_curves_from_a_tiny_training_run(run_cli: RunCli, tiny_model: Path, tmp_path: Path) -> None:
    config = tmp_path / "run.yaml"
    config.write_text("envs: [math]\nmax_steps: 2\nsave_steps: 1\n")
    run = tmp_path / "run"
    trained = run_cli(
        "train", "--config", config, "--model", tiny_model, "--output-dir", run,
        "--max-completion-length", 8, "--group-size", 2, "--problems-per-step", 2,
    )  # fmt: skip
    assert trained.returncode == 0, trained.stderr[-3000:]
    evaluated = run_cli("eval", "--run", run, "--n", 2, "--limit", 2)
    assert evaluated.returncode == 0, evaluated.stderr[-3000:]
    drawn = run_cli("curves", run)
    assert drawn.returncode == 0, drawn.stderr[-3000:]
    out = run / "curves"
    for name in ("pass_rate", "passk_by_checkpoint", "passk_by_k"):
        assert (out / f"{name}.png").read_bytes().startswith(PNG_MAGIC)
    assert [int(r["step"]) for r in read_csv(out / "pass_rate.csv")] == [1, 2]
    by_checkpoint = read_csv(out / "passk_by_checkpoint.csv")
    assert sorted({int(r["step"]) for r in by_checkpoint}) == [0, 1, 2]
    assert {r["k"] for r in by_checkpoint} == {"1", "2"}
