"""Managing people (HR and admins) and the organisation (admins) through the admin pages.

Each test checks what the database holds afterwards and what the page says; pages are
read in English (the users chose it), so the text does not depend on the Russian catalogue.
"""

from __future__ import annotations

import html as html_lib
import re
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from lms.auth import services
from lms.auth.models import Department, Mentorship, Position, User
from lms.extensions import db
from tests.conftest import ROLES_UNDER_TEST, Browser

NEW_PASSWORD = "first day secret 1"


@pytest.fixture
def users(make_user: Any) -> dict[str, User]:
    """One user per role, reading the interface in English."""
    return {role: make_user(role, locale="en") for role in ROLES_UNDER_TEST}


# Helpers ----------------------------------------------------------------------------------


def html_of(response: Any) -> str:
    return response.get_data(as_text=True)


def field_error(page: str, field: str) -> str:
    """The error text shown under a form field ("" when the field has none)."""
    match = re.search(rf'<p class="field-error" id="{field}-error">(.*?)</p>', page, re.S)
    return html_lib.unescape(match.group(1)) if match else ""


def flashes(page: str, category: str = "error") -> list[str]:
    return [
        html_lib.unescape(m)
        for m in re.findall(rf'<p class="flash flash-{category}"[^>]*>(.*?)</p>', page, re.S)
    ]


def stored_user(app: Flask, user_id: int) -> User | None:
    """The user as the database holds it now, with roles and organisation loaded."""
    with app.app_context():
        user = db.session.get(User, user_id)
        if user is None:
            return None
        _ = (user.roles, user.department, user.position, user.manager)
        db.session.expunge_all()
        return user


def user_by_email(app: Flask, email: str) -> User | None:
    with app.app_context():
        user_id = db.session.scalar(sa.select(User.id).where(User.email == email))
    return stored_user(app, user_id) if user_id else None


def count(app: Flask, model: type) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def user_form(**values: Any) -> dict[str, Any]:
    """A complete new-person form; ``values`` override fields."""
    form = {
        "email": "new.person@test.example",
        "name": "New Person",
        "password": NEW_PASSWORD,
        "roles": ["agent"],
        "department_id": "",
        "position_id": "",
        "manager_id": "",
        "hired_on": "",
    }
    form.update(values)
    return {k: v for k, v in form.items() if v is not None}


def edit_form(user: User, **values: Any) -> dict[str, Any]:
    """The edit form as the page would send it for ``user``; ``values`` override fields."""
    form = {
        "email": user.email,
        "name": user.name,
        "department_id": str(user.department_id or ""),
        "position_id": str(user.position_id or ""),
        "manager_id": str(user.manager_id or ""),
        "hired_on": user.hired_on.isoformat() if user.hired_on else "",
        "roles": sorted(user.roles),
    }
    form.update(values)
    return form


# Creating people --------------------------------------------------------------------------


def test_admin_creates_a_user_with_roles(app, login_as, users):
    response = login_as("admin").post(
        "/admin/users/new", user_form(roles=["agent", "mentor"], must_change_password="y")
    )
    created = user_by_email(app, "new.person@test.example")
    assert created is not None
    assert response.headers["Location"].endswith(f"/admin/users/{created.id}")
    assert created.name == "New Person"
    assert created.roles == {"agent", "mentor"}
    assert created.must_change_password is True
    with app.app_context():
        assert services.password_matches(db.session.get(User, created.id), NEW_PASSWORD)


def test_created_user_signs_in_and_must_change_the_password(app, login_as, users):
    login_as("admin").post("/admin/users/new", user_form(must_change_password="y"))
    browser = Browser(app.test_client())
    browser.login("new.person@test.example", NEW_PASSWORD)
    assert browser.get("/").headers["Location"].endswith("/account/password")


def test_unticked_must_change_password_is_stored_as_false(app, login_as, users):
    login_as("admin").post("/admin/users/new", user_form())
    assert user_by_email(app, "new.person@test.example").must_change_password is False


