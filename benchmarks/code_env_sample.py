"""The embedded model on a sample of the code environment: pass rates by difficulty.

    .venv/bin/python benchmarks/code_env_sample.py [--per-difficulty 12] [--samples 4]
        [--max-new-tokens 256] [--shots 1] [--out DIR]

Draws up to `--per-difficulty` problems of each difficulty from the built-in set (both
splits, a fixed shuffle), samples `--samples` completions of each from the embedded policy
(SmolLM2-135M-Instruct, `rlvr.models.resolve_model(None)`) through its chat template at
temperature 0.7, and scores them with the `code` verifier in its sandbox. Prints a Markdown
table: per difficulty, the problems and completions, pass@1 (completions that pass every
test), the mean reward (the fraction of tests passed, the training reward), and how many
completions held a fenced code block in the problem's language. `--out DIR` keeps every
completion and its verdict as JSONL.

Slow on a laptop CPU (generation dominates: tens of seconds per batch); `--threads` sets
torch's threads.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rlvr.environments.code import CodeEnvironment
from rlvr.models import resolve_model
from rlvr.verifiers.code import CodeVerifier


def sample_problems(per_difficulty: int, seed: int) -> list[dict[str, Any]]:
    env = CodeEnvironment()
    problems = sorted(env.problems("train") + env.problems("heldout"), key=lambda p: p["id"])
    random.Random(seed).shuffle(problems)
    chosen: list[dict[str, Any]] = []
    taken: dict[int, int] = defaultdict(int)
    for problem in problems:
        if taken[problem["difficulty"]] < per_difficulty:
            taken[problem["difficulty"]] += 1
            chosen.append(problem)
    return sorted(chosen, key=lambda p: (p["difficulty"], p["id"]))


def generate(
    prompts: list[list[dict[str, str]]],
    *,
    samples: int,
    batch_size: int,
    max_new_tokens: int,
    temperature: float,
    seed: int,
) -> list[list[str]]:
    """`samples` completions of each chat prompt."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = resolve_model(None)
    tokenizer = AutoTokenizer.from_pretrained(path)
    tokenizer.padding_side = "left"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
    model.eval()
    torch.manual_seed(seed)
    texts = [
        tokenizer.apply_chat_template(p, tokenize=False, add_generation_prompt=True)
        for p in prompts
    ]
    jobs = [(i, text) for i, text in enumerate(texts) for _ in range(samples)]
    out: list[list[str]] = [[] for _ in prompts]
    started = time.monotonic()
    for start in range(0, len(jobs), batch_size):
        batch = jobs[start : start + batch_size]
        encoded = tokenizer([text for _, text in batch], return_tensors="pt", padding=True)
        with torch.no_grad():
            generated = model.generate(
                **encoded,
                do_sample=True,
                temperature=temperature,
                top_p=1.0,
                max_new_tokens=max_new_tokens,
                pad_token_id=tokenizer.pad_token_id,
            )
        new_tokens = generated[:, encoded["input_ids"].shape[1] :]
        for (index, _), tokens in zip(batch, new_tokens, strict=True):
            out[index].append(str(tokenizer.decode(tokens, skip_special_tokens=True)))
        done = min(start + batch_size, len(jobs))
        elapsed = time.monotonic() - started
        print(f"generated {done}/{len(jobs)} in {elapsed:.0f} s", file=sys.stderr, flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-difficulty", type=int, default=12)
    parser.add_argument("--samples", type=int, default=4)
    parser.add_argument("--max-new-tokens", type=int, default=256)
    parser.add_argument("--temperature", type=float, default=0.7)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--shots", type=int, choices=(0, 1), default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    problems = sample_problems(args.per_difficulty, args.seed)
    env = CodeEnvironment(shots=args.shots)
    started = time.monotonic()
    completions = generate(
        [env.prompt(p) for p in problems],
        samples=args.samples,
        batch_size=args.batch_size,
        max_new_tokens=args.max_new_tokens,
        temperature=args.temperature,
        seed=args.seed,
    )
    generation_s = time.monotonic() - started
    verifier = CodeVerifier()
    rows = []
    for problem, texts in zip(problems, completions, strict=True):
        for text in texts:
            verdict = verifier.verify(problem, text)
            rows.append(
                {
                    "id": problem["id"],
                    "difficulty": problem["difficulty"],
                    "language": problem["language"],
                    "completion": text,
                    "reward": verdict.reward,
                    "info": verdict.info,
                }
            )
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        with open(args.out / "samples.jsonl", "w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(report(rows, args, generation_s))


def report(rows: list[dict[str, Any]], args: argparse.Namespace, generation_s: float) -> str:
    by_difficulty: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_difficulty[row["difficulty"]].append(row)
    lines = [
        f"Embedded model (SmolLM2-135M-Instruct) on the code environment, "
        f"{datetime.now(UTC):%Y-%m-%d}: {args.samples} completions per problem, temperature "
        f"{args.temperature}, at most {args.max_new_tokens} new tokens, shots={args.shots}, "
        f"seed {args.seed}; generation took {generation_s / 60:.0f} min.",
        "",
        "| difficulty | problems | completions | pass@1 | mean reward | fenced block |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for difficulty in sorted(by_difficulty):
        group = by_difficulty[difficulty]
        passed = sum(r["reward"] == 1.0 for r in group)
        reward = sum(r["reward"] or 0.0 for r in group) / len(group)
        fenced = sum(str(r["info"].get("extracted", "")).startswith("tagged") for r in group)
        problems = len({r["id"] for r in group})
        lines.append(
            f"| {difficulty} | {problems} | {len(group)} | {passed}/{len(group)} | "
            f"{reward:.3f} | {fenced}/{len(group)} |"
        )
    errors = sum(r["reward"] is None for r in rows)
    if errors:
        lines.append(f"\n{errors} completions were infrastructure errors (reward null).")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
