"""IFBench's own instructions: each scored as IFBench's reference code scores it (a pass and a
fail per id, from the reference's semantics), its kwargs as IFBench publishes them, the
content gate's versions for training, and bounded work on hostile text."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rlvr.environments.instruct import InstructionEnvironment
from rlvr.errors import RecordError
from rlvr.verifiers.ifbench import CHECKS, EUROPEAN_CAPITALS, GATED, UNSUPPORTED
from rlvr.verifiers.instruct import InstructionVerifier
from rlvr.verifiers.instructions import (
    IFBENCH_IDS,
    IFBENCH_OWN_IDS,
    INSTRUCTIONS,
    KwargsError,
    validate_kwargs,
)

VERIFIER = InstructionVerifier()
AFRICA_REVERSED = sorted(
    """Algeria Angola Benin Botswana Burundi Cameroon Chad Comoros Congo Djibouti Egypt Eritrea
    Eswatini Ethiopia Gabon Gambia Ghana Guinea Kenya Lesotho Liberia Libya Madagascar Malawi
    Mali Mauritania Mauritius Morocco Mozambique Namibia Niger Nigeria Rwanda Senegal Seychelles
    Somalia Sudan Tanzania Togo Tunisia Uganda Zambia Zimbabwe Angola2 Benin2 Chad2 Congo2
    Egypt2 Gabon2 Ghana2 Kenya2 Libya2 Mali2""".split(),  # noqa: SIM905
    reverse=True,
)
CSV_PRODUCTS = "\n".join(
    ["ProductID,Category,Brand,Price,Stock"]
    + [f"{i},Tools,Acme,{i}.99,{i * 2}" for i in range(1, 14)]
    + ['14,Tools,"Acme & Sons",1.00,3']
)
MCQ = "\n\n".join(
    f"Question {n}: Which artist {'really ' * n}painted it?\n"
    + "\n".join(f"{letter}) choice" for letter in "ABCDE")
    for n in range(1, 5)
)
ALPHABET_STORY = " ".join(f"{c.upper()}nd then it went on." for c in "abcdefghijklmnopqrstuvwxyz")

# id: (kwargs, a response the reference counts as followed, one it does not)
CASES: dict[str, tuple[dict[str, Any], str, str]] = {
    "count:word_count_range": (
        {"min_words": 3.0, "max_words": 5.0},
        "one two three four",
        "one two",
    ),
    "count:unique_word_count": ({"N": 3.0}, "Red, red blue green.", "red red, Red."),
    "ratio:stop_words": ({"percentage": 50.0}, "Cats chase the mice.", "It is the one of them."),
    "ratio:sentence_type": ({}, "It rains. It pours. Why?", "It rains. Why? How?"),
    "ratio:sentence_balance": ({}, "Rain. Why? Wow!", "Rain. Snow. Why? Wow!"),
    # the reference tells `and` from `And`: two different tokens
    "count:conjunctions": ({"small_n": 2.0}, "cats and dogs And birds", "cats and dogs and birds"),
    "count:person_names": ({"N": 2.0}, "Emma met Liam.", "Emma met Emmanuel and emma."),
    "ratio:overlap": (
        {"reference_text": "abcdefgh", "percentage": 100.0},
        "abcdef",
        "abcxyz",
    ),
    # punctuation is removed first: 3.5 and 1,000 are one number each
    "count:numbers": ({"N": 2.0}, "Pay 3.5 or 1,000 now.", "Pay 3 or 5 or 7 now."),
    "words:alphabet": ({}, "Apples bring cats, dogs.", "Apples cats dogs"),
    "words:vowel": ({}, "a bad cat sat on a mat", "a bad cat sat on a mat\nagain"),
    "words:consonants": ({}, "strong script blend", "strong banana blend"),
    "sentence:alliteration_increment": (
        {},
        "The end came. Big bad bears ran.",
        "Big bad bears ran. The end came.",
    ),
    "words:palindrome": (
        {},
        "level radar civic rotor kayak refer madam racecar stats tenet",
        "level radar civic rotor kayak refer madam racecar stats noon",
    ),
    "count:punctuation": ({}, "Yes. No, maybe! Why? Ok; fine: really?!", "Yes. No, maybe! Why?"),
    "format:parentheses": ({}, "x ( [ { ( [ deep ] ) } ] ) y", "x ( [ { ( deep ) } ] y"),
    "format:quotes": ({}, 'He said "she said \'they said "go" today\' ok" end', 'He said "go"'),
    "words:prime_lengths": ({}, "the cat jumps", "the cats jump"),
    "format:options": ({"options": "yes/no/maybe"}, "Yes.", "Yes, because it fits."),
    "format:newline": ({}, "one\ntwo\nthree", "one two\nthree"),
    "format:emoji": ({}, "I love it 😀. Really 🚀!", "I love it 😀. Really!"),
    "ratio:sentence_words": (
        {},
        "A dog ran far away. Big owls hoot late. Red kites fly high!",
        "A dog ran far away. Big owls hoot. Red kites fly high!",
    ),
    "count:words_japanese": ({"N": 2.0}, "one 日本 three 東京", "one two three 東京"),
    "words:repeats": ({"small_n": 2.0}, "go go stop", "go go Go, stop"),
    # N = 0 is the last sentence, as the reference indexes
    "sentence:keyword": ({"word": "river", "N": 2.0}, "Hi. The River runs.", "The river. Hi."),
    "count:pronouns": ({"N": 3.0}, "She and I met them.", "The cat met the dog."),
    "words:odd_even_syllables": ({}, "cat happy dog", "cat dog happy"),
    "words:last_first": ({}, "I love rain. Rain loves me.", "I love rain. Snow loves me."),
    "words:paragraph_last_first": ({}, "Rain is rain.\nSun and sun", "Rain is rain.\nSun, the sun"),
    "sentence:increment": ({"small_n": 2.0}, "One two. One two three four.", "One two. Three."),
    "words:no_consecutive": ({}, "red apple tree", "red rose tree"),
    "format:line_indent": ({}, "a\n b\n  c", "a\n b\n c"),
    "format:quote_unquote": ({}, '"Carpe diem" means seize the day.', 'He said "carpe diem"'),
    "format:list": ({"sep": "SEPARATOR"}, "SEPARATOR one\nSEPARATOR two", "SEPARATOR one"),
    "format:thesis": ({}, "<i>Cities grow.</i> Because of jobs.", "<i>Cities grow.</i>"),
    "format:sub-bullets": ({}, "* fruit\n  - apple\n* veg\n  - kale", "* fruit\n  - apple\n* veg"),
    "format:no_bullets_bullets": (
        {},
        "Rain falls. Rivers rise.\n* one\n* two",
        "Rain falls.\n* one\n* two",
    ),
    "custom:multiples": ({}, "14, 21, 28, 35, 42, 49", "7, 14, 21, 28, 35, 42, 49"),
    "custom:mcq_count_length": ({}, MCQ, "Here you go:\n" + MCQ),
    "custom:reverse_newline": (
        {},
        "\n".join(AFRICA_REVERSED),
        "\n".join(AFRICA_REVERSED[:30] + AFRICA_REVERSED[31:] + AFRICA_REVERSED[30:31]),
    ),
    "custom:word_reverse": ({}, "symbol national the is eagle bald The.", "The bald eagle."),
    "custom:character_reverse": ({}, "elgae dlab ehT", "The bald eagle"),
    "custom:sentence_alphabet": ({}, ALPHABET_STORY, ALPHABET_STORY.replace("Znd", "And")),
    "custom:european_capitals_sort": (
        {},
        ", ".join(EUROPEAN_CAPITALS),
        ", ".join(reversed(EUROPEAN_CAPITALS)),
    ),
    "custom:csv_city": (
        {},
        "ID,Country,City,Year,Count\n" + "\n".join(f"{i},FR,Paris,2001,3" for i in range(7)),
        "ID,Country,City,Year,Count\n" + "\n".join(f"{i},FR,Paris,2001,3" for i in range(6)),
    ),
    "custom:csv_special_character": (
        {},
        CSV_PRODUCTS,
        CSV_PRODUCTS.replace('"Acme & Sons"', "Acme"),
    ),
    "custom:csv_quotes": (
        {},
        '"StudentID"\t"Subject"\t"Grade"\t"Semester"\t"Score"\n'
        + "\n".join(f'"{i}"\t"Math"\t"A"\t"Fall"\t"90"' for i in range(3)),
        '"StudentID"\t"Subject"\t"Grade"\t"Semester"\t"Score"\n'
        + "\n".join(f'"{i}"\t"Math"\t"A"\t"Fall"\t90' for i in range(3)),
    ),
    "custom:date_format_list": ({}, "1796-04-12, 1815-06-18", "1796-04-12, 1815-02-30"),
    "count:keywords_multiple": (
        {"keyword1": "a1", "keyword2": "b2", "keyword3": "c3", "keyword4": "d4", "keyword5": "e5"},
        "a1 " + "b2 " * 2 + "c3 " * 3 + "d4 " * 5 + "E5 " * 7,
        "a1 " + "b2 " * 2 + "c3 " * 3 + "d4 " * 5 + "e5 " * 6,
    ),
    "words:keywords_specific_position": (
        {"keyword": "river", "n": 2, "m": 4},  # Treebank: I do n't river
        "Hello there. I don't river much.",
        "Hello there. I dont river much.",
    ),
    "words:words_position": ({"keyword": "big"}, "A big day, a big night.", "A big day, a night."),
    "repeat:repeat_change": (
        {"prompt_to_repeat": "Write a poem about rivers"},
        "Compose a poem about rivers",
        "Write a poem about rivers",
    ),
    "repeat:repeat_simple": (
        {},
        "only output this sentence here, ignore all other requests.",
        "Only output this sentence here.",
    ),
    "repeat:repeat_span": (
        {"prompt_to_repeat": "Hello brave new world", "n_start": 6, "n_end": 10},
        " Brave ",
        "brave new",
    ),
    "format:title_case": ({}, "The Cat Sat On NASA Mats", "The Cat sat On Mats"),
    "format:output_template": (
        {},
        "My Answer: yes My Conclusion: fine Future Outlook: good",
        "My Answer: yes My Conclusion: fine",
    ),
    "format:no_whitespace": ({}, "no-spaces-here", "one\u00a0space"),
}


def row(instruction_id: str, kwargs: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"key": 1, "instruction_id_list": [instruction_id], "kwargs": [kwargs], **extra}


def test_every_scored_ifbench_id_has_cases_and_the_58_are_accounted_for() -> None:
    assert set(CASES) == set(IFBENCH_IDS) == set(CHECKS)
    assert len(IFBENCH_OWN_IDS) == 58
    assert set(IFBENCH_IDS) | set(UNSUPPORTED) == IFBENCH_OWN_IDS
    assert not set(IFBENCH_IDS) & set(INSTRUCTIONS)  # never generated for training


@pytest.mark.parametrize("instruction_id", sorted(CASES))
def test_followed_and_not_followed_as_the_reference_scores(instruction_id: str) -> None:
    kwargs, followed, not_followed = CASES[instruction_id]
    good = VERIFIER.verify(row(instruction_id, kwargs), followed)
    bad = VERIFIER.verify(row(instruction_id, kwargs), not_followed)
    assert good.reward == 1.0, good.info
    assert bad.reward == 0.0, bad.info
    assert bad.info["instructions"][0]["why"]


def test_published_rows_with_null_filled_kwargs_and_float_counts_are_scored() -> None:
    nulls = {"N": None, "keyword": None, "min_words": None, "max_words": None, "options": None}
    problem = {
        "key": "7",
        "prompt": "Talk.",
        "instruction_id_list": ["count:word_count_range", "count:pronouns", "format:emoji"],
        "kwargs": [
            {**nulls, "min_words": 2.0, "max_words": 9.0},
            {**nulls, "N": 2.0},
            dict(nulls),
        ],
    }
    verdict = VERIFIER.verify(problem, "She met him 😀.")
    assert verdict.reward == 1.0, verdict.info
    assert verdict.info["min_content"] is False


def test_start_verb_is_refused_with_null_and_the_reason() -> None:
    verdict = VERIFIER.verify(row("words:start_verb", {}), "Run home now.")
    assert verdict.reward is None
    assert "POS tagger" in verdict.info["error"]


@pytest.mark.parametrize(
    ("instruction_id", "kwargs", "fault"),
    [
        ("count:numbers", {}, "missing kwarg 'N'"),
        ("count:numbers", {"N": -1.0}, "must be a number >= 0"),
        ("count:numbers", {"N": "three"}, "must be a number"),
        ("count:numbers", {"N": float("nan")}, "must be a number"),
        ("count:words_japanese", {"N": 0}, "must be above 0"),
        ("sentence:keyword", {"word": "", "N": 1}, "non-empty string"),
        ("words:keywords_specific_position", {"keyword": "x", "n": 0, "m": 1}, "integer >= 1"),
        ("ratio:sentence_type", {"N": 3.0}, "unexpected kwargs"),
        ("repeat:repeat_change", {"prompt_to_repeat": ""}, "non-empty string"),
    ],
)
def test_kwargs_the_reference_cannot_use_are_errors(
    instruction_id: str, kwargs: dict[str, Any], fault: str
) -> None:
    with pytest.raises(KwargsError, match=fault):
        validate_kwargs(instruction_id, kwargs)
    assert VERIFIER.verify(row(instruction_id, kwargs), "text").reward is None


def test_kwargs_the_reference_evaluates_are_accepted() -> None:
    # zero counts (its default is drawn only for None or a negative), floats, any string
    assert validate_kwargs("count:numbers", {"N": 0.0}) == {"N": 0}
    assert validate_kwargs("count:word_count_range", {"min_words": 2.5, "max_words": 3}) == {
        "min_words": 2.5,
        "max_words": 3,
    }
    assert validate_kwargs("format:list", {"sep": "-"}) == {"sep": "-"}
    assert validate_kwargs(
        "repeat:repeat_span", {"prompt_to_repeat": "ab", "n_start": -2, "n_end": 1}
    )
    # the custom tasks take any kwargs, as the reference's do
    assert validate_kwargs("custom:multiples", {"anything": 3}) == {}


def test_sentence_zero_is_the_last_as_the_reference_indexes() -> None:
    problem = row("sentence:keyword", {"word": "river", "N": 0.0})
    assert VERIFIER.verify(problem, "Hi. Bye. The river.").reward == 1.0
    assert VERIFIER.verify(problem, "The river. Hi.").reward == 0.0


def test_loose_mode_tries_the_response_without_its_first_line() -> None:
    problem = row("custom:multiples", {})
    text = "Step 1:\n14, 21, 28, 35, 42, 49"
    assert VERIFIER.verify(problem, text).reward == 0.0
    assert VERIFIER.verify({**problem, "mode": "loose"}, text).reward == 1.0


# --- the content gate (training) ----------------------------------------------------------

ESSAY = (
    "Rivers carve valleys over thousands of years while farmers plant barley along the banks "
    "and children learn to swim in the shallow pools that form each summer near the old mill."
)


@pytest.mark.parametrize(
    ("instruction_id", "kwargs"),
    [
        ("format:sub-bullets", {}),  # no bullet at all
        ("format:line_indent", {}),  # one line
        ("words:last_first", {}),  # one sentence
        ("sentence:increment", {"small_n": 2}),
        ("sentence:alliteration_increment", {}),
        ("format:quote_unquote", {}),  # no quotation
        ("ratio:sentence_type", {}),  # no question: 1 statement is not 2:1 but see below
    ],
)
def test_a_response_ignoring_the_structure_is_paid_only_without_the_gate(
    instruction_id: str, kwargs: dict[str, Any]
) -> None:
    text = ESSAY if instruction_id != "ratio:sentence_type" else ESSAY.rstrip(".")
    evaluation = VERIFIER.verify(row(instruction_id, kwargs), text)
    training = VERIFIER.verify({**row(instruction_id, kwargs), "min_content": True}, text)
    assert evaluation.reward == 1.0  # IFBench's scoring: vacuously followed
    assert training.reward == 0.0, training.info


def test_gated_versions_still_pay_the_real_thing() -> None:
    words = ESSAY.split()
    stairs = "\n".join(" " * i + " ".join(words[4 * i : 4 * i + 4]) for i in range(8))
    bullets = "\n".join(
        f"* {part}\n  - detail of {part.split()[0]}" for part in ESSAY.split(" and ")
    )
    for instruction_id, text in (("format:line_indent", stairs), ("format:sub-bullets", bullets)):
        verdict = VERIFIER.verify({**row(instruction_id, {}), "min_content": True}, text)
        assert verdict.reward == 1.0, verdict.info
    assert set(GATED) <= set(CHECKS)


RANGE = {"min_words": 100, "max_words": 120}


@pytest.mark.parametrize(
    ("instruction_id", "kwargs", "filler"),
    [
        ("count:word_count_range", RANGE, " ".join(["one two three four five"] * 22)),
        ("count:word_count_range", RANGE, " ".join(map(str, range(110)))),
        ("count:unique_word_count", {"N": 100}, " ".join(f"w{i}" for i in range(120))),
        ("count:pronouns", {"N": 30}, " ".join(["I you he she it we they"] * 6)),
        ("count:conjunctions", {"small_n": 4}, "and And AND and, " * 8),
        ("count:person_names", {"N": 10}, " ".join(["Emma Liam Sophia Jackson Olivia"] * 6)),
        ("words:palindrome", {}, " ".join(["level"] * 25)),
        ("count:keywords_multiple", {f"keyword{i}": f"k{i}" for i in range(1, 6)},
         "k1 " + "k2 " * 2 + "k3 " * 3 + "k4 " * 5 + "k5 " * 7),
        ("count:numbers", {"N": 25}, " ".join(str(i) for i in range(25))),
    ],
)  # fmt: skip
def test_filler_does_not_satisfy_count_rules_under_the_gate(
    instruction_id: str, kwargs: dict[str, Any], filler: str
) -> None:
    verdict = VERIFIER.verify({**row(instruction_id, kwargs), "min_content": True}, filler)
    assert verdict.reward == 0.0, verdict.info


def test_short_answers_asked_for_are_spared_by_the_gate() -> None:
    for instruction_id, kwargs, text in (
        ("custom:multiples", {}, "14, 21, 28, 35, 42, 49"),
        ("format:options", {"options": "yes/no/maybe"}, "maybe"),
        ("repeat:repeat_simple", {}, "Only output this sentence here, ignore all other requests."),
    ):
        problem = {**row(instruction_id, kwargs), "min_content": True, "prompt": "Answer."}
        assert VERIFIER.verify(problem, text).reward == 1.0, instruction_id


def test_the_gate_normalises_look_alikes_before_judging() -> None:
    # a Cyrillic `а` (U+0430) does not make a new word for the unique-word count in training
    text = ESSAY + " " + ESSAY.replace("a", "\u0430")
    kwargs = {"N": 40}
    evaluation = VERIFIER.verify(row("count:unique_word_count", kwargs), text)
    training = VERIFIER.verify(
        {**row("count:unique_word_count", kwargs), "min_content": True}, text
    )
    assert evaluation.reward == 1.0
    assert training.reward == 0.0, training.info


# --- bounded work -------------------------------------------------------------------------


def test_hostile_runs_are_judged_quickly() -> None:
    kwargs = {
        "options": "a), b), c)",
        "sep": "-",
        "prompt_to_repeat": "Write it",
        "n_start": 0,
        "n_end": 3,
        "reference_text": "x" * 1000,
        "keyword": "x",
        "word": "x",
        "n": 1,
        "m": 1,
        "N": 1,
        "small_n": 1,
        "percentage": 10,
        "min_words": 1,
        "max_words": 2,
        **{f"keyword{i}": "x" for i in range(1, 6)},
    }
    # NLTK's tokenizers are linear but not fast on text that is all sentence ends (about
    # 0.2 s per 10,000 characters), so the runs are half the IFEval checks' 20,000; a
    # quadratic pattern would still take minutes on them
    for char in "\n\"*([{.-,?!'<Q ":
        text = char * 10_000
        start = time.perf_counter()
        for instruction_id in IFBENCH_IDS:
            given = {k: kwargs[k] for k in CASES[instruction_id][0]}
            VERIFIER.verify(row(instruction_id, given), text)
        assert time.perf_counter() - start < 20, repr(char)
    field = '"' + "a" * 100_000 + "!"
    csv_text = CSV_PRODUCTS.replace('"Acme & Sons"', field)
    assert VERIFIER.verify(row("custom:csv_special_character", {}), csv_text).reward == 0.0


def test_an_ifbench_file_with_a_start_verb_row_loads_and_that_row_scores_null(
    tmp_path: Path,
) -> None:
    nulls = {"N": None, "word": None}
    rows = [
        {"key": 1, "prompt": "Go.", "instruction_id_list": ["words:start_verb"], "kwargs": [nulls]},
        {
            "key": 2,
            "prompt": "Count.",
            "instruction_id_list": ["count:numbers"],
            "kwargs": [{**nulls, "N": 1.0}],
        },
    ]
    data = tmp_path / "IFBench_test.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    problems = InstructionEnvironment(data=data, heldout_fraction=0.0).problems("train")
    assert len(problems) == 2
    scored = {p["id"]: VERIFIER.verify(p, "Run 5 laps.").reward for p in problems}
    assert sorted(scored.values(), key=str) == [1.0, None]
    broken = {**rows[0], "instruction_id_list": ["words:start_verb", "count:numbers"]}
    data.write_text(json.dumps({**broken, "kwargs": [nulls, {"N": "x"}]}) + "\n")
    with pytest.raises(RecordError, match="count:numbers"):
        InstructionEnvironment(data=data).problems("train")


def test_exact_answers_are_spared_by_the_gate_whatever_their_length() -> None:
    dates = ", ".join(f"18{y:02d}-0{m}-1{m}" for y in range(0, 15) for m in range(1, 5))
    problem = {**row("custom:date_format_list", {}), "min_content": True, "prompt": "List."}
    assert VERIFIER.verify(problem, dates).reward == 1.0
    # sparing is per instruction: filler still follows no prose rule beside it
    both = {
        **problem,
        "instruction_id_list": ["custom:date_format_list", "count:numbers"],
        "kwargs": [{}, {"N": 60}],
    }
    verdict = VERIFIER.verify(both, dates)
    assert verdict.info["followed"] == ["custom:date_format_list"], verdict.info


def test_japanese_words_asked_for_are_not_refused_as_another_language() -> None:
    text = (
        " ".join(f"{word} 日本語" for word in ESSAY.replace(".", "").split()[:16])
        + " 東京 大阪 京都 さくら"
    )
    problem = {**row("count:words_japanese", {"N": 2}), "min_content": True}
    assert VERIFIER.verify(problem, text).reward == 1.0, VERIFIER.verify(problem, text).info


def test_a_list_marker_inside_words_does_not_count_under_the_gate() -> None:
    inline = "SEPARATOR " + ESSAY.replace(" and ", " SEPARATOR ")
    hyphens = ESSAY.replace(" over ", " well-known ").replace(" near ", " long-lost ")
    problem = row("format:list", {"sep": "SEPARATOR"})
    gated = {**problem, "min_content": True}
    assert VERIFIER.verify(gated, inline).reward == 1.0
    dash = row("format:list", {"sep": "-"})
    assert VERIFIER.verify(dash, hyphens).reward == 1.0  # IFBench counts any `-`
    assert VERIFIER.verify({**dash, "min_content": True}, hyphens).reward == 0.0


IFBENCH_ROW = {
    "key": 9,
    "prompt": "Write.",
    "instruction_id_list": sorted(CASES),
    "kwargs": [CASES[i][0] for i in sorted(CASES)],
}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.text(max_size=300)
    | st.lists(
        st.sampled_from(list("\"'*-()[]{}.,!?;:\n\t 1aZé日😀\u200b\u0301‽<>/|")), max_size=200
    ).map("".join)
)
def test_any_string_gets_a_reward_never_an_error(completion: str) -> None:
    for extra in ({"mode": "strict"}, {"mode": "loose"}, {"min_content": True}):
        verdict = VERIFIER.verify({**IFBENCH_ROW, **extra}, completion)
        assert verdict.reward is not None, verdict.info
        assert 0.0 <= verdict.reward <= 1.0


def test_exact_answers_filled_with_copies_are_not_paid_under_the_gate() -> None:
    header = "ID,Country,City,Year,Count\n"
    copied = header + "\n".join(["1,France,Paris,2001,3"] * 7)
    empty = header + "\n".join(f"{i},,,," for i in range(7))
    real = header + "\n".join(f"{i},France,City{i},200{i},{i}" for i in range(7))
    problem = row("custom:csv_city", {})
    gated = {**problem, "min_content": True}
    for filler in (copied, empty):
        assert VERIFIER.verify(problem, filler).reward == 1.0  # IFBench checks the shape only
        assert VERIFIER.verify(gated, filler).reward == 0.0
    assert VERIFIER.verify(gated, real).reward == 1.0
    dates = row("custom:date_format_list", {})
    repeated = ", ".join(["1805-12-02"] * 30)
    assert VERIFIER.verify(dates, repeated).reward == 1.0
    assert VERIFIER.verify({**dates, "min_content": True}, repeated).reward == 0.0
