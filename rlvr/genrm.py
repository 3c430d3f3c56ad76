"""The generative reward model (GenRM): a language model judges responses in text, and its
judgement, written as JSON, is parsed into a score in [0, 1].

Two modes (docs/genrm.md):

- pointwise: each response is rated alone against the prompt (and a reference answer where the
  problem has one): `{"score": 1-5}`.
- pairwise: as in Nemotron-3-Nano's GenRM, each response is compared with its neighbour in the
  group, in a circle (n comparisons for n responses, not n²), and each neighbour pair is judged
  in both orders so that a judge's preference for one position cancels out. The judge writes
  `{"score_1": 1-5, "score_2": 1-5, "ranking": 1-6}` (ranking 1: response 1 much better, 6:
  response 2 much better); a response's score is the mean over its comparisons of its own rating
  and its side of the ranking, both mapped to [0, 1]. A missing ranking is tolerated (the
  ratings' difference stands in for it); missing ratings are not.

By default the judge's reply is prefilled with the opening of the JSON verdict and ends at its
closing brace, so that even a small model answers in the format.

The policy is hostile: it is rewarded by what the judge makes of its text (docs/genrm.md, "What
a policy cannot do"). A response with nothing to judge (no letter or digit, or no answer after
its reasoning) scores 0 without a call. A response is cut at a token cap and fenced, with its
lines that would read as the template's quoted (rlvr/judge_prompts.py), so that it cannot write
the judge's prompt. A judgement with no readable verdict counts as the lowest score its group
was given, never more, so confusing the judge never pays. A judge call that fails is split
and asked again, so that it costs only its own conversations; a response with no judgement
left is None (an infrastructure fault, as for a verifier), and so is every score when the
judge's actor is lost. Nothing a response does crashes a step.

Where the work runs: `GenRMScorer` is plain Python over a `Judge` backend (`TransformersJudge`,
greedy batched `generate` with the model's chat template; `ScriptedJudge` for tests).
`GenRMActor` hosts the scorer and its model in a Ray actor, on a GPU when the cluster has one,
so the trainer submits a step's groups and collects the scores later. `combine_reward` mixes a
verifier's reward with the GenRM score by an environment's weights.

Nothing here imports torch, transformers or ray at module level. The templates and their
checks live in rlvr/judge_prompts.py, which the config imports without importing this module.
"""

from __future__ import annotations

import json
import math
import os
import re
import time
import warnings
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, cast

from rlvr.config import GenRMConfig, RewardWeights
from rlvr.errors import UserError
from rlvr.judge_prompts import (
    GENRM_MODES,
    PAIRWISE_TEMPLATE,
    POINTWISE_TEMPLATE,
    PREFILLS,
    REFERENCE_SECTION,
    check_template,
    fenced_response,
    has_content,
    new_nonce,
    protected_lines,
    render_template,
)
from rlvr.protocols import Message
from rlvr.scoring import completion_text
from rlvr.text import strip_reasoning

__all__ = [
    "GENRM_MODES",
    "PAIRWISE_TEMPLATE",
    "POINTWISE_TEMPLATE",
    "PREFILLS",
    "GenRMActor",
    "GenRMConfig",
    "GenRMResult",
    "GenRMScorer",
    "Judge",
    "JudgeGroup",
    "Judgement",
    "PairJudgement",
    "PendingScores",
    "ScriptedJudge",
    "TransformersJudge",
    "check_template",
    "circular_pairs",
    "combine_reward",
    "group_by_problem",
    "length_correlation",
    "pair_scores",
    "parse_pairwise",
    "parse_pointwise",
    "render_template",
]

SCORE_MIN, SCORE_MAX = 1, 5
"""A response's rating, in both modes."""
RANKING_MIN, RANKING_MAX = 1, 6
"""Pairwise ranking: 1 response 1 much better ... 6 response 2 much better."""
NEUTRAL_SCORE = 0.5
"""A tie between two responses, and the middle of the rating scale."""
CONTENT_FREE_SCORE = 0.0
"""The score of a response with nothing to judge (no letter or digit, or no answer after its
reasoning): given without a judge call."""

DEFAULT_CONTEXT_TOKENS = 4096
"""The context assumed for a judge that does not say its own (`Judge.context_tokens`)."""
CHARS_PER_TOKEN = 4
"""Counting and cutting by characters, for a judge without a tokenizer (`ScriptedJudge`)."""
MAX_CHARS_PER_TOKEN = 16
"""A response is first cut at this many characters per allowed token, so that tokenizing a
huge response costs no more than tokenizing one that fits."""
PROMPT_OVERHEAD_TOKENS = 64
"""Room left for the chat template's own tokens around the judge's prompt."""
MIN_RESPONSE_TOKENS = 32
"""The cap never goes below this, even beside a task that nearly fills the context."""


