"""The Phillips report in a real browser: HR opens an evaluation from the list and reads
the five levels as a chain, each with its chart, down to the ROI."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from lms.auth import services as auth_services
from lms.auth.demo import DEMO_PASSWORD
from lms.auth.models import Department, Position
from lms.courses.models import Course, Enrolment
from lms.evaluation import surveys
from lms.evaluation.catalogue import load_metrics
from lms.evaluation.models import KpiValue, Metric
from lms.extensions import db
from lms.models_base import utcnow
from lms.yamlfile import load_yaml

pytestmark = pytest.mark.e2e

HR = "e2e-evaluation-hr@example.com"
METRICS = """\
metrics:
  - {code: e2e-dsat, name: {ru: DSAT, en: Dissatisfied}, unit: "%", direction: lower}
"""
DEFINITION = """\
title: Calm calls in the browser
course: e2e-calm-course
completed_from: 2026-04-01
completed_to: 2026-04-30
before_months: 1
after_months: 1
control_group: true
metrics:
  e2e-dsat: 500
costs:
  development: 1000
  delivery_per_participant: 100
  hourly_cost: 50
"""
# DSAT in March and May (April, the completion month, counts in neither window)
DSAT = {"e2e-ann": (10, 6), "e2e-cid": (10, 9)}


@pytest.fixture(scope="module")
def evaluation(live_app: Flask) -> str:
    """Ann completed the course in April, Cid (same department and position) did not."""
    with live_app.test_request_context():
        department = Department(code="e2e-calm", name="E2E calm line")
        position = Position(code="e2e-calm-agent", name="E2E agent")
        course = Course(slug="e2e-calm-course", title="Calm calls", duration_minutes=60)
        db.session.add_all([department, position, course])
        hr = auth_services.create_user(db.session, email=HR, name="Hugo HR", roles=("hr",),
                                       locale="en")  # fmt: skip
        hr.password_hash = auth_services.hash_password(DEMO_PASSWORD)
        load_metrics(db.session, load_yaml(METRICS), filename="metrics.yml")
        metric = db.session.scalar(db.select(Metric).where(Metric.code == "e2e-dsat"))
        for email, (march, may) in DSAT.items():
            person = auth_services.create_user(db.session, email=f"{email}@example.com",
                                               name=email, roles=("agent",))  # fmt: skip
            person.department, person.position = department, position
            db.session.flush()
            db.session.add_all([
                KpiValue(user_id=person.id, metric_id=metric.id, period=date(2026, 3, 1),
                         value=march),
                KpiValue(user_id=person.id, metric_id=metric.id, period=date(2026, 5, 1),
                         value=may),
            ])  # fmt: skip
            if email == "e2e-ann":
                done = datetime(2026, 4, 15, tzinfo=UTC)
                db.session.add(Enrolment(user_id=person.id, course_id=course.id, completed_at=done))
        surveys.save_evaluation(db.session, "e2e-calm", DEFINITION, actor=None, now=utcnow())
        db.session.commit()
    return "e2e-calm"


def test_hr_reads_the_five_levels_down_to_the_roi(
    page: Page, sign_in: Callable[..., Page], evaluation: str
) -> None:
    sign_in(HR)
    page.goto("/evaluations")
    page.get_by_role("link", name="Calm calls in the browser", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Calm calls in the browser")
    for level in (
        "Level 1. Reaction",
        "Level 2. Learning",
        "Level 3. Application",
        "Level 4. Impact",
        "Level 5. Return on investment",
    ):
        expect(page.get_by_role("heading", name=level)).to_be_visible()  # fmt: skip
    # DSAT 10 -> 6 against the control's 10 -> 9: 3 points a month; 3 x 500 x 12 = 18,000
    # for costs of 1,000 + 100 + 1 h x 50 = 1,150: ROI (18,000 - 1,150) / 1,150 = 1,465.22 %.
    impact = page.locator("#l4").locator("xpath=..")
    expect(impact).to_contain_text("10 → 6")
    expect(impact).to_contain_text("control group")
    expect(page.locator("[data-roi]")).to_have_text("1 465.22%")
    expect(page.get_by_role("img", name="Dissatisfied")).to_be_visible()
    expect(page.get_by_role("button", name="Print")).to_be_visible()
