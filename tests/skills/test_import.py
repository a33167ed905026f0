"""Importing the skill matrix workbook: the export read back changes nothing, changed cells
become HR assessments, the Requirements sheet replaces the requirements, every problem is
reported with its sheet, row and column while nothing is written, files as LibreOffice
saves them, and who may use the page and the command.

Messages are checked in English: the service runs in an English session, the people sign
in with English, the command line gets English as the default.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask import session as flask_session
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from lms.auth.models import Department, Position, User
from lms.extensions import db
from lms.skills.assessments import current_levels, record, set_requirement
from lms.skills.models import Skill, SkillAssessment, SkillRequirement
from lms.skills.services import load_catalogue
from lms.skills.workbook import ImportPlan, WorkbookError, apply_plan, plan_import
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
NOW = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def team(app: Flask, make_org: Any, make_user: Any) -> dict[str, Any]:
    """Ann, Bob and Cid on line 1 (listening required at 3, calm at 2), a mentor and HR.
    The export lists them by name: Ann row 2, Bob 3, Cid 4, Hal 5, Meg 6; listening is
    column E, calm F."""
    line1 = make_org(Department, "line1", "First line")
    agent = make_org(Position, "agent-l1", "Agent")
    people = {
        key: make_user(role, name=name, email=f"{key}@example.com", locale="en", **org)
        for key, role, name, org in (
            ("ann", "agent", "Ann", {"department": line1, "position": agent}),
            ("bob", "agent", "Bob", {"department": line1, "position": agent}),
            ("cid", "agent", "Cid", {"department": line1, "position": agent}),
            ("meg", "mentor", "Meg", {}),
            ("hal", "hr", "Hal", {}),
        )
    }
    with app.test_request_context():
        load_catalogue(db.session, CATALOGUE, filename="skills.yml")
        skills = {s.code: s for s in db.session.scalars(select(Skill))}
        department = db.session.get(Department, line1.id)
        set_requirement(db.session, department, None, skills["listening"], 3)
        set_requirement(db.session, department, None, skills["calm"], 2)
        for key, listening, calm in (("ann", 3, 2), ("bob", 1, 2), ("cid", 2, 4)):
            person = db.session.get(User, people[key].id)
            record(
                db.session, person, skills["listening"], listening, source="hr", author=None, now=T0
            )
            record(db.session, person, skills["calm"], calm, source="self", author=None, now=T0)
        db.session.commit()
    return people


def signed_in(app: Flask, user: User) -> Browser:
    browser = Browser(app.test_client())
    assert browser.login(user.email).status_code == 302
    return browser


def export(app: Flask, team: dict[str, Any]) -> bytes:
    response = signed_in(app, team["hal"]).get("/skills/matrix.xlsx")
    assert response.status_code == 200
    return response.data


def edited(data: bytes, changes: dict[tuple[str, str], Any], drop: str | None = None) -> bytes:
    """The workbook with cells set, e.g. {("Matrix", "E3"): 4}, and a sheet dropped."""
    book = load_workbook(io.BytesIO(data))
    for (sheet, cell), value in changes.items():
        book[sheet][cell] = value
    if drop:
        del book[drop]
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def snapshot() -> tuple[int, set[tuple[int, int | None, int, int]]]:
    """How many assessments there are, and every requirement."""
    count = db.session.scalar(select(func.count(SkillAssessment.id)))
    rows = db.session.execute(
        select(
            SkillRequirement.department_id,
            SkillRequirement.position_id,
            SkillRequirement.skill_id,
            SkillRequirement.level,
        )
    )
    return count, {tuple(row) for row in rows}


def plan(app: Flask, data: bytes, filename: str = "matrix.xlsx") -> ImportPlan:
    with app.test_request_context():
        flask_session["locale"] = "en"
        return plan_import(db.session, data, filename=filename)


def problems(app: Flask, data: bytes, filename: str = "matrix.xlsx") -> list[str]:
    """The problems of a refused file; checks that nothing was written."""
    with app.test_request_context():
        flask_session["locale"] = "en"
        before = snapshot()
        with pytest.raises(WorkbookError) as refused:
            plan_import(db.session, data, filename=filename)
        assert snapshot() == before
        return refused.value.messages()


def apply(app: Flask, data: bytes, actor: User | None = None) -> ImportPlan:
    with app.test_request_context():
        flask_session["locale"] = "en"
        planned = plan_import(db.session, data, filename="matrix.xlsx")
        apply_plan(db.session, planned, actor=actor, now=NOW)
        db.session.commit()
        return planned


def level(app: Flask, person: User, code: str) -> Any:
    with app.test_request_context():
        skill = db.session.scalar(select(Skill).where(Skill.code == code))
        return current_levels(db.session, [person.id], [skill.id]).get((person.id, skill.id))


# Good files ---------------------------------------------------------------------------------


def test_the_export_read_back_changes_nothing(app: Flask, team: dict) -> None:
    data = export(app, team)
    planned = plan(app, data)
    assert planned.is_empty and planned.people == 5 and planned.unchanged_requirements == 2
    with app.test_request_context():
        before = snapshot()
        apply_plan(db.session, planned, actor=None, now=NOW)
        assert snapshot() == before


def test_a_changed_cell_becomes_one_hr_assessment(app: Flask, team: dict) -> None:
    data = edited(export(app, team), {("Matrix", "E3"): 3})  # Bob's listening, 1 -> 3
    with app.test_request_context():
        before = snapshot()[0]
    planned = apply(app, data, actor=team["hal"])
    [change] = planned.assessments
    assert (change.email, change.skill_code, change.old, change.new) == (
        "bob@example.com", "listening", 1, 3,
    )  # fmt: skip
    assert "1 assessment change (people: 1); requirements +0 ~0 -0" in planned.summary()
    with app.test_request_context():
        assert snapshot()[0] == before + 1
    current = level(app, team["bob"], "listening")
    assert (current.level, current.source, current.author_id) == (3, "hr", team["hal"].id)
    with app.test_request_context():
        comment = db.session.scalar(
            select(SkillAssessment.comment).where(SkillAssessment.id == current.id)
        )
    assert "matrix.xlsx" in comment
    assert plan(app, export(app, team)).is_empty  # the next export reads back unchanged


def test_numeric_text_and_whole_floats_are_levels(app: Flask, team: dict) -> None:
    data = edited(
        export(app, team),
        {("Matrix", "E2"): "3", ("Matrix", "F2"): " 4 ", ("Matrix", "E3"): 2.0,
         ("Matrix", "F3"): "2", ("Matrix", "E5"): "  ", ("Matrix", "E6"): 0},
    )  # fmt: skip
    changes = {(c.email, c.skill_code): (c.old, c.new) for c in plan(app, data).assessments}
    assert changes == {
        ("ann@example.com", "calm"): (2, 4),
        ("bob@example.com", "listening"): (1, 2),
        ("meg@example.com", "listening"): (None, 0),
    }  # Ann's listening "3" and Bob's calm "2" are their current levels; Hal's blank is none


def test_the_requirements_sheet_replaces_the_requirements(app: Flask, team: dict) -> None:
    data = edited(
        export(app, team),
        {("Requirements", "D3"): 4,  # line1 listening 3 -> 4
         ("Requirements", "A2"): "line1", ("Requirements", "B2"): "agent-l1",  # calm: now only
         ("Requirements", "C2"): "calm", ("Requirements", "D2"): 1},  # for agents, at 1
    )  # fmt: skip
    planned = apply(app, data)
    kinds = sorted(
        (c.kind, c.department, c.position, c.skill, c.old, c.new) for c in planned.requirements
    )
    assert kinds == [
        ("added", "line1", "agent-l1", "calm", None, 1),
        ("changed", "line1", None, "listening", 3, 4),
        ("removed", "line1", None, "calm", 2, None),
    ]
    with app.test_request_context():
        codes = db.session.execute(
            select(Department.code, Position.code, Skill.code, SkillRequirement.level)
            .select_from(SkillRequirement)
            .join(Department, Department.id == SkillRequirement.department_id)
            .outerjoin(Position, Position.id == SkillRequirement.position_id)
            .join(Skill, Skill.id == SkillRequirement.skill_id)
        )
        assert {tuple(row) for row in codes} == {
            ("line1", "agent-l1", "calm", 1),
            ("line1", None, "listening", 4),
        }


def libreoffice_like(rows: list[list[Any]], requirements: list[list[Any]]) -> bytes:
    """A workbook built from scratch, numbers stored as text, sheets in another order."""
    book = Workbook()
    book.active.title = "Skills"
    matrix = book.create_sheet("matrix ")  # sheet names match whatever the case and spaces
    for row in rows:
        matrix.append(row)
    sheet = book.create_sheet("REQUIREMENTS")
    for row in requirements:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def with_wrong_dimensions(data: bytes) -> bytes:
    """The same workbook claiming every sheet is one cell (<dimension ref="A1"/>)."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                content = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1"', content)
            target.writestr(item, content)
    return out.getvalue()


