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

- cascade: as NeMo-Gym's math-with-judge, the verifier first; only where it said wrong (a 0
  for a wrong or unreadable answer, not a refusal), the judge is asked, in both orders, whether
  the answer it extracted equals the reference: `{"equivalent": 1|0}`. The reward becomes 1
  only when both orders say so; where the verifier said 1 or None the judge is not asked.

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

Where the work runs: `GenRMScorer` (and `EquivalenceScorer`, cascade mode) is plain Python over
a `Judge` backend (`TransformersJudge`, greedy batched `generate` with the model's chat
template; `OpenAIJudge`, concurrent requests to an OpenAI-compatible endpoint, where a request
that fails after its retries is None, an infrastructure fault; `ScriptedJudge` for tests).
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
    EQUIVALENCE_KEY,
    EQUIVALENCE_TEMPLATE,
    GENRM_MODES,
    PAIRWISE_TEMPLATE,
    POINTWISE_TEMPLATE,
    PREFILLS,
    REFERENCE_SECTION,
    check_template,
    fenced_response,
    has_content,
    line_key,
    new_nonce,
    protected_lines,
    render_template,
)
from rlvr.protocols import Message
from rlvr.scoring import completion_text
from rlvr.text import strip_reasoning
from rlvr.verdict import Verdict

