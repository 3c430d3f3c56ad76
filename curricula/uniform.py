"""The `uniform` curriculum: every problem equally often, the baseline to beat.

Problems are visited in epochs; each epoch is a fresh permutation drawn from (seed, epoch).
The batch for a step is a pure function of (seed, problems, size, step), so every training
process draws the same batch and a resumed run continues exactly where it stopped.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any


class UniformCurriculum:
    name = "uniform"

    def __init__(self, problems: Sequence[Mapping[str, Any]], *, seed: int = 0) -> None:
        self.ids = sorted(str(p["id"]) for p in problems)
        if len(set(self.ids)) != len(self.ids):
            raise ValueError("problem ids must be unique")
        self.seed = seed
        self.observed = 0
        self._cached_epoch: tuple[int, list[str]] = (-1, [])

    def _epoch(self, epoch: int) -> list[str]:
        if self._cached_epoch[0] != epoch:
            order = list(self.ids)
            random.Random(f"{self.seed}/{epoch}").shuffle(order)
            self._cached_epoch = (epoch, order)
        return self._cached_epoch[1]

    def next_batch(self, size: int, step: int) -> list[str]:
        if not self.ids:
            raise ValueError("the uniform curriculum has no problems to draw from")
        batch: list[str] = []
        position = step * size
        while len(batch) < size:
            epoch, offset = divmod(position, len(self.ids))
            take = min(size - len(batch), len(self.ids) - offset)
            batch.extend(self._epoch(epoch)[offset : offset + take])
            position += take
        return batch

    def observe(self, outcomes: Mapping[str, Sequence[float]]) -> None:
        self.observed += sum(len(rewards) for rewards in outcomes.values())

    def state_dict(self) -> dict[str, Any]:
        return {"seed": self.seed, "n_problems": len(self.ids), "observed": self.observed}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        if state.get("n_problems") != len(self.ids):
            raise ValueError(
                f"curriculum state is for {state.get('n_problems')} problems, "
                f"this run has {len(self.ids)}"
            )
        self.seed = int(state["seed"])
        self.observed = int(state["observed"])
