"""The editors' gap report: failing searches grouped by stems, votes, questions, stale
content, abandoned script steps, marking gaps resolved, exports and the demo data."""

# The knowledge-base fixtures are imported below; taking them as arguments redefines them.
# ruff: noqa: F811

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa

from lms.auth.models import User
from lms.errors import ServiceError
from lms.gaps import report
from lms.gaps.demo import seed_demo_gaps
from lms.gaps.models import ArticleFeedback, GapResolution, SearchLog
from lms.gaps.search_log import normalize_query
from lms.kb import services
from lms.kb.models import Article, ScriptRun
from lms.models_base import utcnow
from tests.kb.conftest import (  # noqa: F401
    SCRIPT_BODY,
    _fresh_caches,
    agent1,
    agent2,
    editor,
    html_of,
    in_app,
    kb_category,
    line1,
    line2,
    make_article,
    make_category,
    person,
    sign_in,
    text_of,
    users,
)

# A Wednesday: its ISO week starts on Monday 13 May.
NOW = datetime(2024, 5, 15, 12, 0, tzinfo=UTC)
SINCE = NOW - timedelta(weeks=6)


@pytest.fixture
def log(in_app: Callable[..., Any]) -> Callable[..., None]:
    """``log(query, user, results=0, opened=None, at=NOW)``: one search log row."""

    def add(
        query: str,
        user: User | None = None,
        *,
        results: int = 0,
        opened: str | None = None,
        at: datetime = NOW,
    ) -> None:
        def write(session: Any) -> None:
            session.add(
                SearchLog(
                    query=query,
                    normalized=normalize_query(query),
                    user_id=user.id if user else None,
                    department_id=user.department_id if user else None,
                    result_count=results,
                    opened_slug=opened,
                    created_at=at,
                )
            )

        in_app(write)

    return add


def failing(in_app: Callable[..., Any], *, now: datetime = NOW) -> list[report.FailingSearch]:
    since = now - timedelta(weeks=6)
    return in_app(lambda s: report.failing_searches(s, since=since, now=now))


def test_inflections_and_word_order_group_with_zero_and_unopened_counts(log, in_app, agent1):
    log("возврат заказа", agent1, at=NOW - timedelta(hours=3))
    log("заказы возвратить", agent1, at=NOW - timedelta(hours=2))
    log("Возвратить заказ", agent1, results=3, at=NOW - timedelta(hours=1))
    log("возврат заказа", agent1, results=4, opened="return-order", at=NOW)
    log("отмена заказа", agent1, results=2, opened="cancel-order")
    [gap] = failing(in_app)
    assert gap.normalized == normalize_query("возврат заказа")
    assert (gap.total, gap.no_results, gap.not_opened) == (4, 2, 1)
    assert gap.query == "возврат заказа" and gap.last_seen == NOW
    assert gap.status == "open"


def test_searches_outside_the_window_are_left_out(log, in_app, agent1):
    log("рассрочка", agent1, at=SINCE - timedelta(days=1))
    assert failing(in_app) == []


def test_weekly_trend_counts_failing_searches_per_iso_week(log, in_app, agent1):
    for at in (NOW - timedelta(hours=1), NOW - timedelta(days=7), NOW - timedelta(days=8)):
        log("рассрочка", agent1, at=at)
    log("рассрочку", agent1, at=NOW - timedelta(days=30))
    log("рассрочки", agent1, results=2, opened="payment-methods", at=NOW - timedelta(days=2))
    [gap] = failing(in_app)
    assert [d.date().isoformat() for d in report.trend_weeks(NOW)][::5] == [
        "2024-04-08",
        "2024-05-13",
    ]
    assert gap.trend == [0, 1, 0, 0, 2, 1]


def test_departments_are_named(log, in_app, agent1, agent2):
    log("подарочный сертификат", agent2)
    log("подарочные сертификаты", agent1)
    [gap] = failing(in_app)
    assert gap.departments == ["First line", "Second line"]


def test_a_resolved_gap_disappears_and_reopens_when_it_fails_again(
    log, in_app, agent1, editor, make_article
):
    answer = make_article("instalments", "Рассрочка")
    log("рассрочка", agent1, at=utcnow() - timedelta(hours=1))

    def resolve(session: Any) -> None:
        article = report.article_for_gap(session, answer.slug)
        report.resolve_gap(session, normalize_query("рассрочку"), article, editor)

    in_app(resolve)
    assert failing(in_app, now=utcnow()) == []
    log("рассрочки", agent1, results=1, opened=answer.slug, at=utcnow() + timedelta(seconds=1))
    assert failing(in_app, now=utcnow() + timedelta(minutes=1)) == []
    log("рассрочки", agent1, at=utcnow() + timedelta(seconds=2))
    [gap] = failing(in_app, now=utcnow() + timedelta(minutes=1))
    assert gap.status == "reopened" and gap.total == 3
    in_app(resolve)  # marking it again moves the date on, no second row
    assert in_app(lambda s: s.scalar(sa.select(sa.func.count(GapResolution.id)))) == 1


