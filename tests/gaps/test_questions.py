"""The "Nothing helped? Ask" loop: asking, the answerers' queue, answers, drafts from answers."""

# The knowledge-base fixtures are imported below; taking them as arguments redefines them.
# ruff: noqa: F811

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa

from lms.auth.models import User
from lms.auth.services import assign_mentor
from lms.errors import ServiceError
from lms.gaps import questions
from lms.gaps.models import Question
from lms.kb.models import Article, ArticleRevision
from tests.kb.conftest import (  # noqa: F401
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
from tests.search.test_search_web import index_dir  # noqa: F401


@pytest.fixture
def mentor(person: Any, line1: Any, agent1: User, in_app: Any) -> User:
    """A mentor whose current mentee is ``agent1`` (and not ``agent2``)."""
    mentor = person("mentor", line1, name="Maria Mentor")

    def assign(session: Any) -> None:
        me = session.merge(mentor)
        assign_mentor(session, session.merge(agent1), me, started_on=_today(), actor=me)

    in_app(assign)
    return mentor


def _today() -> date:
    return date.today()


def ask(in_app: Any, user: User, text: str, query: str = "") -> int:
    return in_app(lambda s: questions.ask_question(s, s.merge(user), text, query).id)


def load(in_app: Any, question_id: int) -> dict[str, Any]:
    def read(session: Any) -> dict[str, Any]:
        q = session.get(Question, question_id)
        return {c: getattr(q, c) for c in ("status", "answer", "article_id", "answered_by_id")}

    return in_app(read)


def count_questions(in_app: Any) -> int:
    return in_app(lambda s: s.scalar(sa.select(sa.func.count(Question.id))))


# Asking ------------------------------------------------------------------------------------


def test_the_ask_page_is_prefilled_with_the_search(sign_in, agent1):
    page = text_of(sign_in(agent1).get("/questions/ask?q=refund to a foreign card"))
    assert re.search(r">\s*refund to a foreign card</textarea>", page)
    assert 'name="search_query" type="hidden" value="refund to a foreign card"' in page


def test_asking_stores_the_question_with_the_department(sign_in, agent1, in_app):
    browser = sign_in(agent1)
    response = browser.post(
        "/questions/ask", {"text": "How do I refund a gift card?", "search_query": "gift refund"}
    )
    assert response.status_code == 200
    assert "Question sent" in html_of(response) and "/questions/mine" in html_of(response)
    columns = (Question.text, Question.search_query, Question.asker_id, Question.department_id)
    row = in_app(lambda s: tuple(s.execute(sa.select(*columns)).one()))
    assert row == ("How do I refund a gift card?", "gift refund", agent1.id, agent1.department_id)


@pytest.mark.parametrize("text", ["", "abc", "x" * 2001])
def test_a_bad_question_names_the_field_and_writes_nothing(sign_in, agent1, in_app, text):
    response = sign_in(agent1).post("/questions/ask", {"text": text})
    assert response.status_code == 400
    assert 'id="text-error"' in html_of(response)
    assert count_questions(in_app) == 0


def test_the_service_refuses_a_short_question(app, agent1):
    with app.test_request_context():
        from lms.extensions import db

        with pytest.raises(ServiceError) as error:
            questions.ask_question(db.session, db.session.merge(agent1), "  hi ")
        assert error.value.field == "text"


# Who answers -------------------------------------------------------------------------------


def test_a_mentor_sees_own_mentees_questions_editors_all(
    sign_in, mentor, agent1, agent2, editor, in_app
):
    mine = ask(in_app, agent1, "Question from the mentee")
    other = ask(in_app, agent2, "Question from someone else")
    as_mentor = sign_in(mentor)
    queue = text_of(as_mentor.get("/questions"))
    assert "Question from the mentee" in queue and "someone else" not in queue
    assert as_mentor.get(f"/questions/{mine}").status_code == 200
    assert as_mentor.get(f"/questions/{other}").status_code == 403
    editor_queue = text_of(sign_in(editor).get("/questions"))
    assert "Question from the mentee" in editor_queue and "someone else" in editor_queue


def test_agents_cannot_open_the_queue_or_answer(sign_in, agent1, agent2, in_app):
    question = ask(in_app, agent2, "Can I answer this myself?")
    browser = sign_in(agent1)
    assert browser.get("/questions").status_code == 403
    assert browser.get(f"/questions/{question}").status_code == 403
    response = browser.post(f"/questions/{question}", {"text": "Yes"}, form_url="/questions/ask")
    assert response.status_code == 403
    assert load(in_app, question)["status"] == "open"


def test_the_queue_explains_when_empty(sign_in, editor):
    assert "No open questions" in text_of(sign_in(editor).get("/questions"))


# Answers -----------------------------------------------------------------------------------


def test_a_text_answer_reaches_the_asker_once(sign_in, mentor, agent1, in_app):
    question = ask(in_app, agent1, "What if the courier is late?")
    home = text_of(sign_in(mentor).get("/"))
    assert "<strong>1</strong> question waiting for an answer" in home
    response = sign_in(mentor).post(
        f"/questions/{question}", {"text": "Offer a voucher.", "article": ""}
    )
    assert response.status_code == 302
    assert load(in_app, question)["status"] == "answered"
    agent = sign_in(agent1)
    assert "1 answer to your questions" in text_of(agent.get("/"))
    page = text_of(agent.get("/questions/mine"))
    assert "What if the courier is late?" in page and "Offer a voucher." in page
    assert "new answer" in page
    assert "answers to your questions" not in text_of(agent.get("/"))
    assert "answer to your questions" not in text_of(agent.get("/"))
    assert "new answer" not in text_of(agent.get("/questions/mine"))


def test_an_empty_answer_is_refused(sign_in, editor, agent1, in_app):
    question = ask(in_app, agent1, "Nobody answers this?")
    response = sign_in(editor).post(f"/questions/{question}", {"text": " ", "article": ""})
    assert response.status_code == 400 and 'id="text-error"' in html_of(response)
    assert load(in_app, question)["status"] == "open"


def test_pointing_to_an_article_the_asker_cannot_read_is_refused(
    sign_in, editor, agent1, in_app, make_article
):
    hidden = make_article("second-line-refunds", departments=["line2"])
    shown = make_article("refunds-for-all")
    question = ask(in_app, agent1, "How do refunds work?")
    browser = sign_in(editor)
    refused = browser.post(f"/questions/{question}", {"text": "", "article": hidden.slug})
    assert refused.status_code == 400
    assert "cannot read" in text_of(refused) and 'id="article-error"' in html_of(refused)
    assert load(in_app, question)["status"] == "open"
    unknown = browser.post(f"/questions/{question}", {"text": "", "article": "no-such-thing"})
    assert unknown.status_code == 400 and 'id="article-error"' in html_of(unknown)
    assert browser.post(f"/questions/{question}", {"article": shown.slug}).status_code == 302
    assert load(in_app, question)["article_id"] == shown.id
    page = text_of(sign_in(agent1).get("/questions/mine"))
    assert f'href="/kb/{shown.slug}"' in page and shown.title in page


def test_my_questions_explains_when_empty(sign_in, agent1):
    assert "You have not asked anything yet" in text_of(sign_in(agent1).get("/questions/mine"))


def test_nobody_sees_anothers_questions(sign_in, agent1, agent2, in_app):
    ask(in_app, agent2, "A private question")
    assert "A private question" not in text_of(sign_in(agent1).get("/questions/mine"))


# Drafts from answers -----------------------------------------------------------------------


def test_an_answer_becomes_a_draft_article(sign_in, editor, agent1, in_app, kb_category):
    question = ask(in_app, agent1, "Can a refund go to another card?")
    browser = sign_in(editor)
    browser.post(f"/questions/{question}", {"text": "Only to the card that paid."})
    response = browser.post(
        f"/questions/{question}/draft",
        {"title": "Refund to another card", "slug": "refund-other-card", "category": kb_category},
        form_url=f"/questions/{question}",
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/kb/refund-other-card/edit")

    def read(session: Any) -> tuple[Any, ...]:
        article = session.scalar(sa.select(Article).where(Article.slug == "refund-other-card"))
        revision = session.scalar(
            sa.select(ArticleRevision).where(ArticleRevision.article_id == article.id)
        )
        return article.id, article.status, revision.state, revision.body

    article_id, status, state, body = in_app(read)
    assert (status, state) == ("draft", "draft")
    assert body.startswith("## Can a refund go to another card?\n\nOnly to the card that paid.")
    assert load(in_app, question)["article_id"] == article_id
    agent = sign_in(agent1)
    assert agent.get("/kb/refund-other-card").status_code in (403, 404)
    assert 'href="/kb/refund-other-card"' not in text_of(agent.get("/questions/mine"))


def test_a_taken_slug_is_refused_on_its_field(sign_in, editor, agent1, in_app, make_article):
    taken = make_article("already-here")
    question = ask(in_app, agent1, "Anything about this?")
    response = sign_in(editor).post(
        f"/questions/{question}/draft",
        {"title": "Title", "slug": taken.slug, "category": "orders"},
        form_url=f"/questions/{question}",
    )
    assert response.status_code == 400 and 'id="slug-error"' in html_of(response)
    assert load(in_app, question)["article_id"] is None


def test_a_mentor_without_editor_rights_returns_to_the_question(
    sign_in, mentor, agent1, in_app, kb_category
):
    question = ask(in_app, agent1, "Mentor writes it up?")
    response = sign_in(mentor).post(
        f"/questions/{question}/draft",
        {"title": "Mentor draft", "slug": "mentor-draft", "category": kb_category},
        form_url=f"/questions/{question}",
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/questions/{question}")
    assert load(in_app, question)["article_id"] is not None


# The search page ---------------------------------------------------------------------------


def test_search_results_offer_to_ask(sign_in, agent1, index_dir):
    page = text_of(sign_in(agent1).get("/search?q=zzqx nothing matches this"))
    assert 'href="/questions/ask?q=zzqx+nothing+matches+this"' in page
