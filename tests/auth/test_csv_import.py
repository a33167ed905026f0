"""Bulk import of users from CSV: decoding, checks, all-or-nothing, the upload page and the CLI.

Messages are checked in English (the service runs with an English session, the signed-in
people read English, the CLI gets English as the default), whatever the Russian catalogue says.
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask import session as flask_session
from sqlalchemy import func, select

from lms.auth import services
from lms.auth.cli import import_users_command
from lms.auth.csv_import import (
    CsvImportError,
    ImportResult,
    import_users_csv,
    temporary_password,
)
from lms.auth.models import Department, Mentorship, Position, User
from lms.extensions import db
from lms.tables import MAX_PROBLEMS
from tests.conftest import ROLES_UNDER_TEST

TODAY = date(2024, 3, 1)
RUSSIAN_ROWS = (
    "email;name;department;position;roles;hired_on\n"
    "elkina@example.ru;Ёлкина Дарья;Первая линия;Оператор;agent,mentor;15.01.2024\n"
    "shchukin@example.ru;Щукин Юрий Эдуардович;line1;;;\n"
)


@pytest.fixture
def en(app: Flask) -> Any:
    """A request context reading English, for calling the service directly."""
    with app.test_request_context():
        flask_session["locale"] = "en"
        yield


@pytest.fixture
def users(make_user: Any) -> dict[str, User]:
    """One user per role, reading the interface in English."""
    return {role: make_user(role, locale="en") for role in ROLES_UNDER_TEST}


@pytest.fixture
def admin(make_user: Any) -> User:
    """The actor (detached: compare by id)."""
    return make_user("admin", email="boss@example.com")


@pytest.fixture
def org(make_org: Any) -> dict[str, Any]:
    """A department and a position (detached: compare by id)."""
    return {
        "line1": make_org(Department, "line1", "Первая линия"),
        "operator": make_org(Position, "operator", "Оператор"),
    }


@pytest.fixture
def cli_in_english(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "BABEL_DEFAULT_LOCALE", "en")


def run(data: bytes | str, actor: User, **options: Any) -> ImportResult:
    """Import as the service is called by the view: no commit."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    options = {"filename": "users.csv", "today": TODAY, "may_assign_roles": True, **options}
    return import_users_csv(db.session, data, actor=actor, **options)


def problems(data: bytes | str, actor: User, **options: Any) -> list[str]:
    """The problems reported for a refused file; checks that nobody was created."""
    before = user_count()
    with pytest.raises(CsvImportError) as refused:
        run(data, actor, **options)
    assert user_count() == before
    return refused.value.problems


def user_count() -> int:
    return db.session.scalar(select(func.count(User.id)))


def user(email: str) -> User:
    found = services.find_user_by_email(db.session, email)
    assert found is not None, email
    return found


# Good files -----------------------------------------------------------------------------


def test_utf8_comma_file_creates_everyone(en: None, admin: User, org: dict[str, Any]) -> None:
    result = run(
        "email,name,department,position,roles,hired_on,locale\n"
        "Anna@Example.com,  Anna   Smith ,LINE1,operator,agent mentor,2024-02-01,en\n"
        'bob@example.com,"Bob, Jr.",Первая линия,,,,\n',
        admin,
    )
    assert not result.dry_run
    assert [(c.name, c.email) for c in result.created] == [
        ("Anna Smith", "anna@example.com"),
        ("Bob, Jr.", "bob@example.com"),
    ]
    anna = user("anna@example.com")
    assert anna.name == "Anna Smith" and anna.locale == "en"
    assert anna.department_id == org["line1"].id and anna.position_id == org["operator"].id
    assert anna.roles == {"agent", "mentor"} and anna.hired_on == date(2024, 2, 1)
    bob = user("bob@example.com")
    assert bob.roles == {"agent"} and bob.department_id == org["line1"].id
    assert bob.position is None
    assert result.created[0].user is anna


