"""Text analysis for Russian and English content: words, lowercase, ё->е, stems.

Words are runs of letters and digits, so ``QR-код`` is indexed as ``qr`` and ``код`` at
adjacent positions (the phrase "qr-код" still finds it). Cyrillic words go through the
Russian Snowball stemmer, Latin words through the English one; a word mixing scripts is
kept as it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from whoosh.analysis import Analyzer, Filter, LowercaseFilter, RegexTokenizer, StopFilter
from whoosh.lang import stemmer_for_language
from whoosh.lang.stopwords import stoplists

WORD_PATTERN = r"\w+"
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

_russian = stemmer_for_language("ru")
_english = stemmer_for_language("en")


class YoFilter(Filter):
    """Folds ё into е: readers type either, editors write either."""

    def __call__(self, tokens: Iterator[Any]) -> Iterator[Any]:
        for token in tokens:
            token.text = token.text.replace("ё", "е")
            yield token


class ScriptStemFilter(Filter):
    """Stems each lowercase token with the stemmer of its script (Russian or English)."""

    is_morph = True

    def __init__(self, cachesize: int = 50000) -> None:
        self.cachesize = cachesize
        self._cache: dict[str, str] = {}

    def __call__(self, tokens: Iterator[Any]) -> Iterator[Any]:
        for token in tokens:
            if not getattr(token, "stopped", False):
                token.text = self.stem(token.text)
            yield token

    def stem(self, word: str) -> str:
        stemmed = self._cache.get(word)
        if stemmed is None:
            stemmed = stem_word(word)
            if len(self._cache) < self.cachesize:
                self._cache[word] = stemmed
        return stemmed


def stem_word(word: str) -> str:
    """The stem of one lowercase word, chosen by its script."""
    cyrillic, latin = CYRILLIC.search(word), LATIN.search(word)
    if cyrillic and not latin:
        return _russian(word)
    if latin and not cyrillic:
        return _english(word)
    return word


def word_analyzer() -> Analyzer:
    """Words lowercased and folded, not stemmed: the vocabulary for "did you mean"."""
    return RegexTokenizer(WORD_PATTERN) | LowercaseFilter() | YoFilter()


def content_analyzer() -> Analyzer:
    """Words lowercased, folded, stop words dropped (positions kept) and stemmed."""
    return word_analyzer() | StopFilter(stoplist=STOP_WORDS, minsize=1) | ScriptStemFilter()


def analyze(text: str, analyzer: Analyzer | None = None) -> list[str]:
    """The index terms ``text`` turns into (stemmed unless another analyzer is given)."""
    return [token.text for token in (analyzer or CONTENT_ANALYZER)(text)]


CONTENT_ANALYZER = content_analyzer()
WORD_ANALYZER = word_analyzer()
