"""Skill levels: assessments recorded by their source, the current level by the rule, and
the levels departments and positions require.

The current level of a person's skill is the latest assessment by a mentor, HR or an
attestation; else the latest one from a finished course; else the latest self-assessment.
Every assessment stays as history. Services flush, never commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import String, delete, insert, select, type_coerce
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, selectinload

from lms.auth.models import Department, Position, User
from lms.auth.services import is_current_mentor
from lms.errors import ServiceError
from lms.i18n import _
from lms.skills.models import (
    LEVELS,
    SOURCES,
    Skill,
    SkillAssessment,
    SkillLevel,
    SkillRequirement,
)

TRUSTED = ("mentor", "hr", "attestation")
# Lower wins: who assessed matters more than when (self-assessments are tier 2).
TIERS = {**dict.fromkeys(TRUSTED, 0), "course": 1}


def _wins(candidate: tuple[Any, ...], held: tuple[Any, ...] | None) -> bool:
    """Whether an assessment (tier, time, id, ...) gives the level over the one held: a
    lower tier, else the later time, else the later record."""
    if held is None or candidate[0] != held[0]:
        return held is None or candidate[0] < held[0]
    return candidate[1:3] > held[1:3]


def allowed_sources(session: Session, actor: User, person: User, *, today: date) -> tuple[str, ...]:
    """What ``actor`` may record for ``person``: a self-assessment of their own, a mentor's
    for a current mentee, HR's for anyone else."""
    if actor.id == person.id:
        return ("self",)  # HR or a mentor assessing themselves is a self-assessment
    sources: list[str] = []
    if actor.has_role("mentor") and is_current_mentor(session, actor, person, today=today):
        sources.append("mentor")
    if actor.has_role("hr", "admin"):
        sources.append("hr")
    return tuple(sources)


def record(
    session: Session,
    person: User,
    skill: Skill,
    level: int,
    *,
    source: str,
    author: User | None,
    comment: str = "",
    now: datetime,
) -> SkillAssessment:
    """Add an assessment; the caller has checked that ``author`` may record ``source``."""
    if source not in SOURCES:
        raise ServiceError(_("Unknown source of an assessment."), field="source")
    if isinstance(level, bool) or level not in LEVELS:
        raise ServiceError(_("A level is a whole number from 0 to 4."), field="level")
    if not skill.is_active:
        raise ServiceError(_("This skill is retired: it takes no new levels."), field="skill")
    assessment = SkillAssessment(
        user_id=person.id,
        skill_id=skill.id,
        level=level,
        source=source,
        author_id=author.id if author else None,
        assessed_at=now,
        comment=comment.strip(),
    )
    session.add(assessment)
    session.flush()
    refresh_levels(session, [person.id], [skill.id])
    return assessment


def assess(
    session: Session,
    actor: User,
    person: User,
    skill: Skill,
    level: int,
    *,
    comment: str = "",
    today: date,
    now: datetime,
) -> SkillAssessment:
    """Record ``actor``'s assessment with the most trusted source they may use."""
    sources = allowed_sources(session, actor, person, today=today)
    if not sources:
        raise ServiceError(_("You may not assess %(name)s's skills.", name=person.name))
    source = next(s for s in ("hr", "mentor", "self") if s in sources)
    return record(
        session, person, skill, level, source=source, author=actor, comment=comment, now=now
    )


class CurrentLevel(NamedTuple):
    """The assessment that gives a person's skill its current level (a row, not an entity:
    the matrix reads one per cell)."""

    id: int
    user_id: int
    skill_id: int
    level: int
    source: str
    assessed_at: datetime
    author_id: int | None


_Best = dict[tuple[int, int], tuple[int, Any, int, int, str]]


def _best_assessments(
    session: Session, user_ids: list[int] | None, skill_ids: Iterable[int] | None
) -> _Best:
    """(person, skill) -> (tier, stored time, id, level, source) of the assessment that
    wins by the rule, from the history. The timestamp is read as stored: it sorts the same."""
    query = select(
        SkillAssessment.user_id,
        SkillAssessment.skill_id,
        SkillAssessment.source,
        type_coerce(SkillAssessment.assessed_at, String),
        SkillAssessment.id,
        SkillAssessment.level,
    )
    if user_ids is not None:
        query = query.where(SkillAssessment.user_id.in_(user_ids))
    if skill_ids is not None:
        query = query.where(SkillAssessment.skill_id.in_(list(skill_ids)))
    best: _Best = {}
    for user_id, skill_id, source, at, row_id, level in session.execute(query):
        candidate = (TIERS.get(source, 2), at, row_id, level, source)
        key = (user_id, skill_id)
        if _wins(candidate, best.get(key)):
            best[key] = candidate
    return best


