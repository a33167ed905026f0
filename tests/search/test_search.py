"""Searching a small index built from plain documents."""

from __future__ import annotations

import pytest

from lms.search.documents import make_document
from lms.search.index import write_documents
from lms.search.service import SearchResults, search
from tests.search.conftest import Reader


def slugs(found: SearchResults) -> list[str]:
    return [hit.slug for hit in found.results]


@pytest.mark.parametrize("text", ["возвраты заказов", "возврата", "ЗАКАЗ возврат", "refund"])
def test_inflected_queries_find_the_article_in_the_top_three(
    kb_index: str, editor: Reader, text: str
) -> None:
    found = search(kb_index, editor, text)
    assert {"refund-order", "english-refunds"} & set(slugs(found)[:3])


def test_all_words_rank_above_some(kb_index: str, editor: Reader) -> None:
    assert slugs(search(kb_index, editor, "возврат заказа"))[0] == "refund-order"


def test_yo_in_the_query_matches_e_in_the_text(kb_index: str, editor: Reader) -> None:
    assert "qr-payment" in slugs(search(kb_index, editor, "елочные"))


def test_hyphenated_word_and_its_parts(kb_index: str, editor: Reader) -> None:
    for text in ("QR-код", "qr", '"qr код"'):
        assert slugs(search(kb_index, editor, text))[0] == "qr-payment"


def test_phrase_requires_adjacent_words(kb_index: str, editor: Reader) -> None:
    assert slugs(search(kb_index, editor, '"возврат заказа"')) == ["refund-order"]
    assert search(kb_index, editor, '"оплаты проверьте"').total == 0


def test_excluded_word_removes_documents(kb_index: str, editor: Reader) -> None:
    found = slugs(search(kb_index, editor, "возврат -карта -карту"))
    assert "refund-order" not in found and "card-refund-line2" not in found


@pytest.mark.parametrize("text", ['"возврат', "OR AND", "((( ", "-", "*?~" * 700, ""])
def test_malformed_queries_do_not_raise(kb_index: str, editor: Reader, text: str) -> None:
    assert isinstance(search(kb_index, editor, text), SearchResults)


def test_wrong_layout_is_switched(kb_index: str, editor: Reader) -> None:
    found = search(kb_index, editor, "djpdhfn pfrfpf")
    assert found.layout_switched == "возврат заказа"
    assert slugs(found)[0] == "refund-order"


def test_typo_is_corrected_and_offered(kb_index: str, editor: Reader) -> None:
    found = search(kb_index, editor, "доставкп")
    assert found.did_you_mean == "доставки" or found.did_you_mean == "доставка"
    assert "delivery-times" in slugs(found)


def test_fuzzy_words_find_one_edit_away(kb_index: str, editor: Reader) -> None:
    assert "delivery-times" in slugs(search(kb_index, editor, "курьеров самовывозм"))


def test_agent_never_sees_another_departments_document(
    kb_index: str, line1_agent: Reader, line2_agent: Reader, editor: Reader
) -> None:
    for text in ("возврат карту", "закрытую", '"второй линии"'):
        assert "card-refund-line2" not in slugs(search(kb_index, line1_agent, text))
    assert "card-refund-line2" in slugs(search(kb_index, line2_agent, "закрытую"))
    assert "card-refund-line2" in slugs(search(kb_index, editor, "закрытую"))


def test_total_counts_only_visible_documents(
    kb_index: str, line1_agent: Reader, editor: Reader
) -> None:
    assert search(kb_index, line1_agent, "возврат", limit=1).total == 1
    found = search(kb_index, editor, "возврат", limit=1)
    assert found.total == 2 and len(found.results) == 1


def test_agent_without_department_sees_only_everyones(kb_index: str) -> None:
    assert "card-refund-line2" not in slugs(search(kb_index, Reader(), "закрытую карту"))


def test_unpublished_documents_are_not_found(index_dir: str, editor: Reader) -> None:
    draft = make_document(slug="draft", title="Черновик", body="Секретный черновик", status="draft")
    write_documents(index_dir, [draft], [])
    assert search(index_dir, editor, "черновик").total == 0


def test_facets_narrow_the_results(kb_index: str, editor: Reader) -> None:
    assert slugs(search(kb_index, editor, "оплата", category="payments")) == ["qr-payment"]
    assert slugs(search(kb_index, editor, "refunds", kind="regulation")) == ["english-refunds"]
    assert "qr-payment" in slugs(search(kb_index, editor, "оплата", tag="QR"))
    assert slugs(search(kb_index, editor, "возврат", department="line2")) == ["card-refund-line2"]


def test_snippets_are_escaped_and_highlighted(kb_index: str, editor: Reader) -> None:
    hit = search(kb_index, editor, "вставляйте").results[0]
    assert "<mark>вставляйте</mark>" in hit.snippet_html
    assert "<script>" not in hit.snippet_html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in hit.snippet_html


def test_snippet_without_a_body_match_is_the_escaped_start(kb_index: str, editor: Reader) -> None:
    hit = search(kb_index, editor, "опасный").results[0]
    assert hit.snippet_html.startswith("Никогда не вставляйте &lt;script&gt;")
    assert "<mark>" not in hit.snippet_html


def test_updates_and_deletes_are_seen_by_the_cached_searcher(kb_index: str, editor: Reader) -> None:
    assert search(kb_index, editor, "доставка").total == 1
    changed = make_document(slug="delivery-times", title="Сроки", body="Только самовывоз.")
    write_documents(kb_index, [changed], ["refund-order"])
    assert search(kb_index, editor, "доставка").total == 0
    assert search(kb_index, editor, "самовывоз").total == 1
    assert search(kb_index, editor, '"возврат заказа"').total == 0


def test_total_counts_every_match_beyond_the_limit(index_dir: str, editor: Reader) -> None:
    # Once the top hits outscore anything "тариф" can add, Whoosh's matcher replacement
    # would stop reading its documents, and they would go uncounted.
    rare = [make_document(slug=f"s{n}", title="Склад", body="Склад " * n) for n in range(3)]
    common = [make_document(slug=f"t{n}", title=f"Тариф {n}", body="Прочее") for n in range(60)]
    last = make_document(slug="last", title="Склад", body="Склад")
    write_documents(index_dir, [*rare, *common, last], [])
    assert search(index_dir, editor, "склад тариф", limit=2).total == 64
    assert search(index_dir, editor, "тариф", limit=2).total == 60


def test_another_form_of_an_indexed_word_is_not_corrected(kb_index: str, editor: Reader) -> None:
    found = search(kb_index, editor, "возвратами")
    assert found.did_you_mean is None and "refund-order" in slugs(found)


def test_swapped_letters_are_corrected(kb_index: str, editor: Reader) -> None:
    found = search(kb_index, editor, "дотсавка")
    assert found.did_you_mean == "доставка" and slugs(found) == ["delivery-times"]
