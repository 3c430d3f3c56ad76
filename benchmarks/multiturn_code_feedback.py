"""The embedded model on `code-feedback`: pass@1 with the `run_tests` tool against without it,
at the same sample budget, and what it does with the tool.

For each problem, `--samples` episodes with the tool (rlvr.multiturn.run_episode, TRL's loop
semantics, the policy generating one message at a time) and as many single-turn answers to
the `code` environment's prompt for the same problem. Both are scored by the `code` verifier
on every test. The embedded model's own chat template renders no tools, so the conversation
is rendered with the template `rlvr train` and `rlvr eval` pick for it
(rlvr.multiturn.tool_chat_template: TRL's Qwen2.5 template, the same ChatML tokens plus a tool
section and `<tool_call>` markup TRL can parse); the single-turn arm uses the same template.

    .venv/bin/python benchmarks/multiturn_code_feedback.py --problems 12 --samples 2
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from rlvr import get_verifier
from rlvr.environments.code import CodeEnvironment
from rlvr.environments.code_feedback import CodeFeedbackEnvironment
from rlvr.models import resolve_model
from rlvr.multiturn import chat_policy, run_episode, tool_chat_template
from rlvr.scoring import completion_text, score


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", type=int, default=12)
    parser.add_argument("--samples", type=int, default=2)
    parser.add_argument("--max-difficulty", type=int, default=2)
    parser.add_argument("--max-new-tokens", type=int, default=256)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    path = resolve_model(None)
    tokenizer = AutoTokenizer.from_pretrained(path)
    template = tool_chat_template(tokenizer)
    model = AutoModelForCausalLM.from_pretrained(path)
    model.eval()
    policy = chat_policy(model, tokenizer, max_new_tokens=args.max_new_tokens)

    feedback_env = CodeFeedbackEnvironment(max_difficulty=args.max_difficulty, languages=["python"])
    plain_env = CodeEnvironment(max_difficulty=args.max_difficulty, languages=["python"])
    verifier = get_verifier("code")
    problems = feedback_env.problems("train")[: args.problems]

    with_tool: list[float] = []
    without_tool: list[float] = []
    statuses: Counter[str] = Counter()
    episodes_calling = 0
    mentions_without_call = 0
    openings: list[str] = []
    generations = 0
    started = time.monotonic()
    for problem in problems:
        source = {**problem, "id": problem["meta"]["source_id"], "env": "code"}
        for _ in range(args.samples):
            result = run_episode(feedback_env, problem, policy)
            generations += sum(m["role"] == "assistant" for m in result.messages)
            verdict = score(verifier, problem, completion_text(result.messages))
            with_tool.append(float(verdict.reward or 0.0))
            episodes_calling += bool(result.transcript)
            said = " ".join(str(m.get("content", "")) for m in result.messages)
            mentions_without_call += not result.transcript and "run_tests" in said
            openings.append(str(result.messages[0].get("content", ""))[:160])
            statuses.update(call["status"] for call in result.transcript)

            answer = policy(plain_env.prompt(source), [])
            generations += 1
            verdict = score(verifier, source, completion_text([answer]))
            without_tool.append(float(verdict.reward or 0.0))
    elapsed = time.monotonic() - started
    episodes = len(with_tool)
    print(
        json.dumps(
            {
                "problems": len(problems),
                "samples_per_problem": args.samples,
                "pass@1_with_tool": sum(with_tool) / episodes,
                "pass@1_without_tool": sum(without_tool) / episodes,
                "episodes_calling_a_tool": episodes_calling,
                "episodes_naming_run_tests_in_text_only": mentions_without_call,
                "chat_template": template,
                "episodes": episodes,
                "tool_call_statuses": dict(statuses),
                "generations": generations,
                "wall_s": round(elapsed, 1),
                "first_turns_with_tool": openings,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
