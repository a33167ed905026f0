"""A course in a real browser: the pre-test, the lessons, the final quiz saved as it is
answered (kept across a reload) and submitted for a score."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Dialog, Page, expect
from sqlalchemy import select

from lms.auth import services as auth_services
from lms.auth.demo import DEMO_PASSWORD
from lms.auth.models import User
from lms.courses.models import AttemptResponse, QuizAttempt
from lms.courses.sync import sync_content
from lms.extensions import db

pytestmark = pytest.mark.e2e

SLUG = "e2e-calm-calls"
LEARNER = "e2e-learner@example.com"
FILES = {
    f"{SLUG}/course.yml": """\
title: E2E calm calls
summary: A short course taken in the browser.
language: en
pass_score: 50
shuffle_answers: false
lessons: [01-hello.md, 02-words.md]
pre_test: pre.gift
quiz: quiz.gift
""",
    f"{SLUG}/01-hello.md": "# Hello\n\nThe first lesson.\n",
    f"{SLUG}/02-words.md": "# Calm words\n\nThe second lesson.\n",
    f"{SLUG}/pre.gift": "::Sky::The sky is blue.{T}\n",
    f"{SLUG}/quiz.gift": """\
::Colour::What colour is the sky?{=Blue#Right, blue. ~Green ~Red}

::Capital::The capital of France?{=Paris}

::Earth::The Earth is round.{T}
""",
}


@pytest.fixture(scope="module")
def e2e_course(live_app: Flask, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The course synced into the live server, and a learner reading in English."""
    folder = tmp_path_factory.mktemp("e2e-content")
    for name, text in FILES.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    with live_app.test_request_context():
        sync_content(db.session, Path(folder))
        if auth_services.find_user_by_email(db.session, LEARNER) is None:
            user = auth_services.create_user(
                db.session, email=LEARNER, name="Egor Learner", roles=("agent",), locale="en"
            )
            user.password_hash = auth_services.hash_password(DEMO_PASSWORD)
        db.session.commit()
    return SLUG


def accept_dialogs(page: Page) -> list[str]:
    seen: list[str] = []

    def accept(dialog: Dialog) -> None:
        seen.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    return seen


def saved_answers(app: Flask, attempt_id: int) -> dict[int, object]:
    with app.app_context():
        rows = db.session.scalars(
            select(AttemptResponse).where(AttemptResponse.attempt_id == attempt_id)
        )
        return {row.question_index: row.response for row in rows}


def test_an_agent_takes_a_course_in_the_browser(
    page: Page,
    sign_in: Callable[..., Page],
    live_app: Flask,
    e2e_course: str,
    console_errors: list[str],
) -> None:
    dialogs = accept_dialogs(page)
    sign_in(LEARNER)
    page.goto("/courses")
    page.get_by_role("link", name="E2E calm calls").click()
    expect(page.locator("h1")).to_have_text("E2E calm calls")

    # The pre-test first.
    page.get_by_role("button", name="Take the pre-test").click()
    expect(page).to_have_url(re.compile(r"/attempts/\d+$"))
    page.locator("#question-0").get_by_label("True").check()
    page.get_by_role("button", name="Submit answers").click()
    expect(page.locator("[role=status]").filter(has_text="Score:")).to_contain_text("Score: 100.0%")

    # The lessons, one after the other.
    page.get_by_role("link", name="Back to the course").click()
    page.get_by_role("link", name="Start: Hello").click()
    expect(page.locator("h1")).to_have_text("Hello")
    page.get_by_role("button", name="Done, next lesson").click()
    expect(page.locator("h1")).to_have_text("Calm words")
    page.get_by_role("button", name="Done, back to the course").click()
    expect(page.locator(".flash")).to_contain_text("You have finished every lesson")

    # The final quiz, saved as it is answered.
    page.get_by_role("button", name="Start: Final quiz").click()
    expect(page).to_have_url(re.compile(r"/attempts/\d+$"))
    attempt_id = int(page.url.rsplit("/", 1)[1])
    page.locator("#question-0").get_by_label("Blue").check()
    page.locator("#q1").fill("Lyon")
    status = page.locator("[data-save-status]")
    expect(status).to_have_text("All answers saved.")
    assert saved_answers(live_app, attempt_id) == {0: 0, 1: "Lyon"}

    page.reload()
    expect(page.locator("#question-0").get_by_label("Blue")).to_be_checked()
    expect(page.locator("#q1")).to_have_value("Lyon")
    page.locator("#question-2").get_by_label("True").check()
    page.get_by_role("button", name="Submit answers").click()

    # 2 of 3: the capital was wrong; the pass score is 50%.
    result = page.locator("[role=status]").filter(has_text="Score:")
    expect(result).to_contain_text("Score: 66.7%")
    expect(result).to_contain_text("Passed.")
    expect(page.locator(".feedback").first).to_have_text("Right, blue.")
    expect(page.locator("#q1")).to_be_disabled()
    assert any("cannot be changed" in message for message in dialogs)
    with live_app.app_context():
        attempt = db.session.get(QuizAttempt, attempt_id)
        assert (attempt.state, attempt.score, attempt.passed) == ("graded", 66.67, True)
        learner = db.session.scalar(select(User).where(User.email == LEARNER))
        assert attempt.user_id == learner.id
    assert console_errors == []
