"""Probations: a plan made from its template with real dates, its training assigned and its
mentor named; items completed by the app, by the agent, or ticked and confirmed; extending
and ending, every change in the log."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from lms.auth.models import User
from lms.auth.services import current_mentorship
from lms.courses.models import Assignment
from lms.errors import ServiceError
from lms.extensions import db
from lms.models_base import utcnow
from lms.probation import services
from lms.probation.models import PlanTemplate, Probation, ProbationEvent
from tests.courses.conftest import COURSE, PROGRAM, SECOND, finish_course, me
from tests.probation.fixtures import RUBRIC, START_OFFSET, item_of


def log_of(probation: Probation) -> list[tuple[str, str | None, str, dict]]:
    """(action, actor's name, reason, details) of every event, oldest first."""
    events = db.session.scalars(
        select(ProbationEvent)
        .where(ProbationEvent.probation_id == probation.id)
        .order_by(ProbationEvent.id)
    )
    return [(e.action, e.actor.name if e.actor else None, e.reason, e.details) for e in events]


def reloaded(probation: Probation) -> Probation:
    """The probation as a new request would load it."""
    db.session.expire_all()
    found = db.session.get(Probation, probation.id)
    assert found is not None
    return found


def assignments_of(user: User) -> dict[str, tuple[date | None, int | None]]:
    """Slug of the course or program -> (due date, assigned by)."""
    rows = db.session.scalars(select(Assignment).where(Assignment.user_id == user.id))
    return {
        (a.course.slug if a.course else a.program.slug): (a.due_on, a.assigned_by_id) for a in rows
    }


# Starting -----------------------------------------------------------------------------------


def test_the_plan_gets_real_dates_from_day_one_in_stage_and_date_order(
    probation: Probation, today: date
):
    start = today + START_OFFSET
    assert (probation.title, probation.started_on, probation.state) == (
        "Line-1 probation", start, "active",
    )  # fmt: skip
    assert probation.ends_on == start + timedelta(days=29)  # day 30 of 30
    day = lambda n: start + timedelta(days=n - 1)  # noqa: E731
    items = [
        (i.stage_number, i.stage, i.position, i.kind, i.title, i.target, i.due_on)
        for i in probation.items
    ]
    assert items == [
        (1, "Week one", 1, "meeting", "Meet the mentor", None, day(2)),
        (1, "Week one", 0, "article", "Calm words", "calm-words", day(3)),
        (1, "Week one", 2, "course", "Calm calls", COURSE, day(7)),
        (2, "The rest", 3, "task", "Handle 20 chats", None, day(20)),
        (2, "The rest", 4, "program", "Line path", PROGRAM, day(25)),
        (2, "The rest", 5, "attestation", "Attestation: Calm attestation", RUBRIC, day(28)),
    ]
    assert not any(i.completed_at or i.ticked_at for i in probation.items)


def test_starting_assigns_the_training_names_the_mentor_and_schedules_the_attestation(
    probation: Probation, people: dict[str, User], today: date
):
    start, hr = today + START_OFFSET, people["hr"]
    assert assignments_of(people["agent"]) == {
        COURSE: (start + timedelta(days=6), hr.id),
        PROGRAM: (start + timedelta(days=24), hr.id),
    }
    mentorship = current_mentorship(db.session, me(people["agent"]), today=today)
    assert mentorship is not None and mentorship.mentor_id == people["mentor"].id
    attestation = services.attestation_of(db.session, probation)
    assert attestation is not None
    assert (attestation.rubric.slug, attestation.scheduled_on, attestation.versions) == (
        RUBRIC, start + timedelta(days=27), [],
    )  # fmt: skip
    assert (probation.created_by_id, probation.mentor_id) == (hr.id, people["mentor"].id)
    assert log_of(probation) == [
        (
            "started", "Helen HR", "",
            {"template": "line1-agent", "mentor": people["mentor"].email},
        )
    ]  # fmt: skip


def test_a_second_active_probation_is_refused(
    probation: Probation, template: PlanTemplate, people: dict[str, User], today: date
):
    with pytest.raises(ServiceError, match="Anna Agent is already on probation"):
        services.start_probation(
            db.session, me(people["agent"]), db.session.get(PlanTemplate, template.id),
            mentor=me(people["other_mentor"]), started_on=today, actor=me(people["hr"]),
            today=today, now=utcnow(),
        )  # fmt: skip
    count = db.session.scalar(
        select(func.count()).select_from(Probation).where(Probation.user_id == probation.user_id)
    )
    assert count == 1
    assert services.active_probation(db.session, me(people["agent"])).id == probation.id


def test_the_mentor_must_hold_the_mentor_role(
    template: PlanTemplate, people: dict[str, User], today: date
):
    with pytest.raises(ServiceError, match="mentor role") as caught:
        services.start_probation(
            db.session, me(people["agent"]), db.session.get(PlanTemplate, template.id),
            mentor=me(people["other_agent"]), started_on=today, actor=me(people["hr"]),
            today=today, now=utcnow(),
        )  # fmt: skip
    assert caught.value.field == "mentor"
    assert services.active_probation(db.session, me(people["agent"])) is None


# Completed by the app -----------------------------------------------------------------------


def test_finishing_the_course_completes_its_item_and_both_courses_the_program(
    probation: Probation, people: dict[str, User]
):
    agent = people["agent"]
    finish_course(agent)
    done = {i.kind: i.completed_at is not None for i in reloaded(probation).items}
    assert done == {
        "meeting": False, "article": False, "course": True,
        "task": False, "program": False, "attestation": False,
    }  # fmt: skip
    course_item = item_of(reloaded(probation), "course")
    assert course_item.completed_by_id is None  # the app, not a person
    finish_course(agent, SECOND)  # the program's second level
    assert item_of(reloaded(probation), "program").completed_at is not None


def test_a_course_finished_before_the_start_is_done_at_once_and_not_assigned(
    template: PlanTemplate, people: dict[str, User], today: date
):
    agent = people["agent"]
    finish_course(agent)
    probation = services.start_probation(
        db.session, me(agent), db.session.get(PlanTemplate, template.id),
        mentor=me(people["mentor"]), started_on=today, actor=me(people["hr"]),
        today=today, now=utcnow(),
    )  # fmt: skip
    assert item_of(probation, "course").completed_at is not None
    assert item_of(probation, "program").completed_at is None
    assert set(assignments_of(agent)) == {PROGRAM}


def test_completing_someone_elses_course_leaves_the_plan_alone(
    probation: Probation, people: dict[str, User]
):
    finish_course(people["other_agent"])
    assert item_of(reloaded(probation), "course").completed_at is None


# Extending and ending ---------------------------------------------------------------------


def test_extending_moves_the_end_and_the_attestation_and_logs_days_and_reason(
    probation: Probation, people: dict[str, User], today: date
):
    start = today + START_OFFSET
    before = {i.kind: i.due_on for i in probation.items}
    services.extend_probation(
        db.session, probation, 14, reason="  More calls with the mentor  ", actor=me(people["hr"])
    )
    probation = reloaded(probation)
    assert probation.ends_on == start + timedelta(days=29 + 14)
    after = {i.kind: i.due_on for i in probation.items}
    assert after == {**before, "attestation": before["attestation"] + timedelta(days=14)}
    attestation = services.attestation_of(db.session, probation)
    assert attestation.scheduled_on == start + timedelta(days=27 + 14)
    assert log_of(probation)[-1] == (
        "extended", "Helen HR", "More calls with the mentor",
        {"days": 14, "ends_on": (start + timedelta(days=43)).isoformat()},
    )  # fmt: skip


@pytest.mark.parametrize(
    ("days", "reason", "field"),
    [(14, "   ", "reason"), (0, "Needs more time", "days"), (-3, "Needs more time", "days")],
)
def test_an_extension_needs_a_reason_and_whole_days(
    probation: Probation, people: dict[str, User], days: int, reason: str, field: str
):
    ends_on = probation.ends_on
    with pytest.raises(ServiceError) as caught:
        services.extend_probation(
            db.session, probation, days, reason=reason, actor=me(people["hr"])
        )
    assert caught.value.field == field
    probation = reloaded(probation)
    assert probation.ends_on == ends_on
    assert [event[0] for event in log_of(probation)] == ["started"]


def test_ending_early_needs_a_reason_and_is_logged(
    probation: Probation, people: dict[str, User], today: date
):
    hr = me(people["hr"])
    with pytest.raises(ServiceError, match="Say why") as caught:
        services.end_probation(
            db.session, probation, state="ended", reason=" ", actor=hr, today=today
        )
    assert caught.value.field == "reason"
    assert reloaded(probation).state == "active"
    services.end_probation(
        db.session, probation, state="ended", reason="Left the company", actor=hr, today=today
    )
    probation = reloaded(probation)
    assert (probation.state, probation.ended_on) == ("ended", today)
    assert log_of(probation)[-1] == ("ended", "Helen HR", "Left the company", {})
    assert services.active_probation(db.session, me(people["agent"])) is None
    with pytest.raises(ServiceError, match="already ended"):
        services.end_probation(
            db.session, probation, state="ended", reason="Again", actor=hr, today=today
        )
    with pytest.raises(ServiceError, match="Only an active probation"):
        services.extend_probation(db.session, probation, 7, reason="Late", actor=hr)


def test_every_change_is_logged_with_who_made_it(
    probation: Probation, people: dict[str, User], today: date
):
    agent, mentor, hr = me(people["agent"]), me(people["mentor"]), me(people["hr"])
    services.confirm_read(db.session, item_of(probation, "article"), agent, now=utcnow())
    services.tick_item(db.session, item_of(probation, "task"), agent, now=utcnow())
    services.confirm_item(db.session, item_of(probation, "task"), mentor, now=utcnow())
    services.extend_probation(db.session, probation, 7, reason="Sick leave", actor=hr)
    services.end_probation(
        db.session, probation, state="ended", reason="Moved to line 2", actor=hr, today=today
    )
    assert [(action, actor, reason) for action, actor, reason, _d in log_of(probation)] == [
        ("started", "Helen HR", ""),
        ("read", "Anna Agent", ""),
        ("ticked", "Anna Agent", ""),
        ("confirmed", "Maria Mentor", ""),
        ("extended", "Helen HR", "Sick leave"),
        ("ended", "Helen HR", "Moved to line 2"),
    ]
    assert [d.get("item") for _a, _b, _c, d in log_of(probation)][1:4] == [
        "Calm words", "Handle 20 chats", "Handle 20 chats",
    ]  # fmt: skip


# Items done by people -----------------------------------------------------------------------


def test_the_agent_confirms_an_article_read(probation: Probation, people: dict[str, User]):
    article = item_of(probation, "article")
    with pytest.raises(ServiceError, match="not your plan"):
        services.confirm_read(db.session, article, me(people["other_agent"]), now=utcnow())
    assert article.completed_at is None
    with pytest.raises(ServiceError, match="Only an article"):
        services.confirm_read(db.session, item_of(probation, "task"), me(people["agent"]),
                              now=utcnow())  # fmt: skip
    services.confirm_read(db.session, article, me(people["agent"]), now=utcnow())
    article = item_of(reloaded(probation), "article")
    assert article.completed_at is not None
    assert article.completed_by_id == people["agent"].id


def test_a_task_is_ticked_by_the_agent_then_confirmed_by_the_mentor(
    probation: Probation, people: dict[str, User]
):
    task = item_of(probation, "task")
    services.tick_item(db.session, task, me(people["agent"]), now=utcnow())
    task = item_of(reloaded(probation), "task")
    assert task.ticked_at is not None and task.completed_at is None
    with pytest.raises(ServiceError, match="Only the mentor of this probation"):
        services.confirm_item(db.session, task, me(people["other_mentor"]), now=utcnow())
    with pytest.raises(ServiceError, match="Only the mentor of this probation"):
        services.confirm_item(db.session, task, me(people["agent"]), now=utcnow())
    assert item_of(reloaded(probation), "task").completed_at is None
    services.confirm_item(db.session, task, me(people["mentor"]), now=utcnow())
    task = item_of(reloaded(probation), "task")
    assert task.completed_at is not None
    assert task.completed_by_id == people["mentor"].id


@pytest.mark.parametrize("who", ["other_agent", "mentor", "hr"])
def test_nobody_else_ticks_the_agents_item(probation: Probation, people: dict[str, User], who: str):
    meeting = item_of(probation, "meeting")
    with pytest.raises(ServiceError, match="not your plan"):
        services.tick_item(db.session, meeting, me(people[who]), now=utcnow())
    assert item_of(reloaded(probation), "meeting").ticked_at is None


def test_course_items_are_not_ticked_by_hand(probation: Probation, people: dict[str, User]):
    for kind in ("course", "program", "attestation"):
        with pytest.raises(ServiceError, match="completes by itself"):
            services.tick_item(db.session, item_of(probation, kind), me(people["agent"]),
                               now=utcnow())  # fmt: skip
        with pytest.raises(ServiceError, match="completes by itself"):
            services.confirm_item(db.session, item_of(probation, kind), me(people["mentor"]),
                                  now=utcnow())  # fmt: skip
    assert not any(i.ticked_at or i.completed_at for i in reloaded(probation).items)


def test_an_ended_probation_refuses_ticks_reads_and_confirmations(
    probation: Probation, people: dict[str, User], today: date
):
    services.end_probation(
        db.session, probation, state="ended", reason="Left", actor=me(people["hr"]), today=today
    )
    agent = me(people["agent"])
    with pytest.raises(ServiceError, match="This probation has ended"):
        services.tick_item(db.session, item_of(probation, "task"), agent, now=utcnow())
    with pytest.raises(ServiceError, match="This probation has ended"):
        services.confirm_read(db.session, item_of(probation, "article"), agent, now=utcnow())
    with pytest.raises(ServiceError, match="This probation has ended"):
        services.confirm_item(db.session, item_of(probation, "meeting"), me(people["mentor"]),
                              now=utcnow())  # fmt: skip
    assert not any(i.ticked_at or i.completed_at for i in reloaded(probation).items)
