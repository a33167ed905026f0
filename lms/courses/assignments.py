"""Assigned training: HR assigns a course or a program to people, a department or a
position, with a due date; a mentor to their own mentees. "My learning" and HR's
completion report read from here.

One assignment per person and course (or program): assigning again changes the due date
and never duplicates. A course the person has already completed is not assigned again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session, selectinload

from lms.auth.models import Department, Mentorship, User
from lms.courses.models import Assignment, BadgeAward, Course, Enrolment, Program, ProgramLevel
from lms.errors import ServiceError
from lms.i18n import _, ngettext

Target = Course | Program


@dataclass
class AssignReport:
    created: list[User] = field(default_factory=list)
    updated: list[User] = field(default_factory=list)  # already assigned: due date changed
    kept: list[User] = field(default_factory=list)  # already assigned with that date
    completed: list[User] = field(default_factory=list)  # finished it already: skipped


def people_to_assign(
    session: Session,
    *,
    user_ids: Iterable[int] = (),
    department_id: int | None = None,
    position_id: int | None = None,
) -> list[User]:
    """Active people chosen by id, by department, by position (or department and position
    together), without repeats."""
    conditions = []
    ids = list(user_ids)
    if ids:
        conditions.append(User.id.in_(ids))
    if department_id and position_id:
        conditions.append(
            and_(User.department_id == department_id, User.position_id == position_id)
        )
    elif department_id:
        conditions.append(User.department_id == department_id)
    elif position_id:
        conditions.append(User.position_id == position_id)
    if not conditions:
        return []
    return list(
        session.scalars(select(User).where(User.is_active, or_(*conditions)).order_by(User.name))
    )


def mentee_ids(session: Session, mentor: User, *, today: date) -> set[int]:
    return set(
        session.scalars(
            select(Mentorship.mentee_id).where(
                Mentorship.mentor_id == mentor.id,
                Mentorship.started_on <= today,
                or_(Mentorship.ended_on.is_(None), Mentorship.ended_on > today),
            )
        )
    )


def assign(
    session: Session,
    actor: User,
    target: Target,
    people: list[User],
    *,
    due_on: date | None,
    today: date,
    now: datetime,
    keep_due: bool = False,
) -> AssignReport:
    """Assign ``target`` to ``people``. HR and admins may assign to anyone; a mentor only
    to current mentees (anyone else is refused by name, and nothing is assigned). An
    existing assignment gets the new due date, unless ``keep_due``."""
    if not people:
        raise ServiceError(_("Choose at least one person, a department or a position."))
    if due_on is not None and due_on < today:
        raise ServiceError(_("The due date is in the past."), field="due_on")
    if not actor.has_role("hr", "admin"):
        allowed = mentee_ids(session, actor, today=today)
        others = [p.name for p in people if p.id not in allowed]
        if others:
            raise ServiceError(
                ngettext(
                    "You can assign training only to your mentees; %(names)s is not one.",
                    "You can assign training only to your mentees; %(names)s are not.",
                    len(others),
                    names=", ".join(others),
                )
            )
    column = Assignment.course_id if isinstance(target, Course) else Assignment.program_id
    ids = [p.id for p in people]
    existing = {
        a.user_id: a
        for a in session.scalars(
            select(Assignment).where(column == target.id, Assignment.user_id.in_(ids))
        )
    }
    finished = _finished(session, target, ids)
    report = AssignReport()
    for person in people:
        assignment = existing.get(person.id)
        if assignment is not None:
            if assignment.due_on == due_on or keep_due:
                report.kept.append(person)
            else:
                assignment.due_on = due_on
                report.updated.append(person)
            continue
        if person.id in finished:
            report.completed.append(person)
            continue
        session.add(
            Assignment(
                user_id=person.id,
                course_id=target.id if isinstance(target, Course) else None,
                program_id=target.id if isinstance(target, Program) else None,
                due_on=due_on,
                assigned_by_id=actor.id,
                assigned_at=now,
            )
        )
        report.created.append(person)
    session.flush()
    return report


def _finished(session: Session, target: Target, user_ids: list[int]) -> set[int]:
    """Who of ``user_ids`` has already completed the course (or every level of the program)."""
    if isinstance(target, Course):
        return set(
            session.scalars(
                select(Enrolment.user_id).where(
                    Enrolment.course_id == target.id,
                    Enrolment.user_id.in_(user_ids),
                    Enrolment.completed_at.is_not(None),
                )
            )
        )
    levels = len(target.levels)
    rows = session.execute(
        select(BadgeAward.user_id, func.count())
        .join(BadgeAward.level)
        .where(ProgramLevel.program_id == target.id, BadgeAward.user_id.in_(user_ids))
        .group_by(BadgeAward.user_id)
    )
    return {user_id for user_id, count in rows if levels and count >= levels}


def unassign(session: Session, assignment: Assignment) -> None:
    session.delete(assignment)
    session.flush()


# My learning ---------------------------------------------------------------------------------


@dataclass
class LearningItem:
    """A course or program on someone's list, with its assignment (if assigned)."""

    title: str
    course: Course | None
    program: Program | None
    assignment: Assignment | None
    enrolment: Enrolment | None
    status: str  # assigned | in_progress | overdue | done
    levels_done: int = 0  # programs: levels whose badge is earned

    @property
    def due_on(self) -> date | None:
        return self.assignment.due_on if self.assignment else None


