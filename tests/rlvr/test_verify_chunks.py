"""`rlvr verify` hands a worker fewer rows of a verifier at once when it asks (`chunk_rows`)."""

from __future__ import annotations

import json
from pathlib import Path

from rlvr.engine import CHUNK_ITEMS as CHUNK_ROWS
from rlvr.registry import default_registry
from rlvr.resolve import VerifierResolver
from rlvr.verifiers.code import CodeVerifier
from rlvr.verify import _chunks


def test_a_chunk_holds_at_most_what_its_most_expensive_verifier_asks(tmp_path: Path) -> None:
    math_row = {"env": "math", "prompt": "1+1?", "answer": "2", "completion": "\\boxed{2}"}
    code_row = {
        "env": "code",
        "prompt": "add",
        "entry_point": "f",
        "tests": [{"input": [1], "output": 1}],
        "completion": "def f(x): return x",
    }
    rows = [math_row] * 40 + [code_row] * 10 + [math_row] * 3
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    chunks = [items for _, items in _chunks(path, VerifierResolver(default_registry()))]
    assert [name for name, _, _ in chunks[0]] == ["math"] * CHUNK_ROWS
    code_rows = [sum(name == "code" for name, _, _ in items) for items in chunks]
    assert max(code_rows) == CodeVerifier.chunk_rows
    assert sum(len(items) for items in chunks) == len(rows)
