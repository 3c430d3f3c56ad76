"""The instruction-following constraints, one table: IFEval's 25 and rlvr's own (generated
for training, `INSTRUCTIONS`), and IFBench's own (scored, never generated,
`IFBENCH_INSTRUCTIONS`, checks in `rlvr.verifiers.ifbench`).

Each `Instruction` has an id, a schema for its kwargs (`Arg`), the sentence that asks for it
in a prompt (`describe`), a pure check of a response (`check`, returning whether it was
followed and a short reason), a hardness from 1 to 3 (for the difficulty of generated rows)
and whether it asks for a short answer (`short_answer`, spared by the minimum-content rule).

IFEval's ids keep IFEval's kwargs and its strict semantics, re-implemented from its
definitions (Zhou et al., 2023, "Instruction-Following Evaluation for Large Language
Models"); `rlvr.verifiers.text_units` runs the same NLTK tokenizers. Where rlvr deviates on
purpose (keywords are literal text, not regexes; see docs/instruction-following.md) the
check says so. rlvr's own constraints, in the spirit of IFBench, use ids of the form
`group:name` that IFEval and IFBench do not use.

`COMPATIBLE` and `compatible` say which constraints can be asked for together: generated
prompts never combine two that contradict each other.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rlvr.verifiers import ifbench
from rlvr.verifiers.instruct_gate import letters_only
from rlvr.verifiers.text_units import (
    count_capital_words,
    count_sentences,
    count_words,
    split_sentences,
    word_set,
    words,
)

Kwargs = Mapping[str, Any]
Outcome = tuple[bool, str]
"""(followed, why): the reason is short and names what was counted."""

RELATIONS = ("less than", "at least")

LANGUAGES = {
    "en": "English",
    "es": "Spanish",
    "pt": "Portuguese",
    "ar": "Arabic",
    "hi": "Hindi",
    "fr": "French",
    "ru": "Russian",
    "de": "German",
    "ja": "Japanese",
    "it": "Italian",
    "bn": "Bengali",
    "uk": "Ukrainian",
    "th": "Thai",
    "ur": "Urdu",
    "ta": "Tamil",
    "te": "Telugu",
    "bg": "Bulgarian",
    "ko": "Korean",
    "pl": "Polish",
    "he": "Hebrew",
    "fa": "Persian",
    "vi": "Vietnamese",
    "ne": "Nepali",
    "sw": "Swahili",
    "kn": "Kannada",
    "mr": "Marathi",
    "gu": "Gujarati",
    "pa": "Punjabi",
    "ml": "Malayalam",
    "fi": "Finnish",
}
"""The response languages IFEval asks for (ISO 639-1 codes, as langdetect reports them)."""

CONSTRAINED_OPTIONS = ("My answer is yes.", "My answer is no.", "My answer is maybe.")
POSTSCRIPT_MARKERS = ("P.S.", "P.P.S")
SECTION_SPLITTERS = ("Section", "SECTION")
END_PHRASES = ("Any other questions?", "Is there anything else I can help with?")

STOP_WORDS = word_set(
    """
    a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further
    had has have having he her here hers herself him himself his how i if in into is it its
    itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself yourselves
    """
)
"""Common English function words, for the stop-word ratio."""


class KwargsError(ValueError):
    """A row's kwargs do not fit its instruction: a fault of the dataset, not the response."""


class UnsupportedInstructionError(KwargsError):
    """A well-formed row uses an id that rlvr cannot score as its benchmark does (IFBench's
    `words:start_verb`): each response to it is scored null, and a data file that has such
    rows still loads."""


@dataclass(frozen=True)
class Arg:
    """One kwarg: `int` (at least `minimum`), `number` (an integer or a float, at least
    `minimum`: IFBench's published rows give counts as floats, `3.0`, and its reference
    compares them as given), `text` (a non-empty string), `string` (any string), `texts` (a
    non-empty list of strings), `char` (one character), `letter` (one ASCII letter), or
    `choice` (one of `choices`).

    For IFEval's ids the domain is what IFEval's reference code evaluates as given: it drops
    a falsy kwarg (`0`, `""`, `[]`) and draws a random value instead, and so does it for a
    negative count, so those are refused; any other string is evaluated, so it is accepted
    (a section splitter `Day`, a letter `#`)."""

    kind: str
    choices: tuple[str, ...] = ()
    minimum: int = 0


@dataclass(frozen=True)
class Instruction:
    id: str
    args: Mapping[str, Arg]
    description: str
    """A `str.format` template over the kwargs (lists are quoted and joined)."""
    check: Callable[[str, Kwargs], Outcome]
    hardness: int = 1
    short_answer: bool = False
    exact_answer: bool = False
    """The check compares with one right answer or an exact layout (a list of dates, a CSV
    table, a copy of a span), which filler cannot meet: the content gate spares it."""
    """The instruction asks for a short answer, so the minimum-content rule spares it."""
    ifeval: bool = False
    ifbench: bool = False
    """One of IFBench's own ids: scored for evaluation, never generated."""
    open_kwargs: bool = False
    """Takes any other kwargs and ignores them (IFBench's `custom:` checks do)."""

    def describe(self, kwargs: Kwargs) -> str:
        shown = {name: _show(name, value) for name, value in kwargs.items() if name in self.args}
        return self.description.format(**shown)


def _show(name: str, value: Any) -> str:
    if name == "language":
        return LANGUAGES.get(value, str(value))
    if isinstance(value, list | tuple):
        return ", ".join(f'"{item}"' for item in value)
    return str(value)


# --- comparisons ------------------------------------------------------------------------------


def _relation(count: int, relation: str, threshold: int, what: str) -> Outcome:
    followed = count < threshold if relation == "less than" else count >= threshold
    return followed, f"{count} {what}, needs {relation} {threshold}"


# --- IFEval: keywords -------------------------------------------------------------------------


def _literal(text: str) -> re.Pattern[str]:
    # IFEval passes keywords to re.search as patterns; rlvr matches them as literal text.
    return re.compile(re.escape(text), re.IGNORECASE)


def keywords_existence(text: str, kwargs: Kwargs) -> Outcome:
    missing = [k for k in kwargs["keywords"] if not _literal(k).search(text)]
    if missing:
        return False, f"missing keywords {missing}"
    return True, "every keyword appears"


def keywords_frequency(text: str, kwargs: Kwargs) -> Outcome:
    keyword = kwargs["keyword"].strip()
    count = len(_literal(keyword).findall(text))
    return _relation(count, kwargs["relation"], kwargs["frequency"], f"times {keyword!r}")


def forbidden_words(text: str, kwargs: Kwargs) -> Outcome:
    found = [
        w
        for w in kwargs["forbidden_words"]
        if re.search(rf"\b{re.escape(w)}\b", text, re.IGNORECASE)
    ]
    if found:
        return False, f"uses forbidden words {found}"
    return True, "no forbidden word"


def letter_frequency(text: str, kwargs: Kwargs) -> Outcome:
    letter = kwargs["letter"].lower()
    count = text.lower().count(letter)
    return _relation(count, kwargs["let_relation"], kwargs["let_frequency"], f"{letter!r}s")


