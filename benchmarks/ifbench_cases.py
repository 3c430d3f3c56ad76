"""Generated responses for IFBench's own instructions, for `ifbench_vs_reference.py`.

For each id, responses that follow it, that just miss it and that are ordinary prose
(IFBench's published model answers, cut and reshaped), with kwargs spanning what IFBench's
published rows hold (counts near the response's own count, so that both sides of every
threshold are tried). Which side a case falls on is decided by the two implementations being
compared, never here.
"""

from __future__ import annotations

import itertools
import json
import random
import re
import string
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

Case = dict[str, Any]
Maker = Callable[[random.Random, list[str]], tuple[str, dict[str, Any]]]

WORDS = """
apple river stone light quiet garden window market silver story winter morning bridge forest
ocean paper candle thunder harbor valley meadow lantern journey
""".split()  # noqa: SIM905
CONJUNCTIONS = ["and", "And", "but", "for", "nor", "or", "so", "yet", "and,", "But"]
NAMES = ["Emma", "Liam", "Sophia", "Noah", "Ava", "Lucas", "Mia", "Zoe", "Leo", "Grace", "emma"]
PALINDROMES = ["level", "radar", "civic", "rotor", "kayak", "refer", "madam", "racecar",
               "stats", "tenet", "noon", "Level,", "deified", "reviver"]  # fmt: skip
SENTENCE_PARTS = [
    "Dr. Smith met Mr. Jones at 5 p.m. on Main St.",
    "The U.S. economy grew by 2.5 percent.",
    "It rained all day",
    "Why would anyone leave now",
    "What a wonderful surprise",
    'She said, "Go home."',
    "The results (see Fig. 2) were clear",
    "Prices rose, e.g. for bread",
    "J. K. Rowling wrote it",
    "We waited... Then it came",
]
EMOJI = ["😀", "🚀", "🌟", "❤️", "👍🏽", "🇫🇷", "©", "#", "1"]
JAPANESE = ["日本", "さくら", "カタカナ", "東京", "ありがとう"]
AFRICA = """
Algeria Angola Benin Botswana Burkina_Faso Burundi Cabo_Verde Cameroon Central_African_Republic
Chad Comoros Congo Djibouti Egypt Equatorial_Guinea Eritrea Eswatini Ethiopia Gabon Gambia
Ghana Guinea Guinea-Bissau Ivory_Coast Kenya Lesotho Liberia Libya Madagascar Malawi Mali
Mauritania Mauritius Morocco Mozambique Namibia Niger Nigeria Rwanda São_Tomé_and_Príncipe
Senegal Seychelles Sierra_Leone Somalia South_Africa South_Sudan Sudan Tanzania Togo Tunisia
Uganda Zambia Zimbabwe
""".split()  # noqa: SIM905

CAPITALS = """
Reykjavik Helsinki Oslo Tallinn Stockholm Riga Moscow Copenhagen Vilnius Minsk Dublin Berlin
Amsterdam Warsaw London Brussels Prague Luxembourg Paris Vienna Bratislava Budapest Vaduz
Chisinau Bern Ljubljana Zagreb
""".split()  # noqa: SIM905


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text) if s]


def _prose(rng: random.Random, answers: list[str]) -> str:
    """A published answer, whole or cut to a few sentences or lines, sometimes reshaped."""
    text = rng.choice(answers)
    cut = rng.random()
    if cut < 0.4:
        parts = _sentences(text)
        start = rng.randrange(len(parts))
        text = " ".join(parts[start : start + rng.randint(1, 6)])
    elif cut < 0.6:
        lines = text.split("\n")
        start = rng.randrange(len(lines))
        text = "\n".join(lines[start : start + rng.randint(1, 8)])
    shape = rng.random()
    if shape < 0.1:
        text = text.lower()
    elif shape < 0.2:
        text = text.title()
    elif shape < 0.25:
        text = text.translate(str.maketrans("", "", string.punctuation))
    return text


def _word(rng: random.Random) -> str:
    return rng.choice(WORDS)


def _near(rng: random.Random, value: float) -> float:
    return max(0.0, float(round(value + rng.choice([-2, -1, 0, 0, 1, 2]))))


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text)


# --- makers, one per id -----------------------------------------------------------------------


def word_count_range(rng: random.Random, answers: list[str]) -> tuple[str, dict[str, Any]]:
    text = _prose(rng, answers)
    count = len(_words(text))
    low = _near(rng, count - rng.choice([0, 5, 20]))
    return text, {"min_words": low, "max_words": _near(rng, low + rng.choice([0, 5, 20, 40]))}


