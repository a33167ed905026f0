"""Mentor meeting notes in the four steps of the feedback algorithm (observation, impact,
correction, consolidation), acknowledged by the agent; a note can assign homework."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from lms.auth.models import User
from lms.auth.services import is_current_mentor
from lms.courses import assignments as course_assignments
from lms.courses.models import Course
from lms.errors import ServiceError
from lms.i18n import _
from lms.probation.models import MeetingNote
from lms.probation.services import active_probation


def add_meeting_note(
    session: Session,
    mentor: User,
    mentee: User,
    *,
    held_on: date,
    observation: str,
    impact: str,
    correction: str,
    consolidation: str,
    homework: Course | None = None,
    homework_due: date | None = None,
    today: date,
    now: datetime,
) -> MeetingNote:
    """A note in the four steps of the feedback algorithm; homework is assigned as a course."""
    fields = {
        "observation": observation,
        "impact": impact,
        "correction": correction,
        "consolidation": consolidation,
    }
    for name, value in fields.items():
        if not value.strip():
            raise ServiceError(_("Fill in every step of the feedback."), field=name)
    probation = active_probation(session, mentee)
    if not mentor.has_role("hr", "admin") and not is_current_mentor(
        session, mentor, mentee, today=today
    ):
        raise ServiceError(_("Only the person's mentor writes meeting notes."))
    note = MeetingNote(
        mentor_id=mentor.id,
        mentee_id=mentee.id,
        probation_id=probation.id if probation else None,
        held_on=held_on,
        homework_course_id=homework.id if homework else None,
        **{name: value.strip() for name, value in fields.items()},
    )
    session.add(note)
    if homework is not None:
        course_assignments.assign(
            session, mentor, homework, [mentee], due_on=homework_due, today=today, now=now
        )
    session.flush()
    return note


def acknowledge_note(session: Session, note: MeetingNote, agent: User, *, now: datetime) -> None:
    if note.mentee_id != agent.id:
        raise ServiceError(_("Only the person the note is about acknowledges it."))
    note.acknowledged_at = note.acknowledged_at or now
    session.flush()


def notes_for(session: Session, mentee: User) -> list[MeetingNote]:
    return list(
        session.scalars(
            select(MeetingNote)
            .where(MeetingNote.mentee_id == mentee.id)
            .options(selectinload(MeetingNote.mentor))
            .order_by(MeetingNote.held_on.desc(), MeetingNote.id.desc())
        )
    )
