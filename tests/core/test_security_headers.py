"""Protections every response carries: the content security policy, pages that need no
inline code, cookie flags, production settings and escaped user text.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from lms import create_app
from lms.auth.models import User
from lms.auth.services import assign_mentor
from lms.config import ConfigError
from lms.extensions import db
from tests.conftest import Browser

HOSTILE_NAME = "<script>alert(1)</script>"
ESCAPED_NAME = "&lt;script&gt;alert(1)&lt;/script&gt;"
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|<[^>]+\sstyle\s*=", re.IGNORECASE)


def policy(response: Any) -> dict[str, list[str]]:
    """The Content-Security-Policy header as {directive: sources}."""
    header = response.headers.get("Content-Security-Policy", "")
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: sources for name, *sources in directives}


def assert_safe_page(response: Any, where: str) -> None:
    assert response.mimetype == "text/html", where
    csp = policy(response)
    assert csp.get("script-src") == ["'self'"], where
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"], where
    assert csp.get("object-src") == ["'none'"] and csp.get("frame-ancestors") == ["'none'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff", where
    html = response.get_data(as_text=True)
    # What the policy blocks must not be needed: no inline scripts, handlers or styles.
    assert INLINE_SCRIPT.findall(html) == [], where
    assert EVENT_HANDLER.findall(html) == [], where
    assert INLINE_STYLE.findall(html) == [], where
    assert '<script src="/static/js/app.js' in html, where


def test_sign_in_page_is_safe(client):
    assert_safe_page(client.get("/login"), "/login")


@pytest.mark.parametrize("role", ["agent", "mentor", "editor", "hr", "admin"])
def test_pages_of_each_role_are_safe(role, login_as, users):
    browser = login_as(role)
    me = users[role]
    pages = ["/", "/account", "/account/password", f"/people/{me.id}"]
    for path in pages:
        response = browser.get(path)
        assert response.status_code == 200, path
        assert_safe_page(response, path)


def test_admin_pages_are_safe(app, login_as, users, make_org, make_user):
    department = make_org(code="line1")
    person = make_user("agent", department=department)
    browser = login_as("admin")
    pages = [
        "/admin/users",
        "/admin/users?q=test&inactive=1",
        "/admin/users/new",
        f"/admin/users/{person.id}",
        f"/admin/users/{users['admin'].id}",
        "/admin/departments",
        f"/admin/departments/{department.id}",
        "/admin/positions",
        "/admin/users/import",
    ]
    for path in pages:
        response = browser.get(path)
        assert response.status_code == 200, path
        assert_safe_page(response, path)


def test_error_pages_are_safe(login_as, users):
    browser = login_as("agent")
    for path, code in (("/no/such/page", 404), ("/admin/users", 403)):
        response = browser.get(path)
        assert response.status_code == code
        assert_safe_page(response, path)


def test_form_error_page_is_safe(login_as, users):
    response = login_as("admin").post("/admin/users/new", {"email": "", "name": ""})
    assert response.status_code == 400
    assert_safe_page(response, "/admin/users/new with errors")


def test_json_answers_carry_the_policy_too(client):
    response = client.get("/api/v1/me")
    assert response.is_json and policy(response)["script-src"] == ["'self'"]


# Cookies and production settings -----------------------------------------------------------


def session_cookie(response: Any) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, "no session cookie set"
    return cookies[-1]


def test_session_cookie_is_http_only_and_same_site_lax(browser, users):
    cookie = session_cookie(browser.login(users["agent"].email))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # the test app is not "production": plain http works


@pytest.fixture
def production_app(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("LMS_ENV", "production")
    monkeypatch.setenv("LMS_SECRET_KEY", "a-production-secret-" + "x" * 32)

    def make() -> Flask:
        return create_app(
            {
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                "LMS_INDEX_DIR": app.config["LMS_INDEX_DIR"],
            }
        )

    return make


def test_production_sends_the_session_cookie_over_https_only(production_app):
    prod = production_app()
    try:
        assert prod.config["SESSION_COOKIE_SECURE"] is True
        assert prod.config["REMEMBER_COOKIE_SECURE"] is True
        assert prod.config["SECRET_KEY"].startswith("a-production-secret-")
        cookie = session_cookie(prod.test_client().get("/login"))
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    finally:
        with prod.app_context():
            db.engine.dispose()


def test_production_without_a_secret_key_refuses_to_start(production_app, monkeypatch):
    monkeypatch.delenv("LMS_SECRET_KEY")
    with pytest.raises(ConfigError) as error:
        production_app()
    assert "LMS_SECRET_KEY" in str(error.value)


def test_unknown_environment_refuses_to_start(production_app, monkeypatch):
    monkeypatch.setenv("LMS_ENV", "prod")
    with pytest.raises(ConfigError) as error:
        production_app()
    assert "LMS_ENV" in str(error.value)


# User text is escaped --------------------------------------------------------------------


def test_hostile_name_is_escaped_on_the_users_list(login_as, users, make_user):
    make_user("agent", name=HOSTILE_NAME)
    html = login_as("admin").get("/admin/users").get_data(as_text=True)
    assert ESCAPED_NAME in html
    assert HOSTILE_NAME not in html


def test_hostile_name_is_escaped_on_the_edit_page(login_as, users, make_user):
    person = make_user("agent", name=HOSTILE_NAME)
    html = login_as("admin").get(f"/admin/users/{person.id}").get_data(as_text=True)
    assert ESCAPED_NAME in html
    assert HOSTILE_NAME not in html


def test_hostile_name_is_escaped_on_own_home_page(app, make_user):
    person = make_user("agent", name=HOSTILE_NAME)
    browser = Browser(app.test_client())
    browser.login(person.email)
    html = browser.get("/").get_data(as_text=True)
    assert html.count(ESCAPED_NAME) >= 2  # greeting and the name in the top bar
    assert HOSTILE_NAME not in html


def test_hostile_mentee_name_is_escaped_on_the_mentors_home(app, login_as, users, make_user, today):
    mentee = make_user("agent", name=HOSTILE_NAME)
    with app.test_request_context():
        mentor = db.session.get(User, users["mentor"].id)
        assign_mentor(
            db.session, db.session.get(User, mentee.id), mentor, started_on=today, actor=mentor
        )
        db.session.commit()
    html = login_as("mentor").get("/").get_data(as_text=True)
    assert ESCAPED_NAME in html
    assert HOSTILE_NAME not in html