def test_files_saved_by_libreoffice_are_read(app: Flask, team: dict) -> None:
    data = libreoffice_like(
        [[None], [" EMAIL ", "Calm", "Listening", "Name"], ["Bob@Example.com ", "3", "1", "Bob"],
         [None, None, None], ["cid@example.com", "4 ", "", ""]],
        [["department", "position", "skill", "level"], ["LINE1", "", "listening", "3"],
         ["line1", None, "calm", "2.0"]],
    )  # fmt: skip
    for variant in (data, with_wrong_dimensions(data)):
        planned = plan(app, variant)
        assert [(c.email, c.skill_code, c.new) for c in planned.assessments] == [
            ("bob@example.com", "calm", 3)
        ]
        assert planned.requirements == [] and planned.unchanged_requirements == 2
    assert not plan(app, with_wrong_dimensions(export(app, team))).assessments


def test_a_blank_first_row_is_skipped_and_rows_keep_their_numbers(app: Flask, team: dict) -> None:
    data = libreoffice_like(
        [[], ["Email", "calm"], ["bob@example.com", "x"]],
        [["Department", "Skill", "Level"]],
    )
    assert problems(app, data) == [
        "Sheet Matrix, row 3, column B (calm): “x” is not a level: write a whole number from 0 to "
        "4, or leave the cell empty."
    ]


