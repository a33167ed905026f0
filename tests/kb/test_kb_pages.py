"""Reading pages: rendered and sanitised articles, navigation, templates, feedback, the
editor's preview and image upload, categories, and queries that do not grow with content."""

from __future__ import annotations

import io
import re
import struct
import zlib
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from lms.auth.models import User
from lms.gaps.models import ArticleFeedback
from lms.kb.models import Category, KbImage
from tests.conftest import Browser
from tests.kb.conftest import (
    SCRIPT_BODY,
    ArticleRef,
    html_of,
    links_in,
    prose,
    section,
    text_of,
)

THREE_HEADINGS = "## First step\n\nGreet.\n\n## Second step\n\nAsk.\n\n### Details\n\nMore.\n"
TWO_HEADINGS = "## First step\n\nGreet.\n\n## Second step\n\nAsk.\n"


@pytest.fixture
def reader(sign_in: Callable[[User], Browser], agent1: User) -> Browser:
    return sign_in(agent1)


@pytest.fixture
def editor_browser(sign_in: Callable[[User], Browser], editor: User) -> Browser:
    return sign_in(editor)


def toc(page: str) -> str:
    return section(page, '<nav class="toc', "</nav>")


# Rendering --------------------------------------------------------------------------------


def test_the_article_page_renders_markdown_with_a_table_of_contents(make_article, reader):
    ref = make_article("greeting", "Greeting", THREE_HEADINGS + "\nSay **hello**.\n")
    page = html_of(reader.get(f"/kb/{ref.slug}"))
    body = prose(page)
    assert '<h2 id="first-step">First step</h2>' in body
    assert '<h3 id="details">Details</h3>' in body
    assert "<strong>hello</strong>" in body
    contents = toc(page)
    assert [h for h in re.findall(r'href="#([^"]+)"', contents)] == [
        "first-step",
        "second-step",
        "details",
    ]


def test_no_table_of_contents_below_three_headings(make_article, reader):
    ref = make_article("short", "Short", TWO_HEADINGS)
    page = html_of(reader.get(f"/kb/{ref.slug}"))
    assert '<h2 id="second-step">' in prose(page)
    assert toc(page) == ""


def test_breadcrumbs_lead_through_the_category_tree(make_category, make_article, reader):
    make_category("clients", "Clients")
    make_category("vip", "VIP clients", parent="clients")
    ref = make_article("vip-refunds", "VIP refunds", category="vip")
    page = html_of(reader.get(f"/kb/{ref.slug}"))
    crumbs = section(page, '<nav aria-label="Breadcrumbs"', "</nav>")
    assert links_in(crumbs) == ["/kb", "/kb/c/clients", "/kb/c/vip"]
    assert crumbs.index("Clients") < crumbs.index("VIP clients")
    # The category page carries the same trail and lists the article (also from the parent).
    assert links_in(section(html_of(reader.get("/kb/c/vip")), "Breadcrumbs", "</nav>")) == [
        "/kb",
        "/kb/c/clients",
        "/kb/c/vip",
    ]
    assert ref.title in text_of(reader.get("/kb/c/clients"))


def test_tags_link_to_tag_pages_that_list_the_tagged_articles(make_article, reader):
    ref = make_article("late", "Late parcel", tags=["delivery", "доставка"])
    make_article("other", "Unrelated", tags=["billing"])
    page = html_of(reader.get(f"/kb/{ref.slug}"))
    meta = section(page, '<p class="meta">', "</p>")
    assert {"/kb/tag/delivery", "/kb/tag/%D0%B4%D0%BE%D1%81%D1%82%D0%B0%D0%B2%D0%BA%D0%B0"} <= set(
        links_in(meta)
    )
    for tag in ("delivery", "доставка"):
        listing = text_of(reader.get(f"/kb/tag/{tag}"))
        assert ref.title in listing and "Unrelated" not in listing


def test_related_articles_share_a_tag(make_category, make_article, reader):
    make_category("clients", "Clients")
    ref = make_article("parcel-lost", "Lost parcel", tags=["delivery"])
    make_article("parcel-late", "Late parcel", category="clients", tags=["delivery"])
    make_article("vip-greeting", "VIP greeting", category="clients", tags=["vip"])
    related = section(html_of(reader.get(f"/kb/{ref.slug}")), 'id="h-related"')
    assert "/kb/parcel-late" in links_in(related)
    assert "VIP greeting" not in related
    assert "Lost parcel" not in related  # not itself


