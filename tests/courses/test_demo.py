"""``flask lms demo`` seeds learning: people at every stage, a completed course, an essay
waiting for mentor@, a badge for agent@ and overdue assignments; once only."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import Flask

from lms.auth.models import User
from lms.courses import assignments, attempts, services
from lms.courses.models import (
    Assignment,
    AttemptResponse,
    BadgeAward,
    Course,
    Enrolment,
    LessonProgress,
    QuizAttempt,
)
from lms.extensions import db
from tests.conftest import Browser

MODELS = (Enrolment, LessonProgress, QuizAttempt, AttemptResponse, Assignment, BadgeAward)


def counts() -> dict[str, int]:
    return {
        model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in MODELS
    }


def by_email(email: str) -> User:
    user = db.session.scalar(sa.select(User).where(User.email == email))
    assert user is not None, email
    return user


def test_the_demo_has_learners_at_every_stage_and_runs_once(app: Flask):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["lms", "demo"])
    assert first.exit_code == 0, first.output
    today = date.today()
    with app.test_request_context():
        seeded = counts()
        in_progress = db.session.scalars(
            sa.select(Enrolment).where(Enrolment.completed_at.is_(None), Enrolment.lessons_done > 0)
        ).all()
        assert len(in_progress) >= 2
        completed = db.session.scalars(
            sa.select(Enrolment).where(Enrolment.completed_at.is_not(None))
        ).all()
        basics = db.session.scalar(sa.select(Course.id).where(Course.slug == "product-basics"))
        assert any(e.course_id == basics and e.user.email != "agent@example.com" for e in completed)

        mentor, agent = by_email("mentor@example.com"), by_email("agent@example.com")
        pending = attempts.pending_attempts(db.session, mentor, today=today)
        assert [(a.user.email, a.quiz.course.slug, a.quiz.kind) for a in pending] == [
            ("agent@example.com", "scripts-and-objections", "final")
        ]
        assert any(row.needs_grading and row.response for row in pending[0].responses)
        assert attempts.can_grade(db.session, mentor, pending[0], today=today)

        awarded = services.badges(db.session, agent)
        assert [(b.level.program.slug, b.level.position) for b in awarded] == [("line-one-path", 0)]
        program = services.program_by_slug(db.session, "line-one-path")
        levels = services.program_state(db.session, agent, program)
        assert levels[0].award is not None and levels[1].unlocked and levels[2].unlocked is False

        overdue = assignments.overdue_assignments(db.session, today=today)
        assert overdue and all(a.due_on < today and a.completed_at is None for a in overdue)
        learning = assignments.my_learning(db.session, overdue[0].user, today=today)
        assert learning.of("overdue")

    again = runner.invoke(args=["lms", "demo"])
    assert again.exit_code == 0, again.output
    with app.test_request_context():
        assert counts() == seeded


def test_the_demo_mentor_sees_the_essay_to_grade(app: Flask):
    assert app.test_cli_runner().invoke(args=["lms", "demo"]).exit_code == 0
    browser = Browser(app.test_client())
    assert browser.login("mentor@example.com", "demo").status_code == 302
    page = browser.get("/learning/grading").get_data(as_text=True)
    assert "Алексей Иванов" in page and "/learning/grading/" in page
    agent = Browser(app.test_client())
    assert agent.login("agent@example.com", "demo").status_code == 302
    assert agent.get("/learning/grading").status_code == 403
    learning = agent.get("/learning").get_data(as_text=True)
    assert "Голос компании" in learning  # the level-1 badge
