from __future__ import annotations

from typing import Any

import pytest
from whoosh.analysis import StopFilter

from lms.search.analyzer import (
    CONTENT_ANALYZER,
    STOP_WORDS,
    WORD_ANALYZER,
    ScriptStemFilter,
    analyze,
    spelling_words,
    stem_word,
    word_analyzer,
)


def test_yo_is_folded_to_ye() -> None:
    assert analyze("ёлка") == analyze("елка")
    assert analyze("ЁЛКА", WORD_ANALYZER) == ["елка"]


@pytest.mark.parametrize(
    "forms", [("возврат", "возврата", "возвраты"), ("заказ", "заказа", "заказов")]
)
def test_russian_inflections_share_a_stem(forms: tuple[str, ...]) -> None:
    assert len({stem_word(form) for form in forms}) == 1


def test_english_words_use_the_english_stemmer() -> None:
    assert analyze("Refunds") == analyze("refund") == ["refund"]


def test_hyphenated_mixed_word_splits_into_parts() -> None:
    assert analyze("QR-код") == ["qr", "код"]


def test_mixed_script_word_is_kept_whole() -> None:
    assert stem_word("qrкоды") == "qrкоды"


def test_stop_words_are_dropped_but_meaningful_ones_kept() -> None:
    assert analyze("как и в") == []
    assert analyze("нельзя") == ["нельз"]


def test_content_analyzer_matches_the_whoosh_filter_chain() -> None:
    chain = word_analyzer() | StopFilter(stoplist=STOP_WORDS, minsize=1) | ScriptStemFilter()
    text = "Как вернуть ДЕНЬГИ за QR-код? Ёлка и в The refunds, 12ab — ǅemal."

    def tokens(analyzer: Any, **options: Any) -> list[tuple]:
        return [
            (t.text, t.pos, t.startchar, t.endchar, t.stopped) for t in analyzer(text, **options)
        ]

    for options in ({}, {"removestops": False}, {"start_pos": 3, "start_char": 7}):
        options = {"positions": True, "chars": True, **options}
        assert tokens(CONTENT_ANALYZER, **options) == tokens(chain, **options)


def test_spelling_words_are_the_distinct_folded_words() -> None:
    assert sorted(spelling_words("Ёлка, ёлка и QR-код")) == ["qr", "елка", "и", "код"]