def test_the_print_view_shows_the_article_without_the_page_chrome(make_article, reader):
    ref = make_article("printable", "Printable rules", THREE_HEADINGS)
    page = html_of(reader.get(f"/kb/{ref.slug}/print"))
    assert "<h1>Printable rules</h1>" in page
    assert '<h2 id="first-step">First step</h2>' in page
    assert "<form" not in page and "<nav" not in page
    assert "Orders" in page  # the category


# Sanitising -------------------------------------------------------------------------------


HOSTILE = """## Careful

<script>alert("s1")</script>

<img src="/kb/images/x.png" onerror="alert('s2')">

[click me](javascript:alert('s3'))

<a href="javascript:alert('s4')">raw link</a>

Normal **bold** text.
"""


@pytest.mark.parametrize("suffix", ["", "/print"])
def test_the_sanitiser_removes_script_from_article_pages(suffix, make_article, reader):
    ref = make_article("hostile", "Hostile", HOSTILE)
    page = html_of(reader.get(f"/kb/{ref.slug}{suffix}"))
    for bad in ("<script>alert", "onerror", "javascript:", "alert("):
        assert bad not in page, bad
    assert "<strong>bold</strong>" in page
    assert "click me" in page and "raw link" in page


def test_article_links_resolve_and_broken_ones_are_marked(make_article, reader):
    make_article("other-article", "Other article")
    ref = make_article(
        "linking", "Linking", "See [the other](kb:other-article) and [gone](kb:no-such-article)."
    )
    body = prose(html_of(reader.get(f"/kb/{ref.slug}")))
    assert re.search(r'<a href="/kb/other-article"[^>]*>the other</a>', body)
    assert '<span class="broken-link">gone</span>' in body
    assert "/kb/no-such-article" not in body


def test_a_template_escapes_the_values_from_the_address(make_article, reader):
    ref = make_article(
        "hello-template", "Hello template", "Hello, {{name}}! Order {{order|N}}.", kind="template"
    )
    response = reader.get(f"/kb/{ref.slug}", query_string={"f_name": "<script>alert(1)</script>"})
    page = html_of(response)
    assert "<script>alert" not in page
    filled = section(page, 'id="filled-text"', "</div>")
    assert "Hello, &lt;script&gt;alert(1)&lt;/script&gt;! Order N." in filled
    assert 'value="&lt;script&gt;alert(1)&lt;/script&gt;"' in page
    assert 'name="f_order"' in page


# Feedback ---------------------------------------------------------------------------------


def feedback_rows(in_app: Callable[..., Any]) -> list[tuple[int, int, bool, str]]:
    query = sa.select(
        ArticleFeedback.revision_id,
        ArticleFeedback.user_id,
        ArticleFeedback.helpful,
        ArticleFeedback.comment,
    ).order_by(ArticleFeedback.id)
    return in_app(lambda s: [tuple(row) for row in s.execute(query)])


def live_revision_id(in_app: Callable[..., Any], ref: ArticleRef) -> int:
    from lms.kb.models import Article

    return in_app(lambda s: s.get(Article, ref.id).live_revision_id)


def test_feedback_is_one_changeable_answer_per_reader_and_revision(
    make_article, revise, reader, agent1, in_app
):
    ref = make_article("answer", "Answer")
    url, page_url = f"/kb/{ref.slug}/feedback", f"/kb/{ref.slug}"
    first = live_revision_id(in_app, ref)
    response = reader.post(url, {"helpful": "yes"}, form_url=page_url)
    assert response.headers["Location"].endswith("#feedback")
    assert feedback_rows(in_app) == [(first, agent1.id, True, "")]
    assert "You answered “Yes” for this version." in text_of(reader.get(page_url))
    reader.post(url, {"helpful": "no", "comment": "No phone number"}, form_url=page_url)
    assert feedback_rows(in_app) == [(first, agent1.id, False, "No phone number")]
    # A new revision: the reader may answer again, and the old answer stays.
    revise(ref.slug, body="With the phone number.")
    second = live_revision_id(in_app, ref)
    assert "You answered" not in text_of(reader.get(page_url))
    reader.post(url, {"helpful": "yes"}, form_url=page_url)
    assert feedback_rows(in_app) == [
        (first, agent1.id, False, "No phone number"),
        (second, agent1.id, True, ""),
    ]


