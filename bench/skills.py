"""Skill matrix benchmark: 2,000 people x 60 skills (the demo catalogue topped up to 60;
about two assessments per cell for two thirds of the cells), the matrix page for everyone
and its XLSX export."""

from __future__ import annotations

import random
import resource
import time
from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import insert, select

from bench import skills_import
from bench.common import report, signed_in, timed
from lms.auth.models import Department, User
from lms.extensions import db
from lms.skills.assessments import refresh_levels
from lms.skills.models import Skill, SkillAssessment, SkillGroup, SkillRequirement

SKILLS = 60  # in all, the demo catalogue's included


def populate(app: Flask) -> int:
    rng = random.Random(8)
    now = datetime.now(UTC)
    with app.app_context():
        group = SkillGroup(code="bench", name_ru="Замер", name_en="Bench", position=99)
        db.session.add(group)
        db.session.flush()
        extra = SKILLS - len(db.session.scalars(select(Skill.id)).all())
        db.session.execute(
            insert(Skill),
            [
                {"code": f"bench-{n:02d}", "group_id": group.id, "name_ru": f"Навык {n}",
                 "name_en": f"Skill {n}", "position": n, "is_active": True}
                for n in range(extra)
            ],
        )  # fmt: skip
        skills = list(db.session.scalars(select(Skill.id)))
        taken = set(db.session.execute(
            select(SkillRequirement.department_id, SkillRequirement.skill_id)
            .where(SkillRequirement.position_id.is_(None))
        ).tuples())  # fmt: skip
        for department in db.session.scalars(select(Department)):
            db.session.execute(
                insert(SkillRequirement),
                [{"department_id": department.id, "position_id": None, "skill_id": s,
                  "level": rng.randint(1, 4)} for s in skills if (department.id, s) not in taken],
            )  # fmt: skip
        users = list(db.session.scalars(select(User.id).where(User.is_active)))
        rows = []
        for user_id in users:
            for skill_id in skills:
                if rng.random() < 0.33:
                    continue
                for _ in range(rng.choice((1, 2, 3))):
                    rows.append(
                        {"user_id": user_id, "skill_id": skill_id, "level": rng.randint(0, 4),
                         "source": rng.choice(("self", "mentor", "course", "hr")),
                         "assessed_at": now - timedelta(days=rng.randint(1, 300)), "comment": ""}
                    )  # fmt: skip
        db.session.execute(insert(SkillAssessment), rows)
        refresh_levels(db.session)
        db.session.commit()
        return len(rows)  # every skill of the catalogue is assessed and required


def run(app: Flask, repeat: int) -> None:
    start = time.perf_counter()
    count = populate(app)
    print(f"Skills: {SKILLS} skills, {count:,} assessments, written in "
          f"{time.perf_counter() - start:.1f} s")  # fmt: skip
    hr, _ = signed_in(app, "hr@example.com")
    report("matrix page, everyone x all skills", timed(lambda: hr.get("/skills/matrix"), repeat))
    report("matrix XLSX export, same", timed(lambda: hr.get("/skills/matrix.xlsx"), 3))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak memory (max RSS of the bench process): {peak:.0f} MB")
    skills_import.run(app)  # the same workbook read back, then edited
