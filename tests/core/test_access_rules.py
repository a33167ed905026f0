"""Every route declares an access rule, and each rule holds when requested as each role."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from lms.auth import tokens
from lms.auth.access import ALL_RULES, Rule
from lms.auth.models import Department, Position, User
from lms.extensions import db
from lms.kb.categories import save_category
from lms.kb.mustread import create_must_read
from lms.kb.runs import start_run
from lms.kb.services import ArticleData, save_revision

# Routes that need no rule of their own: Flask serves static files itself.
UNDECLARED = {"static"}
ROLES = ("agent", "mentor", "editor", "hr", "admin")


def endpoints(app: Flask) -> list[tuple[str, Any]]:
    return sorted(
        (rule.endpoint, rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in UNDECLARED
    )


def rule_of(app: Flask, endpoint: str) -> Rule | None:
    return getattr(app.view_functions[endpoint], "access_rule", None)


def test_every_endpoint_declares_a_known_rule(app):
    missing = [e for e, _ in endpoints(app) if rule_of(app, e) is None]
    assert missing == [], f"endpoints without @access(...): {missing}"
    unknown = [e for e, _ in endpoints(app) if rule_of(app, e) not in ALL_RULES]
    assert unknown == []


def test_the_walk_sees_every_blueprint(app):
    names = {endpoint.split(".")[0] for endpoint, _ in endpoints(app)}
    assert {"core", "auth", "admin", "api"} <= names


SWEEP_SCRIPT = "## Start {#start}\nHello\n\n- [Go on](#end)\n\n## End {#end}\nBye\n"


def sample_values(app: Flask, requester: User) -> dict[str, Any]:
    """URL arguments that let the requester pass every object check of its own."""
    with app.test_request_context():
        requester = db.session.merge(requester)
        token, _secret = tokens.create_api_token(db.session, requester, "sweep")
        category = save_category(db.session, slug=f"sweep-{requester.id}", name="Sweep")
        data = ArticleData(
            slug=f"sweep-{requester.id}",
            title="Sweep",
            body=SWEEP_SCRIPT,
            category=category.slug,
            kind="script",
            owner=requester.email,
        )
        revision = save_revision(db.session, data, author=requester, action="publish")
        article = revision.article
        must_read = create_must_read(
            db.session,
            article,
            [db.session.scalar(db.select(Department))],
            note="",
            actor=requester,
        )
        run = start_run(db.session, article, requester)
        question = sample_question(requester)
        values = {
            "user_id": requester.id,
            "token_id": token.id,
            "unit_id": db.session.scalar(db.select(Department.id))
            or db.session.scalar(db.select(Position.id)),
            "slug": article.slug,
            "category_id": category.id,
            "must_read_id": must_read.id,
            "run_id": run.id,
            "revision_id": revision.id,
            "number": revision.number,
            "verdict": "approve",
            "tag": "sweep",
            "name": "missing.png",
            "question_id": question.id,
            # Courses: a missing course or attempt answers 404 once the rule let the
            # request through; object checks have their own tests in tests/courses.
            "lesson_slug": "sweep",
            "kind": "final",
            "attempt_id": 0,
            "probation_id": 0,
            "item_id": 0,
            "note_id": 0,
            "action": "tick",
            "rating_id": sample_rating(requester).id,
            # Follow-up surveys: an unknown evaluation answers 404 past the rule.
            "participant_id": requester.id,
            "role": "participant",
            "days": 30,
        }
        db.session.commit()
    return values


def sample_question(requester: User) -> Any:
    """A question the requester may answer: a mentee's when the requester is a mentor."""
    from datetime import date

    from lms.auth.services import assign_mentor, create_user
    from lms.gaps.questions import ask_question

    asker = requester
    if requester.has_role("mentor"):
        asker = create_user(db.session, email=f"mentee-{requester.id}@sweep.example", name="Mentee")
        assign_mentor(db.session, asker, requester, started_on=date.today(), actor=requester)
    return ask_question(db.session, asker, "A sweep question")


