"""The learning pages through the test client: catalogue, course, lessons with embedded
articles, a quiz from start to score, object access, grading, assigning, HR's report and its
exports, and query counts that do not grow with the rows."""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import select

from lms.auth.models import Department, User
from lms.courses import assignments, services
from lms.courses.models import (
    Assignment,
    AttemptResponse,
    Course,
    Enrolment,
    QuizAttempt,
)
from lms.kb.models import Article
from lms.kb.services import ArticleData, save_revision
from lms.models_base import utcnow
from tests.conftest import Browser
from tests.courses.conftest import (
    ARTICLE,
    ARTICLE_TEXT,
    COURSE,
    ESSAY_TEXT,
    PROGRAM,
    SECOND,
    finish_course,
    html_of,
    me,
    read_lessons,
    start,
    take,
    text_of,
)

pytestmark = pytest.mark.usefixtures("course")

SignIn = Callable[[User], Browser]
InApp = Callable[[Callable[[Any], Any]], Any]


@pytest.fixture
def anna(person: Callable[..., User], line1: Department) -> User:
    return person(department=line1, name="Anna Firstline")


@pytest.fixture
def boris(person: Callable[..., User], line2: Department) -> User:
    return person(department=line2, name="Boris Secondline")


def flashes(response: Any) -> list[str]:
    """The flashed messages shown on a page."""
    found = re.findall(r'<p class="flash[^"]*"[^>]*>(.*?)</p>', html_of(response), re.S)
    return [html.unescape(message) for message in found]