def test_windows_1251_semicolon_file_with_russian_names(
    en: None, admin: User, org: dict[str, Any]
) -> None:
    result = run(RUSSIAN_ROWS.encode("cp1251"), admin)
    assert [c.name for c in result.created] == ["Ёлкина Дарья", "Щукин Юрий Эдуардович"]
    elkina = user("elkina@example.ru")
    assert elkina.name == "Ёлкина Дарья"
    assert elkina.department_id == org["line1"].id
    assert elkina.position_id == org["operator"].id
    assert elkina.roles == {"agent", "mentor"} and elkina.hired_on == date(2024, 1, 15)
    assert user("shchukin@example.ru").name == "Щукин Юрий Эдуардович"


def test_windows_1251_in_capitals_is_still_accepted(en: None, admin: User) -> None:
    text = "email;name\nivanov@example.ru;ИВАНОВ ИВАН ИВАНОВИЧ\npetrova@example.ru;ПЕТРОВА ОЛЬГА\n"
    run(text.encode("cp1251"), admin)
    assert user("ivanov@example.ru").name == "ИВАНОВ ИВАН ИВАНОВИЧ"


def test_utf8_with_bom(en: None, admin: User) -> None:
    data = "email;name\nelkina@example.ru;Ёлкина Дарья\n".encode("utf-8-sig")
    assert data.startswith(b"\xef\xbb\xbf")
    run(data, admin)
    assert user("elkina@example.ru").name == "Ёлкина Дарья"


def test_rows_may_name_later_rows_as_manager_and_mentor(en: None, admin: User) -> None:
    run(
        "email,name,roles,manager_email,mentor_email,hired_on\n"
        "new@example.com,New Agent,,lead@example.com,mentor@example.com,2024-02-10\n"
        "late@example.com,Late Agent,,,mentor@example.com,\n"
        "mentor@example.com,The Mentor,agent|mentor,lead@example.com,,\n"
        "lead@example.com,The Lead,agent,,,\n",
        admin,
    )
    new, mentor, lead = (
        user("new@example.com"),
        user("mentor@example.com"),
        user("lead@example.com"),
    )
    assert new.manager == lead and mentor.manager == lead
    first = services.current_mentorship(db.session, new, today=TODAY)
    assert first is not None and first.mentor == mentor
    assert first.started_on == date(2024, 2, 10) and first.created_by_id == admin.id
    later = services.current_mentorship(db.session, user("late@example.com"), today=TODAY)
    assert later is not None and later.mentor == mentor and later.started_on == TODAY


def test_existing_users_as_manager_and_mentor(en: None, admin: User, make_user: Any) -> None:
    mentor = make_user("mentor", email="m@example.com")
    run(
        "email,name,manager_email,mentor_email\nx@example.com,X,BOSS@example.com,m@example.com\n",
        admin,
    )
    new = user("x@example.com")
    assert new.manager_id == admin.id
    assert services.current_mentorship(db.session, new, today=TODAY).mentor_id == mentor.id


def test_temporary_passwords_are_generated_and_must_be_changed(en: None, admin: User) -> None:
    result = run("email,name,password\na@example.com,A,\nb@example.com,B,chosen by hr 1\n", admin)
    generated, given = result.created
    assert generated.temporary_password and len(generated.temporary_password) >= 12
    assert services.password_matches(generated.user, generated.temporary_password)
    assert given.temporary_password is None  # the file's password is kept, nothing to show
    assert services.password_matches(given.user, "chosen by hr 1")
    assert generated.user.must_change_password and given.user.must_change_password


def test_temporary_passwords_are_random_and_readable() -> None:
    passwords = {temporary_password() for _ in range(50)}
    assert len(passwords) == 50
    assert not any(set(p) & set("0O1lI") for p in passwords)


def test_imported_user_signs_in_with_temporary_password_and_must_change_it(
    app: Flask, admin: User, browser: Any
) -> None:
    with app.test_request_context():
        created = run("email,name\nfresh@example.com,Fresh Agent\n", admin).created[0]
        db.session.commit()
    response = browser.login("fresh@example.com", created.temporary_password)
    assert response.status_code == 302
    home = browser.get("/")
    assert home.status_code == 302 and home.headers["Location"].endswith("/account/password")


