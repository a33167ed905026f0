"""Questions the knowledge base could not answer: asked from a failed search, answered by
the knowledge-base team or the asker's mentor, and read on the asker's "my questions" page.

Services take plain values, flush but never commit, and raise ``ServiceError`` naming the
field at fault; the caller commits once or rolls back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.auth.services import current_mentees, is_current_mentor
from lms.errors import ServiceError
from lms.gaps.models import Question
from lms.i18n import _
from lms.kb.models import Article
from lms.kb.queries import article_by_slug, can_read
from lms.kb.services import ArticleData, save_revision
from lms.models_base import utcnow

MIN_TEXT = 5
MAX_TEXT = 2000
MAX_ANSWER = 10_000
MAX_QUERY = 200
# Who answers every question; a mentor answers those of own current mentees.
ANSWER_ALL = ("editor", "admin")


@dataclass
class QuestionRow:
    """A question with the people and article it refers to, for lists and pages."""

    question: Question
    asker: User | None
    answered_by: User | None
    article: Article | None


# Asking ------------------------------------------------------------------------------------


def ask_question(session: Session, user: User, text: str, search_query: str = "") -> Question:
    """Record ``user``'s question for the knowledge-base team and the user's mentor."""
    text = (text or "").strip()
    if len(text) < MIN_TEXT:
        raise ServiceError(
            _("Describe the question in at least %(n)d characters.", n=MIN_TEXT), field="text"
        )
    if len(text) > MAX_TEXT:
        raise ServiceError(
            _("The question is longer than %(n)d characters.", n=MAX_TEXT), field="text"
        )
    question = Question(
        text=text,
        search_query=" ".join((search_query or "").split())[:MAX_QUERY],
        asker_id=user.id,
        department_id=user.department_id,
        status="open",
        created_at=utcnow(),
    )
    session.add(question)
    session.flush()
    return question


def my_questions(session: Session, user: User) -> list[Question]:
    """The user's own questions, newest first."""
    return list(
        session.scalars(
            select(Question)
            .where(Question.asker_id == user.id)
            .order_by(Question.created_at.desc(), Question.id.desc())
        )
    )


def mark_seen(question: Question, now: datetime) -> None:
    """The asker has seen the answer: it no longer counts as unread."""
    if question.answered_at is not None:
        question.seen_at = now


def unread_count(session: Session, user: User) -> int:
    """How many answers to the user's questions the user has not looked at yet."""
    unread = or_(Question.seen_at.is_(None), Question.seen_at < Question.answered_at)
    query = select(func.count(Question.id)).where(
        Question.asker_id == user.id, Question.answered_at.is_not(None), unread
    )
    return session.scalar(query) or 0


# Answering ---------------------------------------------------------------------------------


def questions_for_answerer(session: Session, user: User, today: date) -> list[Question]:
    """Open questions ``user`` may answer, oldest first: all for editors, mentees' for mentors."""
    query = select(Question).where(Question.status == "open")
    if not user.has_role(*ANSWER_ALL):
        if not user.has_role("mentor"):
            return []
        mentee_ids = [m.id for m in current_mentees(session, user, today=today)]
        query = query.where(Question.asker_id.in_(mentee_ids))
    return list(session.scalars(query.order_by(Question.created_at, Question.id)))


def can_answer(session: Session, user: User, question: Question, today: date) -> bool:
    """Editors and administrators answer any question; a mentor, those of current mentees."""
    if user.has_role(*ANSWER_ALL):
        return True
    if not user.has_role("mentor") or question.asker_id is None:
        return False
    asker = session.get(User, question.asker_id)
    return asker is not None and is_current_mentor(session, user, asker, today=today)


def article_for_answer(session: Session, slug: str) -> Article | None:
    """The article an answer points to by its slug; None for no slug."""
    slug = (slug or "").strip().lower()
    if not slug:
        return None
    article = article_by_slug(session, slug)
    if article is None:
        raise ServiceError(_("There is no article “%(slug)s”.", slug=slug), field="article")
    return article


def answer_question(
    session: Session,
    question: Question,
    user: User,
    text: str = "",
    article: Article | None = None,
    *,
    now: datetime | None = None,
) -> Question:
    """Answer in text, with an article the asker can read, or both; the asker is notified."""
    text = (text or "").strip()
    if not text and article is None:
        raise ServiceError(_("Write an answer or point to an article."), field="text")
    if len(text) > MAX_ANSWER:
        raise ServiceError(
            _("The answer is longer than %(n)d characters.", n=MAX_ANSWER), field="text"
        )
    if article is not None:
        _check_asker_can_read(session, question, article)
    question.answer = text
    question.article_id = article.id if article is not None else question.article_id
    question.status = "answered"
    question.answered_by_id = user.id
    question.answered_at = now or utcnow()
    session.flush()
    return question


def _check_asker_can_read(session: Session, question: Question, article: Article) -> None:
    asker = session.get(User, question.asker_id) if question.asker_id else None
    if asker is None or not can_read(asker, article):
        raise ServiceError(
            _(
                "The asker cannot read “%(title)s”: point to an article meant for them, "
                "or answer in text.",
                title=article.title,
            ),
            field="article",
        )


def convert_to_draft(
    session: Session,
    question: Question,
    user: User,
    *,
    slug: str,
    title: str,
    category_slug: str,
) -> Article:
    """Start a draft article from the question (as its heading) and the answer; link it."""
    heading = " ".join(question.text.split())
    body = f"## {heading}\n\n{question.answer}".rstrip() + "\n"
    data = ArticleData(
        slug=(slug or "").strip().lower(),
        title=title or "",
        body=body,
        category=category_slug or "",
    )
    revision = save_revision(
        session,
        data,
        author=user,
        action="draft",
        comment=_("From question %(id)d", id=question.id),
    )
    question.article_id = revision.article.id
    session.flush()
    return revision.article


# Reading -----------------------------------------------------------------------------------


def with_details(session: Session, questions: list[Question]) -> list[QuestionRow]:
    """Each question with its asker, answerer and article, in three queries at most."""
    user_ids = {q.asker_id for q in questions} | {q.answered_by_id for q in questions}
    users = _by_id(session, User, user_ids)
    articles = _by_id(session, Article, {q.article_id for q in questions})
    return [
        QuestionRow(
            question=q,
            asker=users.get(q.asker_id),
            answered_by=users.get(q.answered_by_id),
            article=articles.get(q.article_id),
        )
        for q in questions
    ]


def _by_id(session: Session, model: type, ids: set[int | None]) -> dict[int, object]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {row.id: row for row in session.scalars(select(model).where(model.id.in_(wanted)))}
