"""rlvr installed beside PrimeIntellect's `verifiers` (a dev dependency, so CI has it).

Both distributions ship a folder called `verifiers`; rlvr's installs and imports as
`rlvr.verifiers`, so a user's environment can hold both, and a plugin may use both.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from importlib.metadata import distribution
from pathlib import Path

RunCli = Callable[..., subprocess.CompletedProcess[str]]
WritePlugin = Callable[[str, str], Path]

# A plugin that imports PrimeIntellect's package at module level and reads its version, so that
# the worker processes which load the plugin import both packages side by side.
PLUGIN = """
    import verifiers as prime_verifiers

    from rlvr import Verdict
    from rlvr.verifiers.math import MathVerifier


    class BesideMath:
        name = "beside_math"

        def __init__(self):
            self.math = MathVerifier()
            self.prime_version = prime_verifiers.__version__

        def verify(self, problem, completion):
            verdict = self.math.verify(problem, completion)
            return Verdict(verdict.reward, {"prime_verifiers": self.prime_version})
"""


def test_primeintellect_verifiers_is_installed_beside_rlvr() -> None:
    # Not a skip: the test is worthless if the other `verifiers` is missing.
    prime = distribution("verifiers")
    files = [str(f) for f in prime.files or [] if str(f).startswith("verifiers/")]
    assert files, "the `verifiers` distribution ships no `verifiers/` package"
    rlvr_files = [str(f) for f in distribution("rlvr").files or []]
    assert not any(f.startswith("verifiers/") for f in rlvr_files)


def test_cli_works_beside_primeintellect_verifiers(
    run_cli: RunCli, write_plugin: WritePlugin, tmp_path: Path
) -> None:
    # Run from a folder holding neither package, as a user would.
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    listed = run_cli("list", "--json", cwd=cwd)
    assert listed.returncode == 0, listed.stderr
    targets = {json.loads(line)["target"] for line in listed.stdout.splitlines()}
    assert "rlvr.verifiers.math:MathVerifier" in targets

    checked = run_cli("check", "math", cwd=cwd)
    assert checked.returncode == 0, checked.stdout + checked.stderr

    plugin = write_plugin("beside_math", PLUGIN)
    rows = tmp_path / "rows.jsonl"
    rows.write_text(
        "\n".join(
            json.dumps(row)
            for row in (
                {
                    "id": "a",
                    "env": "x",
                    "verifier": "beside_math",
                    "answer": "4",
                    "prompt": "2+2?",
                    "completion": "\\boxed{4}",
                },
                {
                    "id": "b",
                    "env": "x",
                    "verifier": "beside_math",
                    "answer": "4",
                    "prompt": "2+2?",
                    "completion": "\\boxed{5}",
                },
            )
        )
        + "\n"
    )
    out = tmp_path / "scored.jsonl"
    scored = run_cli(
        "verify", "--in", rows, "--out", out, "--workers", 1, "--plugin", plugin, cwd=cwd
    )
    assert scored.returncode == 0, scored.stdout + scored.stderr
    results = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["reward"] for r in results] == [1.0, 0.0]
    assert results[0]["info"]["prime_verifiers"] == distribution("verifiers").version


def test_both_import_in_one_process() -> None:
    import verifiers as prime_verifiers

    import rlvr.verifiers.math

    assert "site-packages" in (prime_verifiers.__file__ or "")
    assert Path(rlvr.verifiers.math.__file__).parent.name == "verifiers"
    assert rlvr.verifiers.math.__name__ == "rlvr.verifiers.math"
    assert sys.modules["verifiers"] is prime_verifiers
