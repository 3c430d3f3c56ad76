"""Which problems each training step draws: environment shares, then each env's curriculum.

Every batch holds each environment in proportion to its weight (Nemotron trained its
environments together, in fixed ratios, because training them one after another forgets);
within an environment, its own curriculum picks the problems.

The pick happens when a step generates, not when TRL's dataloader fetches: the dataloader
runs a batch ahead, and a curriculum that learns from step N's rewards must be asked about
step N+1 after it has seen them. So `StepPlan.rows_for(step)` is called by the trainer at
generation time, and `StepSampler` only tells the dataloader how many steps there are.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from torch.utils.data import Sampler

from rlvr.protocols import Curriculum


def split_by_weight(total: int, weights: Mapping[str, float]) -> dict[str, int]:
    """`total` slots shared by weight (largest remainder), every name getting at least one.

    Deterministic: ties go to the name that sorts first.
    """
    names = sorted(weights)
    if total < len(names):
        raise ValueError(f"{total} slots cannot hold {len(names)} environments")
    spare = total - len(names)
    norm = sum(weights[n] for n in names)
    exact = {n: spare * weights[n] / norm for n in names}
    counts = {n: 1 + math.floor(exact[n]) for n in names}
    leftover = total - sum(counts.values())
    by_remainder = sorted(names, key=lambda n: (-(exact[n] - math.floor(exact[n])), n))
    for name in by_remainder[:leftover]:
        counts[name] += 1
    return counts


class StepPlan:
    """The problems of each step: shares by weight, picks by each environment's curriculum.

    Every training process holds the same curricula, fed the same (gathered) outcomes, so
    every process computes the same plan and takes its own slice of it.
    """

    def __init__(
        self,
        curricula: Mapping[str, Curriculum],
        weights: Mapping[str, float],
        rows: Sequence[Mapping[str, Any]],
        *,
        problems_per_step: int,
        group_size: int,
    ) -> None:
        self.curricula = curricula
        self.counts = split_by_weight(problems_per_step, weights)
        self.row_of = {str(row["problem_id"]): row for row in rows}
        self.group_size = group_size

    def problems_for(self, step: int) -> list[str]:
        """The problem ids of one step, environments in a fixed order."""
        return [
            pid
            for env in sorted(self.counts)
            for pid in self.curricula[env].next_batch(self.counts[env], step)
        ]

    def rows_for(self, step: int, *, rank: int = 0, world_size: int = 1) -> list[dict[str, Any]]:
        """This process's share of the step's dataset rows, each problem `group_size` times in
        a row (GRPOTrainer's layout: a group may span processes; TRL gathers before it
        normalises advantages)."""
        rows = [
            dict(self.row_of[pid])
            for pid in self.problems_for(step)
            for _ in range(self.group_size)
        ]
        if len(rows) % world_size:
            raise ValueError(f"{len(rows)} rows per step do not split over {world_size} processes")
        share = len(rows) // world_size
        return rows[rank * share : (rank + 1) * share]


class StepSampler(Sampler[int]):
    """What TRL's dataloader iterates: a placeholder index (row 0) per row of each remaining step.

    The rows themselves come from `StepPlan` when the step generates; these indices only set
    how many steps the dataloader yields (accelerate shards them across processes).
    """

    def __init__(self, rows_per_step: int, *, max_steps: int, first_step: int = 0) -> None:
        self.rows_per_step = rows_per_step
        self.steps = max_steps - first_step

    def __iter__(self) -> Iterator[int]:
        return itertools.repeat(0, len(self))

    def __len__(self) -> int:
        return self.steps * self.rows_per_step