__all__ = [
    "CASCADE_STATUSES",
    "EQUIVALENCE_TEMPLATE",
    "GENRM_MODES",
    "PAIRWISE_TEMPLATE",
    "POINTWISE_TEMPLATE",
    "PREFILLS",
    "CascadeResult",
    "EquivalenceQuestion",
    "EquivalenceScorer",
    "GenRMActor",
    "GenRMConfig",
    "GenRMResult",
    "GenRMScorer",
    "Judge",
    "JudgeGroup",
    "Judgement",
    "OpenAIJudge",
    "PairJudgement",
    "PendingScores",
    "ScriptedJudge",
    "TransformersJudge",
    "apply_cascade",
    "ask_judge",
    "cascade_questions",
    "check_template",
    "circular_pairs",
    "combine_reward",
    "endpoint_api_key",
    "group_by_problem",
    "length_correlation",
    "pair_scores",
    "parse_equivalence",
    "parse_pairwise",
    "parse_pointwise",
    "render_template",
    "rescue_verdicts",
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
    and assumes a 4096-token context. A reply may be None where the judge failed on that
    conversation alone (an infrastructure fault, as when a request to an endpoint fails); a
    judge that fails as a whole raises.
    """

    def generate(self, conversations: Sequence[list[Message]]) -> Sequence[str | None]: ...


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


class OpenAIJudge:
    """A judge behind an OpenAI-compatible chat-completions endpoint (vLLM, SGLang, llama.cpp's
    server, `transformers serve`, a hosted API): the same prompts, prefill and parsing as a
    local judge, sent as `requests_in_flight` concurrent requests.

    Each request has a timeout and is retried with exponential backoff after a transport
    error, a timeout, a 429 or a 5xx (the `openai` client's own retries); a request that still
    fails gives a None reply, which the scorer counts as an infrastructure fault (score None,
    never 0). A reply is cut at 16 characters per allowed token, however long the server's.

    The prefill goes as a last assistant message: servers that continue it (vLLM with
    `continue_final_message`, llama.cpp) answer with the rest of the verdict; those that start
    a new turn answer with a whole one. Either parses, because the verdict is read from the
    prefill and the reply together and the last complete object wins.
    """

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        max_new_tokens: int = 64,
        temperature: float = 0.0,
        requests_in_flight: int = 8,
        timeout: float = 60.0,
        max_retries: int = 3,
        stop_at: str | None = None,
        context_tokens: int | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> None:
        from openai import OpenAI

        self.base_url = base_url
        self.model = model
        self.max_new_tokens = max_new_tokens
        self.temperature = temperature
        self.requests_in_flight = max(1, requests_in_flight)
        self.stop_at = stop_at
        self._context_tokens = context_tokens
        self.extra_body = dict(extra_body or {})
        self.last_error: str | None = None
        # A local server needs no key, but the client insists on one.
        self.client = OpenAI(
            base_url=base_url, api_key=api_key or "none", timeout=timeout, max_retries=max_retries
        )

    @classmethod
    def from_config(cls, config: GenRMConfig, *, api_key: str | None = None) -> OpenAIJudge:
        """The judge of a `genrm:` section with a `base_url`; the key is read by the caller
        (`endpoint_api_key`), so that a missing one fails before any actor starts."""
        if config.base_url is None or not config.model:
            raise UserError("an endpoint judge needs genrm.base_url and genrm.model")
        return cls(
            config.base_url,
            config.model,
            api_key=api_key,
            max_new_tokens=config.max_new_tokens,
            temperature=config.temperature,
            requests_in_flight=config.batch_size,
            timeout=config.request_timeout,
            max_retries=config.max_retries,
            stop_at="}" if config.prefill else None,
        )

    @property
    def context_tokens(self) -> int:
        """The served model's context where the server says it (vLLM's `max_model_len`),
        else the scorer's default; asked once."""
        if self._context_tokens is None:
            self._context_tokens = DEFAULT_CONTEXT_TOKENS
            try:
                for model in self.client.models.list():
                    length = getattr(model, "max_model_len", None)
                    if model.id == self.model and isinstance(length, int) and length > 0:
                        self._context_tokens = length
            except Exception:  # only a size hint: the requests themselves report failures
                pass
        return self._context_tokens

    def count_tokens(self, text: str) -> int:
        """An upper bound on `text`'s tokens in any byte-level tokenizer: its UTF-8 bytes (a
        token holds at least one). The server's tokenizer is out of reach, and an estimate
        that a policy could beat (random characters, emoji, rare scripts: one token each or
        more) would let a response overflow the judge's context, and a request refused for
        its length is a failure the response, not the infrastructure, caused."""
        return len(text.encode("utf-8"))

    def truncate(self, text: str, max_tokens: int) -> tuple[str, bool]:
        """`text` cut to at most `max_tokens` UTF-8 bytes, at a character boundary."""
        data = text.encode("utf-8")
        if len(data) <= max_tokens:
            return text, False
        return data[:max_tokens].decode("utf-8", errors="ignore"), True

    def check_reachable(self) -> None:
        """A UserError naming the endpoint when nobody answers there or it does not serve the
        model, so that a wrong URL fails at start, not as a run of None scores."""
        import openai

        try:
            models = list(self.client.models.list())
        except openai.APIError as exc:
            raise UserError(
                f"genrm.base_url {self.base_url}: cannot list its models ({type(exc).__name__}: "
                f"{exc}); is an OpenAI-compatible server running there?"
            ) from None
        served = [m.id for m in models]
        if served and self.model not in served:
            # a warning, not an error: some servers (transformers serve) list only the models
            # in their cache, yet load one given by path on its first request
            warnings.warn(
                f"genrm.model {self.model!r} is not among the models {self.base_url} lists "
                f"({', '.join(served[:10])}); its requests may fail",
                RuntimeWarning,
                stacklevel=2,
            )

    def _ask(self, conversation: list[Message]) -> str | None:
        import openai

        prefill = conversation[-1]["content"] if conversation[-1]["role"] == "assistant" else ""
        try:
            response = self.client.chat.completions.create(
                model=self.model,
                messages=cast(Any, conversation),
                max_tokens=self.max_new_tokens,
                temperature=self.temperature,
                stop=[self.stop_at] if self.stop_at else None,
                extra_body=self.extra_body or None,
            )
            choice = response.choices[0]
            reply = choice.message.content or ""
        except (openai.APIError, IndexError, AttributeError, TypeError) as exc:
            # after the client's retries: the server, not the response judged, failed
            self.last_error = f"{type(exc).__name__}: {exc}"[:500]
            return None
        reply = reply[: self.max_new_tokens * MAX_CHARS_PER_TOKEN]
        if self.stop_at and choice.finish_reason == "stop" and not reply.endswith(self.stop_at):
            reply += self.stop_at  # the server drops the stop string; the verdict needs it
        return reply.removeprefix(prefill) if prefill else reply

    def generate(self, conversations: Sequence[list[Message]]) -> list[str | None]:
        from concurrent.futures import ThreadPoolExecutor

        if len(conversations) <= 1:
            return [self._ask(c) for c in conversations]
        workers = min(self.requests_in_flight, len(conversations))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="rlvr-judge") as pool:
            return list(pool.map(self._ask, conversations))


