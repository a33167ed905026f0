"""The skill matrix: cell colours against requirements, coverage warnings, who sees what,
assigning the courses that close gaps (never twice), the XLSX export and self-assessment."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import pytest
from openpyxl import load_workbook

from lms.auth.models import Department, User
from lms.courses.models import Assignment, Course
from lms.extensions import db
from lms.skills import matrix
from lms.skills.assessments import record
from lms.skills.models import Skill, SkillAssessment
from tests.skills.conftest import T0, browser


@pytest.mark.parametrize(
    ("level", "required", "status"),
    [(3, 3, "meets"), (4, 3, "meets"), (2, 3, "one_below"), (1, 3, "below"), (None, 2, "below"),
     (None, 1, "one_below"), (2, None, "not_required")],
)  # fmt: skip
def test_cell_status(level: int | None, required: int | None, status: str) -> None:
    assert matrix.cell_status(level, required) == status


def test_the_matrix_colours_cells_and_warns_on_thin_coverage(app: Any, team: dict) -> None:
    with app.test_request_context():
        built = matrix.build_matrix(db.session, department_id=team["line1"].id)
        names = [p.name for p in built.people]
        assert names == ["Ann", "Bob", "Cid"]
        listening = next(s for s in built.skills if s.code == "listening")
        calm = next(s for s in built.skills if s.code == "calm")
        statuses = [built.cell(p, listening).status for p in built.people]
        assert statuses == ["meets", "below", "one_below"]
        assert built.coverage[listening.id].meeting == 1
        assert built.coverage[listening.id].at_risk  # only Ann meets listening
        assert not built.coverage[calm.id].at_risk  # all three meet calm
        gaps_only = matrix.build_matrix(db.session, department_id=team["line1"].id, only_gaps=True)
        assert [p.name for p in gaps_only.people] == ["Bob", "Cid"]
        assert [s.code for s in gaps_only.skills] == ["listening"]


def test_hr_sees_everyone_a_mentor_their_mentees_and_an_agent_nothing(app: Any, team: dict):
    page = browser(app, team["hr"]).get("/skills/matrix").get_data(as_text=True)
    assert all(name in page for name in ("Ann", "Bob", "Cid"))
    assert 'name="gap" value="' in page  # HR may pick gaps
    page = browser(app, team["mentor"]).get("/skills/matrix").get_data(as_text=True)
    assert "Ann" in page and "Bob" not in page and "Cid" not in page
    assert 'name="gap"' not in page  # read-only
    agent = browser(app, team["bob"])
    assert agent.get("/skills/matrix").status_code == 403
    assert agent.get("/skills/matrix.xlsx").status_code == 403
    assert agent.get(f"/skills/people/{team['ann'].id}").status_code == 403
    own = agent.get("/skills/me", follow_redirects=True).get_data(as_text=True)
    assert "Skills: Bob" in own and "Listening course" in own  # the course closing his gap


def test_assigning_gaps_never_assigns_twice(app: Any, team: dict) -> None:
    hr = browser(app, team["hr"])
    with app.test_request_context():
        listening = db.session.scalar(db.select(Skill).where(Skill.code == "listening"))
        gaps = [f"{team['bob'].id}:{listening.id}", f"{team['cid'].id}:{listening.id}"]
    due = (date.today() + timedelta(days=14)).isoformat()
    back = f"department={team['line1'].id}&gaps=1"
    for _ in range(2):
        response = hr.post(
            "/skills/matrix/assign",
            {"gap": gaps, "due_on": due, "back": back},
            form_url="/skills/matrix",
        )
        assert response.headers["Location"] == f"/skills/matrix?{back}"  # same filters
    with app.test_request_context():
        rows = db.session.execute(db.select(Assignment.user_id, Course.slug).join(Course)).all()
    assert sorted(rows) == sorted(
        [(team["bob"].id, "listen-course"), (team["cid"].id, "listen-course")]
    )
    page = hr.get("/skills/matrix").get_data(as_text=True)
    assert "already assigned: 2" in page


def test_the_export_has_the_three_sheets(app: Any, team: dict) -> None:
    response = browser(app, team["hr"]).get(f"/skills/matrix.xlsx?department={team['line1'].id}")
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Matrix", "Requirements", "Skills"]
    rows = list(book["Matrix"].iter_rows(values_only=True))
    assert rows[0] == ("Email", "Name", "Department", "Position", "listening", "calm")
    assert rows[2][1] == "Bob" and rows[2][4:] == (1, 2)
    assert book["Matrix"].freeze_panes == "E2"
    requirements = list(book["Requirements"].iter_rows(values_only=True))
    assert requirements[0] == ("Department", "Position", "Skill", "Level")
    assert ("line1", None, "listening", 3) in requirements or (
        "line1",
        "",
        "listening",
        3,
    ) in requirements


def test_an_agent_assesses_themselves(app: Any, team: dict) -> None:
    agent = browser(app, team["bob"])
    with app.test_request_context():
        calm = db.session.scalar(db.select(Skill).where(Skill.code == "calm"))
    url = f"/skills/people/{team['bob'].id}"
    response = agent.post(f"{url}/assess", {"skill": calm.id, "level": 3}, form_url=url)
    assert response.status_code == 302
    with app.test_request_context():
        latest = db.session.scalars(
            db.select(SkillAssessment)
            .where(SkillAssessment.user_id == team["bob"].id)
            .order_by(SkillAssessment.id.desc())
        ).first()
    assert (latest.source, latest.level, latest.author_id) == ("self", 3, team["bob"].id)
    other = f"/skills/people/{team['ann'].id}/assess"
    assert agent.post(other, {"skill": calm.id, "level": 3}, form_url=url).status_code == 403


def test_the_matrix_page_query_count_does_not_grow_with_people(
    app: Any, team: dict, make_user: Any, count_queries: Any
) -> None:
    hr = browser(app, team["hr"])
    url = f"/skills/matrix?department={team['line1'].id}"
    before = count_queries(lambda: hr.get(url))
    with app.test_request_context():
        department = db.session.get(Department, team["line1"].id)
        calm = db.session.scalar(db.select(Skill).where(Skill.code == "calm"))
        for n in range(5):
            person = make_user("agent", name=f"Extra {n}", department=department, locale="en")
            record(
                db.session,
                db.session.get(User, person.id),
                calm,
                1,
                source="self",
                author=None,
                now=T0,
            )
        db.session.commit()
    page = hr.get(url).get_data(as_text=True)
    assert "Extra 4" in page
    assert count_queries(lambda: hr.get(url)) == before
