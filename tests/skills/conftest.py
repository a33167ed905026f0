"""Shared by the skill tests: a small catalogue and a line-1 team with a mentor, HR and a
course that closes a gap."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from lms.auth.models import Department, Mentorship, Position, User
from lms.courses.sync import sync_content
from lms.extensions import db
from lms.skills.assessments import record, set_requirement
from lms.skills.models import Skill
from lms.skills.services import load_catalogue
from tests.conftest import Browser

CATALOGUE = {
    "groups": [
        {
            "code": "talk",
            "name": {"ru": "Разговор", "en": "Talk"},
            "skills": [
                {"code": "listening", "name": {"ru": "Слушание", "en": "Listening"}},
                {"code": "calm", "name": {"ru": "Спокойствие", "en": "Calm"}},
            ],
        }
    ]
}
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def team(app: Any, make_org: Any, make_user: Any, tmp_path: Path) -> dict[str, Any]:
    """A line-1 team of three agents, a mentor of the first, HR, a course raising listening
    to 3; listening is required at 3, calm at 2."""
    line1 = make_org(Department, "line1", "First line")
    agent_pos = make_org(Position, "agent-l1", "Agent")
    people = {
        "ann": make_user("agent", name="Ann", department=line1, position=agent_pos, locale="en"),
        "bob": make_user("agent", name="Bob", department=line1, position=agent_pos, locale="en"),
        "cid": make_user("agent", name="Cid", department=line1, position=agent_pos, locale="en"),
        "mentor": make_user("mentor", name="Meg", locale="en"),
        "hr": make_user("hr", name="Hal", locale="en"),
    }
    folder = tmp_path / "listen-course"
    folder.mkdir()
    (folder / "course.yml").write_text(
        "title: Listening course\nskills: {listening: 3}\nlessons: [one.md]\n", encoding="utf-8"
    )
    (folder / "one.md").write_text("# One\n\nListen.\n", encoding="utf-8")
    with app.test_request_context():
        load_catalogue(db.session, CATALOGUE, filename="skills.yml")
        sync_content(db.session, tmp_path)
        skills = {s.code: s for s in db.session.scalars(db.select(Skill))}
        department = db.session.get(Department, line1.id)
        set_requirement(db.session, department, None, skills["listening"], 3)
        set_requirement(db.session, department, None, skills["calm"], 2)
        ann, bob, cid = (db.session.get(User, people[k].id) for k in ("ann", "bob", "cid"))
        record(db.session, ann, skills["listening"], 3, source="hr", author=None, now=T0)
        record(db.session, bob, skills["listening"], 1, source="self", author=None, now=T0)
        record(db.session, cid, skills["listening"], 2, source="self", author=None, now=T0)
        record(db.session, ann, skills["calm"], 2, source="self", author=None, now=T0)
        record(db.session, bob, skills["calm"], 2, source="self", author=None, now=T0)
        record(db.session, cid, skills["calm"], 4, source="self", author=None, now=T0)
        db.session.add(
            Mentorship(mentor_id=people["mentor"].id, mentee_id=ann.id, started_on=date.today())
        )
        db.session.commit()
    return {**people, "line1": line1}


def browser(app: Any, user: User) -> Browser:
    b = Browser(app.test_client())
    assert b.login(user.email).status_code == 302
    return b
