"""`rlvr eval`: judging and summaries with a scripted generator, the generation engine on a
tiny random model, and the CLI on models, run directories and bad input."""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml

from rlvr.evaluate import (
    Policy,
    Settings,
    TransformersEngine,
    build_tasks,
    evaluate_tasks,
    policy_blocks,
    prompt_ids,
)
from rlvr.protocols import Message
from rlvr.records import split_of
from rlvr.run_dir import COMPLETE

RunCli = Any

PARITY_PLUGIN = """\
from rlvr import Verdict


class Parity:
    '''Reward 1 for a completion of even length: a coin flip for a random model.'''

    name = "parity"

    def verify(self, problem, completion):
        return Verdict(float(len(completion) % 2 == 0), {})
"""


def rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def scripted(answers: dict[str, list[str]]) -> Any:
    """A generator that answers each prompt (by its last message) with a fixed list."""

    def generate(prompts: Sequence[list[Message]], n: int, seeds: Sequence[int]) -> list[list[str]]:
        return [answers[prompt[-1]["content"].split(" Give")[0]][:n] for prompt in prompts]

    return generate


# -- judging and summaries (no model) ---------------------------------------------------------


def test_math_is_reported_in_strict_and_lenient_extraction(
    write_jsonl: Any,
) -> None:
    data = write_jsonl(
        "math.jsonl",
        [
            {"env": "math", "prompt": "What is 2 + 3?", "answer": "5", "difficulty": 1},
            {"env": "math", "prompt": "What is 4 + 4?", "answer": "8", "difficulty": 2},
        ],
    )
    tasks = build_tasks(None, configs={}, env_seed=0, data=data, limit=None)
    settings = Settings(n=4, ks=(1, 4))
    results = evaluate_tasks(
        scripted(
            {
                # boxed twice: strict and lenient both read it
                "What is 2 + 3?": ["\\boxed{5}", "\\boxed{5}", "\\boxed{4}", "no idea"],
                # unboxed: only lenient extraction finds the answer
                "What is 4 + 4?": ["The answer is 8.", "It is 8", "9", "The answer is 8."],
            }
        ),
        tasks,
        settings,
    )
    block = policy_blocks(results, settings)["math"]
    assert block["extraction"] == "strict"
    assert block["pass@1"] == pytest.approx((2 / 4 + 0) / 2)
    assert block["pass@4"] == pytest.approx((1 + 0) / 2)
    assert block["n_problems"] == 2
    assert block["n"] == 4
    assert block["errors"] == 0
    assert block["by_difficulty"]["1"]["pass@1"] == 0.5
    assert block["by_difficulty"]["2"]["pass@1"] == 0.0
    lenient = block["lenient"]
    assert lenient["pass@1"] == pytest.approx((2 / 4 + 3 / 4) / 2)
    assert lenient["by_difficulty"]["2"]["pass@1"] == 0.75
    for reading in (block, lenient, *block["by_difficulty"].values()):
        low, high = reading["pass@1_ci"]
        assert low <= reading["pass@1"] <= high


def test_a_verifier_fault_is_counted_as_an_error_not_as_wrong(
    write_jsonl: Any, write_plugin: Any
) -> None:
    from rlvr.registry import load_plugin

    load_plugin(
        write_plugin(
            "flaky_eval",
            """\
            from rlvr import Verdict


            class Flaky:
                name = "flaky_eval"

                def verify(self, problem, completion):
                    if completion == "boom":
                        raise RuntimeError("the checker broke")
                    return Verdict(float(completion == "yes"), {})
            """,
        )
    )
    data = write_jsonl(
        "rows.jsonl",
        [
            {"env": "custom", "verifier": "flaky_eval", "prompt": "a"},
            {"env": "custom", "verifier": "flaky_eval", "prompt": "b"},
        ],
    )
    tasks = build_tasks(None, configs={}, env_seed=0, data=data, limit=None)
    settings = Settings(n=4, ks=(1, 4))
    results = evaluate_tasks(
        scripted({"a": ["yes", "boom", "no", "yes"], "b": ["no", "no", "no", "no"]}),
        tasks,
        settings,
    )
    block = policy_blocks(results, settings)["custom"]
    assert block["errors"] == 1
    assert block["pass@1"] == pytest.approx((2 / 3 + 0) / 2)  # 2 of the 3 scored samples
    assert block["pass@4"] == pytest.approx(0.0)  # only problem b has 4 scored samples
    assert "extraction" not in block


