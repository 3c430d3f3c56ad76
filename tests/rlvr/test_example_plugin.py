"""The example plugin package (examples/countdown) installed as a user installs it, then used
through the real CLI: discovered from its dist-info, listed, checked, scored by `rlvr verify`,
and trained on next to math, both as its own environment and as a dataset plus its verifier.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

RunCli = Callable[..., subprocess.CompletedProcess[str]]
WriteJsonl = Callable[[str, list[Any]], Path]

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "countdown"


@pytest.fixture(scope="module")
def countdown_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding the installed package: put it on PYTHONPATH to install it."""
    tmp = tmp_path_factory.mktemp("countdown")
    # Built from a copy: setuptools writes its egg-info next to the sources it builds.
    source = shutil.copytree(
        EXAMPLE, tmp / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "build")
    )
    site = tmp / "site"
    # No network: build with the setuptools already installed (torch depends on it).
    installed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(site),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return site


@pytest.fixture
def with_countdown(countdown_site: Path) -> dict[str, str]:
    pythonpath = [str(countdown_site), os.environ.get("PYTHONPATH", "")]
    return {"PYTHONPATH": os.pathsep.join(p for p in pythonpath if p)}


def read_rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_the_installed_package_is_listed_with_its_distribution(
    run_cli: RunCli, with_countdown: dict[str, str]
) -> None:
    result = run_cli("list", "--json", env=with_countdown)
    assert result.returncode == 0, result.stderr
    plugins = {(p["kind"], p["name"]): p for p in map(json.loads, result.stdout.splitlines())}
    for kind, target in [
        ("verifiers", "rlvr_countdown.verifier:CountdownVerifier"),
        ("environments", "rlvr_countdown.environment:CountdownEnvironment"),
    ]:
        plugin = plugins[(kind, "countdown")]
        assert plugin["source"] == "rlvr-countdown 0.1.0"
        assert plugin["target"] == target
        assert plugin["builtin"] is False
        assert plugin["error"] is None
    assert plugins[("verifiers", "math")]["error"] is None  # the built-ins are unaffected


def test_without_the_package_countdown_is_unknown(run_cli: RunCli) -> None:
    result = run_cli("check", "countdown")
    assert result.returncode == 2
    assert "unknown verifier 'countdown'" in result.stderr


def test_the_package_passes_the_conformance_check(
    run_cli: RunCli, with_countdown: dict[str, str]
) -> None:
    result = run_cli("check", "countdown", env=with_countdown)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "rlvr-countdown 0.1.0" in result.stdout
    assert " failed " not in result.stdout
    assert "passes all 10 checks" in result.stderr


def test_problems_then_verify_by_env_and_by_verifier_field(
    run_cli: RunCli, with_countdown: dict[str, str], write_jsonl: WriteJsonl, tmp_path: Path
) -> None:
    listed = run_cli("problems", "countdown", "--limit", 6, env=with_countdown)
    assert listed.returncode == 0, listed.stderr
    problems = [json.loads(line) for line in listed.stdout.splitlines()]
    assert len(problems) == 6
    assert {p["env"] for p in problems} == {"countdown"}

    def answer(expression: str) -> str:
        return f"<think>...</think><answer>{expression}</answer>"

    solved, wrong, *_ = problems
    rows = [
        # by env: the environment declares its verifier
        {**solved, "completion": answer(solved["meta"]["solution"])},
        {**wrong, "completion": answer("1 + 1")},
        # by a row's own `verifier` field: it wins over the env, and the env may be anything
        {**solved, "env": "math", "verifier": "countdown", "completion": answer("2")},
        {
            "env": "puzzles",
            "verifier": "countdown",
            "prompt": "Reach 24 with 4, 6 and 1.",
            "numbers": [4, 6, 1],
            "target": 24,
            "completion": answer("4 * 6 * 1"),
        },
        # no env at all: the verifier field is enough
        {
            "verifier": "countdown",
            "prompt": "p",
            "numbers": [9, 3],
            "target": 3,
            "completion": answer("9 / 3"),
        },
    ]
    out = tmp_path / "scored.jsonl"
    result = run_cli(
        "verify", "--in", write_jsonl("rows.jsonl", rows), "--out", out, env=with_countdown
    )
    assert result.returncode == 0, result.stderr
    scored = read_rows(out)
    assert [row["reward"] for row in scored] == [1.0, 0.0, 0.0, 1.0, 1.0]
    assert scored[2]["info"]["status"] == "wrong_numbers"  # judged by countdown, not math
    assert scored[3]["info"]["status"] == "correct"


def test_a_row_missing_a_field_countdown_needs_is_rejected(
    run_cli: RunCli, with_countdown: dict[str, str], write_jsonl: WriteJsonl, tmp_path: Path
) -> None:
    row = {"verifier": "countdown", "prompt": "p", "numbers": [1, 2], "completion": "x"}
    result = run_cli(
        "verify",
        "--in",
        write_jsonl("rows.jsonl", [row]),
        "--out",
        tmp_path / "out.jsonl",
        env=with_countdown,
    )
    assert result.returncode == 2
    assert "field 'target': missing; verifier 'countdown' needs it" in result.stderr
    assert not (tmp_path / "out.jsonl").exists()


def test_train_on_the_plugin_environment_and_a_dataset_using_its_verifier(
    run_cli: RunCli, with_countdown: dict[str, str], tiny_model: Path, tmp_path: Path
) -> None:
    # A user's own dataset: rows written by hand (or by another seed), scored by the plugin.
    listed = run_cli("problems", "countdown", "--seed", 5, "--limit", 12, env=with_countdown)
    assert listed.returncode == 0, listed.stderr
    data = tmp_path / "tasks.jsonl"
    data.write_text(
        "".join(
            json.dumps({k: p[k] for k in ("prompt", "numbers", "target")}) + "\n"
            for p in map(json.loads, listed.stdout.splitlines())
        ),
        encoding="utf-8",
    )
    config = tmp_path / "run.yaml"
    config.write_text(
        "envs:\n"
        "  math: {weight: 1}\n"
        "  countdown: {weight: 1, options: {size: 50}}\n"
        f"  puzzles: {{data: {data}, verifier: countdown, weight: 1}}\n"
        "max_steps: 2\n"
        "seed: 3\n",
        encoding="utf-8",
    )
    out = tmp_path / "run"
    result = run_cli(
        "train",
        "--config",
        config,
        "--model",
        tiny_model,
        "--output-dir",
        out,
        "--max-completion-length",
        12,
        "--group-size",
        2,
        "--problems-per-step",
        3,
        env=with_countdown,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    metrics = read_rows(out / "metrics.jsonl")
    assert [m["step"] for m in metrics] == [1, 2]
    for row in metrics:
        for env in ("math", "countdown", "puzzles"):
            assert row[f"env/{env}/completions"] == 2.0  # one problem each, two completions
            assert row[f"env/{env}/errors"] == 0.0  # every completion got a verdict
    samples = read_rows(out / "samples.jsonl")
    assert {s["env"] for s in samples} == {"math", "countdown", "puzzles"}
    judged = [s for s in samples if s["env"] in ("countdown", "puzzles")]
    assert all(s["info"]["status"] in {"no_answer", "unparseable", "correct"} for s in judged)


def test_the_example_packages_own_tests_pass() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(EXAMPLE / "tests")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert " passed" in result.stdout