def prompt_text(prompt: str | Sequence[Mapping[str, Any]]) -> str:
    """The task as the judge sees it: a string as is; for chat messages, the last user turn
    (earlier turns are the policy's worked examples, not the task)."""
    if isinstance(prompt, str):
        return prompt
    for message in reversed(prompt):
        if message.get("role") == "user" and isinstance(message.get("content"), str):
            return str(message["content"])
    return "\n".join(str(m.get("content", "")) for m in prompt)


def answer_text(completion: Any) -> str | None:
    """The response to judge: what follows the reasoning section; None when the completion
    never closed its reasoning (it has no answer, and scores 0 without a judge call)."""
    return strip_reasoning(completion_text(completion))


def response_text(completion: Any) -> str:
    """The answer as text, empty when there is none."""
    return answer_text(completion) or ""


# -- parsing ----------------------------------------------------------------------------------


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def _json_objects(text: str) -> list[dict[str, Any]]:
    """Every JSON object in `text`, in order of appearance (nested ones included)."""
    decoder = json.JSONDecoder()
    objects = []
    for start in (i for i, char in enumerate(text) if char == "{"):
        try:
            value, _ = decoder.raw_decode(text, start)
        except ValueError:
            continue
        if isinstance(value, dict):
            objects.append(value)
    return objects


def judged_fields(
    text: str, required: Sequence[str], optional: Sequence[str] = ()
) -> dict[str, float] | None:
    """The numbers named `required` (and those of `optional` it holds) in a judge's output, or
    None when a required one is missing.

    The last JSON object holding every required number wins (a judge may restate its
    verdict). Failing that, `"name": number` pairs are read even from JSON cut short by the
    token limit. A judge that opened a reasoning section and never closed it gave no verdict.
    """
    answer = strip_reasoning(text)
    if answer is None:
        return None
    for candidate in reversed(_json_objects(answer)):
        values = {name: _number(candidate.get(name)) for name in (*required, *optional)}
        if all(values[name] is not None for name in required):
            return {name: value for name, value in values.items() if value is not None}
    found: dict[str, float] = {}
    for name in (*required, *optional):
        matches = re.findall(rf'"?\b{name}\b"?\s*[:=]\s*"?(-?\d+(?:\.\d+)?)', answer)
        if matches:
            found[name] = float(matches[-1])
        elif name in required:
            return None
    return found


@dataclass(frozen=True)
class PairJudgement:
    """One pairwise verdict as the judge wrote it: ratings of the responses shown first and
    second, and the ranking (1: first much better ... 6: second much better), None when the
    judge gave none that could be read (the ratings then decide alone)."""

    score_1: float
    score_2: float
    ranking: float | None = None


def parse_pointwise(text: str) -> float | None:
    """The rating (1-5) in a pointwise judgement, or None when unparseable or out of range."""
    fields = judged_fields(text, ("score",))
    if fields is None or not SCORE_MIN <= fields["score"] <= SCORE_MAX:
        return None
    return fields["score"]


def parse_pairwise(text: str) -> PairJudgement | None:
    """The ratings and ranking in a pairwise judgement, or None when a rating is missing or out
    of range. A missing or out-of-range ranking is dropped: the ratings still compare."""
    fields = judged_fields(text, ("score_1", "score_2"), ("ranking",))
    if fields is None:
        return None
    score_1, score_2 = fields["score_1"], fields["score_2"]
    if not (SCORE_MIN <= score_1 <= SCORE_MAX and SCORE_MIN <= score_2 <= SCORE_MAX):
        return None
    ranking = fields.get("ranking")
    if ranking is not None and not RANKING_MIN <= ranking <= RANKING_MAX:
        ranking = None
    return PairJudgement(score_1, score_2, ranking)


# -- scores in [0, 1] -------------------------------------------------------------------------


def normalised_score(score: float) -> float:
    """A 1-5 rating in [0, 1]."""
    return (score - SCORE_MIN) / (SCORE_MAX - SCORE_MIN)


def first_preference(ranking: float) -> float:
    """How strongly a 1-6 ranking prefers the response shown first, in [0, 1] (0.5: a tie)."""
    return (RANKING_MAX - ranking) / (RANKING_MAX - RANKING_MIN)


def pair_scores(judgement: PairJudgement) -> tuple[float, float]:
    """The scores one comparison gives the responses shown first and second: the mean of each
    one's own rating and its side of the ranking, all in [0, 1]. Without a ranking, the
    ratings' difference stands in for it."""
    if judgement.ranking is not None:
        preference = first_preference(judgement.ranking)
    else:
        span = SCORE_MAX - SCORE_MIN
        preference = 0.5 + (judgement.score_1 - judgement.score_2) / (2 * span)
    return (
        (normalised_score(judgement.score_1) + preference) / 2,
        (normalised_score(judgement.score_2) + 1 - preference) / 2,
    )


