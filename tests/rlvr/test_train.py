"""`rlvr train` on a tiny random model, as a user runs it: the run directory, resume after
kill -9, Ctrl-C, custom environments, and configs that must fail before any work starts."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from rlvr.run_dir import COMPLETE

RunCli = Any
FAST = ["--max-completion-length", "12", "--group-size", "2", "--problems-per-step", "2"]
# Verification on local worker processes: Ray's own start and stop cost a run about 10 s on a
# 2-core machine. The runs about what Ray hosts or how a run ends on it (the default run, the
# three built-in environments, Ctrl-C, two ranks, GenRM, the pool metrics, tool programs) keep
# the default (`ray=True`); tests/rlvr/test_pool.py tests the actors themselves.
LOCAL = ["--verification", "local"]
PLUGIN = """\
from rlvr import Verdict


class Shout:
    '''Reward 1 for a completion that contains the row's `word` in capitals.'''

    name = "shout"
    required_fields = ("word",)

    def verify(self, problem, completion):
        return Verdict(float(problem["word"].upper() in completion), {"len": len(completion)})
"""


def rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def train_args(model: Path, out: Path, *extra: object, ray: bool = False) -> list[object]:
    return ["train", "--model", model, "--output-dir", out, *FAST, *([] if ray else LOCAL), *extra]


def test_a_run_leaves_config_metrics_samples_and_a_complete_checkpoint(
    run_cli: RunCli, tiny_model: Path, tmp_path: Path
) -> None:
    out = tmp_path / "run"
    result = run_cli(*train_args(tiny_model, out, "--envs", "math", "--max-steps", 3, ray=True))
    assert result.returncode == 0, result.stderr[-3000:]
    metrics = rows(out / "metrics.jsonl")
    assert [m["step"] for m in metrics] == [1, 2, 3]
    for row in metrics:
        assert 0.0 <= row["env/math/pass_rate"] <= 1.0
        assert row["env/math/completions"] == 4.0  # 2 problems x 2 completions
        assert row["zero_variance_groups"] is not None
        for key in (
            "loss",
            "reward",
            "completions/mean_length",
            "completions/clipped_ratio",
            "step_seconds",
            "env/math/no_answer",
            "env/math/errors",
        ):
            assert key in row, key
    samples = rows(out / "samples.jsonl")
    assert samples
    assert {"step", "problem_id", "env", "completion", "reward", "info"} <= samples[0].keys()
    assert (out / "checkpoint-3" / COMPLETE).exists()
    state = json.loads((out / "checkpoint-3" / "rlvr_state.json").read_text())
    math_state = state["curricula"]["math"]  # the default curriculum, pass_rate
    assert math_state["curriculum"] == "pass_rate"
    assert math_state["updates"] == 3  # it saw every step's rewards
    assert 1 <= len(math_state["problems"]) <= 6  # the problems drawn, with their statistics
    assert (out / "checkpoint-3" / "adapter_model.safetensors").exists()  # LoRA by default
    assert (out / "checkpoint-3" / "optimizer.pt").exists()
    config = (out / "config.yaml").read_text()
    assert "max_steps: 3" in config
    hardware = yaml.safe_load(config)["hardware"]
    assert (hardware["verification"], hardware["gradient_checkpointing"]) == ("ray", False)
    assert "step 3/3" in result.stderr
    card = (out / "README.md").read_text()  # rlvr's model card, not TRL's
    assert "version of None" not in card
    assert str(tiny_model) in card or tiny_model.name in card
    assert "math" in card


@pytest.mark.parametrize(
    ("gpu", "trl", "expected"),
    [
        (False, {}, False),
        (False, {"gradient_checkpointing": True}, True),
        (False, {"activation_checkpointing": True}, True),  # transformers 5's name for it
        (True, {}, True),
    ],
)
def test_gradient_checkpointing_is_off_on_a_cpu_unless_asked(
    tmp_path: Path, gpu: bool, trl: dict[str, Any], expected: bool
) -> None:
    """TRL turns it on to save accelerator memory; a CPU step fits without it and runs 23%
    faster (BENCHMARKS.md), so rlvr's CPU default is off, and `trl:` still decides."""
    from rlvr.config import EnvConfig, TrainConfig, resolve_defaults
    from rlvr.run_dir import RunDir
    from rlvr.train import Batching, _grpo_args

    config = resolve_defaults(
        TrainConfig(envs={"math": EnvConfig()}, output_dir=str(tmp_path), trl=trl),
        gpu=False,
        vllm_installed=False,
    )
    args = _grpo_args(config, RunDir(tmp_path), gpu, Batching(12, 1, 12), {})
    assert args.gradient_checkpointing is expected


