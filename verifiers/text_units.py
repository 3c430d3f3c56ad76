"""Words, sentences and paragraphs as the instruction-following constraints count them.

IFEval counts words with the regex `\\w+`, sentences with NLTK's Punkt model for English, and
capitalised words with NLTK's Treebank word tokenizer. NLTK's data packages cannot be fetched
here, so rlvr reimplements the two NLTK parts with regexes and a few word lists, aiming at
the same counts on ordinary prose (docs/instruction-following.md lists where they differ):

- Sentences end at `.`, `!` or `?` followed by whitespace or by closing punctuation, as in
  Punkt. A period after a known abbreviation (`Dr.`, `U.S.`, `a.m.`) ends a sentence only
  when a common sentence starter (`The`, `However`) follows; after a number (`5.`) or an
  initial (`B.`) it does not when a lowercase word follows; an ellipsis ends one only before
  a capitalised sentence starter. A newline alone does not end a sentence (Punkt's rule too:
  a bulleted list without periods is one sentence).
- Word tokens for case checks split off punctuation and the clitics of contractions
  (`DON'T` is `DO` + `N'T`; `NASA's` is `NASA` + `'s`), as the Treebank tokenizer does.

Everything here is a pure function of the text.
"""

from __future__ import annotations

import re

WORD = re.compile(r"\w+")


def word_set(text: str) -> frozenset[str]:
    """The whitespace-separated words of a block of text (for word lists kept readable)."""
    return frozenset(text.split())


# A sentence-ending run, then what Punkt accepts after one: closing punctuation, or whitespace
# and a next token.
_CLOSERS = ")\";}]*:@'({[\u2018\u2019\u201c\u201d\u00ab\u00bb"
# A run starts only after a character that is not a terminator, and is taken whole (`++`):
# otherwise a run of n dots is tried from each of its n positions, quadratic time.
_END = re.compile(rf"(?<![.!?])[.!?]++(?=(?P<closer>[{re.escape(_CLOSERS)}])|\s++(?P<next>\S+))")
_OPENS_TOKEN = "'\u2018\u2019\u201c\u201d\u00ab\u00bb"
_NUMBER = re.compile(r"^-?[.,]?\d[\d,.\-]*$")
_INITIAL = re.compile(r"[^\W\d_]\.")
_NOT_WORD_START = "`&#-,"
_NO_BREAK_BEFORE = frozenset(";:,.!?")

ABBREVIATIONS = word_set(
    """
    mr mrs ms dr prof st jr sr messrs gen lt col maj adm sen rep reps gov
    inc ltd co corp bros cie
    jan feb aug sep sept oct nov dec tues wed fri
    ave ft mg yr vs ok ct
    ala ariz calif colo conn fla ga ill kan ky mich minn nev okla ore pa tenn va vt wash wis
    u.s u.k u.n u.s.a u.s.s.r a.m p.m ph.d d.c n.y l.a
    c d e f g h k l m n p r s t v w
    """
)
"""Abbreviations whose period does not end a sentence by itself (lowercased, final period
dropped). Single letters are initials; `a`, `b`, `i`, `j`, `o` ... are left out because they
end sentences as often as they abbreviate ("Plan B.", "World War I.")."""

SENTENCE_STARTERS = word_set(
    """
    according although among both but despite even he however i if in indeed instead it many
    meanwhile moreover most nevertheless nonetheless nor since so some the there these they this
    though thus under when while yet we she you our my a an
    """
)
"""Words that, capitalised, start a new sentence even after an abbreviation or ellipsis."""


def count_words(text: str) -> int:
    """Words as IFEval counts them: runs of `\\w` characters."""
    return len(WORD.findall(text))


def words(text: str) -> list[str]:
    return WORD.findall(text)


def split_sentences(text: str) -> list[str]:
    """The sentences of `text`, stripped; see the module docstring for where one ends."""
    sentences, start = [], 0
    for match in _END.finditer(text):
        if match.start() < start or not _ends_sentence(text, match):
            continue
        if match.group("next") is not None:
            end, start_next = match.end(), match.start("next")
        else:  # closing punctuation stays with the sentence it closes
            end = start_next = match.end() + _closing_run(text, match.end())
        sentences.append(text[start:end].strip())
        start = start_next
    sentences.append(text[start:].strip())
    return [s for s in sentences if s]


def count_sentences(text: str) -> int:
    return len(split_sentences(text))


def _token_before(text: str, end: int) -> str:
    """The word token that a terminator at `end` closes, as Punkt's word tokenizer cuts it:
    a quote can open a token (`'m` in `I'm`), other punctuation stands alone."""
    start = end
    while start > 0 and not text[start - 1].isspace():
        char = text[start - 1]
        if char in _OPENS_TOKEN:
            start -= 1
            break
        if char in _CLOSERS or char in "!?":
            break
        start -= 1
    return text[start:end].lstrip(_NOT_WORD_START)


def _ends_sentence(text: str, match: re.Match[str]) -> bool:
    terminator = match.group()
    following = match.group("next") or match.group("closer") or ""
    if "?" in terminator or "!" in terminator:
        return True
    if len(terminator) > 1:  # an ellipsis
        return _starts_sentence(following)
    token = _token_before(text, match.start())
    if not token:
        return True
    lower_next = following in _NO_BREAK_BEFORE or following[:1].islower()
    if _NUMBER.match(token):
        return not lower_next
    kind = token.lower()
    if kind in ABBREVIATIONS or kind.rsplit("-", 1)[-1] in ABBREVIATIONS:
        return len(kind) > 1 and _starts_sentence(following)
    if len(token) == 1 and token.isalpha():  # an initial that is not a known abbreviation
        return not lower_next and not _INITIAL.fullmatch(following)
    return True


def _starts_sentence(token: str) -> bool:
    word = token.lstrip(_CLOSERS + _NOT_WORD_START)
    match = WORD.match(word)
    return match is not None and word[:1].isupper() and match.group().lower() in SENTENCE_STARTERS


def _closing_run(text: str, position: int) -> int:
    length = 0
    while position + length < len(text) and text[position + length] in _CLOSERS:
        length += 1
    return length


# --- word tokens for case checks ------------------------------------------------------------

_WORD_SEPARATORS = re.compile(
    r"[\s,;:!?@#$%&()\[\]{}<>\"\u201c\u201d\u2018\u2019\u00ab\u00bb`]+|--+|\.\.+"
)
_CLITIC = re.compile(r"(?is)(.+?)(n't|'(?:s|m|d|ll|re|ve))\.*")


def word_tokens(text: str) -> list[str]:
    """Word tokens with punctuation and contraction clitics split off (Treebank-like)."""
    tokens: list[str] = []
    for piece in _WORD_SEPARATORS.split(text):
        if not piece:
            continue
        clitic = _CLITIC.fullmatch(piece)
        tokens.extend(clitic.groups() if clitic else (piece,))
    return tokens


def count_capital_words(text: str) -> int:
    """Tokens written in capitals (`str.isupper`), as IFEval counts them."""
    return sum(token.isupper() for token in word_tokens(text))
