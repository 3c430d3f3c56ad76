"""The `if` verifier: which of a row's instructions a response follows.

A row carries IFEval's fields: `instruction_id_list` and `kwargs` (one object per
instruction). The constraints themselves are in `rlvr.verifiers.instructions`; this module reads
the row, judges the text after the reasoning section, and turns the outcomes into a reward:
the fraction of instructions followed, or 1/0 with `all_or_nothing=True`.
`info["followed"]` and `info["not_followed"]` list the ids, `info["instructions"]` says why
for each one.

Scoring modes (`mode`, per row or per verifier):
- `strict` (default): IFEval's strict metric; an empty response follows nothing.
- `loose`: IFEval's loose metric: an instruction counts as followed if the response, or the
  response without its first line, its last line or both, with or without `*` characters,
  follows it.

The content gate (`min_content`, per row or per verifier): off for a row in IFEval's or
IFBench's published format (a `key` field, or an id `ifeval/<key>` as rlvr loads one), so
that such rows are scored as IFEval's reference scores them; on for every other row
(generated, custom) unless the row or the verifier says otherwise. With it, the
response is normalised (NFKC, invisible characters, look-alikes) and refused as a whole when
it is degenerate (`rlvr.verifiers.instruct_gate`: too few words, number lists, cycled
filler, repeated passages, an echoed prompt); a refused response follows no instruction
except a short answer that was asked for (`constrained_response`, while it is short). Under
the gate, language and case rules read the language from the words alone and fail on text
with none, and a constrained answer must give exactly one option. Without it a policy learns
that "ok" satisfies every negative constraint, a `<<title>>` plus filler a format rule, and
an echo of the prompt a third of them.

A malformed row (an unknown instruction id, a missing or ill-typed kwarg) is a fault of the
dataset: the verdict is an error (reward None) that names the id and kwarg.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from rlvr.text import REASONING_CLOSE, strip_reasoning
from rlvr.verdict import Verdict
from rlvr.verifiers.ifbench import UNSUPPORTED
from rlvr.verifiers.instruct_gate import MIN_WORDS, degenerate, normalise, prompt_text, tokens
from rlvr.verifiers.instructions import (
    ALL_INSTRUCTIONS,
    GATED_CHECKS,
    KwargsError,
    Outcome,
    UnsupportedInstructionError,
    validate_kwargs,
)

MODES = ("strict", "loose")
MIN_CONTENT_WORDS = MIN_WORDS
MAX_RESPONSE_CHARS = 1_000_000
"""A response longer than this follows nothing: every check is linear in the text, but a
policy should not be paid for megabytes (IFEval's longest answers are a few thousand)."""
_REPEAT = "combination:repeat_prompt"
_OTHER_LANGUAGE = frozenset({"language:response_language", "count:words_japanese"})
"""Instructions that ask for words in another language than English."""
_REPEATS = frozenset({_REPEAT, "repeat:repeat_change", "repeat:repeat_span"})
"""Instructions that ask to repeat (part of) the request: the gate does not count that copy
as an echo."""


class InstructionVerifier:
    """IFEval-style instruction checks; see the module docstring."""

    name = "if"
    required_fields = ("instruction_id_list", "kwargs")

    def __init__(
        self,
        *,
        mode: str = "strict",
        all_or_nothing: bool = False,
        min_content: bool | None = None,
        min_words: int = MIN_CONTENT_WORDS,
        reasoning_close: Iterable[str] = REASONING_CLOSE,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        if min_words < 0:
            raise ValueError(f"min_words must be >= 0, got {min_words}")
        if min_content is not None and not isinstance(min_content, bool):
            raise ValueError(f"min_content must be true, false or null, got {min_content!r}")
        self.mode = mode
        self.all_or_nothing = all_or_nothing
        self.min_content = min_content
        self.min_words = min_words
        self.reasoning_close = tuple(reasoning_close)

    def verify(self, problem: Mapping[str, Any], completion: str) -> Verdict:
        try:
            instructions = read_instructions(problem)
        except KwargsError as exc:
            return Verdict.error(f"bad if row: {exc}")
        mode = problem.get("mode") or self.mode
        if mode not in MODES:
            return Verdict.error(f"row mode must be one of {MODES}, got {mode!r}")
        gated = problem.get("min_content", self.min_content)
        if gated is None:
            gated = not published_row(problem)
        if not isinstance(gated, bool):
            return Verdict.error(f"row min_content must be true or false, got {gated!r}")
        ids = [instruction_id for instruction_id, _ in instructions]
        settings: dict[str, Any] = {"mode": mode, "min_content": gated}
        text = strip_reasoning(completion, self.reasoning_close)
        if text is None:
            reason = "the reasoning section was never closed"
            return self._verdict(ids, [(False, reason)] * len(ids), settings, "no_answer")
        if len(text) > MAX_RESPONSE_CHARS:
            reason = f"longer than {MAX_RESPONSE_CHARS} characters, not judged"
            return self._verdict(ids, [(False, reason)] * len(ids), settings, "too_long")
        degenerate_why, brief = None, True
        if gated:
            text = normalise(text)
            instructions = [(i, _normalised(kwargs)) for i, kwargs in instructions]
            degenerate_why = degenerate(
                text,
                prompt=prompt_text(problem.get("prompt")),
                allowed_copies=[k["prompt_to_repeat"] for i, k in instructions if i in _REPEATS],
                min_words=self.min_words,
                latin=not _OTHER_LANGUAGE & set(ids),
            )
            settings["degenerate"] = degenerate_why
            # A short answer that was asked for is spared the gate only while it is short.
            brief = len(tokens(text)) < self.min_words
        if not text.strip():
            return self._verdict(ids, [(False, "empty response")] * len(ids), settings, "empty")
        outcomes = []
        for instruction_id, kwargs in instructions:
            try:
                followed, why = judge(instruction_id, kwargs, text, mode, gated=gated)
            except Exception as exc:
                # The kwargs were validated by read_instructions, so a check that raises was
                # raised by the response's text (a tokenizer or language detector on odd
                # input): not followed, never the engine's null, which would drop the sample.
                followed, why = False, f"the check raised {type(exc).__name__} on the response"
            instruction = ALL_INSTRUCTIONS[instruction_id]
            spared = (brief and instruction.short_answer) or instruction.exact_answer
            if followed and degenerate_why and not spared:
                followed, why = False, f"degenerate text ({degenerate_why}): {why}"
            outcomes.append((followed, why))
        return self._verdict(ids, outcomes, settings, None)

    def _verdict(
        self,
        ids: list[str],
        outcomes: list[Outcome],
        settings: dict[str, Any],
        status: str | None,
    ) -> Verdict:
        followed = [i for i, (ok, _) in zip(ids, outcomes, strict=True) if ok]
        not_followed = [i for i, (ok, _) in zip(ids, outcomes, strict=True) if not ok]
        fraction = len(followed) / len(ids)
        reward = float(fraction == 1.0) if self.all_or_nothing else fraction
        if status is None:
            status = "followed" if not not_followed else "partial" if followed else "not_followed"
        return Verdict(
            reward,
            {
                "status": status,
                **settings,
                "followed": followed,
                "not_followed": not_followed,
                "instructions": [
                    {"id": i, "followed": ok, "why": why}
                    for i, (ok, why) in zip(ids, outcomes, strict=True)
                ],
            },
        )

    def examples(self) -> list[tuple[dict[str, Any], str, float]]:
        """(problem, completion, expected reward) for the conformance check. Rows with a `key`
        are IFEval's (no content gate); the others are gated by default."""
        poem = {
            "key": 1,
            "instruction_id_list": ["punctuation:no_comma", "detectable_format:title"],
            "kwargs": [{}, {}],
        }
        lowercase = {
            "key": 2,
            "instruction_id_list": ["change_case:english_lowercase", "punctuation:no_comma"],
            "kwargs": [{}, {}],
        }
        negative = {
            "instruction_id_list": ["punctuation:no_comma", "keywords:forbidden_words"],
            "kwargs": [{}, {"forbidden_words": ["winter"]}],
        }
        essay = (
            "the river runs past the old mill where we used to sit and talk about the "
            "summers that never seemed to end and the friends who shared them with us"
        )
        return [
            (poem, "<<Spring>>\nBuds open slowly\nbirds return to the hedge", 1.0),
            (poem, "<<Spring>>\nBuds open, slowly", 0.5),
            (poem, "Buds open, slowly", 0.0),
            (poem, "<think>maybe, maybe not</think><<Spring>> buds open", 1.0),
            (
                {
                    "key": 3,
                    "instruction_id_list": ["length_constraints:number_words"],
                    "kwargs": [{"num_words": 5, "relation": "less than"}],
                },
                "Four words are enough.",
                1.0,
            ),
            # IFBench's published layout: float counts, every kwarg, null where unused
            (
                {
                    "key": 5,
                    "instruction_id_list": ["count:numbers"],
                    "kwargs": [{"N": 2.0, "word": None}],
                },
                "Pay 3.5 or 1,000 now.",
                1.0,
            ),
            (lowercase, essay, 1.0),
            (lowercase, essay.capitalize(), 0.5),
            (negative, essay, 1.0),
            (negative, "ok", 0.0),
            ({**negative, "key": 4}, "ok", 1.0),
            ({**negative, "min_content": False}, "ok", 1.0),
        ]


def published_row(problem: Mapping[str, Any]) -> bool:
    """Whether a row is in IFEval's or IFBench's published format (as given, with its `key`,
    or as rlvr loads it, with the id `ifeval/<key>`): such rows are scored as the reference
    scores them, without the content gate."""
    return "key" in problem or str(problem.get("id", "")).startswith("ifeval/")


def read_instructions(problem: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(id, validated kwargs) for each of a row's instructions; raises `KwargsError`."""
    ids, kwargs_list = problem["instruction_id_list"], problem["kwargs"]
    if not (isinstance(ids, list) and ids and all(isinstance(i, str) for i in ids)):
        raise KwargsError("instruction_id_list must be a non-empty list of ids")
    unsupported = sorted({i for i in ids if i in UNSUPPORTED})
    unknown = [i for i in ids if i not in ALL_INSTRUCTIONS and i not in UNSUPPORTED]
    if unknown:
        raise KwargsError(
            f"unknown instruction ids {unknown}; rlvr knows IFEval's 25, IFBench's own "
            "(but words:start_verb) and its own (docs/instruction-following.md)"
        )
    if not isinstance(kwargs_list, list) or len(kwargs_list) != len(ids):
        raise KwargsError(
            f"kwargs must be a list with one object per instruction ({len(ids)}), "
            f"got {kwargs_list!r:.80}"
        )
    checked = [
        (instruction_id, validate_kwargs(instruction_id, kwargs))
        for instruction_id, kwargs in zip(ids, kwargs_list, strict=True)
        if instruction_id not in UNSUPPORTED
    ]
    if unsupported:
        # raised last, so that a caller loading a file knows the rest of the row is sound
        reasons = "; ".join(f"{i}: {UNSUPPORTED[i]}" for i in unsupported)
        raise UnsupportedInstructionError(
            f"IFBench instructions rlvr cannot score as IFBench does: {reasons}"
        )
    return checked


def judge(
    instruction_id: str, kwargs: Mapping[str, Any], text: str, mode: str, *, gated: bool = False
) -> Outcome:
    """Whether `text` follows one instruction, under IFEval's strict or loose metric; with
    `gated`, by the content gate's version of the check where it has one."""
    check = ALL_INSTRUCTIONS[instruction_id].check
    if gated:
        check = GATED_CHECKS.get(instruction_id, check)
    outcome = check(text, kwargs)
    if outcome[0] or mode == "strict":
        return outcome
    for variant in loose_variants(text):
        if variant.strip():
            loose = check(variant, kwargs)
            if loose[0]:
                return True, f"loosely: {loose[1]}"
    return outcome


def loose_variants(text: str) -> list[str]:
    """The response without its first line, last line or both, and each without `*`."""
    lines = text.split("\n")
    trimmed = [
        "\n".join(lines[1:]).strip(),
        "\n".join(lines[:-1]).strip(),
        "\n".join(lines[1:-1]).strip(),
    ]
    return [text.replace("*", ""), *trimmed, *(t.replace("*", "") for t in trimmed)]


def _normalised(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """Kwargs with their text normalised like the response, so that both sides compare alike."""
    return {
        name: normalise(value)
        if isinstance(value, str)
        else [normalise(v) for v in value]
        if isinstance(value, list)
        else value
        for name, value in kwargs.items()
    }