def test_dry_run_writes_nothing(en: None, admin: User, org: dict[str, Any]) -> None:
    before = user_count()
    result = run(RUSSIAN_ROWS.encode("cp1251"), admin, dry_run=True)
    assert result.dry_run
    assert [(c.name, c.email, c.user, c.temporary_password) for c in result.created] == [
        ("Ёлкина Дарья", "elkina@example.ru", None, None),
        ("Щукин Юрий Эдуардович", "shchukin@example.ru", None, None),
    ]
    assert user_count() == before
    assert db.session.scalar(select(func.count(Mentorship.id))) == 0


def test_agent_role_is_allowed_without_the_right_to_give_roles(en: None, admin: User) -> None:
    run(
        "email,name,roles\na@example.com,A,agent\nb@example.com,B,\n", admin, may_assign_roles=False
    )
    assert user("a@example.com").roles == user("b@example.com").roles == {"agent"}


# Refused files ----------------------------------------------------------------------------


def test_koi8_file_is_refused_and_nothing_written(
    en: None, admin: User, org: dict[str, Any]
) -> None:
    found = problems(RUSSIAN_ROWS.encode("koi8-r"), admin, filename="staff.csv")
    assert len(found) == 1
    assert "staff.csv" in found[0] and "UTF-8" in found[0] and "Windows-1251" in found[0]


@pytest.mark.parametrize(
    "data, words",
    [
        (b"", "empty"),
        (b"  \r\n ", "empty"),
        (b"\xef\xbb\xbf", "empty"),
        (b";;;\n;;\n", "empty"),
        (b"PK\x03\x04\x14\x00\x00\x00\x08\x00", "binary"),
        ("email,name\n".encode("utf-16"), "binary"),
        ("email,name\nx@example.com,Caf\u00e9\n".encode("latin-1"), "neither UTF-8"),
        ("email;name\nx@example.com;Ёлкина Дарья\n".encode("cp866"), "neither UTF-8"),
        ("email;name\nx@example.com;ЁЛКИНА ДАРЬЯ\n".encode("koi8-r"), "neither UTF-8"),
    ],
)
def test_unreadable_files_are_refused_with_the_file_named(
    en: None, admin: User, data: bytes, words: str
) -> None:
    found = problems(data, admin, filename="people.csv")
    assert len(found) == 1 and found[0].startswith("people.csv: ") and words in found[0]


def test_too_large_file_is_refused(
    app: Any, en: None, admin: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "CSV_MAX_BYTES", 2048)
    data = b"email,name\n" + b"someone@example.com,Some One\n" * 100
    found = problems(data, admin)
    assert "larger than 2 KB" in found[0]


def test_missing_column_is_named(en: None, admin: User) -> None:
    found = problems("mail,name\nx@example.com,X\n", admin)
    assert "users.csv, row 1: the required column “email” is missing." in found
    assert any("column mail: unknown column" in p for p in found)


def test_unknown_column_lists_the_known_ones(en: None, admin: User) -> None:
    found = problems("email,name,phone\nx@example.com,X,123\n", admin)
    assert found == [
        "users.csv, row 1, column phone: unknown column. Known columns: email, "
        "name, department, position, roles, manager_email, mentor_email, "
        "hired_on, locale, password."
    ]


def test_header_names_ignore_case_and_spaces(en: None, admin: User) -> None:
    run(" EMAIL ; Name ;\nx@example.com;X;\n", admin)
    assert user("x@example.com").name == "X"


def test_header_without_rows_is_a_problem(en: None, admin: User) -> None:
    found = problems("email,name\n\n", admin)
    assert found == ["users.csv, row 1: the file has a header row but no people below it."]


def test_duplicate_emails_in_the_file_and_in_the_database(en: None, admin: User) -> None:
    found = problems(
        "email,name\na@example.com,A\nboss@example.com,Boss Again\nA@example.com,A again\n", admin
    )
    assert found == [
        "users.csv, row 3, column email: A user with e-mail boss@example.com already exists.",
        "users.csv, row 4, column email: a@example.com is already in row 2.",
    ]


