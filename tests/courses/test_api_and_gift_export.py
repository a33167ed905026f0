"""The learning API (``/api/v1/assignments``) and a course quiz downloaded back as GIFT."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from lms.auth import tokens
from lms.courses import assignments
from lms.courses.gift import parse_gift, question_from_dict
from lms.courses.models import Course
from lms.courses.sync import sync_content
from lms.extensions import db
from lms.models_base import utcnow

QUIZ = """// a small quiz
::Capital:: The capital of France? {=Paris#Right. ~London#No, that is England.}

::Rings:: A call is missed after how many rings? {#5}

::Pairs:: Match. {=CSAT -> satisfied =DSAT -> dissatisfied =FCR -> first contact}
"""


@pytest.fixture
def course(app, tmp_path: Path) -> Course:
    folder = tmp_path / "api-course"
    folder.mkdir()
    (folder / "course.yml").write_text(
        "title: API course\nlessons: [one.md]\nquiz: quiz.gift\n", encoding="utf-8"
    )
    (folder / "one.md").write_text("# One\n\nText.\n", encoding="utf-8")
    (folder / "quiz.gift").write_text(QUIZ, encoding="utf-8")
    with app.test_request_context():
        sync_content(db.session, tmp_path)
        db.session.commit()
        return db.session.scalar(db.select(Course).where(Course.slug == "api-course"))


def test_assignments_api_lists_the_callers_learning_with_a_bearer_token(app, course, users, today):
    with app.test_request_context():
        agent = db.session.merge(users["agent"])
        hr = db.session.merge(users["hr"])
        course = db.session.merge(course)
        assignments.assign(
            db.session, hr, course, [agent], due_on=today + timedelta(days=7), today=today,
            now=utcnow(),
        )  # fmt: skip
        _token, secret = tokens.create_api_token(db.session, agent, "side panel")
        db.session.commit()
    response = app.test_client().get(
        "/api/v1/assignments", headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status_code == 200
    (item,) = response.get_json()["items"]
    assert item["kind"] == "course"
    assert item["slug"] == "api-course"
    assert item["title"] == "API course"
    assert item["status"] == "assigned"
    assert item["due_on"] == (today + timedelta(days=7)).isoformat()
    assert item["url"].endswith("/courses/api-course")


def test_assignments_api_without_credentials_is_401_json(client):
    response = client.get("/api/v1/assignments")
    assert response.status_code == 401
    assert response.get_json()["error"] == "unauthorized"


def test_hr_downloads_a_quiz_as_gift_that_reads_back_as_the_same_questions(app, course, login_as):
    response = login_as("hr").get("/learning/quizzes/api-course/final.gift")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    with app.test_request_context():
        version = db.session.merge(course).quiz("final").current_version
        stored = [question_from_dict(d) for d in version.questions]
        assert parse_gift(text) == stored
    assert "::Capital::" in text and "#Right." in text


def test_an_agent_cannot_download_quizzes(course, login_as):
    assert login_as("agent").get("/learning/quizzes/api-course/final.gift").status_code == 403


def test_a_quiz_the_course_does_not_have_is_404(course, login_as):
    assert login_as("hr").get("/learning/quizzes/api-course/pre.gift").status_code == 404
