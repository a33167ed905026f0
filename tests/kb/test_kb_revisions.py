"""Revisions: every save is kept, only publishing (or an editor's approval) changes what
readers see, and history, diff and restore work from the kept revisions."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from lms.auth.models import User
from lms.kb.models import Article, ArticleRevision
from tests.conftest import Browser
from tests.kb.conftest import ArticleRef, html_of, prose, text_of

FIRST = "Call the warehouse before noon."
SECOND = "Write to the warehouse chat any time."
THIRD = "Escalate to the shift lead."


@pytest.fixture
def mentor(person: Callable[..., User]) -> User:
    return person("mentor", name="Mikhail Mentor")


@pytest.fixture
def mentor_browser(sign_in: Callable[[User], Browser], mentor: User) -> Browser:
    return sign_in(mentor)


@pytest.fixture
def editor_browser(sign_in: Callable[[User], Browser], editor: User) -> Browser:
    return sign_in(editor)


@pytest.fixture
def reader(sign_in: Callable[[User], Browser], agent1: User) -> Browser:
    return sign_in(agent1)


@pytest.fixture
def delivery(make_article: Callable[..., ArticleRef]) -> ArticleRef:
    return make_article("delivery", "Late delivery", FIRST)


def states(rows: list[dict[str, Any]]) -> list[tuple[int, str, bool]]:
    return [(r["number"], r["state"], r["live"]) for r in rows]


def reader_text(browser: Browser, slug: str) -> str:
    return prose(text_of(browser.get(f"/kb/{slug}")))


# Saving -----------------------------------------------------------------------------------


def test_every_save_is_a_new_numbered_revision(delivery, revise, revision_rows):
    assert revise(delivery.slug, action="draft", body=SECOND) == 2
    assert revise(delivery.slug, action="publish", body=THIRD) == 3
    rows = revision_rows(delivery.slug)
    assert states(rows) == [(1, "published", False), (2, "draft", False), (3, "published", True)]
    assert [r["body"] for r in rows] == [FIRST, SECOND, THIRD]


def test_publishing_moves_the_live_revision(
    delivery, editor_browser, reader, article_form, revision_rows
):
    form = article_form(delivery.slug, "Late delivery (new)", SECOND, "publish")
    response = editor_browser.post(f"/kb/{delivery.slug}/edit", form)
    assert response.status_code == 302
    assert states(revision_rows(delivery.slug)) == [(1, "published", False), (2, "published", True)]
    page = text_of(reader.get(f"/kb/{delivery.slug}"))
    assert SECOND in prose(page) and FIRST not in prose(page)
    assert "Late delivery (new)" in page


def test_a_draft_does_not_change_what_readers_see(
    delivery, editor_browser, reader, article_form, revision_rows, in_app
):
    form = article_form(delivery.slug, "Renamed in a draft", SECOND, "draft")
    assert editor_browser.post(f"/kb/{delivery.slug}/edit", form).status_code == 302
    assert states(revision_rows(delivery.slug)) == [(1, "published", True), (2, "draft", False)]
    assert in_app(lambda s: s.get(Article, delivery.id).title) == "Late delivery"
    page = text_of(reader.get(f"/kb/{delivery.slug}"))
    assert FIRST in prose(page) and SECOND not in page
    assert "Renamed in a draft" not in page


def test_the_editor_form_starts_from_the_live_revision(delivery, revise, editor_browser):
    revise(delivery.slug, action="draft", body=SECOND)
    page = text_of(editor_browser.get(f"/kb/{delivery.slug}/edit"))
    assert FIRST in page


# Review workflow --------------------------------------------------------------------------


def submit_as_mentor(browser: Browser, article_form: Callable[..., Any], slug: str) -> Any:
    form = article_form(slug, "Late delivery", SECOND, "submit", comment="Chat is faster")
    return browser.post(f"/kb/{slug}/edit", form)


def test_a_mentor_submits_and_the_live_revision_stays(
    delivery, mentor_browser, mentor, reader, article_form, revision_rows
):
    assert submit_as_mentor(mentor_browser, article_form, delivery.slug).status_code == 302
    rows = revision_rows(delivery.slug)
    assert states(rows) == [(1, "published", True), (2, "pending", False)]
    assert rows[1]["author_id"] == mentor.id
    assert FIRST in reader_text(reader, delivery.slug)
    # The mentor finds the submission among their own drafts and submissions.
    mine = text_of(mentor_browser.get("/kb/review"))
    assert "waiting for review" in mine.split("My drafts and submissions")[1]


def test_an_editor_approves_a_submission_and_it_goes_live(
    delivery, mentor_browser, editor_browser, editor, reader, article_form, revision_rows
):
    submit_as_mentor(mentor_browser, article_form, delivery.slug)
    pending = revision_rows(delivery.slug)[1]
    queue = text_of(editor_browser.get("/kb/review"))
    assert "Chat is faster" in queue
    assert f"/kb/revisions/{pending['id']}/approve" in queue
    response = editor_browser.post(
        f"/kb/revisions/{pending['id']}/approve", {"comment": "Thanks"}, form_url="/kb/review"
    )
    assert response.status_code == 302
    rows = revision_rows(delivery.slug)
    assert states(rows) == [(1, "published", False), (2, "published", True)]
    assert rows[1]["reviewed_by_id"] == editor.id
    assert SECOND in reader_text(reader, delivery.slug)
    assert "Chat is faster" not in text_of(editor_browser.get("/kb/review"))


def test_sending_back_needs_a_comment_and_marks_the_revision_rejected(
    delivery, mentor_browser, editor_browser, editor, reader, article_form, revision_rows
):
    submit_as_mentor(mentor_browser, article_form, delivery.slug)
    pending_id = revision_rows(delivery.slug)[1]["id"]
    url = f"/kb/revisions/{pending_id}/send-back"
    editor_browser.post(url, {"comment": "   "}, form_url="/kb/review")
    assert states(revision_rows(delivery.slug))[1] == (2, "pending", False)
    editor_browser.post(url, {"comment": "Name the chat, please."}, form_url="/kb/review")
    rows = revision_rows(delivery.slug)
    assert states(rows) == [(1, "published", True), (2, "rejected", False)]
    assert rows[1]["review_comment"] == "Name the chat, please."
    assert rows[1]["reviewed_by_id"] == editor.id
    assert FIRST in reader_text(reader, delivery.slug)
    # The author reads the comment; a rejected revision cannot be approved afterwards.
    assert "Name the chat, please." in text_of(mentor_browser.get("/kb/review"))
    editor_browser.post(f"/kb/revisions/{pending_id}/approve", form_url="/kb/review")
    assert states(revision_rows(delivery.slug))[1] == (2, "rejected", False)


def test_a_mentor_cannot_review_submissions(delivery, mentor_browser, article_form, revision_rows):
    submit_as_mentor(mentor_browser, article_form, delivery.slug)
    pending_id = revision_rows(delivery.slug)[1]["id"]
    response = mentor_browser.post(f"/kb/revisions/{pending_id}/approve", form_url="/kb/review")
    assert response.status_code == 403
    assert states(revision_rows(delivery.slug))[1] == (2, "pending", False)


def test_a_mentor_cannot_publish(delivery, mentor_browser, article_form, revision_rows, in_app):
    form = article_form(delivery.slug, "Late delivery", SECOND, "publish")
    assert mentor_browser.post(f"/kb/{delivery.slug}/edit", form).status_code == 403
    assert states(revision_rows(delivery.slug)) == [(1, "published", True)]
    new = article_form("mentor-direct", "Straight to readers", "text", "publish")
    assert mentor_browser.post("/kb/new", new).status_code == 403
    found = in_app(lambda s: s.scalar(sa.select(Article).where(Article.slug == "mentor-direct")))
    assert found is None


def test_a_mentor_can_propose_a_new_article_for_review(
    kb_category, mentor_browser, article_form, revision_rows, reader
):
    form = article_form("returns-desk", "Returns desk", "Room 12.", "submit")
    assert mentor_browser.post("/kb/new", form).status_code == 302
    assert states(revision_rows("returns-desk")) == [(1, "pending", False)]
    assert reader.get("/kb/returns-desk").status_code == 404


def test_agents_cannot_write_at_all(delivery, reader, article_form, revision_rows):
    form = article_form(delivery.slug, "Late delivery", SECOND, "submit")
    assert reader.post(f"/kb/{delivery.slug}/edit", form, form_url="/kb").status_code == 403
    assert len(revision_rows(delivery.slug)) == 1


# Restore, diff, history -------------------------------------------------------------------


def test_restoring_an_old_revision_makes_a_new_one(
    delivery, revise, editor_browser, reader, revision_rows
):
    revise(delivery.slug, body=SECOND)
    revise(delivery.slug, body=THIRD, title="Late delivery v3")
    response = editor_browser.post(
        f"/kb/{delivery.slug}/restore/1", form_url=f"/kb/{delivery.slug}/history"
    )
    assert response.status_code == 302
    rows = revision_rows(delivery.slug)
    assert [r["number"] for r in rows] == [1, 2, 3, 4]
    assert rows[3]["body"] == FIRST and rows[3]["title"] == "Late delivery"
    assert rows[3]["restored_from"] == 1 and rows[3]["live"]
    assert [r["body"] for r in rows[:3]] == [FIRST, SECOND, THIRD]
    assert FIRST in reader_text(reader, delivery.slug)


def test_a_mentor_restoring_submits_for_review(
    delivery, revise, mentor_browser, reader, revision_rows
):
    revise(delivery.slug, body=SECOND)
    mentor_browser.post(f"/kb/{delivery.slug}/restore/1", form_url=f"/kb/{delivery.slug}/history")
    rows = revision_rows(delivery.slug)
    assert states(rows) == [(1, "published", False), (2, "published", True), (3, "pending", False)]
    assert rows[2]["restored_from"] == 1 and rows[2]["body"] == FIRST
    assert SECOND in reader_text(reader, delivery.slug)


def diff_rows(page: str, kind: str) -> list[str]:
    rows = re.findall(rf'<tr class="diff-{kind}">(.*?)</tr>', page, flags=re.S)
    return [re.sub(r"<[^>]+>", "", row) for row in rows]


def test_the_diff_page_shows_removed_and_added_lines(make_article, revise, editor_browser, editor):
    ref = make_article("steps", "Steps", "Greet the customer.\nCall the warehouse before noon.\n")
    revise(ref.slug, body="Greet the customer.\nWrite to the chat in the evening.\n")
    page = text_of(editor_browser.get(f"/kb/{ref.slug}/diff?from=1&to=2"))
    assert any("Call the warehouse before noon." in r for r in diff_rows(page, "removed"))
    assert any("Write to the chat in the evening." in r for r in diff_rows(page, "added"))
    assert not any("Greet" in r for r in diff_rows(page, "removed") + diff_rows(page, "added"))
    assert any("Greet the customer." in r for r in diff_rows(page, "same"))
    assert editor_browser.get(f"/kb/{ref.slug}/diff?from=1&to=9").status_code == 404


def test_the_diff_page_escapes_what_it_shows(make_article, revise, editor_browser):
    ref = make_article("markup", "Markup", "plain\n")
    revise(ref.slug, body="<script>alert(1)</script>\n")
    page = html_of(editor_browser.get(f"/kb/{ref.slug}/diff?from=1&to=2"))
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)" in page


def test_history_lists_every_revision_with_its_author(
    delivery, revise, mentor, editor_browser, editor
):
    revise(delivery.slug, action="submit", author=mentor, body=SECOND)
    revise(delivery.slug, action="draft", body=THIRD)
    page = text_of(editor_browser.get(f"/kb/{delivery.slug}/history"))
    body = page.split("<tbody>")[1].split("</tbody>")[0]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.S)
    numbers = [int(re.findall(r"<td>(\d+)</td>", row)[0]) for row in rows]
    assert numbers == [3, 2, 1]
    authors = {n: row for n, row in zip(numbers, rows, strict=True)}
    assert editor.name in authors[3] and editor.name in authors[1]
    assert mentor.name in authors[2]
    assert "waiting for review" in authors[2]
    assert "live" in authors[1]


def test_nothing_is_deleted_by_editing(
    delivery, revise, mentor, editor_browser, article_form, revision_rows, in_app
):
    revise(delivery.slug, action="draft", body=SECOND)
    revise(delivery.slug, action="submit", author=mentor, body=THIRD)
    form = article_form(delivery.slug, "Late delivery", "Fourth text.", "publish")
    editor_browser.post(f"/kb/{delivery.slug}/edit", form)
    editor_browser.post(f"/kb/{delivery.slug}/restore/2", form_url=f"/kb/{delivery.slug}/history")
    rows = revision_rows(delivery.slug)
    assert [r["body"] for r in rows] == [FIRST, SECOND, THIRD, "Fourth text.", SECOND]
    total = in_app(
        lambda s: s.scalar(
            sa.select(sa.func.count())
            .select_from(ArticleRevision)
            .where(ArticleRevision.article_id == delivery.id)
        )
    )
    assert total == 5