# --- IFEval: language and case ----------------------------------------------------------------


@lru_cache(maxsize=1)
def _language_factory() -> Any:
    # A factory of our own with a fixed seed: langdetect's module-level detect() draws from
    # an unseeded generator, so the same text could be judged differently on two calls.
    from langdetect import DetectorFactory
    from langdetect.detector_factory import PROFILES_DIRECTORY

    factory = DetectorFactory()
    factory.seed = 0
    factory.load_profile(PROFILES_DIRECTORY)
    return factory


def detect_language(text: str) -> str | None:
    """langdetect's best guess (an ISO 639-1 code, `zh-cn` style for Chinese), or None when
    the text has nothing to detect (no letters)."""
    from langdetect.lang_detect_exception import LangDetectException

    detector = _language_factory().create()
    detector.append(text)
    try:
        return str(detector.detect())
    except LangDetectException:
        return None


UNDETECTED = "no language could be detected (IFEval counts this as followed)"


def response_language(text: str, kwargs: Kwargs) -> Outcome:
    detected = detect_language(text)
    if detected is None:
        return True, UNDETECTED
    return detected == kwargs["language"], f"detected {detected!r}"


def english_capital(text: str, kwargs: Kwargs) -> Outcome:
    if not text.isupper():
        return False, "not all letters are capitals"
    detected = detect_language(text)
    if detected is None:
        return True, UNDETECTED
    return detected == "en", f"detected {detected!r}"


def english_lowercase(text: str, kwargs: Kwargs) -> Outcome:
    if not text.islower():
        return False, "not all letters are lowercase"
    detected = detect_language(text)
    if detected is None:
        return True, UNDETECTED
    return detected == "en", f"detected {detected!r}"


# The content gate's versions (docs/instruction-following.md): language is detected on the
# words alone, so that `s 1 2 3 ... 25` is not English nor `ж 1 2 ... 25` Russian, and text
# with no detectable language follows no language or case rule.


def gated_response_language(text: str, kwargs: Kwargs) -> Outcome:
    detected = detect_language(letters_only(text))
    if detected is None:
        return False, "no language could be detected in its words"
    return detected == kwargs["language"], f"detected {detected!r} from its words"


def gated_english_capital(text: str, kwargs: Kwargs) -> Outcome:
    if not text.isupper():
        return False, "not all letters are capitals"
    return gated_response_language(text, {"language": "en"})


def gated_english_lowercase(text: str, kwargs: Kwargs) -> Outcome:
    if not text.islower():
        return False, "not all letters are lowercase"
    return gated_response_language(text, {"language": "en"})


def capital_word_frequency(text: str, kwargs: Kwargs) -> Outcome:
    count = count_capital_words(text)
    relation, frequency = kwargs["capital_relation"], kwargs["capital_frequency"]
    return _relation(count, relation, frequency, "words in capitals")


# --- IFEval: length ---------------------------------------------------------------------------


def number_sentences(text: str, kwargs: Kwargs) -> Outcome:
    count = count_sentences(text)
    return _relation(count, kwargs["relation"], kwargs["num_sentences"], "sentences")


def number_words(text: str, kwargs: Kwargs) -> Outcome:
    return _relation(count_words(text), kwargs["relation"], kwargs["num_words"], "words")


MARKDOWN_DIVIDER = re.compile(r"\s?\*\*\*\s?")
"""IFEval's paragraph separator for `number_paragraphs`: `***`, with one optional whitespace
character on either side."""


def number_paragraphs(text: str, kwargs: Kwargs) -> Outcome:
    pieces = MARKDOWN_DIVIDER.split(text)
    count = len(pieces)
    for index, piece in enumerate(pieces):
        if not piece.strip():
            if 0 < index < len(pieces) - 1:
                return False, "an empty paragraph between two *** dividers"
            count -= 1  # a divider at the very start or end separates nothing
    wanted = kwargs["num_paragraphs"]
    return count == wanted, f"{count} paragraphs divided by ***, needs exactly {wanted}"


def nth_paragraph_first_word(text: str, kwargs: Kwargs) -> Outcome:
    # Paragraphs are separated by exactly "\n\n", IFEval's definition for this instruction;
    # blank pieces do not count, but the n-th is taken among all pieces, as IFEval does.
    pieces = text.split("\n\n")
    count = sum(1 for piece in pieces if piece.strip())
    wanted, nth = kwargs["num_paragraphs"], kwargs["nth_paragraph"]
    if nth > count:
        return False, f"{count} paragraphs, no paragraph {nth}"
    paragraph = pieces[nth - 1].strip()
    if not paragraph:
        return False, f"paragraph {nth} is empty"
    first = paragraph.split()[0].lstrip("'").lstrip('"')
    first = re.split(r"""[.,?!'"]""", first, maxsplit=1)[0].lower()
    expected = kwargs["first_word"].lower()
    if count != wanted:
        return False, f"{count} paragraphs separated by blank lines, needs exactly {wanted}"
    return first == expected, f"paragraph {nth} starts with {first!r}, needs {expected!r}"


# --- IFEval: detectable content and format ----------------------------------------------------


def count_placeholders(text: str) -> int:
    r"""IFEval's `re.findall(r"\[.*?\]", text)`, counted in one pass: from each `[` to the
    nearest `]` on its line. The regex would scan to the line's end from every `[` that has
    no `]` after it, quadratic in a line of brackets."""
    count = 0
    for line in text.split("\n"):
        start = line.find("[")
        while start >= 0:
            end = line.find("]", start + 1)
            if end < 0:
                break
            count += 1
            start = line.find("[", end + 1)
    return count


def number_placeholders(text: str, kwargs: Kwargs) -> Outcome:
    count = count_placeholders(text)
    return _relation(count, "at least", kwargs["num_placeholders"], "[placeholders]")


def postscript(text: str, kwargs: Kwargs) -> Outcome:
    marker = kwargs["postscript_marker"].strip()
    # IFEval's patterns start with `\s*` and end with `.*$`; neither changes whether one is
    # found, and the leading `\s*` makes a search quadratic in a run of whitespace.
    if marker == "P.P.S":
        pattern = r"p\.\s?p\.\s?s"
    elif marker == "P.S.":
        pattern = r"p\.\s?s\."
    else:
        pattern = re.escape(marker.lower())
    found = re.search(pattern, text.lower())
    return bool(found), f"{marker} {'found' if found else 'not found'}"


# IFEval's `^\s*` lets a match start on a blank line above its bullet; starting on the
# bullet's own line counts the same bullets, and a run of newlines is not rescanned from each
# line (quadratic).
_STAR_BULLET = re.compile(r"^[^\S\n]*\*[^\*].*$", re.MULTILINE)
_DASH_BULLET = re.compile(r"^[^\S\n]*-.*$", re.MULTILINE)


def number_bullet_lists(text: str, kwargs: Kwargs) -> Outcome:
    count = len(_STAR_BULLET.findall(text)) + len(_DASH_BULLET.findall(text))
    wanted = kwargs["num_bullets"]
    return count == wanted, f"{count} bullet points (* or -), needs exactly {wanted}"


