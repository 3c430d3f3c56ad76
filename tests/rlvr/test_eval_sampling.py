"""The transformers engine's decoding settings on the tiny random model: greedy decoding
ignores the seed, and the top-k and top-p cuts reach `generate` (at their tightest they are
greedy)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rlvr.evaluate import Policy, Settings, TransformersEngine

PROMPTS = [
    [{"role": "user", "content": "What is 12 + 7?"}],
    [{"role": "user", "content": "Write a short poem about the sea."}],
]


def engine(model: Path, **settings: Any) -> TransformersEngine:
    return TransformersEngine(
        Policy("model", None, model),
        Settings(max_new_tokens=8, **settings),
    )


def test_greedy_decoding_is_the_tightest_top_k_and_top_p_and_ignores_the_seed(
    tiny_model: Path,
) -> None:
    greedy = engine(tiny_model, n=1, temperature=0.0)
    assert greedy.config.do_sample is False
    first = greedy.generate(PROMPTS, 1, [1, 2])
    assert greedy.generate(PROMPTS, 1, [3, 4]) == first
    # sampling at temperature 1 from the one likeliest token, or the smallest nucleus, is greedy
    assert engine(tiny_model, n=1, top_k=1).generate(PROMPTS, 1, [5, 6]) == first
    assert engine(tiny_model, n=1, top_p=1e-9).generate(PROMPTS, 1, [7, 8]) == first
    # and without a cut it is not (a random model's next-token distribution is nearly flat)
    assert engine(tiny_model, n=1).generate(PROMPTS, 1, [5, 6]) != first


def test_min_p_reaches_the_generation_config(tiny_model: Path) -> None:
    assert engine(tiny_model, n=1, min_p=0.05).config.min_p == 0.05
    assert engine(tiny_model, n=1).config.min_p is None  # no cut: no processor at all
