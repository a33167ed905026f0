"""Demo learning: assignments, people at every stage of a course, an essay waiting for the
mentor and a badge, so the learning pages are not empty on first look.

Runs once: when any demo person already has an enrolment or an assignment, it does nothing.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.courses import assignments, attempts, services
from lms.courses.gift import Question, correct_response
from lms.courses.models import Assignment, Course, Enrolment, Program

ESSAY_COMMENT = (
    "Хорошая структура ответа. Добавьте конкретный срок, к которому клиент получит решение."
)
ESSAY_ANSWER = (
    "Сначала выслушаю клиента до конца и не буду перебивать. Затем признаю, что ситуация "
    "неприятная, и назову, что именно сделаю и к какому сроку."
)


def right_answer(question: Question) -> Any:
    """A response that earns full marks (an essay gets a sensible text)."""
    return ESSAY_ANSWER if question.type == "essay" else correct_response(question)


def _take_quiz(
    session: Session,
    user: User,
    course: Course,
    kind: str,
    now: datetime,
    *,
    wrong: int = 0,
    grader: User | None = None,
) -> None:
    """Answer every question right except the first ``wrong`` ones, and submit; essays are
    graded by ``grader`` when given, else left waiting."""
    state = services.course_state(session, user, course)
    if course.quiz(kind) is None or state.may_start(kind):
        return
    attempt = attempts.start_or_resume(
        session, user, state, kind, now=now, rng=random.Random(user.id)
    )
    questions = attempts.questions_of(attempt)
    for n, index in enumerate(attempt.question_order):
        question = questions[index]
        if question.max_mark <= 0:
            continue
        answer = None if n < wrong else right_answer(question)
        if answer is not None:
            attempts.save_response(session, attempt, index, answer, now=now)
    attempts.submit(session, user, state, attempt, now=now)
    if attempt.state == "pending" and grader is not None:
        essays = {
            row.question_index: (0.8, ESSAY_COMMENT)
            for row in attempt.responses
            if row.needs_grading
        }
        attempts.grade_essays(session, grader, attempt, essays, state=state, now=now)


def _study(
    session: Session,
    user: User,
    course: Course,
    now: datetime,
    *,
    lessons: int | None = None,
    wrong: int = 0,
    grader: User | None = None,
) -> None:
    """Take the pre-test, ``lessons`` lessons (all by default), then the post-test and the
    final quiz."""
    _take_quiz(session, user, course, "pre", now - timedelta(days=6), wrong=2)
    state = services.course_state(session, user, course)
    for n, lesson in enumerate(state.lessons[:lessons]):
        services.complete_lesson(
            session, user, state, lesson, now=now - timedelta(days=5 - min(n, 4))
        )
    if lessons is None:
        _take_quiz(session, user, course, "post", now - timedelta(days=1))
        _take_quiz(session, user, course, "final", now, wrong=wrong, grader=grader)


def seed_demo_learning(session: Session, *, today: date, now: datetime) -> int:
    """Seed the demo's learning; returns how many people it touched (0: already seeded)."""
    people = {
        u.email: u for u in session.scalars(select(User).where(User.email.like("%@example.com")))
    }
    agents = [u for u in people.values() if u.has_role("agent")]
    if (
        not agents
        or session.scalar(
            select(Enrolment.id).where(Enrolment.user_id.in_([u.id for u in agents])).limit(1)
        )
        or session.scalar(select(Assignment.id).limit(1))
    ):
        return 0
    courses = {c.slug: c for c in session.scalars(select(Course).where(Course.is_active))}
    hr, mentor, agent = (
        people.get("hr@example.com"),
        people.get("mentor@example.com"),
        people.get("agent@example.com"),
    )
    if not courses or hr is None:
        return 0
    line_one = [u for u in agents if u.department and u.department.code == "line1"] or agents
    for slug in ("product-basics", "customer-negativity"):
        if slug in courses:
            assignments.assign(
                session, hr, courses[slug], line_one,
                due_on=today + timedelta(days=21), today=today, now=now,
            )  # fmt: skip
    others = sorted((u for u in line_one if u not in (agent, mentor)), key=lambda u: u.email)
    basics = courses.get("product-basics")
    if basics is not None:
        # Passed, halfway, and failed the final quiz: two people at each stage.
        for n, person in enumerate(others[:6]):
            stage = n % 3
            if stage == 0:
                _study(session, person, basics, now - timedelta(days=2 + n), grader=mentor)
            elif stage == 1:
                _study(session, person, basics, now - timedelta(days=1), lessons=2)
            else:
                _study(session, person, basics, now - timedelta(days=3), wrong=5, grader=mentor)
    _demo_overdue(session, others[2:5], courses.get("scripts-and-objections"), hr, today, now)
    if agent is not None and mentor is not None:
        _demo_agent(session, agent, mentor, courses, today, now)
    return len(others[:6]) + (agent is not None)


def _demo_overdue(
    session: Session,
    people: list[User],
    course: Course | None,
    hr: User,
    today: date,
    now: datetime,
) -> None:
    """Assignments whose due date has passed, for the "overdue" highlight and report."""
    if course is None or not people:
        return
    assignments.assign(
        session, hr, course, people, due_on=today, today=today, now=now - timedelta(days=30)
    )
    for row in session.scalars(select(Assignment).where(Assignment.course_id == course.id)):
        if row.user_id in {p.id for p in people}:
            row.due_on = today - timedelta(days=5)
            row.assigned_at = now - timedelta(days=30)


def _demo_agent(
    session: Session,
    agent: User,
    mentor: User,
    courses: dict[str, Course],
    today: date,
    now: datetime,
) -> None:
    """agent@: level 1 of the program done (its badge), and a final quiz whose essay waits
    for mentor@ to grade."""
    program = session.scalar(select(Program).where(Program.slug == "line-one-path"))
    if program is not None and program.levels:
        assignments.assign(
            session, mentor, program, [agent],
            due_on=today + timedelta(days=60), today=today, now=now,
        )  # fmt: skip
        for course in program.levels[0].courses:
            _study(session, agent, course, now - timedelta(days=3), grader=mentor)
    if "scripts-and-objections" in courses:
        _study(session, agent, courses["scripts-and-objections"], now - timedelta(hours=5))