def attempt_id_of(response: Any) -> int:
    assert response.status_code == 302, html_of(response)
    match = re.search(r"/attempts/(\d+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match[1])


def checked(page: str, name: str) -> list[str]:
    """The values of the checked radio buttons or checkboxes named ``name``."""
    return re.findall(rf'name="{name}" value="([^"]*)" checked', page)


# Catalogue, course, lessons ------------------------------------------------------------------


def test_the_catalogue_lists_courses_and_programs(sign_in: SignIn, anna: User):
    page = text_of(sign_in(anna).get("/courses"))
    assert 'href="/courses/calm-calls">Calm calls</a>' in page
    assert 'href="/courses/follow-up">Follow-up calls</a>' in page
    assert "How to keep a hard call calm." in page
    assert f'href="/programs/{PROGRAM}">Line path</a>' in page and "2 levels" in page
    assert page.count("not started") == 2


def test_the_course_page_starts_with_the_pre_test(sign_in: SignIn, anna: User):
    page = text_of(sign_in(anna).get(f"/courses/{COURSE}"))
    assert "<h1>Calm calls</h1>" in page
    assert "pass score 60%" in page and "2 attempts" in page
    assert "Active listening → 2" in page
    assert f'action="/courses/{COURSE}/quiz/pre"' in page and "Take the pre-test" in page
    # Lessons are listed, not linked, while the pre-test is due.
    assert "<li>Welcome" in page and f"/courses/{COURSE}/lessons/" not in page


def test_a_lesson_before_the_pre_test_sends_back_to_the_course(sign_in: SignIn, anna: User):
    browser = sign_in(anna)
    response = browser.get(f"/courses/{COURSE}/lessons/01-welcome")
    assert response.status_code == 302 and response.headers["Location"] == f"/courses/{COURSE}"
    page = browser.get(f"/courses/{COURSE}")
    assert "Take the pre-test before the first lesson." in flashes(page)


def test_the_lesson_shows_the_live_article_to_those_who_may_read_it(
    sign_in: SignIn, in_app: InApp, anna: User, boris: User
):
    for learner in (anna, boris):
        in_app(lambda session, who=learner: take(who, "pre"))
    url = f"/courses/{COURSE}/lessons/02-words"
    page = text_of(sign_in(anna).get(url))
    assert "<h1>Calm words</h1>" in page and "Lesson 2 of 3" in page
    assert ARTICLE_TEXT in page and f'href="/kb/{ARTICLE}"' in page
    assert "Then try the words on your next call." in page
    assert "[[article:" not in page
    hidden = text_of(sign_in(boris).get(url))
    assert ARTICLE_TEXT not in hidden and f'href="/kb/{ARTICLE}"' not in hidden
    assert "it is not available to you" in hidden
    assert "Then try the words on your next call." in hidden

    # The lesson shows the article as it is now, not as it was when the course was synced.
    def publish(session: Any) -> None:
        article = session.scalar(select(Article).where(Article.slug == ARTICLE))
        data = ArticleData.from_revision(article, article.live_revision)
        data.body = "Now: name a date the customer can hold you to."
        editor = session.scalar(select(User).where(User.name == "Elena Editor"))
        save_revision(session, data, author=editor, action="publish", article=article)

    in_app(publish)
    page = text_of(sign_in(anna).get(url))
    assert "Now: name a date the customer can hold you to." in page
    assert ARTICLE_TEXT not in page


def test_done_leads_lesson_by_lesson_back_to_the_course(sign_in: SignIn, in_app: InApp, anna: User):
    in_app(lambda session: take(anna, "pre"))
    browser = sign_in(anna)
    base = f"/courses/{COURSE}/lessons"
    page = browser.get(f"{base}/01-welcome")
    assert "Done, next lesson" in html_of(page)
    response = browser.post(f"{base}/01-welcome/done", form_url=f"{base}/01-welcome")
    assert response.headers["Location"] == f"{base}/02-words"
    response = browser.post(f"{base}/02-words/done", form_url=f"{base}/02-words")
    assert response.headers["Location"] == f"{base}/03-wrap-up"
    assert "Done, back to the course" in html_of(browser.get(f"{base}/03-wrap-up"))
    response = browser.post(f"{base}/03-wrap-up/done", form_url=f"{base}/03-wrap-up")
    assert response.headers["Location"] == f"/courses/{COURSE}"
    page = browser.get(f"/courses/{COURSE}")
    assert "You have finished every lesson of this course." in flashes(page)
    assert f'action="/courses/{COURSE}/quiz/post"' in html_of(page)
    assert browser.get(f"{base}/04-nothing").status_code == 404


# A quiz from start to score ------------------------------------------------------------------


def test_a_quiz_is_started_saved_as_you_go_and_submitted(
    app: Flask, sign_in: SignIn, in_app: InApp, anna: User
):
    in_app(lambda session: (take(anna, "pre"), read_lessons(anna), take(anna, "post")))
    browser = sign_in(anna)
    course_page = f"/courses/{COURSE}"
    attempt_id = attempt_id_of(browser.post(f"/courses/{COURSE}/quiz/final", form_url=course_page))
    url = f"/attempts/{attempt_id}"
    page = text_of(browser.get(url))
    assert f'data-save-url="{url}/save"' in page and "js/quiz.js" in page
    assert page.count('class="question card') == 7

    saved = browser.post(f"{url}/save", {"q0": "0"}, form_url=url)
    assert saved.status_code == 200 and saved.get_json()["saved"] is True
    saved = browser.post(f"{url}/save", {"multi": "q1", "q1": "0", "q4": "4"}, form_url=url)
    assert saved.get_json()["saved"] is True

    def responses(session: Any) -> dict[int, Any]:
        found = session.scalars(
            select(AttemptResponse).where(AttemptResponse.attempt_id == attempt_id)
        )
        return {row.question_index: row.response for row in found}

    assert in_app(responses) == {0: 0, 1: [0], 4: "4"}
    # A reload shows every saved answer.
    page = html_of(browser.get(url))
    assert checked(page, "q0") == ["0"] and checked(page, "q1") == ["0"]
    assert 'name="q4" value="4"' in page
    # Starting again resumes the same attempt.
    again = browser.post(f"/courses/{COURSE}/quiz/final", form_url=course_page)
    assert attempt_id_of(again) == attempt_id

    response = browser.post(
        f"{url}/submit",
        {
            "multi": "q1", "q1": "0", "q2": "true", "q3": "paris",
            "q5-0": "meow", "q5-1": "woof", "q5-2": "moo", "q6": "",
        },
        form_url=url,
    )  # fmt: skip
    assert response.headers["Location"] == url
    result = browser.get(url)
    page = text_of(result)
    assert "Congratulations: you have completed the course." in flashes(result)
    # 5.5 of 7: the multiple answers half right, the essay left blank.
    assert "Score: 78.6%" in page and "5.5 of 7.0 marks" in page and "Passed." in page
    verdicts = re.findall(r"(Right|Partly right|Wrong)\s*\(([\d.]+) of ([\d.]+)\)", page)
    assert verdicts.count(("Right", "1.0", "1.0")) == 5
    assert ("Partly right", "0.5", "1.0") in verdicts and ("Wrong", "0.0", "1.0") in verdicts
    assert "Right, blue." in page and "Yes, a fruit." in page and "Four." in page
    assert "Submit answers" not in page and "js/quiz.js" not in page
    late = browser.post(f"{url}/save", {"q0": "1"}, form_url=url)
    assert late.status_code == 409 and "submitted" in late.get_json()["error"]
    assert in_app(responses)[0] == 0

    course_page_html = text_of(browser.get(course_page))
    assert "Completed on" in course_page_html and "Best score: 78.6%." in course_page_html


def test_another_persons_attempt_is_forbidden(
    sign_in: SignIn, in_app: InApp, anna: User, boris: User
):
    attempt_id = in_app(lambda session: start(anna, "pre").id)
    url = f"/attempts/{attempt_id}"
    other = sign_in(boris)
    assert other.get(url).status_code == 403
    token = other.token("/courses")
    assert (
        other.client.post(f"{url}/save", data={"csrf_token": token, "q0": "true"}).status_code
        == 403
    )
    assert (
        other.client.post(f"{url}/submit", data={"csrf_token": token, "q0": "true"}).status_code
        == 403
    )

    def state(session: Any) -> tuple[str, int]:
        attempt = session.get(QuizAttempt, attempt_id)
        return attempt.state, len(attempt.responses)

    assert in_app(state) == ("in_progress", 0)
    assert sign_in(anna).get(url).status_code == 200


def test_only_the_learners_mentor_grades_the_essay(
    sign_in: SignIn,
    in_app: InApp,
    anna: User,
    person: Callable[..., User],
    make_mentor: Callable[[User, User], None],
):
    mentor, stranger = person("mentor", name="Mila Mentor"), person("mentor", name="Oleg Other")
    make_mentor(mentor, anna)

    def pending(session: Any) -> int:
        state = finish_course(anna, essay=ESSAY_TEXT)
        attempt = state.attempts["final"][-1]
        assert attempt.state == "pending"
        return attempt.id

    attempt_id = in_app(pending)
    grade_url = f"/learning/grading/{attempt_id}"
    outsider = sign_in(stranger)
    assert outsider.get(grade_url).status_code == 403
    assert outsider.get(f"/attempts/{attempt_id}").status_code == 403
    token = outsider.token("/learning/grading")
    forbidden = outsider.client.post(
        grade_url, data={"csrf_token": token, "grade-6": "100", "comment-6": "Fine"}
    )
    assert forbidden.status_code == 403
    assert "No written answers are waiting" in text_of(outsider.get("/learning/grading"))

    browser = sign_in(mentor)
    listing = text_of(browser.get("/learning/grading"))
    assert "Anna Firstline" in listing and f'href="{grade_url}"' in listing
    page = text_of(browser.get(grade_url))
    assert ESSAY_TEXT in page and 'name="grade-6"' in page
    bad = browser.post(grade_url, {"grade-6": "120", "comment-6": ""})
    assert "Enter a grade from 0 to 100." in text_of(bad)
    response = browser.post(grade_url, {"grade-6": "50%", "comment-6": "Name a date."})
    assert response.headers["Location"] == "/learning/grading"
    assert "Grades saved: Anna Firstline's attempt is scored." in flashes(
        browser.get("/learning/grading")
    )

    def graded(session: Any) -> tuple[str, float, float]:
        attempt = session.get(QuizAttempt, attempt_id)
        essay = next(r for r in attempt.responses if r.question_index == 6)
        return attempt.state, attempt.score, essay.fraction

    assert in_app(graded) == ("graded", pytest.approx(92.86), 0.5)
    result = text_of(sign_in(anna).get(f"/attempts/{attempt_id}"))
    assert "Score: 92.9%" in result and "Mentor:</strong> Name a date." in result


# HR: assigning and the report ------------------------------------------------------------------


@pytest.fixture
def assigned(
    in_app: InApp,
    anna: User,
    boris: User,
    users: dict[str, User],
    today: date,
) -> dict[str, Any]:
    """Anna: Calm calls, due in a week; Boris: the same, overdue; Anna: Follow-up, done."""
    due = today + timedelta(days=7)

    def write(session: Any) -> None:
        hr = me(users["hr"])
        calm = services.course_by_slug(session, COURSE)
        second = services.course_by_slug(session, SECOND)
        people = [me(anna), me(boris)]
        assignments.assign(session, hr, calm, people, due_on=due, today=today, now=utcnow())
        assignments.assign(session, hr, second, [me(anna)], due_on=due, today=today, now=utcnow())
        late = session.scalar(
            select(Assignment).where(
                Assignment.user_id == boris.id, Assignment.course_id == calm.id
            )
        )
        late.due_on = today - timedelta(days=3)
        finish_course(anna, SECOND)

    in_app(write)
    return {"due": due, "late": today - timedelta(days=3)}


def test_the_report_counts_by_department_and_course(
    login_as: Callable[[str], Browser], assigned: dict[str, Any]
):
    page = text_of(login_as("hr").get("/learning/report"))
    rows = re.findall(
        r"<tr><td>([^<]+)</td><td>(\d+)</td><td>(\d+)</td><td>(?:<span[^>]*>)?(\d+)", page
    )
    assert ("First line", "2", "1", "0") in rows
    assert ("Second line", "1", "0", "1") in rows
    assert ("Calm calls", "2", "0", "1") in rows
    assert ("Follow-up calls", "1", "1", "0") in rows
    overdue = page[page.index('id="h-overdue"') :]
    assert "Boris Secondline" in overdue and "Anna Firstline" not in overdue
    assert 'href="/learning/report.csv"' in page and 'href="/learning/report.xlsx"' in page


def test_the_csv_export_has_a_row_per_assignment(
    login_as: Callable[[str], Browser], assigned: dict[str, Any], boris: User, today: date
):
    response = login_as("hr").get("/learning/report.csv")
    assert response.mimetype == "text/csv"
    assert "training-completion.csv" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")  # Excel reads UTF-8 with its BOM
    table = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert table[0] == [
        "Email", "Name", "Department", "Course or program", "Assigned", "Due", "Completed",
        "Status",
    ]  # fmt: skip
    assert len(table) == 4
    assert [
        boris.email, "Boris Secondline", "Second line", "Calm calls", today.isoformat(),
        assigned["late"].isoformat(), "", "overdue",
    ] in table  # fmt: skip
    done = next(row for row in table if row[3] == "Follow-up calls")
    assert (done[1], done[6], done[7]) == ("Anna Firstline", today.isoformat(), "done")


def test_the_xlsx_export_has_assignments_and_both_summaries(
    login_as: Callable[[str], Browser], assigned: dict[str, Any], anna: User
):
    response = login_as("hr").get("/learning/report.xlsx")
    assert response.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(response.get_data()))
    assert book.sheetnames == ["Assignments", "Departments", "Courses"]
    sheet = [list(row) for row in book["Assignments"].iter_rows(values_only=True)]
    assert sheet[0][:4] == ["Email", "Name", "Department", "Course or program"]
    anna_calm = next(r for r in sheet if r[0] == anna.email and r[3] == "Calm calls")
    assert anna_calm[5].date() == assigned["due"] and anna_calm[7] == "assigned"
    courses = [list(row) for row in book["Courses"].iter_rows(values_only=True)]
    assert ["Follow-up calls", 1, 1, 0, 100] in courses
    departments = [list(row) for row in book["Departments"].iter_rows(values_only=True)]
    assert ["Second line", 1, 0, 1, 0] in departments


