"""Personal API tokens: created on the account page, shown once, stored hashed, sent as
``Authorization: Bearer``; revoked by their owner or an administrator.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from lms.auth import services, tokens
from lms.auth.models import ApiToken, User
from lms.extensions import db
from tests.conftest import ROLES_UNDER_TEST, Browser

SECRET_RE = re.compile(r'id="new-token">(lms_[A-Za-z0-9_-]+)<')


@pytest.fixture
def users(make_user: Any) -> dict[str, User]:
    """One user per role, reading the interface in English."""
    return {role: make_user(role, locale="en") for role in ROLES_UNDER_TEST}


def html_of(response: Any) -> str:
    return response.get_data(as_text=True)


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def issue_token(app: Flask, user: User, name: str = "helpdesk") -> tuple[int, str]:
    """A token made through the service: (id, secret)."""
    with app.test_request_context():
        token, secret = tokens.create_api_token(db.session, db.session.get(User, user.id), name)
        db.session.commit()
        return token.id, secret


def stored_token(app: Flask, token_id: int) -> dict[str, Any]:
    """Every column of the token's row, as the database holds it."""
    with app.app_context():
        table = ApiToken.__table__
        return dict(
            db.session.execute(sa.select(table).where(table.c.id == token_id)).mappings().one()
        )


def create_on_account_page(browser: Browser, name: str) -> str:
    response = browser.post("/account/tokens", {"name": name})
    assert response.headers["Location"].endswith("/account")
    match = SECRET_RE.search(html_of(browser.get("/account")))
    assert match, "the new token is not shown"
    return match.group(1)


# Creating --------------------------------------------------------------------------------


def test_new_token_is_shown_once_on_the_account_page(app, login_as, users):
    browser = login_as("agent")
    secret = create_on_account_page(browser, "Helpdesk panel")
    again = html_of(browser.get("/account"))
    assert secret not in again
    assert "Helpdesk panel" in again and secret[:10] in again  # listed by name and prefix


def test_only_the_sha256_of_the_token_is_stored(app, login_as, users):
    secret = create_on_account_page(login_as("agent"), "Helpdesk panel")
    with app.app_context():
        token_id = db.session.scalar(
            sa.select(ApiToken.id).where(ApiToken.name == "Helpdesk panel")
        )
    row = stored_token(app, token_id)
    assert row["token_hash"] == hashlib.sha256(secret.encode()).hexdigest()
    assert row["user_id"] == users["agent"].id
    leaked = [column for column, value in row.items() if secret in str(value)]
    assert leaked == []


def test_token_without_a_name_is_refused(app, login_as, users):
    browser = login_as("agent")
    response = browser.post("/account/tokens", {"name": "  "}, follow_redirects=True)
    assert "Give the token a name" in html_of(response)
    assert SECRET_RE.search(html_of(response)) is None
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ApiToken.id))) == 0


# Using ------------------------------------------------------------------------------------


def test_bearer_token_gives_the_users_json(app, client, users):
    token_id, secret = issue_token(app, users["editor"])
    response = client.get("/api/v1/me", headers=bearer(secret))
    assert response.status_code == 200
    body = response.get_json()
    assert body["email"] == users["editor"].email
    assert body["roles"] == ["editor"]
    assert stored_token(app, token_id)["last_used_at"] is not None
    assert "session" not in response.headers.get("Set-Cookie", "")  # no cookie for a token


def test_token_of_a_user_with_several_roles_lists_them(app, client, make_user):
    user = make_user("mentor", roles=("agent", "mentor"))
    _token_id, secret = issue_token(app, user)
    assert client.get("/api/v1/me", headers=bearer(secret)).get_json()["roles"] == [
        "agent",
        "mentor",
    ]


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer",
        "Bearer lms_not-a-real-token",
        "Bearer not-even-the-prefix",
        "Basic dXNlcjpwYXNz",
    ],
)
def test_missing_or_unknown_token_gets_401_json(client, users, header):
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.is_json and response.get_json()["error"] == "unauthorized"
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_revoked_token_gets_401(app, client, users):
    token_id, secret = issue_token(app, users["agent"])
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    with app.app_context():
        tokens.revoke_api_token(db.session.get(ApiToken, token_id))
        db.session.commit()
    response = client.get("/api/v1/me", headers=bearer(secret))
    assert response.status_code == 401 and response.is_json
    assert users["agent"].email not in html_of(response)