def sample_rating(requester: User) -> Any:
    """A negative customer rating of someone the requester manages (so KPI pages and the
    ratings list let them through too)."""
    from datetime import UTC, datetime

    from lms.auth.services import create_user
    from lms.evaluation.models import CustomerRating

    report = create_user(
        db.session, email=f"report-{requester.id}@sweep.example", name="Report", manager=requester
    )
    rating = CustomerRating(
        user_id=report.id, rated_at=datetime.now(UTC), channel="chat", quality=1, speed=2,
        ticket=f"SWEEP-{requester.id}",
    )  # fmt: skip
    db.session.add(rating)
    db.session.flush()
    return rating


def request_route(client: Any, rule: Any, values: dict[str, int]) -> Any:
    url = rule.build({k: values[k] for k in rule.arguments})[1]
    if "GET" in rule.methods:
        return client.get(url)
    return client.post(url, data={})


def outcome(response: Any) -> str:
    if response.status_code == 403:
        return "denied"
    if response.status_code == 401 or (
        response.status_code == 302 and "/login" in response.headers.get("Location", "")
    ):
        return "sign-in"
    return "allowed"


@pytest.fixture
def no_csrf(app):
    # The sweep checks access, which runs before form validation; CSRF has its own tests.
    app.config["WTF_CSRF_ENABLED"] = False
    yield
    app.config["WTF_CSRF_ENABLED"] = True


@pytest.mark.usefixtures("no_csrf")
@pytest.mark.parametrize("role", ROLES)
def test_each_rule_holds_for_role(app, role, users, make_org, login_as):
    make_org(Department, "sweep")
    requester = users[role]
    values = sample_values(app, requester)
    wrong = []
    for endpoint, rule in endpoints(app):
        if endpoint == "auth.logout":
            continue  # signs the sweep out; covered by the login tests
        expected = "allowed" if rule_of(app, endpoint).allows(requester) else "denied"
        got = outcome(request_route(login_as(role).client, rule, values))
        if got != expected:
            wrong.append(f"{endpoint} {rule.rule}: expected {expected}, got {got}")
    assert wrong == []


@pytest.mark.usefixtures("no_csrf")
def test_anonymous_is_sent_to_sign_in(app, client, users, make_org):
    make_org(Department, "sweep")
    values = sample_values(app, users["agent"])
    wrong = []
    for endpoint, rule in endpoints(app):
        public = rule_of(app, endpoint).public
        response = request_route(client, rule, values)
        got = outcome(response)
        expected = "allowed" if public else "sign-in"
        if got != expected:
            wrong.append(f"{endpoint}: expected {expected}, got {got}")
        if not public and rule.rule.startswith("/api/"):
            assert response.status_code == 401 and response.is_json, endpoint
    assert wrong == []


def test_denied_is_a_translated_403_page_without_data(app, login_as, users):
    response = login_as("agent").get("/admin/users")
    html = response.get_data(as_text=True)
    with app.test_request_context():
        from flask_babel import force_locale, gettext

        with force_locale("ru"):
            title = gettext("Access denied")
    assert response.status_code == 403
    assert 'lang="ru"' in html and title in html
    assert users["admin"].email not in html


def test_mentor_sees_only_own_mentees(app, make_user, login_as, users, today):
    from lms.auth.services import assign_mentor

    mine, other = make_user("agent"), make_user("agent")
    with app.test_request_context():
        mentor = db.session.merge(users["mentor"])
        assign_mentor(db.session, db.session.merge(mine), mentor, started_on=today, actor=mentor)
        db.session.commit()
    browser = login_as("mentor")
    assert mine.name in browser.get(f"/people/{mine.id}").get_data(as_text=True)
    assert browser.get(f"/people/{other.id}").status_code == 403
    assert login_as("agent").get(f"/people/{mine.id}").status_code == 403
    assert login_as("hr").get(f"/people/{other.id}").status_code == 200