def refresh_levels(
    session: Session,
    user_ids: Iterable[int] | None = None,
    skill_ids: Iterable[int] | None = None,
) -> int:
    """Store again the current levels of these people and skills (None: all) from their
    assessments. Whatever adds assessments calls this; returns the number of levels."""
    users = None if user_ids is None else list(user_ids)
    skills = None if skill_ids is None else list(skill_ids)
    if users == [] or skills == []:
        return 0
    best = _best_assessments(session, users, skills)
    stale = delete(SkillLevel)
    if users is not None:
        stale = stale.where(SkillLevel.user_id.in_(users))
    if skills is not None:
        stale = stale.where(SkillLevel.skill_id.in_(skills))
    session.execute(stale)
    rows = [
        {"user_id": key[0], "skill_id": key[1], "assessment_id": row_id, "level": level,
         "source": source}
        for key, (_tier, _at, row_id, level, source) in best.items()
    ]  # fmt: skip
    if rows:  # one statement, many rows: SQLAlchemy batches them for each database
        session.execute(_upsert(session), rows)
    return len(rows)


def _upsert(session: Session) -> Any:
    """Insert stored levels; one that a concurrent transaction stored meanwhile (two people
    assessing the same skill at once) is overwritten rather than failing the request."""
    dialect = session.get_bind().dialect.name
    if dialect not in ("postgresql", "sqlite"):
        return insert(SkillLevel)
    statement = (postgresql if dialect == "postgresql" else sqlite).insert(SkillLevel)
    return statement.on_conflict_do_update(
        index_elements=["user_id", "skill_id"],
        set_={
            "assessment_id": statement.excluded.assessment_id,
            "level": statement.excluded.level,
            "source": statement.excluded.source,
        },
    )


def current_levels(
    session: Session, user_ids: Iterable[int], skill_ids: Iterable[int] | None = None
) -> dict[tuple[int, int], CurrentLevel]:
    """The assessment that gives each (person, skill) its current level, by the rule."""
    users = list(user_ids)
    if not users:
        return {}
    query = (
        select(
            SkillLevel.assessment_id,
            SkillLevel.user_id,
            SkillLevel.skill_id,
            SkillLevel.level,
            SkillLevel.source,
            SkillAssessment.assessed_at,
            SkillAssessment.author_id,
        )
        .join(SkillAssessment, SkillAssessment.id == SkillLevel.assessment_id)
        .where(SkillLevel.user_id.in_(users))
    )
    if skill_ids is not None:
        query = query.where(SkillLevel.skill_id.in_(list(skill_ids)))
    return {(row[1], row[2]): CurrentLevel(*row) for row in session.execute(query)}


def level_map(
    session: Session, user_ids: Iterable[int], skill_ids: Iterable[int] | None = None
) -> dict[tuple[int, int], tuple[int, str]]:
    """The current level and its source for each (person, skill): what the matrix shows."""
    users = list(user_ids)
    if not users:
        return {}
    query = select(
        SkillLevel.user_id, SkillLevel.skill_id, SkillLevel.level, SkillLevel.source
    ).where(SkillLevel.user_id.in_(users))
    if skill_ids is not None:
        query = query.where(SkillLevel.skill_id.in_(list(skill_ids)))
    return {
        (user_id, skill_id): (level, source)
        for user_id, skill_id, level, source in session.execute(query)
    }


def levels_before(
    session: Session, moments: dict[int, datetime], skill_ids: Iterable[int]
) -> dict[tuple[int, int], int]:
    """Each person's level of these skills by the rule, counting only the assessments made
    before that person's moment: what a matrix would have shown then."""
    if not moments:
        return {}
    rows = session.execute(
        select(
            SkillAssessment.user_id,
            SkillAssessment.skill_id,
            SkillAssessment.source,
            SkillAssessment.assessed_at,
            SkillAssessment.id,
            SkillAssessment.level,
        ).where(
            SkillAssessment.user_id.in_(list(moments)),
            SkillAssessment.skill_id.in_(list(skill_ids)),
        )
    )
    best: dict[tuple[int, int], tuple[int, datetime, int, int]] = {}
    for user_id, skill_id, source, at, row_id, level in rows:
        if at >= moments[user_id]:
            continue
        candidate = (TIERS.get(source, 2), at, row_id, level)
        if _wins(candidate, best.get((user_id, skill_id))):
            best[user_id, skill_id] = candidate
    return {key: row[3] for key, row in best.items()}