def gated_constrained_response(text: str, kwargs: Kwargs) -> Outcome:
    # IFEval accepts a response that contains any option, so all three at once pass.
    given = [option for option in CONSTRAINED_OPTIONS if option in text]
    if len(given) > 1:
        return False, f"gives {len(given)} options at once: {given}"
    return constrained_response(text, kwargs)


def constrained_response(text: str, kwargs: Kwargs) -> Outcome:
    stripped = text.strip()
    for option in CONSTRAINED_OPTIONS:
        if option in stripped:
            return True, f"contains {option!r}"
    return False, "contains none of the options"


def number_highlighted_sections(text: str, kwargs: Kwargs) -> Outcome:
    single = [h for h in re.findall(r"\*[^\n\*]*\*", text) if h.strip("*").strip()]
    double = [
        h
        for h in re.findall(r"\*\*[^\n\*]*\*\*", text)
        if h.removeprefix("**").removesuffix("**").strip()
    ]
    count = len(single) + len(double)
    return _relation(count, "at least", kwargs["num_highlights"], "*highlighted* sections")


def multiple_sections(text: str, kwargs: Kwargs) -> Outcome:
    splitter = kwargs["section_spliter"].strip()
    count = len(re.split(rf"\s?{re.escape(splitter)}\s?\d+\s?", text)) - 1
    return _relation(count, "at least", kwargs["num_sections"], f"'{splitter} N' sections")


_JSON_FENCES = ("```json", "```Json", "```JSON", "```")


def json_format(text: str, kwargs: Kwargs) -> Outcome:
    body = text.strip()
    for fence in _JSON_FENCES:
        body = body.removeprefix(fence)
    body = body.removesuffix("```").strip()
    try:
        json.loads(body)
    except (ValueError, RecursionError) as exc:
        return False, f"not JSON: {str(exc)[:80]}"
    return True, "valid JSON"


def title(text: str, kwargs: Kwargs) -> Outcome:
    # IFEval's re.findall(r"<<[^\n]+>>") in one pass: on a line, the greedy match runs from
    # the first `<<` to the last `>>`, and there is no other; the regex backtracks from
    # every `<` of a line of them (quadratic).
    titles = []
    for line in text.split("\n"):
        start, end = line.find("<<"), line.rfind(">>")
        if start >= 0 and end >= start + 3:
            titles.append(line[start : end + 2])
    found = any(t.lstrip("<").rstrip(">").strip() for t in titles)
    return found, "a <<title>> found" if found else "no <<title>>"


# --- IFEval: combination, start/end, punctuation ----------------------------------------------


def two_responses(text: str, kwargs: Kwargs) -> Outcome:
    pieces = text.split("******")
    responses = []
    for index, piece in enumerate(pieces):
        if piece.strip():
            responses.append(piece.strip())
        elif 0 < index < len(pieces) - 1:
            return False, "an empty response between two ****** separators"
    if len(responses) != 2:
        return False, f"{len(responses)} responses separated by ******, needs 2"
    return responses[0] != responses[1], "two different responses"


def repeat_prompt(text: str, kwargs: Kwargs) -> Outcome:
    prompt = kwargs["prompt_to_repeat"].strip().lower()
    followed = text.strip().lower().startswith(prompt)
    return followed, "starts with the request" if followed else "does not start with the request"


def end_checker(text: str, kwargs: Kwargs) -> Outcome:
    phrase = kwargs["end_phrase"].strip().lower()
    followed = text.strip().strip('"').lower().endswith(phrase)
    return followed, f"ends with {phrase!r}" if followed else f"does not end with {phrase!r}"


def no_comma(text: str, kwargs: Kwargs) -> Outcome:
    count = text.count(",")
    return count == 0, f"{count} commas"


def quotation(text: str, kwargs: Kwargs) -> Outcome:
    stripped = text.strip()
    followed = len(stripped) > 1 and stripped[0] == '"' and stripped[-1] == '"'
    return followed, "wrapped in double quotes" if followed else "not wrapped in double quotes"


# --- rlvr's own -------------------------------------------------------------------------------


def words_between(text: str, kwargs: Kwargs) -> Outcome:
    count, low, high = count_words(text), kwargs["min_words"], kwargs["max_words"]
    return low <= count <= high, f"{count} words, needs {low} to {high}"


def unique_words(text: str, kwargs: Kwargs) -> Outcome:
    count = len({w.lower() for w in words(text)})
    return _relation(count, "at least", kwargs["min_unique"], "different words")


_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def count_numbers(text: str, kwargs: Kwargs) -> Outcome:
    count = len(_NUMBER.findall(text))
    return _relation(count, kwargs["relation"], kwargs["num_numbers"], "numbers")


def count_questions(text: str, kwargs: Kwargs) -> Outcome:
    count = sum(s.rstrip(")\"'”’»*").endswith("?") for s in split_sentences(text))
    return _relation(count, "at least", kwargs["num_questions"], "questions")


def stop_word_ratio(text: str, kwargs: Kwargs) -> Outcome:
    found = words(text)
    share = 100 * sum(w.lower() in STOP_WORDS for w in found) / len(found) if found else 0.0
    limit = kwargs["max_percent"]
    return share <= limit, f"{share:.1f}% stop words, needs at most {limit}%"


def long_word_ratio(text: str, kwargs: Kwargs) -> Outcome:
    found = words(text)
    length, wanted = kwargs["min_length"], kwargs["min_percent"]
    share = 100 * sum(len(w) >= length for w in found) / len(found) if found else 0.0
    return share >= wanted, f"{share:.1f}% of words have {length}+ letters, needs {wanted}%"


def max_word_length(text: str, kwargs: Kwargs) -> Outcome:
    limit = kwargs["max_letters"]
    longest = max(words(text), key=len, default="")
    return len(longest) <= limit, f"longest word {longest[:40]!r} ({len(longest)} letters)"


def words_starting_with(text: str, kwargs: Kwargs) -> Outcome:
    letter = kwargs["letter"].lower()
    count = sum(w[0].lower() == letter for w in words(text))
    return _relation(count, "at least", kwargs["min_count"], f"words starting with {letter!r}")


_REPEAT = re.compile(r"\b(\w+)\s+\1\b", re.IGNORECASE)


def no_consecutive_repeats(text: str, kwargs: Kwargs) -> Outcome:
    # "Twice in a row" means with only whitespace between: "It is. Is it?" is fine.
    repeat = _REPEAT.search(text)
    if repeat:
        return False, f"{repeat.group(1)!r} twice in a row"
    return True, "no word twice in a row"


def sentence_max_words(text: str, kwargs: Kwargs) -> Outcome:
    limit = kwargs["max_words"]
    longest = max((count_words(s) for s in split_sentences(text)), default=0)
    return longest <= limit, f"longest sentence {longest} words, needs at most {limit}"