def circular_pairs(n: int, *, both_orders: bool = True) -> list[tuple[int, int]]:
    """The ordered (first, second) comparisons for a group of n responses.

    Each response meets its neighbour in a circle: (0, 1), (1, 2), ..., (n-1, 0), so every
    response is compared twice with n comparisons in all. With `both_orders`, each of those
    pairs is also judged the other way round (2n comparisons). Two responses form one pair, so
    the circle (0, 1), (1, 0) already holds both orders.
    """
    if n < 2:
        return []
    circle = [(i, (i + 1) % n) for i in range(n)]
    if not both_orders:
        return circle
    pairs = list(circle)
    for first, second in circle:
        if (second, first) not in pairs:
            pairs.append((second, first))
    return pairs


def combine_reward(
    verifier_reward: float | None, genrm_score: float | None, weights: RewardWeights
) -> float | None:
    """An environment's reward: the weighted mean of the verifier's reward and the GenRM score.

    A part whose weight is 0 is not consulted, so an environment without a verifier passes
    `verifier_reward=None` with `verifier: 0`. A consulted part that is None (an infrastructure
    fault: the verifier or the judge failed) makes the reward None, never a silent 0.
    """
    if weights.verifier < 0 or weights.genrm < 0 or weights.verifier + weights.genrm <= 0:
        raise ValueError(f"reward weights must be >= 0 and not both 0, got {weights}")
    parts = [(weights.verifier, verifier_reward), (weights.genrm, genrm_score)]
    total = 0.0
    for weight, value in parts:
        if weight == 0:
            continue
        if value is None:
            return None
        total += weight * value
    return total / (weights.verifier + weights.genrm)


def group_by_problem(problem_ids: Sequence[str]) -> list[list[int]]:
    """Indices into a flat batch (TRL's: each prompt repeated group-size times), grouped by
    problem in order of first appearance."""
    groups: dict[str, list[int]] = {}
    for index, problem_id in enumerate(problem_ids):
        groups.setdefault(problem_id, []).append(index)
    return list(groups.values())


# -- what the scorer takes and returns --------------------------------------------------------


@dataclass(frozen=True)
class JudgeGroup:
    """One problem's group of completions to judge together."""

    prompt: str | Sequence[Mapping[str, Any]]
    """The task: text, or the chat messages the policy saw (the judge sees the last user turn)."""
    completions: Sequence[Any]
    """The policy's completions: strings or chat messages (as TRL passes them)."""
    reference: str | None = None
    """A reference answer shown to the judge, if any."""
    env: str | None = None
    """The environment, for the per-environment metrics."""


@dataclass(frozen=True)
class Judgement:
    """One judge call: which responses of which group it saw, in order, and what it wrote."""

    group: int
    positions: tuple[int, ...]
    output: str
    parsed: bool
    failed: bool = False
    """The judge failed on this call (it raised): no reply at all."""


@dataclass
class GenRMResult:
    """Per-completion scores in [0, 1] (None where the judge itself failed), and metrics."""

    scores: list[list[float | None]]
    metrics: dict[str, float]
    judgements: list[Judgement] = field(default_factory=list)
    error: str | None = None


# -- judge backends ---------------------------------------------------------------------------


class Judge(Protocol):
    """Writes one reply to each conversation, in order. A conversation that ends with an
    assistant message (the prefill) is continued: the reply is what follows it.

    A judge may also offer `context_tokens` (its context length), `count_tokens(text)` and
    `truncate(text, max_tokens) -> (text, was_cut)`, which size and cut responses in its own
    tokens (`TransformersJudge` does); without them the scorer counts 4 characters a token
    and assumes a 4096-token context.
    """

    def generate(self, conversations: Sequence[list[Message]]) -> list[str]: ...


class ScriptedJudge:
    """A judge whose whole reply a function writes from the judge prompt: for tests and dry runs.

    When the conversation ends with a prefill that the reply starts with, the prefill is cut
    from the reply, as a model continuing it would not repeat it.
    """

    def __init__(self, reply: Callable[[str], str], *, context_tokens: int | None = None) -> None:
        self.reply = reply
        self.prompts: list[str] = []
        self.context_tokens = context_tokens

    def generate(self, conversations: Sequence[list[Message]]) -> list[str]:
        replies = []
        for conversation in conversations:
            prompt = next(m["content"] for m in reversed(conversation) if m["role"] == "user")
            self.prompts.append(prompt)
            reply = self.reply(prompt)
            prefill = conversation[-1]["content"] if conversation[-1]["role"] == "assistant" else ""
            replies.append(reply.removeprefix(prefill) if prefill else reply)
        return replies