def test_each_bad_cell_is_reported_with_row_and_column(
    en: None, admin: User, org: dict[str, Any]
) -> None:
    found = problems(
        "email,name,department,position,hired_on,locale,password,roles\n"
        "not-an-email,,nowhere,,31.02.2024,de,short,\n"
        "ok@example.com,OK,,chief,2024/01/01,,,boss\n",
        admin,
    )
    assert found == [
        "users.csv, row 2, column email: “not-an-email” is not an e-mail address.",
        "users.csv, row 2, column name: Name is required.",
        "users.csv, row 2, column department: no department has the code or name “nowhere”.",
        "users.csv, row 2, column hired_on: “31.02.2024” is not a date; write YYYY-MM-DD or "
        "DD.MM.YYYY.",
        "users.csv, row 2, column locale: unknown language “de”; write one of: ru, en.",
        "users.csv, row 2, column password: Password must be at least 8 characters.",
        "users.csv, row 3, column position: no position has the code or name “chief”.",
        "users.csv, row 3, column hired_on: “2024/01/01” is not a date; write YYYY-MM-DD or "
        "DD.MM.YYYY.",
        "users.csv, row 3, column roles: Unknown role: boss.",
    ]


def test_retired_department_is_refused(en: None, admin: User, make_org: Any) -> None:
    old = db.session.get(Department, make_org(Department, "old", "Old line").id)
    services.save_org_unit(
        db.session, Department, code="old", name="Old line", unit=old, is_active=False
    )
    found = problems("email,name,department\nx@example.com,X,old\n", admin)
    assert found == [
        "users.csv, row 2, column department: department “Old line” is no longer in use."
    ]


def test_only_administrators_give_roles(en: None, admin: User) -> None:
    found = problems(
        "email,name,roles\na@example.com,A,agent\nb@example.com,B,agent mentor\n",
        admin,
        may_assign_roles=False,
    )
    assert found == [
        "users.csv, row 3, column roles: only administrators can give roles other "
        "than agent; leave the column empty."
    ]


def test_unknown_manager_and_mentors_who_are_not_mentors(
    en: None, admin: User, make_user: Any
) -> None:
    make_user("agent", email="plain@example.com", name="Plain Agent")
    found = problems(
        "email,name,roles,manager_email,mentor_email\n"
        "a@example.com,A,,ghost@example.com,plain@example.com\n"
        "b@example.com,B,,b@example.com,c@example.com\n"
        "c@example.com,C,editor,,ghost@example.com\n",
        admin,
    )
    assert found == [
        "users.csv, row 2, column manager_email: nobody with e-mail ghost@example.com exists "
        "or is in this file.",
        "users.csv, row 2, column mentor_email: Plain Agent does not hold the mentor role.",
        "users.csv, row 3, column manager_email: A user cannot be their own manager.",
        "users.csv, row 3, column mentor_email: c@example.com (row 4) does not hold the mentor "
        "role.",
        "users.csv, row 4, column mentor_email: nobody with e-mail ghost@example.com exists or "
        "is in this file.",
    ]


def test_a_row_without_roles_column_is_no_mentor(en: None, admin: User, make_user: Any) -> None:
    gone = db.session.get(
        User, make_user("mentor", email="gone@example.com", name="Gone Mentor").id
    )
    gone.is_active = False
    found = problems(
        "email,name,mentor_email,manager_email\n"
        "a@example.com,A,b@example.com,gone@example.com\n"
        "b@example.com,B,gone@example.com,\n",
        admin,
    )
    assert found == [
        "users.csv, row 2, column mentor_email: b@example.com (row 3) does not hold the mentor "
        "role.",
        "users.csv, row 2, column manager_email: Gone Mentor has been deactivated.",
        "users.csv, row 3, column mentor_email: Gone Mentor does not hold the mentor role.",
    ]


