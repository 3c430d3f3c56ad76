"""Batch composition: environment shares and the sampler layout GRPOTrainer expects."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rlvr.batches import ModelShape, StepPlan, StepSampler, plan_memory, split_by_weight
from rlvr.curricula.uniform import UniformCurriculum


@given(
    st.dictionaries(st.sampled_from("abcdef"), st.floats(0.01, 100), min_size=1, max_size=6),
    st.integers(0, 200),
)
def test_split_by_weight_fills_every_slot_and_every_env(
    weights: dict[str, float], extra: int
) -> None:
    total = len(weights) + extra
    counts = split_by_weight(total, weights)
    assert sum(counts.values()) == total
    assert set(counts) == set(weights)
    assert min(counts.values()) >= 1
    norm = sum(weights.values())
    for name, count in counts.items():  # within one slot of the exact share of the spare slots
        assert abs((count - 1) - extra * weights[name] / norm) < 1 + 1e-9


def test_split_by_weight_examples() -> None:
    assert split_by_weight(4, {"math": 1, "code": 1, "if": 1}) == {"code": 2, "if": 1, "math": 1}
    assert split_by_weight(12, {"math": 2, "code": 1}) == {"code": 4, "math": 8}
    with pytest.raises(ValueError, match="cannot hold"):
        split_by_weight(1, {"math": 1, "code": 1})


def _plan(group_size: int = 2) -> tuple[StepPlan, list[dict[str, str]]]:
    problems = {env: [{"id": f"{env}-{i}"} for i in range(10)] for env in ("a", "b")}
    curricula = {env: UniformCurriculum(p, seed=1) for env, p in problems.items()}
    rows = [{"problem_id": p["id"], "prompt": f"solve {p['id']}"} for p in problems["a"]]
    rows += [{"problem_id": p["id"], "prompt": f"solve {p['id']}"} for p in problems["b"]]
    plan = StepPlan(curricula, {"a": 3, "b": 1}, rows, problems_per_step=4, group_size=group_size)
    return plan, rows


def test_plan_repeats_each_problem_group_size_times_in_env_shares() -> None:
    plan, _ = _plan()
    for step in range(3):
        rows = plan.rows_for(step)
        ids = [row["problem_id"] for row in rows]
        assert len(ids) == 8
        assert ids[0::2] == ids[1::2]  # each problem twice in a row, TRL's group layout
        envs = [pid.split("-")[0] for pid in ids[0::2]]
        assert (envs.count("a"), envs.count("b")) == (3, 1)
        assert rows[0]["prompt"] == f"solve {ids[0]}"
    assert plan.rows_for(0) != plan.rows_for(1)  # the uniform curriculum moves on


def test_plan_slices_a_step_across_processes() -> None:
    plan, _ = _plan()
    whole = plan.rows_for(5)
    halves = [plan.rows_for(5, rank=r, world_size=2) for r in range(2)]
    assert halves[0] + halves[1] == whole
    quarters = [plan.rows_for(5, rank=r, world_size=4) for r in range(4)]
    assert [row for part in quarters for row in part] == whole
    with pytest.raises(ValueError, match="do not split over 3 processes"):
        plan.rows_for(5, rank=0, world_size=3)


def test_rows_are_copies() -> None:
    plan, rows = _plan()
    plan.rows_for(0)[0]["prompt"] = "changed"
    assert all(row["prompt"].startswith("solve") for row in rows)


def test_sampler_counts_the_remaining_steps() -> None:
    sampler = StepSampler(8, max_steps=3)
    assert len(list(sampler)) == len(sampler) == 24
    assert set(sampler) == {0}
    assert len(StepSampler(8, max_steps=3, first_step=1)) == 16


QWEN_1_5B = {
    "vocab_size": 151936,
    "hidden_size": 1536,
    "intermediate_size": 8960,
    "num_hidden_layers": 28,
    "num_attention_heads": 12,
    "num_key_value_heads": 2,
    "tie_word_embeddings": True,
}


def qwen_shape() -> ModelShape:
    from transformers import Qwen2Config

    return ModelShape.from_config(Qwen2Config(**QWEN_1_5B))


def test_a_models_shape_counts_its_parameters() -> None:
    shape = qwen_shape()
    assert 1.50e9 < shape.parameters < 1.56e9  # Qwen2.5-1.5B has 1.54B
    assert shape.kv_width == 256


@pytest.mark.parametrize("lora", [True, False])
def test_the_gpu_defaults_fit_a_1_5b_model_on_80_gb(lora: bool) -> None:
    memory = 80 * 10**9
    plan = plan_memory(
        qwen_shape(), rows=32 * 8, completion_tokens=1024, memory_bytes=memory, lora=lora
    )
    assert 256 % plan.micro_batch_size == 0
    assert 1 < plan.micro_batch_size < 256  # one pass of all 256 would not fit
    training = plan.weights + plan.optimizer + plan.micro_batch_size * plan.per_row
    assert training <= plan.budget < memory
    assert plan.weights + plan.optimizer + 2 * plan.micro_batch_size * plan.per_row > plan.budget
    assert plan.weights + plan.generation <= plan.budget


def test_memory_plans_shrink_with_what_they_must_hold() -> None:
    shape = qwen_shape()

    def micro(
        *,
        lora: bool = True,
        gradient_checkpointing: bool = True,
        completion_tokens: int = 1024,
        memory_bytes: int = 80 * 10**9,
        rows: int = 256,
    ) -> int:
        return plan_memory(
            shape,
            rows=rows,
            completion_tokens=completion_tokens,
            memory_bytes=memory_bytes,
            lora=lora,
            gradient_checkpointing=gradient_checkpointing,
        ).micro_batch_size

    assert micro() >= micro(lora=False)
    assert micro() > micro(gradient_checkpointing=False)
    assert micro() > micro(completion_tokens=4096)
    assert micro() > micro(memory_bytes=24 * 10**9)
    assert micro(memory_bytes=10**9) == 1  # never below one completion per pass
    assert micro(rows=12) == 12  # a small step fits whole


def test_the_sampler_yields_a_batch_per_accumulation_step() -> None:
    sampler = StepSampler(12, max_steps=5, first_step=2, batches_per_step=3)
    assert len(sampler) == 3 * 12 * 3


def test_replacements_are_fresh_problems_of_the_same_environment() -> None:
    curricula = {
        "math": UniformCurriculum([{"id": f"m{i}"} for i in range(1, 5)], seed=0),
        "if": UniformCurriculum([{"id": "i1"}], seed=0),
    }
    rows = [{"problem_id": p} for p in ("m1", "m2", "m3", "m4", "i1")]
    plan = StepPlan(curricula, {"math": 1, "if": 1}, rows, problems_per_step=2, group_size=2)
    fresh = plan.replacements("math", 2, step=0, exclude={"m1", "m2"})
    assert sorted(fresh) == ["m3", "m4"]
    assert plan.replacements("if", 1, step=0, exclude={"i1"}) == []
    assert [r["problem_id"] for r in plan.group_rows(["m3"])] == ["m3", "m3"]


def test_the_gpu_defaults_become_micro_batches_and_accumulation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What `rlvr train` derives on an 80 GB GPU for a 1.5B model (the arithmetic above)."""
    import torch
    from transformers import Qwen2Config

    from rlvr.config import config_from_dict, resolve_defaults
    from rlvr.train import _batching

    Qwen2Config(**QWEN_1_5B).save_pretrained(tmp_path)
    gpu = SimpleNamespace(total_memory=80 * 10**9)
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 0)
    monkeypatch.setattr(torch.cuda, "get_device_properties", lambda index: gpu)
    for lora, micro in ((True, 16), (False, 8)):
        config = resolve_defaults(
            config_from_dict({"envs": ["math"], "lora": lora}), gpu=True, vllm_installed=False
        )
        batching = _batching(config, tmp_path, gpu=True, world_size=1)
        assert (batching.rows_per_step, batching.micro_batch_size) == (256, micro)
        assert batching.accumulation_steps == 256 // micro
        two = _batching(config, tmp_path, gpu=True, world_size=2)  # 128 completions a process
        assert two.micro_batch_size * two.accumulation_steps == 128
