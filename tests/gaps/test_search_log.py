"""Every search is logged: grouped by stems, collapsed while typing, forgotten in time."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from lms.extensions import db
from lms.gaps.models import SearchLog
from lms.gaps.search_log import forget_users, log_search, normalize_query, record_opened
from lms.models_base import utcnow
from tests.search.test_search_web import index_dir, indexed, line1_agent  # noqa: F401


def test_inflections_and_word_order_group_together():
    assert normalize_query("возврат заказа") == normalize_query("заказы возвратить")
    assert normalize_query("Возврат   ЗАКАЗА") == normalize_query("возврат заказа")


def test_typing_collapses_into_one_row_but_a_new_question_does_not(app, users):
    with app.test_request_context():
        agent = db.session.merge(users["agent"])
        now = utcnow()
        for typed in ("воз", "возврат", "возврат зак", "возврат заказа"):
            log_search(db.session, query=typed, user=agent, result_count=3, now=now)
        log_search(db.session, query="доставка", user=agent, result_count=0, now=now)
        later = now + timedelta(minutes=5)
        log_search(db.session, query="доставка курьером", user=agent, result_count=2, now=later)
        rows = db.session.scalars(sa.select(SearchLog.query).order_by(SearchLog.id)).all()
    assert rows == ["возврат заказа", "доставка", "доставка курьером"]


def test_personal_data_is_forgotten_after_the_retention_period(app, users):
    with app.test_request_context():
        agent = db.session.merge(users["agent"])
        now = utcnow()
        old = log_search(
            db.session, query="старый", user=agent, result_count=0, now=now - timedelta(days=200)
        )
        new = log_search(db.session, query="новый", user=agent, result_count=1, now=now)
        assert forget_users(db.session, days=180, now=now) == 1
        db.session.refresh(old)
        db.session.refresh(new)
        assert (old.user_id, new.user_id) == (None, agent.id)
        assert old.query == "старый"


def test_only_the_searcher_can_mark_what_they_opened(app, users):
    with app.test_request_context():
        agent, other = db.session.merge(users["agent"]), db.session.merge(users["mentor"])
        row = log_search(db.session, query="возврат", user=agent, result_count=1)
        assert not record_opened(db.session, row.id, other, "x")
        assert record_opened(db.session, row.id, agent, "refund-card")
        assert row.opened_slug == "refund-card"


def test_searching_on_the_page_logs_and_opening_a_result_is_recorded(indexed, app, line1_agent):  # noqa: F811
    from tests.conftest import Browser

    browser = Browser(app.test_client())
    browser.login(line1_agent.email)
    html = browser.get("/search?q=возврат карты").get_data(as_text=True)
    with app.app_context():
        row = db.session.scalar(sa.select(SearchLog).where(SearchLog.user_id == line1_agent.id))
        assert row is not None and row.result_count >= 1 and row.department_id is not None
        link = f"/kb/refund-card?from_search={row.id}"
    assert link in html
    browser.get(link)
    with app.app_context():
        assert db.session.get(SearchLog, row.id).opened_slug == "refund-card"


def test_the_api_logs_too(indexed, login_as, app):  # noqa: F811
    login_as("editor").get("/api/v1/search?q=платежей")
    with app.app_context():
        assert db.session.scalar(sa.select(SearchLog.query)) == "платежей"