def keyword_in_nth_sentence(text: str, kwargs: Kwargs) -> Outcome:
    sentences, nth, keyword = split_sentences(text), kwargs["nth_sentence"], kwargs["keyword"]
    if nth > len(sentences):
        return False, f"{len(sentences)} sentences, no sentence {nth}"
    found = re.search(rf"\b{re.escape(keyword)}\b", sentences[nth - 1], re.IGNORECASE)
    return bool(found), f"sentence {nth} {'has' if found else 'lacks'} {keyword!r}"


_NUMBERED_ITEM = re.compile(r"^[^\S\n]*\d+[.)]\s+\S", re.MULTILINE)


def numbered_list(text: str, kwargs: Kwargs) -> Outcome:
    count, wanted = len(_NUMBERED_ITEM.findall(text)), kwargs["num_items"]
    return count == wanted, f"{count} numbered items, needs exactly {wanted}"


_HEADING = re.compile(r"^#{1,6}[ \t]+\S", re.MULTILINE)


def headings(text: str, kwargs: Kwargs) -> Outcome:
    count = len(_HEADING.findall(text))
    return _relation(count, "at least", kwargs["num_headings"], "markdown headings")


_TABLE_RULE = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?$")


def _cells(line: str) -> list[str]:
    return line.strip().strip("|").split("|")


def markdown_table(text: str, kwargs: Kwargs) -> Outcome:
    columns, rows = kwargs["num_columns"], kwargs["num_rows"]
    lines = [line.strip() for line in text.splitlines()]
    best = 0
    for index in range(1, len(lines)):
        rule = lines[index]
        if not (_TABLE_RULE.match(rule) and "|" in lines[index - 1]):
            continue
        if not (len(_cells(lines[index - 1])) == len(_cells(rule)) == columns):
            continue
        body = 0
        for line in lines[index + 1 :]:
            if "|" not in line or len(_cells(line)) != columns:
                break
            body += 1
        best = max(best, body)
    if best >= rows:
        return True, f"a table of {columns} columns and {best} rows"
    return False, f"no table of {columns} columns with at least {rows} rows (best: {best})"


def repeated_phrase(text: str, kwargs: Kwargs) -> Outcome:
    phrase, times = kwargs["phrase"], kwargs["times"]
    count = len(_literal(phrase).findall(text))
    return count == times, f"{phrase!r} {count} times, needs exactly {times}"


def first_word(text: str, kwargs: Kwargs) -> Outcome:
    found = words(text)
    first = found[0].lower() if found else ""
    expected = kwargs["first_word"].lower()
    return first == expected, f"starts with {first!r}, needs {expected!r}"


# --- the table --------------------------------------------------------------------------------

_INT1 = Arg("int", minimum=1)
_RELATION = Arg("choice", RELATIONS)
_TEXT = Arg("text")


