"""The skill matrix in a real browser: HR filters it to one department's gaps, ticks a gap
and assigns the course that closes it, with a due date."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from lms.auth import services as auth_services
from lms.auth.demo import DEMO_PASSWORD
from lms.auth.models import Department
from lms.courses.models import Assignment, Course
from lms.courses.sync import sync_content
from lms.extensions import db
from lms.skills.assessments import record, set_requirement
from lms.skills.models import Skill
from lms.skills.services import load_catalogue

pytestmark = pytest.mark.e2e

HR = "e2e-skills-hr@example.com"
CATALOGUE = {
    "groups": [
        {
            "code": "e2e-talk",
            "name": {"ru": "Разговор", "en": "Talk"},
            "skills": [
                {"code": "e2e-listening", "name": {"ru": "Слушание", "en": "Listening"}},
                {"code": "e2e-calm", "name": {"ru": "Спокойствие", "en": "Calm"}},
            ],
        }
    ]
}


@pytest.fixture(scope="module")
def team(live_app: Flask, tmp_path_factory: pytest.TempPathFactory) -> dict[str, int]:
    """A department of three agents: Ada meets both skills, Ben falls short of listening
    (a course closes it), Cy of nothing. HR reads English."""
    folder = tmp_path_factory.mktemp("content")
    course = folder / "e2e-listening-course"
    course.mkdir()
    (course / "course.yml").write_text(
        "title: Listening on the line\nskills: {e2e-listening: 3}\nlessons: [one.md]\n",
        encoding="utf-8",
    )
    (course / "one.md").write_text("# One\n\nLet the customer finish.\n", encoding="utf-8")
    now = datetime.now(UTC)
    with live_app.test_request_context():
        department = Department(code="e2e-skills", name="E2E skills team")
        db.session.add(department)
        hr = auth_services.create_user(
            db.session, email=HR, name="Hedda HR", roles=("hr",), locale="en"
        )
        hr.password_hash = auth_services.hash_password(DEMO_PASSWORD)
        people = {}
        for name in ("Ada Able", "Ben Brisk", "Cy Calm"):
            people[name] = auth_services.create_user(
                db.session,
                email=f"e2e-{name.split()[0].lower()}@example.com",
                name=name,
                roles=("agent",),
                locale="en",
            )
            people[name].department = department
        load_catalogue(db.session, CATALOGUE, filename="skills.yml")
        sync_content(db.session, folder)
        skills = {s.code: s for s in db.session.scalars(db.select(Skill))}
        set_requirement(db.session, department, None, skills["e2e-listening"], 3)
        set_requirement(db.session, department, None, skills["e2e-calm"], 2)
        levels = {"Ada Able": (3, 2), "Ben Brisk": (1, 2), "Cy Calm": (3, 4)}
        for name, (listening, calm) in levels.items():
            for code, level in (("e2e-listening", listening), ("e2e-calm", calm)):
                record(db.session, people[name], skills[code], level, source="hr",
                       author=hr, now=now)  # fmt: skip
        db.session.commit()
        return {"department": department.id, "ben": people["Ben Brisk"].id}


def test_hr_filters_the_matrix_and_assigns_a_gap(
    page: Page, sign_in: Callable[..., Page], live_app: Flask, team: dict[str, int]
) -> None:
    sign_in(HR)
    page.goto("/skills/matrix")
    page.get_by_label("Department").select_option(label="E2E skills team")
    page.get_by_label("Only gaps").check()
    page.get_by_role("button", name="Show").click()

    matrix = page.get_by_role("region", name="Skill matrix")
    expect(matrix.get_by_role("link", name="Ben Brisk")).to_be_visible()
    expect(matrix.get_by_role("link", name="Ada Able")).to_have_count(0)
    expect(matrix.get_by_role("link", name="Cy Calm")).to_have_count(0)
    expect(matrix).to_contain_text("2/3")  # coverage counts the whole department
    page.get_by_label("Gap: Ben Brisk, e2e-listening").check()
    due = (date.today() + timedelta(days=14)).isoformat()
    page.get_by_label("Due date").fill(due)
    page.get_by_role("button", name="Assign the recommended courses for the chosen gaps").click()
    expect(page.locator(".flash")).to_contain_text("Courses assigned: 1")

    with live_app.test_request_context():
        assigned = db.session.execute(
            db.select(Assignment.due_on, Course.slug)
            .join(Course)
            .where(Assignment.user_id == team["ben"])
        ).all()
    assert assigned == [(date.fromisoformat(due), "e2e-listening-course")]