def count_near(measure: Callable[[str], float], name: str) -> Maker:
    def make(rng: random.Random, answers: list[str]) -> tuple[str, dict[str, Any]]:
        text = _prose(rng, answers)
        return text, {name: _near(rng, measure(text))}

    return make


def _unique(text: str) -> int:
    return len({w.strip(string.punctuation + " ") for w in text.lower().split()})


def _stop_share(text: str) -> float:
    # rlvr's copy of NLTK's list only aims the threshold near the response's share
    from rlvr.verifiers.ifbench import NLTK_STOPWORDS

    found = _words(text)
    return 100 * sum(w.lower() in NLTK_STOPWORDS for w in found) / len(found) if found else 10


def conjunctions(rng: random.Random, answers: list[str]) -> tuple[str, dict[str, Any]]:
    used = rng.sample(CONJUNCTIONS, rng.randint(0, 6))
    text = " ".join(f"{_word(rng)} {c} {_word(rng)}." for c in used)
    if rng.random() < 0.4:
        text = _prose(rng, answers) + " " + text
    return text, {"small_n": float(rng.randint(1, 6))}


def person_names(rng: random.Random, answers: list[str]) -> tuple[str, dict[str, Any]]:
    used = rng.sample(NAMES, rng.randint(0, 8))
    glue = rng.choice([", ", " and ", " met "])
    text = glue.join(used) + (" " + _prose(rng, answers) if rng.random() < 0.3 else "")
    if rng.random() < 0.2:
        text = text.replace("Emma", "Emmanuel")
    return text, {"N": float(rng.randint(1, 8))}


