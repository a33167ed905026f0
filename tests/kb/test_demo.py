"""`flask lms demo` loads the organisation and the shipped knowledge base, idempotently."""

from __future__ import annotations

import sqlalchemy as sa

from lms.extensions import db
from lms.kb.models import Article, ArticleRevision, MustRead
from lms.models_base import utcnow


def counts(app) -> dict[str, int]:
    with app.app_context():
        return {
            "articles": db.session.scalar(sa.select(sa.func.count(Article.id))),
            "revisions": db.session.scalar(sa.select(sa.func.count(ArticleRevision.id))),
            "must_reads": db.session.scalar(sa.select(sa.func.count(MustRead.id))),
            "pending": db.session.scalar(
                sa.select(sa.func.count(ArticleRevision.id)).where(
                    ArticleRevision.state == "pending"
                )
            ),
        }


def test_demo_loads_content_once_and_keeps_it(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["lms", "demo"])
    assert first.exit_code == 0, first.output
    assert "agent@example.com" in first.output
    loaded = counts(app)
    assert loaded["articles"] >= 40 and loaded["must_reads"] == 1 and loaded["pending"] == 1
    with app.app_context():
        now = utcnow()
        articles = list(db.session.scalars(sa.select(Article)))
        assert all(a.verified_at is not None for a in articles if a.owner_id)
        overdue = [a for a in articles if a.needs_review(now)]
        assert 0 < len(overdue) < len(articles) // 2
    again = runner.invoke(args=["lms", "demo"])
    assert again.exit_code == 0, again.output
    assert counts(app) == loaded


def test_demo_agent_sees_the_must_read_at_home(app, client):
    app.test_cli_runner().invoke(args=["lms", "demo"])
    from tests.conftest import Browser

    browser = Browser(client)
    browser.login("agent@example.com", "demo")
    html = browser.get("/").get_data(as_text=True)
    assert 'id="h-must"' in html and "/kb/kpi-rules" in html


def test_hr_sees_the_list_of_must_reads_with_counts(app, make_user):
    app.test_cli_runner().invoke(args=["lms", "demo"])
    from tests.conftest import Browser

    browser = Browser(app.test_client())
    browser.login("hr@example.com", "demo")
    html = browser.get("/kb/must-read").get_data(as_text=True)
    with app.test_request_context():
        from flask_babel import force_locale, gettext

        from lms.auth.models import Department, User

        addressed = db.session.scalar(
            sa.select(sa.func.count(User.id))
            .join(Department)
            .where(User.is_active, Department.code.in_(("line1", "line2")))
        )
        with force_locale("ru"):
            expected = gettext("%(done)d of %(total)d confirmed.", done=0, total=addressed)
    assert "/kb/must-read/" in html and expected in html
    agent = Browser(app.test_client())
    agent.login("agent@example.com", "demo")
    assert agent.get("/kb/must-read").status_code == 403


def test_lists_show_one_language_version_and_the_page_links_the_other(app):
    app.test_cli_runner().invoke(args=["lms", "demo"])
    from tests.conftest import Browser

    russian = Browser(app.test_client())
    russian.login("agent@example.com", "demo")
    listing = russian.get("/kb/c/kpi").get_data(as_text=True)
    assert "/kb/kpi-rules" in listing and "/kb/kpi-rules-en" not in listing
    page = russian.get("/kb/kpi-rules").get_data(as_text=True)
    assert 'href="/kb/kpi-rules-en"' in page
    russian.post("/language", {"locale": "en"}, form_url="/")
    listing = russian.get("/kb/c/kpi").get_data(as_text=True)
    assert "/kb/kpi-rules-en" in listing and 'href="/kb/kpi-rules"' not in listing