INSTRUCTIONS: dict[str, Instruction] = {
    i.id: i
    for i in [
        # IFEval (the 25 ids of its published evaluation)
        Instruction(
            "keywords:existence",
            {"keywords": Arg("texts")},
            "Include the keywords {keywords} in your response.",
            keywords_existence,
            ifeval=True,
        ),
        Instruction(
            "keywords:frequency",
            {"keyword": _TEXT, "frequency": _INT1, "relation": _RELATION},
            'In your response, the word "{keyword}" should appear {relation} {frequency} times.',
            keywords_frequency,
            hardness=2,
            ifeval=True,
        ),
        Instruction(
            "keywords:forbidden_words",
            {"forbidden_words": Arg("texts")},
            "Do not use the words {forbidden_words} anywhere in your response.",
            forbidden_words,
            ifeval=True,
        ),
        Instruction(
            "keywords:letter_frequency",
            {"letter": Arg("char"), "let_frequency": _INT1, "let_relation": _RELATION},
            'In your response, the letter "{letter}" should appear {let_relation} '
            "{let_frequency} times.",
            letter_frequency,
            hardness=2,
            ifeval=True,
        ),
        Instruction(
            "language:response_language",
            {"language": Arg("choice", tuple(LANGUAGES))},
            "Your entire response must be in {language}; no other language is allowed.",
            response_language,
            hardness=2,
            ifeval=True,
        ),
        Instruction(
            "length_constraints:number_sentences",
            {"num_sentences": _INT1, "relation": _RELATION},
            "Your response should contain {relation} {num_sentences} sentences.",
            number_sentences,
            hardness=2,
            ifeval=True,
        ),
        Instruction(
            "length_constraints:number_paragraphs",
            {"num_paragraphs": _INT1},
            "Write exactly {num_paragraphs} paragraphs, separated from each other by the "
            "markdown divider ***.",
            number_paragraphs,
            hardness=2,
            ifeval=True,
        ),
        Instruction(
            "length_constraints:number_words",
            {"num_words": _INT1, "relation": _RELATION},
            "Answer with {relation} {num_words} words.",
            number_words,
            hardness=2,
            ifeval=True,
        ),
        Instruction(
            "length_constraints:nth_paragraph_first_word",
            {"num_paragraphs": _INT1, "nth_paragraph": _INT1, "first_word": _TEXT},
            "Write exactly {num_paragraphs} paragraphs, separated from each other by one "
            'blank line (two newlines), and start paragraph {nth_paragraph} with the word "'
            '{first_word}".',
            nth_paragraph_first_word,
            hardness=3,
            ifeval=True,
        ),
        Instruction(
            "detectable_content:number_placeholders",
            {"num_placeholders": _INT1},
            "Include at least {num_placeholders} placeholders in square brackets, like [address].",
            number_placeholders,
            ifeval=True,
        ),
        Instruction(
            "detectable_content:postscript",
            {"postscript_marker": _TEXT},
            'At the end of your response, add a postscript starting with "{postscript_marker}".',
            postscript,
            ifeval=True,
        ),
        Instruction(
            "detectable_format:number_bullet_lists",
            {"num_bullets": _INT1},
            "Your answer must contain exactly {num_bullets} bullet points, written as markdown "
            "bullets:\n* This is one point.\n* This is another point.",
            number_bullet_lists,
            hardness=2,
            ifeval=True,
        ),
        Instruction(
            "detectable_format:constrained_response",
            {},
            "Answer with one of these options: " + ", ".join(f'"{o}"' for o in CONSTRAINED_OPTIONS),
            constrained_response,
            short_answer=True,
            ifeval=True,
        ),
        Instruction(
            "detectable_format:number_highlighted_sections",
            {"num_highlights": _INT1},
            "Highlight at least {num_highlights} sections of your answer with markdown, as in "
            "*highlighted section*.",
            number_highlighted_sections,
            ifeval=True,
        ),
        Instruction(
            "detectable_format:multiple_sections",
            {"section_spliter": _TEXT, "num_sections": _INT1},
            "Divide your response into {num_sections} sections, and begin each one with "
            "{section_spliter} and its number, as in:\n{section_spliter} 1\n[content of the "
            "first section]\n{section_spliter} 2\n[content of the second section]",
            multiple_sections,
            hardness=2,
            ifeval=True,
        ),
        Instruction(
            "detectable_format:json_format",
            {},
            "Wrap your entire output in JSON format; you may use markdown code fences (```).",
            json_format,
            hardness=2,
            ifeval=True,
        ),
        Instruction(
            "detectable_format:title",
            {},
            "Give your answer a title wrapped in double angular brackets, such as <<poem of joy>>.",
            title,
            ifeval=True,
        ),
        Instruction(
            "combination:two_responses",
            {},
            "Give two different responses, separated by six asterisks (******) and nothing else.",
            two_responses,
            hardness=3,
            ifeval=True,
        ),
        Instruction(
            "combination:repeat_prompt",
            {"prompt_to_repeat": _TEXT},
            "First repeat the request above word for word without change, then give your "
            "answer. Do not say anything before repeating the request, and do not repeat this "
            "sentence.",
            repeat_prompt,
            hardness=3,
            ifeval=True,
        ),
        Instruction(
            "startend:end_checker",
            {"end_phrase": _TEXT},
            'Finish your response with the exact phrase "{end_phrase}". No other words should '
            "follow it.",
            end_checker,
            ifeval=True,
        ),
        Instruction(
            "change_case:capital_word_frequency",
            {"capital_frequency": _INT1, "capital_relation": _RELATION},
            "Words written entirely in capital letters should appear {capital_relation} "
            "{capital_frequency} times in your response.",
            capital_word_frequency,
            hardness=3,
            ifeval=True,
        ),
        Instruction(
            "change_case:english_capital",
            {},
            "Your entire response should be in English, in capital letters only.",
            english_capital,
            hardness=2,
            ifeval=True,
        ),
        Instruction(
            "change_case:english_lowercase",
            {},
            "Your entire response should be in English, in lowercase letters only; no capital "
            "letters are allowed.",
            english_lowercase,
            hardness=2,
            ifeval=True,
        ),
        Instruction(
            "punctuation:no_comma",
            {},
            "Do not use any commas in your entire response.",
            no_comma,
            ifeval=True,
        ),
        Instruction(
            "startend:quotation",
            {},
            "Wrap your entire response in double quotation marks.",
            quotation,
            ifeval=True,
        ),
        # rlvr's own, in the spirit of IFBench
        Instruction(
            "count:words_between",
            {"min_words": _INT1, "max_words": _INT1},
            "Your response should be between {min_words} and {max_words} words long.",
            words_between,
            hardness=2,
        ),
        Instruction(
            "count:unique_words",
            {"min_unique": _INT1},
            "Use at least {min_unique} different words in your response.",
            unique_words,
            hardness=2,
        ),
        Instruction(
            "count:digit_numbers",
            {"num_numbers": _INT1, "relation": _RELATION},
            "Your response should contain {relation} {num_numbers} numbers written in digits.",
            count_numbers,
            hardness=2,
        ),
        Instruction(
            "count:questions",
            {"num_questions": _INT1},
            "Include at least {num_questions} questions (sentences ending with a question "
            "mark) in your response.",
            count_questions,
            hardness=2,
        ),
        Instruction(
            "ratio:function_words",
            {"max_percent": Arg("int", minimum=0)},
            "Keep common function words (the, and, of, to, ...) to at most {max_percent}% of "
            "the words in your response.",
            stop_word_ratio,
            hardness=3,
        ),
        Instruction(
            "ratio:long_words",
            {"min_length": _INT1, "min_percent": Arg("int", minimum=0)},
            "At least {min_percent}% of the words in your response should have {min_length} or "
            "more letters.",
            long_word_ratio,
            hardness=3,
        ),
        Instruction(
            "words:max_length",
            {"max_letters": _INT1},
            "Do not use any word longer than {max_letters} letters.",
            max_word_length,
            hardness=3,
        ),
        Instruction(
            "words:starting_with",
            {"letter": Arg("letter"), "min_count": _INT1},
            'Use at least {min_count} words that start with the letter "{letter}".',
            words_starting_with,
            hardness=2,
        ),
        Instruction(
            "words:no_consecutive_repeats",
            {},
            "Never use the same word twice in a row.",
            no_consecutive_repeats,
        ),
        Instruction(
            "sentence:max_words",
            {"max_words": _INT1},
            "No sentence in your response may be longer than {max_words} words.",
            sentence_max_words,
            hardness=3,
        ),
        Instruction(
            "sentence:keyword_in_nth",
            {"nth_sentence": _INT1, "keyword": _TEXT},
            'Sentence number {nth_sentence} of your response must contain the word "{keyword}".',
            keyword_in_nth_sentence,
            hardness=2,
        ),
        Instruction(
            "format:numbered_list",
            {"num_items": _INT1},
            "Include a numbered list with exactly {num_items} items (1., 2., ...), one per line.",
            numbered_list,
            hardness=2,
        ),
        Instruction(
            "format:headings",
            {"num_headings": _INT1},
            "Organise your response under at least {num_headings} markdown headings (lines "
            "starting with #).",
            headings,
        ),
        Instruction(
            "format:markdown_table",
            {"num_rows": _INT1, "num_columns": Arg("int", minimum=2)},
            "Include a markdown table with {num_columns} columns and at least {num_rows} rows "
            "below its header.",
            markdown_table,
            hardness=2,
        ),
        Instruction(
            "repeat:phrase",
            {"phrase": _TEXT, "times": _INT1},
            'Use the exact phrase "{phrase}" exactly {times} times in your response.',
            repeated_phrase,
            hardness=2,
        ),
        Instruction(
            "startend:first_word",
            {"first_word": _TEXT},
            'Start your response with the word "{first_word}".',
            first_word,
        ),
    ]
}
"""Every constraint by id."""


