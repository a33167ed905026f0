"""The search page, the API, the command line, the health check and indexing on commit."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from lms.auth.models import Department
from lms.extensions import db
from lms.kb.categories import save_category
from lms.kb.models import Article, ArticleRevision, Category
from lms.kb.services import ArticleData, save_revision
from lms.search import index
from lms.search.indexing import update_articles

REFUND = "Как оформить возврат заказа, оплаченного картой. Деньги вернутся за 10 рабочих дней."
SECRET = "Только для второй линии: ручная проверка платежей `<script>alert(1)</script>`."


@pytest.fixture
def index_dir(app: Flask, tmp_path) -> Iterator[str]:
    before = app.config["LMS_INDEX_DIR"]
    app.config["LMS_INDEX_DIR"] = str(tmp_path / "index")
    yield app.config["LMS_INDEX_DIR"]
    app.config["LMS_INDEX_DIR"] = before


@pytest.fixture
def indexed(app: Flask, index_dir: str, users: dict[str, Any], make_org) -> dict[str, Any]:
    """Two published articles, one for everyone and one for line 2 only, indexed."""
    make_org(Department, "line1")
    make_org(Department, "line2")
    with app.test_request_context():
        editor = db.session.merge(users["editor"])
        save_category(db.session, slug="payment", name="Оплата")
        for slug, title, body, departments in (
            ("refund-card", "Возврат денег на карту", REFUND, []),
            ("manual-check", "Ручная проверка платежей", SECRET, ["line2"]),
        ):
            data = ArticleData(
                slug=slug,
                title=title,
                body=body,
                category="payment",
                tags=["оплата"],
                departments=departments,
            )
            save_revision(db.session, data, author=editor, action="publish")
        db.session.commit()
        ids = list(db.session.scalars(sa.select(Article.id)))
        update_articles(index_dir, db.session, ids)
    return {"dir": index_dir}


@pytest.fixture
def line1_agent(make_user, make_org):
    return make_user("agent", department=make_org(Department, "line1"), locale="en")


def test_search_page_finds_inflected_words(indexed, app, line1_agent):
    from tests.conftest import Browser

    browser = Browser(app.test_client())
    browser.login(line1_agent.email)
    html = browser.get("/search?q=возвраты карты").get_data(as_text=True)
    assert "/kb/refund-card" in html and "<mark>" in html
    assert "badge-warn" in html  # never verified: needs review
    assert "/kb/manual-check" not in html  # line 2 only


def test_partial_results_for_live_search(indexed, app, line1_agent):
    from tests.conftest import Browser

    browser = Browser(app.test_client())
    browser.login(line1_agent.email)
    fragment = browser.get("/search?q=возврат&partial=1").get_data(as_text=True)
    assert "/kb/refund-card" in fragment and "<html" not in fragment


def test_api_search_returns_the_contract_fields(indexed, login_as):
    editor = login_as("editor")
    body = editor.get("/api/v1/search?q=проверка платежей&limit=5").get_json()
    assert set(body) == {"query", "total", "did_you_mean", "results"}
    first = body["results"][0]
    assert set(first) == {"slug", "title", "kind", "url", "snippet_html", "score"}
    assert first["slug"] == "manual-check"
    assert "<script>" not in first["snippet_html"] and "&lt;script&gt;" in first["snippet_html"]


def test_api_search_without_a_query_is_a_clear_400(indexed, login_as):
    response = login_as("agent").get("/api/v1/search")
    assert response.status_code == 400 and "q=" in response.get_json()["message"]


def test_cli_search_prints_json(indexed, app):
    result = app.test_cli_runner().invoke(args=["lms", "search", "возврат", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["results"][0]["slug"] == "refund-card"


def test_cli_reindex_rebuilds_from_the_database(indexed, app):
    result = app.test_cli_runner().invoke(args=["lms", "reindex"])
    assert result.exit_code == 0, result.output
    assert "2" in result.output


def test_health_reports_a_stale_index(indexed, client):
    assert client.get("/healthz").get_json()["index"] == "ok"
    index.mark_stale(indexed["dir"], "test")
    assert client.get("/healthz").get_json() == {
        "status": "degraded",
        "database": "ok",
        "index": "stale",
    }
    index.clear_stale(indexed["dir"])


def test_search_box_on_every_page(login_as):
    html = login_as("agent").get("/").get_data(as_text=True)
    assert 'action="/search"' in html and "data-search-box" in html


def delete_committed_article(app: Flask, slug: str, category: str) -> None:
    """Clean up after a test that committed for real (other tests share the database)."""
    with app.app_context():
        article_id = db.session.scalar(sa.select(Article.id).where(Article.slug == slug))
        if article_id:
            db.session.execute(
                sa.update(Article)
                .where(Article.id == article_id)
                .values(live_revision_id=None, file_revision_id=None)
            )
            db.session.execute(
                sa.delete(ArticleRevision).where(ArticleRevision.article_id == article_id)
            )
            db.session.execute(sa.delete(Article).where(Article.id == article_id))
        db.session.execute(sa.delete(Category).where(Category.slug == category))
        db.session.commit()


@pytest.mark.real_commits
def test_a_commit_updates_the_index(app, index_dir):
    """Publishing through the services updates the index right after the commit."""
    app.config["LMS_SEARCH_AUTOINDEX"] = True
    try:
        with app.test_request_context():
            save_category(db.session, slug="hooks-test", name="Проверка")
            data = ArticleData(
                slug="hooks-test-article",
                title="Самовывоз из пункта выдачи",
                body="Срок хранения заказа в пункте выдачи семь дней.",
                category="hooks-test",
            )
            save_revision(db.session, data, author=None, action="publish")
            db.session.commit()
        from lms.search.cli import Everyone
        from lms.search.service import search

        found = search(index_dir, Everyone(), "пункте выдачи")
        assert [hit.slug for hit in found.results] == ["hooks-test-article"]
    finally:
        app.config["LMS_SEARCH_AUTOINDEX"] = False
        delete_committed_article(app, "hooks-test-article", "hooks-test")


@pytest.mark.real_commits
def test_a_savepoint_waits_for_the_outer_commit(app, index_dir, monkeypatch):
    """Releasing a SAVEPOINT (a sync's all-or-nothing step) is not a commit: indexing then
    would wait on SQLite's write lock and read what is not committed yet."""
    app.config["LMS_SEARCH_AUTOINDEX"] = True
    writes: list[list[str]] = []
    real_write = index.write_documents

    def counting(index_dir: Any, documents: Any, *args: Any, **kwargs: Any) -> Any:
        documents = list(documents)
        writes.append([d["slug"] for d in documents])
        return real_write(index_dir, documents, *args, **kwargs)

    monkeypatch.setattr(index, "write_documents", counting)
    try:
        with app.test_request_context():
            with db.session.begin_nested():
                save_category(db.session, slug="savepoint-test", name="Проверка")
                data = ArticleData(
                    slug="savepoint-test-article",
                    title="Возврат по акции",
                    body="Товар по акции возвращают по общим правилам.",
                    category="savepoint-test",
                )
                save_revision(db.session, data, author=None, action="publish")
            assert writes == []  # released, not committed
            db.session.commit()
        assert writes == [["savepoint-test-article"]]
    finally:
        app.config["LMS_SEARCH_AUTOINDEX"] = False
        delete_committed_article(app, "savepoint-test-article", "savepoint-test")


def test_a_typo_beside_a_correct_word_is_corrected(indexed, login_as):
    body = login_as("editor").get("/api/v1/search?q=вазврат денег").get_json()
    assert body["did_you_mean"] == "возврат денег"
    assert body["results"][0]["slug"] == "refund-card"


@pytest.mark.real_commits
def test_a_failed_index_write_marks_stale_and_reindex_repairs(app, index_dir, client, monkeypatch):
    """The database change stands; /healthz says stale until `flask lms reindex`."""
    app.config["LMS_SEARCH_AUTOINDEX"] = True

    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise OSError("disk full")

    try:
        index.rebuild(index_dir, [])
        monkeypatch.setattr(index, "write_documents", broken)
        with app.test_request_context():
            save_category(db.session, slug="stale-test", name="Проверка")
            data = ArticleData(
                slug="stale-test-article",
                title="Обмен товара",
                body="Обмен возможен в течение четырнадцати дней.",
                category="stale-test",
            )
            save_revision(db.session, data, author=None, action="publish")
            db.session.commit()
        assert client.get("/healthz").get_json()["index"] == "stale"
        monkeypatch.undo()
        result = app.test_cli_runner().invoke(args=["lms", "reindex"])
        assert result.exit_code == 0, result.output
        assert client.get("/healthz").get_json()["index"] == "ok"
        from lms.search.cli import Everyone
        from lms.search.service import search

        assert [h.slug for h in search(index_dir, Everyone(), "обмен").results] == [
            "stale-test-article"
        ]
    finally:
        app.config["LMS_SEARCH_AUTOINDEX"] = False
        delete_committed_article(app, "stale-test-article", "stale-test")
