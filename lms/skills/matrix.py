"""The skill matrix: people x skills, each cell the current level against the requirement,
with per-skill coverage; a person's profile with gaps and the courses that close them; and
assigning those courses from the matrix."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload, selectinload

from lms.auth.models import Mentorship, User
from lms.courses import assignments as course_assignments
from lms.courses.models import Course, CourseSkill
from lms.skills.assessments import level_map
from lms.skills.models import Skill, SkillGroup, SkillRequirement

# A skill the team depends on one person for: fewer than this many meet the requirement.
MIN_COVERAGE = 2


def cell_status(level: int | None, required: int | None) -> str:
    """meets | one_below | below (two or more) | not_required"""
    if required is None:
        return "not_required"
    gap = required - (level or 0)
    if gap <= 0:
        return "meets"
    return "one_below" if gap == 1 else "below"


GAPS = ("one_below", "below")


class Cell(NamedTuple):
    """One person's skill: the current level (None: never assessed), where it came from, the
    required level (None: not required) and the state against it."""

    level: int | None
    required: int | None
    status: str
    source: str | None = None

    @property
    def is_gap(self) -> bool:
        return self.status in GAPS


@dataclass
class Coverage:
    required_of: int = 0  # people of whom the skill is required
    meeting: int = 0

    @property
    def at_risk(self) -> bool:
        return self.required_of > 0 and self.meeting < MIN_COVERAGE


@dataclass
class Matrix:
    """People x skills. Cells are made when asked for: a whole matrix has 100,000 of them
    and a page shows a few thousand."""

    people: list[User]
    skills: list[Skill]
    levels: dict[tuple[int, int], tuple[int, str]]  # (person, skill) -> (level, source)
    required: dict[int, dict[int, int]]  # person id -> {skill id: required level}
    coverage: dict[int, Coverage] = field(default_factory=dict)

    def cell(self, person: User, skill: Skill) -> Cell:
        current = self.levels.get((person.id, skill.id))
        required = self.required[person.id].get(skill.id)
        level = current[0] if current else None
        return Cell(level, required, cell_status(level, required), current[1] if current else None)

    def row(self, person: User) -> list[tuple[int | None, str]]:
        """The person's (level, state) for every skill shown: a whole export's worth of
        cells without making a ``Cell`` of each."""
        levels, required = self.levels, self.required[person.id]
        row = []
        for skill in self.skills:
            current = levels.get((person.id, skill.id))
            level = current[0] if current else None
            row.append((level, cell_status(level, required.get(skill.id))))
        return row

    def gaps(self, people: list[User] | None = None) -> list[tuple[User, Skill, Cell]]:
        """Every cell below its requirement (of ``people``, by default everyone shown)."""
        return [
            (person, skill, self.cell(person, skill))
            for person, skill in self._gap_pairs(self.people if people is None else people)
        ]

    def _gap_pairs(self, people: list[User]) -> Iterator[tuple[User, Skill]]:
        for person in people:
            required = self.required[person.id]
            if not required:
                continue
            for skill in self.skills:
                needed = required.get(skill.id)
                if needed is not None:
                    current = self.levels.get((person.id, skill.id))
                    if (current[0] if current else 0) < needed:
                        yield person, skill

    def keep_gaps_only(self) -> None:
        """Show only the people with a gap and the skills someone falls short of."""
        people, skills = set(), set()
        for person, skill in self._gap_pairs(self.people):
            people.add(person.id)
            skills.add(skill.id)
        self.people = [p for p in self.people if p.id in people]
        self.skills = [s for s in self.skills if s.id in skills]


def _requirements(
    session: Session, department_ids: set[int]
) -> dict[tuple[int, int | None], dict[int, int]]:
    """(department, position or None) -> {skill id: level}."""
    table: dict[tuple[int, int | None], dict[int, int]] = {}
    if not department_ids:
        return table
    rows = session.execute(
        select(
            SkillRequirement.department_id,
            SkillRequirement.position_id,
            SkillRequirement.skill_id,
            SkillRequirement.level,
        ).where(SkillRequirement.department_id.in_(department_ids))
    )
    for department_id, position_id, skill_id, level in rows:
        table.setdefault((department_id, position_id), {})[skill_id] = level
    return table


def _required_of(
    table: dict[tuple[int, int | None], dict[int, int]],
    department_id: int | None,
    position_id: int | None,
) -> dict[int, int]:
    """Skill id -> required level for one department and position: the position's own
    requirement over the department-wide one."""
    if department_id is None:
        return {}
    merged = dict(table.get((department_id, None), {}))
    if position_id is not None:
        merged.update(table.get((department_id, position_id), {}))
    return merged


def build_matrix(
    session: Session,
    *,
    department_id: int | None = None,
    position_id: int | None = None,
    group_code: str | None = None,
    only_gaps: bool = False,
    people_ids: set[int] | None = None,
) -> Matrix:
    """The matrix for the chosen people (all active when no filter) and skills."""
    query = (
        select(User)
        .where(User.is_active)
        .options(
            selectinload(User.department),
            selectinload(User.position),
            lazyload(User.role_rows),  # roles are not shown: no query for 2,000 people's
        )
    )
    if department_id:
        query = query.where(User.department_id == department_id)
    if position_id:
        query = query.where(User.position_id == position_id)
    if people_ids is not None:
        query = query.where(User.id.in_(people_ids))
    people = list(session.scalars(query.order_by(User.name)))
    skill_query = (
        select(Skill)
        .join(Skill.group)
        .where(Skill.is_active)
        .options(selectinload(Skill.group))
        .order_by(SkillGroup.position, Skill.position)
    )
    if group_code:
        skill_query = skill_query.where(SkillGroup.code == group_code)
    skills = list(session.scalars(skill_query))
    table = _requirements(session, {p.department_id for p in people if p.department_id})
    skill_ids = {skill.id for skill in skills}
    levels = level_map(session, [p.id for p in people], skill_ids)
    coverage = {skill_id: Coverage() for skill_id in skill_ids}
    required: dict[int, dict[int, int]] = {}
    by_post: dict[tuple[int | None, int | None], dict[int, int]] = {}
    for person in people:
        post = (person.department_id, person.position_id)
        if post not in by_post:
            merged = _required_of(table, *post)
            by_post[post] = {k: v for k, v in merged.items() if k in skill_ids}
        required[person.id] = by_post[post]
        for skill_id, needed in by_post[post].items():
            current = levels.get((person.id, skill_id))
            coverage[skill_id].required_of += 1
            coverage[skill_id].meeting += (current[0] if current else 0) >= needed
    matrix = Matrix(people, skills, levels, required, coverage)
    if only_gaps:
        matrix.keep_gaps_only()
    return matrix


def mentee_ids(session: Session, mentor: User, *, today: date) -> set[int]:
    return set(
        session.scalars(
            select(Mentorship.mentee_id).where(
                Mentorship.mentor_id == mentor.id,
                Mentorship.started_on <= today,
                (Mentorship.ended_on.is_(None)) | (Mentorship.ended_on > today),
            )
        )
    )


# Closing gaps with courses ------------------------------------------------------------------


def courses_raising(session: Session, skill_ids: set[int]) -> dict[int, list[tuple[Course, int]]]:
    """Skill id -> active courses that raise it, with the level they raise it to."""
    found: dict[int, list[tuple[Course, int]]] = {}
    rows = session.execute(
        select(CourseSkill.skill_id, Course, CourseSkill.level)
        .join(Course, Course.id == CourseSkill.course_id)
        .where(CourseSkill.skill_id.in_(skill_ids), Course.is_active)
        .order_by(Course.title)
    )
    for skill_id, course, level in rows:
        found.setdefault(skill_id, []).append((course, level))
    return found


def recommended(
    session: Session, gaps: list[tuple[User, Skill, Cell]]
) -> dict[tuple[int, int], list[Course]]:
    """For each gap, the courses that raise the skill to the required level (or, when none
    does, those that raise it at all)."""
    raising = courses_raising(session, {skill.id for _p, skill, _c in gaps})
    result = {}
    for person, skill, cell in gaps:
        options = raising.get(skill.id, [])
        enough = [c for c, level in options if cell.required is not None and level >= cell.required]
        result[person.id, skill.id] = enough or [c for c, _level in options]
    return result


def assign_for_gaps(
    session: Session,
    actor: User,
    gaps: list[tuple[User, Skill, Cell]],
    *,
    due_on: date | None,
    today: date,
    now: datetime,
) -> dict[str, int]:
    """Assign each gap's recommended courses; courses already assigned or finished are left
    as they are. Returns counts: created, kept (already assigned), completed (finished)."""
    by_course: dict[int, tuple[Course, dict[int, User]]] = {}
    for (person_id, _skill_id), courses in recommended(session, gaps).items():
        person = next(p for p, _s, _c in gaps if p.id == person_id)
        for course in courses:
            by_course.setdefault(course.id, (course, {}))[1][person.id] = person
    counts = {"created": 0, "kept": 0, "completed": 0}
    for course, people in by_course.values():
        report = course_assignments.assign(
            session,
            actor,
            course,
            list(people.values()),
            due_on=due_on,
            today=today,
            now=now,
            keep_due=True,
        )
        counts["created"] += len(report.created)
        counts["kept"] += len(report.kept) + len(report.updated)
        counts["completed"] += len(report.completed)
    return counts
