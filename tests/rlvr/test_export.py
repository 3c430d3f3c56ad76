"""`rlvr export`: the model card says what the model is (base model, environments, how it was
trained, the run's evaluation, license), and a push to the Hub without network is a clear
error, never a traceback."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from huggingface_hub import ModelCard

from rlvr.errors import UserError
from rlvr.export import _check_can_push, export, model_card
from rlvr.run_dir import COMPLETE, RunDir

RunCli = Any


def make_run(tmp_path: Path, tiny_model: Path, **config: Any) -> Path:
    """A run directory as `rlvr train` leaves it: config.yaml and one complete checkpoint
    (full weights: the tiny model itself)."""
    run = tmp_path / "my-math-run"
    checkpoint = run / "checkpoint-3"
    shutil.copytree(tiny_model, checkpoint)
    (checkpoint / COMPLETE).write_text("")
    resolved = {
        "envs": {
            "math": {"weight": 2.0, "data": None, "verifier": None, "reward": {"verifier": 1.0}},
            "puzzles": {
                "weight": 0.5,
                "data": "puzzles.parquet",
                "verifier": "exact",
                "columns": {"question": "prompt"},
                "system_prompt": "Answer | briefly.",
            },
        },
        "model": str(tiny_model),
        "output_dir": str(run),
        "max_steps": 3,
        "seed": 7,
        "algorithm": "dapo",
        "curriculum": "pass_rate",
        "problems_per_step": 2,
        "group_size": 4,
        "max_completion_length": 64,
        "temperature": 0.7,
        "learning_rate": 0.000123,
        "beta": 0.0,
        "loss_type": "dapo",
        "lora": False,
        "bf16": False,
        "model_path": str(tiny_model),
        "hardware": {"device": "cpu", "training_processes": 2},
        **config,
    }
    (run / "config.yaml").write_text(yaml.safe_dump(resolved, sort_keys=False))
    return run


def write_eval(run: Path) -> None:
    block = {"pass@1": 0.25, "pass@1_ci": [0.1, 0.4], "n_problems": 40, "n": 4, "errors": 0}
    trained = {"pass@1": 0.625, "pass@1_ci": [0.5, 0.75], "n_problems": 40, "n": 4, "errors": 0}
    trained["vs_base"] = {"pass@1": 0.375, "pass@1_ci": [0.2, 0.55]}
    (run / "eval").mkdir()
    (run / "eval" / "eval.json").write_text(
        json.dumps(
            {
                "base": {"math": {**block, "extraction": "strict"}},
                "checkpoint-3": {"math": {**trained, "extraction": "strict"}},
            }
        )
    )
    settings = {"n": 4, "temperature": 0.6, "max_new_tokens": 512}
    (run / "eval" / "settings.json").write_text(json.dumps(settings))


def card_of(run: Path, **options: Any) -> str:
    return model_card(RunDir(run), 3, RunDir(run).read_config(), **options)


def test_card_names_base_environments_training_and_eval(tmp_path: Path, tiny_model: Path) -> None:
    run = make_run(tmp_path, tiny_model)
    write_eval(run)
    card = card_of(run, license="mit")
    assert "version of None" not in card
    assert f"A local model (`{tiny_model.name}`)" in card
    assert "| math | 2.0 | built-in generator | the environment's own | 1.0 / 0.0 | none |" in card
    assert "`puzzles.parquet` (columns: question → prompt)" in card
    assert "`Answer \\| briefly.`" in card  # a pipe in a cell is escaped, the row holds
    assert "Steps: 3 of 3 (this checkpoint); seed 7" in card
    assert "Learning rate: 0.000123" in card
    assert "recipe `dapo`" in card
    assert "Full fine-tuning (no LoRA)" in card
    assert "| base | math | strict | 40 | 0.250 [0.10, 0.40] |" in card
    assert "| **checkpoint-3** (this model) | math | strict | 40 | 0.625 [0.50, 0.75] |" in card
    assert "math: +0.375 [+0.20, +0.55]" in card
    assert "4 samples per problem at temperature 0.6, up to 512 new tokens" in card
    assert "learning_rate: 0.000123" in card  # the config block
    assert str(tmp_path) not in card  # machine-local paths (output_dir, model_path) left out


def test_card_metadata_is_what_the_hub_reads(tmp_path: Path, tiny_model: Path) -> None:
    run = make_run(tmp_path, tiny_model, model="HuggingFaceTB/SmolLM2-360M-Instruct")
    run_config = RunDir(run).read_config()
    run_config["envs"]["math"]["data"] = "openai/gsm8k:main@train"
    path = tmp_path / "README.md"
    path.write_text(model_card(RunDir(run), 3, run_config, license="apache-2.0"))
    metadata = ModelCard.load(path).data.to_dict()
    assert metadata["base_model"] == "HuggingFaceTB/SmolLM2-360M-Instruct"
    assert metadata["license"] == "apache-2.0"
    assert metadata["datasets"] == ["openai/gsm8k:main@train"]
    assert {"rlvr", "grpo", "math", "puzzles"} <= set(metadata["tags"])


def test_license_comes_from_the_base_models_card_or_is_said_to_be_missing(
    tmp_path: Path, tiny_model: Path
) -> None:
    base = tmp_path / "base"
    shutil.copytree(tiny_model, base)
    run = make_run(tmp_path, tiny_model, model=str(base), model_path=str(base))
    assert "Not recorded: the base model's license applies" in card_of(run)
    (base / "README.md").write_text("---\nlicense: llama3.2\n---\n# A base model\n")
    assert "## License\n\n`llama3.2`" in card_of(run)


def test_embedded_default_is_named_with_its_license(tmp_path: Path, tiny_model: Path) -> None:
    card = card_of(make_run(tmp_path, tiny_model, model=None))
    assert "[HuggingFaceTB/SmolLM2-135M-Instruct](https://huggingface.co/" in card
    assert "license: apache-2.0" in card


def test_without_eval_the_card_says_how_to_get_one(tmp_path: Path, tiny_model: Path) -> None:
    assert "Not evaluated yet: `rlvr eval --run RUN_DIR`" in card_of(make_run(tmp_path, tiny_model))


def test_export_writes_the_card_beside_the_weights(tmp_path: Path, tiny_model: Path) -> None:
    run = make_run(tmp_path, tiny_model)
    write_eval(run)
    out = export(run, tmp_path / "exported")
    assert (out / "config.json").is_file()
    card = (out / "README.md").read_text()
    assert "0.625 [0.50, 0.75]" in card
    assert f'pipeline("text-generation", model={str(out)!r})' in card


def test_card_config_block_is_a_config_rlvr_train_reads(tmp_path: Path, tiny_model: Path) -> None:
    from rlvr.config import config_from_dict

    run = make_run(tmp_path, tiny_model)
    run_config = RunDir(run).read_config()
    del run_config["envs"]["puzzles"]
    card = model_card(RunDir(run), 3, run_config, name="me/model")
    block = card.split("```yaml\n", 1)[1].split("```", 1)[0]
    config = config_from_dict(yaml.safe_load(block))
    assert (config.learning_rate, config.seed, list(config.envs)) == (0.000123, 7, ["math"])
    assert "# model\n" in card
    assert "model='me/model'" in card


@pytest.mark.parametrize(
    ("repo", "offline", "message"),
    [
        ("me/model", True, "HF_HUB_OFFLINE is set"),
        ("no-owner", False, "name the owner too"),
        ("me/bad name!", False, "not a Hub repository id"),
    ],
)
def test_push_that_cannot_happen_is_refused_first(
    monkeypatch: pytest.MonkeyPatch, repo: str, offline: bool, message: str
) -> None:
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", offline)
    with pytest.raises(UserError, match=message):
        _check_can_push(repo)


@pytest.mark.slow
def test_push_without_network_is_exit_2_and_keeps_the_export(
    run_cli: RunCli, tmp_path: Path, tiny_model: Path
) -> None:
    run = make_run(tmp_path, tiny_model)
    out = tmp_path / "exported"
    # A Hub endpoint where nothing listens: what a machine without network sees, at once.
    unreachable = {"HF_ENDPOINT": "http://127.0.0.1:9", "HF_TOKEN": "hf_x", "HF_HUB_OFFLINE": "0"}
    result = run_cli("export", run, "--out", out, "--push-to-hub", "me/model", env=unreachable)
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert "cannot reach the Hugging Face Hub" in result.stderr
    assert f"the model is exported in {out}" in result.stderr
    assert (out / "README.md").is_file()


def test_an_odd_eval_json_gives_a_shorter_table_and_a_broken_one_a_user_error(
    tmp_path: Path, tiny_model: Path
) -> None:
    run = make_run(tmp_path, tiny_model)
    (run / "eval").mkdir()
    odd = {"base": {"math": [1, 2], "code": {"pass@1": 0.5, "n_problems": 2}}, "x": 3}
    (run / "eval" / "eval.json").write_text(json.dumps(odd))
    card = card_of(run)
    assert "| base | code |  | 2 | 0.500 |" in card
    assert "| base | math |" not in card
    assert (
        "This model (checkpoint 3) is not in eval.json: `rlvr eval --run RUN_DIR --steps 3`" in card
    )
    (run / "eval" / "eval.json").write_text("{not json")
    with pytest.raises(UserError, match=r"eval\.json: not valid JSON"):
        card_of(run)