_NUMBER0 = Arg("number")
_STRING = Arg("string")
_ANY_INT = Arg("int", minimum=-(2**63))
_IFBENCH_IDS: list[tuple[str, dict[str, Arg], str]] = [
    (
        "count:word_count_range",
        {"min_words": _NUMBER0, "max_words": _NUMBER0},
        "The response must contain between {min_words} and {max_words} words.",
    ),
    ("count:unique_word_count", {"N": _NUMBER0}, "Use at least {N} unique words in the response."),
    (
        "ratio:stop_words",
        {"percentage": _NUMBER0},
        "Ensure that stop words constitute no more than {percentage}% of the total words in "
        "your response.",
    ),
    ("ratio:sentence_type", {}, "Maintain a 2:1 ratio of declarative to interrogative sentences."),
    (
        "ratio:sentence_balance",
        {},
        "Ensure that the ratio of sentence types (declarative, interrogative, exclamatory) is "
        "balanced.",
    ),
    (
        "count:conjunctions",
        {"small_n": _NUMBER0},
        "Use at least {small_n} different coordinating conjunctions in the response.",
    ),
    (
        "count:person_names",
        {"N": _NUMBER0},
        "Mention at least {N} different person names in the response, from this list of person "
        "names: " + ", ".join(ifbench.PERSON_NAMES) + ".",
    ),
    (
        "ratio:overlap",
        {"reference_text": _STRING, "percentage": _NUMBER0},
        "Maintain a trigram overlap of {percentage}% (±2%) with the provided reference text.",
    ),
    ("count:numbers", {"N": _NUMBER0}, "Include exactly {N} numbers in the response."),
    (
        "words:alphabet",
        {},
        "Each word must start with the next letter of the alphabet, looping back to 'A' after 'Z'.",
    ),
    ("words:vowel", {}, "Write a paragraph using words that contain only three types of vowels."),
    (
        "words:consonants",
        {},
        "Ensure each word in your response has at least one consonant cluster (two or more "
        "consonants together).",
    ),
    (
        "sentence:alliteration_increment",
        {},
        "Each sentence must have a longer sequence of consecutive alliterative words than the "
        "previous one.",
    ),
    (
        "words:palindrome",
        {},
        "Include at least 10 single-word palindromes, each at least 5 characters long.",
    ),
    (
        "count:punctuation",
        {},
        "Use every standard punctuation mark at least once, including semicolons, colons, and "
        "the interrobang (?!).",
    ),
    (
        "format:parentheses",
        {},
        "Nest parentheses (and [brackets {{and braces}}]) at least 5 levels deep.",
    ),
    (
        "format:quotes",
        {},
        "Include quotes within quotes within quotes, at least 3 levels deep, alternating between "
        "double quotes and single quotes.",
    ),
    ("words:prime_lengths", {}, "Use only words with lengths that are prime numbers."),
    (
        "format:options",
        {"options": _STRING},
        "Answer with one of the following options: {options}. Do not give any explanation.",
    ),
    ("format:newline", {}, "Write each word on a new line."),
    ("format:emoji", {}, "Please use an emoji at the end of every sentence."),
    (
        "ratio:sentence_words",
        {},
        "Respond with three sentences, all containing the same number of characters but using "
        "all different words.",
    ),
    (
        "count:words_japanese",
        {"N": _NUMBER0},
        "Every {N}th word of your response must be in Japanese.",
    ),
    (
        "words:repeats",
        {"small_n": _NUMBER0},
        "The response should not repeat any word more than {small_n} times.",
    ),
    (
        "sentence:keyword",
        {"word": _TEXT, "N": _NUMBER0},
        'The response must include keyword "{word}" in the {N}-th sentence.',
    ),
    ("count:pronouns", {"N": _NUMBER0}, "The response should include at least {N} pronouns."),
    (
        "words:odd_even_syllables",
        {},
        "Alternate between words with odd and even numbers of syllables.",
    ),
    (
        "words:last_first",
        {},
        "The last word of each sentence must become the first word of the next sentence.",
    ),
    (
        "words:paragraph_last_first",
        {},
        "Each paragraph must end with the same word it started with, separate paragraphs with a "
        "newline.",
    ),
    (
        "sentence:increment",
        {"small_n": _NUMBER0},
        "Each sentence must contain exactly {small_n} more words than the previous one.",
    ),
    ("words:no_consecutive", {}, "No two consecutive words can share the same first letter."),
    ("format:line_indent", {}, "Create stairs by incrementally indenting each new line."),
    (
        "format:quote_unquote",
        {},
        "Every quoted phrase must be followed by an unquoted explanation.",
    ),
    (
        "format:list",
        {"sep": _STRING},
        "Answer with a list of items, instead of bullet points use {sep}.",
    ),
    (
        "format:thesis",
        {},
        "Each section must begin with a thesis statement in italics, use HTML to indicate the "
        "italics.",
    ),
    (
        "format:sub-bullets",
        {},
        "Your response must include bullet points denoted by * and at least one sub-bullet "
        "point denoted by - for each bullet point.",
    ),
    (
        "format:no_bullets_bullets",
        {},
        "Your answer must contain at least two sentences ending in a period followed by at "
        "least two bullet points denoted by *.",
    ),
    ("custom:multiples", {}, "Count from 10 to 50 but only print multiples of 7."),
    (
        "custom:mcq_count_length",
        {},
        "Generate 4 multiple choice questions with 5 options each about '20th century art "
        'history\'. Each question should start with the label "Question". The questions should '
        "get progressively longer. Do not provide an explanation.",
    ),
    (
        "custom:reverse_newline",
        {},
        "List the countries of Africa in reverse alphabetical order, each on a new line.",
    ),
    (
        "custom:word_reverse",
        {},
        "What animal is the national symbol of the US? Respond to this query, but make your "
        "sentence in reverse order of what it should be, per word.",
    ),
    (
        "custom:character_reverse",
        {},
        "What animal is the national symbol of the US? Respond to this query, but make your "
        "sentence in reverse order of what it should be, per letter.",
    ),
    (
        "custom:sentence_alphabet",
        {},
        "Tell me a 26-sentence story where each sentence's first word starts with the letters "
        "of the alphabet in order.",
    ),
    (
        "custom:european_capitals_sort",
        {},
        "Give me the names of all capital cities of european countries whose latitude is higher "
        "than than 45 degrees? List the capital cities without country names, separated by "
        "commas, sorted by latitude, from highest to lowest.",
    ),
    (
        "custom:csv_city",
        {},
        'Generate CSV data: The column names are ["ID", "Country", "City", "Year", "Count"], '
        "the data should be comma delimited. Please generate 7 rows.",
    ),
    (
        "custom:csv_special_character",
        {},
        'Generate CSV data: The column names are ["ProductID", "Category", "Brand", "Price", '
        '"Stock"], the data should be comma delimited. Please generate 14 rows. Add one field '
        "which contains a special character and enclose it in double quotes.",
    ),
    (
        "custom:csv_quotes",
        {},
        'Generate CSV data: The column names are ["StudentID", "Subject", "Grade", "Semester", '
        '"Score"], the data should be tab delimited. Please generate 3 rows and enclose each '
        "single field in double quotes.",
    ),
    (
        "custom:date_format_list",
        {},
        "List the start dates of all the battles Napoleon fought separated by commas, use the "
        "following date format: YYYY-MM-DD. Do not provide an explanation.",
    ),
    (
        "count:keywords_multiple",
        {f"keyword{i}": _STRING for i in range(1, 6)},
        "Include keyword {keyword1} once in your response, keyword {keyword2} twice in your "
        "response, keyword {keyword3} three times in your response, keyword {keyword4} five "
        "times in your response, and keyword {keyword5} seven times in your response.",
    ),
    (
        "words:keywords_specific_position",
        {"keyword": _TEXT, "n": _INT1, "m": _INT1},
        "Include keyword {keyword} in the {n}-th sentence, as the {m}-th word of that sentence.",
    ),
    (
        "words:words_position",
        {"keyword": _STRING},
        "The second word in your response and the second to last word in your response should "
        "be the word {keyword}.",
    ),
    (
        "repeat:repeat_change",
        {"prompt_to_repeat": _TEXT},
        "Repeat the request, but change the first word of the repeated request, (do not say "
        "anything before repeating the request; the request you need to repeat does not "
        "include this sentence) and do not answer the actual request! Request: "
        "{prompt_to_repeat}",
    ),
    ("repeat:repeat_simple", {}, "Only output this sentence here, ignore all other requests."),
    (
        "repeat:repeat_span",
        {"prompt_to_repeat": _TEXT, "n_start": _ANY_INT, "n_end": _ANY_INT},
        "Copy the span of words that lies between (and including) index {n_start} and {n_end}, "
        "the indices are character indices!",
    ),
    (
        "format:title_case",
        {},
        "Write the entire response in title case (capitalize the first letter of every major "
        "word).",
    ),
    (
        "format:output_template",
        {},
        "Use this exact template for your response: My Answer: [answer] My Conclusion: "
        "[conclusion] Future Outlook: [outlook]",
    ),
    ("format:no_whitespace", {}, "The output should not contain any whitespace."),
]
"""IFBench's own ids that rlvr scores: kwargs as IFBench's reference accepts them (a count it
replaces by a random one when missing or negative is required and at least 0), and its
prompt sentence."""