def history(session: Session, person: User) -> list[SkillAssessment]:
    return list(
        session.scalars(
            select(SkillAssessment)
            .where(SkillAssessment.user_id == person.id)
            .options(selectinload(SkillAssessment.skill))
            .order_by(SkillAssessment.assessed_at.desc(), SkillAssessment.id.desc())
        )
    )


# Requirements --------------------------------------------------------------------------------


def required_levels(
    session: Session, department_id: int | None, position_id: int | None
) -> dict[int, int]:
    """Skill id -> the level required of someone in this department and position: the
    position's own requirement over the department-wide one."""
    if department_id is None:
        return {}
    rows = session.execute(
        select(
            SkillRequirement.skill_id, SkillRequirement.position_id, SkillRequirement.level
        ).where(
            SkillRequirement.department_id == department_id,
            (SkillRequirement.position_id.is_(None))
            | (SkillRequirement.position_id == position_id),
        )
    )
    levels: dict[int, int] = {}
    for skill_id, _position, level in sorted(rows, key=lambda r: r[1] is not None):
        levels[skill_id] = level  # position-specific rows come last and win
    return levels


def set_requirement(
    session: Session,
    department: Department,
    position: Position | None,
    skill: Skill,
    level: int | None,
) -> SkillRequirement | None:
    """Require ``level`` (None: no longer required) of a skill in a department (and position)."""
    position_id = position.id if position else None
    row = session.scalar(
        select(SkillRequirement).where(
            SkillRequirement.department_id == department.id,
            SkillRequirement.skill_id == skill.id,
            SkillRequirement.position_id.is_(None)
            if position_id is None
            else SkillRequirement.position_id == position_id,
        )
    )
    if level is None:
        if row is not None:
            session.delete(row)
            session.flush()
        return None
    if isinstance(level, bool) or level not in LEVELS:
        raise ServiceError(_("A level is a whole number from 0 to 4."), field="level")
    if row is None:
        row = SkillRequirement(
            department_id=department.id, position_id=position_id, skill_id=skill.id
        )
        session.add(row)
    row.level = level
    session.flush()
    return row


def department_requirements(
    session: Session, department: Department
) -> tuple[list[Position], dict[tuple[int | None, int], int]]:
    """The positions worth a column for a department (those its people hold and those with
    requirements) and its requirements as {(position id or None, skill id): level}."""
    required = {
        (row.position_id, row.skill_id): row.level
        for row in session.scalars(
            select(SkillRequirement).where(SkillRequirement.department_id == department.id)
        )
    }
    held = select(User.position_id).where(
        User.department_id == department.id, User.is_active, User.position_id.is_not(None)
    )
    position_ids = set(session.scalars(held)) | {p for p, _s in required if p is not None}
    positions = list(
        session.scalars(
            select(Position).where(Position.id.in_(position_ids)).order_by(Position.name)
        )
    )
    return positions, required


def save_department_requirements(
    session: Session, department: Department, wanted: dict[tuple[int | None, int], int | None]
) -> dict[str, int]:
    """Make a department's requirements those of ``wanted`` ((position id or None, skill id)
    -> level, None: not required); pairs not named are left as they are. Returns counts:
    added, changed, removed."""
    counts = {"added": 0, "changed": 0, "removed": 0}
    _positions, current = department_requirements(session, department)
    positions = {p.id: p for p in session.scalars(select(Position))}
    skills = {s.id: s for s in session.scalars(select(Skill))}
    for (position_id, skill_id), level in wanted.items():
        if skill_id not in skills or (position_id is not None and position_id not in positions):
            raise ServiceError(_("Unknown skill or position."), field="requirements")
        before = current.get((position_id, skill_id))
        if before == level:
            continue
        position = positions[position_id] if position_id is not None else None
        set_requirement(session, department, position, skills[skill_id], level)
        key = "added" if before is None else "removed" if level is None else "changed"
        counts[key] += 1
    return counts