def test_creation_page_confirms_who_can_sign_in(app, login_as, users):
    response = login_as("admin").post("/admin/users/new", user_form(), follow_redirects=True)
    assert "New Person can now sign in as new.person@test.example." in html_of(response)


def test_hr_creates_a_user_but_cannot_give_roles(app, login_as, users):
    browser = login_as("hr")
    assert 'name="roles"' not in html_of(browser.get("/admin/users/new"))
    browser.post("/admin/users/new", user_form(roles=["admin", "hr"]))
    created = user_by_email(app, "new.person@test.example")
    assert created is not None and created.roles == {"agent"}


def test_hr_cannot_edit_an_administrator(app, login_as, users):
    admin = users["admin"]
    browser = login_as("hr")
    assert browser.get(f"/admin/users/{admin.id}").status_code == 403
    response = browser.client.post(
        f"/admin/users/{admin.id}",
        data={
            **edit_form(admin, name="Taken Over", roles=["agent"]),
            "csrf_token": browser.token("/admin/users/new"),
        },
    )
    assert response.status_code == 403
    stored = stored_user(app, admin.id)
    assert stored.name == admin.name and stored.roles == {"admin"}


def test_hr_cannot_deactivate_an_administrator(app, login_as, users):
    response = login_as("hr").post(f"/admin/users/{users['admin'].id}/active", {"active": "0"})
    assert response.status_code == 403
    assert stored_user(app, users["admin"].id).is_active is True


def test_hr_edits_a_person_but_roles_stay(app, login_as, users):
    agent = users["agent"]
    browser = login_as("hr")
    browser.post(
        f"/admin/users/{agent.id}", edit_form(agent, name="Renamed Agent", roles=["admin"])
    )
    stored = stored_user(app, agent.id)
    assert stored.name == "Renamed Agent"
    assert stored.roles == {"agent"}


# Editing people ---------------------------------------------------------------------------


def test_admin_edits_department_position_manager_and_hire_date(app, login_as, users, make_org):
    department = make_org(Department, "line2", "Second line")
    position = make_org(Position, "senior", "Senior agent")
    agent, boss = users["agent"], users["mentor"]
    response = login_as("admin").post(
        f"/admin/users/{agent.id}",
        edit_form(
            agent,
            department_id=str(department.id),
            position_id=str(position.id),
            manager_id=str(boss.id),
            hired_on="2024-02-29",
            roles=["agent", "editor"],
        ),
        follow_redirects=True,
    )
    assert f"Changes to {agent.name} were saved." in html_of(response)
    stored = stored_user(app, agent.id)
    assert stored.department.code == "line2"
    assert stored.position.code == "senior"
    assert stored.manager_id == boss.id
    assert stored.hired_on == date(2024, 2, 29)
    assert stored.roles == {"agent", "editor"}


def test_edit_can_clear_the_organisation_fields(app, login_as, users, make_org, make_user):
    department = make_org(Department, "line2", "Second line")
    person = make_user("agent", department=department, hired_on=date(2023, 1, 9))
    login_as("admin").post(
        f"/admin/users/{person.id}", edit_form(person, department_id="", hired_on="")
    )
    stored = stored_user(app, person.id)
    assert stored.department_id is None and stored.hired_on is None


def test_nobody_is_their_own_manager(app, login_as, users):
    agent = users["agent"]
    response = login_as("admin").post(
        f"/admin/users/{agent.id}", edit_form(agent, manager_id=str(agent.id))
    )
    assert stored_user(app, agent.id).manager_id is None
    assert response.status_code == 400


# Bad input --------------------------------------------------------------------------------


def test_duplicate_email_names_the_email_field_and_writes_nothing(app, login_as, users):
    before = count(app, User)
    response = login_as("admin").post(
        "/admin/users/new", user_form(email=users["agent"].email.upper(), name="Someone Else")
    )
    page = html_of(response)
    assert response.status_code == 400
    assert "already exists" in field_error(page, "email")
    assert users["agent"].email in field_error(page, "email")
    assert count(app, User) == before
    assert stored_user(app, users["agent"].id).name == users["agent"].name


