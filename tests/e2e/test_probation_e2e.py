"""The attestation in a real browser: the mentor grades each criterion, writes the
feedback and proposes an outcome; HR confirms and signs it; the agent reads the result."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from lms.auth import services as auth_services
from lms.auth.demo import DEMO_PASSWORD
from lms.extensions import db
from lms.models_base import utcnow
from lms.probation import library, services
from lms.probation.models import Probation

pytestmark = pytest.mark.e2e

RUBRIC = """\
title: E2E rubric
criteria:
  - code: listening
    title: Listening
    weight: 2
    levels:
      - {level: 1, points: 0, descriptor: Interrupts}
      - {level: 2, points: 1, descriptor: Listens with help}
      - {level: 3, points: 2, descriptor: Listens well}
  - code: accuracy
    title: Accuracy
    levels:
      - {level: 1, points: 0, descriptor: Often wrong}
      - {level: 2, points: 1, descriptor: Mostly right}
      - {level: 3, points: 2, descriptor: Always right}
pass_rule:
  min_total: 4
  min_level: 2
"""
PLAN = """\
title: E2E probation
position: e2e-agent
duration_days: 30
stages:
  - title: The whole month
    days: [1, 30]
    items:
      - kind: task
        title: Handle 20 chats with a mentor listening
        due_day: 20
      - kind: attestation
        rubric: e2e-rubric
        due_day: 29
"""
MENTOR, AGENT, HR = "e2e-mentor@example.com", "e2e-agent@example.com", "e2e-hr@example.com"


@pytest.fixture(scope="module")
def probation_id(live_app: Flask) -> int:
    """A probation of an English-reading agent, with an English mentor and HR user."""
    with live_app.test_request_context():
        people = {}
        for email, name, role in (
            (MENTOR, "Mira Mentor", "mentor"),
            (AGENT, "Artur Agent", "agent"),
            (HR, "Hanna HR", "hr"),
        ):
            user = auth_services.find_user_by_email(db.session, email)
            if user is None:
                user = auth_services.create_user(
                    db.session, email=email, name=name, roles=(role,), locale="en"
                )
                user.password_hash = auth_services.hash_password(DEMO_PASSWORD)
            people[role] = user
        existing = db.session.scalar(
            db.select(Probation).where(Probation.user_id == people["agent"].id)
        )
        if existing is None:
            now = utcnow()
            library.save_rubric(db.session, "e2e-rubric", RUBRIC, actor=None, now=now)
            template = library.save_plan_template(db.session, "e2e-plan", PLAN, actor=None, now=now)
            existing = services.start_probation(
                db.session, people["agent"], template, mentor=people["mentor"],
                started_on=date.today() - timedelta(days=27), actor=people["hr"],
                today=date.today(), now=now,
            )  # fmt: skip
        db.session.commit()
        return existing.id


def test_the_mentor_grades_the_attestation_and_hr_signs_it(
    page: Page, sign_in: Callable[..., Page], sign_out: Callable[[], None], probation_id: int
) -> None:
    sign_in(MENTOR)
    page.goto("/probation/mentees")
    page.get_by_role("link", name="Artur Agent").click()
    expect(page).to_have_url(re.compile(rf"/probation/{probation_id}$"))
    page.get_by_role("link", name="Grade the attestation").click()

    # A total of 4 passes by the rule, but "Accuracy" at level 1 is below the minimum 2.
    page.check("#level-listening-2")
    page.check("#level-accuracy-1")
    page.fill("#fb-observation", "Answered a refund question from memory.")
    page.fill("#fb-impact", "The customer got a wrong deadline.")
    page.fill("#fb-correction", "Check the refund article before answering.")
    page.fill("#fb-consolidation", "Open the knowledge base on every refund call.")
    page.get_by_label("pass", exact=True).check()
    page.get_by_role("button", name="Save the grading").click()
    expect(page.locator(".form-errors")).to_contain_text("justify proposing something else")

    # The rule's outcome needs no justification.
    page.check("#level-accuracy-3")
    page.get_by_role("button", name="Save the grading").click()
    expect(page.locator(".flash")).to_contain_text("HR confirms it")
    expect(page.locator("#attestation")).to_contain_text("waiting for HR")
    sign_out()

    sign_in(HR)
    page.goto(f"/probation/{probation_id}")
    page.get_by_role("button", name="Confirm and sign").click()
    expect(page.locator("#attestation")).to_contain_text("Result: pass")
    expect(page.locator("#attestation")).to_contain_text("signed by Hanna HR")
    sign_out()

    sign_in(AGENT)
    page.goto("/probation")
    expect(page.locator("#attestation")).to_contain_text("Result: pass")
    expect(page.locator("#attestation")).to_contain_text(
        "Check the refund article before answering."
    )