def test_feedback_needs_an_answer(make_article, reader, in_app):
    ref = make_article("answer", "Answer")
    reader.post(f"/kb/{ref.slug}/feedback", {"comment": "?"}, form_url=f"/kb/{ref.slug}")
    assert feedback_rows(in_app) == []


def test_editors_see_the_counts_and_readers_do_not(
    make_article, reader, person, line1, sign_in, editor_browser
):
    ref = make_article("answer", "Answer")
    page_url = f"/kb/{ref.slug}"
    reader.post(f"{page_url}/feedback", {"helpful": "no"}, form_url=page_url)
    sign_in(person("agent", line1)).post(
        f"{page_url}/feedback", {"helpful": "yes"}, form_url=page_url
    )
    sign_in(person("agent", line1)).post(
        f"{page_url}/feedback", {"helpful": "yes"}, form_url=page_url
    )
    assert "Readers of this version: 2 yes, 1 no." in text_of(editor_browser.get(page_url))
    assert "Readers of this version" not in text_of(reader.get(page_url))


# Preview and images -----------------------------------------------------------------------


def test_the_preview_returns_sanitised_html(kb_category, editor_browser):
    response = editor_browser.post(
        "/kb/preview", {"body": HOSTILE + "\n[x](kb:nowhere)"}, form_url="/kb"
    )
    result = response.get_json()
    for bad in ("<script", "onerror", "javascript:", "alert("):
        assert bad not in result["html"], bad
    assert "<strong>bold</strong>" in result["html"]
    assert result["broken_links"] == ["nowhere"]
    assert result["warnings"] == []


def test_the_preview_warns_about_script_problems(kb_category, editor_browser):
    unreachable = SCRIPT_BODY + "\n## Orphan {#orphan}\nNobody comes here.\n"
    result = editor_browser.post(
        "/kb/preview", {"body": unreachable, "kind": "script"}, form_url="/kb"
    ).get_json()
    assert len(result["warnings"]) == 1 and "orphan" in result["warnings"][0]
    broken = "## Start {#start}\n- [Go](#missing)\n"
    result = editor_browser.post(
        "/kb/preview", {"body": broken, "kind": "script"}, form_url="/kb"
    ).get_json()
    assert any("missing" in w for w in result["warnings"])