def overlap(rng: random.Random, answers: list[str]) -> tuple[str, dict[str, Any]]:
    reference = _prose(rng, answers)
    text = reference if rng.random() < 0.3 else _prose(rng, answers)
    if rng.random() < 0.4:
        text = reference[: max(3, len(reference) // rng.randint(1, 4))] + " " + text[:200]
    grams = {text[i : i + 3] for i in range(len(text) - 2)}
    ref = {reference[i : i + 3] for i in range(len(reference) - 2)}
    share = 100 * len(grams & ref) / len(grams) if grams else 50
    return text, {"reference_text": reference, "percentage": _near(rng, share)}


def numbers(rng: random.Random, answers: list[str]) -> tuple[str, dict[str, Any]]:
    pieces = ["3.5", "1,000", "42", "2024-05-01", "7", "-3", "10%", "$5", "1/2", "²", "٣"]
    used = rng.sample(pieces, rng.randint(0, 6))
    text = " ".join(f"{_word(rng)} {p}" for p in used)
    if rng.random() < 0.3:
        text = _prose(rng, answers)
    count = len(re.findall(r"\d+", text.translate(str.maketrans("", "", string.punctuation))))
    return text, {"N": _near(rng, count)}


def pronouns(rng: random.Random, answers: list[str]) -> tuple[str, dict[str, Any]]:
    text = _prose(rng, answers)
    if rng.random() < 0.3:
        text += " Use she/her/hers or they/them. It's mine, isn't it? Something's off."
    count = sum(w.lower() in {"i", "you", "it", "they", "we", "she", "he", "this", "that", "my",
                              "our", "their", "its", "what", "which", "who", "all", "some"}
                for w in text.split())  # fmt: skip
    return text, {"N": _near(rng, count)}


def keywords_multiple(rng: random.Random, answers: list[str]) -> tuple[str, dict[str, Any]]:
    keywords = rng.sample(WORDS, 5)
    times = [1, 2, 3, 5, 7]
    if rng.random() < 0.5:
        index = rng.randrange(5)
        times[index] += rng.choice([-1, 1])
    pieces = [k for k, n in zip(keywords, times, strict=True) for _ in range(n)]
    rng.shuffle(pieces)
    text = " ".join(f"The {p} is here." for p in pieces)
    if rng.random() < 0.2:
        text = text.replace(keywords[0], keywords[0].upper(), 1)
    kwargs = {f"keyword{i + 1}": k for i, k in enumerate(keywords)}
    if rng.random() < 0.2:
        kwargs["keyword1"] = " " + kwargs["keyword1"] + " "
    return text, kwargs


def alphabet(rng: random.Random, answers: list[str]) -> tuple[str, dict[str, Any]]:
    letters = string.ascii_lowercase
    start = rng.randrange(26)
    words = []
    for i in range(rng.randint(3, 40)):
        letter = letters[(start + i) % 26]
        words.append(letter + rng.choice(["pple", "ear", "ox", "", "ig"]))
    if rng.random() < 0.4:
        words[rng.randrange(len(words))] = rng.choice(["zebra", "1st", "Éclair", "x"])
    if rng.random() < 0.3:
        words = [w.capitalize() + rng.choice(["", ",", ".", " -"]) for w in words]
    return " ".join(words), {}


def vowel(rng: random.Random, answers: list[str]) -> tuple[str, dict[str, Any]]:
    limited = ["bad cat sat on a mat", "red hen ran", "big pig did dig", "a dog and cat ran",
               "fun sun run", "tom got hot pots"]  # fmt: skip
    text = " ".join(rng.sample(limited, rng.randint(1, 4)))
    if rng.random() < 0.3:
        text += " " + rng.choice(["blue", "Unique", "aeiou"])
    if rng.random() < 0.2:
        text = text.replace(" ", "\n", 1)
    if rng.random() < 0.2:
        text = _prose(rng, answers)
    return text, {}


def consonants(rng: random.Random, answers: list[str]) -> tuple[str, dict[str, Any]]:
    clustered = ["strong", "script", "blend", "crisp", "first", "thrifty", "Splash", "world"]
    plain = ["a", "banana", "idea", "I", "Tomato", "rhythm."]
    words = [rng.choice(clustered) for _ in range(rng.randint(1, 12))]
    if rng.random() < 0.5:
        words.insert(rng.randrange(len(words) + 1), rng.choice(plain))
    return " ".join(words), {}


def alliteration(rng: random.Random, answers: list[str]) -> tuple[str, dict[str, Any]]:
    sentences = []
    for run in sorted(rng.sample(range(0, 8), rng.randint(1, 4))):
        letter = rng.choice("bcdfgmpst")
        alliterative = [letter + rng.choice(["ig", "old", "at", "un"]) for _ in range(run)]
        sentences.append(" ".join(["The", *alliterative, "ended", "now"]) + ".")
    if rng.random() < 0.3:
        rng.shuffle(sentences)
    return " ".join(sentences), {}


def palindrome(rng: random.Random, answers: list[str]) -> tuple[str, dict[str, Any]]:
    words = [rng.choice(PALINDROMES) for _ in range(rng.randint(7, 13))]
    return " ".join(words) + " " + _word(rng), {}


def punctuation(rng: random.Random, answers: list[str]) -> tuple[str, dict[str, Any]]:
    marks = [". ", ", ", "! ", "? ", "; ", ": "]
    used = rng.sample(marks, rng.choice([4, 5, 6, 6, 6]))
    bang = rng.choice(["?!", "!?", "‽", "", "?! ", "?!"])
    return _word(rng) + "".join(f"{m}{_word(rng)}" for m in used) + bang + " end", {}


def parentheses(rng: random.Random, answers: list[str]) -> tuple[str, dict[str, Any]]:
    pairs = ["()", "[]", "{}"]
    depth = rng.randint(3, 7)
    chosen = [rng.choice(pairs) for _ in range(depth)]
    inner = "core"
    for pair in reversed(chosen):
        inner = f"{pair[0]}x {inner} y{pair[1]}"
    if rng.random() < 0.3:
        inner = inner.replace(")", "]", 1)
    if rng.random() < 0.2:
        inner = inner[:-1]
    return f"Text {inner} more.", {}


def quotes(rng: random.Random, answers: list[str]) -> tuple[str, dict[str, Any]]:
    depth = rng.randint(1, 5)
    inner = "deep"
    alternate = rng.random() < 0.8
    for level in range(depth):
        mark = '"' if level % 2 == 0 or not alternate else "'"
        inner = f"{mark}a {inner} b{mark}"
    if rng.random() < 0.3:
        inner = inner.replace("'", "’")
    return f"He said {inner} today. It's fine.", {}


def prime_lengths(rng: random.Random, answers: list[str]) -> tuple[str, dict[str, Any]]:
    prime_words = ["an", "the", "jumps", "quickly", "is", "at", "green", "seven", "bottles"]
    words = [rng.choice(prime_words) for _ in range(rng.randint(1, 10))]
    if rng.random() < 0.5:
        words.append(rng.choice(["a", "four", "island", "it's", "x-ray"]))
    return " ".join(words), {}


def options(rng: random.Random, answers: list[str]) -> tuple[str, dict[str, Any]]:
    bank = ["yes/no/maybe", "I know or I don't know", "a), b), c), d)", "A, B, C or D",
            "(A) True (B) False (C) Unknown", "agree/disagree"]  # fmt: skip
    given = rng.choice(bank)
    separator = "/" if "/" in given else "or" if "or" in given else ","
    choices = [c.strip() for c in given.split(separator)]
    answer = rng.choice(choices)
    shape = rng.random()
    if shape < 0.2:
        answer = answer.upper() + "."
    elif shape < 0.35:
        answer = f"{answer} because it fits"
    elif shape < 0.5:
        answer = f" {answer}\n"
    return answer, {"options": given}


def newline(rng: random.Random, answers: list[str]) -> tuple[str, dict[str, Any]]:
    words = _words(_prose(rng, answers))[: rng.randint(1, 20)] or ["word"]
    text = "\n".join(words)
    if rng.random() < 0.3:
        text = text.replace("\n", " ", 1)
    if rng.random() < 0.2:
        text = text.replace("\n", "\n\n", 2) + "\n- "
    return text, {}


def emoji_end(rng: random.Random, answers: list[str]) -> tuple[str, dict[str, Any]]:
    parts = _sentences(_prose(rng, answers))[:5] or ["Hello there."]
    out = []
    for part in parts:
        mark = rng.choice(EMOJI)
        place = rng.random()
        if place < 0.4:
            out.append(f"{part} {mark}")
        elif place < 0.7:
            out.append(f"{part[:-1]} {mark}{part[-1:]}")
        elif place < 0.85:
            out.append(part)
        else:
            out.append(f"{mark} {part}")
    return " ".join(out), {}


def sentence_words(rng: random.Random, answers: list[str]) -> tuple[str, dict[str, Any]]:
    groups = [["A dog ran far away.", "Big owls hoot late.", "Red kites fly high!"],
              ["Why do fish swim?", "Dr. Li came home.", "Cats nap at noon."]]  # fmt: skip
    base = rng.choice(groups) if rng.random() < 0.6 else groups[0] + groups[1]
    chosen = rng.sample(base, min(len(base), rng.choice([2, 3, 3, 3, 3, 4])))
    if rng.random() < 0.3:
        chosen[0] = chosen[0].replace(".", "s.")
    return " ".join(chosen), {}


def japanese(rng: random.Random, answers: list[str]) -> tuple[str, dict[str, Any]]:
    nth = rng.randint(2, 6)
    words = []
    for i in range(rng.randint(3, 30)):
        words.append(rng.choice(JAPANESE) if (i + 1) % nth == 0 else _word(rng))
    if rng.random() < 0.3:
        words[rng.randrange(len(words))] = rng.choice(["42", "hello", "漢字,", "--"])
    return " ".join(words), {"N": float(rng.choice([nth, nth, nth + 1]))}


def repeats(rng: random.Random, answers: list[str]) -> tuple[str, dict[str, Any]]:
    text = _prose(rng, answers)
    found = text.lower().translate(str.maketrans("", "", string.punctuation)).split()
    top = max((found.count(w) for w in set(found)), default=0)
    return text, {"small_n": _near(rng, top)}


def sentence_keyword(rng: random.Random, answers: list[str]) -> tuple[str, dict[str, Any]]:
    parts = [rng.choice(SENTENCE_PARTS) for _ in range(rng.randint(1, 6))]
    keyword = rng.choice(["river", "Stone", "it's"])
    nth = rng.randint(0, 7)
    if rng.random() < 0.6:
        parts.insert(max(0, min(len(parts), nth - 1)), f"Here the {keyword} stands")
    text = " ".join(p if p[-1] in '.!?"' else p + "." for p in parts)
    return text, {"word": keyword.lower(), "N": float(nth)}


def odd_even(rng: random.Random, answers: list[str]) -> tuple[str, dict[str, Any]]:
    odd = ["cat", "banana", "dog", "elephant", "run", "beautiful", "the"]
    even = ["happy", "water", "table", "garden", "little", "window", "yellow"]
    words = [rng.choice(odd if i % 2 == 0 else even) for i in range(rng.randint(1, 12))]
    if rng.random() < 0.4:
        words.insert(rng.randrange(len(words) + 1), rng.choice(odd + even + ["rhythm", "1990"]))
    return " ".join(words) + rng.choice(["", ".", "!"]), {}


def last_first(rng: random.Random, answers: list[str]) -> tuple[str, dict[str, Any]]:
    words = [_word(rng) for _ in range(rng.randint(2, 6))]
    sentences = []
    for first, last in itertools.pairwise(words):
        sentences.append(f"{first.capitalize()} leads to {last}.")
    if rng.random() < 0.4:
        sentences.insert(1, "Nothing here.")
    if rng.random() < 0.2:
        sentences = [s.replace(".", '."') for s in sentences]
    return " ".join(sentences), {}


def paragraph_last_first(rng: random.Random, answers: list[str]) -> tuple[str, dict[str, Any]]:
    lines = []
    for _ in range(rng.randint(1, 5)):
        word = _word(rng)
        lines.append(f"{word.capitalize()} is what we saw, {rng.choice([word, word + '.', 'x'])}")
    return rng.choice(["\n", "\n\n"]).join(lines), {}


def increment(rng: random.Random, answers: list[str]) -> tuple[str, dict[str, Any]]:
    step = rng.randint(1, 4)
    start = rng.randint(2, 5)
    sentences = []
    for i in range(rng.randint(1, 5)):
        count = start + i * step + (1 if rng.random() < 0.15 else 0)
        sentences.append(" ".join([_word(rng) for _ in range(count)]).capitalize() + ".")
    if rng.random() < 0.2:
        sentences[0] = "Dr. " + sentences[0]
    return " ".join(sentences), {"small_n": float(rng.choice([step, step, step + 1]))}


def no_consecutive(rng: random.Random, answers: list[str]) -> tuple[str, dict[str, Any]]:
    if rng.random() < 0.3:
        return _prose(rng, answers), {}
    words, last = [], ""
    for _ in range(rng.randint(2, 15)):
        word = rng.choice([w for w in WORDS if w[0] != last] if rng.random() < 0.9 else WORDS)
        words.append(word)
        last = word[0]
    return " ".join(words) + ".", {}


def line_indent(rng: random.Random, answers: list[str]) -> tuple[str, dict[str, Any]]:
    lines = []
    for i in range(rng.randint(1, 8)):
        indent = i * rng.choice([1, 2]) + (-1 if i > 1 and rng.random() < 0.1 else 0)
        lines.append(" " * max(0, indent) + _word(rng))
        if rng.random() < 0.25:
            lines.append(rng.choice(["", "   ", "\t"]))
    return "\n".join(lines), {}


def quote_unquote(rng: random.Random, answers: list[str]) -> tuple[str, dict[str, Any]]:
    pieces = []
    for _ in range(rng.randint(1, 4)):
        pieces.append(f'"{_word(rng)} {_word(rng)}"')
        if rng.random() < 0.75:
            pieces.append(f"means {_word(rng)}.")
    if rng.random() < 0.2:
        pieces.append("The '\"' mark. 12.")
    return " ".join(pieces), {}


def special_list(rng: random.Random, answers: list[str]) -> tuple[str, dict[str, Any]]:
    sep = rng.choice(["...", "SEPARATOR", "!?!?", "-", "+"])
    items = rng.randint(0, 4)
    return "\n".join(f"{sep} {_word(rng)}" for _ in range(items)) or "none", {"sep": sep}


def thesis(rng: random.Random, answers: list[str]) -> tuple[str, dict[str, Any]]:
    tag = rng.choice(["i", "em"])
    inner = rng.choice(["Cities grow.", " ", "A thesis"])
    after = rng.choice(["", " More text follows.", "\n\nBody."])
    close = rng.choice([tag, tag, "i" if tag == "em" else "em"])
    return f"{rng.choice(['', 'Intro '])}<{tag}>{inner}</{close}>{after}", {}


def sub_bullets(rng: random.Random, answers: list[str]) -> tuple[str, dict[str, Any]]:
    blocks = []
    for _ in range(rng.randint(0, 4)):
        block = f"* {_word(rng)}"
        if rng.random() < 0.8:
            block += f"\n  - {_word(rng)}"
        blocks.append(block)
    return "\n".join(blocks) or "No list.", {}


def no_bullets_bullets(rng: random.Random, answers: list[str]) -> tuple[str, dict[str, Any]]:
    sentences = " ".join(rng.choice(SENTENCE_PARTS) + "." for _ in range(rng.randint(1, 3)))
    lines = [sentences]
    if rng.random() < 0.3:
        lines.append("")
    lines += [f"* {_word(rng)}" for _ in range(rng.randint(1, 3))]
    if rng.random() < 0.2:
        lines.append("Closing words.")
    return "\n".join(lines), {}


def multiples(rng: random.Random, answers: list[str]) -> tuple[str, dict[str, Any]]:
    values = [14, 21, 28, 35, 42, 49]
    if rng.random() < 0.4:
        values = rng.choice([[7, *values], values[:-1], [*values, 56]])
    glue = rng.choice([", ", ",", "\n", " "])
    text = glue.join(map(str, values))
    return rng.choice(["", "Multiples: "]) + text, {}


def mcq(rng: random.Random, answers: list[str]) -> tuple[str, dict[str, Any]]:
    questions = []
    flawed = rng.random() < 0.5
    for number in range(1, (rng.choice([3, 5]) if flawed and rng.random() < 0.3 else 4) + 1):
        extra = rng.choice([0, -1]) if flawed else 0
        stem = "Which artist " + "really " * (number + extra) + "painted it?"
        letters = "ABCDE"[: rng.choice([5, 4]) if flawed else 5]
        options = [f"{letter}{rng.choice([')', '.'])} {_word(rng)}" for letter in letters]
        label = rng.choice([":", ".", ")", ""])
        questions.append(f"Question {number}{label} {stem}\n" + "\n".join(options))
    prefix = rng.choice(["", "", "", "Here you go:\n"])
    return prefix + "\n\n".join(questions), {}


def reverse_newline(rng: random.Random, answers: list[str]) -> tuple[str, dict[str, Any]]:
    names = sorted((n.replace("_", " ") for n in AFRICA), key=_ascii, reverse=True)
    if rng.random() < 0.3:
        i = rng.randrange(len(names) - 1)
        names[i], names[i + 1] = names[i + 1], names[i]
    if rng.random() < 0.2:
        names = names[: rng.randint(40, 53)]
    prefix = rng.choice(["", "Here is the list:\n"])
    bullet = rng.choice(["", "", "- ", "* "])
    return prefix + "\n".join(f"{bullet}{n}" for n in names), {}


def word_reverse(rng: random.Random, answers: list[str]) -> tuple[str, dict[str, Any]]:
    sentence = rng.choice(["The bald eagle is the national symbol",
                           "It is the bald eagle", "The eagle, bald and proud"])  # fmt: skip
    words = sentence.split()[::-1] if rng.random() < 0.8 else sentence.split()
    text = " ".join(words) + rng.choice([".", "", ". Really."])
    return text, {}


def character_reverse(rng: random.Random, answers: list[str]) -> tuple[str, dict[str, Any]]:
    sentence = rng.choice(["The bald eagle", "bald eagle it is", "The Bald Eagle"])
    return (sentence[::-1] if rng.random() < 0.8 else sentence) + ".", {}


def sentence_alphabet(rng: random.Random, answers: list[str]) -> tuple[str, dict[str, Any]]:
    count = rng.choice([26, 26, 25, 27])
    sentences = []
    for i in range(count):
        letter = string.ascii_lowercase[i % 26]
        if rng.random() < 0.03:
            letter = "q"
        sentences.append(f"{letter.upper()}{rng.choice(['ll', 'nd', 'ver'])} {_word(rng)} went.")
    return " ".join(sentences), {}


def european(rng: random.Random, answers: list[str]) -> tuple[str, dict[str, Any]]:
    names = list(CAPITALS)
    if rng.random() < 0.3:
        i = rng.randrange(len(names) - 1)
        names[i], names[i + 1] = names[i + 1], names[i]
    if rng.random() < 0.2:
        names[0] = "Reykjavík"
    if rng.random() < 0.1:
        names = names[:-1]
    return rng.choice([", ", ","]).join(names) + rng.choice(["", ".", ", "]), {}


def csv_city(rng: random.Random, answers: list[str]) -> tuple[str, dict[str, Any]]:
    header = rng.choice(["ID,Country,City,Year,Count", '"ID","Country","City","Year","Count"',
                         "ID, Country, City, Year, Count"])  # fmt: skip
    rows = [f"{i},France,Paris,20{i:02d},{i * 3}" for i in range(1, rng.choice([7, 7, 6, 8]) + 1)]
    if rng.random() < 0.2:
        rows[0] = '1,"Korea, South",Seoul,2001,4'
    return "\n".join([header, *rows]) + rng.choice(["", "\n"]), {}


def csv_special(rng: random.Random, answers: list[str]) -> tuple[str, dict[str, Any]]:
    header = rng.choice(["ProductID,Category,Brand,Price,Stock",
                         "ProductID, Category, Brand, Price, Stock",
                         '"ProductID","Category","Brand","Price","Stock"'])  # fmt: skip
    rows = [f"{i},Tools,Acme,{i}.99,{i * 2}" for i in range(1, rng.choice([14, 14, 13]) + 1)]
    if rng.random() < 0.7:
        special = rng.choice(['"Acme & Sons"', '"Widget#1"', '"Plain"', '"Caf\u00e9"'])
        rows[rng.randrange(len(rows))] = f"99,Tools,{special},1.00,3"
    return "\n".join([header, *rows]), {}


def csv_quotes(rng: random.Random, answers: list[str]) -> tuple[str, dict[str, Any]]:
    names = ["StudentID", "Subject", "Grade", "Semester", "Score"]
    quote = rng.random() < 0.7
    header = "\t".join(f'"{n}"' if quote else n for n in names)
    rows = []
    for i in range(rng.choice([3, 3, 2, 4])):
        fields = [str(i), "Math", "A", "Fall", str(90 + i)]
        if rng.random() < 0.85:
            fields = [f'"{f}"' for f in fields]
        rows.append("\t".join(fields))
    return "\n".join([header, *rows]), {}


def dates(rng: random.Random, answers: list[str]) -> tuple[str, dict[str, Any]]:
    values = ["1796-04-12", "1805-12-02", "1815-06-18", "1809-07-05", "1812-09-07"]
    chosen = rng.sample(values, rng.randint(1, 5))
    if rng.random() < 0.3:
        chosen.append(rng.choice(["1822-01-01", "1805-02-30", "1805-13-01", "June 18, 1815",
                                  "1805-4-1", "1805-00-10"]))  # fmt: skip
    return rng.choice([", ", ","]).join(chosen), {}


def specific_position(rng: random.Random, answers: list[str]) -> tuple[str, dict[str, Any]]:
    keyword = rng.choice(["river", "Stone", "don't"])
    sentences = []
    for _ in range(rng.randint(1, 5)):
        words = [_word(rng) for _ in range(rng.randint(3, 9))]
        sentences.append(" ".join(words).capitalize() + rng.choice([".", "!", "?"]))
    n = rng.randint(1, len(sentences) + 1)
    m = rng.randint(1, 6)
    if n <= len(sentences) and rng.random() < 0.7:
        words = sentences[n - 1][:-1].split()
        position = min(len(words), m - 1 + rng.choice([0, 0, 0, 1]))
        words.insert(position, keyword + rng.choice(["", ",", "'s"]))
        sentences[n - 1] = " ".join(words) + "."
    return " ".join(sentences), {"keyword": keyword.lower(), "n": n, "m": m}


def words_position(rng: random.Random, answers: list[str]) -> tuple[str, dict[str, Any]]:
    keyword = rng.choice(["river", "light"])
    middle = " ".join(_word(rng) for _ in range(rng.randint(0, 6)))
    second = keyword if rng.random() < 0.8 else _word(rng)
    second_last = keyword if rng.random() < 0.8 else _word(rng)
    end = rng.choice([".", "", "!", " ...", "?!"])
    return f"The {second} {middle} {second_last} here{end}", {"keyword": keyword}


def repeat_change(rng: random.Random, answers: list[str]) -> tuple[str, dict[str, Any]]:
    prompt = rng.choice(answers)[:300].strip() or "Write a story about rivers."
    words = prompt.split()
    choice = rng.random()
    if choice < 0.5:
        text = " ".join(["Compose", *words[1:]])
    elif choice < 0.65:
        text = prompt
    elif choice < 0.8:
        text = "Compose\n" + "\n".join(words[1:])
    else:
        text = " ".join(["Compose", *words[1:], "Sure!"])
    return text, {"prompt_to_repeat": prompt}


def repeat_simple(rng: random.Random, answers: list[str]) -> tuple[str, dict[str, Any]]:
    text = "Only output this sentence here, ignore all other requests."
    shape = rng.random()
    if shape < 0.2:
        text = text.upper()
    elif shape < 0.4:
        text = text[:-1]
    elif shape < 0.5:
        text = f'"{text}"'
    elif shape < 0.6:
        text = f"  {text}\n"
    return text, {}


def repeat_span(rng: random.Random, answers: list[str]) -> tuple[str, dict[str, Any]]:
    prompt = rng.choice(answers)[:400] or "Copy me."
    start = rng.randint(0, max(0, len(prompt) - 2))
    end = rng.randint(start, len(prompt) - 1)
    span = prompt[start : end + 1]
    shape = rng.random()
    if shape < 0.2:
        span = span[:-1]
    elif shape < 0.3:
        span = span.upper()
    return span, {"prompt_to_repeat": prompt, "n_start": start, "n_end": end}


def title_case(rng: random.Random, answers: list[str]) -> tuple[str, dict[str, Any]]:
    text = _prose(rng, answers)[:400]
    shape = rng.random()
    if shape < 0.5:
        text = text.title()
    elif shape < 0.7:
        text = " ".join(w.capitalize() if len(w) > 3 else w for w in text.split())
    return text, {}


def output_template(rng: random.Random, answers: list[str]) -> tuple[str, dict[str, Any]]:
    parts = ["My Answer: yes.", "My Conclusion: fine.", "Future Outlook: bright."]
    if rng.random() < 0.4:
        parts[rng.randrange(3)] = rng.choice(["My answer: yes.", "Conclusion: fine.", ""])
    return rng.choice([" ", "\n"]).join(parts), {}


def no_whitespace(rng: random.Random, answers: list[str]) -> tuple[str, dict[str, Any]]:
    text = "".join(_words(_prose(rng, answers))[:30])
    if rng.random() < 0.4:
        text = text[:5] + rng.choice([" ", "\t", "\u00a0", "\u200b", "\u3000"]) + text[5:]
    return text or "x", {}


def prose_only(rng: random.Random, answers: list[str]) -> tuple[str, dict[str, Any]]:
    return _prose(rng, answers), {}


def sentence_mix(rng: random.Random, answers: list[str]) -> tuple[str, dict[str, Any]]:
    """Sentences ending in `.`, `?` and `!` in chosen numbers, with abbreviations."""
    counts = [rng.randint(0, 4) for _ in range(3)]
    if rng.random() < 0.4:
        counts = [2 * counts[1], counts[1], counts[2]]
    if rng.random() < 0.4:
        counts = [counts[0]] * 3
    parts = []
    for end, count in zip(".?!", counts, strict=True):
        parts += [rng.choice(SENTENCE_PARTS).rstrip(".") + end for _ in range(count)]
    rng.shuffle(parts)
    return " ".join(parts) or "Nothing.", {}


MAKERS: dict[str, Maker] = {
    "count:word_count_range": word_count_range,
    "count:unique_word_count": count_near(_unique, "N"),
    "ratio:stop_words": count_near(_stop_share, "percentage"),
    "ratio:sentence_type": sentence_mix,
    "ratio:sentence_balance": sentence_mix,
    "count:conjunctions": conjunctions,
    "count:person_names": person_names,
    "ratio:overlap": overlap,
    "count:numbers": numbers,
    "words:alphabet": alphabet,
    "words:vowel": vowel,
    "words:consonants": consonants,
    "sentence:alliteration_increment": alliteration,
    "words:palindrome": palindrome,
    "count:punctuation": punctuation,
    "format:parentheses": parentheses,
    "format:quotes": quotes,
    "words:prime_lengths": prime_lengths,
    "format:options": options,
    "format:newline": newline,
    "format:emoji": emoji_end,
    "ratio:sentence_words": sentence_words,
    "count:words_japanese": japanese,
    "words:repeats": repeats,
    "sentence:keyword": sentence_keyword,
    "count:pronouns": pronouns,
    "words:odd_even_syllables": odd_even,
    "words:last_first": last_first,
    "words:paragraph_last_first": paragraph_last_first,
    "sentence:increment": increment,
    "words:no_consecutive": no_consecutive,
    "format:line_indent": line_indent,
    "format:quote_unquote": quote_unquote,
    "format:list": special_list,
    "format:thesis": thesis,
    "format:sub-bullets": sub_bullets,
    "format:no_bullets_bullets": no_bullets_bullets,
    "custom:multiples": multiples,
    "custom:mcq_count_length": mcq,
    "custom:reverse_newline": reverse_newline,
    "custom:word_reverse": word_reverse,
    "custom:character_reverse": character_reverse,
    "custom:sentence_alphabet": sentence_alphabet,
    "custom:european_capitals_sort": european,
    "custom:csv_city": csv_city,
    "custom:csv_special_character": csv_special,
    "custom:csv_quotes": csv_quotes,
    "custom:date_format_list": dates,
    "count:keywords_multiple": keywords_multiple,
    "words:keywords_specific_position": specific_position,
    "words:words_position": words_position,
    "repeat:repeat_change": repeat_change,
    "repeat:repeat_simple": repeat_simple,
    "repeat:repeat_span": repeat_span,
    "format:title_case": title_case,
    "format:output_template": output_template,
    "format:no_whitespace": no_whitespace,
}


def cases(answers_file: Path, per_id: int, seed: int = 0) -> Iterator[Case]:
    """`per_id` cases for each id: three in four from its maker, one in four an ordinary
    published answer with the maker's kwargs (which most instructions do not follow)."""
    answers = [
        json.loads(line)["response"]
        for line in answers_file.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    answers = [a for a in answers if a.strip()]
    for instruction_id, make in MAKERS.items():
        rng = random.Random(f"{seed}/{instruction_id}")
        for index in range(per_id):
            response, kwargs = make(rng, answers)
            if index % 4 == 3:
                response = _prose(rng, answers)
            yield {
                "id": f"{instruction_id}/{index}",
                "instruction_id": instruction_id,
                "kwargs": kwargs,
                "prompt": f"IFBench case {instruction_id} {index}",
                "response": response,
            }