def test_per_problem_rates_seed_the_pass_rate_curriculum(tmp_path: Path, write_jsonl: Any) -> None:
    """The documented path: profile the training problems, then start a curriculum from them."""
    from rlvr.environments.math import MathEnvironment
    from rlvr.evaluate import per_problem_rows
    from rlvr.registry import get_curriculum

    train = [dict(p) for p in MathEnvironment(size=40).problems("train")[:3]]
    data = write_jsonl("train.jsonl", train)
    tasks = build_tasks(None, configs={}, env_seed=0, data=data, limit=None)
    right = [f"\\boxed{{{train[0]['answer']}}}"] * 2 + ["no"] * 2
    answers = {p["prompt"]: right if p is train[0] else ["no"] * 4 for p in train}
    results = evaluate_tasks(scripted(answers), tasks, Settings(n=4, ks=(1,)))
    rows_out = per_problem_rows(results)
    assert [(r["id"], r["n"], r["correct"]) for r in rows_out] == [
        (train[0]["id"], 4, 2),
        (train[1]["id"], 4, 0),
        (train[2]["id"], 4, 0),
    ]
    path = tmp_path / "pass_rates.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows_out))
    curriculum = get_curriculum("pass_rate", train, seed=0, pass_rates=str(path))
    seeded = curriculum.state_dict()["problems"]
    assert set(seeded) == {p["id"] for p in train}


def test_limit_takes_the_first_problems_of_each_environment() -> None:
    from rlvr.config import EnvConfig

    small = {"math": EnvConfig(options={"size": 200}), "if": EnvConfig(options={"size": 100})}
    tasks = build_tasks(["math", "if"], configs=small, env_seed=0, data=None, limit=3)
    assert [(t.name, len(t.problems)) for t in tasks] == [("math", 3), ("if", 3)]
    for task in tasks:
        assert all(split_of(str(p["id"]), 0.1) == "heldout" for p in task.problems)
    assert tasks[0].extractions == ("strict", "lenient")
    assert tasks[1].extractions == (None,)


# -- generation ---------------------------------------------------------------------------------


MESSAGES = [{"role": "user", "content": "What is 12 + 7?"}]
OTHER = [{"role": "user", "content": "Write a short poem about the sea."}]


def test_prompts_are_rendered_as_trl_renders_them(tiny_model: Path) -> None:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    # GRPOTrainer._generate_single_turn (TRL 1.16): the batch of conversations, generation prompt
    trl_ids = tokenizer.apply_chat_template(
        conversation=[MESSAGES], add_generation_prompt=True, tokenize=True, return_dict=True
    )["input_ids"][0]
    assert prompt_ids(tokenizer, MESSAGES) == list(trl_ids)
    text = tokenizer.decode(prompt_ids(tokenizer, MESSAGES))
    assert text.endswith("<|im_start|>assistant\n")


def test_generation_is_reproducible_from_its_seed_and_independent_of_the_batch(
    tiny_model: Path,
) -> None:
    engine = TransformersEngine(
        Policy("model", None, tiny_model), Settings(n=3, max_new_tokens=10, temperature=1.0)
    )
    first, other = engine.generate([MESSAGES, OTHER], 3, [11, 12])
    assert len(first) == 3
    assert len(set(first)) > 1  # sampled, not greedy
    assert engine.generate([MESSAGES], 3, [11]) == [first]
    assert engine.generate([OTHER], 3, [12]) == [other]
    assert engine.generate([MESSAGES], 3, [99]) != [first]


