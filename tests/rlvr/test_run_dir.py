"""The run directory's schemas: metric keys, eval.json keys and policy labels, one writer."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from rlvr.errors import UserError
from rlvr.run_dir import (
    RunDir,
    block_ks,
    checkpoint_label,
    env_metric,
    env_values,
    parse_metric_key,
    passk_ci_key,
    passk_key,
    policy_step,
    read_eval,
    write_atomic,
)


@pytest.mark.parametrize(
    ("key", "parsed"),
    [
        ("env/math/pass_rate", ("math", "pass_rate")),
        ("env/code/curriculum/target_pass_rate", ("code", "curriculum/target_pass_rate")),
        ("zero_variance_groups", (None, "zero_variance_groups")),
        ("env/", (None, "env/")),
        ("env/math", (None, "env/math")),
        ("environment/math/pass_rate", (None, "environment/math/pass_rate")),
    ],
)
def test_metric_keys_parse_into_env_and_metric(key: str, parsed: tuple[str | None, str]) -> None:
    assert parse_metric_key(key) == parsed


def test_metric_keys_round_trip_and_reject_a_slash_in_the_env() -> None:
    assert parse_metric_key(env_metric("if", "pass_rate")) == ("if", "pass_rate")
    with pytest.raises(ValueError, match="cannot hold '/'"):
        env_metric("a/b", "pass_rate")
    row = {"step": 3, env_metric("math", "pass_rate"): 0.5, env_metric("if", "pass_rate"): 0.25}
    assert env_values(row, "pass_rate") == {"math": 0.5, "if": 0.25}


def test_eval_keys_and_policy_labels() -> None:
    block = {passk_key(1): 0.5, passk_ci_key(1): [0.4, 0.6], passk_key(16): 0.9, "n": 16}
    assert block_ks(block) == [1, 16]
    assert policy_step(checkpoint_label(25)) == 25
    assert policy_step("base") == 0
    assert policy_step("model") is None
    assert policy_step("checkpoint-x") is None


def test_write_atomic_writes_text_and_bytes_shareably(tmp_path: Path) -> None:
    write_atomic(tmp_path / "a.txt", "héllo")
    write_atomic(tmp_path / "b.bin", b"\x00\x01")
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == "héllo"
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\x01"
    assert stat.S_IMODE((tmp_path / "b.bin").stat().st_mode) & 0o044  # not mkstemp's 0600
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_metrics_rows_skip_torn_lines_and_rows_without_a_step(tmp_path: Path) -> None:
    run = RunDir(tmp_path)
    run.metrics.write_text('{"step": 1, "loss": 1}\n{"step": 2, "lo\n{"loss": 3}\n[1]\n')
    assert list(run.read_metrics()) == [{"step": 1, "loss": 1}]


def test_eval_json_of_a_model_and_of_a_run_read_alike(tmp_path: Path) -> None:
    block = {"pass@1": 0.5, "n_problems": 3}
    model = tmp_path / "model.json"
    model.write_text(json.dumps({"math": block}))
    assert read_eval(model) == {"model": {"math": block}}
    run = tmp_path / "run.json"
    run.write_text(json.dumps({"base": {"math": block}, "checkpoint-2": {"math": block}}))
    assert set(read_eval(run)) == {"base", "checkpoint-2"}
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    with pytest.raises(UserError, match=r"broken\.json: not valid JSON"):
        read_eval(broken)


def test_config_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="not a run directory"):
        RunDir(tmp_path).read_config()
    (tmp_path / "config.yaml").write_text("a: [")
    with pytest.raises(UserError, match=r"config\.yaml: not valid YAML"):
        RunDir(tmp_path).read_config()
