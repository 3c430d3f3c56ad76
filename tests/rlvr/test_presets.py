"""Named GRPO recipes: each sets its paper's knobs, and what the user sets always wins."""

from __future__ import annotations

from pathlib import Path

import pytest

from rlvr.config import apply_algorithm, config_from_dict, resolve_defaults
from rlvr.presets import PRESETS

DOCS = Path(__file__).parents[2] / "docs" / "configuration.md"


def resolved(**fields: object) -> object:
    return resolve_defaults(
        config_from_dict({"envs": ["math"], **fields}), gpu=False, vllm_installed=False
    )


def test_each_preset_sets_its_papers_knobs() -> None:
    dapo = resolved(algorithm="dapo")
    assert dapo.trl["epsilon_high"] == 0.28
    assert dapo.trl["epsilon"] == 0.2
    assert (dapo.loss_type, dapo.beta, dapo.overlong) == ("dapo", 0.0, "soft")
    assert dapo.dynamic_sampling_rounds > 0
    dr_grpo = resolved(algorithm="dr_grpo")
    assert (dr_grpo.loss_type, dr_grpo.trl["scale_rewards"]) == ("dr_grpo", "none")
    gspo = resolved(algorithm="gspo")
    assert gspo.trl["importance_sampling_level"] == "sequence"
    assert gspo.beta == 0.0
    grpo = resolved(algorithm="grpo")
    assert (grpo.loss_type, grpo.beta) == ("grpo", 0.04)


def test_no_algorithm_keeps_trls_defaults() -> None:
    plain = resolved()
    assert (plain.loss_type, plain.beta, plain.dynamic_sampling_rounds, plain.overlong) == (
        "dapo",
        0.0,
        0,
        "off",
    )
    assert plain.trl == {}


def test_the_users_fields_and_trl_section_win_over_the_preset() -> None:
    config = apply_algorithm(
        config_from_dict(
            {
                "envs": ["math"],
                "algorithm": "dapo",
                "beta": 0.01,
                "dynamic_sampling_rounds": 0,
                "trl": {"epsilon_high": 0.3, "top_p": 0.9},
            }
        )
    )
    assert config.beta == 0.01
    assert config.dynamic_sampling_rounds == 0
    assert config.trl == {"epsilon": 0.2, "epsilon_high": 0.3, "top_p": 0.9}
    assert config.overlong == "soft"  # left unset: the preset's


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_each_preset_is_documented_with_its_paper(name: str) -> None:
    docs = DOCS.read_text(encoding="utf-8")
    assert f"`{name}`" in docs
    arxiv = PRESETS[name].paper.rsplit("arXiv:", 1)[1]
    assert arxiv in docs


def test_presets_only_name_fields_that_exist() -> None:
    from trl import GRPOConfig

    from rlvr.config import RLVR_SETS, TrainConfig, check_passthrough

    fields = set(TrainConfig.__dataclass_fields__)
    for preset in PRESETS.values():
        assert set(preset.fields) <= fields
        assert not set(preset.trl) & set(RLVR_SETS)
        check_passthrough("trl", preset.trl, GRPOConfig)


def test_an_unknown_algorithm_lists_the_presets() -> None:
    from rlvr import UserError
    from rlvr.config import check

    with pytest.raises(UserError, match="algorithm must be one of grpo, dapo, dr_grpo, gspo"):
        check(config_from_dict({"envs": ["math"], "algorithm": "ppo"}))