def test_resolving_with_an_unknown_slug_names_the_field(in_app):
    def attempt(session: Any) -> str | None:
        with pytest.raises(ServiceError) as caught:
            report.article_for_gap(session, "no-such-article")
        return caught.value.field

    assert in_app(attempt) == "slug"


def vote(in_app: Callable[..., Any], slug: str, user: User, helpful: bool, comment: str = ""):
    def write(session: Any) -> None:
        article = session.scalar(sa.select(Article).where(Article.slug == slug))
        session.add(
            ArticleFeedback(
                article_id=article.id,
                revision_id=article.live_revision_id,
                user_id=user.id,
                helpful=helpful,
                comment=comment,
            )
        )

    in_app(write)


def test_unhelpful_articles_rank_by_no_votes_with_comments(
    in_app, make_article, agent1, agent2, editor
):
    make_article("payment-methods", "Способы оплаты")
    make_article("delivery-options", "Доставка")
    vote(in_app, "payment-methods", agent1, False, "Нет ничего про рассрочку")
    vote(in_app, "payment-methods", agent2, False)
    vote(in_app, "payment-methods", editor, True)
    vote(in_app, "delivery-options", agent1, False, "А за границу?")
    found = in_app(
        lambda s: [(u.article.slug, u.no, u.yes, u.comments) for u in report.unhelpful_articles(s)]
    )
    assert found == [
        ("payment-methods", 2, 1, ["Нет ничего про рассрочку"]),
        ("delivery-options", 1, 0, ["А за границу?"]),
    ]


def test_overdue_articles_are_listed_most_overdue_first(in_app, make_article, editor):
    make_article("stale", "Stale")
    make_article("older", "Older")
    make_article("fresh", "Fresh")

    def verify(session: Any) -> list[str]:
        who = session.merge(editor)
        for slug, days in (("stale", 100), ("older", 300), ("fresh", 10)):
            article = session.scalar(sa.select(Article).where(Article.slug == slug))
            article.review_every_days = 90
            services.verify(article, who, now=NOW - timedelta(days=days))
        session.flush()
        return [a.slug for a in report.overdue_articles(session, NOW)]

    assert in_app(verify) == ["older", "stale"]


def test_abandoned_steps_rank_where_unfinished_runs_stopped(in_app, make_article, agent1):
    make_article("greeting-call", "Greeting call", SCRIPT_BODY, kind="script")
    paths = (
        (["start", "order"], "abandoned"),
        (["start", "order"], "abandoned"),
        (["start"], "running"),
        (["start", "order", "done"], "finished"),
    )

    def run(session: Any) -> list[tuple[str, str, int, int]]:
        article = session.scalar(sa.select(Article).where(Article.slug == "greeting-call"))
        for path, status in paths:
            session.add(
                ScriptRun(
                    article_id=article.id,
                    revision_id=article.live_revision_id,
                    user_id=agent1.id,
                    path=path,
                    status=status,
                )
            )
        session.flush()
        return [
            (s.step_id, s.title, s.reached, s.abandoned) for s in report.abandoned_steps(session)
        ]

    assert in_app(run) == [("order", "Order", 3, 2), ("start", "Greeting", 4, 1)]


@pytest.fixture
def gaps_logged(log, agent1, agent2) -> None:
    now = utcnow()
    log("подарочный сертификат", agent1, at=now - timedelta(hours=2))
    log("подарочные сертификаты", agent2, at=now - timedelta(hours=1))
    log("промокод не работает", agent1, results=2, at=now - timedelta(hours=1))


def test_the_page_shows_every_section(gaps_logged, sign_in, editor):
    page = text_of(sign_in(editor).get("/gaps"))
    assert "подарочные сертификаты" in page and "промокод не работает" in page
    assert "First line, Second line" in page
    for heading in ("h-unhelpful", "h-questions", "h-overdue", "h-steps", "h-resolved"):
        assert f'id="{heading}"' in page
    assert "No open questions" in page and "No script run has been left unfinished" in page


def test_the_page_explains_an_empty_report(sign_in, editor):
    page = text_of(sign_in(editor).get("/gaps"))
    assert "No failing searches in the last 6 weeks" in page


