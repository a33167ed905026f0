"""The skill matrix: people x skills, each cell the current level against the requirement,
with per-skill coverage; a person's profile with gaps and the courses that close them; and
assigning those courses from the matrix."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from lms.auth.models import Mentorship, User
from lms.courses import assignments as course_assignments
from lms.courses.models import Course, CourseSkill
from lms.skills.assessments import current_levels
from lms.skills.models import Skill, SkillAssessment, SkillGroup, SkillRequirement

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


@dataclass
class Cell:
    level: int | None
    required: int | None
    assessment: SkillAssessment | None

    @property
    def status(self) -> str:
        return cell_status(self.level, self.required)

    @property
    def is_gap(self) -> bool:
        return self.status in ("one_below", "below")


@dataclass
class Coverage:
    required_of: int = 0  # people of whom the skill is required
    meeting: int = 0

    @property
    def at_risk(self) -> bool:
        return self.required_of > 0 and self.meeting < MIN_COVERAGE


@dataclass
class Matrix:
    people: list[User]
    skills: list[Skill]
    cells: dict[tuple[int, int], Cell]
    coverage: dict[int, Coverage] = field(default_factory=dict)

    def cell(self, person: User, skill: Skill) -> Cell:
        return self.cells[person.id, skill.id]

    def gaps(self) -> list[tuple[User, Skill, Cell]]:
        return [
            (person, skill, self.cells[person.id, skill.id])
            for person in self.people
            for skill in self.skills
            if self.cells[person.id, skill.id].is_gap
        ]


def _requirements(
    session: Session, department_ids: set[int]
) -> dict[tuple[int, int | None], dict[int, int]]:
    """(department, position or None) -> {skill id: level}."""
    table: dict[tuple[int, int | None], dict[int, int]] = {}
    if not department_ids:
        return table
    for row in session.scalars(
        select(SkillRequirement).where(SkillRequirement.department_id.in_(department_ids))
    ):
        table.setdefault((row.department_id, row.position_id), {})[row.skill_id] = row.level
    return table


def _required(
    table: dict[tuple[int, int | None], dict[int, int]], person: User, skill_id: int
) -> int | None:
    if person.department_id is None:
        return None
    own = table.get((person.department_id, person.position_id), {})
    if person.position_id is not None and skill_id in own:
        return own[skill_id]
    return table.get((person.department_id, None), {}).get(skill_id)


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
        .options(selectinload(User.department), selectinload(User.position))
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
    levels = current_levels(session, [p.id for p in people], [s.id for s in skills])
    cells: dict[tuple[int, int], Cell] = {}
    coverage = {skill.id: Coverage() for skill in skills}
    for person in people:
        for skill in skills:
            assessment = levels.get((person.id, skill.id))
            cell = Cell(
                assessment.level if assessment else None,
                _required(table, person, skill.id),
                assessment,
            )
            cells[person.id, skill.id] = cell
            if cell.required is not None:
                coverage[skill.id].required_of += 1
                coverage[skill.id].meeting += cell.status == "meets"
    matrix = Matrix(people, skills, cells, coverage)
    if only_gaps:
        gap_people = {p.id for p, _s, _c in matrix.gaps()}
        gap_skills = {s.id for _p, s, _c in matrix.gaps()}
        matrix.people = [p for p in people if p.id in gap_people]
        matrix.skills = [s for s in skills if s.id in gap_skills]
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