def test_math_code_and_if_train_together(run_cli: RunCli, tiny_model: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = run_cli(
        "train",
        "--envs",
        "math,code,if",
        "--model",
        tiny_model,
        "--output-dir",
        out,
        "--max-steps",
        2,
        "--problems-per-step",
        3,
        "--group-size",
        2,
        "--max-completion-length",
        12,
    )  # verification unset: Ray actors per environment, as a user gets them
    assert result.returncode == 0, result.stderr[-3000:]
    assert yaml.safe_load((out / "config.yaml").read_text())["hardware"]["verification"] == "ray"
    metrics = rows(out / "metrics.jsonl")
    for row in metrics:
        assert row["pool/actor_restarts"] == 0  # no actor was lost and replaced
        for env in ("math", "code", "if"):
            assert row[f"env/{env}/completions"] == 2.0  # one problem each, two completions
            assert row[f"env/{env}/errors"] == 0.0  # the sandbox ran every code completion
    assert {s["env"] for s in rows(out / "samples.jsonl")} == {"math", "code", "if"}
    assert "step 2/2" in result.stderr


def test_a_custom_environment_from_a_config_trains_alongside_math(
    run_cli: RunCli, tiny_model: Path, tmp_path: Path
) -> None:
    (tmp_path / "shout.py").write_text(PLUGIN)
    data = tmp_path / "tasks.jsonl"
    data.write_text(
        "".join(
            json.dumps({"prompt": f"Say {w} loudly.", "word": w}) + "\n"
            for w in [
                "sea",
                "sky",
                "sun",
                "moon",
                "star",
                "rain",
                "wind",
                "snow",
                "leaf",
                "tree",
                "rock",
                "sand",
            ]
        )
    )
    config = tmp_path / "run.yaml"
    config.write_text(
        f"envs:\n  math: {{weight: 1}}\n  mytask: {{data: {data}, verifier: shout, weight: 1}}\n"
        "max_steps: 2\nseed: 3\n"
    )
    out = tmp_path / "run"
    result = run_cli(
        "train",
        "--config",
        config,
        "--model",
        tiny_model,
        "--output-dir",
        out,
        "--max-completion-length",
        12,
        "--group-size",
        2,
        "--problems-per-step",
        2,
        *LOCAL,
        "--plugin",
        tmp_path / "shout.py",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    metrics = rows(out / "metrics.jsonl")
    assert all(row["env/mytask/completions"] == 2.0 for row in metrics)  # one problem each
    assert all(row["env/math/completions"] == 2.0 for row in metrics)
    assert {s["env"] for s in rows(out / "samples.jsonl")} == {"math", "mytask"}


def _problems_by_step(out: Path) -> dict[int, set[str]]:
    by_step: dict[int, set[str]] = {}
    for sample in rows(out / "samples.jsonl"):
        by_step.setdefault(sample["step"], set()).add(sample["problem_id"])
    return by_step


def test_resume_after_kill_9_continues_the_same_schedule(tiny_model: Path, tmp_path: Path) -> None:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    common = [
        sys.executable,
        "-m",
        "rlvr",
        *map(str, train_args(tiny_model, tmp_path)),
        "--envs",
        "math",
        "--max-steps",
        "6",
    ]
    straight = tmp_path / "straight"
    done = subprocess.run(
        [*common, "--output-dir", str(straight)],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]

    killed = tmp_path / "killed"
    process = subprocess.Popen(
        [*common, "--output-dir", str(killed)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 150
    while time.monotonic() < deadline and not (killed / "checkpoint-4").exists():
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)  # at, or just after, the start of checkpoint-4's write
    process.wait()
    assert (killed / "checkpoint-4").exists(), "the run never reached checkpoint 4"

    resumed = subprocess.run(
        [*common, "--output-dir", str(killed), "--resume"],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert [m["step"] for m in rows(killed / "metrics.jsonl")] == [1, 2, 3, 4, 5, 6]
    assert _problems_by_step(killed) == _problems_by_step(straight)
    assert (killed / "checkpoint-6" / COMPLETE).exists()
    final = json.loads((killed / "checkpoint-6" / "rlvr_state.json").read_text())
    expected = json.loads((straight / "checkpoint-6" / "rlvr_state.json").read_text())
    assert final == expected


def test_an_incomplete_checkpoint_is_never_resumed_from(
    run_cli: RunCli, tiny_model: Path, tmp_path: Path
) -> None:
    out = tmp_path / "run"
    first = run_cli(*train_args(tiny_model, out, "--envs", "math", "--max-steps", 2))
    assert first.returncode == 0, first.stderr[-3000:]
    torn = out / "checkpoint-3"
    torn.mkdir()
    (torn / "trainer_state.json").write_text("{ half written")
    second = run_cli(*train_args(tiny_model, out, "--envs", "math", "--max-steps", 3, "--resume"))
    assert second.returncode == 0, second.stderr[-3000:]
    assert [m["step"] for m in rows(out / "metrics.jsonl")] == [1, 2, 3]
    assert (out / "checkpoint-3" / COMPLETE).exists()

    # resuming a finished run touches nothing (an evaluation of it stays current)
    before = {path: path.stat().st_mtime_ns for path in out.rglob("*")}
    third = run_cli(*train_args(tiny_model, out, "--envs", "math", "--max-steps", 3, "--resume"))
    assert third.returncode == 0, third.stderr[-3000:]
    assert "already finished its 3 steps" in third.stderr
    assert {path: path.stat().st_mtime_ns for path in out.rglob("*")} == before


def test_resume_without_a_complete_checkpoint_starts_over(
    run_cli: RunCli, tiny_model: Path, tmp_path: Path
) -> None:
    out = tmp_path / "run"
    out.mkdir()
    (out / "metrics.jsonl").write_text('{"step": 1}\n{"step": 2}\n')  # killed before any save
    (out / "checkpoint-4").mkdir()  # and during the first checkpoint's write
    result = run_cli(*train_args(tiny_model, out, "--envs", "math", "--max-steps", 2, "--resume"))
    assert result.returncode == 0, result.stderr[-3000:]
    assert [m["step"] for m in rows(out / "metrics.jsonl")] == [1, 2]
    assert not (out / "checkpoint-4").exists()


def test_ctrl_c_saves_a_checkpoint_and_exits_cleanly(tiny_model: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "rlvr",
            *map(str, train_args(tiny_model, out, ray=True)),
            "--envs",
            "math",
            "--max-steps",
            "400",
        ],
        env={**os.environ, "OMP_NUM_THREADS": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (out / "metrics.jsonl").exists():
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr[-3000:]
    assert "Traceback" not in stderr
    saved = [p for p in out.glob("checkpoint-*") if (p / COMPLETE).exists()]
    assert len(saved) == 1
    step = int(saved[0].name.split("-")[1])
    assert step < 400
    assert rows(out / "metrics.jsonl")[-1]["step"] == step


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--envs", "math,nope"], "unknown environment 'nope'"),
        (["--envs", "math", "--group-size", "1"], "group_size must be at least 2"),
        (["--envs", "math,mytask", "--problems-per-step", "1"], "problems_per_step (1)"),
        (["--envs", "math", "--loss-type", "ppo"], "loss_type must be"),
        (["--envs", "math", "--algorithm", "ppo"], "algorithm must be one of grpo, dapo"),
        (["--envs", "math", "--trl", "epsilon_hihg=0.3"], "did you mean 'epsilon_high'?"),
        (["--envs", "math", "--trl", "num_generations=8"], "set `group_size`"),
        (["--envs", "math", "--trl", "top_k=many"], "trl.top_k: expected int"),
        (["--envs", "math", "--peft", "r=4"], "set `lora_r`"),
        (["--envs", "math", "--report-to", "nosuchtracker"], "unknown tracker 'nosuchtracker'"),
        (
            ["--envs", "math", "--genrm", "pointwise", "--genrm-max-response-tokens", "0"],
            "genrm.max_response_tokens must be at least 1",
        ),
        (
            [
                *("--envs", "math", "--group-size", "2"),
                *("--problems-per-step", "2", "--micro-batch-size", "3"),
            ],
            "micro_batch_size 3 does not divide the 4 completions",
        ),
        ([], "no environments"),
        (["--envs", "math", "--model", "/nonexistent/model"], "--model /nonexistent/model"),
    ],
)
def test_bad_settings_fail_before_any_work(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    args: list[str],
    message: str,
) -> None:
    # The console entry point itself, in this process: the same exit code and message as
    # `rlvr train ...` in a shell (test_an_existing_run_is_not_overwritten runs one), without
    # paying a process start with torch's import 14 times.
    from rlvr.cli import main

    argv = ["train", "--output-dir", str(tmp_path / "run"), "--max-completion-length", "8"]
    monkeypatch.setattr(sys, "argv", ["rlvr", *argv, *args])
    with pytest.raises(SystemExit) as exited:
        main()
    stderr = capsys.readouterr().err
    assert exited.value.code == 2, stderr[-2000:]
    assert "Traceback" not in stderr
    assert message in stderr
    assert not (tmp_path / "run" / "metrics.jsonl").exists()


def test_a_row_naming_a_verifier_is_checked_for_its_fields_before_any_work(
    run_cli: RunCli, tmp_path: Path
) -> None:
    # The rule every verb follows: a row's own `verifier` scores it, and its required fields
    # are checked up front (here math's `answer`), in training as in rlvr verify and eval.
    (tmp_path / "shout.py").write_text(PLUGIN)
    data = tmp_path / "tasks.jsonl"
    good = [{"id": f"t{i}", "prompt": "Say sea.", "word": "sea"} for i in range(3)]
    # several, so that some land in the training split whatever the hash split does
    bad = [{"id": f"bad{i}", "prompt": "2+2?", "verifier": "math"} for i in range(10)]
    data.write_text("".join(json.dumps(r) + "\n" for r in [*good, *bad]))
    config = tmp_path / "run.yaml"
    config.write_text(f"envs:\n  mytask: {{data: {data}, verifier: shout}}\n")
    result = run_cli(
        "train",
        "--config",
        config,
        "--output-dir",
        tmp_path / "run",
        "--plugin",
        tmp_path / "shout.py",
    )
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert "problem 'bad" in result.stderr
    assert "answer" in result.stderr
    assert not (tmp_path / "run" / "metrics.jsonl").exists()


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        (
            "envs: [math]\nlerning_rate: 0.1\n",
            "unknown field 'lerning_rate'; did you mean 'learning_rate'?",
        ),
        ("envs: [math]\nmax_steps: many\n", "field 'max_steps': expected int"),
        ("envs:\n  math: {weigth: 2}\n", "envs.math: unknown field 'weigth'"),
        ("envs: [math\n", "not valid YAML"),
        (  # an option the environment can only check when it builds its pool
            "envs:\n  math: {options: {families: [arithmetic], max_difficulty: 1}}\n",
            "environment 'math': the math families ['arithmetic'] hold fewer than 2000",
        ),
    ],
)
def test_bad_config_files_name_the_field(
    run_cli: RunCli, tmp_path: Path, yaml_text: str, message: str
) -> None:
    config = tmp_path / "run.yaml"
    config.write_text(yaml_text)
    result = run_cli("train", "--config", config, "--output-dir", tmp_path / "run")
    assert result.returncode == 2, result.stderr[-2000:]
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_an_existing_run_is_not_overwritten(
    run_cli: RunCli, tiny_model: Path, tmp_path: Path
) -> None:
    out = tmp_path / "run"
    out.mkdir()
    (out / "metrics.jsonl").write_text('{"step": 1}\n')
    result = run_cli(*train_args(tiny_model, out, "--envs", "math", "--max-steps", 1))
    assert result.returncode == 2
    assert "already holds a run" in result.stderr
    assert (out / "metrics.jsonl").read_text() == '{"step": 1}\n'


def test_export_writes_a_plain_model_directory_with_the_adapter_merged(
    run_cli: RunCli, tiny_model: Path, tmp_path: Path
) -> None:
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    out = tmp_path / "run"
    assert run_cli(*train_args(tiny_model, out, "--envs", "math", "--max-steps", 1)).returncode == 0
    exported = tmp_path / "exported"
    result = run_cli("export", out, "--out", exported)
    assert result.returncode == 0, result.stderr[-2000:]
    model = AutoModelForCausalLM.from_pretrained(exported)
    assert not any("lora" in name for name in model.state_dict())
    merged = PeftModel.from_pretrained(
        AutoModelForCausalLM.from_pretrained(tiny_model), out / "checkpoint-1"
    ).merge_and_unload()
    for name, tensor in merged.state_dict().items():
        assert torch.equal(tensor, model.state_dict()[name]), name
    again = run_cli("export", out, "--out", exported)
    assert again.returncode == 2
    assert "already exists" in again.stderr


CURRICULUM_PLUGIN = """\
class Rotating:
    '''Starts each batch at the problem after the ones observed so far, and remembers, for
    every batch asked, how many observations it had seen by then.'''

    name = "rotating"

    def __init__(self, problems, *, seed=0):
        self.ids = sorted(str(p["id"]) for p in problems)
        self.observed = 0
        self.asked = []

    def next_batch(self, size, step):
        self.asked.append([step, self.observed])
        return [self.ids[(self.observed + j) % len(self.ids)] for j in range(size)]

    def observe(self, outcomes):
        self.observed += 1

    def state_dict(self):
        return {"ids": self.ids, "observed": self.observed, "asked": self.asked}

    def load_state_dict(self, state):
        self.observed, self.asked = state["observed"], state["asked"]
"""


def test_each_step_is_picked_after_the_curriculum_saw_the_previous_one(
    run_cli: RunCli, tiny_model: Path, tmp_path: Path, write_plugin: Any
) -> None:
    plugin = write_plugin("rotating", CURRICULUM_PLUGIN)
    out = tmp_path / "run"
    result = run_cli(
        *train_args(tiny_model, out, "--envs", "math", "--max-steps", 3),
        "--curriculum",
        "rotating",
        "--plugin",
        plugin,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    state = json.loads((out / "checkpoint-3" / "rlvr_state.json").read_text())["curricula"]["math"]
    # TRL's dataloader runs a batch ahead; the picks must not: step s after s observations
    assert state["asked"] == [[0, 0], [1, 1], [2, 2]]
    ids = state["ids"]
    for sample in rows(out / "samples.jsonl"):
        step = sample["step"]  # 1-based: the step the sample was logged at
        assert sample["problem_id"] in {ids[step - 1], ids[step]}


def test_two_training_processes_share_each_step_and_keep_one_curriculum_state(
    tiny_model: Path, tmp_path: Path
) -> None:
    out = tmp_path / "run"
    torchrun = Path(sys.executable).with_name("torchrun")
    result = subprocess.run(
        [
            str(torchrun),
            "--standalone",
            "--nproc-per-node",
            "2",
            "-m",
            "rlvr",
            *map(str, train_args(tiny_model, out, "--envs", "math,if", "--max-steps", 2, ray=True)),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    metrics = rows(out / "metrics.jsonl")
    assert [m["step"] for m in metrics] == [1, 2]  # one row per step, not one per process
    for row in metrics:  # each process scored half; the row counts both halves
        assert row["env/math/completions"] + row["env/if/completions"] == 4.0
    # process 0 generated the `if` group, process 1 the `math` one (environments in name
    # order); process 0 writes the state, so it has seen the other's rewards; and the states
    # were compared across processes before this checkpoint was written
    state = json.loads((out / "checkpoint-2" / "rlvr_state.json").read_text())
    math_state = state["curricula"]["math"]
    assert math_state["updates"] == 2
    assert len(math_state["problems"]) >= 1  # the math groups process 1 scored
    assert result.stderr.count("rlvr train: done") == 1
    assert (out / "checkpoint-2" / COMPLETE).exists()


def test_two_environments_sharing_a_problem_id_is_a_user_error(
    run_cli: RunCli, tiny_model: Path, tmp_path: Path
) -> None:
    data = tmp_path / "a.jsonl"
    data.write_text('{"id": "p1", "prompt": "What is 1+1?", "answer": "2"}\n')
    config = tmp_path / "run.yaml"
    config.write_text(
        f"envs:\n  first: {{data: {data}, verifier: math}}\n"
        f"  second: {{data: {data}, verifier: math}}\n"
    )
    result = run_cli(*train_args(tiny_model, tmp_path / "run", "--config", config))
    assert result.returncode == 2, result.stderr[-2000:]
    assert "problem id 'p1' is in environments 'first' and 'second'" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_genrm_scores_alongside_the_verifiers_and_alone_where_an_env_has_none(
    run_cli: RunCli, tiny_model: Path, tmp_path: Path
) -> None:
    data = tmp_path / "essays.jsonl"
    data.write_text(
        "".join(json.dumps({"prompt": f"Write one line about {w}."}) + "\n" for w in "abcdef")
    )
    config = tmp_path / "run.yaml"
    config.write_text(
        "envs:\n"
        "  math: {reward: {verifier: 1, genrm: 1}}\n"
        f"  essays: {{data: {data}, reward: {{verifier: 0, genrm: 1}}}}\n"
        f"genrm: {{mode: pointwise, model: {tiny_model}, max_new_tokens: 4}}\n"
    )
    out = tmp_path / "run"
    result = run_cli(*train_args(tiny_model, out, "--config", config, "--max-steps", 1, ray=True))
    assert result.returncode == 0, result.stderr[-3000:]
    (row,) = rows(out / "metrics.jsonl")
    assert row["genrm/responses"] == 4.0  # two groups of two, every env judged
    assert 0.0 <= row["env/essays/genrm_score"] <= 1.0
    assert "env/essays/pass_rate" not in row  # no verifier: no pass rate
    assert row["env/math/completions"] == 2.0
    samples = rows(out / "samples.jsonl")
    assert {s["env"] for s in samples} == {"math", "essays"}
    for sample in samples:
        assert sample["genrm_score"] is None or 0.0 <= sample["genrm_score"] <= 1.0
        if sample["env"] == "essays":  # its reward is the judge's score alone
            assert sample["reward"] == sample["genrm_score"]
            assert sample["verifier_reward"] is None


BROKEN_PLUGIN = """\
class Broken:
    '''A plugin verifier with a bug: it raises on every completion.'''

    name = "broken"

    def verify(self, problem, completion):
        raise KeyError("oops")
"""


def test_a_verifier_failing_past_max_error_rate_stops_the_run_with_a_checkpoint(
    run_cli: RunCli, tiny_model: Path, tmp_path: Path, write_plugin: Any
) -> None:
    plugin = write_plugin("broken", BROKEN_PLUGIN)
    data = tmp_path / "tasks.jsonl"
    data.write_text("".join(json.dumps({"prompt": f"Say {w}."}) + "\n" for w in "abcdef"))
    config = tmp_path / "run.yaml"
    config.write_text(
        f"envs:\n  math: {{weight: 1}}\n  mytask: {{data: {data}, verifier: broken}}\n"
        "max_steps: 3\n"
    )
    out = tmp_path / "run"
    result = run_cli(*train_args(tiny_model, out, "--config", config, "--plugin", plugin))
    assert result.returncode == 2, result.stderr[-3000:]
    assert "step 1: 2 of 2 'mytask' completions could not be scored" in result.stderr
    assert "KeyError" in result.stderr
    assert "Traceback" not in result.stderr
    assert (out / "checkpoint-1" / COMPLETE).exists()  # fix the plugin, then --resume
    (row,) = rows(out / "metrics.jsonl")
    assert row["env/mytask/errors"] == 2.0


def test_a_dapo_run_with_a_trl_override_reports_to_tensorboard(
    run_cli: RunCli, tiny_model: Path, tmp_path: Path
) -> None:
    """The preset's knobs, a TRL field rlvr does not name (top_k), micro-batches, dynamic
    sampling and overlong shaping in one run; every rlvr metric reaches tensorboard."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    out = tmp_path / "run"
    result = run_cli(
        *train_args(tiny_model, out, "--envs", "math", "--max-steps", 2, ray=True),
        "--algorithm",
        "dapo",
        "--dynamic-sampling-rounds",  # the preset's 3, bounded to keep the test fast
        1,
        "--trl",
        "top_k=5",
        "--micro-batch-size",
        2,
        "--report-to",
        "tensorboard",
        "--run-name",
        "dapo-tiny",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    config = yaml.safe_load((out / "config.yaml").read_text())
    assert config["trl"] == {"epsilon": 0.2, "epsilon_high": 0.28, "top_k": 5}
    assert (config["loss_type"], config["overlong"], config["beta"]) == ("dapo", "soft", 0.0)
    assert config["dynamic_sampling_rounds"] == 1  # the flag wins over the preset
    assert config["hardware"]["micro_batch_size"] == 2
    assert config["hardware"]["gradient_accumulation_steps"] == 2  # 2 problems x 2 / 2
    assert isinstance(config["bf16"], bool)
    assert config["hardware"]["bf16_native"] == config["bf16"]  # chosen from the hardware
    metrics = rows(out / "metrics.jsonl")
    assert [m["step"] for m in metrics] == [1, 2]
    state = json.loads((out / "checkpoint-2" / "rlvr_state.json").read_text())
    for row in metrics:
        extra = row["dynamic_sampling/extra_completions"]
        assert extra == 2 * row["dynamic_sampling/replaced_groups"]
        assert row["dynamic_sampling/extra_rounds"] <= 1
        # the curriculum heard every group generated, the replaced ones too
        assert row["env/math/completions"] == 4 + extra
        assert 0 <= row["zero_variance_groups_in_update"] <= 1
    assert state["curricula"]["math"]["updates"] == 2
    (events,) = (out / "runs").rglob("events.out.tfevents.*")
    accumulator = EventAccumulator(str(events.parent))
    accumulator.Reload()
    tags = set(accumulator.Tags()["scalars"])
    for name in (
        "env/math/pass_rate",
        "env/math/zero_variance_groups",
        "zero_variance_groups",
        "dynamic_sampling/replaced_groups",
        "pool/actor_restarts",
    ):
        assert name in tags, sorted(tags)  # rlvr's metrics: metrics.jsonl's names exactly
    assert "train/loss" in tags  # TRL's keep transformers' naming
    numbers = {k for m in metrics for k, v in m.items() if isinstance(v, int | float)}
    missing = sorted(k for k in numbers - {"step"} if k not in tags and f"train/{k}" not in tags)
    assert not missing, f"in metrics.jsonl, not in tensorboard: {missing}"
    assert [e.value for e in accumulator.Scalars("env/math/pass_rate")] == [
        pytest.approx(m["env/math/pass_rate"]) for m in metrics
    ]


SCRIPTED_POLICY = """\
'''`rlvr train` with the policy's generation scripted: a random tiny model writes no tool call,
so this writes what a tool-using policy would (the update still trains on these tokens).
Everything else is the real command: TRL's rollout loop, the sandboxed tool, the verifiers.'''
import sys

from rlvr.trainer import RLVRTrainer

calls = {"n": 0}


def generate(self, prompt_ids, *args, **kwargs):
    tokenizer = self.processing_class
    completions = []
    for ids in prompt_ids:
        seen = tokenizer.decode(ids)
        if "<tool_response>" in seen:
            printed = seen.rsplit("<tool_response>", 1)[1].split("</tool_response>")[0].strip()
            answer = printed if printed.isdigit() else "0"
            text = f"The tool printed {printed[:40]!r}, so \\\\boxed{{{answer}}}"
        elif '"python"' in seen:
            calls["n"] += 1
            # every other rollout runs a program that hangs: the tool's limit kills it and
            # the policy reads that, then answers
            code = "print(6 * 7)" if calls["n"] % 2 else "while True: pass"
            call = '{"name": "python", "arguments": {"code": "%s"}}' % code
            text = "<tool_call>\\n" + call + "\\n</tool_call>"
        else:
            text = "\\\\boxed{42}"
        completions.append(tokenizer.encode(text + "<|im_end|>", add_special_tokens=False))
    return completions, None


RLVRTrainer._generate_single_turn = generate
from rlvr.cli import main

sys.argv = ["rlvr", *sys.argv[1:]]
main()
"""


def test_math_and_a_tool_environment_train_together_with_transcripts(
    tiny_model: Path, tmp_path: Path
) -> None:
    """`rlvr train` mixing `math` and `math-tool`: TRL's loop calls the sandboxed tool (its
    program on the run's pool), a hang is an error text the policy reads (not a lost step),
    the final turn is judged by the math verifier on the run's pool, the curriculum observes
    the tool environment, and samples.jsonl holds each tool rollout's transcript. Dynamic
    sampling is on: math's flat groups are regenerated in the same multi-turn batch and
    spliced in (TRL's tool mask with them) while the tool environment's mixed group stays
    (test_multiturn_trl.py runs a multi-turn step without it)."""
    rounds = 2
    model = tmp_path / "model"
    shutil.copytree(tiny_model, model)
    config_file = model / "config.json"
    model_config = json.loads(config_file.read_text())
    # the tool section of the system prompt alone is hundreds of byte-level tokens: past the
    # context, TRL would drop the tool result and end the rollout at its call
    model_config["max_position_embeddings"] = 4096
    config_file.write_text(json.dumps(model_config))
    data = tmp_path / "sums.jsonl"
    data.write_text(
        "".join(
            json.dumps({"prompt": f"What is 6 * 7? ({tag})", "answer": "42"}) + "\n"
            for tag in "abcdefgh"
        )
    )
    config = tmp_path / "run.yaml"
    config.write_text(
        "envs:\n"
        "  math: {weight: 1}\n"
        f"  math-tool: {{weight: 1, data: {data}, options: {{max_turns: 2, timeout_s: 2}}}}\n"
    )
    driver = tmp_path / "scripted.py"
    driver.write_text(SCRIPTED_POLICY)
    out = tmp_path / "run"
    result = subprocess.run(
        [
            sys.executable,
            driver,
            *map(str, train_args(model, out, "--config", config, "--max-steps", 1, ray=True)),
            *("--max-completion-length", "256"),
            *("--dynamic-sampling-rounds", str(rounds)),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    (row,) = rows(out / "metrics.jsonl")
    assert row["env/math-tool/completions"] == 2.0
    assert row["env/math-tool/errors"] == 0.0  # a hang is the candidate's: scored, not null
    assert row["env/math-tool/pass_rate"] == 0.5  # the rollout whose program ran
    assert row["env/math-tool/tool_calls"] == 1.0
    assert row["env/math-tool/tool_errors"] == 0.5  # the hang
    # the scripted policy's math answer is 42 whatever the question: a flat group of 0s
    assert row["env/math/completions"] == 2.0 * (1 + rounds)
    assert row["dynamic_sampling/extra_rounds"] == rounds
    assert row["dynamic_sampling/dropped_groups"] == 1.0  # math's, still flat
    assert row["dynamic_sampling/groups_in_update"] == 1.0  # math-tool's mixed group
    samples = rows(out / "samples.jsonl")
    tool_samples = [s for s in samples if s["env"] == "math-tool"]
    assert len(tool_samples) == 2
    by_outcome = {s["reward"]: s for s in tool_samples}
    solved, hung = by_outcome[1.0], by_outcome[0.0]
    for sample in (solved, hung):
        assert [m["role"] for m in sample["transcript"]] == ["assistant", "tool", "assistant"]
        assert sample["transcript"][0]["tool_calls"][0]["name"] == "python"
        assert sample["completion"] == sample["transcript"][-1]["content"]  # what was judged
    assert solved["tool_calls"][0]["status"] == "ok"
    assert solved["tool_calls"][0]["result"].strip() == "42"
    assert hung["tool_calls"][0]["status"] == "error"
    assert "timed out" in hung["transcript"][1]["content"]
    for sample in samples:
        if sample["env"] == "math":  # single-turn rows stay as they were
            assert "transcript" not in sample
    state = json.loads((out / "checkpoint-1" / "rlvr_state.json").read_text())
    assert state["curricula"]["math-tool"]["updates"] == 1
    run_config = yaml.safe_load((out / "config.yaml").read_text())
    assert "Qwen2.5" in run_config["multiturn"]["chat_template"]
    assert run_config["multiturn"]["max_turns"] == {"math-tool": 2}
