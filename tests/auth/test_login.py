"""Signing in and out, password changes, forced password changes and the interface language.

Pages are checked in English (users and anonymous browsers choose it), so the assertions
hold whatever the Russian catalogue says; the Russian default is checked on ``<html lang>``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask

from lms.auth import services
from lms.auth.models import User
from lms.extensions import db
from tests.conftest import ROLES_UNDER_TEST, TEST_PASSWORD, Browser

NEW_PASSWORD = "a brand new secret 7"


@pytest.fixture
def users(make_user: Any) -> dict[str, User]:
    """One user per role, reading the interface in English."""
    return {role: make_user(role, locale="en") for role in ROLES_UNDER_TEST}


def english(browser: Browser) -> None:
    """An anonymous browser switches the interface to English, as a visitor would."""
    browser.post("/language", {"locale": "en"}, form_url="/login")


def stored_user(app: Flask, user_id: int) -> User:
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user is not None
        db.session.expunge(user)
        return user


def html_of(response: Any) -> str:
    return response.get_data(as_text=True)


def location(response: Any) -> str:
    return response.headers.get("Location", "")


def is_signed_in(browser: Browser, user: User) -> bool:
    """Whether the browser's session still opens the home page as ``user``."""
    response = browser.get("/")
    return response.status_code == 200 and user.email in html_of(browser.get("/account"))


# Signing in and out ---------------------------------------------------------------------


def test_sign_in_shows_home_and_sign_out_ends_the_session(browser, users):
    agent = users["agent"]
    response = browser.login(agent.email)
    assert urlsplit(location(response)).path == "/"
    home = html_of(browser.get("/"))
    assert f"Hello, {agent.name}" in home and "Sign out" in home

    response = browser.post("/logout", follow_redirects=True)
    assert "You have signed out." in html_of(response)
    after = browser.get("/")
    assert urlsplit(location(after)).path == "/login"
    assert not is_signed_in(browser, agent)


def test_sign_out_needs_the_security_token(browser, users):
    agent = users["agent"]
    browser.login(agent.email)
    response = browser.client.post("/logout")
    assert response.status_code == 400
    assert "security token" in html_of(response)
    assert is_signed_in(browser, agent)


def test_sign_in_records_the_time(app, browser, users):
    agent = users["agent"]
    assert stored_user(app, agent.id).last_login_at is None
    browser.login(agent.email)
    assert stored_user(app, agent.id).last_login_at is not None


@pytest.mark.parametrize("email_kind", ["known", "unknown"])
def test_wrong_password_or_unknown_email_gives_one_message(browser, users, email_kind):
    english(browser)
    email = users["agent"].email if email_kind == "known" else "nobody@test.example"
    response = browser.login(email, "not the password")
    html = html_of(response)
    assert "Wrong e-mail or password." in html
    assert 'name="password"' in html  # the form is shown again
    assert urlsplit(location(browser.get("/"))).path == "/login"


def test_email_is_matched_case_insensitively(browser, users):
    agent = users["agent"]
    browser.login(agent.email.upper())
    assert is_signed_in(browser, agent)


def test_empty_form_names_both_fields(browser, users):
    english(browser)
    response = browser.post("/login", {"email": "", "password": ""}, form_url="/login")
    html = html_of(response)
    assert response.status_code == 400
    assert "Enter your e-mail." in html and "Enter your password." in html


def test_deactivated_user_cannot_sign_in(app, browser, users):
    agent = users["agent"]
    with app.test_request_context():
        services.set_active(
            db.session,
            db.session.get(User, agent.id),
            False,
            actor=db.session.get(User, users["admin"].id),
        )
        db.session.commit()
    english(browser)
    response = browser.login(agent.email)
    assert "This account has been deactivated. Ask HR or an administrator." in html_of(response)
    assert not is_signed_in(browser, agent)


def test_deactivation_ends_an_open_session_on_the_next_request(login_as, users):
    agent_browser = login_as("agent")
    agent = users["agent"]
    assert is_signed_in(agent_browser, agent)

    admin_browser = login_as("admin")
    admin_browser.post(f"/admin/users/{agent.id}/active", {"active": "0"})

    response = agent_browser.get("/account")
    assert urlsplit(location(response)).path == "/login"
    assert agent.email not in html_of(agent_browser.get("/login"))


# Where to go after signing in --------------------------------------------------------------


def sign_in_with_next(browser: Browser, email: str, target: str) -> str:
    response = browser.post(
        f"/login?next={target}", {"email": email, "password": TEST_PASSWORD}, form_url="/login"
    )
    return location(response)


def test_next_local_path_is_honoured(browser, users):
    goes_to = sign_in_with_next(browser, users["agent"].email, "/account")
    assert urlsplit(goes_to).path == "/account"
    assert urlsplit(goes_to).netloc in ("", "localhost")


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example/x", "evil.example"])
def test_next_to_another_site_goes_home(browser, users, target):
    goes_to = sign_in_with_next(browser, users["agent"].email, target)
    parts = urlsplit(goes_to)
    assert "evil" not in goes_to
    assert parts.netloc in ("", "localhost") and parts.path == "/"


def test_next_with_a_backslash_stays_on_this_site(browser, users):
    # Browsers read "/\\host" as "//host"; the redirect must not leave the site.
    goes_to = sign_in_with_next(browser, users["agent"].email, "/\\evil.example")
    assert urlsplit(goes_to).netloc in ("", "localhost")
    assert not goes_to.startswith(("//", "/\\"))


def test_signed_in_visit_to_login_follows_only_local_next(browser, users):
    browser.login(users["agent"].email)
    assert urlsplit(location(browser.get("/login?next=//evil.example"))).path == "/"
    assert location(browser.get("/login?next=/account")).endswith("/account")


