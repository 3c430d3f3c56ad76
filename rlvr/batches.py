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
from dataclasses import dataclass
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

    def replacements(self, env: str, count: int, step: int, exclude: set[str]) -> list[str]:
        """Up to `count` more problems of `env` for this step, none of `exclude` (dynamic
        sampling's fresh groups): the curriculum is asked for enough to skip those."""
        picked = self.curricula[env].next_batch(count + len(exclude), step)
        fresh = [pid for pid in dict.fromkeys(picked) if pid not in exclude]
        return fresh[:count]

    def group_rows(self, problem_ids: Sequence[str]) -> list[dict[str, Any]]:
        """Dataset rows for these problems, each `group_size` times in a row."""
        return [dict(self.row_of[pid]) for pid in problem_ids for _ in range(self.group_size)]

    def rows_for(self, step: int, *, rank: int = 0, world_size: int = 1) -> list[dict[str, Any]]:
        """This process's share of the step's dataset rows, each problem `group_size` times in
        a row (GRPOTrainer's layout: a group may span processes; TRL gathers before it
        normalises advantages)."""
        rows = self.group_rows(self.problems_for(step))
        if len(rows) % world_size:
            raise ValueError(f"{len(rows)} rows per step do not split over {world_size} processes")
        share = len(rows) // world_size
        return rows[rank * share : (rank + 1) * share]


class StepSampler(Sampler[int]):
    """What TRL's dataloader iterates: a placeholder index (row 0) per row of each remaining step.

    The rows themselves come from `StepPlan` when the step generates; these indices only set
    how many steps the dataloader yields (accelerate shards them across processes). With
    gradient accumulation the trainer draws `batches_per_step` batches per optimizer step
    (TRL generates on the first and slices its buffer for the others), so there are that many
    times as many placeholders.
    """

    def __init__(
        self, rows_per_step: int, *, max_steps: int, first_step: int = 0, batches_per_step: int = 1
    ) -> None:
        self.rows_per_step = rows_per_step * batches_per_step
        self.steps = max_steps - first_step

    def __iter__(self) -> Iterator[int]:
        return itertools.repeat(0, len(self))

    def __len__(self) -> int:
        return self.steps * self.rows_per_step


# -- micro-batches: what one forward/backward pass may hold -----------------------------------

GIB = 1024**3
MEMORY_HEADROOM = 0.85
"""The share of the accelerator's memory the arithmetic may plan for: the allocator's
fragmentation, CUDA's context and kernels' workspaces take the rest."""
LORA_TRAINABLE_SHARE = 0.02
"""A LoRA adapter's parameters as a share of the model's (r=16 on every linear layer of a
1.5B model: about 1.2%)."""
PROMPT_TOKENS = 512
"""Prompt tokens assumed per row (rendered chat prompts of math, code and if are shorter)."""


@dataclass(frozen=True)
class ModelShape:
    """What the memory arithmetic needs to know of a causal LM."""

    parameters: int
    vocab: int
    hidden: int
    layers: int
    intermediate: int
    kv_width: int
    """Key/value heads x head dimension (grouped-query attention keeps fewer than queries)."""

    @classmethod
    def from_config(cls, config: Any) -> ModelShape:
        """From a transformers model config (its text part for a multimodal model)."""
        text = config.get_text_config() if hasattr(config, "get_text_config") else config
        hidden = int(text.hidden_size)
        heads = int(text.num_attention_heads)
        head_dim = int(getattr(text, "head_dim", None) or hidden // heads)
        kv_width = int(getattr(text, "num_key_value_heads", None) or heads) * head_dim
        intermediate = int(getattr(text, "intermediate_size", None) or 4 * hidden)
        vocab, layers = int(text.vocab_size), int(text.num_hidden_layers)
        tied = bool(getattr(text, "tie_word_embeddings", True))
        per_layer = hidden * (heads * head_dim + 2 * kv_width) + heads * head_dim * hidden
        per_layer += 3 * hidden * intermediate  # gated MLP: gate, up, down
        embeddings = vocab * hidden * (1 if tied else 2)
        return cls(embeddings + layers * per_layer, vocab, hidden, layers, intermediate, kv_width)


@dataclass(frozen=True)
class MemoryPlan:
    """The arithmetic behind a micro-batch size, in bytes (docs/configuration.md)."""

    budget: int
    weights: int
    optimizer: int
    generation: int
    per_row: int
    micro_batch_size: int

    def lines(self) -> list[str]:
        return [
            f"planned memory {self.budget / GIB:.1f} GiB: weights {self.weights / GIB:.1f}, "
            f"gradients and optimizer {self.optimizer / GIB:.1f}, generation (KV cache) "
            f"{self.generation / GIB:.1f}, {self.per_row / GIB:.2f} per completion in a "
            f"forward/backward pass -> micro-batch {self.micro_batch_size}"
        ]


def plan_memory(
    shape: ModelShape,
    *,
    rows: int,
    completion_tokens: int,
    memory_bytes: int,
    lora: bool,
    reference_model: bool = False,
    gradient_checkpointing: bool = True,
    vllm_share: float = 0.0,
    prompt_tokens: int = PROMPT_TOKENS,
) -> MemoryPlan:
    """The largest micro-batch (a divisor of `rows`, the completions one process trains on
    per step) whose forward/backward pass fits beside the weights, gradients and optimizer.

    bf16 weights (2 bytes a parameter); full fine-tuning keeps fp32 gradients, Adam's two
    moments and an fp32 master copy (16 bytes a parameter), LoRA a few percent of that; a
    reference model for the KL term is a second copy of the weights unless LoRA (the base
    model with the adapter off is the reference). Generation (transformers) holds every row's
    KV cache: rows x tokens x layers x 2 x kv_width x 2 bytes; vLLM instead reserves
    `vllm_share` of the memory for itself. A row of the pass holds its completion logits in
    fp32 (tokens x vocab x 4 bytes), three times (the logits, their log-softmax and its
    gradient), and its activations: with gradient checkpointing each layer's input (tokens x
    hidden x 2 bytes) plus one layer's intermediates, without it every layer's (about
    8 x hidden + 4 x intermediate values a token).
    """
    tokens = prompt_tokens + completion_tokens
    weights = shape.parameters * 2 * (2 if reference_model and not lora else 1)
    optimizer = int(shape.parameters * 16 * (LORA_TRAINABLE_SHARE if lora else 1))
    kv_cache = rows * tokens * shape.layers * 2 * shape.kv_width * 2
    one_layer = tokens * (8 * shape.hidden + 4 * shape.intermediate) * 2
    activations = (
        shape.layers * tokens * shape.hidden * 2 + one_layer
        if gradient_checkpointing
        else shape.layers * one_layer
    )
    per_row = 3 * tokens * shape.vocab * 4 + activations
    budget = int(memory_bytes * MEMORY_HEADROOM)
    reserved = int(memory_bytes * vllm_share)
    generation = 0 if vllm_share else kv_cache
    free = budget - reserved - weights - optimizer
    fits = max(1, free // per_row) if free > 0 else 1
    micro = max(d for d in range(1, rows + 1) if rows % d == 0 and (d <= fits or d == 1))
    return MemoryPlan(budget, weights, optimizer, max(generation, reserved), per_row, micro)