class TransformersJudge:
    """A causal LM as judge: the chat template, left-padded batches of similar length, and
    `generate` (greedy unless a temperature is given).

    Batches are formed from prompts sorted by length, so a step's judge calls pad little.
    Greedy judging of the same batch is deterministic.
    """

    def __init__(
        self,
        model: str | Path,
        *,
        max_new_tokens: int = 64,
        batch_size: int = 8,
        temperature: float = 0.0,
        seed: int = 0,
        stop_at: str | None = None,
        device: str | None = None,
    ) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer, GenerationConfig

        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        dtype = torch.bfloat16 if self.device.startswith("cuda") else torch.float32
        self.tokenizer = AutoTokenizer.from_pretrained(model)
        self.tokenizer.padding_side = "left"  # generation continues from the right edge
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        loaded: Any = AutoModelForCausalLM.from_pretrained(model, dtype=dtype)
        self.model = loaded.to(self.device).eval()
        self.batch_size = batch_size
        self.seed = seed
        sampling = temperature > 0
        # A fresh config, not the model's: its sampling defaults must not leak into greedy runs.
        self.generation_config = GenerationConfig(
            max_new_tokens=max_new_tokens,
            do_sample=sampling,
            temperature=temperature if sampling else None,
            top_p=None,
            top_k=None,
            pad_token_id=self.tokenizer.pad_token_id,
            eos_token_id=self.tokenizer.eos_token_id,
            stop_strings=[stop_at] if stop_at is not None else None,
        )

    @property
    def context_tokens(self) -> int:
        """The longest input plus output the model takes."""
        lengths = [getattr(self.model.config, "max_position_embeddings", None)]
        lengths.append(getattr(self.tokenizer, "model_max_length", None))
        # tokenizers without a limit report a huge sentinel (1e30)
        known = [n for n in lengths if isinstance(n, int) and 0 < n < 10_000_000]
        return min(known, default=2048)

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def truncate(self, text: str, max_tokens: int) -> tuple[str, bool]:
        """`text` cut at `max_tokens` tokens (decoded back), and whether it was cut."""
        ids = self.tokenizer(text, add_special_tokens=False)["input_ids"]
        if len(ids) <= max_tokens:
            return text, False
        return str(self.tokenizer.decode(ids[:max_tokens], skip_special_tokens=True)), True

    @classmethod
    def from_config(cls, model: str | Path, config: GenRMConfig) -> TransformersJudge:
        return cls(
            model,
            max_new_tokens=config.max_new_tokens,
            batch_size=config.batch_size,
            temperature=config.temperature,
            # After the prefill the verdict is one flat JSON object: its closing brace ends it,
            # and a small model's chatter after it costs time for nothing.
            stop_at="}" if config.prefill else None,
        )

    def _render(self, conversation: list[Message]) -> str:
        """The conversation as the model reads it: the chat template, ending either where the
        assistant's reply begins or, after a prefill, inside it."""
        prefilled = conversation[-1]["role"] == "assistant"
        if self.tokenizer.chat_template:
            text = self.tokenizer.apply_chat_template(
                conversation,
                tokenize=False,
                add_generation_prompt=not prefilled,
                continue_final_message=prefilled,
            )
            return str(text)
        turns = conversation[:-1] if prefilled else conversation
        text = "\n\n".join(m["content"] for m in turns) + "\n\n"
        return text + conversation[-1]["content"] if prefilled else text

    def generate(self, conversations: Sequence[list[Message]]) -> list[str]:
        import torch

        encoded = self.tokenizer(
            [self._render(c) for c in conversations], add_special_tokens=False
        )["input_ids"]
        order = sorted(range(len(encoded)), key=lambda i: len(encoded[i]))
        replies = [""] * len(encoded)
        if self.generation_config.do_sample:
            torch.manual_seed(self.seed)
        with torch.inference_mode():
            for start in range(0, len(order), self.batch_size):
                batch = order[start : start + self.batch_size]
                inputs = self.tokenizer.pad(
                    {"input_ids": [encoded[i] for i in batch]}, return_tensors="pt"
                ).to(self.device)
                output = self.model.generate(
                    **inputs, generation_config=self.generation_config, tokenizer=self.tokenizer
                )
                new_tokens = output[:, inputs["input_ids"].shape[1] :]
                texts = self.tokenizer.batch_decode(new_tokens, skip_special_tokens=True)
                for index, text in zip(batch, texts, strict=True):
                    replies[index] = text
        return replies


