"""Article Markdown: what survives sanitising, heading ids, the toc and article links."""

from __future__ import annotations

import pytest

from lms.kb.markdown import Heading, plain_text, render_markdown, slugify


def html_of(text: str) -> str:
    return render_markdown(text).html


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "Text <script type='text/javascript'>alert(1)</script> more",
        "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
        "<style>body { display: none }</style>",
        "<iframe src='https://evil.example'></iframe>",
        "<object data='x.swf'></object><embed src='x.swf'>",
    ],
)
def test_script_style_and_frames_are_removed_with_their_content(source: str) -> None:
    html = html_of(source).lower()
    for forbidden in ("<script", "alert", "<style", "display", "<iframe", "<object", "<embed"):
        assert forbidden not in html


@pytest.mark.parametrize(
    "source",
    [
        '<img src="x.png" onerror="alert(1)">',
        "<p onclick='alert(1)'>hi</p>",
        '<a href="/x" onmouseover="alert(1)">x</a>',
        "## Step {onclick='alert(1)'}",
        "<svg onload=alert(1)></svg>",
    ],
)
def test_event_handlers_are_removed(source: str) -> None:
    html = html_of(source).lower()
    assert " on" not in html
    assert "alert" not in html


@pytest.mark.parametrize(
    "source",
    [
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](&#106;avascript:alert(1))",
        '<a href="&#106;avascript:alert(1)">x</a>',
        '<a href="&#x6A;avascript&#58;alert(1)">x</a>',
        '<a href="java&#x09;script:alert(1)">x</a>',
        '<a href=" javascript:alert(1)">x</a>',
        "[x](vbscript:msgbox(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
    ],
)
def test_dangerous_link_schemes_lose_their_href(source: str) -> None:
    html = html_of(source)
    assert "href" not in html
    assert ">x</a>" in html


@pytest.mark.parametrize(
    "source",
    ["![pic](data:image/png;base64,iVBORw0KGgo=)", '<img src="data:image/svg+xml,<svg/>">'],
)
def test_data_images_lose_their_src(source: str) -> None:
    html = html_of(source)
    assert "<img" in html
    assert "src" not in html
    assert "data:" not in html


def test_safe_links_and_images_are_kept_with_rel() -> None:
    html = html_of(
        "[a](https://example.com/a) [b](/kb/local-page) [c](mailto:help@example.com) "
        '![pic](/static/kb/1.png "Схема")'
    )
    assert '<a href="https://example.com/a" rel="noopener noreferrer">a</a>' in html
    assert 'href="mailto:help@example.com"' in html
    assert '<img alt="pic" src="/static/kb/1.png" title="Схема">' in html


def test_class_and_style_attributes_are_dropped_but_code_language_kept() -> None:
    html = html_of('<span class="btn" style="color:red">x</span>\n\n```python\nx = 1\n```')
    assert "<span>x</span>" in html
    assert '<code class="language-python">' in html
    assert "style" not in html


def test_tables_keep_their_alignment() -> None:
    html = html_of("| Срок | Дни |\n|:-----|----:|\n| возврат | 14 |")
    assert '<th align="left">Срок</th>' in html
    assert '<td align="right">14</td>' in html
    assert "<thead>" in html
    assert "<tbody>" in html


def test_code_blocks_are_escaped() -> None:
    html = html_of("```\n<script>alert(1)</script>\n```\n\nInline `<b>`")
    assert "<pre><code>&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<code>&lt;b&gt;</code>" in html


def test_cyrillic_headings_get_readable_ids_and_a_toc() -> None:
    rendered = render_markdown(
        "# Возврат заказа\n\n## Шаг 1: проверить оплату\n\n### Детали `API`\n\n"
        "## Подтверждение {#confirm}\n\n## Шаг 1: проверить оплату"
    )
    assert '<h1 id="возврат-заказа">Возврат заказа</h1>' in rendered.html
    assert '<h2 id="confirm">Подтверждение</h2>' in rendered.html
    assert rendered.toc == [
        Heading(1, "возврат-заказа", "Возврат заказа"),
        Heading(2, "шаг-1-проверить-оплату", "Шаг 1: проверить оплату"),
        Heading(3, "детали-api", "Детали API"),
        Heading(2, "confirm", "Подтверждение"),
        Heading(2, "шаг-1-проверить-оплату_1", "Шаг 1: проверить оплату"),
    ]
    assert rendered.heading_count == 5


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Шаг 1: приветствие", "шаг-1-приветствие"),
        ("  Ёлка — и  ещё  ", "ёлка-и-ещё"),
        ("Refund Policy (2024)", "refund-policy-2024"),
        ("snake_case stays", "snake_case-stays"),
        ("!!!", ""),
    ],
)
def test_slugify(text: str, slug: str) -> None:
    assert slugify(text) == slug


def test_article_links_are_resolved_and_broken_ones_reported() -> None:
    known = {"refund-online": "/kb/returns/refund-online"}
    rendered = render_markdown(
        "See [refunds](kb:refund-online), [the same](/kb/refund-online#steps), "
        "[gone](kb:old-article), [gone again](/kb/old-article) and [other](kb:missing).",
        link_resolver=known.get,
    )
    assert '<a href="/kb/returns/refund-online" rel="noopener noreferrer">refunds</a>' in (
        rendered.html
    )
    assert 'href="/kb/returns/refund-online#steps"' in rendered.html
    assert '<span class="broken-link">gone</span>' in rendered.html
    assert '<span class="broken-link">other</span>' in rendered.html
    assert rendered.broken_links == ["old-article", "missing"]


def test_without_a_resolver_article_links_point_to_kb() -> None:
    rendered = render_markdown("[x](kb:refund-online)")
    assert 'href="/kb/refund-online"' in rendered.html
    assert rendered.broken_links == []


def test_ordinary_links_are_not_passed_to_the_resolver() -> None:
    asked: list[str] = []
    render_markdown(
        "[a](https://example.com/kb/x) [b](#anchor) [c](/kbase/x)",
        link_resolver=lambda slug: asked.append(slug) or None,
    )
    assert asked == []


def test_plain_text_drops_markup_and_scripts() -> None:
    text = plain_text(
        "# Заголовок {#top}\n\nПервый **абзац**\nпродолжается.\n\n- один\n- [два](/x)\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n<script>alert(1)</script>"
    )
    assert text == "Заголовок\nПервый абзац продолжается.\nодин\nдва\na b\n1 2"