def test_duplicate_email_on_edit_is_refused(app, login_as, users):
    agent = users["agent"]
    response = login_as("admin").post(
        f"/admin/users/{agent.id}",
        edit_form(agent, email=users["mentor"].email, name="Changed Too"),
    )
    assert "already exists" in field_error(html_of(response), "email")
    stored = stored_user(app, agent.id)
    assert stored.email == agent.email and stored.name == agent.name


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "Name is required."),
        ("name", "   ", "Name is required."),
        ("name", "N" * 201, "200"),
        ("email", "", "E-mail is required."),
        ("email", "a" * 243 + "@example.com", "254"),
        ("email", "not-an-email", "is not an e-mail address"),
        ("email", "two@@test.example", "is not an e-mail address"),
        ("password", "", "Set an initial password."),
        ("password", "short", "at least 8 characters"),
    ],
)
def test_bad_value_is_named_on_its_field_and_nothing_is_written(
    app, login_as, users, field, value, message
):
    before = count(app, User)
    response = login_as("admin").post("/admin/users/new", user_form(**{field: value}))
    page = html_of(response)
    assert response.status_code == 400
    assert message in field_error(page, field), field_error(page, field) or page
    assert "The form was not saved." in page
    assert count(app, User) == before


def test_values_are_kept_in_the_form_after_an_error(app, login_as, users):
    response = login_as("admin").post("/admin/users/new", user_form(name=""))
    assert 'value="new.person@test.example"' in html_of(response)
    assert NEW_PASSWORD not in html_of(response)  # passwords are never sent back


def test_unknown_department_is_refused(app, login_as, users):
    before = count(app, User)
    response = login_as("admin").post("/admin/users/new", user_form(department_id="999999"))
    assert response.status_code == 400
    assert field_error(html_of(response), "department_id")
    assert count(app, User) == before


@pytest.mark.parametrize("token", ["forged-token-value", None])
def test_bad_or_missing_csrf_token_is_refused_and_nothing_written(app, login_as, users, token):
    browser = login_as("admin")
    before = count(app, User)
    data = user_form()
    if token is not None:
        data["csrf_token"] = token
    response = browser.client.post("/admin/users/new", data=data)
    page = html_of(response)
    assert response.status_code == 400
    assert "The form has expired" in page and "security token" in page
    assert count(app, User) == before


def test_forged_csrf_token_cannot_deactivate(app, login_as, users):
    agent = users["agent"]
    response = login_as("admin").client.post(
        f"/admin/users/{agent.id}/active", data={"active": "0", "csrf_token": "forged"}
    )
    assert response.status_code == 400 and "security token" in html_of(response)
    assert stored_user(app, agent.id).is_active is True


def test_csrf_token_of_another_session_is_refused(app, login_as, users):
    other_token = login_as("hr").token("/admin/users/new")
    before = count(app, User)
    response = login_as("admin").client.post(
        "/admin/users/new", data={**user_form(), "csrf_token": other_token}
    )
    assert response.status_code == 400
    assert count(app, User) == before


# Deactivation and the last administrator ---------------------------------------------------


def test_deactivate_and_reactivate(app, login_as, users):
    agent = users["agent"]
    admin = login_as("admin")
    response = admin.post(f"/admin/users/{agent.id}/active", {"active": "0"}, follow_redirects=True)
    page = html_of(response)
    assert f"{agent.name} was deactivated and can no longer sign in." in page
    assert "Reactivate" in page
    assert stored_user(app, agent.id).is_active is False
    assert agent.name not in html_of(admin.get("/admin/users"))
    assert agent.name in html_of(admin.get("/admin/users?inactive=1"))

    response = admin.post(f"/admin/users/{agent.id}/active", {"active": "1"}, follow_redirects=True)
    assert f"{agent.name} is active again." in html_of(response)
    assert stored_user(app, agent.id).is_active is True
    browser = Browser(app.test_client())
    browser.login(agent.email)
    assert browser.get("/").status_code == 200


