from __future__ import annotations

import pytest

from lms.search.analyzer import WORD_ANALYZER, analyze, stem_word


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
