"""How many held-out math completions restate the problem, before and after training.

    .venv/bin/python benchmarks/learning/restatements.py RUN_DIR [--n 4] [--limit 64]
        [--batch 8] [--seed 0] [--out RUN_DIR/eval/restatements.json]

A gain is an answer only if the policy did not learn to give the question back: boxing the
question's own arithmetic (`\\boxed{14 - 3}` for "What is $14 - 3$?") has the gold's value, and
before the math and IF integrity issue it scored 1 on the very problems this benchmark trains
on. This script reads the base model's and the run's last checkpoint's held-out math
completions from the samples `rlvr eval --run RUN_DIR --log-samples` wrote
(RUN_DIR/eval/samples-<policy>.jsonl, each already judged), or, where those files are missing,
samples them again exactly as `rlvr eval --run RUN_DIR --n N --limit L --batch B --seed S`
does (same problems, prompts, per-problem seeds and generate calls, so the same completions),
and counts the completions whose final answer restates the problem:
- the math verifier read the answer as arithmetic left undone (`status: not_computed`) or as
  an expression of the question given back (its `reason` says "restates"), or
- the extracted answer, normalised (NFKC, no spaces, `$`, `\\left`/`\\right`, `\\times` and
  `\\cdot` as `*`), contains one of the question's math spans that holds an operator.
It also counts how many of those the verifier scored 1 (with the hardened verifier: 0).
Writes JSON {policy: {completions, restated, restated_scored_1, correct}} and prints a table.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

MAX_TEXT = 4_000
"""Characters of a prompt or an extracted answer looked at: the model's text is bounded
before any pattern runs over it."""
_MATH_SPAN = re.compile(r"\$([^$]{1,200})\$")
_OPERATOR = re.compile(r"[0-9a-z)}]\s*(?:[-+*/^]|\\times|\\cdot|\\div)\s*[0-9a-z({\\]")
_INVISIBLE = re.compile("[\u200b-\u200f\u2060-\u2064\ufeff\u00ad]")


def normalise(text: str) -> str:
    """Math text in one canonical spelling: NFKC, invisible characters and spaces gone, `$`,
    `\\left`/`\\right` dropped, `\\times`/`\\cdot` as `*`, minus signs as `-`."""
    text = unicodedata.normalize("NFKC", text[:MAX_TEXT])
    text = _INVISIBLE.sub("", text).replace("\u2212", "-")
    for old, new in (("\\times", "*"), ("\\cdot", "*"), ("\\left", ""), ("\\right", "")):
        text = text.replace(old, new)
    return re.sub(r"[\s$]+", "", text)


def question_expressions(prompt: Any) -> list[str]:
    """The question's math spans that hold an operator (`14 - 3`), normalised."""
    if isinstance(prompt, list):
        prompt = " ".join(str(m.get("content", "")) for m in prompt if isinstance(m, Mapping))
    text = str(prompt)[:MAX_TEXT]
    return [normalise(span) for span in _MATH_SPAN.findall(text) if _OPERATOR.search(span.lower())]


def restates(problem: Mapping[str, Any], reward: float | None, info: Mapping[str, Any]) -> bool:
    """Whether one judged completion's final answer restates the problem (module docstring)."""
    if info.get("status") == "not_computed" or "restates" in str(info.get("reason", "")):
        return True
    extracted = info.get("extracted")
    if not isinstance(extracted, str) or not extracted.strip():
        return False
    answer = normalise(extracted)
    return any(expression in answer for expression in question_expressions(problem["prompt"]))


def count(
    problems: Sequence[Mapping[str, Any]],
    completions: Sequence[Sequence[str]],
    verifier: Any,
) -> dict[str, int]:
    """The counts of one policy: its completions judged by the environment's verifier."""
    totals = {"completions": 0, "restated": 0, "restated_scored_1": 0, "correct": 0}
    for problem, texts in zip(problems, completions, strict=True):
        for text in texts:
            verdict = verifier.verify(problem, text)
            totals["completions"] += 1
            totals["correct"] += verdict.reward == 1.0
            if restates(problem, verdict.reward, verdict.info or {}):
                totals["restated"] += 1
                totals["restated_scored_1"] += verdict.reward == 1.0
    return totals