@dataclass
class MyLearning:
    items: list[LearningItem]

    def of(self, status: str) -> list[LearningItem]:
        return [item for item in self.items if item.status == status]


def my_learning(session: Session, user: User, *, today: date) -> MyLearning:
    """Assigned courses and programs, and courses started on one's own, sorted into
    assigned (not started), in progress, overdue and done; due dates first."""
    assignments = list(
        session.scalars(
            select(Assignment)
            .where(Assignment.user_id == user.id)
            .options(
                selectinload(Assignment.course),
                selectinload(Assignment.program)
                .selectinload(Program.levels)
                .selectinload(ProgramLevel.courses),
                selectinload(Assignment.assigned_by),
            )
        )
    )
    enrolments = {
        e.course_id: e
        for e in session.scalars(
            select(Enrolment)
            .where(Enrolment.user_id == user.id)
            .options(selectinload(Enrolment.course))
        )
    }
    started_ids = set(enrolments)
    earned = set(session.scalars(select(BadgeAward.level_id).where(BadgeAward.user_id == user.id)))
    items = []
    for assignment in assignments:
        enrolment = enrolments.pop(assignment.course_id, None) if assignment.course_id else None
        started = enrolment is not None or _program_started(assignment.program, started_ids)
        if assignment.completed_at is not None:
            status = "done"
        elif assignment.is_overdue(today):
            status = "overdue"
        else:
            status = "in_progress" if started else "assigned"
        target = assignment.course or assignment.program
        assert target is not None
        item = LearningItem(
            target.title, assignment.course, assignment.program, assignment, enrolment, status
        )
        if assignment.program is not None:
            item.levels_done = sum(level.id in earned for level in assignment.program.levels)
            if item.levels_done and status == "assigned":
                item.status = "in_progress"
        items.append(item)
    for enrolment in enrolments.values():
        if not enrolment.course.is_active and enrolment.completed_at is None:
            continue
        status = "done" if enrolment.completed_at else "in_progress"
        items.append(
            LearningItem(enrolment.course.title, enrolment.course, None, None, enrolment, status)
        )
    items.sort(key=lambda item: (item.due_on or date.max, item.title))
    return MyLearning(items)


def _program_started(program: Program | None, started_ids: set[int]) -> bool:
    if program is None:
        return False
    return any(course.id in started_ids for level in program.levels for course in level.courses)