# Refused files: every problem where it is, nothing written -----------------------------------


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (6, "the level 6 is outside 0-4."),
        (-1, "the level -1 is outside 0-4."),
        ("5", "the level 5 is outside 0-4."),
        (2.5, "2.5 is not a whole number: a level is 0, 1, 2, 3 or 4."),
        (
            "good",
            "“good” is not a level: write a whole number from 0 to 4, or leave the cell empty.",
        ),
        (True, "“TRUE” is not a level: write a whole number from 0 to 4, or leave the cell empty."),
        (datetime(2026, 1, 5), "“2026-01-05 00:00:00” is not a level"),
    ],
)
def test_a_bad_level_is_refused(app: Flask, team: dict, value: Any, problem: str) -> None:
    [message] = problems(app, edited(export(app, team), {("Matrix", "F4"): value}))
    assert message.startswith(f"Sheet Matrix, row 4, column F (calm): {problem}")


@pytest.mark.parametrize(
    ("changes", "drop", "expected"),
    [
        ({("Matrix", "A3"): "ghost@example.com"}, None,
         "Sheet Matrix, row 3, column A (Email): nobody has the e-mail ghost@example.com."),
        ({("Matrix", "F1"): "payment"}, None,
         "Sheet Matrix, row 1, column F (payment): no skill has the code “payment”."),
        ({("Matrix", "G1"): "Listening"}, None,
         "Sheet Matrix, row 1, column G (Listening): the column appears twice (also column E)."),
        ({("Matrix", "A7"): "ANN@example.com"}, None,
         "Sheet Matrix, row 7, column A (Email): ann@example.com is already in row 2."),
        ({("Matrix", "A1"): "Mail"}, None,
         ["Sheet Matrix, row 1: the required column “Email” is missing.",
          "Sheet Matrix, row 1, column A (Mail): no skill has the code “Mail”."]),
        ({("Requirements", "A4"): "line1", ("Requirements", "C4"): "calm",
          ("Requirements", "D4"): 1}, None,
         "Sheet Requirements, row 4, column A (Department): the same department, position and "
         "skill as row 2."),
        ({("Requirements", "A3"): "line9"}, None,
         "Sheet Requirements, row 3, column A (Department): no department has the code “line9”."),
        ({("Requirements", "B3"): "boss"}, None,
         "Sheet Requirements, row 3, column B (Position): no position has the code “boss”."),
        ({("Requirements", "D3"): None}, None,
         "Sheet Requirements, row 3, column D (Level): the level is missing."),
        ({("Requirements", "D3"): 7}, None,
         "Sheet Requirements, row 3, column D (Level): the level 7 is outside 0-4."),
        ({("Requirements", "D1"): "Levels"}, None,
         "Sheet Requirements, row 1: the required column “Level” is missing."),
        ({}, "Matrix", "matrix.xlsx: the workbook has no sheet “Matrix”."),
        ({}, "Requirements", "matrix.xlsx: the workbook has no sheet “Requirements”."),
    ],
)  # fmt: skip
def test_each_problem_names_its_place(
    app: Flask, team: dict, changes: dict, drop: str | None, expected: str | list[str]
) -> None:
    expected = [expected] if isinstance(expected, str) else expected
    assert problems(app, edited(export(app, team), changes, drop=drop)) == expected