def test_rows_with_too_many_or_too_few_cells(en: None, admin: User) -> None:
    found = problems(
        "email;name;locale\na@example.com;A;ru;extra\nb@example.com;B\nc@example.com;C;en;;\n",
        admin,
    )
    assert found == [
        "users.csv, row 2: the row has 4 values, but the header has 3 columns.",
        "users.csv, row 3: the row has 2 values, but the header has 3 columns.",
    ]


def test_one_bad_row_out_of_five_creates_nobody(en: None, admin: User) -> None:
    rows = [f"p{i}@example.com,Person {i},2024-01-0{i}" for i in range(1, 6)]
    rows[3] = "p4@example.com,Person 4,2024-13-01"
    before = user_count()
    found = problems("email,name,hired_on\n" + "\n".join(rows) + "\n", admin)
    assert found == [
        "users.csv, row 5, column hired_on: “2024-13-01” is not a date; write "
        "YYYY-MM-DD or DD.MM.YYYY."
    ]
    assert user_count() == before
    assert services.find_user_by_email(db.session, "p1@example.com") is None


def test_problems_are_capped(en: None, admin: User) -> None:
    data = "email,name\n" + "bad,X\n" * (MAX_PROBLEMS + 50)
    with pytest.raises(CsvImportError) as refused:
        run(data, admin)
    assert len(refused.value.problems) == MAX_PROBLEMS + 1
    assert refused.value.problems[-1] == "…and 50 more problems."
    assert refused.value.message == "150 problems in the file; nobody was imported."


# The upload page ----------------------------------------------------------------------------

IMPORT_URL = "/admin/users/import"
PLAIN_RUSSIAN_ROWS = (
    "email;name;hired_on\n"
    "elkina@example.ru;Ёлкина Дарья;15.01.2024\n"
    "shchukin@example.ru;Щукин Юрий Эдуардович;\n"
)


def upload(browser: Any, content: bytes, **fields: Any) -> Any:
    data = {"file": (io.BytesIO(content), "users.csv"), **fields}
    return browser.post(IMPORT_URL, data, content_type="multipart/form-data")


def stored(app: Flask, email: str) -> dict[str, Any] | None:
    """What the database holds about a person, read in a context of its own."""
    with app.app_context():
        found = services.find_user_by_email(db.session, email)
        if found is None:
            return None
        return {
            "name": found.name,
            "roles": found.roles,
            "must_change_password": found.must_change_password,
        }


def stored_count(app: Flask) -> int:
    with app.app_context():
        return user_count()


