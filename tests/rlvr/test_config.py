"""The run config: YAML mapping, type checks, hardware defaults."""

from __future__ import annotations

import pytest

from rlvr import UserError
from rlvr.config import check, config_from_dict, resolve_defaults


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
    assert (cpu.group_size, cpu.max_completion_length, cpu.bf16, cpu.use_vllm) == (
        4,
        96,
        False,
        False,
    )
    gpu = resolve_defaults(config, gpu=True, vllm_installed=True)
    assert (gpu.group_size, gpu.bf16, gpu.use_vllm) == (8, True, True)
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