def test_every_problem_is_listed_at_once_up_to_a_limit(app: Flask, team: dict) -> None:
    changes: dict[tuple[str, str], Any] = {("Matrix", "E2"): 9, ("Requirements", "A2"): "line9"}
    changes |= {("Matrix", f"A{row}"): f"ghost{row}@example.com" for row in range(7, 257)}
    messages = problems(app, edited(export(app, team), changes))
    assert messages[0].startswith("Sheet Matrix, row 2, column E (listening): the level 9")
    assert messages[1].startswith("Sheet Matrix, row 7, column A (Email): nobody has")
    assert len(messages) == 201 and messages[-1] == "…and 52 more problems."


def test_a_file_that_is_no_workbook_is_refused(app: Flask, team: dict) -> None:
    expected = "notes.txt: the file cannot be read as an Excel workbook (.xlsx)."
    for data in (b"email,calm\nbob@example.com,3\n", b"", b"PK\x03\x04broken"):
        [message] = problems(app, data, filename="notes.txt")
        assert message.startswith(expected)


# The page -------------------------------------------------------------------------------------


def hidden_fields(html: str) -> dict[str, str]:
    return dict(
        re.findall(r'name="(workbook|sha256|filename|digest)" type="hidden" value="([^"]*)"', html)
    )


def upload(browser: Browser, data: bytes, name: str = "matrix.xlsx") -> Any:
    return browser.post(
        "/skills/import", {"file": (io.BytesIO(data), name)}, content_type="multipart/form-data"
    )


def test_only_hr_and_admins_may_import(app: Flask, team: dict) -> None:
    for key in ("ann", "meg"):
        browser = signed_in(app, team[key])
        assert browser.get("/skills/import").status_code == 403
        assert browser.post("/skills/import/apply", {}, form_url="/account").status_code == 403
    page = signed_in(app, team["hal"]).get("/skills/matrix").get_data(as_text=True)
    assert 'href="/skills/import"' in page


