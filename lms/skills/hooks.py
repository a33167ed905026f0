"""Assessments recorded by other domains' events: a finished course raises its skills."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.courses import services as course_services
from lms.courses.models import Course
from lms.skills.assessments import record


def course_assessments(session: Session, user: User, course: Course, when: datetime) -> None:
    """Finishing a course records a course assessment of each skill it raises (those still
    in the catalogue: a retired skill takes no new levels)."""
    for row in course.skill_rows:
        if row.skill.is_active:
            record(session, user, row.skill, row.level, source="course", author=None, now=when)


def register_hooks() -> None:
    if course_assessments not in course_services.completion_hooks:
        course_services.completion_hooks.append(course_assessments)
