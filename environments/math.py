"""The `math` environment: procedurally generated problems, or your own GSM8K/MATH/plain rows.

The built-in pool is fixed by `seed` and `size`: problem i is drawn from its own generator
seeded by (seed, i), so a larger pool extends a smaller one and per-problem pass rates carry
over between runs. Families and difficulties are in `rlvr.environments.math_problems`; gold answers
are computed with sympy. With `data=FILE`, the rows of that file are the problems instead
(GSM8K `question`/`answer ... #### n`, MATH `problem`/`solution` with `\\boxed{}`, or plain
rows with `prompt` (or `question`/`problem`) and `answer`).

Prompts ask for the final answer in `\\boxed{}`, after one worked example exchange (`shots`);
the trainer renders them with the model's chat template.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rlvr import records as records_module
from rlvr.cache import cached_records
from rlvr.environments import math_problems
from rlvr.environments.math_problems import FAMILIES
from rlvr.protocols import Message, Split
from rlvr.records import Record, load_records, split_of, stable_id

DEFAULT_SIZE = 2000
MAX_DRAWS_PER_PROBLEM = 20
INSTRUCTION = "Give the final answer in \\boxed{}."
# One worked exchange before the question: measured on SmolLM2-135M-Instruct (sums up to 20,
# 32 samples), it takes boxed answers from 0 to 30 of 32 and correct ones from 0 to 6.
SHOT = [
    {"role": "user", "content": f"What is $23 + 9$? {INSTRUCTION}"},
    {"role": "assistant", "content": "23 + 9 = 32. The answer is \\boxed{32}."},
]


class MathEnvironment:
    name = "math"
    verifier = "math"
    # In training, a right answer written without its box earns half: a model that cannot
    # box yet still gets a signal, and boxing still pays (docs/math.md).
    training_verifier_options: Mapping[str, Any] = {"unboxed_credit": 0.5}

    def __init__(
        self,
        *,
        seed: int = 0,
        size: int = DEFAULT_SIZE,
        data: str | Path | None = None,
        families: Sequence[str] | None = None,
        max_difficulty: int | None = None,
        heldout_fraction: float = 0.1,
        mode: str | None = None,
        instruction: str = INSTRUCTION,
        shots: int = 1,
    ) -> None:
        unknown = sorted(set(families or ()) - FAMILIES.keys())
        if unknown:
            raise ValueError(f"unknown math families {unknown}; known: {sorted(FAMILIES)}")
        if size < 1:
            raise ValueError(f"size must be at least 1, got {size}")
        if not 0 <= heldout_fraction < 1:
            raise ValueError(f"heldout_fraction must be in [0, 1), got {heldout_fraction}")
        self.seed = seed
        self.size = size
        self.data = data
        self.families = list(families or FAMILIES)
        self.max_difficulty = max_difficulty
        self.heldout_fraction = heldout_fraction
        self.mode = mode
        self.instruction = instruction
        if shots not in (0, 1):
            raise ValueError(f"shots must be 0 or 1, got {shots}")
        self.shots = shots
        self._pool: list[Record] | None = None

    def problems(self, split: Split = "train") -> list[Record]:
        return [p for p in self._all() if split_of(str(p["id"]), self.heldout_fraction) == split]

    def prompt(self, problem: Mapping[str, Any]) -> list[Message]:
        question = problem["prompt"]
        if isinstance(question, list):
            return [dict(m) for m in question]
        shot = [dict(m) for m in SHOT] if self.shots else []
        return [*shot, {"role": "user", "content": f"{question} {self.instruction}"}]

    def _all(self) -> list[Record]:
        if self._pool is None:
            self._pool = list(load_records(self.data, env="math")) if self.data else self._cached()
            if self.mode is not None:
                for record in self._pool:
                    record.setdefault("mode", self.mode)
        return self._pool

    def _cached(self) -> list[Record]:
        """The generated pool, from the cache when this machine built it before (rlvr/cache.py):
        sympy takes seconds over 2,000 problems, in every process that needs them."""
        import sympy

        key = {
            "seed": self.seed,
            "size": self.size,
            "families": self.families,
            "max_difficulty": self.max_difficulty,
            "sympy": sympy.__version__,
        }
        sources = [Path(__file__), Path(math_problems.__file__), Path(records_module.__file__)]
        return cached_records("math", key, sources, self._generate)

    def _generate(self) -> list[Record]:
        # Draw until `size` distinct problems: small families repeat themselves. Problem i
        # depends on (seed, i) only, so a pool is a prefix of any larger pool.
        pool: dict[str, Record] = {}
        for index in range(self.size * MAX_DRAWS_PER_PROBLEM):
            if len(pool) == self.size:
                break
            rng = random.Random(f"rlvr-math/{self.seed}/{index}")
            problem = FAMILIES[rng.choice(self.families)](rng)
            if self.max_difficulty is not None and problem.difficulty > self.max_difficulty:
                continue
            record: Record = {
                "env": "math",
                "prompt": problem.question,
                "answer": problem.answer,
                "difficulty": problem.difficulty,
                "meta": {"family": problem.family},
            }
            record["id"] = stable_id(record, "math")
            pool.setdefault(record["id"], record)  # the same problem drawn twice is one problem
        if len(pool) < self.size:
            raise ValueError(
                f"the math families {self.families} hold fewer than {self.size} distinct "
                f"problems ({len(pool)} found); ask for a smaller size or more families"
            )
        return list(pool.values())
