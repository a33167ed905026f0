"""Demo skill requirements for the support lines and a few mentors' and self-assessments,
so the matrix shows levels, gaps and a coverage warning on first look.

Runs once: when any requirement exists, it does nothing.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.auth.models import Department, Position, User
from lms.skills.assessments import record, set_requirement
from lms.skills.models import Skill, SkillRequirement

# department, position (None: everyone there), {skill: level}
REQUIREMENTS = (
    (
        "line1",
        None,
        {"active-listening": 3, "soft-negativity": 3, "paraphrasing": 2, "written-style": 2},
    ),
    ("line1", "agent-l1", {"orders": 3, "payment": 3, "delivery": 3, "returns": 2, "accounts": 2}),
    ("line2", None, {"active-listening": 3, "soft-negativity": 3, "objection-handling": 3}),
    ("line2", "agent-l2", {"orders": 4, "payment": 4, "delivery": 3, "returns": 3, "loyalty": 3}),
)


def seed_demo_skills(session: Session, *, now: datetime) -> int:
    """Seed requirements and assessments; returns how many assessments (0: already there)."""
    if session.scalar(select(SkillRequirement.id).limit(1)) is not None:
        return 0
    skills = {s.code: s for s in session.scalars(select(Skill))}
    departments = {d.code: d for d in session.scalars(select(Department))}
    positions = {p.code: p for p in session.scalars(select(Position))}
    for department, position, levels in REQUIREMENTS:
        if department not in departments:
            continue
        for code, level in levels.items():
            if code in skills:
                set_requirement(
                    session,
                    departments[department],
                    positions.get(position or ""),
                    skills[code],
                    level,
                )
    rng = random.Random(8)
    mentor = session.scalar(select(User).where(User.email == "mentor@example.com"))
    hr = session.scalar(select(User).where(User.email == "hr@example.com"))
    count = 0
    people = session.scalars(
        select(User).where(User.email.like("%@example.com"), User.is_active).order_by(User.email)
    )
    for person in people:
        if not person.has_role("agent") or person.department is None:
            continue
        seniority = 2 if (person.hired_on and (now.date() - person.hired_on).days > 365) else 1
        for skill in skills.values():
            if rng.random() < 0.35:
                continue
            level = max(0, min(4, seniority + rng.choice((-1, 0, 0, 1, 1, 2))))
            source, author = rng.choice((("self", person), ("mentor", mentor), ("hr", hr)))
            when = now - timedelta(days=rng.randint(5, 120))
            record(session, person, skill, level, source=source, author=author, now=when)
            count += 1
    return count
