"""Which problems each training step draws: environment shares, then each env's curriculum.

Every batch holds each environment in proportion to its weight (Nemotron trained its
environments together, in fixed ratios, because training them one after another forgets);
within an environment, its own curriculum picks the problems. The sampler is what TRL's
dataloader iterates: it yields dataset indices in the layout GRPOTrainer expects, each
problem repeated `group_size` times in a row.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping

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


class CurriculumSampler(Sampler[int]):
    """Dataset indices for GRPOTrainer: step after step, each problem `group_size` times."""

    def __init__(
        self,
        curricula: Mapping[str, Curriculum],
        weights: Mapping[str, float],
        index_of: Mapping[str, int],
        *,
        problems_per_step: int,
        group_size: int,
        max_steps: int,
        first_step: int = 0,
    ) -> None:
        self.curricula = curricula
        self.counts = split_by_weight(problems_per_step, weights)
        self.index_of = index_of
        self.group_size = group_size
        self.max_steps = max_steps
        self.first_step = first_step

    def problems_for(self, step: int) -> list[str]:
        """The problem ids of one step, environments in a fixed order."""
        return [
            pid
            for env in sorted(self.counts)
            for pid in self.curricula[env].next_batch(self.counts[env], step)
        ]

    def __iter__(self) -> Iterator[int]:
        for step in range(self.first_step, self.max_steps):
            for pid in self.problems_for(step):
                yield from [self.index_of[pid]] * self.group_size

    def __len__(self) -> int:
        return (self.max_steps - self.first_step) * sum(self.counts.values()) * self.group_size