def test_batched_problems_are_left_padded_and_kept_apart(tiny_model: Path) -> None:
    import torch

    def engine(batch: int) -> TransformersEngine:
        settings = Settings(n=2, max_new_tokens=8, temperature=0.001, batch=batch)
        return TransformersEngine(Policy("model", None, tiny_model), settings)

    # near-greedy sampling: a problem batched with a longer prompt continues as it does alone
    alone = engine(1).generate([MESSAGES, OTHER], 2, [1, 2])
    assert engine(2).generate([MESSAGES, OTHER], 2, [1, 2]) == alone

    # a model that "completes" each row with its own unpadded prompt: every problem's samples
    # must come back under its own index, its padding masked out
    batched = engine(2)
    seen = []

    def echo(input_ids: Any, attention_mask: Any, generation_config: Any) -> Any:
        seen.append((input_ids, attention_mask))
        prompts = [row[mask.bool()] for row, mask in zip(input_ids, attention_mask, strict=True)]
        width = max(len(p) for p in prompts)
        pad = generation_config.pad_token_id
        tails = [torch.cat([p, torch.full((width - len(p),), pad)]) for p in prompts]
        return torch.cat([input_ids, torch.stack(tails)], dim=1)

    batched.model.generate = echo
    prompts = [MESSAGES, OTHER, MESSAGES]
    out = batched.generate(prompts, 2, [1, 2, 3])
    tokenizer = batched.tokenizer

    def echoed(messages: list[Message]) -> str:  # cut at the first end token, as completions are
        ids = prompt_ids(tokenizer, messages)
        end = next(i for i, token in enumerate(ids) if token in batched.eos_ids)
        return tokenizer.decode(ids[: end + 1], skip_special_tokens=True)

    assert out == [[echoed(m)] * 2 for m in prompts]
    assert out[0] != out[1]
    assert [len(ids) for ids, _ in seen] == [4, 2]  # two problems x n=2, then the last alone
    mask = seen[0][1]
    assert mask[:2].sum(dim=1).tolist() == [len(prompt_ids(tokenizer, MESSAGES))] * 2
    assert mask[0, 0] == 0  # the shorter prompt is padded on the left
    assert mask[2, 0] == 1


# -- the CLI ------------------------------------------------------------------------------------


def parity_rows(write_jsonl: Any, count: int = 4) -> Path:
    return write_jsonl(
        "parity.jsonl",
        [
            {
                "id": f"p{i}",
                "env": "parity",
                "verifier": "parity",
                "prompt": f"Say {i}.",
                "difficulty": 1 + i % 2,
            }
            for i in range(count)
        ],
    )


FAST = ["--n", 6, "--k", "1,2,6", "--max-new-tokens", 6]


def test_eval_of_a_model_writes_json_csv_settings_and_per_problem_rates(
    run_cli: RunCli, tiny_model: Path, tmp_path: Path, write_jsonl: Any, write_plugin: Any
) -> None:
    plugin = write_plugin("parity", PARITY_PLUGIN)
    data = parity_rows(write_jsonl)
    args = ["eval", "--model", tiny_model, "--data", data, "--plugin", plugin, *FAST]
    first = run_cli(*args, "--out", tmp_path / "a", "--per-problem")
    assert first.returncode == 0, first.stderr[-3000:]
    result = json.loads((tmp_path / "a" / "eval.json").read_text())
    assert list(result) == ["parity"]
    block = result["parity"]
    assert {"pass@1", "pass@1_ci", "pass@2", "pass@6", "n_problems", "by_difficulty"} <= set(block)
    assert block["n_problems"] == 4
    assert sorted(block["by_difficulty"]) == ["1", "2"]
    per_problem = rows(tmp_path / "a" / "pass_rates.jsonl")
    assert [r["id"] for r in per_problem] == ["p0", "p1", "p2", "p3"]
    for row in per_problem:
        assert set(row) == {"id", "env", "n", "correct", "pass_rate"}
        assert row["n"] == 6
        assert row["pass_rate"] == pytest.approx(row["correct"] / 6, abs=1e-6)
    assert block["pass@1"] == pytest.approx(sum(r["pass_rate"] for r in per_problem) / 4)
    assert 0 < block["pass@1"] < 1, "the parity verifier should see both outcomes"
    with (tmp_path / "a" / "eval.csv").open() as handle:
        table = list(csv.DictReader(handle))
    overall = {r["k"]: r for r in table if r["difficulty"] == "all"}
    assert set(overall) == {"1", "2", "6"}
    assert float(overall["1"]["pass_at_k"]) == block["pass@1"]
    assert [float(overall["1"]["ci_low"]), float(overall["1"]["ci_high"])] == block["pass@1_ci"]
    settings = json.loads((tmp_path / "a" / "settings.json").read_text())
    assert settings["n"] == 6
    assert settings["k"] == [1, 2, 6]
    assert settings["engine"] == "transformers"
    assert "pass@1" in first.stdout  # the table

    again = run_cli(*args, "--out", tmp_path / "b", "--per-problem")
    assert again.returncode == 0, again.stderr[-3000:]
    assert (tmp_path / "b" / "eval.json").read_text() == (tmp_path / "a" / "eval.json").read_text()
    assert rows(tmp_path / "b" / "pass_rates.jsonl") == per_problem