def test_token_of_a_deactivated_user_gets_401(app, client, users):
    token_id, secret = issue_token(app, users["agent"])
    with app.test_request_context():
        services.set_active(
            db.session,
            db.session.get(User, users["agent"].id),
            False,
            actor=db.session.get(User, users["admin"].id),
        )
        db.session.commit()
    response = client.get("/api/v1/me", headers=bearer(secret))
    assert response.status_code == 401 and response.is_json
    assert stored_token(app, token_id)["revoked_at"] is None  # refused for the owner, not revoked


def test_post_with_a_bearer_token_needs_no_csrf_token(app, client, users):
    token_id, secret = issue_token(app, users["agent"])
    other_id, _other = issue_token(app, users["agent"], "old script")
    response = client.post(f"/account/tokens/{other_id}/revoke", headers=bearer(secret))
    assert response.status_code == 302
    assert stored_token(app, other_id)["revoked_at"] is not None
    assert stored_token(app, token_id)["revoked_at"] is None


def test_post_from_a_browser_session_still_needs_csrf(app, login_as, users):
    token_id, _secret = issue_token(app, users["agent"])
    response = login_as("agent").client.post(f"/account/tokens/{token_id}/revoke")
    assert response.status_code == 400
    assert "security token" in html_of(response)
    assert stored_token(app, token_id)["revoked_at"] is None


def test_a_bearer_header_does_not_excuse_a_browser_session_from_csrf(app, login_as, users):
    agent = users["agent"]
    browser = login_as("admin")
    for header in ("Bearer made-up", f"Bearer {issue_token(app, users['admin'])[1]}"):
        response = browser.client.post(
            f"/admin/users/{agent.id}/active",
            data={"active": "0"},
            headers={"Authorization": header},
        )
        assert response.status_code == 400, header
        assert "security token" in html_of(response)
    with app.app_context():
        assert db.session.get(User, agent.id).is_active is True


# Revoking ---------------------------------------------------------------------------------


def test_owner_revokes_own_token_on_the_account_page(app, login_as, users):
    token_id, secret = issue_token(app, users["agent"], "panel")
    browser = login_as("agent")
    response = browser.post(f"/account/tokens/{token_id}/revoke", follow_redirects=True)
    assert "Token “panel” was revoked" in html_of(response)
    assert stored_token(app, token_id)["revoked_at"] is not None
    assert app.test_client().get("/api/v1/me", headers=bearer(secret)).status_code == 401


def test_user_cannot_revoke_another_users_token(app, login_as, users):
    token_id, secret = issue_token(app, users["agent"])
    for role in ("mentor", "hr", "admin"):  # not even an administrator, on the account route
        response = login_as(role).post(f"/account/tokens/{token_id}/revoke")
        assert response.status_code == 403, role
    assert stored_token(app, token_id)["revoked_at"] is None
    assert app.test_client().get("/api/v1/me", headers=bearer(secret)).status_code == 200


def test_admin_revokes_another_users_token(app, login_as, users):
    agent = users["agent"]
    token_id, secret = issue_token(app, agent, "panel")
    admin = login_as("admin")
    assert "panel" in html_of(admin.get(f"/admin/users/{agent.id}"))
    response = admin.post(
        f"/admin/users/{agent.id}/tokens/{token_id}/revoke", follow_redirects=True
    )
    assert "Token “panel” was revoked" in html_of(response)
    assert stored_token(app, token_id)["revoked_at"] is not None
    assert app.test_client().get("/api/v1/me", headers=bearer(secret)).status_code == 401


def test_admin_revoke_checks_that_the_token_belongs_to_the_user(app, login_as, users):
    token_id, _secret = issue_token(app, users["agent"])
    response = login_as("admin").post(f"/admin/users/{users['mentor'].id}/tokens/{token_id}/revoke")
    assert response.status_code == 403
    assert stored_token(app, token_id)["revoked_at"] is None


def test_hr_cannot_revoke_tokens_of_others(app, login_as, users):
    token_id, _secret = issue_token(app, users["agent"])
    response = login_as("hr").post(f"/admin/users/{users['agent'].id}/tokens/{token_id}/revoke")
    assert response.status_code == 403
    assert stored_token(app, token_id)["revoked_at"] is None


# The API description ------------------------------------------------------------------------


def test_openapi_document_describes_the_api(app, client):
    response = client.get("/api/v1/openapi.json")
    document = json.loads(response.get_data(as_text=True))
    assert response.mimetype == "application/json"
    assert document["openapi"] == "3.1.0"
    assert "/me" in document["paths"]
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_every_api_route_is_documented_and_every_documented_path_served(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    prefix = document["servers"][0]["url"]
    documented = {prefix + re.sub(r"\{(\w+)\}", r"<\1>", path) for path in document["paths"]}
    served = {
        re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(prefix + "/")
    }
    assert documented == served
