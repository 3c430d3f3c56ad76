"""The content gate of the `if` verifier: text that says nothing follows no instruction.

IFEval's rules judge form, never substance, so degenerate text satisfies them: `one two ...
ten` cycled to 420 words meets every length rule, `1 2 3 ... 420` too, a `<<title>>` or a
`P.S.` plus such filler meets the format rules, and echoing the prompt copies the examples
its constraint sentences carry. A policy trained on those rewards learns to emit filler. The
gate refuses such text before any rule is consulted (`degenerate`); whether the task itself
was done is not decidable by rules and is left to the GenRM (docs/instruction-following.md).

Every check here is a cheap count over word tokens, so its thresholds are set far from what
written text does (measured on GPT-4's answers to IFEval's 540 prompts, BENCHMARKS.md):

- enough words, and enough words with letters in them (`1 2 3 ... 420`, `s 1 2 ... 25`);
- enough different words for the length (`one two ... ten` cycled): distinct words grow
  roughly with the square root of the length in any prose, so the floor is a multiple of it;
- few repeated word 4-grams (a paragraph pasted three times or more: each copy has many
  different words, but the same ones in the same order);
- little of it copied from the prompt, and little of the prompt copied into it (an echoed
  prompt, alone or diluted with other text; a request the row asks to repeat is left out);
- mostly Latin letters where the row asks for no other language (an answer in Cyrillic or
  Greek has no `e` to count and no English word to forbid).

`normalise` is applied before the gate and the rules in the same mode: Unicode NFKC (so
full-width `，` is a comma and `𝐀` an `A`), invisible characters removed (a zero-width space
or a combining grapheme joiner inside a word would otherwise split it into two counted
words, or hide a forbidden one), and look-alikes mapped to the Latin letter they imitate:
Cyrillic or Greek ones inside Latin text (a Cyrillic `а` in `harbour` would otherwise dodge
a forbidden word, and a Cyrillic `е` a letter count), Latin small capitals anywhere.
"""

from __future__ import annotations

import functools
import math
import re
import sys
import unicodedata
from collections.abc import Iterable, Sequence

MAX_CHARS = 100_000
"""Longer responses are not judged (every check is linear in the text, but langdetect and the
sentence splitter are slow Python; no IFEval answer is a tenth of this)."""

MIN_WORDS = 20
DIVERSITY = 1.5
"""Distinct words must reach max(min_words / 2, min(half the words, DIVERSITY * sqrt(words))):
10 of 20, 15 of 100, 31 of 420. GPT-4's IFEval answers have at least 1.3 times that; a
10-word cycle has 10."""
MAX_REPEATED_NGRAMS = 0.5
"""At most this share of word 4-grams may repeat earlier ones: a text pasted three times is
0.67, GPT-4's IFEval answers at most 0.41 (a song with its chorus)."""
MAX_PROMPT_OVERLAP = 0.6
"""At most this share of the response's word 3-grams may be the prompt's: GPT-4's IFEval
answers reach 0.51, an echo 1."""
MAX_PROMPT_COVERAGE = 0.75
"""At most this share of the prompt's words may be copied in order (`prompt_overlap`):
GPT-4's IFEval answers reach 0.53 (a paraphrased repeat of the request aside, 0.76), an echo
alone, diluted or interleaved with filler 1."""
MAX_PROMPT_VOCABULARY = 0.9
"""At most this share of the response's different words may come from the prompt: the
prompt's words shuffled reach 1, GPT-4's IFEval answers at most 0.85 (a summary of a text
given in the prompt without quotes)."""
NGRAM_ECHO = 3
NGRAM_REPEAT = 4

# Scripts written without spaces between words: each character counts as a word.
_UNSPACED_RANGES = (
    "\u0e00-\u0e7f"  # Thai
    "\u0e80-\u0eff"  # Lao
    "\u1000-\u109f"  # Myanmar
    "\u1780-\u17ff"  # Khmer
    "\u3040-\u30ff"  # Hiragana, Katakana
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # CJK ideographs
)


def _char_class(categories: frozenset[str], keep: str = "", *, astral: bool = False) -> str:
    """A regex character class body for the characters of the given Unicode categories, of
    the Basic Multilingual Plane or (`astral`) above it. Built once per process: a BMP class
    is checked by bitmap in C, while a per-character Python loop over each response is ten
    times slower, and a class that also holds astral ranges is checked range by range."""
    ranges: list[tuple[int, int]] = []
    for code in range(0x10000, sys.maxunicode + 1) if astral else range(0x10000):
        char = chr(code)
        if unicodedata.category(char) in categories and char not in keep:
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1] = (ranges[-1][0], code)
            else:
                ranges.append((code, code))
    return "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
        for a, b in ranges
    )