def endpoint_api_key(config: GenRMConfig) -> str | None:
    """The endpoint's API key, from the environment variable `api_key_env` names."""
    if config.api_key_env is None:
        return None
    key = os.environ.get(config.api_key_env)
    if not key:
        raise UserError(
            f"genrm.api_key_env names {config.api_key_env}, which is not set in this environment"
        )
    return key


# -- asking a judge ---------------------------------------------------------------------------


def ask_judge(
    judge: Judge, conversations: Sequence[list[Message]], *, max_chars: int | None = None
) -> tuple[list[str | None], str]:
    """The judge's reply to each conversation, None where it failed, and the first failure's
    message ("" when none failed).

    All conversations go to the judge in one call; a call that fails is split in two and each
    half asked again, down to single conversations, so one conversation the judge cannot take
    costs only itself (about 2·log2(n) extra calls). A judge may also answer None for one
    conversation it failed on alone (`OpenAIJudge`, whose requests fail one by one). A reply
    is cut at `max_chars`, so that what parses it is bounded whatever the judge wrote.
    """
    replies: list[str | None] = [None] * len(conversations)
    errors: list[str] = []

    def ask(indices: list[int]) -> None:
        try:
            got = judge.generate([conversations[i] for i in indices])
            if not isinstance(got, list) or len(got) != len(indices):
                count = len(got) if isinstance(got, list) else type(got).__name__
                raise RuntimeError(f"the judge wrote {count} replies to {len(indices)} calls")
            if not all(reply is None or isinstance(reply, str) for reply in got):
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
            if reply is None:
                failure = getattr(judge, "last_error", None)
                errors.append(str(failure or "the judge gave no reply"))
            replies[i] = reply if reply is None or max_chars is None else reply[:max_chars]

    if conversations:
        ask(list(range(len(conversations))))
    return replies, errors[0] if errors else ""


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
        return ask_judge(
            self.judge, conversations, max_chars=self.config.max_new_tokens * MAX_CHARS_PER_TOKEN
        )

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


# -- cascade: the verifier first, the judge where it said wrong --------------------------------

CASCADE_STATUSES = frozenset({"wrong", "unparseable"})
"""The verifier statuses (`info["status"]`) the judge may overturn: the verifier read an
answer and found it different, or could not read it as math. A 0 for any other reason is the
verifier's refusal and stands: a hedged answer, an expression that restates the question, an
empty box, no answer, an answer too large or too slow to read."""
_LATEX_FORMATTING = re.compile(
    r"\\(?:text\w*|math\w*|mbox|operatorname|boxed|displaystyle|left|right|quad|qquad)\b"
)
"""LaTeX commands that only format: their names are letters, but `\\text{—}` says nothing."""
CASCADE_ANSWER_TOKENS = 192
"""A final answer longer than this (or `max_response_tokens`) is not an answer the judge is
asked about: it stays 0. (An endpoint judge counts UTF-8 bytes as tokens: 192 bytes.)"""


@dataclass(frozen=True)
class EquivalenceQuestion:
    """Is `answer` the same as `reference`, for this problem?"""

    prompt: str | Sequence[Mapping[str, Any]]
    reference: str
    answer: str
    env: str | None = None
    read_as: str | None = None
    """How the verifier read `answer` (its `info["read_as"]`), where it did."""


@dataclass
class CascadeResult:
    """Per question: True (equivalent in both orders), False, or None (the judge failed)."""

    equivalent: list[bool | None]
    metrics: dict[str, float]
    judgements: list[Judgement] = field(default_factory=list)
    error: str | None = None