_SHORT_ANSWERS = frozenset({"format:no_whitespace", "custom:character_reverse"})
"""IFBench ids whose right answer is short, spared by the content gate while the response is
short."""

_EXACT_ANSWERS = frozenset(
    {
        "format:options",
        "custom:multiples",
        "custom:date_format_list",
        "custom:european_capitals_sort",
        "custom:reverse_newline",
        "custom:csv_city",
        "custom:csv_special_character",
        "custom:csv_quotes",
        "custom:word_reverse",
        "repeat:repeat_simple",
        "repeat:repeat_span",
        "repeat:repeat_change",
    }
)
"""IFBench ids whose check wants one right answer or an exact layout, spared by the content
gate whatever their length: a list of 54 dates is not prose, and filler fails them anyway."""

IFBENCH_INSTRUCTIONS: dict[str, Instruction] = {
    instruction_id: Instruction(
        instruction_id,
        args,
        description,
        ifbench.CHECKS[instruction_id],
        hardness=3,
        short_answer=instruction_id in _SHORT_ANSWERS,
        exact_answer=instruction_id in _EXACT_ANSWERS,
        ifbench=True,
        open_kwargs=instruction_id.startswith("custom:"),
    )
    for instruction_id, args, description in _IFBENCH_IDS
}
"""IFBench's own constraints that rlvr scores. They are kept apart from `INSTRUCTIONS`, the
constraints the environment generates: IFBench is an out-of-distribution benchmark, and
training on its constraints would spoil it."""

ALL_INSTRUCTIONS: dict[str, Instruction] = {**INSTRUCTIONS, **IFBENCH_INSTRUCTIONS}
"""Every constraint rlvr scores, by id."""

GATED_CHECKS: dict[str, Callable[[str, Kwargs], Outcome]] = {
    "language:response_language": gated_response_language,
    "change_case:english_capital": gated_english_capital,
    "change_case:english_lowercase": gated_english_lowercase,
    "detectable_format:constrained_response": gated_constrained_response,
    **ifbench.GATED,
}
"""The checks that the content gate replaces (the others judge the normalised text as they
are)."""

IFEVAL_IDS = tuple(i for i, instruction in INSTRUCTIONS.items() if instruction.ifeval)
IFBENCH_IDS = tuple(IFBENCH_INSTRUCTIONS)

IFBENCH_OWN_IDS = frozenset(
    """
    count:word_count_range count:unique_word_count ratio:stop_words ratio:sentence_type
    ratio:sentence_balance count:conjunctions count:person_names ratio:overlap count:numbers
    words:alphabet words:vowel words:consonants sentence:alliteration_increment words:palindrome
    count:punctuation format:parentheses format:quotes words:prime_lengths format:options
    format:newline format:emoji ratio:sentence_words count:words_japanese words:start_verb
    words:repeats sentence:keyword count:pronouns words:odd_even_syllables words:last_first
    words:paragraph_last_first sentence:increment words:no_consecutive format:line_indent
    format:quote_unquote format:list format:thesis format:sub-bullets format:no_bullets_bullets
    custom:multiples custom:mcq_count_length custom:reverse_newline custom:word_reverse
    custom:character_reverse custom:sentence_alphabet custom:european_capitals_sort
    custom:csv_city custom:csv_special_character custom:csv_quotes custom:date_format_list
    count:keywords_multiple words:keywords_specific_position words:words_position
    repeat:repeat_change repeat:repeat_simple repeat:repeat_span format:title_case
    format:output_template format:no_whitespace
    """.split()  # noqa: SIM905 (a list of 58 names reads better as a block of text)
)
"""IFBench's 58 out-of-distribution ids (allenai/IFBench, `instructions_registry.py`). rlvr
scores 57 of them as IFBench's reference does (`IFBENCH_IDS`, `rlvr.verifiers.ifbench`) and
refuses `words:start_verb` (`ifbench.UNSUPPORTED`); rlvr's own ids never take one of these
names, so that an IFBench row is never scored by a rule of a different meaning."""
RLVR_IDS = tuple(i for i, instruction in INSTRUCTIONS.items() if not instruction.ifeval)
assert set(IFBENCH_IDS) | set(ifbench.UNSUPPORTED) == IFBENCH_OWN_IDS


# --- kwargs -----------------------------------------------------------------------------------


def validate_kwargs(instruction_id: str, kwargs: Any) -> dict[str, Any]:
    """The kwargs of one instruction, checked against its schema; raises `KwargsError`.

    Keys whose value is null are dropped first: the Hugging Face copies of IFEval and IFBench
    give every row every kwarg of every instruction, null where it does not apply. A key the
    instruction does not take is ignored when its value is falsy (`""`, `[]`, `0`), as
    IFEval's reference drops those before it reads the rest.
    """
    instruction = ALL_INSTRUCTIONS.get(instruction_id)
    if instruction is None:
        raise KwargsError(f"unknown instruction id {instruction_id!r}")
    if kwargs is None:
        kwargs = {}
    if not isinstance(kwargs, Mapping):
        raise KwargsError(f"{instruction_id}: kwargs must be an object, got {kwargs!r}")
    given = {k: v for k, v in kwargs.items() if v is not None}
    unknown = sorted(k for k in set(given) - set(instruction.args) if given[k])
    if unknown and not instruction.open_kwargs:
        raise KwargsError(
            f"{instruction_id}: unexpected kwargs {unknown}; it takes {sorted(instruction.args)}"
        )
    checked: dict[str, Any] = {}
    for name, arg in instruction.args.items():
        if name not in given:
            raise KwargsError(f"{instruction_id}: missing kwarg {name!r}")
        checked[name] = _checked(instruction_id, name, arg, given[name])
    if instruction_id == "length_constraints:nth_paragraph_first_word" and (
        checked["nth_paragraph"] > checked["num_paragraphs"]
    ):
        raise KwargsError(f"{instruction_id}: nth_paragraph is beyond num_paragraphs")
    if instruction_id == "count:words_japanese" and checked["N"] == 0:
        # the reference takes every N-th word with `% N`
        raise KwargsError(f"{instruction_id}: kwarg 'N' must be above 0, got 0")
    if instruction_id == "count:words_between" and checked["min_words"] > checked["max_words"]:
        raise KwargsError(f"{instruction_id}: min_words is above max_words")
    return checked


