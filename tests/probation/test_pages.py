"""The probation pages through the test client: who sees which plan, items ticked and
confirmed, meeting notes, the attestation graded, signed and corrected, HR starting,
extending and ending plans, the overview and its XLSX export, the YAML editors, and query
counts that do not grow with the probations."""

from __future__ import annotations

import html
import io
import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import format_date
from openpyxl import load_workbook
from sqlalchemy import func, select

from lms.auth.models import Department, Position, User
from lms.courses.models import Assignment
from lms.extensions import db
from lms.models_base import utcnow
from lms.probation import attestation as attestations
from lms.probation import services
from lms.probation.models import (
    Attestation,
    AttestationVersion,
    MeetingNote,
    PlanTemplate,
    Probation,
    ProbationItem,
    Rubric,
)
from tests.conftest import Browser
from tests.courses.conftest import SECOND, course_id, me
from tests.probation.fixtures import PLAN, RUBRIC, RUBRIC_YML, item_of, plan_yml

Browse = Callable[[str], Browser]
InApp = Callable[[Callable[[Any], Any]], Any]

NOTE = {
    "observation": "Read the refund rules from memory.",
    "impact": "The customer got the wrong deadline.",
    "correction": "Open the article before answering.",
    "consolidation": "Next week: five refund chats together.",
}
FEEDBACK = {
    "observation": "Interrupted the customer twice on Tuesday's call.",
    "impact": "The customer repeated the question and got angry.",
    "correction": "Let the customer finish, then sum up.",
    "consolidation": "Three calls reviewed together next week.",
}
TIMELINE = [
    "Meet the mentor",
    "Calm words",
    "Calm calls",
    "Handle 20 chats",
    "Line path",
    "Attestation: Calm attestation",
]


# Browsers -----------------------------------------------------------------------------------


class OwnContextClient(FlaskClient):
    """A client whose every request runs in an app context of its own.

    The autouse ``ctx`` of tests/probation keeps one pushed for the fixtures; a request
    would otherwise reuse it, and with it ``g`` (the signed-in user) and the session."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def sign_in(app: Flask) -> Callable[[User], Browser]:
    def browser_for(user: User) -> Browser:
        browser = Browser(OwnContextClient(app, app.response_class, use_cookies=True))
        response = browser.login(user.email)
        assert response.status_code == 302, response.get_data(as_text=True)
        return browser

    return browser_for


@pytest.fixture
def browse(sign_in: Callable[[User], Browser], people: dict[str, User]) -> Browse:
    """``browse("mentor")``: a signed-in browser for one of ``people``."""
    return lambda who: sign_in(people[who])


@pytest.fixture
def start_for(
    in_app: InApp, template: PlanTemplate, people: dict[str, User], today: date
) -> Callable[..., Probation]:
    """``start_for(agent, mentor)``: a probation on the test plan, started today by HR."""

    def start(agent: User, mentor: User) -> Probation:
        def run(session: Any) -> Probation:
            return services.start_probation(
                session, me(agent), session.get(PlanTemplate, template.id), mentor=me(mentor),
                started_on=today, actor=me(people["hr"]), today=today, now=utcnow(),
            )  # fmt: skip

        return in_app(run)

    return start


@pytest.fixture
def finished(
    in_app: InApp, probation: Probation, people: dict[str, User], today: date
) -> Probation:
    """Anna's probation extended by 5 days, then passed: graded and signed."""

    def run(session: Any) -> None:
        hr, found = me(people["hr"]), session.get(Probation, probation.id)
        services.extend_probation(session, found, 5, reason="Holidays.", actor=hr)
        attestation = services.attestation_of(session, found)
        attestations.grade(
            session, attestation, me(people["mentor"]), {"listening": (3, ""), "accuracy": (3, "")},
            proposal="pass", feedback=FEEDBACK, now=utcnow(),
        )  # fmt: skip
        attestations.confirm(session, attestation, hr, today=today, now=utcnow())

    in_app(run)
    return probation


# Reading pages and the database -------------------------------------------------------------


def text_of(response: Any) -> str:
    return html.unescape(response.get_data(as_text=True))


def flashes(response: Any) -> list[str]:
    found = re.findall(r'<p class="flash[^"]*"[^>]*>(.*?)</p>', text_of(response), re.S)
    return [message.strip() for message in found]


