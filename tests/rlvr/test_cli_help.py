"""Every verb has `--help`, and asking for it loads no heavy library."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Callable

import pytest

RunCli = Callable[..., subprocess.CompletedProcess[str]]

HEAVY = ("torch", "transformers", "ray", "trl")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--help"], ["verify", "list", "reinforcement learning from verifiable rewards"]),
        (["-h"], ["verify", "list"]),
        (["verify", "--help"], ["--in", "--out", "--workers", "--plugin"]),
        (["list", "--help"], ["--json", "--plugin"]),
        (["check", "--help"], ["NAME", "--timeout", "--plugin"]),
        (["eval", "--help"], ["--model", "--run", "--envs", "--k", "--limit", "--per-problem"]),
        (["curves", "--help"], ["RUN_DIR", "--out", "--smoothing"]),
        (
            ["train", "--help"],
            ["--envs", "--algorithm", "--trl", "--peft", "--micro-batch-size", "--lora"],
        ),
    ],
)
def test_help_exits_0(run_cli: RunCli, args: list[str], expected: list[str]) -> None:
    result = run_cli(*args)
    assert result.returncode == 0, result.stderr
    assert result.stdout.lstrip().startswith("Usage:")
    for word in expected:
        assert word in result.stdout


def test_no_arguments_shows_help(run_cli: RunCli) -> None:
    result = run_cli()
    assert "Usage:" in result.stdout + result.stderr
    assert "verify" in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_verb_is_a_usage_error(run_cli: RunCli) -> None:
    result = run_cli("frobnicate")
    assert result.returncode == 2
    assert "frobnicate" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["verify", "--help"],
        ["list", "--help"],
        ["list"],
        ["check", "--help"],
        ["eval", "--help"],
        ["curves", "--help"],
        ["train", "--help"],
    ],
)
def test_cli_imports_no_heavy_library(argv: list[str]) -> None:
    script = textwrap.dedent(
        f"""\
        import json
        import sys

        sys.argv = ["rlvr", *{argv!r}]
        import rlvr.cli

        try:
            rlvr.cli.main()
        except SystemExit as exc:
            code = exc.code
        else:
            code = 0
        heavy = sorted(m for m in {HEAVY!r} if m in sys.modules)
        print("RESULT", json.dumps({{"code": code, "heavy": heavy}}))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    (line,) = [line for line in result.stdout.splitlines() if line.startswith("RESULT ")]
    outcome = json.loads(line.removeprefix("RESULT "))
    assert outcome == {"code": 0, "heavy": []}


def test_train_help_has_a_flag_for_every_config_field_and_lists_the_presets(
    run_cli: RunCli,
) -> None:
    from rlvr.config import flags
    from rlvr.presets import PRESETS

    result = run_cli("train", "--help")
    assert result.returncode == 0, result.stderr
    for flag in flags():
        assert flag.names[0].split("/")[0] in result.stdout, flag.path
    text = " ".join(result.stdout.split())
    for name, preset in PRESETS.items():
        assert f"{name}:" in text
        assert preset.paper.rsplit("arXiv:", 1)[1] in text.replace(" ", "")