def test_protected_page_sends_anonymous_visitor_to_login_with_next(browser, users):
    response = browser.get("/account")
    assert urlsplit(location(response)).path == "/login"
    assert "next=%2Faccount" in location(response) or "next=/account" in location(response)


# Changing the password ---------------------------------------------------------------------


def change_password(browser: Browser, current: str, new: str, confirm: str | None = None) -> Any:
    return browser.post(
        "/account/password",
        {
            "current_password": current,
            "new_password": new,
            "confirm_password": new if confirm is None else confirm,
        },
    )


def password_is(app: Flask, user: User, password: str) -> bool:
    with app.app_context():
        return services.password_matches(db.session.get(User, user.id), password)


def test_password_change_refuses_wrong_current_password(app, login_as, users):
    response = change_password(login_as("agent"), "not it at all", NEW_PASSWORD)
    assert response.status_code == 400
    assert "The current password is wrong." in html_of(response)
    assert password_is(app, users["agent"], TEST_PASSWORD)


def test_password_change_refuses_a_short_password(app, login_as, users):
    response = change_password(login_as("agent"), TEST_PASSWORD, "short")
    assert "Password must be at least 8 characters." in html_of(response)
    assert password_is(app, users["agent"], TEST_PASSWORD)
    assert not password_is(app, users["agent"], "short")


def test_password_change_refuses_differing_new_passwords(app, login_as, users):
    response = change_password(
        login_as("agent"), TEST_PASSWORD, NEW_PASSWORD, confirm=NEW_PASSWORD + "x"
    )
    assert "The two new passwords differ." in html_of(response)
    assert password_is(app, users["agent"], TEST_PASSWORD)


def test_password_change_refuses_the_same_password(app, login_as, users):
    response = change_password(login_as("agent"), TEST_PASSWORD, TEST_PASSWORD)
    assert "Choose a password different from the current one." in html_of(response)


def test_password_change_signs_out_other_sessions_only(app, login_as, users):
    agent = users["agent"]
    here, elsewhere = login_as("agent"), login_as("agent")

    response = change_password(here, TEST_PASSWORD, NEW_PASSWORD)
    assert location(response).endswith("/account")
    assert "Other sessions were signed out." in html_of(here.get("/account"))

    assert is_signed_in(here, agent)
    assert urlsplit(location(elsewhere.get("/"))).path == "/login"
    assert password_is(app, agent, NEW_PASSWORD)

    fresh = Browser(app.test_client())
    english(fresh)
    assert "Wrong e-mail or password." in html_of(fresh.login(agent.email, TEST_PASSWORD))
    fresh.login(agent.email, NEW_PASSWORD)
    assert is_signed_in(fresh, agent)


def test_user_with_temporary_password_must_change_it_first(app, browser, make_user):
    agent = make_user("agent", locale="en", must_change_password=True)
    browser.login(agent.email)
    for path in ("/", f"/people/{agent.id}", "/admin/users"):
        response = browser.get(path)
        assert urlsplit(location(response)).path == "/account/password", path
    page = html_of(browser.get("/account/password"))
    assert "Choose your own before you go on." in page
    assert agent.email in html_of(browser.get("/account"))  # the account page stays open

    change_password(browser, TEST_PASSWORD, NEW_PASSWORD)
    assert stored_user(app, agent.id).must_change_password is False
    home = browser.get("/")
    assert home.status_code == 200 and f"Hello, {agent.name}" in html_of(home)


def test_temporary_password_user_gets_403_from_the_api(app, make_user):
    from lms.auth import tokens

    agent = make_user("agent", must_change_password=True)
    with app.test_request_context():
        _token, secret = tokens.create_api_token(db.session, db.session.get(User, agent.id), "t")
        db.session.commit()
    response = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 403 and response.is_json
    assert agent.email not in html_of(response)


# Interface language ------------------------------------------------------------------------


def test_default_interface_language_is_russian(client, make_user):
    assert '<html lang="ru"' in html_of(client.get("/login"))
    user = make_user("agent")
    assert user.locale == "ru"
    browser = Browser(client)
    browser.login(user.email)
    assert '<html lang="ru"' in html_of(browser.get("/"))


def test_anonymous_language_choice_lasts_for_the_session_only(app, browser):
    english(browser)
    assert '<html lang="en"' in html_of(browser.get("/login"))
    assert "Sign in" in html_of(browser.get("/login"))
    assert '<html lang="ru"' in html_of(app.test_client().get("/login"))


def test_unknown_language_is_ignored(browser):
    browser.post("/language", {"locale": "xx"}, form_url="/login")
    assert '<html lang="ru"' in html_of(browser.get("/login"))


def test_language_switch_returns_only_to_local_pages(browser):
    response = browser.post("/language", {"locale": "en", "next": "/login?x=1"}, form_url="/login")
    assert location(response).endswith("/login?x=1")
    response = browser.post(
        "/language", {"locale": "en", "next": "//evil.example"}, form_url="/login"
    )
    assert "evil" not in location(response)


def test_signed_in_language_choice_is_kept_on_the_user(app, browser, make_user):
    user = make_user("agent")
    browser.login(user.email)
    assert '<html lang="ru"' in html_of(browser.get("/"))

    browser.post("/language", {"locale": "en"})
    assert stored_user(app, user.id).locale == "en"
    assert '<html lang="en"' in html_of(browser.get("/"))

    fresh = Browser(app.test_client())
    assert '<html lang="ru"' in html_of(fresh.get("/login"))
    fresh.login(user.email)
    assert '<html lang="en"' in html_of(fresh.get("/"))
