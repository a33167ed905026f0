"""The skills catalogue: level descriptors from skills.yml, problems with their lines, HR's
edit in the app (and a later file sync that leaves it alone), the requirements grid and
the matrix shown a page of people at a time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from lms.auth.models import Department, Position
from lms.extensions import db
from lms.skills.models import Skill, SkillRequirement
from lms.skills.services import CatalogueError, catalogue_yaml, load_catalogue
from lms.yamlfile import load_yaml
from tests.skills.conftest import browser

SKILLS_YML = """\
groups:
  - code: talk
    name: {ru: Разговор, en: Talk}
    skills:
      - code: listening
        name: {ru: Слушание, en: Listening}
        levels:
          0: {ru: Перебивает, en: Interrupts}
          3: {ru: "Слушает, уточняет", en: "Listens, clarifies"}
      - code: calm
        name: {ru: Спокойствие, en: Calm}
"""


def load(text: str, **kwargs: Any) -> Any:
    return load_catalogue(db.session, load_yaml(text), filename="skills.yml", **kwargs)


def skill(code: str) -> Skill:
    return db.session.scalar(select(Skill).where(Skill.code == code))


def test_descriptors_are_kept_and_written_back(app: Any) -> None:
    with app.test_request_context():
        report = load(SKILLS_YML)
        assert sorted(report.created) == ["calm", "listening"]
        assert skill("listening").descriptors == {
            "0": {"ru": "Перебивает", "en": "Interrupts"},
            "3": {"ru": "Слушает, уточняет", "en": "Listens, clarifies"},
        }
        assert skill("calm").descriptors is None
        text = catalogue_yaml(db.session)
        assert "3: {ru: Слушает, уточняет" not in text  # the comma is quoted
        again = load(text)
        assert (again.created, again.updated, again.conflicts) == ([], [], [])


@pytest.mark.parametrize(
    ("broken", "line", "words"),
    [
        (SKILLS_YML.replace("code: calm", "code: listening"), 10, "used twice"),
        (SKILLS_YML.replace("{ru: Спокойствие, en: Calm}", "{en: Calm}"), 11, "at least “ru”"),
        (SKILLS_YML.replace("          3: {ru:", "          7: {ru:"), 9, "from 0 to 4"),
        (SKILLS_YML.replace("0: {ru: Перебивает, en: Interrupts}", "0: {en: Interrupts}"), 8,
         "description needs at least “ru”"),
        (SKILLS_YML.replace("code: calm", "code: 'calm skill'"), 10, "code of up to 40"),
    ],
)  # fmt: skip
def test_every_problem_names_its_line(app: Any, broken: str, line: int, words: str) -> None:
    with app.test_request_context(), force_locale("en"):
        with pytest.raises(CatalogueError) as caught:
            load(broken)
        assert len(caught.value.problems) == 1
        assert f"skills.yml, line {line}" in caught.value.problems[0]
        assert words in caught.value.problems[0]
        assert db.session.scalar(select(func.count()).select_from(Skill)) == 0


def test_an_edit_in_the_app_survives_a_file_sync_unless_overwritten(
    app: Any, make_user: Any
) -> None:
    hr = make_user("hr", name="Hal")
    with app.test_request_context():
        load(SKILLS_YML)
        edited = SKILLS_YML.replace("en: Listening", "en: Active listening").replace(
            "      - code: calm\n        name: {ru: Спокойствие, en: Calm}\n", ""
        )
        report = load(edited, actor=hr)
        assert (report.updated, report.retired) == (["listening"], ["calm"])
        assert skill("listening").edited_in_app and not skill("calm").is_active
        from_file = load(SKILLS_YML)
        assert sorted(from_file.conflicts) == ["calm", "listening"]
        assert skill("listening").name_en == "Active listening"
        assert not skill("calm").is_active
        load(SKILLS_YML, overwrite=True)
        assert skill("listening").name_en == "Listening" and not skill("listening").edited_in_app
        assert skill("calm").is_active


def test_sync_prints_the_conflict(app: Any, make_user: Any, tmp_path: Path) -> None:
    hr = make_user("hr", name="Hal")
    (tmp_path / "skills.yml").write_text(SKILLS_YML, encoding="utf-8")
    with app.test_request_context():
        load(SKILLS_YML)
        load(SKILLS_YML.replace("en: Calm", "en: Composure"), actor=hr)
        db.session.commit()
    result = app.test_cli_runner().invoke(
        args=["lms", "sync", "--content", str(tmp_path)], env={"LANG": "en"}
    )
    assert result.exit_code == 0, result.output
    assert "calm" in result.output and "--overwrite" in result.output
    with app.test_request_context():
        assert skill("calm").name_en == "Composure"


def test_everyone_reads_the_catalogue_hr_edits_it(app: Any, team: dict) -> None:
    agent = browser(app, team["bob"])
    page = agent.get("/skills/catalogue").get_data(as_text=True)
    assert "Listening" in page and "<textarea" not in page
    assert agent.post("/skills/catalogue", {"text": SKILLS_YML}).status_code == 403
    hr = browser(app, team["hr"])
    page = hr.get("/skills/catalogue").get_data(as_text=True)
    assert "<textarea" in page and "code: listening" in page
    broken = hr.post("/skills/catalogue", {"text": "groups:\n  - code: [\n"})
    assert broken.status_code == 400 and "line" in broken.get_data(as_text=True)
    saved = hr.post(
        "/skills/catalogue", {"text": SKILLS_YML.replace("en: Calm", "en: <b>Calm</b>")}
    )
    assert saved.status_code == 302
    page = hr.get("/skills/catalogue").get_data(as_text=True)
    assert "&lt;b&gt;Calm&lt;/b&gt;" in page and "<b>Calm</b>" not in page
    assert "Listens, clarifies" in page  # a descriptor from the new text


def test_hr_sets_requirements_in_the_grid(app: Any, team: dict) -> None:
    line1 = team["line1"].id
    url = f"/skills/requirements?department={line1}"
    assert browser(app, team["mentor"]).get(url).status_code == 403
    hr = browser(app, team["hr"])
    page = hr.get(url).get_data(as_text=True)
    assert "Agent" in page  # the position its people hold has a column
    with app.test_request_context():
        skills = {s.code: s.id for s in db.session.scalars(select(Skill))}
        agent_pos = db.session.scalar(select(Position.id).where(Position.code == "agent-l1"))
    response = hr.post(
        "/skills/requirements",
        {
            "department": line1,
            f"req-0-{skills['listening']}": "",  # was 3: no longer required
            f"req-0-{skills['calm']}": "2",  # unchanged
            f"req-{agent_pos}-{skills['calm']}": "4",  # the position needs more
        },
        form_url=url,
    )
    assert response.status_code == 302
    with app.test_request_context():
        rows = db.session.execute(
            select(SkillRequirement.position_id, SkillRequirement.skill_id, SkillRequirement.level)
            .where(SkillRequirement.department_id == line1)
        ).all()  # fmt: skip
        assert sorted(rows, key=str) == sorted(
            [(None, skills["calm"], 2), (agent_pos, skills["calm"], 4)], key=str
        )
    bad = hr.post(
        "/skills/requirements",
        {"department": line1, f"req-0-{skills['calm']}": "9"},
        form_url=url,
    )
    assert bad.status_code == 400


def test_the_matrix_shows_a_page_of_people_and_counts_everyone(
    app: Any, team: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "SKILLS_MATRIX_PAGE_SIZE", 2)
    hr = browser(app, team["hr"])
    with app.test_request_context():
        department = db.session.get(Department, team["line1"].id)
    first = hr.get(f"/skills/matrix?department={department.id}").get_data(as_text=True)
    second = hr.get(f"/skills/matrix?department={department.id}&page=2").get_data(as_text=True)
    assert ">Ann<" in first and ">Bob<" in first and ">Cid<" not in first
    assert ">Cid<" in second and ">Ann<" not in second
    assert "People 1–2 of 3" in first and "People 3–3 of 3" in second
    assert "1/3" in first and "1/3" in second  # coverage: one of three meets listening
    assert "page=2" in first and "department=" in first.split("page=2")[0].rsplit('"', 1)[-1]


def test_a_retired_skill_takes_no_new_levels(app: Any, team: dict) -> None:
    from lms.courses import services as course_services
    from lms.courses.models import Course
    from lms.errors import ServiceError
    from lms.models_base import utcnow
    from lms.skills.assessments import record
    from lms.skills.models import SkillAssessment

    with app.test_request_context():
        hr = db.session.get(type(team["hr"]), team["hr"].id)
        without_listening = (
            "groups:\n  - code: talk\n    name: {ru: Разговор, en: Talk}\n    skills:\n"
            "      - code: calm\n        name: {ru: Спокойствие, en: Calm}\n"
        )
        assert load(without_listening, actor=hr).retired == ["listening"]
        bob = db.session.get(type(team["bob"]), team["bob"].id)
        before = db.session.scalar(select(func.count()).select_from(SkillAssessment))
        with force_locale("en"), pytest.raises(ServiceError, match="retired"):
            record(db.session, bob, skill("listening"), 3, source="hr", author=hr, now=utcnow())
        # Finishing the course that raises listening still finishes it, and records nothing.
        course = db.session.scalar(select(Course).where(Course.slug == "listen-course"))
        state = course_services.course_state(db.session, bob, course)
        for lesson in state.lessons:
            course_services.complete_lesson(db.session, bob, state, lesson, now=utcnow())
        assert course_services.course_state(db.session, bob, course).completed
        assert db.session.scalar(select(func.count()).select_from(SkillAssessment)) == before
        db.session.commit()
    page = browser(app, team["hr"]).get("/skills/matrix").get_data(as_text=True)
    assert "listening" not in page and "calm" in page
