"""What the home page shows each role, and the health of the app's stores."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from lms.auth.models import Department, Mentorship, User, UserRole
from lms.auth.services import current_mentees, current_mentorship
from lms.models_base import utcnow


def database_state(session: Session) -> str:
    """``ok`` when the database answers a query, else ``unavailable``."""
    try:
        session.execute(text("SELECT 1"))
    except Exception:  # any driver error means the same to a health check
        session.rollback()
        return "unavailable"
    return "ok"


def index_state(index_dir: str) -> str:
    """``ok`` when a search index exists on this host, ``missing`` when not built yet."""
    from whoosh import index

    from lms.search.index import is_stale

    try:
        if not (os.path.isdir(index_dir) and index.exists_in(index_dir)):
            return "missing"
    except Exception:
        return "unreadable"
    return "stale" if is_stale(index_dir) else "ok"


@dataclass
class HomePage:
    """Everything a user's home page needs, section by role."""

    mentor: User | None = None
    mentees: list[User] = field(default_factory=list)
    people_total: int = 0
    without_department: int = 0
    agents_without_mentor: int = 0
    departments: int = 0
    inactive: int = 0
    must_reads: list[Any] = field(default_factory=list)
    reviews_due: int = 0
    pending_approval: int = 0
    recent_articles: list[Any] = field(default_factory=list)
    unread_answers: int = 0
    open_questions: int = 0
    learning: list[Any] = field(default_factory=list)  # unfinished, overdue first
    essays_to_grade: int = 0
    ratings_to_review: int = 0  # negative customer ratings of the user's reports
    surveys_waiting: int = 0  # follow-up surveys of evaluated training to answer


def home_page(session: Session, user: User, *, today: date) -> HomePage:
    page = HomePage()
    mentorship = current_mentorship(session, user, today=today)
    page.mentor = mentorship.mentor if mentorship else None
    if user.has_role("mentor"):
        page.mentees = current_mentees(session, user, today=today)
    _fill_knowledge_base(session, user, page)
    if user.has_role("hr", "admin"):
        _fill_people_figures(session, page, today)
    _fill_questions(session, user, page, today)
    _fill_learning(session, user, page, today)
    page.ratings_to_review = _ratings_to_review(session, user)
    page.surveys_waiting = _surveys_waiting(session, user, today)
    return page


def _ratings_to_review(session: Session, user: User) -> int:
    from lms.evaluation.ratings import open_count

    return open_count(session, user)


def _surveys_waiting(session: Session, user: User, today: date) -> int:
    from lms.evaluation.surveys import pending_surveys

    return len(pending_surveys(session, user, today))


def _fill_learning(session: Session, user: User, page: HomePage, today: date) -> None:
    from lms.courses import assignments, attempts

    items = assignments.my_learning(session, user, today=today).items
    page.learning = sorted(
        (item for item in items if item.status != "done"), key=lambda i: i.status != "overdue"
    )
    if user.has_role("mentor", "hr", "admin"):
        page.essays_to_grade = len(attempts.pending_attempts(session, user, today=today))


def _fill_questions(session: Session, user: User, page: HomePage, today: date) -> None:
    from lms.gaps import questions

    page.unread_answers = questions.unread_count(session, user)
    if user.has_role("mentor", "editor", "admin"):
        page.open_questions = len(questions.questions_for_answerer(session, user, today))


def _fill_knowledge_base(session: Session, user: User, page: HomePage) -> None:
    from lms.kb import mustread, queries

    page.must_reads = mustread.pending_for(session, user)
    page.recent_articles = queries.recently_updated(session, user, limit=5)
    if user.has_role("editor", "admin"):
        page.reviews_due = len(queries.review_queue(session, user, now=utcnow()))
        page.pending_approval = len(queries.pending_reviews(session))


def _fill_people_figures(session: Session, page: HomePage, today: date) -> None:
    active = select(func.count(User.id)).where(User.is_active)
    page.people_total = session.scalar(active) or 0
    page.without_department = session.scalar(active.where(User.department_id.is_(None))) or 0
    page.inactive = session.scalar(select(func.count(User.id)).where(~User.is_active)) or 0
    page.departments = (
        session.scalar(select(func.count(Department.id)).where(Department.is_active)) or 0
    )
    mentored = (
        select(Mentorship.mentee_id)
        .where(Mentorship.started_on <= today)
        .where((Mentorship.ended_on.is_(None)) | (Mentorship.ended_on > today))
    )
    page.agents_without_mentor = (
        session.scalar(
            active.where(User.role_rows.any(UserRole.role == "agent"))
            .where(User.role_rows.any(UserRole.role == "mentor") == False)  # noqa: E712
            .where(User.id.not_in(mentored))
        )
        or 0
    )