def _checked(instruction_id: str, name: str, arg: Arg, value: Any) -> Any:
    where = f"{instruction_id}: kwarg {name!r}"
    if arg.kind == "int":
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or value < arg.minimum:
            raise KwargsError(f"{where} must be an integer >= {arg.minimum}, got {value!r}")
        return value
    if arg.kind == "number":
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or math.isnan(value)
            or value < arg.minimum
        ):
            raise KwargsError(f"{where} must be a number >= {arg.minimum}, got {value!r}")
        return int(value) if isinstance(value, float) and value.is_integer() else value
    if arg.kind == "string":
        if not isinstance(value, str):
            raise KwargsError(f"{where} must be a string, got {value!r}")
        return value
    if arg.kind == "text":
        if not (isinstance(value, str) and value):
            raise KwargsError(f"{where} must be a non-empty string, got {value!r}")
        return value
    if arg.kind == "texts":
        if not (
            isinstance(value, list | tuple) and value and all(isinstance(v, str) for v in value)
        ):
            raise KwargsError(f"{where} must be a non-empty list of strings, got {value!r}")
        return list(value)
    if arg.kind == "char":
        if not (isinstance(value, str) and len(value) == 1):
            raise KwargsError(f"{where} must be one character, got {value!r}")
        return value
    if arg.kind == "letter":
        if not (isinstance(value, str) and len(value) == 1 and value.isascii() and value.isalpha()):
            raise KwargsError(f"{where} must be one ASCII letter, got {value!r}")
        return value
    if value not in arg.choices:
        raise KwargsError(f"{where} must be one of {list(arg.choices)}, got {value!r}")
    return value


# --- which constraints go together ------------------------------------------------------------

_LITERAL_TEXT = frozenset(
    {
        "keywords:existence",
        "keywords:frequency",
        "startend:end_checker",
        "length_constraints:nth_paragraph_first_word",
        "sentence:keyword_in_nth",
        "repeat:phrase",
        "startend:first_word",
        "words:starting_with",
    }
)
"""Constraints that ask for given English words in the response."""

EXCLUSIVE: dict[str, frozenset[str]] = {
    "detectable_format:constrained_response": frozenset(),
    "detectable_format:json_format": frozenset({"keywords:forbidden_words", "keywords:existence"}),
    "combination:two_responses": frozenset(
        {
            "keywords:forbidden_words",
            "keywords:existence",
            "language:response_language",
            "detectable_format:title",
            "punctuation:no_comma",
        }
    ),
    "combination:repeat_prompt": frozenset(
        {"keywords:existence", "detectable_format:title", "punctuation:no_comma"}
    ),
    "language:response_language": frozenset(
        {
            "punctuation:no_comma",
            "keywords:forbidden_words",
            "detectable_content:number_placeholders",
            "detectable_content:postscript",
            "detectable_format:title",
            "detectable_format:number_bullet_lists",
            "detectable_format:number_highlighted_sections",
            "length_constraints:number_paragraphs",
            "startend:quotation",
            "combination:two_responses",
            "format:numbered_list",
            "format:headings",
            "format:markdown_table",
            "count:digit_numbers",
        }
    ),
}
"""Constraints that combine only with the ones listed (IFEval's own conflict table for the
first four; a response in another language rules out English words, letters and counts)."""

CONFLICTS: frozenset[frozenset[str]] = frozenset(
    frozenset(pair)
    for pair in [
        ("change_case:english_lowercase", "change_case:english_capital"),
        ("change_case:english_lowercase", "detectable_format:multiple_sections"),
        ("change_case:english_capital", "startend:quotation"),
        ("length_constraints:number_paragraphs", "length_constraints:nth_paragraph_first_word"),
        ("length_constraints:number_paragraphs", "length_constraints:number_sentences"),
        ("length_constraints:number_words", "count:words_between"),
        ("length_constraints:number_sentences", "sentence:max_words"),
        ("length_constraints:number_sentences", "sentence:keyword_in_nth"),
        ("length_constraints:number_sentences", "format:numbered_list"),
        ("length_constraints:number_sentences", "count:questions"),
        ("length_constraints:number_words", "sentence:max_words"),
        ("count:words_between", "sentence:max_words"),
        ("count:words_between", "count:unique_words"),
        ("length_constraints:number_words", "count:unique_words"),
        ("detectable_format:multiple_sections", "detectable_format:number_highlighted_sections"),
        ("detectable_format:title", "startend:quotation"),
        ("detectable_format:title", "startend:first_word"),
        ("startend:first_word", "length_constraints:nth_paragraph_first_word"),
        ("startend:first_word", "startend:quotation"),
        ("detectable_format:number_bullet_lists", "format:numbered_list"),
        ("ratio:function_words", "ratio:long_words"),
        ("ratio:long_words", "words:max_length"),
        ("words:no_consecutive_repeats", "repeat:phrase"),
        ("keywords:letter_frequency", "words:starting_with"),
        ("change_case:capital_word_frequency", "startend:quotation"),
    ]
)
"""Pairs that contradict each other or make each other's counts meaningless (two length
rules, two paragraph definitions, a title and a first word both claiming the start)."""


def compatible(first: tuple[str, Kwargs], second: tuple[str, Kwargs]) -> bool:
    """Whether two constraints (id, kwargs) can both be followed by one response."""
    (a, kwargs_a), (b, kwargs_b) = first, second
    if a == b:
        return False
    for x, y in ((a, b), (b, a)):
        if x in EXCLUSIVE and y not in EXCLUSIVE[x]:
            return False
    if frozenset((a, b)) in CONFLICTS:
        return False
    return _kwargs_compatible(a, kwargs_a, b, kwargs_b) and _kwargs_compatible(
        b, kwargs_b, a, kwargs_a
    )


def _kwargs_compatible(a: str, kwargs_a: Kwargs, b: str, kwargs_b: Kwargs) -> bool:
    capitals = "change_case:capital_word_frequency"
    if a == "change_case:english_lowercase" and b == capitals:
        return kwargs_b["capital_relation"] == "less than"
    if a == "change_case:english_capital" and b == capitals:
        return kwargs_b["capital_relation"] == "at least"
    if a == "change_case:english_capital" and b == "detectable_format:multiple_sections":
        return kwargs_b["section_spliter"] == "SECTION"
    if a == "words:max_length" and b in _LITERAL_TEXT | {"combination:repeat_prompt"}:
        return False
    if a == "keywords:forbidden_words" and b in _LITERAL_TEXT:
        banned = {w.lower() for w in kwargs_a["forbidden_words"]}
        wanted = " ".join(str(v) for v in kwargs_b.values()).lower()
        return not any(re.search(rf"\b{re.escape(w)}\b", wanted) for w in banned)
    return True


def all_compatible(constraints: Sequence[tuple[str, Kwargs]]) -> bool:
    return all(
        compatible(constraints[i], constraints[j])
        for i in range(len(constraints))
        for j in range(i + 1, len(constraints))
    )