def test_hr_assigns_a_course_to_a_department(
    app: Flask,
    login_as: Callable[[str], Browser],
    in_app: InApp,
    person: Callable[..., User],
    anna: User,
    line1: Department,
    today: date,
):
    person(department=line1, name="Alla Firstline")
    calm_id = in_app(lambda session: services.course_by_slug(session, COURSE).id)
    browser = login_as("hr")
    form = text_of(browser.get("/learning/assign"))
    assert f'value="course:{calm_id}"' in form and "Program: Line path" in form
    assert 'name="department"' in form
    due = today + timedelta(days=10)
    data = {
        "target": f"course:{calm_id}",
        "department": str(line1.id),
        "position": "0",
        "due_on": due.isoformat(),
    }
    response = browser.post("/learning/assign", data)
    assert response.status_code == 302
    message = (
        "“Calm calls”: assigned to %d, due date changed for %d, already assigned to 0, "
        "already completed by 0."
    )
    assert message % (2, 0) in flashes(browser.get(response.headers["Location"]))
    again = browser.post(
        "/learning/assign", {**data, "due_on": (due + timedelta(days=1)).isoformat()}
    )
    assert message % (0, 2) in flashes(browser.get(again.headers["Location"]))

    def found(session: Any) -> list[tuple[str, date]]:
        return sorted(
            (a.user.name, a.due_on)
            for a in session.scalars(select(Assignment).where(Assignment.course_id == calm_id))
        )

    later = due + timedelta(days=1)
    assert in_app(found) == [("Alla Firstline", later), ("Anna Firstline", later)]
    past = browser.post("/learning/assign", {**data, "due_on": "2000-01-01"})
    assert past.status_code == 200 and "The due date is in the past." in text_of(past)
    assert in_app(found) == [("Alla Firstline", later), ("Anna Firstline", later)]