def test_hr_previews_then_applies(app: Flask, team: dict) -> None:
    hr = signed_in(app, team["hal"])
    data = edited(export(app, team), {("Matrix", "E3"): 4, ("Requirements", "D2"): 3})
    with app.test_request_context():
        before = snapshot()
    response = upload(hr, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "1 assessment change (people: 1); requirements +0 ~1 -0, 1 unchanged." in html
    assert "Bob" in html and "<code>listening</code></td><td>1</td><td><strong>4</strong>" in html
    assert "Apply these changes" in html
    with app.test_request_context():
        assert snapshot() == before  # the preview writes nothing
    fields = hidden_fields(html)
    assert set(fields) == {"workbook", "sha256", "filename", "digest"}
    response = hr.post("/skills/import/apply", fields, form_url="/skills/import")
    assert response.status_code == 302 and response.location.endswith("/skills/matrix")
    assert level(app, team["bob"], "listening").level == 4
    with app.test_request_context():
        count, requirements = snapshot()
    assert count == before[0] + 1 and requirements != before[1]
    page = hr.get("/skills/matrix").get_data(as_text=True)
    assert "The workbook matrix.xlsx was imported: 1 assessment change" in page


def test_the_page_lists_every_problem(app: Flask, team: dict) -> None:
    data = edited(export(app, team), {("Matrix", "F4"): "good", ("Requirements", "A3"): "line9"})
    response = upload(signed_in(app, team["hal"]), data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "2 problems in matrix.xlsx; nothing was imported." in html
    assert "<td>Matrix</td><td>4</td><td>F (calm)</td>" in html
    assert "<td>Requirements</td><td>3</td><td>A (Department)</td>" in html
    assert "Apply these changes" not in html


def test_an_unchanged_workbook_shows_an_empty_preview(app: Flask, team: dict) -> None:
    html = upload(signed_in(app, team["hal"]), export(app, team)).get_data(as_text=True)
    assert "there is nothing to import" in html and "Apply these changes" not in html


def test_apply_refuses_a_damaged_file_and_a_stale_preview(app: Flask, team: dict) -> None:
    hr = signed_in(app, team["hal"])
    data = edited(export(app, team), {("Matrix", "E3"): 4})
    fields = hidden_fields(upload(hr, data).get_data(as_text=True))
    with app.test_request_context():
        before = snapshot()
    damaged = {**fields, "workbook": fields["workbook"][:-8] + "AAAAAAA="}
    response = hr.post("/skills/import/apply", damaged, form_url="/skills/import")
    assert response.status_code == 302 and response.location.endswith("/skills/import")
    with app.test_request_context():
        assert snapshot() == before
        bob = db.session.get(User, team["bob"].id)
        skill = db.session.scalar(select(Skill).where(Skill.code == "listening"))
        record(db.session, bob, skill, 2, source="mentor", author=None, now=NOW)
        db.session.commit()
        before = snapshot()
    response = hr.post("/skills/import/apply", fields, form_url="/skills/import")
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "changed since the preview" in html and "<td>2</td><td><strong>4</strong>" in html
    with app.test_request_context():
        assert snapshot() == before


# The command line -----------------------------------------------------------------------------


@pytest.fixture
def cli_in_english(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "BABEL_DEFAULT_LOCALE", "en")


def invoke(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=["lms", "skills", "import", *args])


def test_cli_dry_run_then_import(
    app: Flask, team: dict, tmp_path: Path, cli_in_english: None
) -> None:
    path = tmp_path / "matrix.xlsx"
    path.write_bytes(edited(export(app, team), {("Matrix", "E3"): 4, ("Matrix", "F4"): 3}))
    with app.app_context():
        before = snapshot()
    result = invoke(app, str(path), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Reading matrix.xlsx…" in result.stderr
    assert "2 assessment changes (people: 2); requirements +0 ~0 -0, 2 unchanged." in result.stdout
    assert "bob@example.com  listening: 1 → 4" in result.stdout
    assert "Dry run: nothing was saved." in result.stdout
    with app.app_context():
        assert snapshot() == before
    result = invoke(app, str(path), "--actor", "hal@example.com")
    assert result.exit_code == 0, result.output
    assert "Saved." in result.stdout
    current = level(app, team["cid"], "calm")
    assert (current.level, current.source, current.author_id) == (3, "hr", team["hal"].id)
    assert "nothing to save" in invoke(app, str(path)).stdout  # the same file again


def test_cli_lists_problems_and_exits_1(
    app: Flask, team: dict, tmp_path: Path, cli_in_english: None
) -> None:
    path = tmp_path / "matrix.xlsx"
    path.write_bytes(edited(export(app, team), {("Matrix", "E3"): 4, ("Matrix", "F4"): "good"}))
    with app.app_context():
        before = snapshot()
    result = invoke(app, str(path))
    assert result.exit_code == 1
    assert "Sheet Matrix, row 4, column F (calm): “good” is not a level" in result.stderr
    assert "Saved." not in result.stdout
    with app.app_context():
        assert snapshot() == before
    result = invoke(app, str(path), "--actor", "ghost@example.com")
    assert (
        result.exit_code == 1
        and "No active user has the e-mail ghost@example.com." in result.stderr
    )


def test_a_retired_skill_column_is_refused(app: Flask, team: dict) -> None:
    data = export(app, team)
    with app.test_request_context():
        db.session.scalar(select(Skill).where(Skill.code == "calm")).is_active = False
        db.session.commit()
    found = problems(app, data)
    assert any("“calm” is retired" in p and "Sheet Matrix, row 1" in p for p in found), found