def tiny_png() -> bytes:
    """A valid 1×1 PNG, built by hand."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def upload(browser: Browser, data: bytes, name: str) -> Any:
    return browser.post(
        "/kb/images",
        {"image": (io.BytesIO(data), name)},
        form_url="/kb",
        content_type="multipart/form-data",
    )


def image_names(in_app: Callable[..., Any]) -> list[str]:
    return in_app(lambda s: list(s.scalars(sa.select(KbImage.stored_name))))


def test_an_uploaded_png_is_stored_and_served(upload_dir, editor_browser, reader, in_app):
    png = tiny_png()
    response = upload(editor_browser, png, "parcel.png")
    assert response.status_code == 200
    result = response.get_json()
    [stored] = image_names(in_app)
    assert result["url"] == f"/kb/images/{stored}"
    assert result["markdown"] == f"![parcel.png](/kb/images/{stored})"
    assert (upload_dir / stored).read_bytes() == png
    served = reader.get(result["url"])
    assert served.data == png
    assert served.mimetype == "image/png"


def test_a_text_file_named_png_is_refused_by_name(upload_dir, editor_browser, in_app):
    response = upload(editor_browser, b"just some notes\n", "notes.png")
    assert response.status_code == 400
    assert "notes.png" in response.get_json()["error"]
    assert image_names(in_app) == []
    assert not upload_dir.exists() or list(upload_dir.iterdir()) == []


def test_an_oversized_image_is_refused(upload_dir, editor_browser, in_app):
    big = tiny_png() + b"\x00" * (2 * 1024 * 1024)
    response = upload(editor_browser, big, "huge.png")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert "huge.png" in error and "2 MB" in error
    assert image_names(in_app) == []


def test_agents_cannot_upload_and_unknown_images_are_not_found(upload_dir, reader, in_app):
    assert upload(reader, tiny_png(), "x.png").status_code == 403
    assert image_names(in_app) == []
    assert reader.get("/kb/images/nothing.png").status_code == 404


# Categories -------------------------------------------------------------------------------


def categories_in_db(in_app: Callable[..., Any]) -> dict[str, tuple[str, str | None]]:
    def load(session: Any) -> dict[str, tuple[str, str | None]]:
        found = session.scalars(sa.select(Category))
        return {c.slug: (c.name, c.parent.slug if c.parent else None) for c in found}

    return in_app(load)


def category_form(slug: str, name: str, parent: int | None = None) -> dict[str, str]:
    return {"slug": slug, "name": name, "name_en": "", "parent": str(parent or "")}


def test_an_editor_creates_a_category(kb_category, editor_browser, in_app, reader):
    response = editor_browser.post("/kb/categories", category_form("clients", "Clients"))
    assert response.status_code == 302
    assert categories_in_db(in_app)["clients"] == ("Clients", None)
    assert "/kb/c/clients" in links_in(html_of(reader.get("/kb")))


def test_a_duplicate_category_slug_is_refused_on_its_field(kb_category, editor_browser, in_app):
    response = editor_browser.post("/kb/categories", category_form("orders", "Orders again"))
    assert response.status_code == 400
    error = section(text_of(response), 'id="slug-error"', "</p>")
    assert "“orders” is already taken." in error
    assert categories_in_db(in_app) == {"orders": ("Orders", None)}


def test_a_category_cannot_move_under_its_own_child(make_category, editor_browser, in_app):
    parent_id = make_category("clients", "Clients")
    child_id = make_category("vip", "VIP", parent="clients")
    make_category("gold", "Gold", parent="vip")
    grandchild_id = in_app(
        lambda s: s.scalar(sa.select(Category.id).where(Category.slug == "gold"))
    )
    for below in (child_id, grandchild_id):
        response = editor_browser.post(
            f"/kb/categories/{parent_id}", category_form("clients", "Clients", below)
        )
        assert response.status_code == 400
        assert "cannot be placed inside itself" in section(
            text_of(response), 'id="parent-error"', "</p>"
        )
    assert categories_in_db(in_app)["clients"] == ("Clients", None)
    assert categories_in_db(in_app)["vip"] == ("VIP", "clients")


def test_agents_cannot_manage_categories(kb_category, reader, in_app):
    assert reader.post("/kb/categories", category_form("x", "X"), form_url="/kb").status_code == 403
    assert set(categories_in_db(in_app)) == {"orders"}


# Query counts -----------------------------------------------------------------------------


def add_articles(make_article: Callable[..., ArticleRef], start: int, stop: int, owner: str):
    for n in range(start, stop):
        make_article(
            f"bulk-{n}",
            f"Bulk article {n}",
            f"## One\n\n## Two\n\n## Three\n\n[link](kb:bulk-{max(n - 1, 0)})",
            tags=["bulk", f"tag-{n % 4}"],
            departments=["line1"] if n % 2 else [],
            owner=owner,
        )


def test_queries_do_not_grow_with_the_number_of_articles(
    make_article, reader, editor_browser, editor, count_queries
):
    add_articles(make_article, 0, 3, editor.email)
    pages = ("/kb", "/kb/c/orders", "/kb/tag/bulk", "/kb/bulk-1")

    def measure(browser: Browser) -> dict[str, int]:
        counts = {}
        for url in pages:
            assert browser.get(url).status_code == 200  # warm up
            counts[url] = count_queries(lambda url=url: browser.get(url))
        return counts

    few = {"agent": measure(reader), "editor": measure(editor_browser)}
    add_articles(make_article, 3, 25, editor.email)
    many = {"agent": measure(reader), "editor": measure(editor_browser)}
    assert "Bulk article 24" in text_of(reader.get("/kb/c/orders"))
    assert many == few