def section(page: str, start: str, end: str = "</section>") -> str:
    """The part of ``page`` from ``start`` to the next ``end`` ("" when absent)."""
    begin = page.find(start)
    return "" if begin < 0 else page[begin : page.find(end, begin)]


def plain(fragment: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", fragment).split())


def rows(page: str, start: str) -> list[list[str]]:
    """The cells of the table in the section starting at ``start``, as plain text."""
    return [
        [plain(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", section(page, start), re.S)
    ]


def timeline(page: str) -> dict[str, tuple[str, str]]:
    """Each plan item's title: its due date as shown and its status badge."""
    found = re.findall(
        r'<span class="due">([^<]*)</span>\s*<span class="what">(.*?)<span class="muted">'
        r'.*?<span class="badge[^"]*">([^<]*)</span>',
        page,
        re.S,
    )
    return {plain(what): (due, status) for due, what, status in found}


def option(form: str, name: str, label: str) -> str:
    """The value of the option ``label`` of the select ``name``."""
    select_html = section(form, f'name="{name}"', "</select>")
    match = re.search(rf'<option value="(\d+)">{re.escape(label)}</option>', select_html)
    assert match, (name, label, select_html)
    return match[1]


def medium(day: date) -> str:
    return format_date(day, "medium")


def fresh(model: type, id_: int) -> Any:
    """The row as the database holds it now (the pages commit through sessions of their own)."""
    db.session.expire_all()
    return db.session.get(model, id_)


def count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def versions(attestation: Attestation) -> list[tuple[int, str, bool, str]]:
    found = fresh(Attestation, attestation.id)
    return [(v.number, v.proposal, v.signed, v.replaces_reason) for v in found.versions]


def grading(listening: int, accuracy: int, proposal: str, **extra: str) -> dict[str, str]:
    return {
        "level-listening": str(listening),
        "comment-listening": "Listens to the end.",
        "level-accuracy": str(accuracy),
        "comment-accuracy": "Checks the base.",
        "proposal": proposal,
        **FEEDBACK,
        **extra,
    }


# Who sees what ------------------------------------------------------------------------------


def test_the_agent_sees_their_plan_mentor_and_rubric(browse: Browse, probation: Probation):
    page = text_of(browse("agent").get("/probation"))
    assert "<h1>Line-1 probation</h1>" in page
    assert "Mentor: Maria Mentor" in page
    shown = timeline(page)
    assert list(shown) == TIMELINE
    assert {title: due for title, (due, _status) in shown.items()} == {
        item.title: medium(item.due_on) for item in probation.items
    }
    assert shown["Meet the mentor"][1] == "due this week"
    assert shown["Handle 20 chats"][1] == "later"
    # The rubric is known before the attestation: criteria, weights, every level.
    assert rows(page, 'id="attestation"') == [
        ["Criterion", "Weight", "Levels"],
        ["Listening", "2", "1 (0 points): Interrupts the customer. 2 (1 point): Listens to the "
         "end. 3 (2 points): Asks and sums up. 4 (3 points): Leads the call."],
        ["Accuracy", "1", "1 (0 points): A critical mistake. 2 (1 point): Vague answers. "
         "3 (2 points): Answers by the knowledge base. 4 (3 points): Right the first time."],
    ]  # fmt: skip
    assert "Result:" not in page and "Grade the attestation" not in page


def test_a_person_without_a_probation_is_told_so(browse: Browse, probation: Probation):
    page = text_of(browse("other_agent").get("/probation"))
    assert "You have no probation plan." in page and "Line-1 probation" not in page


def test_an_agent_gets_403_on_another_persons_plan(browse: Browse, probation: Probation):
    response = browse("other_agent").get(f"/probation/{probation.id}")
    assert response.status_code == 403
    assert "Line-1 probation" not in text_of(response)


@pytest.mark.parametrize(
    ("url", "content"),
    [
        ("/probation/mentees", "Mentees on probation"),
        ("/probation/all", "Start a probation"),
        ("/probation/all.xlsx", "By mentor"),
        (f"/probation/rubrics/{RUBRIC}", "min_total"),
        (f"/probation/templates/{PLAN}", "duration_days"),
        ("/probation/{id}/attestation", "Save the grading"),
    ],
)
def test_an_agent_gets_403_on_mentor_and_hr_pages(
    browse: Browse, probation: Probation, url: str, content: str
):
    response = browse("agent").get(url.format(id=probation.id))
    assert response.status_code == 403
    assert content not in text_of(response)


def snapshot(probation: Probation) -> dict[str, Any]:
    """What the mentor and HR actions change."""
    found = fresh(Probation, probation.id)
    rubric = db.session.scalar(select(Rubric).where(Rubric.slug == RUBRIC))
    return {
        "probation": (found.ends_on, found.state, len(found.events)),
        "counts": [count(model) for model in (Probation, AttestationVersion, MeetingNote)],
        "rubric": (rubric.source, rubric.edited_in_app),
    }


def test_an_agent_cannot_post_mentor_or_hr_actions(
    browse: Browse, probation: Probation, attestation: Attestation, people: dict[str, User]
):
    agent, url = browse("agent"), f"/probation/{probation.id}"
    before = snapshot(probation)
    posts = {
        f"{url}/attestation": grading(4, 4, "pass"),
        f"{url}/attestation/confirm": {},
        f"{url}/notes": NOTE,
        f"{url}/change": {"action": "extend", "days": "30", "reason": "I want more time."},
        "/probation/start": {
            "user": people["other_agent"].id,
            "mentor": people["agent"].id,
            "template": probation.template_id,
            "started_on": date.today().isoformat(),
        },
        f"/probation/rubrics/{RUBRIC}": {"source": RUBRIC_YML.replace(": 6", ": 0")},
    }
    for target, data in posts.items():
        assert agent.post(target, data, form_url="/probation").status_code == 403, target
    assert snapshot(probation) == before


def test_a_mentor_sees_their_mentees_plan_and_list(
    browse: Browse, probation: Probation, attestation: Attestation
):
    mentor, url = browse("mentor"), f"/probation/{probation.id}"
    page = text_of(mentor.get(url))
    assert "<h1>Line-1 probation: Anna Agent</h1>" in page
    assert list(timeline(page)) == TIMELINE
    assert f'href="{url}/attestation">Grade the attestation</a>' in page
    assert f'action="{url}/notes"' in page
    assert 'id="h-hr"' not in page  # HR's section
    listed = rows(text_of(mentor.get("/probation/mentees")), "<table")
    assert listed[1:] == [
        ["Anna Agent", "2 of 30", "Week one", "0%", medium(attestation.scheduled_on), "none"]
    ]


def test_a_mentor_gets_403_on_another_mentors_mentee_and_on_hr_pages(
    browse: Browse, probation: Probation, attestation: Attestation
):
    other, url = browse("other_mentor"), f"/probation/{probation.id}"
    for target in (url, f"{url}/attestation", "/probation/all"):
        response = other.get(target)
        assert response.status_code == 403, target
        assert "Anna Agent" not in text_of(response)
    response = other.post(f"{url}/attestation", grading(3, 3, "pass"), form_url="/probation")
    assert response.status_code == 403
    assert versions(attestation) == []
    page = text_of(other.get("/probation/mentees"))
    assert "None of your mentees is on probation now." in page and "Anna Agent" not in page


def test_hr_sees_every_plan_with_its_log(
    browse: Browse, probation: Probation, start_for: Callable[..., Probation],
    people: dict[str, User],
):  # fmt: skip
    oleg = start_for(people["other_agent"], people["other_mentor"])
    hr = browse("hr")
    page = text_of(hr.get(f"/probation/{probation.id}"))
    assert "<h1>Line-1 probation: Anna Agent</h1>" in page
    assert 'name="action" value="extend"' in page
    assert "Helen HR · started" in section(page, 'id="h-hr"')
    assert "<h1>Line-1 probation: Oleg Other</h1>" in text_of(hr.get(f"/probation/{oleg.id}"))
    mentees = text_of(hr.get("/probation/mentees"))
    assert [row[0] for row in rows(mentees, "<table")[1:]] == [
        "Anna Agent Maria Mentor",
        "Oleg Other Pavel Mentor",
    ]
    overview = text_of(hr.get("/probation/all"))
    assert [row[0] for row in rows(overview, 'id="h-list"')[1:]] == ["Oleg Other", "Anna Agent"]


# Plan items ---------------------------------------------------------------------------------


def test_the_agent_ticks_a_task_and_the_mentor_confirms_it(
    browse: Browse, probation: Probation, people: dict[str, User]
):
    task = item_of(probation, "task")
    agent, url = browse("agent"), f"/probation/{probation.id}"
    response = agent.post(f"/probation/items/{task.id}/tick", form_url="/probation")
    assert response.headers["Location"] == "/probation"
    page = text_of(agent.get("/probation"))
    assert timeline(page)["Handle 20 chats"][1] == "waiting for the mentor"
    assert f'action="/probation/items/{task.id}/tick"' not in page
    ticked = fresh(ProbationItem, task.id)
    assert ticked.ticked_at is not None and ticked.completed_at is None

    # The agent cannot confirm their own task.
    agent.post(f"/probation/items/{task.id}/confirm", form_url="/probation")
    refused = flashes(agent.get("/probation"))
    assert refused == ["Only the mentor of this probation confirms its items."]
    assert fresh(ProbationItem, task.id).completed_at is None

    mentor = browse("mentor")
    response = mentor.post(f"/probation/items/{task.id}/confirm", form_url=url)
    assert response.headers["Location"] == url
    assert timeline(text_of(mentor.get(url)))["Handle 20 chats"][1] == "done"
    done = fresh(ProbationItem, task.id)
    assert done.completed_at is not None and done.completed_by_id == people["mentor"].id
    assert timeline(text_of(agent.get("/probation")))["Handle 20 chats"][1] == "done"
    log = section(text_of(browse("hr").get(url)), 'id="h-hr"')
    assert "Anna Agent · marked done by the agent: Handle 20 chats" in log
    assert "Maria Mentor · confirmed by the mentor: Handle 20 chats" in log


def test_the_agent_confirms_an_article_read_from_its_page(
    browse: Browse, probation: Probation, people: dict[str, User]
):
    article = item_of(probation, "article")
    agent = browse("agent")
    assert "Open the article and confirm it there." in text_of(agent.get("/probation"))
    article_page = agent.get(f"/kb/{article.target}").get_data(as_text=True)
    assert "This article is in your probation plan" in article_page
    assert f'action="/probation/items/{article.id}/read"' in article_page
    response = agent.post(f"/probation/items/{article.id}/read", form_url=f"/kb/{article.target}")
    assert response.headers["Location"] == "/probation"
    page = text_of(agent.get("/probation"))
    assert timeline(page)["Calm words"][1] == "done"
    assert "1 of 6 done" in page
    read = fresh(ProbationItem, article.id)
    assert read.completed_at is not None and read.completed_by_id == people["agent"].id
    log = section(text_of(browse("hr").get(f"/probation/{probation.id}")), 'id="h-hr"')
    assert "Anna Agent · confirmed as read: Calm words" in log
    assert "in your probation plan" not in agent.get(f"/kb/{article.target}").get_data(as_text=True)


def test_another_agent_cannot_tick_the_plan(browse: Browse, probation: Probation):
    task = item_of(probation, "task")
    events = len(probation.events)
    response = browse("other_agent").post(f"/probation/items/{task.id}/tick", form_url="/probation")
    assert response.status_code == 403
    assert fresh(ProbationItem, task.id).ticked_at is None
    assert len(fresh(Probation, probation.id).events) == events


# Meeting notes ------------------------------------------------------------------------------


def test_the_mentor_writes_a_note_with_homework_and_the_mentee_acknowledges_it(
    browse: Browse, probation: Probation, people: dict[str, User], today: date
):
    mentor, url = browse("mentor"), f"/probation/{probation.id}"
    homework, due = course_id(SECOND), today + timedelta(days=10)
    assert f'<option value="{homework}">Follow-up calls</option>' in text_of(mentor.get(url))
    data = {**NOTE, "held_on": today.isoformat(), "homework": homework, "homework_due": due}
    response = mentor.post(f"{url}/notes", data, form_url=url)
    assert response.headers["Location"] == f"{url}#notes"
    page = mentor.get(url)
    assert "The note is saved; Anna Agent can read and acknowledge it." in flashes(page)
    notes = section(text_of(page), 'id="notes"')
    assert all(text in notes for text in NOTE.values())
    assert "Not acknowledged yet" in notes

    note = db.session.scalars(select(MeetingNote)).one()
    assert (note.mentor_id, note.mentee_id, note.probation_id, note.held_on) == (
        people["mentor"].id, people["agent"].id, probation.id, today,
    )  # fmt: skip
    assert note.homework_course_id == homework and note.acknowledged_at is None
    assignment = db.session.scalar(
        select(Assignment).where(
            Assignment.user_id == people["agent"].id, Assignment.course_id == homework
        )
    )
    assert assignment is not None
    assert (assignment.due_on, assignment.assigned_by_id) == (due, people["mentor"].id)

    # Only the mentee acknowledges it.
    acknowledge = f"/probation/notes/{note.id}/acknowledge"
    assert browse("other_agent").post(acknowledge, form_url="/probation").status_code == 403
    assert fresh(MeetingNote, note.id).acknowledged_at is None
    agent = browse("agent")
    assert f'action="{acknowledge}"' in text_of(agent.get("/probation"))
    response = agent.post(acknowledge, form_url="/probation")
    assert response.headers["Location"] == "/probation#notes"
    assert fresh(MeetingNote, note.id).acknowledged_at is not None
    notes = section(text_of(agent.get("/probation")), 'id="notes"')
    assert "Acknowledged on" in notes and f'action="{acknowledge}"' not in notes


def test_a_note_missing_a_step_is_refused_and_nothing_is_saved(
    browse: Browse, probation: Probation, today: date
):
    mentor, url = browse("mentor"), f"/probation/{probation.id}"
    assigned = count(Assignment)
    data = {**NOTE, "impact": "  ", "homework": course_id(SECOND), "homework_due": today}
    response = mentor.post(f"{url}/notes", data, form_url=url)
    assert response.headers["Location"] == f"{url}#notes"
    page = mentor.get(url)
    assert "Fill in every step of the feedback." in flashes(page)
    assert "No meeting notes yet." in text_of(page)
    assert (count(MeetingNote), count(Assignment)) == (0, assigned)


# Attestation --------------------------------------------------------------------------------


def test_a_proposal_against_the_rule_needs_a_justification(
    browse: Browse, probation: Probation, attestation: Attestation
):
    mentor, url = browse("mentor"), f"/probation/{probation.id}/attestation"
    response = mentor.post(url, grading(2, 2, "pass"), form_url=url)
    assert response.status_code == 422
    page = text_of(response)
    assert "The rubric's rule gives “fail”: justify proposing something else." in page
    assert 'name="level-listening" value="2" checked' in page  # what was typed stays
    assert FEEDBACK["impact"] in page
    assert versions(attestation) == []

    reason = "Strong last month after a slow start."
    response = mentor.post(url, grading(2, 2, "pass", override_reason=reason), form_url=url)
    assert response.status_code == 302
    saved = fresh(Attestation, attestation.id).versions
    assert [(v.proposal, v.rule_outcome, v.override_reason) for v in saved] == [
        ("pass", "fail", reason)
    ]


@pytest.mark.parametrize(
    ("levels", "proposal", "state", "total"),
    [((3, 3), "pass", "passed", "6.0"), ((2, 2), "fail", "failed", "3.0")],
)
def test_a_grading_waits_for_hr_whose_confirmation_ends_the_probation(
    browse: Browse, probation: Probation, attestation: Attestation, people: dict[str, User],
    today: date, levels: tuple[int, int], proposal: str, state: str, total: str,
):  # fmt: skip
    mentor, url = browse("mentor"), f"/probation/{probation.id}"
    response = mentor.post(f"{url}/attestation", grading(*levels, proposal), form_url=url)
    assert response.headers["Location"] == f"{url}#attestation"
    page = mentor.get(url)
    assert "The grading is saved; HR confirms it." in flashes(page)
    assert f"Version 1: {proposal}, total {total} (waiting for HR)" in text_of(page)
    assert versions(attestation) == [(1, proposal, False, "")]
    assert "Result:" not in text_of(browse("agent").get("/probation"))

    hr = browse("hr")
    page = text_of(hr.get(url))
    assert f"The mentor proposes: {proposal} (the rule gives {proposal})." in page
    response = hr.post(f"{url}/attestation/confirm", form_url=url)
    assert response.headers["Location"] == f"{url}#attestation"
    assert "The attestation is confirmed and signed." in flashes(hr.get(url))
    found = fresh(Probation, probation.id)
    assert (found.state, found.ended_on) == (state, today)
    assert versions(attestation) == [(1, proposal, True, "")]

    page = text_of(browse("agent").get("/probation"))
    assert f"Result: {proposal}" in page and "signed by Helen HR" in page
    assert FEEDBACK["consolidation"] in section(page, 'id="attestation"')
    assert f'<td><strong>{levels[0]}</strong><br><span class="muted">Listens to the end.' in page


def test_a_signed_attestation_is_corrected_by_a_new_version(
    browse: Browse, probation: Probation, attestation: Attestation
):
    mentor, hr = browse("mentor"), browse("hr")
    url, grade_url = f"/probation/{probation.id}", f"/probation/{probation.id}/attestation"
    mentor.post(grade_url, grading(3, 3, "pass"), form_url=grade_url)
    hr.post(f"{url}/attestation/confirm", form_url=url)
    assert versions(attestation) == [(1, "pass", True, "")]
    assert "The attestation is signed." in text_of(mentor.get(grade_url))

    response = mentor.post(grade_url, grading(2, 2, "fail"), form_url=grade_url)
    assert response.status_code == 422
    assert "The attestation is signed: say why it is corrected." in text_of(response)
    assert versions(attestation) == [(1, "pass", True, "")]
    kept = fresh(Attestation, attestation.id).versions[0]
    assert kept.grades["listening"]["level"] == 3

    reason = "The calls were listened to again."
    response = mentor.post(
        grade_url, grading(2, 2, "fail", correction_reason=reason), form_url=grade_url
    )
    assert response.headers["Location"] == f"{url}#attestation"
    assert versions(attestation) == [(1, "pass", True, ""), (2, "fail", False, reason)]
    page = text_of(mentor.get(url))
    assert (
        "Version 1: pass, total 6.0 (signed); "
        f"Version 2: fail, total 3.0 (waiting for HR) — correction: {reason}"
    ) in page
    assert "Result: pass" in page  # the signed version counts until HR signs the correction

    hr.post(f"{url}/attestation/confirm", form_url=url)
    assert fresh(Probation, probation.id).state == "failed"
    page = text_of(browse("agent").get("/probation"))
    assert "Result: fail" in page and "Version 1: pass, total 6.0 (signed)" in page


# HR: starting, extending, ending ------------------------------------------------------------


def test_hr_starts_a_probation_from_the_overview_form(
    browse: Browse, probation: Probation, people: dict[str, User], today: date
):
    hr = browse("hr")
    form = section(text_of(hr.get("/probation/all")), 'action="/probation/start"', "</form>")
    assert "Oleg Other" not in section(form, 'name="mentor"', "</select>")  # mentors only
    data = {
        "user": option(form, "user", "Oleg Other"),
        "template": option(form, "template", "Line-1 probation (Line-1 agent)"),
        "mentor": option(form, "mentor", "Pavel Mentor"),
        "started_on": today.isoformat(),
    }
    response = hr.post("/probation/start", data, form_url="/probation/all")
    started = db.session.scalar(
        select(Probation).where(Probation.user_id == people["other_agent"].id)
    )
    assert started is not None
    assert response.headers["Location"] == f"/probation/{started.id}"
    assert (started.mentor_id, started.started_on, started.ends_on, started.state) == (
        people["other_mentor"].id, today, today + timedelta(days=29), "active",
    )  # fmt: skip
    assert [(item.title, (item.due_on - today).days) for item in started.items] == list(
        zip(TIMELINE, [1, 2, 6, 19, 24, 27], strict=True)
    )
    page = hr.get(response.headers["Location"])
    assert "Probation started for Oleg Other." in flashes(page)
    assert "<h1>Line-1 probation: Oleg Other</h1>" in text_of(page)

    # A second probation for someone already on one is refused.
    data["user"] = option(form, "user", "Anna Agent")
    response = hr.post("/probation/start", data, form_url="/probation/all")
    assert response.headers["Location"] == "/probation/all"
    assert "Anna Agent is already on probation." in flashes(hr.get("/probation/all"))
    assert count(Probation) == 2


def test_hr_extends_a_probation_with_a_reason(
    browse: Browse, probation: Probation, attestation: Attestation
):
    hr, url = browse("hr"), f"/probation/{probation.id}"
    ends_on, scheduled_on = probation.ends_on, attestation.scheduled_on
    response = hr.post(f"{url}/change", {"action": "extend", "days": "10"}, form_url=url)
    assert response.headers["Location"] == url
    assert "Say why the probation is extended." in flashes(hr.get(url))
    assert fresh(Probation, probation.id).ends_on == ends_on

    data = {"action": "extend", "days": "10", "reason": "Two weeks of sick leave."}
    hr.post(f"{url}/change", data, form_url=url)
    assert fresh(Probation, probation.id).ends_on == ends_on + timedelta(days=10)
    assert fresh(Attestation, attestation.id).scheduled_on == scheduled_on + timedelta(days=10)
    page = hr.get(url)
    assert "Saved; the change is in the probation's log." in flashes(page)
    page = text_of(page)
    assert f"– {medium(ends_on + timedelta(days=10))}" in page
    assert "Helen HR · extended: +10 — Two weeks of sick leave." in section(page, 'id="h-hr"')


def test_ending_a_probation_early_needs_a_reason(browse: Browse, probation: Probation, today: date):
    hr, url = browse("hr"), f"/probation/{probation.id}"
    hr.post(f"{url}/change", {"action": "end", "reason": " "}, form_url=url)
    assert "Say why the probation ends early." in flashes(hr.get(url))
    assert fresh(Probation, probation.id).state == "active"

    hr.post(f"{url}/change", {"action": "end", "reason": "Left the company."}, form_url=url)
    found = fresh(Probation, probation.id)
    assert (found.state, found.ended_on) == ("ended", today)
    page = text_of(hr.get(url))
    assert '<span class="badge badge-warn">ended early</span>' in page
    assert "Helen HR · ended early — Left the company." in section(page, 'id="h-hr"')
    assert 'name="action" value="extend"' not in page


def test_the_overview_lists_probations_and_outcomes(
    browse: Browse, finished: Probation, start_for: Callable[..., Probation],
    people: dict[str, User], today: date,
):  # fmt: skip
    oleg = start_for(people["other_agent"], people["other_mentor"])
    page = text_of(browse("hr").get("/probation/all"))
    assert rows(page, 'id="h-list"') == [
        ["Person", "Mentor", "State", "Stage", "Progress", "Overdue", "Ends"],
        ["Oleg Other", "Pavel Mentor", "in progress", "Week one", "0%", "0", medium(oleg.ends_on)],
        ["Anna Agent", "Maria Mentor", "passed", "—", "17%", "—", medium(today)],
    ]
    month = today.strftime("%Y-%m")
    assert rows(page, 'id="h-month"') == [
        ["Month", "Passed", "Not passed", "Extended"],
        [month, "1", "0", "1"],
    ]
    assert rows(page, 'id="h-mentor"') == [
        ["Mentor", "Passed", "Not passed", "Pass rate", "Extended"],
        ["Maria Mentor", "1", "0", "100%", "1"],
    ]
    upcoming = section(page, 'id="h-upcoming"')
    assert "Oleg Other" in upcoming and "Anna Agent" not in upcoming


def test_the_overview_exports_to_xlsx(
    browse: Browse, finished: Probation, people: dict[str, User], today: date
):
    response = browse("hr").get("/probation/all.xlsx")
    assert response.headers["Content-Disposition"] == "attachment; filename=probations.xlsx"
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Probations", "By month", "By mentor"]
    sheet = [list(row) for row in book["Probations"].iter_rows(values_only=True)]
    assert sheet[0] == [
        "Email", "Name", "Department", "Mentor", "State", "Start date", "Ends", "Stage",
        "Progress, %", "Overdue", "Attestation",
    ]  # fmt: skip
    row = next(row for row in sheet[1:] if row[0] == people["agent"].email)
    expected = ["Anna Agent", "First line", "Maria Mentor", "passed", "Week one", 17, 0]
    assert row[1:5] + row[7:10] == expected
    attestation_on = finished.started_on + timedelta(days=27 + 5)  # day 28, extended by 5
    assert [value.date() for value in (row[5], row[6], row[10])] == [
        finished.started_on,
        today,
        attestation_on,
    ]
    month = today.strftime("%Y-%m")
    assert list(book["By month"].iter_rows(values_only=True)) == [
        ("Month", "Passed", "Not passed", "Extended"),
        (month, 1, 0, 1),
    ]
    assert list(book["By mentor"].iter_rows(values_only=True)) == [
        ("Mentor", "Passed", "Not passed", "Extended"),
        ("Maria Mentor", 1, 0, 1),
    ]


# HR: the YAML editors -----------------------------------------------------------------------


def rubric_row() -> Rubric:
    db.session.expire_all()
    return db.session.scalars(select(Rubric).where(Rubric.slug == RUBRIC)).one()


def test_hr_edits_a_rubric_and_broken_yaml_saves_nothing(browse: Browse, probation: Probation):
    hr, url = browse("hr"), f"/probation/rubrics/{RUBRIC}"
    page = text_of(hr.get(url))
    assert f"<h1>Rubric: {RUBRIC}</h1>" in page and RUBRIC_YML in page

    broken = RUBRIC_YML.replace("    weight: 2\n", "    weight: [2\n")
    response = hr.post(url, {"source": broken}, form_url=url)
    assert response.status_code == 422
    page = text_of(response)
    assert "Nothing was saved. Correct these lines:" in page
    problems = re.findall(r"<li>(.*?)</li>", section(page, 'id="problems"', "</div>"))
    assert problems and problems[0].startswith(f"rubrics/{RUBRIC}.yml, line ")
    assert broken in page  # the text stays in the editor
    unchanged = rubric_row()
    assert (unchanged.source, unchanged.title, unchanged.edited_in_app) == (
        RUBRIC_YML, "Calm attestation", False,
    )  # fmt: skip

    edited = RUBRIC_YML.replace("title: Calm attestation", "title: Calm attestation, 2026")
    response = hr.post(url, {"source": edited}, form_url=url)
    assert response.headers["Location"] == "/probation/all"
    saved = rubric_row()
    assert (saved.source, saved.title, saved.edited_in_app) == (
        edited, "Calm attestation, 2026", True,
    )  # fmt: skip
    page = hr.get("/probation/all")
    assert any(message.startswith("Saved.") for message in flashes(page))
    assert 'Calm attestation, 2026</a> <span class="muted">rubric, edited in the app' in text_of(
        page
    )


def test_a_rubric_problem_names_its_line(browse: Browse, probation: Probation):
    hr, url = browse("hr"), f"/probation/rubrics/{RUBRIC}"
    broken = RUBRIC_YML.replace("min_total: 6", "min_total: many")
    response = hr.post(url, {"source": broken}, form_url=url)
    assert response.status_code == 422
    problems = re.findall(r"<li>(.*?)</li>", section(text_of(response), 'id="problems"', "</div>"))
    line = RUBRIC_YML.splitlines().index("  min_total: 6") + 1
    assert problems and all(f"rubrics/{RUBRIC}.yml, line {line}" in p for p in problems)
    assert rubric_row().source == RUBRIC_YML


def test_a_plan_template_naming_a_missing_course_is_refused(browse: Browse, probation: Probation):
    hr, url = browse("hr"), f"/probation/templates/{PLAN}"
    assert "<h1>Plan template: line1-agent</h1>" in text_of(hr.get(url))
    response = hr.post(url, {"source": plan_yml(course="no-such-course")}, form_url=url)
    assert response.status_code == 422
    assert f"probation/{PLAN}.yml: there is no course “no-such-course”." in text_of(response)
    db.session.expire_all()
    kept = db.session.scalars(select(PlanTemplate).where(PlanTemplate.slug == PLAN)).one()
    assert (kept.source, kept.edited_in_app) == (plan_yml(), False)


@pytest.mark.parametrize(
    "url",
    ["/probation/rubrics/no-such-rubric", "/probation/templates/no-such-plan",
     f"/probation/widgets/{RUBRIC}"],
)  # fmt: skip
def test_an_unknown_editor_page_is_404(browse: Browse, probation: Probation, url: str):
    response = browse("hr").get(url)
    assert response.status_code == 404
    assert "YAML" not in text_of(response)


# Query counts -------------------------------------------------------------------------------


def test_mentees_and_overview_do_not_grow_with_probations(
    browse: Browse, probation: Probation, start_for: Callable[..., Probation],
    person: Callable[..., User], line1: Department, agent_position: Position,
    people: dict[str, User], count_queries: Callable[[Callable[[], Any]], int],
):  # fmt: skip
    mentor, hr = browse("mentor"), browse("hr")
    start_for(people["other_agent"], people["mentor"])

    def counts() -> tuple[int, int]:
        return (
            count_queries(lambda: mentor.get("/probation/mentees")),
            count_queries(lambda: hr.get("/probation/all")),
        )

    counts()  # caches warmed up
    few = counts()
    for n in range(4):
        agent = person(department=line1, position=agent_position, name=f"Agent {n}")
        start_for(agent, people["mentor"])
    assert counts() == few
    assert len(rows(text_of(mentor.get("/probation/mentees")), "<table")) == 1 + 6
    assert len(rows(text_of(hr.get("/probation/all")), 'id="h-list"')) == 1 + 6