def test_admin_cannot_deactivate_themself(app, login_as, users):
    admin = users["admin"]
    response = login_as("admin").post(
        f"/admin/users/{admin.id}/active", {"active": "0"}, follow_redirects=True
    )
    assert "You cannot deactivate your own account." in flashes(html_of(response))
    assert stored_user(app, admin.id).is_active is True


def test_last_admin_cannot_lose_the_admin_role(app, login_as, users):
    admin = users["admin"]
    response = login_as("admin").post(f"/admin/users/{admin.id}", edit_form(admin, roles=["agent"]))
    assert response.status_code == 400
    assert "last administrator" in html_of(response)
    assert stored_user(app, admin.id).roles == {"admin"}


def test_admin_role_can_go_when_another_admin_remains(app, login_as, users, make_user):
    make_user("admin")
    admin = users["admin"]
    login_as("admin").post(f"/admin/users/{admin.id}", edit_form(admin, roles=["hr"]))
    assert stored_user(app, admin.id).roles == {"hr"}


# Mentors ----------------------------------------------------------------------------------


def mentorships_of(app: Flask, mentee: User) -> list[tuple[int, date, date | None]]:
    with app.app_context():
        rows = db.session.scalars(
            sa.select(Mentorship)
            .where(Mentorship.mentee_id == mentee.id)
            .order_by(Mentorship.started_on)
        )
        return [(m.mentor_id, m.started_on, m.ended_on) for m in rows]


def test_mentor_change_keeps_the_history(app, login_as, users, make_user, today):
    mentee, first = users["agent"], users["mentor"]
    second = make_user("mentor", name="Second Mentor")
    admin = login_as("admin")
    earlier = today - timedelta(days=30)
    admin.post(
        f"/admin/users/{mentee.id}/mentor",
        {"mentor_id": str(first.id), "started_on": earlier.isoformat()},
    )
    response = admin.post(
        f"/admin/users/{mentee.id}/mentor",
        {"mentor_id": str(second.id), "started_on": today.isoformat()},
        follow_redirects=True,
    )
    assert f"Mentor of {mentee.name} was updated." in html_of(response)
    assert mentorships_of(app, mentee) == [(first.id, earlier, today), (second.id, today, None)]
    history = html_of(admin.get(f"/admin/users/{mentee.id}"))
    assert first.name in history and "Second Mentor" in history and "ongoing" in history


def test_mentor_can_be_ended_without_a_successor(app, login_as, users, today):
    mentee, mentor = users["agent"], users["mentor"]
    admin = login_as("admin")
    start = today - timedelta(days=10)
    admin.post(
        f"/admin/users/{mentee.id}/mentor",
        {"mentor_id": str(mentor.id), "started_on": start.isoformat()},
    )
    admin.post(
        f"/admin/users/{mentee.id}/mentor", {"mentor_id": "", "started_on": today.isoformat()}
    )
    assert mentorships_of(app, mentee) == [(mentor.id, start, today)]


def test_user_without_the_mentor_role_cannot_be_assigned(app, login_as, users, today):
    mentee, not_mentor = users["agent"], users["editor"]
    response = login_as("hr").post(
        f"/admin/users/{mentee.id}/mentor",
        {"mentor_id": str(not_mentor.id), "started_on": today.isoformat()},
        follow_redirects=True,
    )
    messages = " ".join(flashes(html_of(response)))
    # The form offers only mentors; the service refuses anyone else too (next test).
    assert "Mentor: Not a valid choice." in messages or "does not hold the mentor role" in messages
    assert mentorships_of(app, mentee) == []


def test_service_refuses_a_mentor_without_the_role(app, users, today):
    with app.test_request_context():
        mentee = db.session.get(User, users["agent"].id)
        editor = db.session.get(User, users["editor"].id)
        with pytest.raises(services.ServiceError) as error:
            services.assign_mentor(db.session, mentee, editor, started_on=today, actor=editor)
    assert error.value.field == "mentor"
    assert users["editor"].name in error.value.message
    assert mentorships_of(app, users["agent"]) == []