def test_a_mentor_may_not_assign_to_someone_else(
    sign_in: SignIn,
    in_app: InApp,
    person: Callable[..., User],
    anna: User,
    boris: User,
    make_mentor: Callable[[User, User], None],
):
    mentor = person("mentor", name="Mila Mentor")
    make_mentor(mentor, anna)
    calm_id = in_app(lambda session: services.course_by_slug(session, COURSE).id)
    browser = sign_in(mentor)
    form = text_of(browser.get("/learning/assign"))
    assert "Anna Firstline" in form and "Boris Secondline" not in form
    assert 'name="department"' not in form
    response = browser.post(
        "/learning/assign", {"target": f"course:{calm_id}", "users": [str(boris.id)]}
    )
    assert response.status_code == 403
    ok = browser.post("/learning/assign", {"target": f"course:{calm_id}", "users": [str(anna.id)]})
    assert ok.status_code == 302
    assert in_app(lambda session: [a.user_id for a in session.scalars(select(Assignment))]) == [
        anna.id
    ]


@pytest.mark.parametrize(
    "url",
    [
        "/learning/report",
        "/learning/report.csv",
        "/learning/report.xlsx",
        "/learning/assign",
        "/learning/grading",
    ],
)
def test_an_agent_may_not_open_training_administration(
    login_as: Callable[[str], Browser], assigned: dict[str, Any], url: str
):
    response = login_as("agent").get(url)
    assert response.status_code == 403
    assert "Boris Secondline" not in response.get_data(as_text=True)


