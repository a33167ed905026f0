from __future__ import annotations

import pytest

from lms.search.query import MAX_TERMS, parse_user_query, switch_layout


def test_words_phrases_and_exclusions() -> None:
    parsed = parse_user_query('возврат "срок доставки" -карта')
    assert parsed.words == ["возврат"]
    assert parsed.phrases == ["срок доставки"]
    assert parsed.excluded == ["карта"]


@pytest.mark.parametrize(
    "text",
    ['"возврат заказа', "AND OR NOT", "((возврат", "a:b* ~^ \\", "-", '""', "x" * 2000, "я " * 500],
)
def test_malformed_queries_become_plain_words(text: str) -> None:
    parsed = parse_user_query(text)
    parsed.to_query()
    assert len(parsed.text) <= 200
    assert len(parsed.words) + len(parsed.phrases) + len(parsed.excluded) <= MAX_TERMS


def test_unbalanced_quote_is_ignored() -> None:
    assert parse_user_query('"возврат заказа').words == ["возврат", "заказа"]


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("ghbdtn", "привет"), ("djpdhfn pfrfpf", "возврат заказа"), ("руддщ", "hello")],
)
def test_switch_layout_both_ways(typed: str, meant: str) -> None:
    assert switch_layout(typed) == meant
