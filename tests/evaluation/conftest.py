"""KPI fixtures: a small metrics catalogue with targets for one department, a team with a
manager, a mentor and agents, and helpers to import files and sign in.

People read the interface in English, so page assertions do not depend on the Russian
catalogue. Services run inside ``app.test_request_context()`` and commit; the test's
transaction is rolled back at the end.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from flask import Flask

from lms.auth.models import Department, Mentorship, User
from lms.evaluation.catalogue import load_metrics
from lms.evaluation.models import Metric
from lms.extensions import db
from lms.yamlfile import load_yaml
from tests.conftest import Browser

METRICS_YML = """\
metrics:
  - code: csat
    name: {ru: Довольные клиенты, en: CSAT}
    unit: "%"
    direction: higher
    targets: {kpi-line: 90}
  - code: first-response
    name: {ru: Первый ответ, en: First response}
    unit: min
    direction: lower
    targets: {kpi-line: 5}
  - code: untargeted
    name: {ru: Без цели, en: No target}
    unit: ""
    direction: higher
"""
NOW = datetime(2025, 6, 15, 12, 0, tzinfo=UTC)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def in_english(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """Services and commands speak English here (pages follow each user's locale, "en")."""
    monkeypatch.setitem(app.config, "BABEL_DEFAULT_LOCALE", "en")


@pytest.fixture
def team(app: Flask, make_org: Any, make_user: Any) -> dict[str, Any]:
    """Department kpi-line with targets csat 90 and first-response 5; Mia manages Ann and
    Bob; Meg mentors Ann; Max manages nobody of them; Hal is HR."""
    line = make_org(Department, "kpi-line", "KPI line")
    people: dict[str, Any] = {
        "mia": make_user("mentor", name="Mia Manager", locale="en"),
        "max": make_user("agent", name="Max Othermanager", locale="en"),
        "meg": make_user("mentor", name="Meg Mentor", locale="en"),
        "hal": make_user("hr", name="Hal HR", locale="en"),
        "cid": make_user("agent", name="Cid Colleague", department=line, locale="en"),
    }
    for key, name in (("ann", "Ann Agent"), ("bob", "Bob Agent")):
        people[key] = make_user(
            "agent", name=name, department=line, locale="en", email=f"{key}@kpi.example"
        )
    with app.test_request_context():
        for key in ("ann", "bob"):
            db.session.get(User, people[key].id).manager_id = people["mia"].id
        db.session.get(User, people["cid"].id).manager_id = people["max"].id
        db.session.add(
            Mentorship(mentor_id=people["meg"].id, mentee_id=people["ann"].id, started_on=TODAY)
        )
        load_metrics(db.session, load_yaml(METRICS_YML), filename="metrics.yml")
        db.session.commit()
        metrics = {m.code: m.id for m in db.session.scalars(db.select(Metric))}
    return {**people, "line": line, "metrics": metrics}


@pytest.fixture
def sign_in(app: Flask) -> Callable[[User], Browser]:
    def sign(user: User) -> Browser:
        browser = Browser(app.test_client())
        assert browser.login(user.email).status_code == 302
        return browser

    return sign


def csv_bytes(*lines: str, bom: bool = False) -> bytes:
    return ("\ufeff" if bom else "").encode() + ("\n".join(lines) + "\n").encode()


def month(year: int, number: int) -> date:
    return date(year, number, 1)
