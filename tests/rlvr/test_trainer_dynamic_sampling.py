"""Dynamic sampling's dropped groups: TRL's own loss, for every loss type, is the loss of the
batch without them; a step where every group is flat is a no-op update, logged."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import torch

from rlvr.errors import UserError
from rlvr.trainer import (
    LOSS_SCALE,
    ROW_NORMALISED_LOSSES,
    TOKEN_NORMALISED_LOSSES,
    RLVRTrainer,
    _check_dynamic_sampling,
    _drop_groups,
)

RunCli = Any
GROUP, GROUPS, PROMPT, COMPLETION = 2, 3, 3, 5


@pytest.fixture(scope="module")
def trainer(tiny_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """TRL's GRPOTrainer on the tiny model, seen as an RLVRTrainer so that rlvr's
    `_compute_loss` (and through it TRL's) runs on hand-made batches; nothing else of
    RLVRTrainer is used, so its constructor (curricula, pool, run directory) is not needed."""
    from datasets import Dataset
    from trl import GRPOConfig, GRPOTrainer

    def no_reward(completions: list[Any], **_: Any) -> list[float]:
        return [0.0] * len(completions)

    grpo = GRPOTrainer(
        model=str(tiny_model),
        reward_funcs=[no_reward],
        args=GRPOConfig(
            output_dir=str(tmp_path_factory.mktemp("grpo")),
            per_device_train_batch_size=GROUP * GROUPS,
            num_generations=GROUP,
            max_completion_length=COMPLETION,
            use_cpu=True,
            bf16=False,
            report_to="none",
        ),
        train_dataset=Dataset.from_list([{"prompt": "hi"}]),
    )
    grpo.__class__ = RLVRTrainer
    grpo.current_gradient_accumulation_steps = 1  # set by the training loop
    grpo.model.train()
    return grpo


def batch(vocab: int) -> dict[str, torch.Tensor]:
    """Three groups of two; the middle one (rows 2-3) is the one dropped below. Its
    advantages are large on purpose: a dropped row must carry no weight whatever it holds."""
    generator = torch.Generator().manual_seed(0)
    rows = GROUP * GROUPS
    completion_mask = torch.ones(rows, COMPLETION, dtype=torch.long)
    for row, length in enumerate([5, 2, 4, 1, 3, 5]):  # uneven lengths: the token counts matter
        completion_mask[row, length:] = 0
    return {
        "prompt_ids": torch.randint(3, vocab, (rows, PROMPT), generator=generator),
        "prompt_mask": torch.ones(rows, PROMPT, dtype=torch.long),
        "completion_ids": torch.randint(3, vocab, (rows, COMPLETION), generator=generator),
        "completion_mask": completion_mask,
        "advantages": torch.tensor([0.7, -0.7, 9.0, -4.0, -1.2, 1.2]),
        "ref_per_token_logps": -torch.rand(rows, COMPLETION, generator=generator) * 5,
        "num_items_in_batch": completion_mask.sum(),
    }


@pytest.mark.parametrize("beta", [0.0, 0.1])
@pytest.mark.parametrize("loss_type", sorted(ROW_NORMALISED_LOSSES | TOKEN_NORMALISED_LOSSES))
def test_dropped_groups_leave_the_loss_of_the_batch_without_them(
    trainer: Any, loss_type: str, beta: float
) -> None:
    trainer.loss_type, trainer.beta = loss_type, beta
    full = batch(trainer.model.config.vocab_size)
    dropped = _drop_groups(full, [1], GROUP, loss_type)
    keep = torch.tensor([0, 1, 4, 5])
    absent = {k: v if v.dim() == 0 else v[keep] for k, v in full.items()}
    absent["num_items_in_batch"] = absent["completion_mask"].sum()

    assert dropped["completion_mask"][2:4].sum() == 0  # the dropped completions: no loss weight
    assert torch.equal(dropped["completion_mask"][keep], full["completion_mask"][keep])
    expected = trainer._compute_loss(trainer.model, absent)  # TRL's, on the smaller batch
    assert trainer._compute_loss(trainer.model, dropped).item() == pytest.approx(
        expected.item(), rel=1e-5, abs=1e-7
    )
    # and it is not the loss with the flat group left in (the test can fail)
    assert trainer._compute_loss(trainer.model, full).item() != pytest.approx(
        expected.item(), rel=1e-3
    )


def test_a_batch_with_every_group_dropped_gives_no_gradient_at_all(trainer: Any) -> None:
    trainer.loss_type, trainer.beta = "dapo", 0.0
    trainer.model.zero_grad(set_to_none=True)
    dropped = _drop_groups(
        batch(trainer.model.config.vocab_size), list(range(GROUPS)), GROUP, "dapo"
    )
    assert float(dropped[LOSS_SCALE]) == 0.0
    loss = trainer._compute_loss(trainer.model, dropped)
    loss.backward()
    assert loss.item() == 0.0
    # None, not zero: AdamW would still move weights on a zero gradient (momentum, decay)
    assert all(p.grad is None for p in trainer.model.parameters())


def test_the_scale_follows_each_loss_types_normaliser() -> None:
    full = batch(100)
    assert float(_drop_groups(full, [1], GROUP, "grpo")[LOSS_SCALE]) == pytest.approx(6 / 4)
    assert float(_drop_groups(full, [1], GROUP, "dapo")[LOSS_SCALE]) == 1.0
    assert int(_drop_groups(full, [1], GROUP, "dapo")["num_items_in_batch"]) == 5 + 2 + 3 + 5
    assert float(_drop_groups(full, [], GROUP, "grpo")[LOSS_SCALE]) == 1.0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("loss_type", "a_future_loss"),
        ("scale_rewards", "batch"),
        ("multi_objective_aggregation", "normalize_then_sum"),
    ],
)
def test_dynamic_sampling_refuses_settings_it_cannot_drop_groups_from(
    field: str, value: str
) -> None:
    from types import SimpleNamespace

    settings = {
        "loss_type": "dapo",
        "scale_rewards": "group",
        "multi_objective_aggregation": "sum_then_normalize",
    }
    _check_dynamic_sampling(SimpleNamespace(**settings))
    with pytest.raises(UserError, match=value):
        _check_dynamic_sampling(SimpleNamespace(**{**settings, field: value}))


def test_a_step_where_every_group_stays_flat_is_a_logged_no_op(
    run_cli: RunCli, tiny_model: Path, tmp_path: Path
) -> None:
    """The tiny random model never writes a boxed answer: every math group is all 0. With an
    entropy bonus, a flat group left in the update would move the adapter; dropped, the
    adapter's B matrices stay at their initial zeros, and the tracker gets the metrics under
    metrics.jsonl's names."""
    from safetensors.torch import load_file
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    out = tmp_path / "run"
    result = run_cli(
        "train",
        "--model",
        tiny_model,
        "--output-dir",
        out,
        "--envs",
        "math",
        "--max-steps",
        1,
        "--max-completion-length",
        "8",
        "--group-size",
        "2",
        "--problems-per-step",
        "2",
        "--dynamic-sampling-rounds",
        1,
        "--trl",
        "entropy_coef=0.5",
        "--report-to",
        "tensorboard",
        "--verification",  # worker processes: no Ray start, no competing for a shared Ray's CPUs
        "local",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    (row,) = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert row["zero_variance_groups"] == 1.0  # every group generated was flat
    assert row["dynamic_sampling/dropped_groups"] == 2.0
    assert row["dynamic_sampling/groups_in_update"] == 0.0
    assert row["zero_variance_groups_in_update"] == 0.0
    # the curriculum heard every group generated, the replacements too
    assert row["env/math/completions"] == 4 + row["dynamic_sampling/extra_completions"]
    adapter = load_file(out / "checkpoint-1" / "adapter_model.safetensors")
    lora_b = [t for name, t in adapter.items() if "lora_B" in name]
    assert lora_b
    assert all(torch.count_nonzero(t) == 0 for t in lora_b)

    (events,) = (out / "runs").rglob("events.out.tfevents.*")
    accumulator = EventAccumulator(str(events.parent))
    accumulator.Reload()
    tags = set(accumulator.Tags()["scalars"])
    for name in ("env/math/pass_rate", "zero_variance_groups", "dynamic_sampling/dropped_groups"):
        assert name in tags, sorted(tags)
        assert f"train/{name}" not in tags
    assert "train/loss" in tags  # TRL's keys keep transformers' naming
    assert [e.value for e in accumulator.Scalars("env/math/pass_rate")] == [
        pytest.approx(row["env/math/pass_rate"])
    ]
