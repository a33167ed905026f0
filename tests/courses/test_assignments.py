"""Assigned training: who gets an assignment, who may assign, "My learning" and the counts of
HR's completion report."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from lms.auth.models import Department, Position, User
from lms.courses import assignments, services
from lms.courses.models import Assignment, Course
from lms.errors import ServiceError
from lms.extensions import db
from lms.models_base import utcnow
from tests.courses.conftest import COURSE, PROGRAM, SECOND, finish_course, me, take

pytestmark = pytest.mark.usefixtures("course", "ctx")


def course_named(slug: str) -> Course:
    found = services.course_by_slug(db.session, slug)
    assert found is not None
    return found


def rows(slug: str = COURSE) -> dict[int, Assignment]:
    found = db.session.scalars(select(Assignment).join(Course).where(Course.slug == slug))
    return {a.user_id: a for a in found}


def assign(actor: User, target: Any, people: list[User], *, due_on: date | None, today: date):
    return assignments.assign(
        db.session, me(actor), target, [me(p) for p in people],
        due_on=due_on, today=today, now=utcnow(),
    )  # fmt: skip


@pytest.fixture
def team(person: Callable[..., User], line1: Department, line2: Department) -> dict[str, User]:
    """Three active people in the first line, one who left it, one in the second line."""
    people = {
        "anna": person(department=line1, name="Anna A"),
        "boris": person(department=line1, name="Boris B"),
        "vera": person("mentor", department=line1, name="Vera V"),
        "gone": person(department=line1, name="Gone G"),
        "dima": person(department=line2, name="Dima D"),
    }
    return people


@pytest.fixture
def deactivate(in_app: Callable[..., Any]) -> Callable[[User], None]:
    def run(user: User) -> None:
        in_app(lambda session: setattr(session.get(User, user.id), "is_active", False))

    return run


def test_assigning_a_department_gives_each_active_member_one_assignment(
    team: dict[str, User],
    users: dict[str, User],
    line1: Department,
    deactivate: Callable[[User], None],
    today: date,
):
    deactivate(team["gone"])
    people = assignments.people_to_assign(db.session, department_id=line1.id)
    assert [p.name for p in people] == ["Anna A", "Boris B", "Vera V"]
    due = today + timedelta(days=14)
    report = assign(users["hr"], course_named(COURSE), people, due_on=due, today=today)
    assert [p.name for p in report.created] == ["Anna A", "Boris B", "Vera V"]
    assert report.updated == report.kept == report.completed == []
    found = rows()
    assert set(found) == {team[k].id for k in ("anna", "boris", "vera")}
    assert {(a.due_on, a.assigned_by_id, a.completed_at) for a in found.values()} == {
        (due, users["hr"].id, None)
    }


def test_people_by_position_within_a_department(
    team: dict[str, User],
    person: Callable[..., User],
    make_org: Callable[..., Any],
    line1: Department,
    line2: Department,
):
    senior = make_org(Position, "senior", "Senior agent")
    person(department=line1, position=senior, name="Senior One")
    person(department=line2, position=senior, name="Senior Two")
    both = assignments.people_to_assign(db.session, department_id=line1.id, position_id=senior.id)
    assert [p.name for p in both] == ["Senior One"]
    anywhere = assignments.people_to_assign(db.session, position_id=senior.id)
    assert [p.name for p in anywhere] == ["Senior One", "Senior Two"]
    chosen = assignments.people_to_assign(
        db.session, user_ids=[team["dima"].id], position_id=senior.id
    )
    assert [p.name for p in chosen] == ["Dima D", "Senior One", "Senior Two"]
    assert assignments.people_to_assign(db.session) == []


def test_assigning_again_changes_the_due_date_and_never_duplicates(
    team: dict[str, User], users: dict[str, User], today: date
):
    people = [team["anna"], team["boris"]]
    target = course_named(COURSE)
    assign(users["hr"], target, people, due_on=today + timedelta(days=7), today=today)
    later = today + timedelta(days=30)
    report = assign(users["hr"], target, [*people, team["dima"]], due_on=later, today=today)
    assert [p.name for p in report.created] == ["Dima D"]
    assert [p.name for p in report.updated] == ["Anna A", "Boris B"]
    again = assign(users["hr"], target, people, due_on=later, today=today)
    assert again.created == again.updated == [] and len(again.kept) == 2
    found = rows()
    assert len(found) == 3 and {a.due_on for a in found.values()} == {later}


def test_people_who_completed_the_course_are_skipped(
    team: dict[str, User], users: dict[str, User], today: date
):
    finish_course(team["anna"], SECOND)
    report = assign(
        users["hr"], course_named(SECOND), [team["anna"], team["boris"]], due_on=None, today=today
    )
    assert [p.name for p in report.completed] == ["Anna A"]
    assert [p.name for p in report.created] == ["Boris B"]
    assert set(rows(SECOND)) == {team["boris"].id}


def test_a_mentor_assigns_only_to_own_mentees(
    team: dict[str, User],
    make_mentor: Callable[[User, User], None],
    today: date,
):
    mentor = team["vera"]
    make_mentor(mentor, team["anna"])
    with pytest.raises(ServiceError) as caught:
        assign(
            mentor, course_named(COURSE), [team["anna"], team["boris"], team["dima"]],
            due_on=None, today=today,
        )  # fmt: skip
    assert caught.value.message == (
        "You can assign training only to your mentees; Boris B, Dima D are not."
    )
    assert rows() == {}
    with pytest.raises(ServiceError, match="Boris B is not one"):
        assign(mentor, course_named(COURSE), [team["boris"]], due_on=None, today=today)
    report = assign(mentor, course_named(COURSE), [team["anna"]], due_on=None, today=today)
    assert [p.name for p in report.created] == ["Anna A"]
    assert rows()[team["anna"].id].assigned_by_id == mentor.id


def test_a_due_date_in_the_past_is_refused(
    team: dict[str, User], users: dict[str, User], today: date
):
    with pytest.raises(ServiceError) as caught:
        assign(
            users["hr"], course_named(COURSE), [team["anna"]],
            due_on=today - timedelta(days=1), today=today,
        )  # fmt: skip
    assert caught.value.field == "due_on"
    assert rows() == {}
    with pytest.raises(ServiceError, match="at least one person"):
        assign(users["hr"], course_named(COURSE), [], due_on=None, today=today)


# My learning --------------------------------------------------------------------------------


def add_course(slug: str, title: str) -> Course:
    extra = Course(slug=slug, title=title)
    db.session.add(extra)
    db.session.flush()
    return extra


def test_my_learning_sorts_assignments_by_status(
    team: dict[str, User], users: dict[str, User], today: date
):
    hr, anna = users["hr"], team["anna"]
    assigned, overdue = add_course("extra-a", "Extra A"), add_course("extra-b", "Extra B")
    soon = today + timedelta(days=3)
    for target, due in (
        (course_named(COURSE), soon),
        (course_named(SECOND), today + timedelta(days=10)),
        (assigned, today + timedelta(days=20)),
        (overdue, today),
        (services.program_by_slug(db.session, PROGRAM), None),
    ):
        assign(hr, target, [anna], due_on=due, today=today)
    rows("extra-b")[anna.id].due_on = today - timedelta(days=2)
    take(anna, "pre")  # started Calm calls
    finish_course(anna, SECOND)
    learning = assignments.my_learning(db.session, me(anna), today=today)
    assert [(i.title, i.status) for i in learning.items] == [
        ("Extra B", "overdue"),
        ("Calm calls", "in_progress"),
        ("Follow-up calls", "done"),
        ("Extra A", "assigned"),
        ("Line path", "in_progress"),  # a course of it is started; no due date: last
    ]
    assert [i.title for i in learning.of("in_progress")] == ["Calm calls", "Line path"]
    calm = learning.of("in_progress")[0]
    assert calm.due_on == soon and calm.enrolment is not None and calm.assignment is not None


def test_my_learning_lists_courses_started_without_an_assignment(team: dict[str, User]):
    take(team["boris"], "pre")
    learning = assignments.my_learning(db.session, me(team["boris"]), today=date.today())
    assert [(i.title, i.status, i.assignment) for i in learning.items] == [
        ("Calm calls", "in_progress", None)
    ]
    assert assignments.my_learning(db.session, me(team["anna"]), today=date.today()).items == []


# HR's report --------------------------------------------------------------------------------


def test_completion_is_counted_by_department_and_by_course(
    team: dict[str, User], person: Callable[..., User], users: dict[str, User], today: date
):
    hr, nobody = users["hr"], person(name="Nobody N")
    due = today + timedelta(days=5)
    calm = [team["anna"], team["boris"], team["dima"]]
    assign(hr, course_named(COURSE), calm, due_on=due, today=today)
    assign(hr, course_named(SECOND), [team["anna"], team["dima"], nobody], due_on=due, today=today)
    finish_course(team["anna"], SECOND)
    late = rows(SECOND)[team["dima"].id]
    late.due_on = today - timedelta(days=1)
    db.session.flush()
    by_department = {
        r.label: (r.assigned, r.completed, r.overdue, r.percent)
        for r in assignments.completion_by_department(db.session, today=today)
    }
    assert by_department == {
        "First line": (3, 1, 0, 33),
        "Second line": (2, 0, 1, 0),
        "No department": (1, 0, 0, 0),
    }
    by_course = {
        r.label: (r.assigned, r.completed, r.overdue, r.percent)
        for r in assignments.completion_by_course(db.session, today=today)
    }
    assert by_course == {"Calm calls": (3, 0, 0, 0), "Follow-up calls": (3, 1, 1, 33)}
    assert assignments.overdue_assignments(db.session, today=today) == [late]
    # Not overdue any more once done, even after the due date.
    assert rows(SECOND)[team["anna"].id].is_overdue(today + timedelta(days=30)) is False