def count_logged(path: Path, problems: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """The counts of one policy from `rlvr eval --log-samples` lines: its math rows, judged
    there (the headline reading's reward and info), each matched to its problem by id."""
    by_id = {str(p["id"]): p for p in problems}
    totals = {"completions": 0, "restated": 0, "restated_scored_1": 0, "correct": 0}
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            problem = by_id.get(str(row.get("id")))
            if row.get("env") != "math" or problem is None:
                continue
            reward, info = row.get("reward"), row.get("info")
            totals["completions"] += 1
            totals["correct"] += reward == 1.0
            if restates(problem, reward, info if isinstance(info, Mapping) else {}):
                totals["restated"] += 1
                totals["restated_scored_1"] += reward == 1.0
    return totals


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, help="a run directory written by rlvr train")
    parser.add_argument("--n", type=int, default=4, help="samples per problem (default 4)")
    parser.add_argument("--limit", type=int, default=64, help="held-out problems (default 64)")
    parser.add_argument("--batch", type=int, default=8, help="problems per generate call")
    parser.add_argument("--seed", type=int, default=0, help="sampling seed (default 0)")
    parser.add_argument("--out", type=Path, help="default: RUN/eval/restatements.json")
    args = parser.parse_args(argv)
    for flag, value in (("--n", args.n), ("--limit", args.limit), ("--batch", args.batch)):
        if value < 1:
            parser.error(f"{flag} must be at least 1, got {value}")

    from rlvr.errors import UserError
    from rlvr.evaluate import (
        build_tasks,
        env_configs,
        open_engine,
        problem_seed,
        resolve_settings,
        run_info,
        run_policies,
        samples_file,
        settle_hardware,
    )

    try:
        info = run_info(args.run)
        last = info.checkpoints[-1][0]
        info = run_info(args.run, [last])
        settings = settle_hardware(
            resolve_settings(
                {"n": args.n, "limit": args.limit, "batch": args.batch, "seed": args.seed},
                info.config,
            )
        )
        (task,) = build_tasks(
            ["math"],
            configs=env_configs(info.config),
            env_seed=int(info.config.get("seed", 0)),
            data=None,
            limit=settings.limit,
        )
    except UserError as exc:
        print(f"restatements: {exc}", file=sys.stderr)
        return 2
    except ValueError:
        print(f"restatements: {args.run} has no math environment", file=sys.stderr)
        return 2

    results: dict[str, dict[str, int]] = {}
    seeds = [problem_seed(settings.seed, str(p["id"])) for p in task.problems]
    for policy in run_policies(info, base=True):
        logged = args.run / "eval" / samples_file(policy.label)
        if logged.is_file():  # rlvr eval --log-samples: the same completions, judged
            results[policy.label] = count_logged(logged, task.problems)
            continue
        engine = open_engine(policy, settings, info.run)
        try:
            completions: list[list[str]] = []
            # the same calls as rlvr eval's evaluate_tasks: the same completions
            step = engine.prompts_per_call
            for first in range(0, len(task.problems), step):
                chunk = range(first, min(first + step, len(task.problems)))
                completions += engine.generate(
                    [task.prompts[i] for i in chunk], settings.n, [seeds[i] for i in chunk]
                )
        finally:
            engine.close()
        results[policy.label] = {
            "completions": 0,
            "restated": 0,
            "restated_scored_1": 0,
            "correct": 0,
        }
        for index, texts in enumerate(completions):
            one = count([task.problems[index]], [texts], task.verifiers[index])
            for key, value in one.items():
                results[policy.label][key] += value

    out = args.out or args.run / "eval" / "restatements.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print("| policy | math completions | restate the problem | of those scored 1 | correct |")
    print("| --- | --- | --- | --- | --- |")
    for label, row in results.items():
        print(
            f"| {label} | {row['completions']} | {row['restated']} | "
            f"{row['restated_scored_1']} | {row['correct']} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