def test_mentor_form_without_a_date_is_refused(app, login_as, users):
    mentee, mentor = users["agent"], users["mentor"]
    response = login_as("admin").post(
        f"/admin/users/{mentee.id}/mentor",
        {"mentor_id": str(mentor.id), "started_on": ""},
        follow_redirects=True,
    )
    assert "Give the start date." in " ".join(flashes(html_of(response)))
    assert mentorships_of(app, mentee) == []


# Departments and positions ----------------------------------------------------------------

ORG = [("departments", Department), ("positions", Position)]


def units(app: Flask, model: type) -> dict[str, tuple[str, bool]]:
    with app.app_context():
        return {u.code: (u.name, u.is_active) for u in db.session.scalars(sa.select(model))}


@pytest.mark.parametrize(("kind", "model"), ORG)
def test_admin_creates_an_org_unit(app, login_as, users, kind, model):
    admin = login_as("admin")
    response = admin.post(
        f"/admin/{kind}",
        {"code": "Line1", "name": "First line", "is_active": "y"},
        follow_redirects=True,
    )
    assert "“First line” was saved." in html_of(response)
    assert units(app, model) == {"line1": ("First line", True)}  # codes are lower-cased
    assert "First line" in html_of(admin.get(f"/admin/{kind}"))


@pytest.mark.parametrize(("kind", "model"), ORG)
@pytest.mark.parametrize(
    ("field", "code", "name"),
    [
        ("code", "line1", "Another name"),
        ("name", "other", "First line"),
    ],
)
def test_duplicate_org_unit_is_refused_naming_the_field(
    app, login_as, users, make_org, kind, model, field, code, name
):
    make_org(model, "line1", "First line")
    response = login_as("admin").post(
        f"/admin/{kind}", {"code": code, "name": name, "is_active": "y"}
    )
    page = html_of(response)
    assert response.status_code == 400
    assert "is already taken" in field_error(page, field)
    assert field_error(page, "code" if field == "name" else "name") == ""
    assert units(app, model) == {"line1": ("First line", True)}


@pytest.mark.parametrize(("kind", "model"), ORG)
@pytest.mark.parametrize("code", ["Линия 1", "line 1", "-line", "x" * 41, ""])
def test_bad_org_unit_code_is_refused(app, login_as, users, kind, model, code):
    response = login_as("admin").post(
        f"/admin/{kind}", {"code": code, "name": "First line", "is_active": "y"}
    )
    assert response.status_code == 400
    assert field_error(html_of(response), "code")
    assert units(app, model) == {}


@pytest.mark.parametrize(("kind", "model"), ORG)
def test_org_unit_is_renamed_and_retired(app, login_as, users, make_org, kind, model):
    unit = make_org(model, "line1", "First line")
    admin = login_as("admin")
    admin.post(f"/admin/{kind}/{unit.id}", {"code": "line1", "name": "Front line"})
    assert units(app, model) == {"line1": ("Front line", False)}  # unticked: retired
    admin.post(
        f"/admin/{kind}/{unit.id}", {"code": "line1", "name": "Front line", "is_active": "y"}
    )
    assert units(app, model) == {"line1": ("Front line", True)}


def test_retired_department_is_not_offered_for_people(app, login_as, users, make_org):
    current = make_org(Department, "line1", "First line")
    retired = make_org(Department, "old", "Old team")
    admin = login_as("admin")
    admin.post(f"/admin/departments/{retired.id}", {"code": "old", "name": "Old team"})
    form_page = html_of(admin.get("/admin/users/new"))
    assert f'<option value="{current.id}">First line</option>' in form_page
    assert f'<option value="{retired.id}">Old team</option>' not in form_page
    assert "Old team" in html_of(admin.get("/admin/departments"))  # still listed there


def test_hr_cannot_manage_departments(app, login_as, users):
    response = login_as("hr").post("/admin/departments", {"code": "x", "name": "X"})
    assert response.status_code == 403
    assert units(app, Department) == {}


# The people list --------------------------------------------------------------------------


