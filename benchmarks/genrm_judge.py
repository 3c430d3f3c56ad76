"""The GenRM judge on labelled math pairs: how often it prefers the right answer, and how fast.

    .venv/bin/python benchmarks/genrm_judge.py [--pairs 24] [--model M] [--max-new-tokens 16]
        [--batch-size 8] [--modes pointwise,pairwise] [--references off,on] [--no-prefill]
        [--threads 2] [--out results.json]

Builds `--pairs` pairs from the `math` environment's training problems (a fixed shuffle):
the same one-line response twice, once with the gold answer boxed and once with a wrong one
(an integer gold shifted by 1-9, otherwise another problem's gold of the same family). Both
are scored by the `math` verifier first, and only pairs it labels 1 and 0 are kept, so the
label is the verifier's, not the script's. The order within each pair is shuffled.

Each setting (mode x reference answer shown or not) judges all pairs in one `score_groups`
call, as a training step would, with the judge model loaded once (`--model`, default the
embedded SmolLM2-135M-Instruct). Printed as a Markdown table:

- prefers correct: pairs where the verified-correct response scores strictly higher; ties
  and wrong preferences are counted apart (chance, for a judge that always ties, is 0).
- one order only (pairwise): the same, from the judgement of each pair in its shuffled order
  alone, i.e. what the judge gives without the position swap.
- first wins: of the pairwise judgements that were not ties, how many preferred the response
  shown first (0.5 for a judge without position bias).
- unparseable: judgements whose output held no verdict (since issue 29 they count as the
  lowest score of their group, docs/genrm.md; before, as neutral). For false positives on
  master keys and content-free answers, run `rlvr check-judge`.
- responses/s: responses scored per second of judging, the whole batch (wall clock).

Timing on a shared CPU is noisy; compare settings within one run.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rlvr.config import GenRMConfig
from rlvr.environments.math import MathEnvironment
from rlvr.genrm import GenRMScorer, JudgeGroup, TransformersJudge, pair_scores, parse_pairwise
from rlvr.models import resolve_model
from rlvr.run_dir import write_atomic
from rlvr.verifiers.math import MathVerifier


def response(answer: str) -> str:
    return f"The answer is $\\boxed{{{answer}}}$."


def wrong_answer(problem: dict[str, Any], pool: list[dict[str, Any]], rng: random.Random) -> str:
    gold = str(problem["answer"])
    try:
        return str(int(gold) + rng.choice([-1, 1]) * rng.randint(1, 9))
    except ValueError:
        family = problem.get("meta", {}).get("family")
        others = [str(p["answer"]) for p in pool if p.get("meta", {}).get("family") == family]
        others = [a for a in others if a != gold] or [str(p["answer"]) for p in pool]
        return rng.choice(others)


def labelled_pairs(count: int, seed: int) -> tuple[list[dict[str, Any]], int]:
    """Up to `count` pairs, each with its problem, the responses in shuffled order and which one
    the verifier scores 1; and how many candidates the verifier rejected."""
    rng = random.Random(seed)
    problems = [dict(p) for p in MathEnvironment(seed=seed).problems("train")]
    rng.shuffle(problems)
    verifier = MathVerifier()
    pairs: list[dict[str, Any]] = []
    rejected = 0
    for problem in problems:
        if len(pairs) == count:
            break
        right, wrong = (
            response(str(problem["answer"])),
            response(wrong_answer(problem, problems, rng)),
        )
        if (verifier.verify(problem, right).reward, verifier.verify(problem, wrong).reward) != (
            1,
            0,
        ):
            rejected += 1
            continue
        correct_first = rng.random() < 0.5
        responses = [right, wrong] if correct_first else [wrong, right]
        pairs.append(
            {"problem": problem, "responses": responses, "correct": 0 if correct_first else 1}
        )
    return pairs, rejected


def evaluate(
    judge: TransformersJudge, config: GenRMConfig, pairs: list[dict[str, Any]], reference: bool
) -> dict[str, Any]:
    groups = [
        JudgeGroup(
            p["problem"]["prompt"],
            p["responses"],
            reference=str(p["problem"]["answer"]) if reference else None,
        )
        for p in pairs
    ]
    started = time.perf_counter()
    result = GenRMScorer(judge, config).score_groups(groups)
    seconds = time.perf_counter() - started
    outcomes = {"correct": 0, "tie": 0, "wrong": 0}
    for pair, scores in zip(pairs, result.scores, strict=True):
        right, wrong = scores[pair["correct"]], scores[1 - pair["correct"]]
        if right is None or wrong is None:
            raise SystemExit(f"the judge failed: {result.error}")
        outcomes["correct" if right > wrong else "tie" if right == wrong else "wrong"] += 1
    row: dict[str, Any] = {
        "mode": config.mode,
        "reference": reference,
        "pairs": len(pairs),
        "judgements": len(result.judgements),
        "prefers_correct": outcomes["correct"] / len(pairs),
        "ties": outcomes["tie"] / len(pairs),
        "prefers_wrong": outcomes["wrong"] / len(pairs),
        "unparseable": result.metrics["genrm/unparseable_fraction"],
        "seconds": seconds,
        "responses_per_second": 2 * len(pairs) / seconds,
    }
    if config.mode == "pairwise":
        row.update(_pairwise_details(pairs, result.judgements))
    return row


def _pairwise_details(pairs: list[dict[str, Any]], judgements: list[Any]) -> dict[str, Any]:
    """Position bias: who wins when shown first, and accuracy from one order alone."""
    first_wins = decided = single_correct = 0
    for judgement in judgements:
        parsed = parse_pairwise(judgement.output)
        if parsed is None:
            continue
        first, second = pair_scores(parsed)
        if first != second:
            decided += 1
            first_wins += first > second
        if judgement.positions == (0, 1):  # the pair in its shuffled order: no swap
            correct_shown_first = pairs[judgement.group]["correct"] == 0
            single_correct += (first > second) if correct_shown_first else (second > first)
    return {
        "one_order_prefers_correct": single_correct / len(pairs),
        "first_wins": first_wins / decided if decided else None,
        "decided": decided,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=24)
    parser.add_argument("--model", default=None, help="the judge [default: the embedded model]")
    parser.add_argument("--max-new-tokens", type=int, default=16)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--modes", default="pointwise,pairwise")
    parser.add_argument("--references", default="off,on")
    parser.add_argument("--no-prefill", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, default=None, help="the results as JSON")
    args = parser.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    pairs, rejected = labelled_pairs(args.pairs, args.seed)
    base = GenRMConfig(
        mode="pairwise",
        model=args.model,
        max_new_tokens=args.max_new_tokens,
        batch_size=args.batch_size,
        prefill=not args.no_prefill,
    )
    model_path = resolve_model(args.model)
    loading = time.perf_counter()
    judge = TransformersJudge.from_config(model_path, base)
    load_seconds = time.perf_counter() - loading
    rows = []
    for mode in args.modes.split(","):
        for reference in args.references.split(","):
            config = dataclasses.replace(base, mode=mode)
            rows.append(evaluate(judge, config, pairs, reference == "on"))
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)

    print(
        f"judge {model_path.name}, {len(pairs)} pairs ({rejected} candidates rejected by the "
        f"verifier), max_new_tokens {args.max_new_tokens}, batch {args.batch_size}, prefill "
        f"{'off' if args.no_prefill else 'on'}, {args.threads} threads, load {load_seconds:.1f} s\n"
    )
    print(
        "| mode | reference | judgements | prefers correct | ties | prefers wrong "
        "| one order only | first wins | unparseable | responses/s |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for row in rows:
        one_order = row.get("one_order_prefers_correct")
        first_wins = row.get("first_wins")
        print(
            f"| {row['mode']} | {'shown' if row['reference'] else 'none'} | {row['judgements']} "
            f"| {row['prefers_correct']:.2f} | {row['ties']:.2f} | {row['prefers_wrong']:.2f} "
            f"| {'' if one_order is None else f'{one_order:.2f}'} "
            f"| {'' if first_wins is None else f'{first_wins:.2f}'} "
            f"| {row['unparseable']:.2f} | {row['responses_per_second']:.2f} |"
        )
    if args.out is not None:
        summary = {
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "judge": str(model_path),
            "arguments": {k: str(v) for k, v in vars(args).items()},
            "rejected_candidates": rejected,
            "load_seconds": load_seconds,
            "settings": rows,
        }
        write_atomic(args.out, json.dumps(summary, indent=2) + "\n")


if __name__ == "__main__":
    main()
