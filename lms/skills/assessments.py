"""Skill levels: assessments recorded by their source, the current level by the rule, and
the levels departments and positions require.

The current level of a person's skill is the latest assessment by a mentor, HR or an
attestation; else the latest one from a finished course; else the latest self-assessment.
Every assessment stays as history. Services flush, never commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, selectinload

from lms.auth.models import Department, Position, User
from lms.auth.services import is_current_mentor
from lms.errors import ServiceError
from lms.i18n import _
from lms.skills.models import LEVELS, SOURCES, Skill, SkillAssessment, SkillRequirement

TRUSTED = ("mentor", "hr", "attestation")
# Lower wins: who assessed matters more than when.
TIER = case(
    (SkillAssessment.source.in_(TRUSTED), 0),
    (SkillAssessment.source == "course", 1),
    else_=2,
)


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


def current_levels(
    session: Session, user_ids: Iterable[int], skill_ids: Iterable[int] | None = None
) -> dict[tuple[int, int], SkillAssessment]:
    """The assessment that gives each (person, skill) its current level, by the rule."""
    users = list(user_ids)
    if not users:
        return {}
    rank = (
        func.row_number()
        .over(
            partition_by=(SkillAssessment.user_id, SkillAssessment.skill_id),
            order_by=(TIER, SkillAssessment.assessed_at.desc(), SkillAssessment.id.desc()),
        )
        .label("rank")
    )
    inner = select(SkillAssessment.id, rank).where(SkillAssessment.user_id.in_(users))
    if skill_ids is not None:
        inner = inner.where(SkillAssessment.skill_id.in_(list(skill_ids)))
    ranked = inner.subquery()
    rows = session.scalars(
        select(SkillAssessment)
        .join(ranked, ranked.c.id == SkillAssessment.id)
        .where(ranked.c.rank == 1)
    )
    return {(row.user_id, row.skill_id): row for row in rows}


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
