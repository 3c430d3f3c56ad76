"""A multi-turn environment inside TRL's own rollout loop: `GRPOTrainer(environment_factory=
rlvr.multiturn.environment_factories(...))` on a tiny model, one step, mixing a single-turn
environment (`math`) with a multi-turn one (`math-tool`).

The tiny random model cannot write a tool call, so its generation is scripted (the tokens a
tool-using policy would emit; the update still runs on them): everything else is TRL's — it
parses the call from the tokens with the chat template's response schema, calls the
episode's tool, appends the result, generates again, and hands the message list to the
reward function, which scores the last assistant turn with the math verifier as rlvr's
reward path does."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

transformers = pytest.importorskip("transformers")
trl = pytest.importorskip("trl")

from packaging.version import Version  # noqa: E402

from rlvr import get_verifier  # noqa: E402
from rlvr.environments.math import MathEnvironment  # noqa: E402
from rlvr.environments.math_tool import MathToolEnvironment  # noqa: E402
from rlvr.multiturn import (  # noqa: E402
    environment_factories,
    episode_reward,
    grpo_config_kwargs,
    training_row,
    transcript_of,
)
from rlvr.scoring import completion_text, score  # noqa: E402

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        Version(transformers.__version__) < Version("5.2"),
        reason="TRL's environment_factory needs transformers >= 5.2",
    ),
]

TOOL_CALL = '<tool_call>\n{"name": "python", "arguments": {"code": "print(6 * 7)"}}\n</tool_call>'


def scripted_generation(trainer: Any) -> Any:
    """What a tool-using policy would say: call the calculator when it is offered and no
    result has come back yet, then answer with what the tool printed."""
    tokenizer = trainer.processing_class

    def generate(prompt_ids: list[list[int]], *args: Any, **kwargs: Any) -> Any:
        completions = []
        for ids in prompt_ids:
            seen = tokenizer.decode(ids)
            if "<tool_response>" in seen:
                printed = seen.rsplit("<tool_response>", 1)[1].split("</tool_response>")[0]
                text = f"The tool says {printed.strip()}, so \\boxed{{{printed.strip()}}}"
            elif '"python"' in seen:
                text = TOOL_CALL
            else:
                text = "\\boxed{42}"
            completions.append(tokenizer.encode(text + "<|im_end|>", add_special_tokens=False))
        return completions, None

    return generate


def test_one_grpo_step_with_a_tool_environment(tiny_model: Path, tmp_path: Path) -> None:
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import GRPOConfig, GRPOTrainer
    from trl.chat_template_utils import qwen2_5_chat_template

    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    tokenizer.chat_template = qwen2_5_chat_template  # a template that renders tool calls
    model = AutoModelForCausalLM.from_pretrained(tiny_model)
    # The tool schema in the system prompt alone is hundreds of byte-level tokens: past the
    # context, TRL drops the tool result and ends the rollout at its call.
    model.config.max_position_embeddings = 4096

    question = {"prompt": "What is 6 * 7?", "answer": "42", "difficulty": 1}
    tool_env = MathToolEnvironment(size=5, max_turns=2, timeout_s=5.0)
    plain_env = MathEnvironment(size=5, shots=0)
    problems = {
        "math-tool/q": {**question, "id": "math-tool/q", "env": "math-tool"},
        "math/q": {**question, "id": "math/q", "env": "math"},
    }
    environments = {"math-tool": tool_env, "math": plain_env}
    rows = [
        training_row(problem["env"], environments[problem["env"]], problem)
        for problem in problems.values()
    ]
    factories = environment_factories(environments, problems)
    assert factories is not None

    verifier = get_verifier("math")
    seen: list[dict[str, Any]] = []

    def rewards(prompts: Any, completions: Any, problem_id: Any, **kwargs: Any) -> list[Any]:
        out = []
        for i, (pid, completion) in enumerate(zip(problem_id, completions, strict=True)):
            verdict = score(verifier, problems[pid], completion_text(completion))
            episode = kwargs["environments"][i]
            out.append(episode_reward(verdict.reward, episode))
            seen.append(
                {
                    "problem_id": pid,
                    "reward": out[-1],
                    "transcript": transcript_of(completion),
                    "tool_calls": list(episode.transcript),
                }
            )
        return out

    config = GRPOConfig(
        output_dir=str(tmp_path / "out"),
        per_device_train_batch_size=4,
        num_generations=2,
        max_completion_length=256,
        max_steps=1,
        learning_rate=1e-4,
        logging_steps=1,
        report_to=[],
        use_cpu=True,
        save_strategy="no",
        **grpo_config_kwargs(environments),
    )
    trainer = GRPOTrainer(
        model=model,
        reward_funcs=rewards,
        args=config,
        train_dataset=Dataset.from_list(rows * 2),
        processing_class=tokenizer,
        environment_factory=factories,
    )
    trainer._generate_single_turn = scripted_generation(trainer)  # type: ignore[method-assign]
    trainer.train()

    by_env: dict[str, list[dict[str, Any]]] = {"math-tool/q": [], "math/q": []}
    for sample in seen:
        by_env[sample["problem_id"]].append(sample)
    tool_samples, plain_samples = by_env["math-tool/q"], by_env["math/q"]
    assert tool_samples
    assert plain_samples
    for sample in tool_samples:
        # the call ran in the sandbox and its output came back as a tool message
        assert [(c["tool"], c["status"], c["result"].strip()) for c in sample["tool_calls"]] == [
            ("python", "ok", "42")
        ]
        roles = [m["role"] for m in sample["transcript"]]
        assert roles == ["assistant", "tool", "assistant"]
        assert sample["transcript"][0]["tool_calls"][0]["name"] == "python"
        assert sample["transcript"][1]["content"].strip() == "42"
        assert sample["reward"] == 1.0
        json.dumps(sample["transcript"])
    for sample in plain_samples:
        assert sample["tool_calls"] == []  # the single-turn environment offers no tools
        assert [m["role"] for m in sample["transcript"]] == ["assistant"]
        assert sample["reward"] == 1.0
    assert trainer.state.global_step == 1


def test_chat_policy_runs_an_episode_on_a_real_model(tiny_model: Path) -> None:
    """The evaluation path: a transformers model generating one message at a time, tools
    rendered by the template; the random model calls none, and its answer is judged."""
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl.chat_template_utils import qwen2_5_chat_template

    from rlvr.multiturn import chat_policy, run_episode

    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    tokenizer.chat_template = qwen2_5_chat_template
    model = AutoModelForCausalLM.from_pretrained(tiny_model)
    model.config.max_position_embeddings = 4096
    env = MathToolEnvironment(size=5, max_turns=1)
    problem = env.problems("train")[0]
    shown: list[str] = []
    policy = chat_policy(model, tokenizer, max_new_tokens=8)

    def recording(conversation: list[dict[str, Any]], tools: list[Any]) -> dict[str, Any]:
        shown.append(
            tokenizer.apply_chat_template(
                conversation, tools=tools, add_generation_prompt=True, tokenize=False
            )
        )
        return policy(conversation, tools)

    result = run_episode(env, problem, recording)
    assert '"name": "python"' in shown[0]  # the tool's schema reached the prompt
    assert result.messages[-1]["role"] == "assistant"
    assert isinstance(result.final, str)
    verdict = score(get_verifier("math"), problem, completion_text(result.messages))
    assert verdict.reward is not None  # judged, not an infrastructure fault


def test_rlvr_eval_runs_episodes_and_judges_their_final_turns(
    tiny_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`rlvr eval` on a mix of `math` and `math-tool`: the tool environment's problems run as
    episodes (its tool offered, its calls run in the sandbox, results fed back), and pass@k
    is computed the same way from the final turns; the single-turn env is evaluated as ever."""
    import rlvr.multiturn
    from rlvr.evaluate import run_eval

    offered: list[list[str]] = []

    def scripted(model: Any, tokenizer: Any, **sampling: Any) -> Any:
        assert "tool_call" in tokenizer.chat_template  # the tool-capable template
        count = {"episodes": 0}

        def policy(conversation: list[dict[str, Any]], tools: list[Any]) -> dict[str, Any]:
            offered.append([tool.__name__ for tool in tools])
            last = conversation[-1]
            if last["role"] == "tool":
                printed = str(last["content"]).strip()
                answer = printed if printed.isdigit() else "0"
                return {"role": "assistant", "content": f"\\boxed{{{answer}}}"}
            count["episodes"] += 1
            # every other episode runs a program that crashes: it reads the error, answers 0
            code = "print(6 * 7)" if count["episodes"] % 2 else "raise SystemExit(3)"
            call = {"type": "function", "function": {"name": "python", "arguments": {"code": code}}}
            return {"role": "assistant", "content": "", "tool_calls": [call]}

        return policy

    monkeypatch.setattr(rlvr.multiturn, "chat_policy", scripted)
    data = tmp_path / "rows.jsonl"
    data.write_text(
        "".join(
            json.dumps({"env": "math-tool", "prompt": f"What is 6 * 7? ({tag})", "answer": "42"})
            + "\n"
            for tag in "ab"
        )
    )
    report = run_eval(
        model=str(tiny_model),
        run=None,
        envs=["math-tool"],
        settings_in={"n": 2, "ks": "1,2", "max_new_tokens": 8, "engine": "transformers"},
        out=tmp_path / "eval",
        data=data,
        per_problem=True,
        base=False,
        log=lambda line: None,
        log_samples=True,
    )
    block = json.loads((tmp_path / "eval" / "eval.json").read_text())["math-tool"]
    assert block["n_problems"] == 2
    assert block["errors"] == 0  # a crashing program is the candidate's: scored 0, not null
    assert block["pass@1"] == 0.5  # one episode of two per problem ran the right program
    assert block["pass@2"] == 1.0
    assert offered
    assert all(names == ["python"] for names in offered)
    assert report.per_problem
    # --log-samples records whole episodes: every turn, every tool call and how it ended
    samples = [json.loads(line) for line in (tmp_path / "eval" / "samples.jsonl").open()]
    assert len(samples) == 4
    for sample in samples:
        roles = [m["role"] for m in sample["transcript"]]
        assert roles == ["assistant", "tool", "assistant"]
        assert sample["completion"] == sample["transcript"][-1]["content"]  # what was judged
        (tool_call,) = sample["tool_calls"]
        assert tool_call["tool"] == "python"
        assert tool_call["status"] == ("ok" if sample["reward"] == 1.0 else "error")
