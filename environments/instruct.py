"""The `if` environment: writing tasks with verifiable constraints, or your IFEval rows.

The built-in pool is fixed by `seed` and `size`: problem i is drawn from its own generator
seeded by (seed, i), so a larger pool extends a smaller one. A problem is one of the writing
tasks of `rlvr.environments.instruct_tasks` followed by one to three constraints of
`rlvr.verifiers.instructions` that can all be followed at once (`compatible`), with kwargs drawn
from IFEval's ranges (a number of words from 100 to 500, one to five bullets, ...). Its
difficulty (1-5) is the sum of the constraints' hardness, capped at 5.

Generated rows carry `"min_content": true` (unless `min_content=False`): the verifier's
content gate then refuses degenerate text (too short, number lists, cycled filler, repeated
passages, an echoed prompt) before any constraint is judged, and judges normalised text.
With `data=FILE`, the rows of that file are the problems instead (IFEval's own format:
`key`, `prompt`, `instruction_id_list`, `kwargs`, IFBench's with its null-filled kwargs; or
rlvr records); they are scored as the row says, by default IFEval- and IFBench-format rows
as IFEval's reference scores them (the evaluation default) and rlvr records with the gate,
and every row's instructions are checked when the file is loaded. `min_content=True` puts
the gate on every loaded row that does not say otherwise. Training always does: the
environment's `training_verifier_options` build the training verifier with `min_content=True`,
so a policy trained on an IFEval-format file cannot learn filler either, while `rlvr eval` and
`rlvr verify` keep the reference's scoring for published rows. The gate's word minimum refuses
one IFEval answer in ten (short answers a prompt asked for), so it is not the evaluation
default.

Reward: the environment's reward is the verifier's alone by default (`reward: {verifier:
1.0, genrm: 0.0}`): the gate stops degenerate text, but whether the task itself was done
(a poem about the sea, not any poem) no rule can judge. That is the GenRM's part, added
with a weight (`envs: {if: {reward: {verifier: 1.0, genrm: 0.5}}}`, `--genrm pairwise`)
when a capable judge is configured; the CPU default judge (SmolLM2-135M) is too weak to
trust with reward, so on CPU the default stays verifier-only (docs/instruction-following.md).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from rlvr.environments.instruct_tasks import QUESTIONS, TASKS
from rlvr.errors import RecordError
from rlvr.protocols import Message, Split
from rlvr.records import Record, load_records, read_rows, split_of, stable_id
from rlvr.verifiers.instruct import read_instructions
from rlvr.verifiers.instructions import (
    END_PHRASES,
    INSTRUCTIONS,
    LANGUAGES,
    POSTSCRIPT_MARKERS,
    RELATIONS,
    SECTION_SPLITTERS,
    KwargsError,
    UnsupportedInstructionError,
    all_compatible,
)
from rlvr.verifiers.text_units import word_set

DEFAULT_SIZE = 2000
MAX_INSTRUCTIONS = 3
MAX_DRAWS_PER_PROBLEM = 20
MAX_DIFFICULTY = 5

KEYWORDS = tuple(
    sorted(
        word_set(
            """
    river lantern harbour meadow compass anchor orchard ladder candle thunder pepper violin
    marble feather canyon glacier pocket window bridge garden forest island mirror ticket
    kettle blanket crystal engine planet rocket saddle shadow signal silver summer winter
    autumn spring tunnel valley velvet whistle wisdom balance journey kingdom library market
    memory morning network ocean puzzle rhythm season station theory travel village wonder
    cookie dragon falcon gravity honey jungle lemon magnet mountain needle paper quartz ribbon
    sunset tiger umbrella walnut yellow zebra breeze coffee desert emerald fossil granite
    horizon iceberg jasmine lighthouse nectar oxygen pebble riddle spiral tornado voyage
            """
        )
    )
)
"""Words for keyword, forbidden-word and first-word constraints: concrete, common, and not
words a task would force (tasks rarely mention compasses and zebras)."""

PHRASES = (
    "step by step",
    "in the long run",
    "at the end of the day",
    "as a matter of fact",
    "little by little",
    "once in a while",
    "from time to time",
    "on the other hand",
)
FIRST_WORDS = ("Today", "Imagine", "Honestly", "Recently", "Sometimes", "Yesterday", "Clearly")
STARTING_LETTERS = "bcmpst"


def _relation(rng: random.Random) -> str:
    return rng.choice(RELATIONS)


def _words(rng: random.Random, used: set[str], count: int) -> list[str]:
    chosen = rng.sample([w for w in KEYWORDS if w not in used], count)
    used.update(chosen)
    return chosen


def _num_sentences(rng: random.Random) -> dict[str, Any]:
    relation = _relation(rng)
    # "less than 1 sentence" can only be met by saying nothing
    return {
        "relation": relation,
        "num_sentences": rng.randint(2 if relation == "less than" else 1, 20),
    }


def _nth_paragraph(rng: random.Random, used: set[str]) -> dict[str, Any]:
    paragraphs = rng.randint(1, 5)
    return {
        "num_paragraphs": paragraphs,
        "nth_paragraph": rng.randint(1, paragraphs),
        "first_word": _words(rng, used, 1)[0],
    }


def _words_between(rng: random.Random) -> dict[str, Any]:
    low = rng.randint(50, 200)
    return {"min_words": low, "max_words": low + rng.randint(50, 150)}


Drawer = Callable[[random.Random, set[str], str], dict[str, Any]]

DRAWERS: dict[str, Drawer] = {
    "keywords:existence": lambda rng, used, task: {"keywords": _words(rng, used, 2)},
    "keywords:frequency": lambda rng, used, task: {
        "keyword": _words(rng, used, 1)[0],
        "frequency": rng.randint(1, 3),
        "relation": _relation(rng),
    },
    "keywords:forbidden_words": lambda rng, used, task: {"forbidden_words": _words(rng, used, 2)},
    "keywords:letter_frequency": lambda rng, used, task: {
        "letter": rng.choice("abcdefghijklmnopqrstuvwxyz"),
        "let_frequency": rng.randint(1, 10),
        "let_relation": _relation(rng),
    },
    "language:response_language": lambda rng, used, task: {
        "language": rng.choice([code for code in LANGUAGES if code != "en"])
    },
    "length_constraints:number_sentences": lambda rng, used, task: _num_sentences(rng),
    "length_constraints:number_paragraphs": lambda rng, used, task: {
        "num_paragraphs": rng.randint(1, 5)
    },
    "length_constraints:number_words": lambda rng, used, task: {
        "num_words": rng.randint(100, 500),
        "relation": _relation(rng),
    },
    "length_constraints:nth_paragraph_first_word": lambda rng, used, task: _nth_paragraph(
        rng, used
    ),
    "detectable_content:number_placeholders": lambda rng, used, task: {
        "num_placeholders": rng.randint(1, 4)
    },
    "detectable_content:postscript": lambda rng, used, task: {
        "postscript_marker": rng.choice(POSTSCRIPT_MARKERS)
    },
    "detectable_format:number_bullet_lists": lambda rng, used, task: {
        "num_bullets": rng.randint(1, 5)
    },
    "detectable_format:constrained_response": lambda rng, used, task: {},
    "detectable_format:number_highlighted_sections": lambda rng, used, task: {
        "num_highlights": rng.randint(1, 4)
    },
    "detectable_format:multiple_sections": lambda rng, used, task: {
        "section_spliter": rng.choice(SECTION_SPLITTERS),
        "num_sections": rng.randint(1, 5),
    },
    "detectable_format:json_format": lambda rng, used, task: {},
    "detectable_format:title": lambda rng, used, task: {},
    "combination:two_responses": lambda rng, used, task: {},
    "combination:repeat_prompt": lambda rng, used, task: {"prompt_to_repeat": task},
    "startend:end_checker": lambda rng, used, task: {"end_phrase": rng.choice(END_PHRASES)},
    "change_case:capital_word_frequency": lambda rng, used, task: {
        "capital_frequency": rng.randint(1, 20),
        "capital_relation": _relation(rng),
    },
    "change_case:english_capital": lambda rng, used, task: {},
    "change_case:english_lowercase": lambda rng, used, task: {},
    "punctuation:no_comma": lambda rng, used, task: {},
    "startend:quotation": lambda rng, used, task: {},
    "count:words_between": lambda rng, used, task: _words_between(rng),
    "count:unique_words": lambda rng, used, task: {"min_unique": rng.randint(30, 100)},
    "count:digit_numbers": lambda rng, used, task: {
        "num_numbers": rng.randint(1, 5),
        "relation": _relation(rng),
    },
    "count:questions": lambda rng, used, task: {"num_questions": rng.randint(1, 3)},
    "ratio:function_words": lambda rng, used, task: {"max_percent": rng.randint(35, 50)},
    "ratio:long_words": lambda rng, used, task: {
        "min_length": rng.randint(7, 9),
        "min_percent": rng.randint(15, 30),
    },
    "words:max_length": lambda rng, used, task: {"max_letters": rng.randint(8, 12)},
    "words:starting_with": lambda rng, used, task: {
        "letter": rng.choice(STARTING_LETTERS),
        "min_count": rng.randint(3, 8),
    },
    "words:no_consecutive_repeats": lambda rng, used, task: {},
    "sentence:max_words": lambda rng, used, task: {"max_words": rng.randint(12, 25)},
    "sentence:keyword_in_nth": lambda rng, used, task: {
        "nth_sentence": rng.randint(1, 3),
        "keyword": _words(rng, used, 1)[0],
    },
    "format:numbered_list": lambda rng, used, task: {"num_items": rng.randint(3, 7)},
    "format:headings": lambda rng, used, task: {"num_headings": rng.randint(2, 4)},
    "format:markdown_table": lambda rng, used, task: {
        "num_rows": rng.randint(2, 5),
        "num_columns": rng.randint(2, 4),
    },
    "repeat:phrase": lambda rng, used, task: {
        "phrase": rng.choice(PHRASES),
        "times": rng.randint(2, 3),
    },
    "startend:first_word": lambda rng, used, task: {"first_word": rng.choice(FIRST_WORDS)},
}
"""How each constraint's kwargs are drawn: IFEval's ranges for IFEval's ids. A drawer gets
the generator, the words already used in the prompt (so that a forbidden word is never also
a required one) and the task text."""

_ALONE = "detectable_format:constrained_response"
_REPEAT = "combination:repeat_prompt"


class InstructionEnvironment:
    name = "if"
    verifier = "if"
    # A reward is trained against: every row is gated in training, published formats included
    # (a row's own `min_content` still decides). Evaluation keeps the reference's scoring.
    training_verifier_options: Mapping[str, Any] = {"min_content": True}

    def __init__(
        self,
        *,
        seed: int = 0,
        size: int = DEFAULT_SIZE,
        data: str | Path | None = None,
        heldout_fraction: float = 0.1,
        min_content: bool | None = None,
        instructions: Sequence[str] | None = None,
        max_instructions: int = MAX_INSTRUCTIONS,
    ) -> None:
        unknown = sorted(set(instructions or ()) - INSTRUCTIONS.keys())
        if unknown:
            raise ValueError(f"unknown instruction ids {unknown}; known: {sorted(INSTRUCTIONS)}")
        if size < 1:
            raise ValueError(f"size must be at least 1, got {size}")
        if not 0 <= heldout_fraction < 1:
            raise ValueError(f"heldout_fraction must be in [0, 1), got {heldout_fraction}")
        if min_content is not None and not isinstance(min_content, bool):
            raise ValueError(f"min_content must be true, false or null, got {min_content!r}")
        if not 1 <= max_instructions <= MAX_INSTRUCTIONS:
            raise ValueError(f"max_instructions must be 1 to {MAX_INSTRUCTIONS}")
        self.seed = seed
        self.size = size
        self.data = data
        self.heldout_fraction = heldout_fraction
        self.min_content = min_content
        self.instructions = list(instructions or INSTRUCTIONS)
        self.max_instructions = max_instructions
        self._pool: list[Record] | None = None

    def problems(self, split: Split = "train") -> list[Record]:
        return [p for p in self._all() if split_of(str(p["id"]), self.heldout_fraction) == split]

    def prompt(self, problem: Mapping[str, Any]) -> list[Message]:
        question = problem["prompt"]
        if isinstance(question, list):
            return [dict(m) for m in question]
        return [{"role": "user", "content": question}]

    def _all(self) -> list[Record]:
        if self._pool is None:
            self._pool = self._load() if self.data else self._generate()
        return self._pool

    def _load(self) -> list[Record]:
        assert self.data is not None
        records = []
        # load_records yields one record per row, in order: pair them to say where
        lines = (line_no for line_no, _ in read_rows(self.data))
        for line_no, record in zip(lines, load_records(self.data, env="if"), strict=False):
            for field in ("instruction_id_list", "kwargs"):
                if field not in record:
                    raise RecordError("missing", path=self.data, line=line_no, field=field)
            try:
                read_instructions(record)
            except UnsupportedInstructionError:
                pass  # kept: its responses are scored null, with the reason
            except KwargsError as exc:
                raise RecordError(str(exc), path=self.data, line=line_no) from None
            if self.min_content is not None:
                record.setdefault("min_content", self.min_content)
            records.append(record)
        return records

    def _generate(self) -> list[Record]:
        pool: dict[str, Record] = {}
        for index in range(self.size * MAX_DRAWS_PER_PROBLEM):
            if len(pool) == self.size:
                break
            rng = random.Random(f"rlvr-if/{self.seed}/{index}")
            record = self._draw(rng)
            if record is not None:
                pool.setdefault(record["id"], record)
        if len(pool) < self.size:
            raise ValueError(
                f"the instructions {self.instructions} make fewer than {self.size} distinct "
                f"problems ({len(pool)} found); ask for a smaller size or more instructions"
            )
        return list(pool.values())

    def _draw(self, rng: random.Random) -> Record | None:
        first = rng.choice(self.instructions)
        if first == _ALONE:
            task, wanted = rng.choice(QUESTIONS), 1
        else:
            task, wanted = rng.choice(TASKS), rng.randint(1, self.max_instructions)
        used: set[str] = set()
        chosen = [(first, DRAWERS[first](rng, used, task))]
        candidates = [i for i in self.instructions if i != _ALONE]
        for _ in range(MAX_DRAWS_PER_PROBLEM):
            if len(chosen) == wanted:
                break
            candidate = rng.choice(candidates)
            trial_used = set(used)
            kwargs = DRAWERS[candidate](rng, trial_used, task)
            if all_compatible([*chosen, (candidate, kwargs)]):
                chosen.append((candidate, kwargs))
                used = trial_used
        chosen.sort(key=lambda pair: pair[0] == _REPEAT)  # the repeat request goes last
        prompt, kwargs_list = render(task, chosen)
        record: Record = {
            "env": "if",
            "prompt": prompt,
            "instruction_id_list": [i for i, _ in chosen],
            "kwargs": kwargs_list,
            "difficulty": min(MAX_DIFFICULTY, sum(INSTRUCTIONS[i].hardness for i, _ in chosen)),
            "meta": {"task": task, "source": "rlvr-generated"},
        }
        record["id"] = stable_id(record, "if")
        if self.min_content is not False:
            record["min_content"] = True
        return record


def render(
    task: str, constraints: Sequence[tuple[str, Mapping[str, Any]]]
) -> tuple[str, list[dict[str, Any]]]:
    """The prompt text for a task and its constraints, and the kwargs to store with it.

    A repeat-the-request constraint must come last: the request it quotes is everything
    before its own sentence.
    """
    parts = [task]
    kwargs_list = []
    for instruction_id, drawn in constraints:
        kwargs = {"prompt_to_repeat": _join(parts)} if instruction_id == _REPEAT else dict(drawn)
        parts.append(INSTRUCTIONS[instruction_id].describe(kwargs))
        kwargs_list.append(kwargs)
    return _join(parts), kwargs_list


def _join(parts: Sequence[str]) -> str:
    return "\n".join(parts) if any("\n" in p for p in parts) else " ".join(parts)