def test_marking_resolved_from_the_page(gaps_logged, sign_in, editor, make_article, in_app):
    make_article("gift-cards", "Подарочные сертификаты")
    browser = sign_in(editor)
    normalized = normalize_query("подарочный сертификат")
    bad = browser.post(
        "/gaps/resolve", {"normalized": normalized, "slug": "nope"}, form_url="/gaps"
    )
    assert bad.status_code == 400
    assert "Article slug: There is no article with the slug “nope”." in text_of(bad)
    good = browser.post(
        "/gaps/resolve", {"normalized": normalized, "slug": "gift-cards"}, form_url="/gaps"
    )
    assert good.status_code == 302
    page = text_of(browser.get("/gaps"))
    assert "подарочные сертификаты" not in page and "промокод не работает" in page
    resolution = in_app(lambda s: s.scalar(sa.select(GapResolution.normalized)))
    assert resolution == normalized


def test_resolving_needs_the_security_token(gaps_logged, sign_in, editor):
    response = sign_in(editor).client.post("/gaps/resolve", data={"normalized": "x", "slug": "y"})
    assert response.status_code == 400


HEADER = [
    "Query",
    "Normalised",
    "Searches",
    "No results",
    "Nothing opened",
    "Departments",
    "Last seen",
    "Status",
]


def test_csv_export_has_a_bom_and_readable_cyrillic(gaps_logged, sign_in, editor):
    response = sign_in(editor).get("/gaps/export.csv")
    assert (
        response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    )
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0] == HEADER
    gift = next(r for r in rows if r[0] == "подарочные сертификаты")
    assert gift[2:6] == ["2", "2", "0", "First line, Second line"] and gift[7] == "open"


def test_xlsx_export_opens_with_the_same_table(gaps_logged, sign_in, editor):
    response = sign_in(editor).get("/gaps/export.xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == HEADER
    promo = next(r for r in rows if r[0] == "промокод не работает")
    assert promo[2:5] == [1, 0, 1]


@pytest.mark.parametrize("url", ["/gaps", "/gaps/export.csv", "/gaps/export.xlsx"])
def test_agents_may_not_see_the_report(url, sign_in, agent1):
    assert sign_in(agent1).get(url).status_code == 403


def test_agents_may_not_resolve(sign_in, agent1):
    response = sign_in(agent1).post(
        "/gaps/resolve", {"normalized": "x", "slug": "y"}, form_url="/kb"
    )
    assert response.status_code == 403


@pytest.fixture
def count_statements() -> Iterator[list[str]]:
    statements: list[str] = []

    def listen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", listen)
    yield statements
    sa.event.remove(sa.engine.Engine, "before_cursor_execute", listen)


def test_the_page_query_count_does_not_grow_with_the_log(
    in_app, sign_in, editor, agent1, count_statements
):
    browser = sign_in(editor)

    def fill(n: int) -> None:
        def write(session: Any) -> None:
            for i in range(n):
                query = f"вопрос {i % 7} номер {i}"
                session.add(
                    SearchLog(
                        query=query,
                        normalized=normalize_query(query),
                        user_id=agent1.id,
                        department_id=agent1.department_id,
                        result_count=i % 2,
                        created_at=utcnow() - timedelta(days=i % 30),
                    )
                )

        in_app(write)

    def statements_for_page() -> int:
        count_statements.clear()
        assert browser.get("/gaps").status_code == 200
        return len(count_statements)

    fill(3)
    few = statements_for_page()
    fill(60)
    assert statements_for_page() == few


def test_the_demo_fills_the_report_once(app, in_app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["lms", "demo"]).exit_code == 0

    def read(session: Any) -> dict[str, Any]:
        now = utcnow()
        searches = report.failing_searches(session, since=now - timedelta(weeks=6), now=now)
        return {
            "logged": session.scalar(sa.select(sa.func.count(SearchLog.id))),
            "groups": {s.normalized: s for s in searches},
            "unhelpful": [u.article.slug for u in report.unhelpful_articles(session)],
            "questions": len(report.open_questions(session)),
            "steps": len(report.abandoned_steps(session)),
        }

    first = in_app(read)
    assert first["logged"] > 100
    instalments = first["groups"][normalize_query("рассрочка")]
    assert instalments.no_results >= 5 and sum(instalments.trend) == instalments.failing
    assert normalize_query("подарочный сертификат") in first["groups"]
    assert any(s.not_opened and not s.no_results for s in first["groups"].values())
    assert "payment-methods" in first["unhelpful"]
    assert first["questions"] >= 3 and first["steps"] > 0
    assert in_app(lambda s: seed_demo_gaps(s, utcnow())) == 0
    assert runner.invoke(args=["lms", "demo"]).exit_code == 0
    again = in_app(read)
    assert (again["logged"], again["questions"]) == (first["logged"], first["questions"])
