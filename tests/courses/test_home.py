"""The home page's learning cards: an agent's unfinished courses, overdue first; a
mentor's attempts waiting for a grade."""

from __future__ import annotations

from datetime import timedelta

from lms.courses import assignments
from lms.courses.models import Assignment, Course
from lms.extensions import db
from lms.models_base import utcnow
from tests.courses.conftest import COURSE, finish_course, html_of, me


def assign(user, hr, due_on, today):
    course = db.session.scalar(db.select(Course).where(Course.slug == COURSE))
    assignments.assign(
        db.session, me(hr), course, [me(user)], due_on=due_on, today=today, now=utcnow()
    )


def test_an_agents_home_lists_assigned_courses_and_marks_the_overdue(
    app, course, person, users, sign_in, in_app, today
):
    agent = person("agent")
    in_app(lambda s: assign(agent, users["hr"], today, today))
    in_app(lambda s: s.execute(db.update(Assignment).values(due_on=today - timedelta(days=2))))
    page = html_of(sign_in(agent).get("/"))
    card = page[page.index('id="h-learning"') :]
    assert "Calm calls" in card[: card.index("</section>")]
    assert "overdue" in card[: card.index("</section>")]


def test_an_agent_without_assignments_is_pointed_to_the_catalogue(course, person, sign_in):
    page = html_of(sign_in(person("agent")).get("/"))
    card = page[page.index('id="h-learning"') :]
    card = card[: card.index("</section>")]
    assert "No courses are assigned to you yet" in card
    assert 'href="/courses"' in card


def test_a_mentors_home_counts_attempts_waiting_for_a_grade(
    app, ctx, course, person, make_mentor, sign_in
):
    mentor, mentee = person("mentor"), person("agent")
    make_mentor(mentor, mentee)
    state = finish_course(mentee, essay="I would listen first.")
    db.session.commit()
    assert state.attempts["final"][-1].state == "pending"
    page = html_of(sign_in(mentor).get("/"))
    assert "1 quiz attempt waits for your grade" in page
    assert 'href="/learning/grading"' in page