# HR's completion report -----------------------------------------------------------------------


@dataclass
class CompletionRow:
    key: int | None
    label: str
    assigned: int
    completed: int
    overdue: int

    @property
    def percent(self) -> int:
        return round(100 * self.completed / self.assigned) if self.assigned else 0


def _counts(today: date) -> tuple:
    return (
        func.count(Assignment.id),
        func.sum(case((Assignment.completed_at.is_not(None), 1), else_=0)),
        func.sum(
            case((and_(Assignment.completed_at.is_(None), Assignment.due_on < today), 1), else_=0)
        ),
    )


def completion_summary(
    session: Session, *, today: date
) -> tuple[list[CompletionRow], list[CompletionRow]]:
    """Completion by department and by course (or program), from one pass over the
    assignments grouped by both, rolled up here."""
    rows = session.execute(
        select(
            User.department_id,
            Assignment.course_id,
            Assignment.program_id,
            *_counts(today),
        )
        .select_from(Assignment)
        .join(User, User.id == Assignment.user_id)
        .group_by(User.department_id, Assignment.course_id, Assignment.program_id)
    ).all()
    departments = dict(session.execute(select(Department.id, Department.name)).all())
    courses = dict(session.execute(select(Course.id, Course.title)).all())
    programs = dict(session.execute(select(Program.id, Program.title)).all())
    by_department: dict[int | None, CompletionRow] = {}
    by_course: dict[int, CompletionRow] = {}
    for department_id, course_id, program_id, total, done, overdue in rows:
        label = departments.get(department_id) or _("No department")
        row = by_department.setdefault(department_id, CompletionRow(department_id, label, 0, 0, 0))
        _add(row, total, done, overdue)
        key = course_id if course_id is not None else -program_id
        title = (
            courses.get(course_id, "") if course_id is not None else programs.get(program_id, "")
        )
        _add(by_course.setdefault(key, CompletionRow(key, title, 0, 0, 0)), total, done, overdue)
    return (
        sorted(by_department.values(), key=lambda r: r.label),
        sorted(by_course.values(), key=lambda r: r.label),
    )


def _add(row: CompletionRow, total: int, done: int | None, overdue: int | None) -> None:
    row.assigned += total
    row.completed += done or 0
    row.overdue += overdue or 0


def completion_by_department(session: Session, *, today: date) -> list[CompletionRow]:
    return completion_summary(session, today=today)[0]


def completion_by_course(session: Session, *, today: date) -> list[CompletionRow]:
    return completion_summary(session, today=today)[1]


def overdue_assignments(
    session: Session, *, today: date, limit: int | None = None
) -> list[Assignment]:
    """Overdue assignments, most overdue first, with the person and course loaded."""
    query = (
        select(Assignment)
        .where(Assignment.completed_at.is_(None), Assignment.due_on < today)
        .options(
            selectinload(Assignment.user).selectinload(User.department),
            selectinload(Assignment.course),
            selectinload(Assignment.program),
        )
        .order_by(Assignment.due_on, Assignment.id)
    )
    if limit:
        query = query.limit(limit)
    return list(session.scalars(query))


def export_rows(session: Session) -> list[tuple[Any, ...]]:
    """Every assignment as (email, name, department, title, assigned at, due on, completed
    at), by person: plain rows, since an export can hold tens of thousands."""
    return list(
        session.execute(
            select(
                User.email,
                User.name,
                Department.name,
                func.coalesce(Course.title, Program.title),
                Assignment.assigned_at,
                Assignment.due_on,
                Assignment.completed_at,
            )
            .select_from(Assignment)
            .join(User, User.id == Assignment.user_id)
            .outerjoin(Department, Department.id == User.department_id)
            .outerjoin(Course, Course.id == Assignment.course_id)
            .outerjoin(Program, Program.id == Assignment.program_id)
            .order_by(User.name, Assignment.id)
        )
    )
