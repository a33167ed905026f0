"""Knowledge-base fixtures: departments, people, a category and an article factory.

Content is created through the services (``save_revision``), as editors and the file sync
create it; tests then read it back through the pages as the people they made. Every user
reads the interface in English, so assertions on page text do not depend on the catalogue.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from lms import cache
from lms.auth.models import Department, User
from lms.extensions import db
from lms.kb import services
from lms.kb.categories import save_category
from lms.kb.models import Article, ArticleRevision, Category
from lms.kb.services import ArticleData
from tests import english_people
from tests.conftest import Browser

# People reading in English, shared with the other page tests' conftest.
users, line1, line2, person = (
    english_people.users,
    english_people.line1,
    english_people.line2,
    english_people.person,
)

SCRIPT_BODY = """Opening words.

## Greeting {#start}
Say hello.
- [The customer has an order](#order)
- [Just a question](#answer)

## Order {#order}
Ask for the order number.
- [Found it](#done)

## Answer {#answer}
Answer and say goodbye.

## Done {#done}
Thank the customer.
"""


@dataclass(frozen=True)
class ArticleRef:
    """What a test needs to find an article again: plain values, no session."""

    id: int
    slug: str
    title: str


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    """Per-process caches are keyed by ids, which a rolled-back test hands out again."""
    cache.clear_all()
    yield
    cache.clear_all()


# Reading pages ----------------------------------------------------------------------------


def html_of(response: Any) -> str:
    return response.get_data(as_text=True)


def text_of(response: Any) -> str:
    """The page with entities decoded (titles with quotes, Cyrillic in URLs stay readable)."""
    return html_lib.unescape(html_of(response))


def section(page: str, start: str, end: str = "</section>") -> str:
    """The part of ``page`` from ``start`` to the next ``end`` ("" when absent)."""
    begin = page.find(start)
    if begin < 0:
        return ""
    stop = page.find(end, begin)
    return page[begin : stop if stop >= 0 else len(page)]


def prose(page: str) -> str:
    """The rendered article body of an article page."""
    return section(page, '<div class="prose">', "</div>")


def post_json(browser: Browser, url: str, payload: dict[str, Any] | None = None) -> Any:
    """A JSON POST as the page's script sends it: the CSRF token in a header."""
    token = browser.token("/kb")
    return browser.client.post(url, json=payload or {}, headers={"X-CSRFToken": token})


# Reading the database ---------------------------------------------------------------------


@pytest.fixture
def in_app(app: Flask) -> Callable[[Callable[[Any], Any]], Any]:
    """Run ``fn(session)`` in a request context of its own, committing what it changed."""

    def run(fn: Callable[[Any], Any]) -> Any:
        with app.test_request_context():
            result = fn(db.session)
            db.session.commit()
            return result

    return run


@pytest.fixture
def revision_rows(in_app: Callable[..., Any]) -> Callable[[str], list[dict[str, Any]]]:
    """An article's revisions as plain dicts, oldest first."""

    def rows(slug: str) -> list[dict[str, Any]]:
        def load(session: Any) -> list[dict[str, Any]]:
            article = session.scalar(sa.select(Article).where(Article.slug == slug))
            found = session.scalars(
                sa.select(ArticleRevision)
                .where(ArticleRevision.article_id == article.id)
                .order_by(ArticleRevision.number)
            )
            return [
                {
                    "id": r.id,
                    "number": r.number,
                    "state": r.state,
                    "title": r.title,
                    "body": r.body,
                    "author_id": r.author_id,
                    "restored_from": r.restored_from,
                    "review_comment": r.review_comment,
                    "reviewed_by_id": r.reviewed_by_id,
                    "live": article.live_revision_id == r.id,
                }
                for r in found
            ]

        return in_app(load)

    return rows


# People -----------------------------------------------------------------------------------


@pytest.fixture
def agent1(person: Callable[..., User], line1: Department) -> User:
    return person("agent", line1, name="Anna Firstline")


@pytest.fixture
def agent2(person: Callable[..., User], line2: Department) -> User:
    return person("agent", line2, name="Boris Secondline")


@pytest.fixture
def editor(person: Callable[..., User]) -> User:
    return person("editor", name="Elena Editor")


@pytest.fixture
def sign_in(app: Flask) -> Callable[[User], Browser]:
    """A signed-in browser (a fresh client) for any user."""

    def browser_for(user: User) -> Browser:
        browser = Browser(app.test_client())
        response = browser.login(user.email)
        assert response.status_code == 302, html_of(response)
        return browser

    return browser_for


# Content ----------------------------------------------------------------------------------


@pytest.fixture
def make_category(in_app: Callable[..., Any]) -> Callable[..., int]:
    """``make_category(slug, name, parent=slug)``: the new category's id."""

    def make(slug: str, name: str, *, parent: str | None = None) -> int:
        def create(session: Any) -> int:
            above = session.scalar(sa.select(Category).where(Category.slug == parent))
            return save_category(session, slug=slug, name=name, parent=above).id

        return in_app(create)

    return make


@pytest.fixture
def kb_category(make_category: Callable[..., int]) -> str:
    make_category("orders", "Orders")
    return "orders"


@pytest.fixture
def make_article(
    in_app: Callable[..., Any],
    editor: User,
    kb_category: str,
    line1: Department,
    line2: Department,
) -> Callable[..., ArticleRef]:
    """Create an article through ``save_revision``; published by the editor unless told.

    The departments ``line1`` and ``line2`` exist, so articles can be meant for them.
    """

    def make(
        slug: str,
        title: str | None = None,
        body: str = "Some text.",
        *,
        action: str = "publish",
        author: User | None = None,
        **fields: Any,
    ) -> ArticleRef:
        data = ArticleData(
            slug=slug,
            title=title or slug.replace("-", " ").title(),
            body=body,
            category=fields.pop("category", kb_category),
            **fields,
        )

        def create(session: Any) -> ArticleRef:
            who = session.merge(author or editor)
            revision = services.save_revision(session, data, author=who, action=action)
            return ArticleRef(revision.article.id, revision.article.slug, data.title)

        return in_app(create)

    return make


@pytest.fixture
def revise(in_app: Callable[..., Any], editor: User) -> Callable[..., int]:
    """Save a new revision of an article from its latest one with some fields changed."""

    def save(
        slug: str, *, action: str = "publish", author: User | None = None, **changes: Any
    ) -> int:
        def write(session: Any) -> int:
            article = session.scalar(sa.select(Article).where(Article.slug == slug))
            latest = session.scalar(
                sa.select(ArticleRevision)
                .where(ArticleRevision.article_id == article.id)
                .order_by(ArticleRevision.number.desc())
                .limit(1)
            )
            data = ArticleData.from_revision(article, latest)
            for name, value in changes.items():
                setattr(data, name, value)
            who = session.merge(author or editor)
            return services.save_revision(
                session, data, author=who, action=action, article=article
            ).number

        return in_app(write)

    return save


@pytest.fixture
def article_form(kb_category: str) -> Callable[..., dict[str, Any]]:
    """The editor form's fields for an article, as a browser sends them."""

    def form(slug: str, title: str, body: str, action: str, **overrides: Any) -> dict[str, Any]:
        data = {
            "title": title,
            "slug": slug,
            "kind": "article",
            "category": kb_category,
            "tags": "",
            "owner": "",
            "review_every_days": "90",
            "lang": "ru",
            "translation_of": "",
            "body": body,
            "comment": "",
            "action": action,
        }
        data.update(overrides)
        return data

    return form


# Configuration ----------------------------------------------------------------------------


@pytest.fixture
def no_csrf(app: Flask) -> Iterator[None]:
    """Forms without tokens, for sweeps that check access (which runs first)."""
    before = app.config.get("WTF_CSRF_ENABLED", True)
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        yield
    finally:
        app.config["WTF_CSRF_ENABLED"] = before


@pytest.fixture
def upload_dir(app: Flask, tmp_path: Path) -> Iterator[Path]:
    """Uploaded images go to a temporary folder for this test."""
    before = app.config["LMS_UPLOAD_DIR"]
    folder = tmp_path / "uploads"
    app.config["LMS_UPLOAD_DIR"] = str(folder)
    try:
        yield folder
    finally:
        app.config["LMS_UPLOAD_DIR"] = before


def links_in(page: str) -> list[str]:
    """Every ``href`` of the page, entities decoded."""
    return [html_lib.unescape(h) for h in re.findall(r'href="([^"]*)"', page)]
