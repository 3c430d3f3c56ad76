"""The run config: YAML mapping, type checks, hardware defaults."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from rlvr import UserError
from rlvr.config import check, config_from_dict, load_config, resolve_defaults


def test_envs_as_list_string_or_mapping() -> None:
    assert list(config_from_dict({"envs": "math,code"}).envs) == ["math", "code"]
    assert list(config_from_dict({"envs": ["math"]}).envs) == ["math"]
    config = config_from_dict({"envs": {"math": {"weight": 2, "options": {"size": 10}}}})
    assert config.envs["math"].weight == 2.0
    assert config.envs["math"].options == {"size": 10}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"max_steps": "ten"}, "field 'max_steps': expected int"),
        ({"max_steps": True}, "expected int"),
        ({"lora": "yes"}, "field 'lora': expected bool"),
        ({"groupsize": 4}, "did you mean 'group_size'"),
        ({"envs": {"math": {"weight": "heavy"}}}, "envs.math: field 'weight': expected float"),
        ({"envs": 3}, "must map environment names"),
        ([1, 2], "expected a mapping"),
    ],
)
def test_bad_values_name_the_field(data: object, message: str) -> None:
    with pytest.raises(UserError, match=message.replace("(", r"\(").replace(")", r"\)")):
        config_from_dict(data, where="run.yaml")  # type: ignore[arg-type]


def test_hardware_defaults() -> None:
    config = config_from_dict({"envs": ["math"]})
    cpu = resolve_defaults(config, gpu=False, vllm_installed=True)
    assert (cpu.group_size, cpu.max_completion_length, cpu.temperature, cpu.use_vllm) == (
        4,
        96,
        0.7,  # what the learning benchmark sampled at (BENCHMARKS.md, "Learning")
        False,
    )
    gpu = resolve_defaults(config, gpu=True, vllm_installed=True)
    assert (gpu.group_size, gpu.temperature, gpu.bf16, gpu.use_vllm) == (8, 1.0, True, True)
    # LoRA: a short CPU run needs the larger rate to move at all (BENCHMARKS.md, "Learning")
    assert (cpu.learning_rate, gpu.learning_rate) == (2e-4, 2e-5)
    assert (
        resolve_defaults(
            config_from_dict({"envs": ["math"], "lora": False}), gpu=False, vllm_installed=False
        ).learning_rate
        == 1e-6
    )


def test_check_rejects_impossible_batches() -> None:
    with pytest.raises(UserError, match="group_size must be at least 2"):
        check(config_from_dict({"envs": ["math"], "group_size": 1}))
    with pytest.raises(UserError, match="weight must be positive"):
        check(config_from_dict({"envs": {"math": {"weight": 0}}}))


def test_precision_follows_the_hardware_unless_set() -> None:
    config = config_from_dict({"envs": ["math"]})
    assert resolve_defaults(config, gpu=False, vllm_installed=False, bf16_native=True).bf16
    assert not resolve_defaults(config, gpu=False, vllm_installed=False, bf16_native=False).bf16
    assert not resolve_defaults(config, gpu=True, vllm_installed=False, bf16_native=False).bf16
    forced = config_from_dict({"envs": ["math"], "bf16": False})
    assert not resolve_defaults(forced, gpu=True, vllm_installed=False, bf16_native=True).bf16


@pytest.mark.parametrize(
    ("avx512_bf16", "amx", "supported", "says"),
    [
        (False, False, False, "without AVX512_BF16 or AMX (bf16 is emulated)"),
        (True, False, True, "with AVX512_BF16"),
        (False, True, True, "with AMX"),
        (True, True, True, "with AVX512_BF16 and AMX"),
    ],
)
def test_native_bf16_follows_the_cpu_and_says_why(
    monkeypatch: pytest.MonkeyPatch, avx512_bf16: bool, amx: bool, supported: bool, says: str
) -> None:
    """Both answers on any machine (CI has run on AMX and on AVX2-only CPUs): the probes torch
    offers are replaced, and the one on this machine is checked for agreeing with itself."""
    import torch

    from rlvr.config import native_bf16

    here, reason = native_bf16(gpu=False)
    assert here == (" with " in reason) != ("emulated" in reason)
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: avx512_bf16)
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: amx)
    assert native_bf16(gpu=False)[0] == supported
    assert native_bf16(gpu=False)[1].endswith(says)


def test_shipped_configs_leave_precision_to_the_hardware() -> None:
    import yaml

    root = Path(__file__).parents[2]
    for path in [*root.glob("examples/*.yaml"), *root.glob("benchmarks/**/*.yaml")]:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if isinstance(data, dict):
            assert "bf16" not in data, path
            assert "bf16" not in (data.get("trl") or {}), path


@pytest.mark.parametrize(
    ("section", "data", "message"),
    [
        (
            "trl",
            {"epsilon_hihg": 0.28},
            "unknown field 'epsilon_hihg'; did you mean 'epsilon_high'?",
        ),
        ("trl", {"epsilon_high": "big"}, "trl.epsilon_high: expected float"),
        ("trl", {"num_iterations": 1.5}, "trl.num_iterations: expected int"),
        ("peft", {"lora_dropuot": 0.1}, "did you mean 'lora_dropout'?"),
    ],
)
def test_passthrough_fields_are_checked_against_trl_and_peft(
    section: str, data: dict[str, object], message: str
) -> None:
    from peft import LoraConfig
    from trl import GRPOConfig

    from rlvr.config import check_passthrough

    cls = GRPOConfig if section == "trl" else LoraConfig
    with pytest.raises(UserError, match=message.replace("(", r"\(").replace("?", r"\?")):
        check_passthrough(section, data, cls)


def test_passthrough_accepts_trls_knobs() -> None:
    from trl import GRPOConfig

    from rlvr.config import check_passthrough

    check_passthrough(
        "trl",
        {
            "epsilon_high": 0.28,
            "importance_sampling_level": "sequence",
            "scale_rewards": "none",
            "num_iterations": 2,
            "top_p": 0.9,
            "top_k": 20,
            "vllm_mode": "server",
            "vllm_gpu_memory_utilization": 0.5,
            "vllm_tensor_parallel_size": 2,
            "save_total_limit": 3,
            "gradient_checkpointing": False,
        },
        GRPOConfig,
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"trl": {"num_generations": 8}},
            "trl.num_generations: rlvr sets this field itself; set `group_size`",
        ),
        ({"trl": {"per_device_train_batch_size": 8}}, "set `micro_batch_size`"),
        ({"trl": {"steps_per_generation": 4}}, "num_iterations"),
        ({"trl": {"loss_type": "grpo"}}, "set `loss_type`"),
        ({"trl": {"mask_truncated_completions": True}}, "set `overlong: mask`"),
        (
            {"trl": {"scale_rewards": "sometimes"}},
            "trl.scale_rewards must be one of group, batch, none",
        ),
        ({"peft": {"r": 8}}, "peft.r: rlvr sets this field itself; set `lora_r`"),
        ({"peft": {"lora_dropout": 0.1}, "lora": False}, "lora is off"),
        ({"loss_type": "ppo"}, "loss_type must be one of grpo, dr_grpo, dapo, bnpo, cispo"),
        ({"overlong": "cut"}, "overlong must be one of off, soft, mask"),
        ({"micro_batch_size": 0}, "micro_batch_size must be at least 1"),
        ({"temperature": 0}, "temperature must be more than 0"),
    ],
)
def test_check_refuses_what_rlvr_sets_itself(data: dict[str, object], message: str) -> None:
    with pytest.raises(UserError, match=message.replace("(", r"\(").replace(")", r"\)")):
        check(config_from_dict({"envs": ["math"], **data}))


@pytest.mark.parametrize(
    "loss_type", ["grpo", "dr_grpo", "dapo", "bnpo", "cispo", "sapo", "luspo", "vespo"]
)
def test_every_trl_loss_type_is_accepted(loss_type: str) -> None:
    check(config_from_dict({"envs": ["math"], "loss_type": loss_type}))


def test_loss_types_are_trls() -> None:
    import dataclasses

    from trl import GRPOConfig

    from rlvr.config import LOSS_TYPES

    help_text = {f.name: f for f in dataclasses.fields(GRPOConfig)}["loss_type"].metadata["help"]
    for loss_type in LOSS_TYPES:
        assert f"'{loss_type}'" in help_text


def test_every_field_has_a_flag_help_and_a_docs_row() -> None:
    import dataclasses

    from rlvr.config import TrainConfig, docs_table, field_docs, flags

    docs = field_docs(TrainConfig)
    paths = {flag.path for flag in flags()}
    for spec in dataclasses.fields(TrainConfig):
        assert docs.get(spec.name), f"{spec.name} has no docstring"
        assert spec.name in paths or spec.name == "genrm", spec.name
    text = (Path(__file__).parents[2] / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert docs_table() in text, (
        "docs/configuration.md's field table is out of date: replace it with the output of "
        "`python -m rlvr.config`"
    )


def test_flags_override_the_file_and_merge_mappings() -> None:
    from rlvr.config import apply_flags

    config = config_from_dict(
        {"envs": {"math": {"weight": 2}}, "trl": {"top_p": 0.9, "top_k": 5}, "group_size": 4}
    )
    flagged = apply_flags(
        config,
        {
            "envs": "math,if",
            "group_size": 8,
            "trl": ["top_k=20", "vllm_mode=server"],
            "genrm.mode": "pointwise",
            "report_to": "tensorboard,wandb",
            "max_steps": None,
        },
    )
    assert flagged.envs["math"].weight == 2
    assert "if" in flagged.envs
    assert flagged.group_size == 8
    assert flagged.trl == {"top_p": 0.9, "top_k": 20, "vllm_mode": "server"}
    assert flagged.genrm.mode == "pointwise"
    assert config.genrm.mode == "off"  # the file's config is left as it was
    assert flagged.report_to == ["tensorboard", "wandb"]
    with pytest.raises(UserError, match="expected KEY=VALUE"):
        apply_flags(config, {"trl": ["top_k"]})


def test_cpu_default_problem_mix_is_the_learning_benchmarks() -> None:
    """The bare command and `make train` train what the learning benchmark learned on: on a
    CPU, math and code named without options or data get the benchmark's mix; anything the
    user said about an environment's problems is kept; a GPU keeps every family."""
    config = config_from_dict(
        {"envs": {"math": {}, "code": {"weight": 2}, "if": {}}, "max_steps": 3}
    )
    cpu = resolve_defaults(config, gpu=False, vllm_installed=False, bf16_native=False)
    assert cpu.envs["math"].options == {
        "families": ["arithmetic"],
        "max_difficulty": 1,
        "size": 700,
    }
    assert cpu.envs["code"].options == {"max_difficulty": 2}
    assert cpu.envs["code"].weight == 2
    assert cpu.envs["if"].options == {}
    gpu = resolve_defaults(config, gpu=True, vllm_installed=False)
    assert gpu.envs["math"].options == {}
    assert gpu.envs["code"].options == {}
    given = config_from_dict(
        {"envs": {"math": {"options": {"families": ["algebra"]}}, "code": {"data": "x.jsonl"}}}
    )
    kept = resolve_defaults(given, gpu=False, vllm_installed=False, bf16_native=False)
    assert kept.envs["math"].options == {"families": ["algebra"]}
    assert kept.envs["code"].options == {}


def test_cpu_quickstart_yaml_is_the_bare_command() -> None:
    example = load_config(Path(__file__).parents[2] / "examples" / "cpu-quickstart.yaml")
    bare = config_from_dict({"envs": ["math", "code", "if"]})
    resolved = [
        resolve_defaults(c, gpu=False, vllm_installed=False, bf16_native=False)
        for c in (example, bare)
    ]
    assert dataclasses.replace(resolved[0], output_dir="") == dataclasses.replace(
        resolved[1], output_dir=""
    )