def _write_run(root: Path, tiny_model: Path, envs: dict[str, Any]) -> Path:
    """A run directory as `rlvr train` leaves it, made by hand: checkpoint-1 a LoRA adapter,
    checkpoint-2 full weights, checkpoint-3 torn (no COMPLETE)."""
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    run = root / "run"
    run.mkdir()
    config = {
        "envs": envs,
        "seed": 0,
        "temperature": 1.0,
        "max_completion_length": 6,
        "model_path": str(tiny_model),
    }
    (run / "config.yaml").write_text(yaml.safe_dump(config))
    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    adapter = get_peft_model(
        AutoModelForCausalLM.from_pretrained(tiny_model),
        # random, not zero, LoRA weights: the adapter must change what the model says
        LoraConfig(r=4, target_modules="all-linear", init_lora_weights=False),
    )
    adapter.save_pretrained(run / "checkpoint-1")
    tokenizer.save_pretrained(run / "checkpoint-1")
    full = AutoModelForCausalLM.from_pretrained(tiny_model)
    full.save_pretrained(run / "checkpoint-2")
    tokenizer.save_pretrained(run / "checkpoint-2")
    for name in ("checkpoint-1", "checkpoint-2"):
        (run / name / COMPLETE).write_text("")
    shutil.copytree(run / "checkpoint-2", run / "checkpoint-3")
    (run / "checkpoint-3" / COMPLETE).unlink()
    return run


@pytest.mark.filterwarnings("ignore::FutureWarning")  # peft asks transformers a deprecated name
def test_eval_of_a_run_covers_base_and_every_complete_checkpoint(
    run_cli: RunCli, tiny_model: Path, tmp_path: Path, write_jsonl: Any, write_plugin: Any
) -> None:
    plugin = write_plugin("parity", PARITY_PLUGIN)
    data = parity_rows(write_jsonl)
    run = _write_run(tmp_path, tiny_model, {"parity": {"verifier": "parity"}})
    result = run_cli(
        "eval", "--run", run, "--data", data, "--plugin", plugin, *FAST, "--per-problem"
    )
    assert result.returncode == 0, result.stderr[-3000:]
    evaluated = json.loads((run / "eval" / "eval.json").read_text())
    assert list(evaluated) == ["base", "checkpoint-1", "checkpoint-2"]  # not the torn one
    for blocks in evaluated.values():
        assert blocks["parity"]["n_problems"] == 4
    # checkpoint-2 holds the base weights unchanged: the same seeds give the same samples;
    # checkpoint-1's random adapter changes what the model says
    unchanged = evaluated["checkpoint-2"]["parity"].pop("vs_base")
    assert evaluated["checkpoint-2"] == evaluated["base"]
    assert unchanged["pass@1"] == 0
    assert unchanged["pass@1_ci"] == [0, 0]
    assert "vs_base" not in evaluated["base"]["parity"]
    changed = evaluated["checkpoint-1"]["parity"]
    assert changed["vs_base"]["pass@1"] == pytest.approx(
        changed["pass@1"] - evaluated["base"]["parity"]["pass@1"], abs=1e-4
    )
    assert evaluated["checkpoint-1"] != evaluated["base"]
    settings = json.loads((run / "eval" / "settings.json").read_text())
    assert settings["max_new_tokens"] == 6  # the run's max_completion_length
    assert settings["policies"]["checkpoint-1"]["base"] == str(tiny_model)
    with (run / "eval" / "eval.csv").open() as handle:
        steps = {r["step"] for r in csv.DictReader(handle)}
    assert steps == {"0", "1", "2"}

    # The adapter is merged exactly as `rlvr export` merges it: same samples, same results.
    exported = tmp_path / "exported"
    assert run_cli("export", run, "--out", exported, "--step", 1).returncode == 0
    direct = run_cli(
        "eval",
        "--model",
        exported,
        "--data",
        data,
        "--plugin",
        plugin,
        *FAST,
        "--out",
        tmp_path / "direct",
        "--per-problem",
    )
    assert direct.returncode == 0, direct.stderr[-3000:]
    assert rows(tmp_path / "direct" / "pass_rates.jsonl") == rows(
        run / "eval" / "pass_rates-checkpoint-1.jsonl"
    )


