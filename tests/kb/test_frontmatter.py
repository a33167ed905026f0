"""Front matter of knowledge-base files: parsing, checking with exact lines, round trips."""

from __future__ import annotations

import pytest

from lms.errors import ServiceError
from lms.kb.frontmatter import (
    ArticleMeta,
    DocumentError,
    dump_document,
    parse_document,
    validate_article_meta,
)

FILENAME = "kb/returns/refund.md"
ARTICLE = """---
title: Возврат заказа, оплаченного онлайн
kind: article
tags: [Возврат, оплата, возврат]
departments: [support]
skills: [returns]
owner: editor@example.com
review_every_days: 90
lang: ru
---
Markdown body.

Second paragraph.
"""


def parse(text: str) -> ArticleMeta:
    return validate_article_meta(parse_document(text, filename=FILENAME))


def error_of(text: str) -> DocumentError:
    with pytest.raises(DocumentError) as caught:
        parse(text)
    return caught.value


def test_a_full_article() -> None:
    doc = parse_document(ARTICLE, filename=FILENAME)
    assert doc.body == "Markdown body.\n\nSecond paragraph.\n"
    assert doc.body_line == 11
    assert doc.field_lines == {
        "title": 2,
        "kind": 3,
        "tags": 4,
        "departments": 5,
        "skills": 6,
        "owner": 7,
        "review_every_days": 8,
        "lang": 9,
    }
    assert validate_article_meta(doc) == ArticleMeta(
        title="Возврат заказа, оплаченного онлайн",
        kind="article",
        tags=["возврат", "оплата"],
        departments=["support"],
        skills=["returns"],
        owner="editor@example.com",
        review_every_days=90,
        lang="ru",
        status="published",
    )


def test_defaults() -> None:
    meta = parse("---\ntitle: Коротко\n---\n")
    assert meta == ArticleMeta(title="Коротко")
    assert (meta.kind, meta.tags, meta.departments, meta.skills) == ("article", [], [], [])
    assert (meta.review_every_days, meta.lang, meta.status) == (90, "ru", "published")
    assert meta.owner is None
    assert meta.translation_of is None


def test_bom_and_crlf_are_accepted() -> None:
    doc = parse_document("\ufeff---\r\ntitle: X\r\nkind: script\r\n---\r\nBody\r\n", filename="x")
    assert doc.meta == {"title": "X", "kind": "script"}
    assert doc.field_lines == {"title": 2, "kind": 3}
    assert doc.body == "Body\n"


def test_the_error_message_names_file_line_and_field() -> None:
    error = error_of("---\ntitle: X\n# comment\nkind: artcle\n---\n")
    expected = (
        "kb/returns/refund.md, line 4, field kind: unknown kind “artcle”; "
        "expected one of article, script, template, regulation."
    )
    assert str(error) == expected
    assert error.message == expected
    assert (error.filename, error.line, error.field) == (FILENAME, 4, "kind")
    assert error.problem.startswith("unknown kind")
    assert isinstance(error, ServiceError)


@pytest.mark.parametrize(
    ("text", "line", "field", "words"),
    [
        ("title: X\n---\n", 1, None, "must start with front matter"),
        ("", 1, None, "must start with front matter"),
        ("---\ntitle: X\nBody without the closing line\n", 1, None, "never closed"),
        ("---\n- a\n- b\n---\n", 2, None, "“key: value” lines"),
        ("---\njust a sentence\n---\n", 2, None, "“key: value” lines"),
        ("---\ntitle: X\ntags: [a, b\nkind: article\n---\n", 4, "kind", "not valid YAML"),
        ("---\ntitle: X\nkind: article: x\n---\n", 3, "kind", "not valid YAML"),
        ("---\ntitle: X\nowner: a@b.c\n  lang: ru\n---\n", 4, "owner", "not valid YAML"),
        ("---\ntitle: X\nfoo: !!python/object:os.system x\n---\n", 3, "foo", "not valid YAML"),
        ("---\ntitle: X\n\n\ntitle: Y\n---\n", 5, "title", "given twice (first on line 2)"),
        ("---\ntitle: X\n2024: Y\n---\n", 3, "2024", "field names must be words"),
    ],
)
def test_structure_errors(text: str, line: int, field: str | None, words: str) -> None:
    error = error_of(text)
    assert (error.line, error.field) == (line, field)
    assert words in error.problem
    assert str(error).startswith(f"{FILENAME}, line {line}")


