"""The `if` verifier against a reward-maximising policy: degenerate text earns nothing.

Each class of issue 24's attacks is tried twice: without the content gate (IFEval's own
scoring, where the attack pays: the test shows it exists) and with it (where it must not).
Then the environment's own prompts are attacked programmatically, as a policy would, and
real answers are checked to keep their credit.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest

from rlvr.environments.instruct import DRAWERS, InstructionEnvironment
from rlvr.verifiers.instruct import InstructionVerifier
from rlvr.verifiers.instruct_gate import degenerate, letters_only, normalise, tokens
from rlvr.verifiers.instructions import CONSTRAINED_OPTIONS, INSTRUCTIONS, LANGUAGES
from rlvr.verifiers.text_units import count_words

VERIFIER = InstructionVerifier()

NUMBERS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
CYCLE_420 = " ".join(NUMBERS[i % 10] for i in range(420))
COUNT_420 = " ".join(str(i) for i in range(1, 421))
PROSE = (
    "Morning light crept over the harbour while the fishermen mended their nets and argued "
    "about the weather. Nobody noticed the small boat drifting past the lighthouse until a "
    "girl on the pier started waving both arms. By noon the whole village had gathered to "
    "watch the stranger climb ashore with a suitcase full of letters that had never been "
    "delivered. Some were addressed to people long dead; others carried names that nobody "
    "recognised at all. The baker offered him bread, the priest offered him a bed, and the "
    "children simply followed him from door to door as he asked for directions."
)


def reward(row: dict[str, Any], response: str, *, gated: bool) -> float:
    verdict = VERIFIER.verify({**row, "min_content": gated}, response)
    assert verdict.reward is not None, verdict.info
    return verdict.reward


def one(instruction_id: str, kwargs: dict[str, Any], prompt: str = "Write.") -> dict[str, Any]:
    return {"prompt": prompt, "instruction_id_list": [instruction_id], "kwargs": [kwargs]}


# --- filler meets every length rule ---------------------------------------------------------

LENGTH_ROWS = [
    one("length_constraints:number_words", {"num_words": 400, "relation": "at least"}),
    one("count:words_between", {"min_words": 300, "max_words": 450}),
    one("length_constraints:number_sentences", {"num_sentences": 3, "relation": "less than"}),
    one("count:unique_words", {"min_unique": 10}),
    one("punctuation:no_comma", {}),
    one("change_case:english_lowercase", {}),
]


@pytest.mark.parametrize("filler", [CYCLE_420, COUNT_420], ids=["cycled words", "count to 420"])
@pytest.mark.parametrize("row", LENGTH_ROWS, ids=lambda r: r["instruction_id_list"][0])
def test_filler_meets_length_rules_only_without_the_gate(row: dict[str, Any], filler: str) -> None:
    if filler is CYCLE_420 or row["instruction_id_list"][0] not in (
        "change_case:english_lowercase",
        "count:unique_words",
    ):
        assert reward(row, filler, gated=False) == 1.0
    assert reward(row, filler, gated=True) == 0.0


def test_a_passage_pasted_three_times_is_refused_but_a_chorus_is_not() -> None:
    row = one("length_constraints:number_words", {"num_words": 250, "relation": "at least"})
    assert reward(row, " ".join([PROSE] * 3), gated=True) == 0.0
    chorus = "Sing along with the river, sing along with the sea."
    song = f"{PROSE}\n{chorus}\n{PROSE.upper().lower()[::-1][::-1]}\n{chorus}"
    assert degenerate(song.replace(PROSE, PROSE[:300], 1)) is None


# --- a marker plus filler meets every format rule -------------------------------------------

FILLER = " ".join(NUMBERS[i % 10] for i in range(60))
MARKED: list[tuple[str, dict[str, Any], str]] = [
    ("detectable_format:title", {}, f"<<Title>> {FILLER}"),
    ("startend:quotation", {}, f'"{FILLER}"'),
    ("detectable_format:json_format", {}, '{"a": "' + FILLER + '"}'),
    ("detectable_format:number_bullet_lists", {"num_bullets": 2}, f"* {FILLER}\n* {FILLER}"),
    (
        "detectable_format:multiple_sections",
        {"section_spliter": "Section", "num_sections": 2},
        f"Section 1 {FILLER} Section 2 {FILLER}",
    ),
    ("format:headings", {"num_headings": 2}, f"# a\n{FILLER}\n# b\n{FILLER}"),
    (
        "format:markdown_table",
        {"num_rows": 1, "num_columns": 2},
        f"| a | b |\n|---|---|\n| 1 | 2 |\n{FILLER}",
    ),
    ("detectable_content:postscript", {"postscript_marker": "P.S."}, f"{FILLER}\nP.S. {FILLER}"),
    ("detectable_content:number_placeholders", {"num_placeholders": 2}, f"[a] [b] {FILLER}"),
    ("detectable_format:number_highlighted_sections", {"num_highlights": 2}, f"*a* *b* {FILLER}"),
    ("length_constraints:number_paragraphs", {"num_paragraphs": 2}, f"{FILLER}\n***\n{FILLER}"),
    ("combination:two_responses", {}, f"{FILLER}\n******\n{FILLER} one"),
    (
        "startend:end_checker",
        {"end_phrase": "Any other questions?"},
        f"{FILLER} Any other questions?",
    ),
    ("startend:first_word", {"first_word": "Today"}, f"Today {FILLER}"),
]


@pytest.mark.parametrize(
    ("instruction_id", "kwargs", "response"), MARKED, ids=lambda x: str(x)[:40]
)
def test_a_marker_plus_filler_meets_format_rules_only_without_the_gate(
    instruction_id: str, kwargs: dict[str, Any], response: str
) -> None:
    row = one(instruction_id, kwargs)
    assert reward(row, response, gated=False) == 1.0
    assert reward(row, response, gated=True) == 0.0
    # the same marker with real content keeps its credit
    real = response.replace(FILLER, PROSE, 1).replace(FILLER, PROSE.replace("the", "a"))
    assert reward(row, real, gated=True) == 1.0, VERIFIER.verify({**row, "min_content": True}, real)


# --- echoing the prompt -----------------------------------------------------------------------

ENV = InstructionEnvironment(seed=3, size=300)
PROBLEMS = ENV.problems("train")


def test_echoing_the_prompt_earns_nothing_with_the_gate() -> None:
    echoed = [reward(p, p["prompt"], gated=False) for p in PROBLEMS[:60]]
    assert sum(echoed) > 0  # IFEval's scoring pays for an echo
    assert all(reward(p, p["prompt"], gated=True) == 0.0 for p in PROBLEMS[:60])


def test_a_request_asked_to_be_repeated_may_be_repeated() -> None:
    request = "Write a story about a lighthouse keeper and a storm."
    row = one("combination:repeat_prompt", {"prompt_to_repeat": request}, f"{request} Repeat it.")
    assert reward(row, f"{request}\n{PROSE}", gated=True) == 1.0
    assert reward(row, f"{request}\n{request} {request}", gated=True) == 0.0
    no_comma = {**row, "instruction_id_list": [*row["instruction_id_list"], "punctuation:no_comma"]}
    no_comma["kwargs"] = [*row["kwargs"], {}]
    assert reward(no_comma, f"{request} ok", gated=False) == 1.0
    assert reward(no_comma, f"{request} ok", gated=True) == 0.0  # the copy answers nothing


def test_quoted_material_in_the_prompt_is_the_responses_to_use() -> None:
    text = PROSE[:200]
    row = one("punctuation:no_comma", {}, f'Rewrite this text as a list: "{text}"')
    response = "\n".join(f"* {s.strip()}." for s in text.replace(",", "").split(".") if s.strip())
    assert reward(row, response, gated=True) == 1.0


# --- several options at once ----------------------------------------------------------------


def test_constrained_response_takes_exactly_one_option() -> None:
    row = one("detectable_format:constrained_response", {})
    every = " ".join(CONSTRAINED_OPTIONS)
    assert reward(row, every, gated=False) == 1.0
    assert reward(row, every, gated=True) == 0.0
    assert reward(row, "My answer is maybe.", gated=True) == 1.0


# --- language and case of a single character ------------------------------------------------

NATIVE = {
    "es": "ñ", "pt": "ã", "ar": "ع", "hi": "क", "fr": "é", "ru": "ж", "de": "ß", "ja": "あ",
    "it": "ò", "bn": "ক", "uk": "ї", "th": "ก", "ur": "ے", "ta": "த", "te": "త", "bg": "щ",
    "ko": "한", "pl": "ł", "he": "ש", "fa": "پ", "vi": "ơ", "ne": "ङ", "kn": "ಕ", "mr": "ळ",
    "gu": "ક", "pa": "ਕ", "ml": "മ", "fi": "ä", "sw": "w",
}  # fmt: skip


def test_a_single_character_and_numbers_is_no_language() -> None:
    numbers = " ".join(str(n) for n in range(1, 26))
    paid = 0
    for code, char in NATIVE.items():
        row = one("language:response_language", {"language": code})
        paid += reward(row, f"{char} {numbers}", gated=False) == 1.0
        assert reward(row, f"{char} {numbers}", gated=True) == 0.0, code
    assert paid >= 15  # the attack works on IFEval's scoring
    assert set(NATIVE) == set(LANGUAGES) - {"en"}


def test_one_letter_and_numbers_is_not_lowercase_english() -> None:
    numbers = " ".join(str(n) for n in range(1, 26))
    row = one("change_case:english_lowercase", {})
    assert reward(row, f"s {numbers}", gated=False) == 1.0
    assert reward(row, f"s {numbers}", gated=True) == 0.0
    assert reward(one("change_case:english_capital", {}), f"S {numbers}", gated=True) == 0.0


@pytest.mark.parametrize(
    ("code", "text"),
    [
        (
            "es",
            "Hoy hizo muy buen tiempo y caminamos por la orilla del río durante horas. Después "
            "comimos en un pequeño restaurante del puerto y hablamos de los viajes que queremos "
            "hacer el próximo verano.",
        ),
        (
            "ru",
            "Сегодня была прекрасная погода, и мы несколько часов гуляли вдоль реки. Потом мы "
            "пообедали в маленьком ресторане у причала и говорили о поездках, которые хотим "
            "совершить следующим летом.",
        ),
        (
            "ja",
            "今日はとても良い天気で、私たちは何時間も川沿いを散歩しました。その後、港の小さな"
            "レストランで昼食をとり、来年の夏に行きたい旅行について話しました。",
        ),
        (
            "hi",
            "आज मौसम बहुत अच्छा था और हम घंटों नदी के किनारे टहलते रहे। उसके बाद हमने बंदरगाह "
            "के एक छोटे से रेस्तरां में खाना खाया और अगली गर्मियों की यात्राओं के बारे में बात की।",
        ),
    ],
)
def test_real_text_in_the_language_keeps_its_credit(code: str, text: str) -> None:
    assert reward(one("language:response_language", {"language": code}), text, gated=True) == 1.0


def test_words_of_an_indic_script_are_whole_words() -> None:
    assert tokens("नदी के किनारे") == ["नदी", "के", "किनारे"]
    assert len(tokens("今日は晴れ")) == 5
    assert letters_only("s 1 2 3, 4!") == "s"


# --- look-alikes and invisible characters ---------------------------------------------------


def test_look_alike_letters_do_not_dodge_a_forbidden_word_or_a_letter_count() -> None:
    row = one("keywords:forbidden_words", {"forbidden_words": ["harbour"]})
    disguised = PROSE.replace("harbour", "h\u0430rbour")  # Cyrillic а
    assert reward(row, disguised, gated=False) == 1.0
    assert reward(row, disguised, gated=True) == 0.0
    letters = one(
        "keywords:letter_frequency",
        {"letter": "e", "let_frequency": 5, "let_relation": "less than"},
    )
    assert reward(letters, PROSE.replace("e", "\u0435"), gated=True) == 0.0
    all_cyrillic = PROSE.replace("harbour", "\u0440\u043e\u0440")  # "рор" drawn as "pop"
    assert "pop" in normalise(all_cyrillic)


@pytest.mark.parametrize(
    "disguise",
    [
        "harb\u034four",  # a combining grapheme joiner, drawn as nothing
        "harb\ufe0four",  # a variation selector
        "harb\u200dour",  # a zero-width joiner
        "h\u0251rbour",  # Latin alpha
        "\u029c\u1d00\u0280\u0299\u1d0f\u1d1c\u0280",  # small capitals
    ],
)
def test_a_forbidden_word_in_disguise_is_still_the_word(disguise: str) -> None:
    row = one("keywords:forbidden_words", {"forbidden_words": ["harbour"]})
    text = PROSE.replace("harbour", disguise)
    assert reward(row, text, gated=True) == 0.0, normalise(text)[:60]


def test_russian_text_is_left_in_cyrillic() -> None:
    russian = "Сегодня была прекрасная погода, и мы гуляли вдоль реки."
    assert normalise(russian) == russian


def test_invisible_characters_do_not_add_words_and_look_alike_commas_are_commas() -> None:
    split = PROSE.replace("e", "e\u200b")
    wanted = count_words(PROSE) + 20
    words = one("length_constraints:number_words", {"num_words": wanted, "relation": "at least"})
    assert reward(words, split, gated=False) == 1.0  # \w+ counts the pieces
    assert reward(words, split, gated=True) == 0.0
    commas = one("punctuation:no_comma", {})
    for comma in ("\uff0c", "\u201a", "\ua4f9"):
        assert reward(commas, PROSE.replace(",", "").replace(" and", comma), gated=True) == 0.0
    assert reward(commas, PROSE.replace(",", ""), gated=True) == 1.0


# --- hostile lengths --------------------------------------------------------------------------


@pytest.mark.timeout(60)
@pytest.mark.parametrize("unit", ["[", "<", ".", "\n", " ", "*", "1. ", "<<a", "P.S"])
def test_long_runs_of_markup_are_judged_not_hung(unit: str) -> None:
    row = {
        "prompt": "Write.",
        "instruction_id_list": list(INSTRUCTIONS)[:25],
        "kwargs": [DRAWERS[i](random.Random(0), set(), "Write.") for i in list(INSTRUCTIONS)[:25]],
    }
    hostile = unit * (20_000 // len(unit))
    for gated in (False, True):
        for mode in ("strict", "loose"):
            verdict = VERIFIER.verify({**row, "mode": mode, "min_content": gated}, hostile)
            assert verdict.reward is not None
            assert verdict.reward == 0.0 or not gated


def test_a_response_beyond_the_limit_follows_nothing() -> None:
    verdict = VERIFIER.verify(one("punctuation:no_comma", {}), "a " * 600_000)
    assert verdict.reward == 0.0
    assert verdict.info["status"] == "too_long"


# --- a policy's search over the environment's own prompts -----------------------------------

Attack = Callable[[dict[str, Any]], str]


def _markers(problem: dict[str, Any]) -> str:
    """Every cheap marker a format rule looks for, whatever the row asks."""
    parts = ["<<Title>>", "# Heading", "## Heading", "* point", "* point", "[a] [b] [c] [d]"]
    parts += ["*one* *two* *three* *four*", "Section 1", "Section 2", "SECTION 1", "SECTION 2"]
    parts += ["| a | b |", "|---|---|", "| 1 | 2 |", "| 3 | 4 |", "P.S. P.P.S"]
    for kwargs in problem["kwargs"]:
        for value in kwargs.values():
            if isinstance(value, str):
                parts.append(value)
            elif isinstance(value, list):
                parts.extend(str(v) for v in value)
    return "\n".join(parts)


def _shuffled(words: list[str], seed: str) -> list[str]:
    return random.Random(seed).sample(words, len(words))


ATTACKS: dict[str, Attack] = {
    "echo": lambda p: p["prompt"],
    "echo twice": lambda p: f"{p['prompt']}\n{p['prompt']}",
    "echo interleaved": lambda p: " ".join(
        f"{word} {NUMBERS[i % 10]}" for i, word in enumerate(p["prompt"].split())
    ),
    "echo shuffled": lambda p: " ".join(_shuffled(p["prompt"].split(), p["id"])),
    "echo's words once each": lambda p: " ".join(
        _shuffled(sorted(set(p["prompt"].split())), p["id"])
    ),
    "cycled numbers": lambda p: CYCLE_420,
    "count to 420": lambda p: COUNT_420,
    "markers + cycled filler": lambda p: f"{_markers(p)}\n{CYCLE_420}",
    "markers + echo": lambda p: f"{_markers(p)}\n{p['prompt']}",
    "quoted filler": lambda p: f'"{_markers(p)} {CYCLE_420}"',
    "lowercase filler": lambda p: f"{_markers(p)}\n{CYCLE_420}".lower(),
    "capital filler": lambda p: f"{_markers(p)}\n{CYCLE_420}".upper(),
    "one word": lambda p: "ok",
    "all options": lambda p: " ".join(CONSTRAINED_OPTIONS),
    "letter + numbers": lambda p: "s " + " ".join(str(i) for i in range(1, 400)),
    "prose pasted four times": lambda p: "\n\n".join([PROSE] * 4),
}


def test_no_attack_on_the_environments_prompts_earns_anything() -> None:
    problems = PROBLEMS[:60]
    for name, attack in ATTACKS.items():
        rewards = [VERIFIER.verify(p, attack(p)).reward for p in problems]
        paid = [p["instruction_id_list"] for p, r in zip(problems, rewards, strict=True) if r]
        assert not paid, (name, paid[:5])


def test_the_attacks_do_pay_on_ifevals_scoring() -> None:
    problems = PROBLEMS[:60]
    for name in ("echo", "markers + cycled filler", "cycled numbers"):
        ungated = [{**p, "min_content": False} for p in problems]
        mean = sum(VERIFIER.verify(p, ATTACKS[name](p)).reward or 0 for p in ungated) / 60
        assert mean > 0.1, name


def test_real_answers_keep_their_credit() -> None:
    rows = [
        one("punctuation:no_comma", {}),
        one("length_constraints:number_words", {"num_words": 80, "relation": "at least"}),
        one("detectable_format:title", {}),
        one("keywords:existence", {"keywords": ["lighthouse", "letters"]}),
        one("startend:end_checker", {"end_phrase": "Any other questions?"}),
    ]
    answer = "<<The Stranger>>\n" + PROSE.replace(",", "").replace(";", ".")
    answer += " Any other questions?"
    for row in rows:
        row["prompt"] = "Write a story about a stranger who arrives in a fishing village."
        assert reward(row, answer, gated=True) == 1.0, row["instruction_id_list"]


def test_another_script_does_not_dodge_english_letter_and_word_rules() -> None:
    russian = (
        "Сегодня была прекрасная погода, и мы несколько часов гуляли вдоль реки. Потом мы "
        "пообедали в маленьком ресторане у причала и говорили о поездках, которые хотим "
        "совершить следующим летом."
    )
    row = one(
        "keywords:letter_frequency",
        {"letter": "e", "let_frequency": 3, "let_relation": "less than"},
    )
    assert reward(row, russian, gated=False) == 1.0
    assert reward(row, russian, gated=True) == 0.0
    asked = one("language:response_language", {"language": "ru"})
    assert reward(asked, russian, gated=True) == 1.0