_INVISIBLE_CATEGORIES = frozenset({"Cf", "Cc", "Co", "Cn"})
_MARK_CATEGORIES = frozenset({"Mn", "Mc", "Me"})


@functools.cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The word-token pattern and the invisible-character pattern, built on first use. An
    astral mark is tried last (once per word, where the word ends); an astral character is
    checked for invisibility by `_visible`, one call per such character."""
    letter = f"[^\\W_{_UNSPACED_RANGES}]"
    marks = _char_class(_MARK_CATEGORIES)
    astral_marks = _char_class(_MARK_CATEGORIES, astral=True)
    token = re.compile(f"[{_UNSPACED_RANGES}]|{letter}(?:{letter}|[{marks}]|[{astral_marks}])*")
    invisible = _char_class(_INVISIBLE_CATEGORIES, keep="\t\n\r") + _IGNORABLE
    return token, re.compile(f"[{invisible}]|[\\U00010000-\\U0010ffff]")


# Default-ignorable characters that are not format characters: a combining grapheme joiner,
# Hangul fillers, Khmer inherent vowels, Mongolian and standard variation selectors. Drawn as
# nothing, they would split a forbidden word for the rules' `\w` and `\b`.
_IGNORABLE = "\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u3164\ufe00-\ufe0f\uffa0"
_IGNORABLE_ASTRAL = frozenset(range(0xE0100, 0xE01F0))


def _visible(match: re.Match[str]) -> str:
    char = match.group()
    if ord(char) < 0x10000:  # matched by the class of invisible BMP characters
        return ""
    if ord(char) in _IGNORABLE_ASTRAL or unicodedata.category(char) in _INVISIBLE_CATEGORIES:
        return ""
    return char


_LOOKALIKES = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
    "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ј": "j", "ԁ": "d", "һ": "h", "ӏ": "l",
    "ԛ": "q", "ԝ": "w", "ү": "y", "ɡ": "g",
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C",
    "Т": "T", "У": "Y", "Х": "X", "Ѕ": "S", "І": "I", "Ј": "J", "Ԛ": "Q", "Ԝ": "W", "Ү": "Y",
    # Greek
    "α": "a", "ο": "o", "ρ": "p", "ν": "v", "ι": "i", "κ": "k", "τ": "t", "υ": "u", "χ": "x",
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N",
    "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
    # Latin letters drawn like another (small capitals, dotless i, Latin alpha)
    "ı": "i", "ɑ": "a", "ɪ": "i", "ʟ": "l", "ᴏ": "o", "ᴜ": "u", "ᴠ": "v", "ᴡ": "w", "ᴢ": "z",
    "ʀ": "r", "ɴ": "n", "ᴛ": "t", "ᴇ": "e", "ᴀ": "a", "ᴄ": "c", "ᴅ": "d", "ʜ": "h", "ᴋ": "k",
    "ᴍ": "m", "ᴘ": "p", "ꜱ": "s", "ʏ": "y", "ʙ": "b", "ɢ": "g", "ᴊ": "j", "ꜰ": "f",
}  # fmt: skip
"""Letters drawn like a basic Latin one (Unicode's confusables, the common subset): Cyrillic
and Greek ones are mapped only inside Latin text, so Russian and Greek stay as written."""

_PUNCTUATION_LOOKALIKES = str.maketrans(
    {
        "\u201a": ",",  # single low-9 quotation mark
        "\ua4f9": ",",  # Lisu tone mark, drawn as a comma
        "\u02cf": ",",  # modifier low acute accent
        "\u0326": ",",  # combining comma below
        "\u01c3": "!",  # Latin retroflex click, drawn as an exclamation mark
        "\u2024": ".",  # one dot leader (NFKC keeps it)
    }
)


def normalise(text: str) -> str:
    """NFKC, invisible characters dropped, look-alikes of Latin letters and of `,` `!` `.`
    mapped to them where the text around them is Latin."""
    if text.isascii():  # NFKC and the look-alike maps leave ASCII as it is
        return _ASCII_CONTROLS.sub("", text)
    text = unicodedata.normalize("NFKC", text).translate(_PUNCTUATION_LOOKALIKES)
    text = _patterns()[1].sub(_visible, text)
    if not _LOOKALIKE.search(text):
        return text
    mostly_latin = len(_LATIN_LETTER.findall(text)) > len(_CYRILLIC_OR_GREEK.findall(text))
    return _WORD.sub(lambda word: _unmask(word.group(), mostly_latin), text)


_WORD = re.compile(r"\w+")
_ASCII_TOKEN = re.compile(r"[A-Za-z0-9]+")
_ASCII_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LOOKALIKE = re.compile(f"[{''.join(_LOOKALIKES)}]")


def _unmask(word: str, mostly_latin: bool) -> str:
    """A word with a look-alike letter, in Latin letters where it is meant to read as Latin:
    it mixes Latin letters with look-alikes, or the text around it is Latin and every letter
    of it has a Latin twin."""
    if not any(char in _LOOKALIKES for char in word):
        return word
    mixed = any(_script(char) == "LATIN" for char in word)
    disguised = mostly_latin and all(char in _LOOKALIKES for char in word if char.isalpha())
    if mixed or disguised:
        return "".join(_LOOKALIKES.get(char, char) for char in word)
    return word


def _script(char: str) -> str:
    if not char.isalpha():
        return ""
    name = unicodedata.name(char, "")
    return name.split(" ", 1)[0]


def tokens(text: str) -> list[str]:
    """Word tokens: runs of letters, digits and combining marks (so that a Hindi word with
    vowel signs is one word, where `\\w+` cuts it into pieces), and each character of a
    script written without spaces (Thai, Japanese, Chinese), so that a Japanese answer has as
    many words as it has characters rather than one per clause."""
    if text.isascii():  # most answers: a small class the regex engine checks by bitmap
        return _ASCII_TOKEN.findall(text)
    return _patterns()[0].findall(text)


def letters_only(text: str) -> str:
    """The text with everything but letters and spaces blanked: what language detection
    should read, so that `s 1 2 3 ... 25` is one letter, not English."""
    return " ".join(t for t in tokens(text) if not t.isdigit())


def prompt_text(prompt: object) -> str:
    """The user-visible text of a row's prompt: a string, or the contents of chat messages."""
    if isinstance(prompt, str):
        return prompt
    if isinstance(prompt, Sequence):
        parts = [m.get("content") for m in prompt if isinstance(m, dict)]
        return "\n".join(p for p in parts if isinstance(p, str))
    return ""


def degenerate(
    text: str,
    *,
    prompt: str = "",
    allowed_copies: Iterable[str] = (),
    min_words: int = MIN_WORDS,
    latin: bool = False,
) -> str | None:
    """Why `text` is degenerate (None when it is not); see the module docstring.

    `allowed_copies` are passages the response may copy from the prompt (a request that a
    `combination:repeat_prompt` instruction asks to repeat): a leading copy is left out
    and what follows it is judged, so that the copy is no answer by itself. With `latin`
    (the row asks for no other language), at least MIN_LATIN of its letters must be Latin:
    an answer in Russian or Greek has no `e` to count and no English word to forbid.
    """
    if len(text) > MAX_CHARS:
        return f"longer than {MAX_CHARS} characters"
    found = [t.lower() for t in tokens(_without_leading_copy(text, allowed_copies))]
    if len(found) < min_words:
        return f"{len(found)} words, needs {min_words}"
    # A word is letters alone: `w1 w2 ... w120` are as many different tokens but no words.
    lettered = [t for t in found if not any(c.isdigit() for c in t)]
    if len(lettered) < min_words or 2 * len(lettered) < len(found):
        return (
            f"{len(lettered)} of {len(found)} words are made of letters: numbers and codes "
            f"are not content (needs {min_words}, and half)"
        )
    distinct = len(set(lettered))
    floor = max(min_words / 2, min(len(lettered) / 2, DIVERSITY * math.sqrt(len(lettered))))
    if distinct < floor:
        return f"{distinct} different words in {len(lettered)}, needs {math.ceil(floor)}"
    repeated = repeated_share(found, NGRAM_REPEAT)
    if repeated > MAX_REPEATED_NGRAMS:
        return f"{repeated:.0%} of its {NGRAM_REPEAT}-word sequences repeat earlier ones"
    if latin:
        share = latin_share(text)
        if share < MIN_LATIN:
            return f"{share:.0%} of its letters are Latin; the row asks for no other language"
    if prompt:
        source = prompt_words(prompt)
        copied, covered = prompt_overlap(found, source)
        if copied > MAX_PROMPT_OVERLAP:
            return f"{copied:.0%} of its {NGRAM_ECHO}-word sequences are copied from the prompt"
        if covered > MAX_PROMPT_COVERAGE:
            return f"it copies {covered:.0%} of the prompt's words in order"
        borrowed = prompt_vocabulary_share(lettered, source)
        if borrowed > MAX_PROMPT_VOCABULARY:
            return f"{borrowed:.0%} of its different words are the prompt's (its words shuffled)"
    return None


def latin_share(text: str) -> float:
    letters = len(_ANY_LETTER.findall(text))
    return len(_LATIN_LETTER.findall(text)) / letters if letters else 0.0


MIN_LATIN = 0.5
_ANY_LETTER = re.compile(r"[^\W\d_]")
_LATIN_LETTER = re.compile(
    "[A-Za-z\u00aa\u00ba\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff]"
)
_CYRILLIC_OR_GREEK = re.compile("[\u0370-\u03ff\u0400-\u052f\u1f00-\u1fff]")


def repeated_share(words: Sequence[str], n: int) -> float:
    grams = _ngrams(words, n)
    if not grams:
        return 0.0
    return 1 - len(set(grams)) / len(grams)


@functools.lru_cache(maxsize=1024)
def prompt_words(prompt: str) -> list[str]:
    """The prompt's own words, lowercased: quoted material of QUOTED_MATERIAL words or more
    (a text to rewrite, a sentence to judge) is the response's to use and is left out; the
    constraint sentences and their short quoted examples (`<<poem of joy>>`, `"Any other
    questions?"`) are not. Cached: a group's completions share their prompt."""
    return [t.lower() for t in tokens(_QUOTED.sub(_drop_material, prompt))]


def prompt_overlap(words: Sequence[str], prompt: Sequence[str]) -> tuple[float, float]:
    """How much of the response is the prompt's, and how much of the prompt is in it.

    The first is the share of the response's word 3-grams found in the prompt's words. The
    second is the share of the prompt's words that the response copies in order, in runs of
    at least three with at most MAX_GAP - 1 other words between two of them: an echo diluted
    with other text, or with a filler word slipped between each two of its words, still
    copies the whole prompt in order. A prompt of fewer than MIN_PROMPT_NGRAMS 3-grams is too
    short to echo for credit.
    """
    grams = _ngrams(words, NGRAM_ECHO)
    if not grams or len(set(_ngrams(prompt, NGRAM_ECHO))) < MIN_PROMPT_NGRAMS:
        return 0.0, 0.0
    source = set(_ngrams(prompt, NGRAM_ECHO))
    copied = sum(1 for gram in grams if gram in source) / len(grams)
    return copied, _copied_in_order(words, prompt) / len(prompt)


MAX_GAP = 3


def _copied_in_order(words: Sequence[str], prompt: Sequence[str]) -> int:
    """How many of the prompt's words end or lie in a run of NGRAM_ECHO or more of them that
    the response repeats in order, MAX_GAP or fewer response words apart (linear: each
    response word looks back at most MAX_GAP words, at the prompt positions of that word)."""
    positions: dict[str, list[int]] = {}
    for index, word in enumerate(prompt):
        positions.setdefault(word, []).append(index)
    runs: list[dict[int, int]] = []  # per response word: prompt position -> run length
    covered: set[int] = set()
    for i, word in enumerate(words):
        here: dict[int, int] = {}
        for j in positions.get(word, ()):
            length = 1
            for back in range(1, min(MAX_GAP, i) + 1):
                length = max(length, runs[i - back].get(j - 1, 0) + 1)
            here[j] = length
            if length >= NGRAM_ECHO:
                covered.update(range(j - NGRAM_ECHO + 1, j + 1))
        runs.append(here)
    return len(covered)


MIN_PROMPT_NGRAMS = 5


def prompt_vocabulary_share(words: Sequence[str], prompt: Sequence[str]) -> float:
    """The share of the response's different words that the prompt's words include; 0 for
    a response of fewer than ten different words."""
    used = set(words)
    if len(used) < 10:
        return 0.0
    return len(used & set(prompt)) / len(used)


QUOTED_MATERIAL = 12
_QUOTED = re.compile(r'"[^"]*"|\u201c[^\u201d]*\u201d')


def _drop_material(quote: re.Match[str]) -> str:
    return " | " if len(tokens(quote.group())) >= QUOTED_MATERIAL else quote.group()


def _ngrams(words: Sequence[str], n: int) -> list[tuple[str, ...]]:
    return [tuple(words[i : i + n]) for i in range(len(words) - n + 1)]


def _without_leading_copy(text: str, copies: Iterable[str]) -> str:
    stripped = text.strip()
    for copy in (c.strip() for c in copies):
        if copy and stripped.lower().startswith(copy.lower()):
            return stripped[len(copy) :]
    return stripped