@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_eval_of_a_run_uses_its_environments_held_out_split(
    run_cli: RunCli, tiny_model: Path, tmp_path: Path
) -> None:
    run = _write_run(tmp_path, tiny_model, {"math": {"options": {"size": 300}}})
    result = run_cli(
        "eval", "--run", run, "--no-base", "--steps", 1, "--n", 2, "--limit", 2, "--per-problem"
    )
    assert result.returncode == 0, result.stderr[-3000:]
    evaluated = json.loads((run / "eval" / "eval.json").read_text())
    assert list(evaluated) == ["checkpoint-1"]  # --steps 1: not checkpoint-2
    assert set(evaluated["checkpoint-1"]["math"]) >= {"extraction", "lenient"}
    from rlvr.environments.math import MathEnvironment

    env = MathEnvironment(size=300)
    heldout = {p["id"] for p in env.problems("heldout")}
    train = {p["id"] for p in env.problems("train")}
    evaluated_ids = {r["id"] for r in rows(run / "eval" / "pass_rates-checkpoint-1.jsonl")}
    assert len(evaluated_ids) == 2
    assert evaluated_ids <= heldout
    assert not evaluated_ids & train


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--envs", "nope", "--model", "{model}"], "unknown environment 'nope'"),
        (["--envs", "math", "--model", "{model}", "--n", 4, "--k", "1,8"], "k=8 needs"),
        (["--envs", "math", "--model", "{model}", "--k", "1,x"], "--k 1,x"),
        (["--model", "{model}", "--data", "{tmp}/missing.jsonl"], "no such file"),
        (["--model", "{model}", "--run", "{tmp}"], "not both"),
        (["--run", "{tmp}"], "not a run directory"),
        (["--run", "{run}"], "no complete checkpoint"),
        (["--run", "{done}", "--steps", "2,3"], "no complete checkpoint at step 2, 3; it has 4"),
        (["--run", "{done}", "--steps", "four"], "--steps four: expected step numbers"),
        (["--model", "{model}", "--envs", "math", "--steps", "4"], "pass --run too"),
        (["--model", "{model}"], "no environments"),
        (["--model", "{tmp}/missing-model", "--envs", "math"], "missing-model"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    run_cli: RunCli, tiny_model: Path, tmp_path: Path, args: list[Any], message: str
) -> None:
    empty_run = tmp_path / "run"
    empty_run.mkdir()
    (empty_run / "config.yaml").write_text(f"envs: [math]\nmodel_path: {tiny_model}\n")
    (empty_run / "checkpoint-2").mkdir()  # torn: never complete
    done_run = tmp_path / "done"
    shutil.copytree(empty_run, done_run)
    (done_run / "checkpoint-4").mkdir()
    (done_run / "checkpoint-4" / COMPLETE).write_text("")
    filled = [
        str(a).format(model=tiny_model, tmp=tmp_path, run=empty_run, done=done_run) for a in args
    ]
    result = run_cli("eval", *filled)
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert message in result.stderr
    assert result.stderr.startswith("rlvr: error:")
