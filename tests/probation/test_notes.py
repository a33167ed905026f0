"""Mentor meeting notes: the four steps of the feedback algorithm, homework assigned as a
course, acknowledged by the mentee alone."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from lms.auth.models import User
from lms.auth.services import assign_mentor
from lms.courses.models import Assignment, Course
from lms.errors import ServiceError
from lms.extensions import db
from lms.models_base import utcnow
from lms.probation import notes
from lms.probation.models import MeetingNote, Probation
from tests.courses.conftest import SECOND, course_id, me

STEPS = {
    "observation": "  Read the refund rules from memory.  ",
    "impact": "The customer got the wrong deadline.",
    "correction": "Open the article before answering.",
    "consolidation": "Next week: five refund chats together.",
}


def add_note(
    mentor: User, mentee: User, today: date, *, held_on: date | None = None, **kwargs: Any
) -> MeetingNote:
    return notes.add_meeting_note(
        db.session, me(mentor), me(mentee),
        held_on=held_on or today, **{**STEPS, **kwargs}, today=today, now=utcnow(),
    )  # fmt: skip


def note_count() -> int:
    return db.session.scalar(select(func.count()).select_from(MeetingNote))


@pytest.mark.parametrize("step", list(STEPS))
def test_a_note_needs_all_four_steps(
    probation: Probation, people: dict[str, User], today: date, step: str
):
    with pytest.raises(ServiceError, match="every step of the feedback") as caught:
        add_note(people["mentor"], people["agent"], today, **{step: " \n "})
    assert caught.value.field == step
    assert note_count() == 0


def test_a_note_is_kept_with_the_probation_and_listed_newest_first(
    probation: Probation, people: dict[str, User], today: date
):
    older = add_note(people["mentor"], people["agent"], today, held_on=today - timedelta(days=7))
    newer = add_note(people["mentor"], people["agent"], today, observation="Second meeting.")
    assert (older.probation_id, older.mentor_id, older.mentee_id) == (
        probation.id, people["mentor"].id, people["agent"].id,
    )  # fmt: skip
    assert (older.observation, older.impact, older.correction, older.consolidation) == (
        "Read the refund rules from memory.",
        "The customer got the wrong deadline.",
        "Open the article before answering.",
        "Next week: five refund chats together.",
    )
    assert (older.homework_course_id, older.acknowledged_at) == (None, None)
    found = notes.notes_for(db.session, me(people["agent"]))
    assert [(n.id, n.observation, n.mentor.name) for n in found] == [
        (newer.id, "Second meeting.", "Maria Mentor"),
        (older.id, "Read the refund rules from memory.", "Maria Mentor"),
    ]
    assert notes.notes_for(db.session, me(people["other_agent"])) == []


def test_a_note_without_a_probation_has_none(
    course: Course, people: dict[str, User], today: date, in_app: Any
):
    in_app(
        lambda session: assign_mentor(
            session, me(people["other_agent"]), me(people["other_mentor"]),
            started_on=today, actor=me(people["hr"]),
        )
    )  # fmt: skip
    note = add_note(people["other_mentor"], people["other_agent"], today)
    assert note.probation_id is None


def test_homework_is_assigned_as_a_course(
    probation: Probation, people: dict[str, User], today: date
):
    due = today + timedelta(days=10)
    homework = db.session.get_one(Course, course_id(SECOND))
    note = add_note(people["mentor"], people["agent"], today, homework=homework, homework_due=due)
    assert note.homework_course_id == homework.id
    assignment = db.session.scalar(
        select(Assignment).where(
            Assignment.user_id == people["agent"].id, Assignment.course_id == homework.id
        )
    )
    assert assignment is not None
    assert (assignment.due_on, assignment.assigned_by_id) == (due, people["mentor"].id)


def test_only_the_mentee_acknowledges_a_note(
    probation: Probation, people: dict[str, User], today: date
):
    note = add_note(people["mentor"], people["agent"], today)
    for who in ("mentor", "other_agent", "hr"):
        with pytest.raises(ServiceError, match="Only the person the note is about"):
            notes.acknowledge_note(db.session, note, me(people[who]), now=utcnow())
    assert note.acknowledged_at is None
    first = utcnow()
    notes.acknowledge_note(db.session, note, me(people["agent"]), now=first)
    notes.acknowledge_note(db.session, note, me(people["agent"]), now=first + timedelta(hours=1))
    db.session.expire_all()
    assert db.session.get(MeetingNote, note.id).acknowledged_at == first
