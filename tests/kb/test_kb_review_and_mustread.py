"""Keeping content trustworthy: periodic verification with a review queue, and must-read
changes that agents of chosen departments confirm."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from lms.auth.models import Department, User
from lms.kb import queries, services
from lms.kb.models import Article, MustRead, MustReadConfirmation
from lms.models_base import utcnow
from tests.conftest import Browser
from tests.kb.conftest import ArticleRef, section, text_of

NOTE = "The refund limit is now 5000"


@pytest.fixture
def owner(person: Callable[..., User]) -> User:
    return person("mentor", name="Olga Owner")


@pytest.fixture
def owned(make_article: Callable[..., ArticleRef], owner: User) -> ArticleRef:
    return make_article(
        "limits", "Refund limits", "Up to 5000.", owner=owner.email, review_every_days=30
    )


def article_state(in_app: Callable[..., Any], article_id: int) -> dict[str, Any]:
    def load(session: Any) -> dict[str, Any]:
        article = session.get(Article, article_id)
        return {
            "verified_at": article.verified_at,
            "verified_by_id": article.verified_by_id,
            "review_due_at": article.review_due_at,
            "needs_review": article.needs_review(utcnow()),
        }

    return in_app(load)


def verify_at(in_app: Callable[..., Any], article_id: int, user: User, days_ago: int) -> None:
    def mark(session: Any) -> None:
        article = session.get(Article, article_id)
        services.verify(article, session.merge(user), now=utcnow() - timedelta(days=days_ago))

    in_app(mark)


def queue_titles(in_app: Callable[..., Any], user: User) -> list[str]:
    def load(session: Any) -> list[str]:
        return [a.title for a in queries.review_queue(session, session.merge(user), now=utcnow())]

    return in_app(load)


# Verification -----------------------------------------------------------------------------


def test_verifying_records_who_when_and_the_next_review(owned, editor, sign_in, in_app, agent1):
    assert article_state(in_app, owned.id)["needs_review"] is True  # never verified
    before = utcnow()
    response = sign_in(editor).post(f"/kb/{owned.slug}/verify", form_url=f"/kb/{owned.slug}")
    assert response.status_code == 302
    state = article_state(in_app, owned.id)
    assert state["verified_by_id"] == editor.id
    assert before <= state["verified_at"] <= utcnow()
    assert state["review_due_at"] - state["verified_at"] == timedelta(days=30)
    assert state["needs_review"] is False
    # Readers see who verified it.
    page = text_of(sign_in(agent1).get(f"/kb/{owned.slug}"))
    assert f"Verified by {editor.name}" in section(page, '<p class="verified"', "</p>")


def test_the_owner_may_verify_but_another_reader_may_not(owned, owner, agent1, sign_in, in_app):
    response = sign_in(agent1).post(f"/kb/{owned.slug}/verify", form_url="/kb")
    assert response.status_code == 403
    assert article_state(in_app, owned.id)["verified_at"] is None
    sign_in(owner).post(f"/kb/{owned.slug}/verify", form_url=f"/kb/{owned.slug}")
    assert article_state(in_app, owned.id)["verified_by_id"] == owner.id


def test_an_article_past_its_interval_needs_review(owned, editor, agent1, sign_in, in_app):
    verify_at(in_app, owned.id, editor, days_ago=31)
    state = article_state(in_app, owned.id)
    assert state["needs_review"] is True
    assert state["verified_by_id"] == editor.id
    reader = sign_in(agent1)
    page = text_of(reader.get(f"/kb/{owned.slug}"))
    warning = section(page, '<p class="needs-review"', "</p>")
    assert "Needs review" in warning and editor.name in warning
    assert '<p class="verified"' not in page
    row = section(text_of(reader.get("/kb/c/orders")), owned.title, "</li>")
    assert "needs review" in row


def test_a_recently_verified_article_shows_no_warning(owned, editor, agent1, sign_in, in_app):
    verify_at(in_app, owned.id, editor, days_ago=29)
    assert article_state(in_app, owned.id)["needs_review"] is False
    page = text_of(sign_in(agent1).get("/kb/c/orders"))
    assert "needs review" not in section(page, owned.title, "</li>")


def test_the_review_queue_holds_due_articles_for_their_owner_and_editors(
    owned, owner, editor, person, make_article, sign_in, in_app
):
    fresh = make_article("fresh", "Fresh article", owner=owner.email)
    verify_at(in_app, owned.id, editor, days_ago=45)
    verify_at(in_app, fresh.id, editor, days_ago=1)
    other_mentor = person("mentor", name="Other Mentor")
    assert queue_titles(in_app, owner) == [owned.title]
    assert owned.title in queue_titles(in_app, editor)
    assert fresh.title not in queue_titles(in_app, editor)
    assert queue_titles(in_app, other_mentor) == []
    # The same through the review page.
    due = section(text_of(sign_in(owner).get("/kb/review")), 'id="h-due"')
    assert owned.title in due and fresh.title not in due
    due = section(text_of(sign_in(editor).get("/kb/review")), 'id="h-due"')
    assert owned.title in due
    due = section(text_of(sign_in(other_mentor).get("/kb/review")), 'id="h-due"')
    assert owned.title not in due


def test_verifying_from_the_queue_takes_the_article_off_it(owned, owner, editor, sign_in, in_app):
    verify_at(in_app, owned.id, editor, days_ago=45)
    browser = sign_in(owner)
    response = browser.post(
        f"/kb/{owned.slug}/verify", {"next": "/kb/review"}, form_url="/kb/review"
    )
    assert response.headers["Location"].endswith("/kb/review")
    assert queue_titles(in_app, owner) == []
    assert owned.title not in section(text_of(browser.get("/kb/review")), 'id="h-due"')


# Must-read --------------------------------------------------------------------------------


@pytest.fixture
def changed(make_article: Callable[..., ArticleRef]) -> ArticleRef:
    return make_article("refund-limit", "Refund limit", "Up to 5000 now.")


@pytest.fixture
def must_read_id(
    changed: ArticleRef, editor: User, line1: Department, sign_in: Callable[..., Browser], in_app
) -> int:
    """The editor marks the article must-read for the first line through the page."""
    response = sign_in(editor).post(
        f"/kb/{changed.slug}/must-read", {"departments": [str(line1.id)], "note": NOTE}
    )
    assert response.status_code == 302
    found = in_app(
        lambda s: [
            (m.id, [d.code for d in m.departments], m.revision_id == m.article.live_revision_id)
            for m in s.scalars(sa.select(MustRead))
        ]
    )
    assert [(codes, live) for _id, codes, live in found] == [(["line1"], True)]
    return found[0][0]


def must_read_box(page: str) -> str:
    return section(page, '<section class="card must-read"')


def confirmations(in_app: Callable[..., Any]) -> set[tuple[int, int]]:
    query = sa.select(MustReadConfirmation.must_read_id, MustReadConfirmation.user_id)
    return in_app(lambda s: {tuple(row) for row in s.execute(query)})


def test_a_line1_agent_sees_the_must_read_until_confirming(
    must_read_id, changed, agent1, sign_in, in_app
):
    reader = sign_in(agent1)
    for url in ("/kb", "/"):
        box = must_read_box(text_of(reader.get(url)))
        assert NOTE in box and changed.title in box, url
    article = text_of(reader.get(f"/kb/{changed.slug}"))
    assert f'action="/kb/must-read/{must_read_id}/confirm"' in article
    response = reader.post(f"/kb/must-read/{must_read_id}/confirm", form_url=f"/kb/{changed.slug}")
    assert response.status_code == 302
    assert confirmations(in_app) == {(must_read_id, agent1.id)}
    for url in ("/kb", "/"):
        assert must_read_box(text_of(reader.get(url))) == "", url
    assert "/confirm" not in text_of(reader.get(f"/kb/{changed.slug}"))
    # Confirming again changes nothing.
    reader.post(f"/kb/must-read/{must_read_id}/confirm", form_url=f"/kb/{changed.slug}")
    assert confirmations(in_app) == {(must_read_id, agent1.id)}


def test_a_line2_agent_neither_sees_nor_confirms_a_line1_must_read(
    must_read_id, changed, agent2, sign_in, in_app
):
    reader = sign_in(agent2)
    assert must_read_box(text_of(reader.get("/kb"))) == ""
    assert must_read_box(text_of(reader.get("/"))) == ""
    assert "/confirm" not in text_of(reader.get(f"/kb/{changed.slug}"))
    reader.post(f"/kb/must-read/{must_read_id}/confirm", form_url=f"/kb/{changed.slug}")
    assert confirmations(in_app) == set()


def test_the_report_lists_who_confirmed_and_who_did_not(
    must_read_id, changed, agent1, agent2, person, line1, sign_in, editor
):
    late = person("agent", line1, name="Ivan Unread")
    sign_in(agent1).post(f"/kb/must-read/{must_read_id}/confirm", form_url=f"/kb/{changed.slug}")
    page = text_of(sign_in(editor).get(f"/kb/must-read/{must_read_id}"))
    assert "1 of 2 confirmed." in page
    rows = {name: section(page, f"<td>{name}</td>", "</tr>") for name in (agent1.name, late.name)}
    assert "✓" in rows[agent1.name] and "not yet" not in rows[agent1.name]
    assert "not yet" in rows[late.name] and "✓" not in rows[late.name]
    assert agent2.name not in page  # the second line was not asked


@pytest.mark.parametrize("role", ["editor", "hr", "admin"])
def test_staff_open_the_report(role, must_read_id, changed, login_as):
    page = text_of(login_as(role).get(f"/kb/must-read/{must_read_id}"))
    assert f"Who has read “{changed.title}”" in page


@pytest.mark.parametrize("role", ["agent", "mentor"])
def test_agents_and_mentors_cannot_open_the_report(role, must_read_id, changed, login_as):
    response = login_as(role).get(f"/kb/must-read/{must_read_id}")
    assert response.status_code == 403
    assert "Who has read" not in text_of(response)


def test_a_must_read_needs_a_department(changed, editor, sign_in, in_app):
    response = sign_in(editor).post(f"/kb/{changed.slug}/must-read", {"note": NOTE})
    assert response.status_code == 200
    assert "Choose at least one department." in text_of(response)
    assert in_app(lambda s: s.scalar(sa.select(sa.func.count(MustRead.id)))) == 0


def test_after_confirming_or_verifying_the_redirect_stays_on_the_site(
    must_read_id, changed, agent1, editor, sign_in
):
    outside = {"next": "https://evil.example/phish"}
    confirmed = sign_in(agent1).post(
        f"/kb/must-read/{must_read_id}/confirm", outside, form_url=f"/kb/{changed.slug}"
    )
    verified = sign_in(editor).post(
        f"/kb/{changed.slug}/verify", outside, form_url=f"/kb/{changed.slug}"
    )
    for response in (confirmed, verified):
        assert response.status_code == 302
        assert "evil.example" not in response.headers["Location"]
