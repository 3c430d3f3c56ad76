"""`rlvr list` in a subprocess: built-ins with their source, plugins, and broken plugins shown."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

RunCli = Callable[..., subprocess.CompletedProcess[str]]
WritePlugin = Callable[[str, str], Path]

MY_CHECKER = """\
class MyChecker:
    name = "my_checker"

    def verify(self, problem, completion): ...
"""


def list_json(result: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def table_row(stdout: str, kind: str, name: str) -> str:
    (row,) = [line for line in stdout.splitlines() if line.split()[:2] == [kind, name]]
    return row


def test_list_shows_builtins_with_their_source(run_cli: RunCli) -> None:
    result = run_cli("list")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n", 1)[0].split() == ["kind", "name", "from", "target", "status"]
    uniform = table_row(result.stdout, "curricula", "uniform")
    assert "rlvr 0.1.0 (built-in)" in uniform
    assert "rlvr.curricula.uniform:UniformCurriculum" in uniform
    assert uniform.split()[-1] == "ok"
    math = table_row(result.stdout, "verifiers", "math")
    assert "rlvr 0.1.0 (built-in)" in math
    assert "rlvr.verifiers.math:MathVerifier" in math


def test_list_json_is_one_object_per_plugin(run_cli: RunCli) -> None:
    plugins = list_json(run_cli("list", "--json"))
    by_name = {(p["kind"], p["name"]): p for p in plugins}
    assert by_name[("curricula", "uniform")] == {
        "kind": "curricula",
        "name": "uniform",
        "target": "rlvr.curricula.uniform:UniformCurriculum",
        "source": "rlvr 0.1.0 (built-in)",
        "builtin": True,
        "error": None,
    }
    math = by_name[("verifiers", "math")]
    assert math["builtin"] is True
    assert math["target"] == "rlvr.verifiers.math:MathVerifier"
    for plugin in plugins:
        assert set(plugin) == {"kind", "name", "target", "source", "builtin", "error"}
        assert plugin["kind"] in {"verifiers", "environments", "curricula"}


def test_list_includes_a_plugin_file(run_cli: RunCli, write_plugin: WritePlugin) -> None:
    path = write_plugin("my_checker", MY_CHECKER)
    plugins = list_json(run_cli("list", "--json", "--plugin", path))
    (mine,) = [p for p in plugins if p["name"] == "my_checker"]
    assert mine == {
        "kind": "verifiers",
        "name": "my_checker",
        "target": "my_checker.py:MyChecker",
        "source": f"file {path.resolve()}",
        "builtin": False,
        "error": None,
    }
    text = run_cli("list", "--plugin", path)
    assert text.returncode == 0, text.stderr
    assert table_row(text.stdout, "verifiers", "my_checker").split()[-1] == "ok"


def test_list_with_a_broken_plugin_file_is_exit_code_2(
    run_cli: RunCli, write_plugin: WritePlugin
) -> None:
    path = write_plugin("syntax_error", "def broken(:\n")
    result = run_cli("list", "--plugin", path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(f"rlvr: error: --plugin {path}: importing it failed")


def _with_fake_dist(site: Path) -> dict[str, str]:
    pythonpath = os.pathsep.join(p for p in (str(site), os.environ.get("PYTHONPATH")) if p)
    return {"PYTHONPATH": pythonpath}


def test_list_survives_broken_third_party_plugins(run_cli: RunCli, fake_dist: Path) -> None:
    env = _with_fake_dist(fake_dist)
    plugins = list_json(run_cli("list", "--json", env=env))
    by_source: dict[tuple[str, str], dict[str, Any]] = {
        (p["name"], p["source"]): p for p in plugins
    }
    assert by_source[("fake_good", "fakepkg 1.0")]["error"] is None
    broken = by_source[("fake_broken", "fakepkg 1.0")]
    assert broken["target"] == "fakepkg_missing_module:Thing"
    assert "ModuleNotFoundError" in broken["error"]
    clash = by_source[("math", "fakepkg 1.0")]
    assert "name clash" in clash["error"]
    builtin_math = by_source[("math", "rlvr 0.1.0 (built-in)")]
    assert "name clash" not in (builtin_math["error"] or "")
    assert by_source[("uniform", "rlvr 0.1.0 (built-in)")]["error"] is None

    text = run_cli("list", env=env)
    assert text.returncode == 0, text.stderr
    assert "Traceback" not in text.stderr
    assert table_row(text.stdout, "verifiers", "fake_good").split()[-1] == "ok"
    broken_row = table_row(text.stdout, "verifiers", "fake_broken")
    assert "fakepkg 1.0" in broken_row
    assert "error: cannot load fakepkg_missing_module:Thing: ModuleNotFoundError" in broken_row
    math_rows = [
        line for line in text.stdout.splitlines() if line.split()[:2] == ["verifiers", "math"]
    ]
    assert len(math_rows) == 2
    assert any("fakepkg 1.0" in row and "error: name clash" in row for row in math_rows)