# -- the scorer -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Call:
    group: int
    positions: tuple[int, ...]
    conversation: list[Message]
    prefill: str


@dataclass
class _Tally:
    """What the judge said about one response: its scores from readable judgements, and how
    many of its judgements held no verdict or failed."""

    readable: list[float] = field(default_factory=list)
    unreadable: int = 0
    failed: int = 0


class GenRMScorer:
    """Judges groups of completions in one batch and turns the judgements into scores.

    The rules that keep a policy from talking the judge into a score (docs/genrm.md): a
    response with nothing to judge scores 0 without a call; a response is cut at a token cap
    and fenced so that it cannot write the judge's prompt; a judgement with no readable
    verdict counts as the lowest score its group was given, never more; a judge call that
    fails costs only its own conversations.
    """

    def __init__(self, judge: Judge, config: GenRMConfig) -> None:
        if config.mode not in ("pointwise", "pairwise"):
            raise ValueError(f"a GenRM scorer needs mode pointwise or pairwise, got {config.mode}")
        cap = config.max_response_tokens
        if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int) or cap < 1):
            raise ValueError(f"genrm.max_response_tokens must be at least 1, got {cap!r}")
        self.judge = judge
        self.config = config
        self.templates = {
            "pointwise": config.pointwise_template or POINTWISE_TEMPLATE,
            "pairwise": config.pairwise_template or PAIRWISE_TEMPLATE,
        }
        self.protected = {mode: protected_lines(t) for mode, t in self.templates.items()}

    @property
    def pointwise_template(self) -> str:
        return self.templates["pointwise"]

    @property
    def pairwise_template(self) -> str:
        return self.templates["pairwise"]

    # -- what the judge is shown

    def _count_tokens(self, text: str) -> int:
        count = getattr(self.judge, "count_tokens", None)
        if callable(count):
            try:
                return int(count(text))
            except Exception:  # a judge's helper is not trusted to count
                pass
        return len(text) // CHARS_PER_TOKEN + 1

    def _cut(self, text: str, max_tokens: int) -> tuple[str, bool]:
        """`text` cut at `max_tokens` of the judge's tokens, and whether it was cut."""
        head = text[: max_tokens * MAX_CHARS_PER_TOKEN]
        truncate = getattr(self.judge, "truncate", None)
        if callable(truncate):
            try:
                kept, cut = truncate(head, max_tokens)
                return str(kept), bool(cut) or len(head) < len(text)
            except Exception:  # fall back to characters
                pass
        kept = head[: max_tokens * CHARS_PER_TOKEN]
        return kept, len(kept) < len(text)

    def response_cap(self, mode: str, task: str, reference: str) -> int:
        """Tokens each response may take in one call: `max_response_tokens` if set, else what
        fits the judge's context beside the rest of the prompt and the verdict."""
        if self.config.max_response_tokens is not None:
            return self.config.max_response_tokens
        context = getattr(self.judge, "context_tokens", None)
        if not isinstance(context, int) or context <= 0:
            context = DEFAULT_CONTEXT_TOKENS
        slots = 1 if mode == "pointwise" else 2
        empty = fenced_response("", "RESPONSE 0", new_nonce(), self.protected[mode], cut_at=0)
        values = {"prompt": task, "reference": reference}
        values.update({name: empty for name in ("response", "response_1", "response_2")})
        rest = self._count_tokens(render_template(self.templates[mode], values))
        budget = context - self.config.max_new_tokens - rest - PROMPT_OVERHEAD_TOKENS
        return max(MIN_RESPONSE_TOKENS, budget // slots)

    def _plan(
        self, groups: Sequence[JudgeGroup]
    ) -> tuple[list[_Call], list[list[bool]], list[list[str]], int]:
        """Every judge call the groups need; which responses have nothing to judge; the text
        each response is judged on; how many were cut.

        Responses with nothing to judge take no part: in pairwise mode the circle is drawn
        over the others, and one left alone is judged pointwise.
        """
        calls: list[_Call] = []
        content_free: list[list[bool]] = []
        shown_texts: list[list[str]] = []
        cut_count = 0
        for index, group in enumerate(groups):
            task = prompt_text(group.prompt)
            reference = (
                REFERENCE_SECTION.format(group.reference) if group.reference is not None else ""
            )
            answers = [answer_text(c) for c in group.completions]
            live = [k for k, a in enumerate(answers) if a is not None and has_content(a)]
            mode = "pointwise" if self.config.mode == "pointwise" or len(live) == 1 else "pairwise"
            cap = self.response_cap(mode, task, reference)
            shown: list[str] = []
            cut_at: list[int | None] = []
            for answer in answers:
                text, cut = self._cut(answer or "", cap)
                shown.append(text)
                cut_at.append(cap if cut else None)
            # what the judge would be shown must itself say something
            live = [k for k in live if has_content(shown[k])]
            cut_count += sum(cut_at[k] is not None for k in live)
            content_free.append([k not in live for k in range(len(answers))])
            shown_texts.append(shown)

            protected = self.protected[mode]
            if mode == "pointwise":
                for k in live:
                    nonce = new_nonce()
                    values = {
                        "prompt": task,
                        "reference": reference,
                        "response": fenced_response(
                            shown[k], "RESPONSE", nonce, protected, cut_at=cut_at[k]
                        ),
                    }
                    text = render_template(self.templates[mode], values)
                    calls.append(self._call(index, (k,), text, mode))
                continue
            for first, second in circular_pairs(len(live), both_orders=self.config.position_swap):
                pair = (live[first], live[second])
                nonce = new_nonce()
                values = {
                    "prompt": task,
                    "reference": reference,
                    **{
                        name: fenced_response(shown[k], label, nonce, protected, cut_at=cut_at[k])
                        for name, label, k in (
                            ("response_1", "RESPONSE 1", pair[0]),
                            ("response_2", "RESPONSE 2", pair[1]),
                        )
                    },
                }
                text = render_template(self.templates[mode], values)
                calls.append(self._call(index, pair, text, mode))
        return calls, content_free, shown_texts, cut_count

    def _call(self, group: int, positions: tuple[int, ...], prompt: str, mode: str) -> _Call:
        conversation: list[Message] = [{"role": "user", "content": prompt}]
        prefill = PREFILLS[mode] if self.config.prefill else ""
        if prefill:
            conversation.append({"role": "assistant", "content": prefill})
        return _Call(group, positions, conversation, prefill)

    # -- asking the judge

    def _generate(self, conversations: Sequence[list[Message]]) -> tuple[list[str | None], str]:
        """The judge's reply to each conversation, None where it failed, and the first
        failure's message ("" when none failed).

        All conversations go to the judge in one call; a call that fails is split in two and
        each half asked again, down to single conversations, so one conversation the judge
        cannot take costs only itself (about 2·log2(n) extra calls)."""
        replies: list[str | None] = [None] * len(conversations)
        errors: list[str] = []

        def ask(indices: list[int]) -> None:
            try:
                got = self.judge.generate([conversations[i] for i in indices])
                if not isinstance(got, list) or len(got) != len(indices):
                    count = len(got) if isinstance(got, list) else type(got).__name__
                    raise RuntimeError(f"the judge wrote {count} replies to {len(indices)} calls")
                if not all(isinstance(reply, str) for reply in got):
                    raise RuntimeError("the judge wrote a reply that is not text")
            except Exception as exc:  # any judge fault is counted, never raised
                if len(indices) == 1:
                    errors.append(f"{type(exc).__name__}: {exc}")
                    return
                middle = len(indices) // 2
                ask(indices[:middle])
                ask(indices[middle:])
                return
            for i, reply in zip(indices, got, strict=True):
                replies[i] = reply

        if conversations:
            ask(list(range(len(conversations))))
        return replies, errors[0] if errors else ""

    # -- scores

    def score_groups(self, groups: Sequence[JudgeGroup]) -> GenRMResult:
        """Scores for every completion of every group (same shape as the groups)."""
        started = time.perf_counter()
        calls, content_free, shown, cut_count = self._plan(groups)
        replies, first_error = self._generate([c.conversation for c in calls])

        tallies = [[_Tally() for _ in g.completions] for g in groups]
        judgements = []
        winners: dict[tuple[int, frozenset[int]], list[int]] = defaultdict(list)
        for call, reply in zip(calls, replies, strict=True):
            g = call.group
            if reply is None:
                for k in call.positions:
                    tallies[g][k].failed += 1
                judgements.append(Judgement(g, call.positions, "", False, failed=True))
                continue
            output = call.prefill + reply  # the verdict as a whole, prefill included
            verdict = self._read(output, len(call.positions))
            if verdict is None:
                for k in call.positions:
                    tallies[g][k].unreadable += 1
            else:
                for k, value in zip(call.positions, verdict, strict=True):
                    tallies[g][k].readable.append(value)
                if len(verdict) == 2 and verdict[0] != verdict[1]:
                    winner = call.positions[0] if verdict[0] > verdict[1] else call.positions[1]
                    winners[(g, frozenset(call.positions))].append(winner)
            judgements.append(Judgement(g, call.positions, output, verdict is not None))

        scores = [
            group_scores(group_tallies, group_free)
            for group_tallies, group_free in zip(tallies, content_free, strict=True)
        ]
        seconds = time.perf_counter() - started
        metrics = _metrics(groups, scores, judgements, seconds)
        metrics["genrm/content_free"] = float(sum(map(sum, content_free)))
        metrics["genrm/no_verdict"] = float(
            sum(
                not t.readable and t.unreadable > 0
                for group_tallies in tallies
                for t in group_tallies
            )
        )
        metrics["genrm/cut"] = float(cut_count)
        metrics["genrm/failed_calls"] = float(sum(j.failed for j in judgements))
        metrics["genrm/length_correlation"] = length_correlation(
            [
                [
                    (len(text), s)
                    for text, s, free in zip(texts, group, frees, strict=True)
                    if s is not None and not free
                ]
                for texts, group, frees in zip(shown, scores, content_free, strict=True)
            ]
        )
        both_orders = [w for w in winners.values() if len(w) == 2]
        if both_orders:
            # How often the two orders of a pair agree on the winner: 1 for a judge whose
            # verdict does not depend on the order, 0 for one that always picks one position.
            metrics["genrm/order_agreement"] = sum(w[0] == w[1] for w in both_orders) / len(
                both_orders
            )
        error = None
        if first_error:
            failed = int(metrics["genrm/failed_calls"])
            error = f"the GenRM judge failed on {failed} of {len(calls)} calls: {first_error}"
            warnings.warn(error, RuntimeWarning, stacklevel=2)
        return GenRMResult(scores, metrics, judgements, error=error)

    @staticmethod
    def _read(output: str, shown: int) -> tuple[float, ...] | None:
        """The scores in [0, 1] one verdict gives the responses it saw, or None."""
        if shown == 1:
            score = parse_pointwise(output)
            return None if score is None else (normalised_score(score),)
        judgement = parse_pairwise(output)
        return None if judgement is None else pair_scores(judgement)


def group_scores(tallies: Sequence[_Tally], content_free: Sequence[bool]) -> list[float | None]:
    """A group's scores from what the judge said about each response.

    A response with nothing to judge scores 0. Otherwise its score is the mean over its
    judgements, where a judgement with no readable verdict counts as the group's floor: the
    lowest score any readable judgement (or the rule for content-free responses) gave in this
    group, 0 when there was none. So confusing the judge never earns more than the worst
    honest verdict: a policy that learns to do it learns nothing but a loss. A judgement the
    judge failed to make is left out; a response with none left is None (an infrastructure
    fault, left out of the update).
    """
    given = [v for t in tallies for v in t.readable]
    if any(content_free):
        given.append(CONTENT_FREE_SCORE)
    floor = min(given, default=CONTENT_FREE_SCORE)
    scores: list[float | None] = []
    for tally, free in zip(tallies, content_free, strict=True):
        counted = len(tally.readable) + tally.unreadable
        if free:
            scores.append(CONTENT_FREE_SCORE)
        elif counted:
            scores.append((sum(tally.readable) + tally.unreadable * floor) / counted)
        else:
            scores.append(None)
    return scores


def _ranks(values: Sequence[float]) -> list[float]:
    """Ranks from 0, ties sharing their mean rank."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for i in order[start : end + 1]:
            ranks[i] = (start + end) / 2
        start = end + 1
    return ranks


def rank_correlation(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Spearman's rank correlation, None when either side has a single value."""
    if len(xs) < 2:
        return None
    rx, ry = _ranks(xs), _ranks(ys)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    sxy = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    sxx = sum((a - mx) ** 2 for a in rx)
    syy = sum((b - my) ** 2 for b in ry)
    if sxx == 0 or syy == 0:
        return None
    return sxy / math.sqrt(sxx * syy)


def length_correlation(groups: Sequence[Sequence[tuple[float, float]]]) -> float:
    """How scores follow length within groups: the mean over groups of the rank correlation
    of (length, score) pairs, from -1 (shorter scores higher) to 1 (longer scores higher);
    0 when no group has two lengths and two scores. Comparing within a group, as GRPO's
    advantages do, keeps easy and hard problems' lengths apart."""
    values = [
        r
        for pairs in groups
        if (r := rank_correlation([p[0] for p in pairs], [p[1] for p in pairs])) is not None
    ]
    return sum(values) / len(values) if values else 0.0


def failed_result(groups: Sequence[JudgeGroup], message: str) -> GenRMResult:
    """The result when the judge could not judge at all: every score None, the error counted."""
    scores: list[list[float | None]] = [[None] * len(g.completions) for g in groups]
    responses = sum(len(g.completions) for g in groups)
    return GenRMResult(scores, {"genrm/errors": float(responses)}, error=message)


def _metrics(
    groups: Sequence[JudgeGroup],
    scores: list[list[float | None]],
    judgements: Sequence[Judgement],
    seconds: float,
) -> dict[str, float]:
    responses = sum(len(g) for g in scores)
    answered = [j for j in judgements if not j.failed]
    unparseable = sum(not j.parsed for j in answered)
    flat = [s for group in scores for s in group if s is not None]
    metrics = {
        "genrm/responses": float(responses),
        "genrm/judgements": float(len(judgements)),
        "genrm/unparseable": float(unparseable),
        "genrm/unparseable_fraction": unparseable / len(answered) if answered else 0.0,
        "genrm/score_mean": sum(flat) / len(flat) if flat else 0.0,
        "genrm/seconds": seconds,
        "genrm/responses_per_second": responses / seconds if seconds > 0 else 0.0,
        "genrm/errors": float(responses - len(flat)),
    }
    by_env: dict[str, list[float]] = defaultdict(list)
    for group, group_scores_ in zip(groups, scores, strict=True):
        if group.env is not None:
            by_env[group.env].extend(s for s in group_scores_ if s is not None)
    for env, values in by_env.items():
        if values:
            metrics[f"env/{env}/genrm_score"] = sum(values) / len(values)
    return metrics


# -- the Ray actor ----------------------------------------------------------------------------


class _GenRMWorker:
    """The body of the Ray actor: builds the judge where the actor runs (its GPU, if any)."""

    def __init__(self, config: GenRMConfig, judge_factory: Callable[[], Judge]) -> None:
        import torch

        if not torch.cuda.is_available():
            # Ray pins a CPU actor to one thread; the trainer waits for these scores anyway.
            torch.set_num_threads(max(1, len(os.sched_getaffinity(0))))
        self.scorer = GenRMScorer(judge_factory(), config)

    def ready(self) -> bool:
        return True

    def score_groups(self, groups: Sequence[JudgeGroup]) -> GenRMResult:
        return self.scorer.score_groups(groups)


class PendingScores:
    """Scores being computed in the actor; `result()` waits for them."""

    def __init__(self, ref: Any, groups: Sequence[JudgeGroup]) -> None:
        self.ref = ref
        self.groups = groups

    def result(self, timeout: float | None = None) -> GenRMResult:
        """The scores; a lost or failed actor (after Ray's retry) gives None scores and an
        `error`, so the step leaves these items out instead of crashing."""
        import ray

        try:
            result: GenRMResult = ray.get(self.ref, timeout=timeout)
            return result
        except (ray.exceptions.RayError, TimeoutError) as exc:
            return failed_result(self.groups, f"the GenRM actor failed: {exc}")


class GenRMActor:
    """The GenRM scorer in its own Ray actor, on one GPU when the Ray cluster has one.

    Built once per run from the `genrm:` config. The model is resolved here, in the driver, so
    a missing model is a UserError before the actor starts. Ray is started locally (or joins
    `RAY_ADDRESS`) unless it already runs. `submit` returns at once: the trainer can verify
    while the judge works, then call `result()`.
    """

    def __init__(
        self,
        config: GenRMConfig,
        *,
        judge_factory: Callable[[], Judge] | None = None,
        num_gpus: float | None = None,
    ) -> None:
        import functools

        import ray

        if config.mode not in ("pointwise", "pairwise"):
            raise UserError(
                f"genrm.mode must be pointwise or pairwise for a judge, got {config.mode!r}"
            )
        cap = config.max_response_tokens
        if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int) or cap < 1):
            raise UserError(f"genrm.max_response_tokens must be at least 1, got {cap!r}")
        if judge_factory is None:
            from rlvr.models import resolve_model

            model_path = resolve_model(config.model)
            judge_factory = functools.partial(TransformersJudge.from_config, model_path, config)
        from rlvr.pool import start_ray

        start_ray()  # joins the run's Ray (the environment pool's) when it is up
        if num_gpus is None:
            num_gpus = 1.0 if ray.cluster_resources().get("GPU", 0) >= 1 else 0.0
        self.num_gpus = num_gpus
        # No CPU is reserved: the actor must never wait for the verification actors' slots.
        worker = ray.remote(_GenRMWorker).options(
            num_cpus=0, num_gpus=num_gpus, max_restarts=1, max_task_retries=1
        )
        self.actor = cast(Any, worker.remote(config, judge_factory))
        ray.get(self.actor.ready.remote())  # a model that fails to load fails here, not mid-run

    def submit(self, groups: Sequence[JudgeGroup]) -> PendingScores:
        return PendingScores(self.actor.score_groups.remote(list(groups)), groups)

    def score_groups(self, groups: Sequence[JudgeGroup]) -> GenRMResult:
        return self.submit(groups).result()

    def close(self) -> None:
        import ray

        ray.kill(self.actor)
