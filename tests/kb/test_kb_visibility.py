"""Department visibility: an article meant for one line never reaches another line's agents.

Every knowledge-base route that takes an article's slug is tried as an agent (and a mentor)
of the first line with an article meant only for the second line; the pages and lists that
show many articles are read as both lines, as staff who see everything, and for drafts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from flask import Flask
from werkzeug.routing import IntegerConverter

from lms.auth.models import Department, User
from lms.extensions import db
from lms.gaps.models import ArticleFeedback
from lms.kb import runs
from lms.kb.models import Article, ArticleRevision, MustRead, ScriptRun
from tests.conftest import Browser
from tests.kb.conftest import SCRIPT_BODY, ArticleRef, html_of, post_json, text_of

SECRET_TITLE = "Refunds over the limit — second line only"
SECRET_MARK = "zz-secret-body-marker"
SCRIPT_TITLE = "Escalation script — second line only"
SHARED_TAG = "refunds"


@pytest.fixture
def secret(make_article: Callable[..., ArticleRef], revise: Callable[..., int]) -> ArticleRef:
    """A second-line article with two revisions, tagged like a public one."""
    ref = make_article(
        "over-limit",
        SECRET_TITLE,
        f"## Steps\n\n{SECRET_MARK} first\n",
        departments=["line2"],
        tags=[SHARED_TAG],
    )
    revise(ref.slug, body=f"## Steps\n\n{SECRET_MARK} second\n")
    return ref


@pytest.fixture
def secret_script(make_article: Callable[..., ArticleRef]) -> ArticleRef:
    return make_article(
        "escalation", SCRIPT_TITLE, SCRIPT_BODY, kind="script", departments=["line2"]
    )


@pytest.fixture
def public(make_article: Callable[..., ArticleRef]) -> ArticleRef:
    return make_article("refund-basics", "Refund basics", "Everyone reads this.", tags=[SHARED_TAG])


@pytest.fixture
def agent1_browser(sign_in: Callable[[User], Browser], agent1: User) -> Browser:
    return sign_in(agent1)


def assert_hidden(response: Any, *titles: str) -> None:
    page = text_of(response)
    for title in titles:
        assert title not in page, f"{title!r} leaked on {response.request.path}"
    assert SECRET_MARK not in page


# One route at a time ----------------------------------------------------------------------


READ_ROUTES = ("", "/print", "/play")


@pytest.mark.parametrize("suffix", READ_ROUTES)
def test_line1_agent_cannot_open_a_line2_article(suffix, secret, secret_script, agent1_browser):
    for ref in (secret, secret_script):
        response = agent1_browser.get(f"/kb/{ref.slug}{suffix}")
        assert response.status_code == 403
        assert_hidden(response, SECRET_TITLE, SCRIPT_TITLE)


def test_line1_agent_cannot_leave_feedback_on_a_line2_article(
    secret, agent1_browser, in_app, agent1
):
    response = agent1_browser.post(
        f"/kb/{secret.slug}/feedback", {"helpful": "yes", "comment": "hm"}, form_url="/kb"
    )
    assert response.status_code == 403
    assert_hidden(response, SECRET_TITLE)
    assert in_app(lambda s: s.scalar(sa.select(sa.func.count(ArticleFeedback.id)))) == 0


def test_line1_agent_cannot_run_a_line2_script(
    secret_script, agent1_browser, agent2, in_app, sign_in
):
    response = post_json(agent1_browser, f"/kb/{secret_script.slug}/runs")
    assert response.status_code == 403
    assert_hidden(response, SCRIPT_TITLE)
    assert in_app(lambda s: s.scalar(sa.select(sa.func.count(ScriptRun.id)))) == 0
    # A second-line agent's run cannot be moved on by the first-line agent either.
    started = post_json(sign_in(agent2), f"/kb/{secret_script.slug}/runs")
    assert started.status_code == 201
    run_id = started.get_json()["id"]
    response = post_json(
        agent1_browser,
        f"/kb/{secret_script.slug}/runs/{run_id}",
        {"path": ["start", "answer"], "finished": True},
    )
    assert response.status_code == 403
    assert in_app(lambda s: s.get(ScriptRun, run_id).path) == ["start"]


def test_line1_agent_cannot_verify_a_line2_article(secret, agent1_browser, in_app):
    response = agent1_browser.post(f"/kb/{secret.slug}/verify", form_url="/kb")
    assert response.status_code == 403
    assert in_app(lambda s: s.get(Article, secret.id).verified_at) is None


@pytest.mark.parametrize(
    "suffix", ["/edit", "/history", "/diff?from=1&to=2", "/stats", "/must-read"]
)
def test_line1_agent_cannot_reach_the_writing_pages(suffix, secret, agent1_browser):
    response = agent1_browser.get(f"/kb/{secret.slug}{suffix}")
    assert response.status_code == 403
    assert_hidden(response, SECRET_TITLE)


@pytest.mark.parametrize("suffix", ["/edit", "/history", "/diff?from=1&to=2"])
def test_line1_mentor_cannot_read_a_line2_article_through_the_editor(
    suffix, secret, person, line1, sign_in
):
    mentor = sign_in(person("mentor", line1, name="Mark Mentor"))
    response = mentor.get(f"/kb/{secret.slug}{suffix}")
    assert response.status_code == 403
    assert_hidden(response, SECRET_TITLE)


def test_line1_mentor_cannot_write_or_restore_a_line2_article(
    secret, person, line1, sign_in, article_form, revision_rows
):
    mentor = sign_in(person("mentor", line1, name="Mark Mentor"))
    before = revision_rows(secret.slug)
    form = article_form(secret.slug, "Hijacked", "new body", "submit")
    assert mentor.post(f"/kb/{secret.slug}/edit", form, form_url="/kb").status_code == 403
    assert mentor.post(f"/kb/{secret.slug}/restore/1", form_url="/kb").status_code == 403
    assert revision_rows(secret.slug) == before


def test_line1_agent_cannot_confirm_a_must_read_of_a_line2_article(
    secret, agent1_browser, in_app, editor, line1
):
    def mark(session: Any) -> int:
        article = session.get(Article, secret.id)
        item = MustRead(
            article=article,
            revision=article.live_revision,
            departments=[session.get(Department, line1.id)],
            created_by=session.merge(editor),
        )
        session.add(item)
        session.flush()
        return item.id

    must_read_id = in_app(mark)
    index = agent1_browser.get("/kb")
    assert_hidden(index, SECRET_TITLE)
    response = agent1_browser.post(f"/kb/must-read/{must_read_id}/confirm", form_url="/kb")
    assert response.status_code == 403
    assert_hidden(agent1_browser.get("/"), SECRET_TITLE)


# Lists ------------------------------------------------------------------------------------


def list_pages(tag: str = SHARED_TAG) -> list[str]:
    return ["/kb", "/kb/c/orders", f"/kb/tag/{quote(tag)}", "/"]


def test_a_line2_article_is_absent_from_line1_lists(secret, public, agent1_browser):
    for url in list_pages():
        response = agent1_browser.get(url)
        assert response.status_code == 200, url
        assert_hidden(response, SECRET_TITLE)
    for url in ("/kb", "/kb/c/orders", f"/kb/tag/{SHARED_TAG}"):
        assert public.title in text_of(agent1_browser.get(url)), url


def test_a_line2_article_is_absent_from_related_lists(secret, public, agent1_browser):
    page = text_of(agent1_browser.get(f"/kb/{public.slug}"))
    assert public.title in page
    assert SECRET_TITLE not in page


def test_the_tag_cloud_and_counts_leave_out_what_line1_cannot_read(
    secret, make_article, agent1_browser
):
    make_article("only-line2-tagged", "Other secret", departments=["line2"], tags=["hidden-tag"])
    page = html_of(agent1_browser.get("/kb"))
    assert "hidden-tag" not in page
    # The only readable article in "orders" is none: the category shows 0.
    assert '<a href="/kb/c/orders">Orders</a>\n        <span class="muted">0</span>' in page


def test_a_line2_agent_sees_the_article_everywhere(secret, public, agent2, sign_in):
    browser = sign_in(agent2)
    for url in (f"/kb/{secret.slug}", f"/kb/{secret.slug}/print", "/kb", "/kb/c/orders"):
        assert SECRET_TITLE in text_of(browser.get(url)), url
    assert SECRET_TITLE in text_of(browser.get(f"/kb/tag/{SHARED_TAG}"))
    assert SECRET_TITLE in text_of(browser.get(f"/kb/{public.slug}"))  # related
    article = html_of(browser.get(f"/kb/{secret.slug}"))
    assert f"{SECRET_MARK} second" in article


def test_an_article_for_no_department_is_visible_to_everyone(
    public, agent1, agent2, person, sign_in
):
    nobody = person("agent", None, name="No Department")
    for user in (agent1, agent2, nobody):
        browser = sign_in(user)
        assert public.title in text_of(browser.get(f"/kb/{public.slug}"))
        assert public.title in text_of(browser.get("/kb"))


def test_an_agent_without_a_department_sees_no_department_content(secret, person, sign_in):
    browser = sign_in(person("agent", None, name="No Department"))
    assert browser.get(f"/kb/{secret.slug}").status_code == 403
    assert_hidden(browser.get("/kb"), SECRET_TITLE)


@pytest.mark.parametrize("role", ["editor", "hr", "admin"])
def test_staff_see_every_article(role, secret, login_as):
    browser = login_as(role)
    assert SECRET_TITLE in text_of(browser.get(f"/kb/{secret.slug}"))
    for url in ("/kb", "/kb/c/orders", f"/kb/tag/{SHARED_TAG}"):
        assert SECRET_TITLE in text_of(browser.get(url)), url


def test_drafts_never_published_are_invisible_to_agents(
    make_article, agent1_browser, login_as, in_app
):
    draft = make_article("upcoming", "Upcoming change", "Not yet.", action="draft", tags=["news"])
    assert in_app(lambda s: s.get(Article, draft.id).status) == "draft"
    response = agent1_browser.get(f"/kb/{draft.slug}")
    assert response.status_code == 404
    assert draft.title not in text_of(response)
    for url in ("/kb", "/kb/c/orders", "/kb/tag/news", f"/kb/{draft.slug}/print"):
        assert draft.title not in text_of(agent1_browser.get(url)), url
    # An editor opens it (to continue working on it), but lists show only published content.
    assert draft.title in text_of(login_as("editor").get(f"/kb/{draft.slug}"))


def test_a_published_article_with_a_newer_draft_shows_the_published_text(
    make_article, revise, agent1_browser
):
    ref = make_article("hours", "Opening hours", "Open 9 to 18.")
    revise(ref.slug, action="draft", title="Opening hours (draft)", body="Open 24/7.")
    page = text_of(agent1_browser.get(f"/kb/{ref.slug}"))
    assert "Open 9 to 18." in page
    assert "Open 24/7." not in page
    assert "Opening hours (draft)" not in page


def test_archived_articles_are_hidden_from_agents(make_article, agent1_browser, login_as):
    ref = make_article("old-rules", "Old rules", "Outdated.")
    editor = login_as("editor")
    editor.post(f"/kb/{ref.slug}/archive", {"archived": "1"}, form_url=f"/kb/{ref.slug}")
    assert agent1_browser.get(f"/kb/{ref.slug}").status_code == 403
    assert ref.title not in text_of(agent1_browser.get("/kb"))
    assert ref.title in text_of(editor.get(f"/kb/{ref.slug}"))


# Every route, present and future ----------------------------------------------------------


def slug_rules(app: Flask) -> list[Any]:
    return sorted(
        (r for r in app.url_map.iter_rules() if r.rule.startswith("/kb") and "slug" in r.arguments),
        key=lambda r: r.rule,
    )


def sample_arguments(rule: Any, slug: str, run_id: int) -> dict[str, Any]:
    """The secret slug, and for any other argument a value that exists where it can."""
    values: dict[str, Any] = {"slug": slug}
    for name in rule.arguments - {"slug"}:
        if name == "run_id":
            values[name] = run_id
        elif isinstance(rule._converters.get(name), IntegerConverter):
            values[name] = 1
        else:
            values[name] = "x"
    return values


@pytest.fixture
def line2_run(app: Flask, secret_script: ArticleRef, agent2: User) -> int:
    with app.test_request_context():
        article = db.session.get(Article, secret_script.id)
        run = runs.start_run(db.session, article, db.session.merge(agent2))
        db.session.commit()
        return run.id


def test_the_walk_covers_the_known_routes(app):
    endpoints = {r.endpoint for r in slug_rules(app)}
    assert {
        "kb.article",
        "kb.print_view",
        "kb.feedback",
        "kb_play.play",
        "kb_play.start_run",
        "kb_play.update_run",
        "kb_edit.edit",
        "kb_edit.history",
        "kb_edit.diff",
        "kb_edit.restore",
        "kb_edit.verify",
        "kb_edit.archive",
        "kb_edit.stats",
        "kb_edit.must_read",
    } <= endpoints


@pytest.mark.parametrize("role", ["agent", "mentor"])
def test_no_kb_route_shows_a_line2_article_to_line1(
    role, app, no_csrf, secret, secret_script, line2_run, person, line1, sign_in, in_app
):
    browser = sign_in(person(role, line1, name=f"Line1 {role}"))
    revisions_before = in_app(lambda s: s.scalar(sa.select(sa.func.count(ArticleRevision.id))))
    checked = 0
    for rule in slug_rules(app):
        for ref in (secret, secret_script):
            url = rule.build(sample_arguments(rule, ref.slug, line2_run))[1]
            methods = [m for m in ("GET", "POST") if m in rule.methods]
            for method in methods:
                if method == "GET":
                    response = browser.client.get(url + "?from=1&to=2")
                else:
                    response = browser.client.post(url, data={"action": "draft", "helpful": "yes"})
                checked += 1
                where = f"{method} {rule.rule} ({ref.slug})"
                assert response.status_code in (403, 404), where
                page = text_of(response)
                assert SECRET_TITLE not in page, where
                assert SCRIPT_TITLE not in page, where
                assert SECRET_MARK not in page, where
    assert checked >= 2 * 14
    # Nothing was written by any of those requests.
    assert (
        in_app(lambda s: s.scalar(sa.select(sa.func.count(ArticleRevision.id)))) == revisions_before
    )
    assert in_app(lambda s: s.get(ScriptRun, line2_run).path) == ["start"]
    assert in_app(lambda s: s.get(Article, secret.id).verified_at) is None
