"""Text analysis for Russian and English content: words, lowercase, ё->е, stems.

Words are runs of letters and digits, so ``QR-код`` is indexed as ``qr`` and ``код`` at
adjacent positions (the phrase "qr-код" still finds it). Cyrillic words go through the
Russian Snowball stemmer, Latin words through the English one; a word mixing scripts is
kept as it is.

Indexing spends most of its analysis time on the same few thousand words (word use is
Zipf-distributed), so each distinct word is folded, checked against the stop list and
stemmed once, in one pass, and remembered.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from whoosh.analysis import Analyzer, Filter, LowercaseFilter, RegexTokenizer, Token
from whoosh.lang import stemmer_for_language
from whoosh.lang.stopwords import stoplists

WORD_PATTERN = r"\w+"
WORD_RE = re.compile(WORD_PATTERN)
CYRILLIC = re.compile(r"[а-я]")
LATIN = re.compile(r"[a-z]")
# Words that carry meaning in instructions ("нельзя", "не", "два") stay searchable.
KEPT_WORDS = frozenset(
    [
        "не",
        "нет",
        "нельзя",
        "можно",
        "надо",
        "может",
        "один",
        "два",
        "три",
        "больше",
        "более",
        "лучше",
        "много",
        "хорошо",
        "без",
    ]
)
STOP_WORDS = (frozenset(stoplists["ru"]) | frozenset(stoplists["en"])) - KEPT_WORDS
# Distinct word forms remembered; a knowledge base uses far fewer.
WORD_CACHE_SIZE = 200_000

_russian = stemmer_for_language("ru")
_english = stemmer_for_language("en")


def fold(word: str) -> str:
    """Lowercase with ё read as е: readers type either, editors write either."""
    return word.lower().replace("ё", "е")


def stem_word(word: str) -> str:
    """The stem of one lowercase word, chosen by its script."""
    cyrillic, latin = CYRILLIC.search(word), LATIN.search(word)
    if cyrillic and not latin:
        return _russian(word)
    if latin and not cyrillic:
        return _english(word)
    return word


# "Заказ" and "заказ" share one stemming: Snowball is the slow part.
_stem = lru_cache(maxsize=WORD_CACHE_SIZE)(stem_word)


@lru_cache(maxsize=WORD_CACHE_SIZE)
def _analyze_word(word: str) -> tuple[str, str | None]:
    """The folded word and its stem, or None for the stem of a stop word."""
    folded = fold(word)
    return folded, None if not folded or folded in STOP_WORDS else _stem(folded)


class ContentAnalyzer(Analyzer):
    """Words folded, stop words dropped (later positions renumbered) and stemmed.

    One pass doing what ``\\w+`` tokenising, lowercasing, ё->е, a stop filter and stemming
    would do as a chain of Whoosh filters, with the same tokens and positions.
    """

    is_morph = True

    def __eq__(self, other: object) -> bool:
        return other.__class__ is self.__class__

    def __hash__(self) -> int:
        return hash(self.__class__)

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        token.boost = 1.0
        if tokenize:
            spans = ((m.group(), m.start(), m.end()) for m in WORD_RE.finditer(value))
        else:
            spans, token.original = iter([(value, 0, len(value))]), value
        kept = None  # position of the last word kept: stop words leave no gaps
        for raw_pos, (word, start, end) in enumerate(spans, start_pos):
            folded, stem = _analyze_word(word)
            if stem is not None:
                token.text, token.stopped = stem, False
                kept = pos = raw_pos if kept is None else kept + 1
            elif removestops:
                continue
            else:
                token.text, token.stopped, pos = folded, True, raw_pos
            if keeporiginal:
                token.original = word
            if positions:
                token.pos = pos
            if chars:
                token.startchar, token.endchar = start_char + start, start_char + end
            yield token


def spelling_words(text: str) -> list[str]:
    """The distinct folded, unstemmed words of ``text``, in no particular order.

    They are the vocabulary "did you mean" suggests from.
    """
    return list(set(WORD_RE.findall(fold(text))))


class YoFilter(Filter):
    """Folds ё into е (the word analyzer, and indexes built before ContentAnalyzer)."""

    def __call__(self, tokens: Iterator[Any]) -> Iterator[Any]:
        for token in tokens:
            token.text = token.text.replace("ё", "е")
            yield token


class ScriptStemFilter(Filter):
    """Stems each token by its script; kept so indexes built before ContentAnalyzer open."""

    is_morph = True

    def __init__(self, cachesize: int = 50000) -> None:
        self.cachesize = cachesize

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Old indexes pickled a word cache into their schema: not worth keeping.
        self.cachesize = state.get("cachesize", 50000)

    def __call__(self, tokens: Iterator[Any]) -> Iterator[Any]:
        for token in tokens:
            if not getattr(token, "stopped", False):
                token.text = self.stem(token.text)
            yield token

    def stem(self, word: str) -> str:
        return _stem(word)


def word_analyzer() -> Analyzer:
    """Words lowercased and folded, not stemmed: the vocabulary for "did you mean"."""
    return RegexTokenizer(WORD_PATTERN) | LowercaseFilter() | YoFilter()


def content_analyzer() -> Analyzer:
    """Words lowercased, folded, stop words dropped (positions kept) and stemmed."""
    return ContentAnalyzer()


def analyze(text: str, analyzer: Analyzer | None = None) -> list[str]:
    """The index terms ``text`` turns into (stemmed unless another analyzer is given)."""
    return [token.text for token in (analyzer or CONTENT_ANALYZER)(text)]


CONTENT_ANALYZER = content_analyzer()
WORD_ANALYZER = word_analyzer()