def parse_equivalence(text: str) -> bool | None:
    """The cascade verdict in a judge's output: True, False, or None when there is none.

    The last JSON object with an `equivalent` field of 1/0, true/false or yes/no wins; failing
    that, the last `"equivalent": value` pair (JSON cut short). A reasoning section never
    closed holds no verdict."""
    answer = strip_reasoning(text)
    if answer is None:
        return None
    for candidate in reversed(_json_objects(answer)):
        if EQUIVALENCE_KEY in candidate:
            return _truth(candidate[EQUIVALENCE_KEY])
    matches = re.findall(
        rf'"?\b{EQUIVALENCE_KEY}\b"?\s*[:=]\s*"?(true|false|yes|no|1|0)\b', answer, re.IGNORECASE
    )
    return _truth(matches[-1]) if matches else None


def _truth(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        return {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}.get(
            value.strip().casefold()
        )
    return None


class EquivalenceScorer:
    """Cascade mode's judge: asks, in both orders, whether a final answer and the reference
    are equivalent; True only when both orders say so (NeMo-Gym's math-with-judge).

    The rules (docs/genrm.md, "Cascade"): an answer with nothing to judge, longer than the cap,
    or writing the verdict's own field is not equivalent without a call; both answers are
    fenced with per-call codes and their colliding lines quoted, the reference as the
    candidate, so that neither position marks the reference; a reply with no readable verdict
    is "not equivalent"; a failed call is None (infrastructure), never a silent 0.
    """

    def __init__(self, judge: Judge, config: GenRMConfig) -> None:
        self.judge = judge
        self.config = config
        self.template = config.cascade_template or EQUIVALENCE_TEMPLATE
        self.protected = protected_lines(self.template)
        self.max_answer_tokens = config.max_response_tokens or CASCADE_ANSWER_TOKENS

    def _count_tokens(self, text: str) -> int:
        count = getattr(self.judge, "count_tokens", None)
        if callable(count):
            try:
                return int(count(text[: self.max_answer_tokens * MAX_CHARS_PER_TOKEN + 1]))
            except Exception:  # a judge's helper is not trusted to count
                pass
        return len(text) // CHARS_PER_TOKEN + 1

    def refusal(self, question: EquivalenceQuestion) -> str | None:
        """Why the question's answer is not put to the judge at all, or None."""
        answer = question.answer
        if not has_content(_LATEX_FORMATTING.sub("", answer[: MAX_CHARS_PER_TOKEN * 1024])):
            return "content_free"
        if len(answer) > self.max_answer_tokens * MAX_CHARS_PER_TOKEN or (
            self._count_tokens(answer) > self.max_answer_tokens
        ):
            return "too_long"
        if EQUIVALENCE_KEY in line_key(answer).replace(" ", ""):
            return "forged_verdict"
        if verifier_decides(question.read_as, question.reference, answer):
            return "verifier_decides"
        return None

    def judge_answers(self, questions: Sequence[EquivalenceQuestion]) -> CascadeResult:
        started = time.perf_counter()
        refusals = [self.refusal(q) for q in questions]
        calls: list[_Call] = []
        for index, (question, refused) in enumerate(zip(questions, refusals, strict=True)):
            if refused is not None:
                continue
            task = prompt_text(question.prompt)
            pair = (question.reference, question.answer)
            for positions in ((0, 1), (1, 0)):  # the reference shown first, then second
                first, second = pair[positions[0]], pair[positions[1]]
                nonce = new_nonce()
                values = {
                    "prompt": task,
                    "answer_1": fenced_response(first, "ANSWER 1", nonce, self.protected),
                    "answer_2": fenced_response(second, "ANSWER 2", nonce, self.protected),
                }
                conversation: list[Message] = [
                    {"role": "user", "content": render_template(self.template, values)}
                ]
                prefill = PREFILLS["cascade"] if self.config.prefill else ""
                if prefill:
                    conversation.append({"role": "assistant", "content": prefill})
                calls.append(_Call(index, positions, conversation, prefill))
        replies, first_error = ask_judge(
            self.judge,
            [c.conversation for c in calls],
            max_chars=self.config.max_new_tokens * MAX_CHARS_PER_TOKEN,
        )
        said: list[list[bool | None]] = [[] for _ in questions]
        failed = [0] * len(questions)
        judgements = []
        for call, reply in zip(calls, replies, strict=True):
            if reply is None:
                failed[call.group] += 1
                judgements.append(Judgement(call.group, call.positions, "", False, failed=True))
                continue
            output = call.prefill + reply
            verdict = parse_equivalence(output)
            said[call.group].append(verdict)
            judgements.append(Judgement(call.group, call.positions, output, verdict is not None))
        equivalent: list[bool | None] = []
        for refused, verdicts, fails in zip(refusals, said, failed, strict=True):
            if refused is not None or False in verdicts:
                equivalent.append(False)  # one order said different: no need of the other
            elif fails:
                equivalent.append(None)
            else:  # both orders answered; an unreadable verdict is not a yes
                equivalent.append(verdicts == [True, True])
        metrics = {
            "genrm/cascade_asked": float(sum(r is None for r in refusals)),
            "genrm/cascade_rescued": float(sum(e is True for e in equivalent)),
            "genrm/cascade_failed": float(sum(e is None for e in equivalent)),
            "genrm/cascade_refused": float(sum(r is not None for r in refusals)),
            "genrm/cascade_unparseable": float(
                sum(v is None for verdicts in said for v in verdicts)
            ),
            "genrm/cascade_order_disagreement": float(sum(True in v and False in v for v in said)),
            "genrm/judgements": float(len(calls)),
            "genrm/failed_calls": float(sum(failed)),
            "genrm/seconds": time.perf_counter() - started,
        }
        error = None
        if first_error:
            error = (
                f"the GenRM judge failed on {sum(failed)} of {len(calls)} cascade calls: "
                f"{first_error}"
            )
            warnings.warn(error, RuntimeWarning, stacklevel=2)
        return CascadeResult(equivalent, metrics, judgements, error=error)


_PLAIN_NUMBER = re.compile(r"-?\d{1,300}(?:/\d{1,300})?")
"""How the math verifier describes an answer it read as a rational number (`7`, `-7/2`)."""
_TEX_COMMAND = re.compile(r"\\[A-Za-z]+")
_DIGIT = re.compile(r"\d")
_NUMBER_WORD = re.compile(
    r"\b(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|"
    r"fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|"
    r"seventy|eighty|ninety|hundred|thousand|million|billion|half|halves|third|quarter|"
    r"fourth|fifth|sixth|seventh|eighth|ninth|tenth|infinity|pi|none)(?:s|th|ths)?\b"
)
"""English number words: an answer with one of them may still be a number in words."""


def verifier_decides(read_as: str | None, reference: str, answer: str) -> bool:
    """Whether the verifier's 0 stands without asking the judge: the judge decides only what
    the deterministic verifier could not, never against an exact reading.

    - The verifier read the answer as a plain number and the reference is a number too (no
      letters once TeX commands are gone): the exact comparison said different, and a judge
      that can be talked into "equivalent" (the embedded one said so to 3 of 4 wrong numbers,
      BENCHMARKS.md) must not overturn 7 for 5.
    - The reference is a number and the answer holds none, in digits or in English words
      (`\boxed{Let's solve this step by step}`, `Solution`, 解): whatever it is, it is not
      that number, and it is the shape of the master keys that fool judges (Zhao et al. 2025).
      `\text{five}` for 5 is still asked.
    """
    reference = reference[:2000]
    numeric_reference = bool(_DIGIT.search(reference)) and not re.search(
        r"[A-Za-z]", _TEX_COMMAND.sub("", reference)
    )
    if numeric_reference and read_as is not None and _PLAIN_NUMBER.fullmatch(read_as):
        return True
    answer = answer[:2000]
    return numeric_reference and not (
        _DIGIT.search(answer) or _NUMBER_WORD.search(answer.casefold())
    )


def cascade_questions(
    prompts: Sequence[Any],
    problems: Sequence[Mapping[str, Any]],
    completions: Sequence[Any],
    verdicts: Sequence[Verdict | None],
    reference_field: str | None,
) -> tuple[list[int], list[EquivalenceQuestion]]:
    """The items the judge is asked about, and the questions: where the verifier said wrong
    (reward 0, not None, a status in `CASCADE_STATUSES`) on a problem with a reference. The
    answer asked about is the one the verifier extracted, else the text after the reasoning."""
    indices: list[int] = []
    questions: list[EquivalenceQuestion] = []
    if reference_field is None:
        return indices, questions
    for i, (problem, verdict) in enumerate(zip(problems, verdicts, strict=True)):
        if verdict is None or verdict.reward is None or verdict.reward != 0:
            continue
        if verdict.info.get("status") not in CASCADE_STATUSES:
            continue
        reference = problem.get(reference_field)
        if reference is None or not str(reference).strip():
            continue
        extracted = verdict.info.get("extracted")
        answer = extracted if isinstance(extracted, str) else response_text(completions[i])
        read_as = verdict.info.get("read_as")
        indices.append(i)
        questions.append(
            EquivalenceQuestion(
                prompts[i],
                str(reference),
                answer,
                env=problem.get("env"),
                read_as=read_as if isinstance(read_as, str) else None,
            )
        )
    return indices, questions


def apply_cascade(
    verdicts: Sequence[Verdict | None], indices: Sequence[int], result: CascadeResult
) -> list[Verdict | None]:
    """The verdicts with the judge's decisions applied: 1 where it found the answer equivalent
    in both orders, None where it failed (the reward is unknown, not 0), else the verifier's
    0; `info["judge"]` says which."""
    out = list(verdicts)
    for i, equivalent in zip(indices, result.equivalent, strict=True):
        verdict = verdicts[i]
        assert verdict is not None
        if equivalent is None:
            out[i] = Verdict.error(
                result.error or "the GenRM judge failed", **{**verdict.info, "judge": "failed"}
            )
        else:
            out[i] = Verdict(
                1.0 if equivalent else 0.0,
                {**verdict.info, "judge": "equivalent" if equivalent else "different"},
            )
    return out


def cascade_metrics(
    result: CascadeResult, questions: Sequence[EquivalenceQuestion]
) -> dict[str, float]:
    """The result's metrics, and per environment how many were asked and rescued."""
    metrics = dict(result.metrics)
    by_env: dict[str, list[bool | None]] = defaultdict(list)
    for question, equivalent in zip(questions, result.equivalent, strict=True):
        if question.env is not None:
            by_env[str(question.env)].append(equivalent)
    for env, values in by_env.items():
        metrics[f"env/{env}/cascade_asked"] = float(len(values))
        metrics[f"env/{env}/cascade_rescued"] = float(sum(v is True for v in values))
    return metrics


def rescue_verdicts(
    judge_answers: Callable[[Sequence[EquivalenceQuestion]], CascadeResult],
    prompts: Sequence[Any],
    problems: Sequence[Mapping[str, Any]],
    completions: Sequence[Any],
    verdicts: Sequence[Verdict | None],
    *,
    reference_field: str | None,
    log_metric: Callable[[str, float], None] | None = None,
) -> list[Verdict | None]:
    """Cascade mode over a batch: the verdicts with the judge (`judge_answers`, e.g.
    `EquivalenceScorer.judge_answers`) consulted where the verifier said wrong
    (`cascade_questions`, `apply_cascade`); how many it was asked and rescued go to
    `log_metric`, every step, 0 included."""
    indices, questions = cascade_questions(
        prompts, problems, completions, verdicts, reference_field
    )
    result = judge_answers(questions) if questions else CascadeResult([], {})
    if callable(log_metric):
        metrics = {"genrm/cascade_asked": 0.0, "genrm/cascade_rescued": 0.0}
        metrics.update(cascade_metrics(result, questions))
        for name, value in metrics.items():
            log_metric(name, value)
    return apply_cascade(verdicts, indices, result)


# -- the Ray actor ----------------------------------------------------------------------------


class _GenRMWorker:
    """The body of the Ray actor: builds the judge where the actor runs (its GPU, if any)."""

    def __init__(self, config: GenRMConfig, judge_factory: Callable[[], Judge]) -> None:
        if config.base_url is None:
            import torch

            if not torch.cuda.is_available():
                # Ray pins a CPU actor to one thread; the trainer waits for these scores anyway.
                torch.set_num_threads(max(1, len(os.sched_getaffinity(0))))
        judge = judge_factory()
        self.scorer: GenRMScorer | None = None
        self.cascade: EquivalenceScorer | None = None
        if config.mode == "cascade":
            self.cascade = EquivalenceScorer(judge, config)
        else:
            self.scorer = GenRMScorer(judge, config)

    def ready(self) -> bool:
        return True

    def score_groups(self, groups: Sequence[JudgeGroup]) -> GenRMResult:
        assert self.scorer is not None, "a cascade judge scores no groups"
        return self.scorer.score_groups(groups)

    def judge_answers(self, questions: Sequence[EquivalenceQuestion]) -> CascadeResult:
        assert self.cascade is not None, "only a cascade judge compares answers"
        return self.cascade.judge_answers(questions)


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

        if config.mode not in ("pointwise", "pairwise", "cascade"):
            raise UserError(
                "genrm.mode must be pointwise, pairwise or cascade for a judge, got "
                f"{config.mode!r}"
            )
        cap = config.max_response_tokens
        if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int) or cap < 1):
            raise UserError(f"genrm.max_response_tokens must be at least 1, got {cap!r}")
        self.cascade = config.mode == "cascade"
        if judge_factory is None and config.base_url is not None:
            endpoint = OpenAIJudge.from_config(config, api_key=endpoint_api_key(config))
            endpoint.check_reachable()  # a wrong URL fails here, in the driver
            judge_factory = functools.partial(
                OpenAIJudge.from_config, config, api_key=endpoint_api_key(config)
            )
            num_gpus = 0.0 if num_gpus is None else num_gpus  # the model runs elsewhere
        elif judge_factory is None:
            from rlvr.models import resolve_model

            model_path = resolve_model(config.model)
            judge_factory = functools.partial(TransformersJudge.from_config, model_path, config)
        from rlvr.pool import start_ray

        # joins the run's Ray (the environment pool's) when it is up; else it starts one (or
        # joins its node's, under torchrun) and ends that connection when it closes
        self._owns_ray = start_ray()
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

    def rescue(
        self,
        prompts: Sequence[Any],
        problems: Sequence[Mapping[str, Any]],
        completions: Sequence[Any],
        verdicts: Sequence[Verdict | None],
        *,
        reference_field: str | None,
        log_metric: Callable[[str, float], None] | None = None,
    ) -> list[Verdict | None]:
        """Cascade mode: `rescue_verdicts` with the judge in the actor. A lost actor makes
        every consulted item None, never a silent 0."""
        import ray

        def judge_answers(questions: Sequence[EquivalenceQuestion]) -> CascadeResult:
            try:
                result: CascadeResult = ray.get(self.actor.judge_answers.remote(list(questions)))
            except ray.exceptions.RayError as exc:
                message = f"the GenRM actor failed: {exc}"
                return CascadeResult([None] * len(questions), {}, error=message)
            return result

        return rescue_verdicts(
            judge_answers,
            prompts,
            problems,
            completions,
            verdicts,
            reference_field=reference_field,
            log_metric=log_metric,
        )

    def score_groups(self, groups: Sequence[JudgeGroup]) -> GenRMResult:
        return self.submit(groups).result()

    def close(self) -> None:
        import ray

        ray.kill(self.actor)
        if self._owns_ray:
            from rlvr.pool import stop_ray

            stop_ray()
            self._owns_ray = False
