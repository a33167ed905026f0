"""The health check and the home page each role lands on."""

from __future__ import annotations

from lms import create_app
from lms.auth.services import assign_mentor
from lms.extensions import db


def test_healthz_reports_database_and_missing_index(app, client, tmp_path):
    app.config["LMS_INDEX_DIR"], before = str(tmp_path / "no-index"), app.config["LMS_INDEX_DIR"]
    try:
        response = client.get("/healthz")
    finally:
        app.config["LMS_INDEX_DIR"] = before
    assert response.status_code == 200
    assert response.get_json() == {"status": "degraded", "database": "ok", "index": "missing"}


def test_healthz_ok_when_index_exists(app, client, tmp_path):
    from whoosh import fields, index

    index.create_in(tmp_path, fields.Schema(id=fields.ID(stored=True)))
    app.config["LMS_INDEX_DIR"], before = str(tmp_path), app.config["LMS_INDEX_DIR"]
    try:
        assert client.get("/healthz").get_json()["status"] == "ok"
    finally:
        app.config["LMS_INDEX_DIR"] = before


def test_healthz_503_when_database_is_down(tmp_path):
    # A database file inside a path that is not a directory can never be opened.
    blocker = tmp_path / "file"
    blocker.write_text("")
    app = create_app(
        {
            "TESTING": True,
            "LMS_ENV": "test",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{blocker}/db.sqlite3",
        }
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unavailable"
    assert response.get_json()["status"] == "degraded"


def test_agent_home_names_mentor_and_explains_empty_plan(app, login_as, users, today):
    with app.test_request_context():
        mentor = db.session.merge(users["mentor"])
        assign_mentor(
            db.session, db.session.merge(users["agent"]), mentor, started_on=today, actor=mentor
        )
        db.session.commit()
    html = login_as("agent").get("/").get_data(as_text=True)
    assert users["mentor"].name in html
    assert 'id="h-learning"' in html and 'id="h-people"' not in html


def test_mentor_home_lists_mentees_or_says_there_are_none(app, login_as, users, make_user, today):
    html = login_as("mentor").get("/").get_data(as_text=True)
    assert 'id="h-mentees"' in html and 'class="empty"' in html
    mentee = make_user("agent", name="Дарья Морозова")
    with app.test_request_context():
        mentor = db.session.merge(users["mentor"])
        assign_mentor(db.session, db.session.merge(mentee), mentor, started_on=today, actor=mentor)
        db.session.commit()
    assert "Дарья Морозова" in login_as("mentor").get("/").get_data(as_text=True)


def test_hr_home_counts_agents_without_mentor(app, login_as, users, today):
    from lms.core.services import home_page

    with app.test_request_context():
        hr, agent = db.session.merge(users["hr"]), db.session.merge(users["agent"])
        before = home_page(db.session, hr, today=today)
        assign_mentor(
            db.session, agent, db.session.merge(users["mentor"]), started_on=today, actor=hr
        )
        after = home_page(db.session, hr, today=today)
        db.session.commit()
    assert (before.agents_without_mentor, after.agents_without_mentor) == (1, 0)
    assert before.people_total == len(users)
    html = login_as("hr").get("/").get_data(as_text=True)
    assert 'id="h-people"' in html and 'id="h-org"' not in html
    assert f"<strong>{len(users)}</strong>" in html and "/admin/users/import" in html


def test_admin_home_has_organisation_section(login_as):
    html = login_as("admin").get("/").get_data(as_text=True)
    assert 'id="h-org"' in html and "/admin/departments" in html


def test_editor_home_has_knowledge_base_section(login_as):
    html = login_as("editor").get("/").get_data(as_text=True)
    assert 'id="h-kb"' in html and 'id="h-learning"' not in html