def test_a_mentor_may_not_open_the_report(login_as: Callable[[str], Browser]):
    assert login_as("mentor").get("/learning/report").status_code == 403
    assert login_as("hr").get("/learning/report").status_code == 200


def test_my_learning_page_shows_assignments_and_badges(
    sign_in: SignIn, in_app: InApp, anna: User, assigned: dict[str, Any]
):
    in_app(lambda session: finish_course(anna))
    page = text_of(sign_in(anna).get("/learning"))
    done = page[page.index('id="h-done"') :]
    assert "Calm calls" in done and "Follow-up calls" in done
    assert "Calm voice" in page and "Follow-up master" in page  # both levels earned


def test_the_program_page_shows_levels_and_locks(sign_in: SignIn, in_app: InApp, anna: User):
    browser = sign_in(anna)
    page = text_of(browser.get(f"/programs/{PROGRAM}"))
    assert "Badge for this level: Calm voice · 0%" in page
    assert "Finish the level before it to unlock this one." in page
    in_app(lambda session: finish_course(anna))
    page = text_of(browser.get(f"/programs/{PROGRAM}"))
    assert re.search(r'class="card level level-done">\s*<h2>Level 1</h2>', page)
    assert re.search(r"Calm voice</span> earned on", page)
    assert "Badge for this level: Follow-up master · 0%" in page
    levels = page[page.index('<ol class="program-levels">') :]
    assert "locked" not in levels
    assert browser.get("/programs/nothing").status_code == 404