def test_hr_uploads_a_file_and_sees_the_people_created(app: Flask, login_as: Any) -> None:
    response = upload(login_as("hr"), PLAIN_RUSSIAN_ROWS.encode("cp1251"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert "2 people were created." in html
    assert "Ёлкина Дарья" in html and "shchukin@example.ru" in html
    assert html.count("<td><code>") == 2  # the temporary passwords, shown this once
    assert "Temporary passwords are shown only now." in html
    assert stored(app, "elkina@example.ru") == {
        "name": "Ёлкина Дарья",
        "roles": {"agent"},
        "must_change_password": True,
    }


def test_hr_dry_run_page_creates_nobody(app: Flask, login_as: Any) -> None:
    response = upload(login_as("hr"), b"email,name\nx@example.com,X\n", dry_run="y")
    html = response.get_data(as_text=True)
    assert "1 person would be created. Nothing was saved." in html and "x@example.com" in html
    assert "<td><code>" not in html
    assert stored(app, "x@example.com") is None


def test_hr_bad_file_gets_400_listing_every_problem(app: Flask, login_as: Any) -> None:
    hr = login_as("hr")
    before = stored_count(app)
    response = upload(hr, b"email,name,roles\nx@example.com,X,admin\nbad,Y,\n")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Nothing was imported" in html
    assert (
        "users.csv, row 2, column roles: only administrators can give roles other than "
        "agent; leave the column empty."
    ) in html
    assert "users.csv, row 3, column email: “bad” is not an e-mail address." in html
    assert stored_count(app) == before


def test_admin_upload_gives_roles(app: Flask, login_as: Any) -> None:
    response = upload(login_as("admin"), b"email,name,roles\nlead@example.com,Lead,mentor\n")
    assert "1 person was created." in response.get_data(as_text=True)
    assert stored(app, "lead@example.com")["roles"] == {"mentor"}


def test_agents_cannot_import(login_as: Any) -> None:
    assert login_as("agent").get(IMPORT_URL).status_code == 403


# The command line -----------------------------------------------------------------------


def invoke(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=["lms", "users", "import", *args])


def test_cli_is_registered(app: Flask) -> None:
    users_group = app.cli.get_command(None, "lms").get_command(None, "users")  # type: ignore[union-attr]
    assert users_group.get_command(None, "import") is import_users_command


def test_cli_imports_and_prints_temporary_passwords(
    app: Flask, admin: User, tmp_path: Path, cli_in_english: None
) -> None:
    path = tmp_path / "staff.csv"
    path.write_bytes(
        b"email;name;roles\nlead@example.com;Team Lead;agent mentor\nnew@example.com;New Agent;\n"
    )
    result = invoke(app, str(path), "--actor", "boss@example.com")
    assert result.exit_code == 0, result.output
    assert "Checking 2 rows…" in result.stdout and "2 people were created." in result.stdout
    assert stored(app, "lead@example.com")["roles"] == {"agent", "mentor"}
    line = next(x for x in result.stdout.splitlines() if "new@example.com" in x)
    password = line.split()[-1]
    with app.app_context():
        new = services.find_user_by_email(db.session, "new@example.com")
        assert services.password_matches(new, password) and new.must_change_password


def test_cli_reports_problems_and_exits_1(
    app: Flask, admin: User, tmp_path: Path, cli_in_english: None
) -> None:
    path = tmp_path / "staff.csv"
    path.write_text("email,name\nbad,X\nok@example.com,\n", encoding="utf-8")
    result = invoke(app, str(path))
    assert result.exit_code == 1
    assert "staff.csv, row 2, column email: “bad” is not an e-mail address." in result.stderr
    assert "staff.csv, row 3, column name: Name is required." in result.stderr
    assert "2 problems in the file; nobody was imported." in result.stderr
    assert "created" not in result.stdout
    assert stored(app, "ok@example.com") is None


def test_cli_dry_run_writes_nothing(
    app: Flask, admin: User, tmp_path: Path, cli_in_english: None
) -> None:
    path = tmp_path / "staff.csv"
    path.write_text("email,name\ndry@example.com,Dry Run\n", encoding="utf-8")
    result = invoke(app, str(path), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "1 person would be created. Nothing was saved." in result.stdout
    assert "dry@example.com" in result.stdout
    assert stored(app, "dry@example.com") is None


def test_cli_missing_file(app: Flask, admin: User, tmp_path: Path) -> None:
    result = invoke(app, str(tmp_path / "nope.csv"))
    assert result.exit_code == 2 and "nope.csv" in result.stderr
    assert "does not exist" in result.stderr


def test_cli_actor_must_be_an_active_user(
    app: Flask, admin: User, tmp_path: Path, cli_in_english: None
) -> None:
    path = tmp_path / "staff.csv"
    path.write_text("email,name\na@example.com,A\n", encoding="utf-8")
    result = invoke(app, str(path), "--actor", "ghost@example.com")
    assert result.exit_code == 1
    assert "No active user has the e-mail ghost@example.com." in result.stderr
    assert stored(app, "a@example.com") is None


def test_the_page_refuses_files_beyond_its_row_limit(app, login_as):
    app.config["CSV_MAX_ROWS_WEB"], before = 2, app.config["CSV_MAX_ROWS_WEB"]
    rows = "".join(f"p{n}@example.com,Person {n}\n" for n in range(3))
    try:
        response = login_as("hr").post(
            "/admin/users/import",
            {"file": (io.BytesIO(f"email,name\n{rows}".encode()), "big.csv")},
            content_type="multipart/form-data",
        )
    finally:
        app.config["CSV_MAX_ROWS_WEB"] = before
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "big.csv" in html and "flask lms users import" in html
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "p0@example.com")) is None
