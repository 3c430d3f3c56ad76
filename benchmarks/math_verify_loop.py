"""A plain Math-Verify loop over a rows file: the peer's side of the throughput benchmark.

    python benchmarks/math_verify_loop.py rows.jsonl scored.jsonl

Each row's gold (`answer`) and `completion` go through Math-Verify's documented default use:
`parse` both (LaTeX and plain-expression extraction), then `verify(gold, prediction)`. One
process, as its README shows it; Math-Verify's own timeouts use signals, main thread only.
"""

from __future__ import annotations

import json
import sys

from math_verify import ExprExtractionConfig, LatexExtractionConfig, parse, verify


def math_verify_score(gold: str, completion: str) -> float:
    """1.0 when Math-Verify judges the completion's answer equal to the gold, else 0.0."""
    try:
        gold_parsed = parse(gold if gold.strip().startswith("$") else f"${gold}$")
        answer_parsed = parse(completion)
        return 1.0 if verify(gold_parsed, answer_parsed) else 0.0
    except Exception:  # a checker that raises has not said "equal"
        return 0.0


def math_verify_case_score(case: dict) -> float:
    """Math-Verify on one of its own test cases, with the extraction config, precision and
    flags that its test used (see benchmarks/data/math_verify_cases.README.md)."""
    configs = None
    if case["match_types"] != "default":
        kinds = {
            "latex": lambda: LatexExtractionConfig(boxed_match_priority=0),
            "expr": ExprExtractionConfig,
        }
        configs = [kinds[name]() for name in case["match_types"].split("+")]
    options = {
        "strict": case.get("strict", True),
        "allow_set_relation_comp": case.get("allow_set_relation_comp", False),
    }
    if case.get("precision") is not None:
        options["float_rounding"] = case["precision"]
    try:
        gold = parse(case["gold"]) if configs is None else parse(case["gold"], configs)
        answer = (
            parse(case["prediction"]) if configs is None else parse(case["prediction"], configs)
        )
        return 1.0 if verify(gold, answer, **options) else 0.0
    except Exception:
        return 0.0


def main(in_path: str, out_path: str) -> None:
    with open(in_path, encoding="utf-8") as rows, open(out_path, "w", encoding="utf-8") as out:
        for line in rows:
            row = json.loads(line)
            reward = math_verify_score(row["answer"], row["completion"])
            out.write(json.dumps({**row, "reward": reward}) + "\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