@pytest.mark.parametrize(
    ("front", "line", "field", "words"),
    [
        ("kind: article", 1, "title", "title is missing"),
        ("title: ''", 2, "title", "must not be empty"),
        ("title: 123", 2, "title", "must be text"),
        ("title: " + "я" * 201, 2, "title", "longer than 200"),
        ("title: X\nkind: artcle", 3, "kind", "unknown kind “artcle”"),
        ("title: X\ntags: возврат", 3, "tags", "must be a list"),
        ("title: X\ntags: [a, [b]]", 3, "tags", "non-empty text"),
        ("title: X\ntags: [a, 2024]", 3, "tags", "non-empty text"),
        ("title: X\ntags: ['" + "t" * 51 + "']", 3, "tags", "longer than 50"),
        ("title: X\ndepartments: support", 3, "departments", "must be a list"),
        ("title: X\nskills: [Возвраты]", 3, "skills", "is not a code"),
        ("title: X\nowner: editor", 3, "owner", "e-mail"),
        ("title: X\nreview_every_days: 0", 3, "review_every_days", "from 1 to 3650"),
        ("title: X\nreview_every_days: 3651", 3, "review_every_days", "from 1 to 3650"),
        ("title: X\nreview_every_days: '90'", 3, "review_every_days", "whole number"),
        ("title: X\nreview_every_days: true", 3, "review_every_days", "whole number"),
        ("title: X\nlang: de", 3, "lang", "unknown lang “de”; expected one of ru, en."),
        ("title: X\nstatus: live", 3, "status", "expected one of draft, published, archived"),
        ("title: X\ntranslation_of: Bad slug", 3, "translation_of", "slug of an article"),
        ("title: X\n\ncategory: returns", 4, "category", "unknown field “category”"),
    ],
)
def test_field_errors(front: str, line: int, field: str, words: str) -> None:
    error = error_of(f"---\n{front}\n---\nBody\n")
    assert (error.line, error.field) == (line, field)
    assert words in error.problem


def test_the_first_problem_in_the_file_is_reported() -> None:
    error = error_of("---\ntitle: X\nlang: de\nunknown: 1\nkind: artcle\n---\n")
    assert (error.line, error.field) == (3, "lang")


def test_empty_lists_and_nulls_mean_defaults() -> None:
    meta = parse(
        "---\ntitle: X\ntags:\ndepartments: []\nowner:\ntranslation_of: refund-online\n---\n"
    )
    assert meta.tags == []
    assert meta.departments == []
    assert meta.owner is None
    assert meta.translation_of == "refund-online"


def test_dump_writes_keys_in_the_usual_order_and_lists_in_flow_style() -> None:
    text = dump_document(
        {
            "lang": "ru",
            "tags": ["возврат", "оплата"],
            "title": "Возврат: заказ",
            "owner": None,
            "skills": [],
            "kind": "template",
        },
        "Тело\n",
    )
    assert text == (
        "---\n"
        "title: 'Возврат: заказ'\n"
        "kind: template\n"
        "tags: [возврат, оплата]\n"
        "skills: []\n"
        "lang: ru\n"
        "---\n"
        "Тело\n"
    )


@pytest.mark.parametrize(
    "text",
    [
        ARTICLE,
        "---\ntitle: 'yes'\nkind: script\ntags: ['2024', 'a: b', 'ёж']\nstatus: draft\n---\n## A",
        "---\ntitle: \"Кавычки «ёлочки» и 'апостроф'\"\nreview_every_days: 3650\n---\n",
        "---\ntitle: X\ntranslation_of: refund-online\nlang: en\n---\n\n\nBody after blanks\n",
    ],
)
def test_parse_dump_parse_round_trip(text: str) -> None:
    first = parse_document(text, filename=FILENAME)
    dumped = dump_document(first.meta, first.body)
    second = parse_document(dumped, filename=FILENAME)
    assert second.meta == first.meta
    assert second.body == first.body
    assert validate_article_meta(second) == validate_article_meta(first)
    assert dump_document(second.meta, second.body) == dumped


def test_dumping_checked_meta_round_trips() -> None:
    meta = parse(ARTICLE)
    again = parse(dump_document(meta.as_meta(), "Body\n"))
    assert again == meta