@pytest.fixture
def staff(app: Flask, make_user: Any, make_org: Any) -> dict[str, User]:
    line1 = make_org(Department, "line1", "First line")
    line2 = make_org(Department, "line2", "Second line")
    people = {
        "alice": make_user(
            "agent", name="Alice Anders", email="alice@test.example", department=line1
        ),
        "boris": make_user(
            "mentor", name="Boris Belov", email="boris@corp.example", department=line2
        ),
        "clara": make_user(
            "agent", name="Clara Chen", email="clara@test.example", department=line1
        ),
    }
    with app.test_request_context():
        db.session.get(User, people["clara"].id).is_active = False
        db.session.commit()
    return people


def listed(browser: Browser, query: str) -> set[str]:
    """Names of the staff fixture shown by the people list for ``query``."""
    page = html_of(browser.get(f"/admin/users?{query}"))
    return {name for name in ("Alice Anders", "Boris Belov", "Clara Chen") if name in page}


def test_users_list_filters(app, login_as, users, staff):
    browser = login_as("hr")
    line1 = staff["alice"].department_id
    assert listed(browser, "") == {"Alice Anders", "Boris Belov"}
    assert listed(browser, "inactive=1") == {"Alice Anders", "Boris Belov", "Clara Chen"}
    assert listed(browser, "q=alice") == {"Alice Anders"}
    assert listed(browser, "q=ANDERS") == {"Alice Anders"}
    assert listed(browser, "q=corp.example") == {"Boris Belov"}
    assert listed(browser, f"department={line1}") == {"Alice Anders"}
    assert listed(browser, f"department={line1}&inactive=1") == {"Alice Anders", "Clara Chen"}
    assert listed(browser, "role=mentor") == {"Boris Belov"}
    assert listed(browser, "role=agent&inactive=1") == {"Alice Anders", "Clara Chen"}
    assert listed(browser, "q=nobody-here") == set()
    assert "Nobody matches these filters." in html_of(browser.get("/admin/users?q=nobody-here"))


def test_users_list_search_takes_wildcards_literally(app, login_as, users, staff):
    browser = login_as("hr")
    assert listed(browser, "q=%25") == set()
    assert listed(browser, "q=_") == set()


def test_users_list_shows_department_position_manager_and_roles(app, login_as, users, staff):
    page = html_of(login_as("admin").get("/admin/users?q=alice"))
    assert "First line" in page and "alice@test.example" in page
    assert "Agent" in page


def test_agent_cannot_see_the_users_list(app, login_as, users, staff):
    response = login_as("agent").get("/admin/users")
    assert response.status_code == 403
    assert "Alice Anders" not in html_of(response)


# Query count ------------------------------------------------------------------------------


def add_people(app: Flask, how_many: int, *, start: int = 0) -> None:
    """Listed people, each with own department, position and manager (not on the list)."""
    with app.test_request_context():
        for i in range(start, start + how_many):
            manager = services.create_user(
                db.session, email=f"chief{i}@test.example", name=f"Chief {i:03d}", roles=("hr",)
            )
            services.create_user(
                db.session,
                email=f"bulk{i}@test.example",
                name=f"Bulk Person {i:03d}",
                roles=("agent", "mentor"),
                department=Department(code=f"d{i}", name=f"Dept {i}"),
                position=Position(code=f"p{i}", name=f"Position {i}"),
                manager=manager,
            )
        db.session.commit()


def test_users_list_runs_the_same_queries_for_3_or_30_people(app, login_as, users, count_queries):
    # Managers are not on the filtered list, so nothing they need is already loaded.
    browser = login_as("admin")
    url = "/admin/users?q=bulk"
    rows = re.compile(r">Bulk Person \d+</a>")
    add_people(app, 3)
    few = count_queries(lambda: browser.get(url))
    few_page = html_of(browser.get(url))
    add_people(app, 27, start=3)
    many = count_queries(lambda: browser.get(url))
    many_page = html_of(browser.get(url))
    assert len(rows.findall(few_page)) == 3 and len(rows.findall(many_page)) == 30
    assert all(f"Chief {i:03d}" in many_page and f"Position {i}<" in many_page for i in range(30))
    assert few == many, f"{few} queries for 3 people, {many} for 30"
    assert few <= 15, f"{few} queries for one list page"