# Query counts -------------------------------------------------------------------------------


def add_learning(
    in_app: InApp, user: User, hr: User, start_at: int, stop: int, today: date
) -> None:
    """Courses ``start_at``..``stop`` assigned to ``user``: a third started, a third overdue."""

    def write(session: Any) -> None:
        for n in range(start_at, stop):
            extra = Course(slug=f"extra-{n}", title=f"Extra course {n:03d}")
            session.add(extra)
            session.flush()
            overdue = n % 3 == 1
            session.add(
                Assignment(
                    user_id=user.id,
                    course_id=extra.id,
                    assigned_by_id=hr.id,
                    due_on=today - timedelta(days=1) if overdue else today + timedelta(days=n),
                )
            )
            if n % 3 == 0:
                session.add(Enrolment(user_id=user.id, course_id=extra.id, lessons_done=1))

    in_app(write)


def test_my_learning_query_count_does_not_grow_with_assignments(
    sign_in: SignIn,
    in_app: InApp,
    anna: User,
    users: dict[str, User],
    today: date,
    count_queries: Callable[[Callable[[], Any]], int],
):
    add_learning(in_app, anna, users["hr"], 0, 3, today)
    in_app(lambda session: finish_course(anna))  # a badge too
    browser = sign_in(anna)
    browser.get("/learning")
    few = count_queries(lambda: browser.get("/learning"))
    add_learning(in_app, anna, users["hr"], 3, 30, today)
    page = None

    def fetch() -> None:
        nonlocal page
        page = text_of(browser.get("/learning"))

    many = count_queries(fetch)
    assert "Extra course 029" in page and "Calm voice" in page
    assert many == few, (few, many)


def test_report_query_count_does_not_grow_with_assignments(
    login_as: Callable[[str], Browser],
    in_app: InApp,
    person: Callable[..., User],
    make_org: Callable[..., Any],
    users: dict[str, User],
    today: date,
    count_queries: Callable[[Callable[[], Any]], int],
):
    def add_people(start_at: int, stop: int) -> None:
        for n in range(start_at, stop):
            unit = make_org(Department, f"team{n % 7}", f"Team {n % 7}")
            learner = person(department=unit, name=f"Learner {n:03d}")
            add_learning(in_app, learner, users["hr"], n * 2, n * 2 + 2, today)

    add_people(0, 3)
    browser = login_as("hr")
    for url in ("/learning/report", "/learning/report.csv"):
        browser.get(url)
    few = {
        url: count_queries(lambda u=url: browser.get(u))
        for url in ("/learning/report", "/learning/report.csv", "/learning/report.xlsx")
    }
    add_people(3, 30)
    many = {url: count_queries(lambda u=url: browser.get(u)) for url in few}
    assert many == few
    page = text_of(browser.get("/learning/report"))
    assert "Learner 029" in page  # overdue: courses numbered 1 mod 3
    csv_rows = browser.get("/learning/report.csv").get_data(as_text=True).splitlines()
    assert len(csv_rows) == 1 + 60
