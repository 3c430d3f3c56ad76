"""Named GRPO recipes (`algorithm:` in the config, `--algorithm` on the command line).

A preset is the set of knobs one published recipe changes, written down once with the paper
it follows. It fills what the user left unset: the config file and the flags always win, and
its TRL knobs sit under the user's own `trl:` section. With no `algorithm`, a run keeps TRL
1.16's defaults (token-level "dapo" loss aggregation, group-scaled rewards, no KL term).

Each recipe's knobs, and why (the numbers are the papers'):

- `grpo`: DeepSeekMath (Shao et al. 2024, arXiv:2402.03300). Group-normalised advantages,
  each completion's loss averaged over its own tokens, a KL penalty of 0.04 against the
  reference policy, clip range 0.2.
- `dapo`: DAPO (Yu et al. 2025, arXiv:2503.14476). Clip-higher (epsilon 0.2 low, 0.28 high,
  so that unlikely tokens can still gain probability and entropy does not collapse), a
  token-level loss over the whole batch (long completions are not under-weighted), dynamic
  sampling (groups whose rewards are all equal carry no gradient: they are replaced by fresh
  problems, and those still flat after 3 extra rounds are dropped from the update), soft
  overlong punishment (a linear penalty over the last fifth of the length budget), no KL.
- `dr_grpo`: Dr. GRPO (Liu et al. 2025, "Understanding R1-Zero-Like Training",
  arXiv:2503.20783). The loss summed over tokens and divided by a constant (no per-completion
  length normalisation) and advantages not divided by the group's standard deviation: both
  terms bias GRPO (towards long wrong answers, and towards too easy or too hard questions).
- `gspo`: GSPO (Zheng et al. 2025, arXiv:2507.18071). The importance ratio and its clipping
  per sequence (the length-normalised likelihood ratio of the whole completion) instead of
  per token, with the paper's much narrower clip range (3e-4, 4e-4), no KL. The ratio only
  differs from 1 off-policy, so the clipping acts with `trl: {num_iterations: 2}` or more.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Preset:
    """One recipe: rlvr fields it fills when unset, and TRL GRPOConfig fields."""

    paper: str
    summary: str
    fields: dict[str, Any] = field(default_factory=dict)
    trl: dict[str, Any] = field(default_factory=dict)


PRESETS: dict[str, Preset] = {
    "grpo": Preset(
        paper="DeepSeekMath, Shao et al. 2024, arXiv:2402.03300",
        summary="per-completion length-normalised loss, KL 0.04",
        fields={"loss_type": "grpo", "beta": 0.04},
        trl={"epsilon": 0.2, "scale_rewards": "group"},
    ),
    "dapo": Preset(
        paper="DAPO, Yu et al. 2025, arXiv:2503.14476",
        summary="clip-higher 0.28, token-level loss, dynamic sampling, soft overlong "
        "punishment, no KL",
        fields={
            "loss_type": "dapo",
            "beta": 0.0,
            "dynamic_sampling_rounds": 3,
            "overlong": "soft",
        },
        trl={"epsilon": 0.2, "epsilon_high": 0.28},
    ),
    "dr_grpo": Preset(
        paper="Dr. GRPO, Liu et al. 2025, arXiv:2503.20783",
        summary="constant loss normaliser, rewards not scaled by the group's std, no KL",
        fields={"loss_type": "dr_grpo", "beta": 0.0},
        trl={"scale_rewards": "none"},
    ),
    "gspo": Preset(
        paper="GSPO, Zheng et al. 2025, arXiv:2507.18071",
        summary="sequence-level importance ratio and clipping (3e-4, 4e-4), no KL",
        fields={"loss_type": "grpo", "beta": 0.0},
        trl={"importance_sampling_level": "sequence", "epsilon": 3e-4, "epsilon_high": 4e-4},
    ),
}


def describe() -> str:
    """One line per preset, for `--help` and the docs."""
    return "; ".join(f"{name}: {p.summary} ({p.paper})" for name, p in PRESETS.items())
