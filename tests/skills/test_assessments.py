"""Skill assessments: the current-level rule (who assessed counts before when), who may
record which source, the checks on a level and a source, the history, the levels a
department and a position require, and the assessments a finished course and a signed
attestation record on their own."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_babel import force_locale

from lms.auth.models import Department, Mentorship, Position, User
from lms.errors import ServiceError
from lms.extensions import db
from lms.models_base import utcnow
from lms.probation import attestation as attestations
from lms.probation.library import save_rubric
from lms.probation.models import Attestation
from lms.skills import assessments
from lms.skills.models import Skill, SkillAssessment, SkillLevel, SkillRequirement
from lms.skills.services import load_catalogue
from tests.courses.conftest import finish_course, me, write_tree
from tests.probation.fixtures import *  # noqa: F403
from tests.probation.fixtures import RUBRIC, RUBRIC_YML

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CATALOGUE = {
    "groups": [
        {
            "code": "g",
            "name": {"ru": "Г"},
            "skills": [
                {"code": "listening", "name": {"ru": "Слушание"}},
                {"code": "empathy", "name": {"ru": "Эмпатия"}},
            ],
        }
    ]
}
LEVEL_ERROR = "A level is a whole number from 0 to 4."


@pytest.fixture(autouse=True)
def ctx(app: Flask) -> Iterator[None]:
    """A request context whose messages are in English; the fixtures' ``in_app`` shares
    its session."""
    with app.test_request_context(), force_locale("en"):
        yield


@pytest.fixture
def skills(in_app: Callable[..., Any]) -> dict[str, Skill]:
    """Listening and empathy, by code."""
    in_app(lambda session: load_catalogue(session, CATALOGUE, filename="skills.yml"))
    return {s.code: s for s in db.session.scalars(sa.select(Skill))}


@pytest.fixture
def mentored(in_app: Callable[..., Any], people: dict[str, User], today: date) -> None:
    """Maria mentors Anna since ten days ago; Pavel mentored her before that."""
    agent, mentor, past = people["agent"], people["mentor"], people["other_mentor"]

    def write(session: Any) -> None:
        session.add_all(
            [
                Mentorship(
                    mentor_id=past.id,
                    mentee_id=agent.id,
                    started_on=today - timedelta(days=60),
                    ended_on=today - timedelta(days=10),
                ),
                Mentorship(
                    mentor_id=mentor.id, mentee_id=agent.id, started_on=today - timedelta(days=10)
                ),
            ]
        )

    in_app(write)


def add(
    person: User, skill: Skill, level: int, source: str, hours: float = 0, **kwargs: Any
) -> SkillAssessment:
    """Record an assessment ``hours`` after T0 (no author unless given)."""
    kwargs.setdefault("author", None)
    return assessments.record(
        db.session,
        me(person),
        skill,
        level,
        source=source,
        now=T0 + timedelta(hours=hours),
        **kwargs,
    )


def current(user_ids: list[int], skill_ids: list[int] | None = None) -> dict:
    """The current levels as {(user id, skill id): (level, source)}."""
    found = assessments.current_levels(db.session, user_ids, skill_ids)
    return {key: (a.level, a.source) for key, a in found.items()}


def assessments_of(person: User) -> list[tuple[str, int, str, int | None]]:
    """Every assessment of a person as (skill code, level, source, author id), oldest first."""
    rows = db.session.scalars(
        sa.select(SkillAssessment)
        .where(SkillAssessment.user_id == person.id)
        .order_by(SkillAssessment.id)
    )
    return [(a.skill.code, a.level, a.source, a.author_id) for a in rows]


# The current level ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("older", "newer", "winner"),
    [
        (("mentor", 2), ("self", 4), ("mentor", 2)),  # a newer self-assessment does not count
        (("self", 1), ("course", 3), ("course", 3)),
        (("course", 3), ("self", 1), ("course", 3)),  # nor over an older course
        (("attestation", 2), ("course", 4), ("attestation", 2)),
        (("mentor", 2), ("hr", 4), ("hr", 4)),  # among the trusted, the latest
        (("hr", 4), ("mentor", 1), ("mentor", 1)),
        (("mentor", 3), ("attestation", 1), ("attestation", 1)),
        (("course", 1), ("course", 2), ("course", 2)),
        (("self", 0), ("self", 3), ("self", 3)),
    ],
)
def test_current_level_by_source_then_time(
    people: dict[str, User],
    skills: dict[str, Skill],
    older: tuple[str, int],
    newer: tuple[str, int],
    winner: tuple[str, int],
) -> None:
    agent, listening = people["agent"], skills["listening"]
    add(agent, listening, older[1], older[0], hours=0)
    add(agent, listening, newer[1], newer[0], hours=1)
    assert current([agent.id]) == {(agent.id, listening.id): (winner[1], winner[0])}


def test_equal_times_go_to_the_later_record(
    people: dict[str, User], skills: dict[str, Skill]
) -> None:
    agent, listening = people["agent"], skills["listening"]
    add(agent, listening, 3, "mentor", hours=2)
    add(agent, listening, 1, "hr", hours=2)
    last = add(agent, listening, 2, "mentor", hours=2)
    found = assessments.current_levels(db.session, [agent.id])
    assert found[(agent.id, listening.id)].id == last.id
    assert current([agent.id]) == {(agent.id, listening.id): (2, "mentor")}


def test_current_level_per_person_and_skill(
    people: dict[str, User], skills: dict[str, Skill]
) -> None:
    anna, oleg = people["agent"], people["other_agent"]
    listening, empathy = skills["listening"], skills["empathy"]
    add(anna, listening, 2, "mentor", hours=0)
    add(anna, listening, 4, "self", hours=5)
    add(anna, empathy, 3, "self", hours=1)
    add(oleg, listening, 1, "course", hours=0)
    add(oleg, listening, 0, "self", hours=9)
    add(people["mentor"], listening, 4, "hr", hours=9)  # not asked for
    assert current([anna.id, oleg.id]) == {
        (anna.id, listening.id): (2, "mentor"),
        (anna.id, empathy.id): (3, "self"),
        (oleg.id, listening.id): (1, "course"),
    }
    assert current([oleg.id]) == {(oleg.id, listening.id): (1, "course")}


def test_stored_levels_follow_the_rule_over_a_random_history(
    people: dict[str, User], skills: dict[str, Skill]
) -> None:
    """The levels kept as assessments are recorded equal the rule applied to the whole
    history afresh, and a naive reading of the rule."""
    rng = random.Random(5)
    tiers = {"mentor": 0, "hr": 0, "attestation": 0, "course": 1, "self": 2}
    made = []
    for _ in range(120):
        person = rng.choice([people["agent"], people["other_agent"]])
        skill = rng.choice(list(skills.values()))
        source = rng.choice(list(tiers))
        made.append(add(person, skill, rng.randint(0, 4), source, hours=rng.randint(0, 30)))
    expected = {}
    for key in {(a.user_id, a.skill_id) for a in made}:
        history = [a for a in made if (a.user_id, a.skill_id) == key]
        best = min(history, key=lambda a: (tiers[a.source], -a.assessed_at.timestamp(), -a.id))
        expected[key] = (best.level, best.source)
    user_ids = [people["agent"].id, people["other_agent"].id]
    assert current(user_ids) == expected
    db.session.execute(sa.delete(SkillLevel))
    assert current(user_ids) == {}
    assert assessments.refresh_levels(db.session) == len(expected)
    assert current(user_ids) == expected
    assert assessments.level_map(db.session, user_ids) == expected


def test_current_levels_filtered_by_skill(
    people: dict[str, User], skills: dict[str, Skill]
) -> None:
    anna, listening, empathy = people["agent"], skills["listening"], skills["empathy"]
    add(anna, listening, 2, "mentor")
    add(anna, empathy, 3, "self")
    assert current([anna.id], [empathy.id]) == {(anna.id, empathy.id): (3, "self")}
    assert current([anna.id], []) == {}
    assert current([]) == {}
    assert len(current([anna.id], None)) == 2


# Who may assess -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actor", "target", "expected"),
    [
        ("agent", "agent", ("self",)),
        ("mentor", "agent", ("mentor",)),
        ("other_mentor", "agent", ()),  # her mentor before, no longer
        ("mentor", "other_agent", ()),  # not his mentee
        ("other_agent", "agent", ()),
        ("hr", "agent", ("hr",)),
        ("hr", "hr", ("self",)),  # a trusted level of one's own would be self-serving
        ("mentor", "mentor", ("self",)),
    ],
)
def test_allowed_sources(
    mentored: None,
    people: dict[str, User],
    today: date,
    actor: str,
    target: str,
    expected: tuple[str, ...],
) -> None:
    found = assessments.allowed_sources(
        db.session, me(people[actor]), me(people[target]), today=today
    )
    assert found == expected


def test_a_mentorship_ending_today_is_over(
    in_app: Callable[..., Any], people: dict[str, User], today: date
) -> None:
    mentor, agent = people["mentor"], people["agent"]
    in_app(
        lambda session: session.add(
            Mentorship(
                mentor_id=mentor.id,
                mentee_id=agent.id,
                started_on=today - timedelta(days=5),
                ended_on=today,
            )
        )
    )
    assert assessments.allowed_sources(db.session, me(mentor), me(agent), today=today) == ()


@pytest.mark.parametrize(
    ("actor", "target", "source"),
    [
        ("hr", "agent", "hr"),
        ("hr", "hr", "self"),  # HR on themselves is a self-assessment
        ("mentor", "agent", "mentor"),
        ("agent", "agent", "self"),
    ],
)
def test_assess_uses_the_most_trusted_source(
    mentored: None,
    people: dict[str, User],
    skills: dict[str, Skill],
    today: date,
    actor: str,
    target: str,
    source: str,
) -> None:
    made = assessments.assess(
        db.session,
        me(people[actor]),
        me(people[target]),
        skills["listening"],
        3,
        comment="  Sums up every call.  ",
        today=today,
        now=T0,
    )
    assert (made.user_id, made.level, made.source) == (people[target].id, 3, source)
    assert (made.author_id, made.comment, made.assessed_at) == (
        people[actor].id,
        "Sums up every call.",
        T0,
    )


def test_hr_who_mentors_assesses_as_hr(
    make_user: Callable[..., User],
    in_app: Callable[..., Any],
    people: dict[str, User],
    skills: dict[str, Skill],
    today: date,
) -> None:
    both = make_user(roles=("mentor", "hr"), name="Hanna Both", locale="en")
    agent = people["agent"]
    in_app(
        lambda session: session.add(
            Mentorship(mentor_id=both.id, mentee_id=agent.id, started_on=today)
        )
    )
    assert assessments.allowed_sources(db.session, me(both), me(agent), today=today) == (
        "mentor",
        "hr",
    )
    made = assessments.assess(
        db.session, me(both), me(agent), skills["listening"], 2, today=today, now=T0
    )
    assert made.source == "hr"


@pytest.mark.parametrize("actor", ["other_agent", "other_mentor"])
def test_assess_refuses_a_stranger(
    mentored: None,
    people: dict[str, User],
    skills: dict[str, Skill],
    today: date,
    actor: str,
) -> None:
    agent = people["agent"]
    with pytest.raises(ServiceError) as caught:
        assessments.assess(
            db.session, me(people[actor]), me(agent), skills["listening"], 2, today=today, now=T0
        )
    assert caught.value.message == "You may not assess Anna Agent's skills."
    assert assessments_of(agent) == []


# Recording ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "source", "message", "field"),
    [
        (5, "mentor", LEVEL_ERROR, "level"),
        (-1, "mentor", LEVEL_ERROR, "level"),
        (True, "mentor", LEVEL_ERROR, "level"),
        (False, "mentor", LEVEL_ERROR, "level"),
        (2.5, "mentor", LEVEL_ERROR, "level"),
        ("3", "mentor", LEVEL_ERROR, "level"),
        (2, "boss", "Unknown source of an assessment.", "source"),
        (2, "", "Unknown source of an assessment.", "source"),
    ],
)
def test_record_refuses(
    people: dict[str, User],
    skills: dict[str, Skill],
    level: Any,
    source: str,
    message: str,
    field: str,
) -> None:
    with pytest.raises(ServiceError) as caught:
        add(people["agent"], skills["listening"], level, source)
    assert (caught.value.message, caught.value.field) == (message, field)
    assert assessments_of(people["agent"]) == []


@pytest.mark.parametrize("level", [0, 4])
def test_record_keeps_the_ends_of_the_scale(
    people: dict[str, User], skills: dict[str, Skill], level: int
) -> None:
    made = add(people["agent"], skills["empathy"], level, "self", author=me(people["agent"]))
    assert assessments_of(people["agent"]) == [("empathy", level, "self", people["agent"].id)]
    assert made.assessed_at == T0


def test_history_newest_first(people: dict[str, User], skills: dict[str, Skill]) -> None:
    anna, listening, empathy = people["agent"], skills["listening"], skills["empathy"]
    add(anna, listening, 1, "self", hours=0)
    add(anna, empathy, 2, "mentor", hours=3)
    add(anna, listening, 3, "course", hours=1)
    add(anna, listening, 4, "hr", hours=3)  # the same time as empathy's, recorded later
    add(people["other_agent"], listening, 2, "self", hours=9)
    found = assessments.history(db.session, me(anna))
    assert [(a.skill.code, a.level, a.source) for a in found] == [
        ("listening", 4, "hr"),
        ("empathy", 2, "mentor"),
        ("listening", 3, "course"),
        ("listening", 1, "self"),
    ]
    assert [a.assessed_at for a in found] == [T0 + timedelta(hours=h) for h in (3, 3, 1, 0)]


# Requirements ---------------------------------------------------------------------------------


@pytest.fixture
def org(make_org: Callable[..., Any]) -> dict[str, Any]:
    return {
        "line1": make_org(Department, "line1", "First line"),
        "line2": make_org(Department, "line2", "Second line"),
        "junior": make_org(Position, "junior", "Junior agent"),
        "senior": make_org(Position, "senior", "Senior agent"),
    }


def require(org: dict[str, Any], dept: str, position: str | None, skill: Skill, level: Any) -> Any:
    return assessments.set_requirement(
        db.session, org[dept], org[position] if position else None, skill, level
    )


def required(org: dict[str, Any], dept: str | None, position: str | None) -> dict[int, int]:
    return assessments.required_levels(
        db.session,
        org[dept].id if dept else None,
        org[position].id if position else None,
    )


def test_department_wide_requirement(org: dict[str, Any], skills: dict[str, Skill]) -> None:
    listening = skills["listening"]
    row = require(org, "line1", None, listening, 2)
    assert (row.department_id, row.position_id, row.level) == (org["line1"].id, None, 2)
    assert required(org, "line1", None) == {listening.id: 2}
    assert required(org, "line1", "junior") == {listening.id: 2}
    assert required(org, "line2", None) == {}
    assert required(org, "line2", "junior") == {}
    assert required(org, None, "junior") == {}


def test_position_overrides_the_department(org: dict[str, Any], skills: dict[str, Skill]) -> None:
    listening, empathy = skills["listening"], skills["empathy"]
    require(org, "line1", None, listening, 2)
    require(org, "line1", None, empathy, 1)
    require(org, "line1", "senior", listening, 4)
    require(org, "line2", "junior", empathy, 3)
    assert required(org, "line1", "senior") == {listening.id: 4, empathy.id: 1}
    assert required(org, "line1", "junior") == {listening.id: 2, empathy.id: 1}
    assert required(org, "line1", None) == {listening.id: 2, empathy.id: 1}
    assert required(org, "line2", "junior") == {empathy.id: 3}
    assert required(org, "line2", "senior") == {}


def test_a_requirement_set_again_is_updated(org: dict[str, Any], skills: dict[str, Skill]) -> None:
    listening = skills["listening"]
    first = require(org, "line1", None, listening, 2)
    again = require(org, "line1", None, listening, 0)
    senior = require(org, "line1", "senior", listening, 3)
    assert again is first
    assert senior is not first
    assert required(org, "line1", None) == {listening.id: 0}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SkillRequirement)) == 2


def test_none_removes_a_requirement(org: dict[str, Any], skills: dict[str, Skill]) -> None:
    listening = skills["listening"]
    require(org, "line1", None, listening, 2)
    require(org, "line1", "senior", listening, 4)
    assert require(org, "line1", "senior", listening, None) is None
    assert required(org, "line1", "senior") == {listening.id: 2}
    assert require(org, "line1", None, listening, None) is None
    assert required(org, "line1", "senior") == {}
    assert require(org, "line1", None, listening, None) is None  # nothing left: no error
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SkillRequirement)) == 0


@pytest.mark.parametrize("level", [5, -1, True, 2.5])
def test_requirement_levels_outside_the_scale(
    org: dict[str, Any], skills: dict[str, Skill], level: Any
) -> None:
    listening = skills["listening"]
    require(org, "line1", None, listening, 2)
    with pytest.raises(ServiceError) as caught:
        require(org, "line1", None, listening, level)
    assert (caught.value.message, caught.value.field) == (LEVEL_ERROR, "level")
    with pytest.raises(ServiceError):
        require(org, "line1", "senior", listening, level)
    assert required(org, "line1", "senior") == {listening.id: 2}


# What other domains record ----------------------------------------------------------------------

SKILLED_COURSE = """\
title: Listen up
language: en
level: basic
skills: {listening: 3}
lessons:
  - 01-why.md
quiz: quiz.gift
"""
PLAIN_COURSE = """\
title: Plain calls
language: en
level: basic
lessons:
  - 01-why.md
quiz: quiz.gift
"""


@pytest.fixture
def skilled_courses(
    tmp_path: Path, skills: dict[str, Skill], sync_dir: Callable[[Path], Any]
) -> None:
    """The course "listen-up" raises listening to 3; "plain-calls" raises nothing."""
    files = {}
    for slug, text in (("listen-up", SKILLED_COURSE), ("plain-calls", PLAIN_COURSE)):
        files[f"{slug}/course.yml"] = text
        files[f"{slug}/01-why.md"] = "# Why\n\nBecause the customer talks.\n"
        files[f"{slug}/quiz.gift"] = "::Hear::Listen to the end.{T}\n"
    sync_dir(write_tree(tmp_path / "content", files))


def test_finishing_a_course_records_its_skills(
    skilled_courses: None, people: dict[str, User], skills: dict[str, Skill]
) -> None:
    anna = people["agent"]
    finish_course(anna, "plain-calls")
    assert assessments_of(anna) == []
    before = utcnow()
    state = finish_course(anna, "listen-up")
    assert state.enrolment is not None and state.enrolment.completed_at is not None
    assert assessments_of(anna) == [("listening", 3, "course", None)]
    made = assessments.current_levels(db.session, [anna.id])[(anna.id, skills["listening"].id)]
    assert made.assessed_at == state.enrolment.completed_at >= before


LINKED_RUBRIC = RUBRIC_YML.replace(
    "  - code: listening\n", "  - code: listening\n    skill: listening\n"
)
FEEDBACK = {
    "observation": "Let the customer finish on every call.",
    "impact": "Calls end calmer.",
    "correction": "Sum up before answering.",
    "consolidation": "Review three calls next month.",
}


def grade_and_confirm(
    attestation: Attestation, people: dict[str, User], today: date, now: datetime
) -> None:
    attestations.grade(
        db.session,
        attestation,
        me(people["mentor"]),
        {"listening": (3, "Sums up."), "accuracy": (4, "Checks the base.")},
        proposal="pass",
        feedback=FEEDBACK,
        now=now - timedelta(hours=1),
    )
    attestations.confirm(db.session, attestation, me(people["hr"]), today=today, now=now)


def test_a_signed_attestation_records_linked_skills(
    attestation: Attestation, people: dict[str, User], today: date
) -> None:
    assert "skill: listening" in LINKED_RUBRIC
    save_rubric(db.session, RUBRIC, LINKED_RUBRIC, actor=None, now=utcnow())
    listening = db.session.scalar(sa.select(Skill).where(Skill.code == "listening"))
    anna, hr, now = people["agent"], people["hr"], utcnow()
    grade_and_confirm(attestation, people, today, now)
    assert assessments_of(anna) == [("listening", 3, "attestation", hr.id)]
    made = assessments.current_levels(db.session, [anna.id])[(anna.id, listening.id)]
    assert made.assessed_at == now
    assert db.session.get(SkillAssessment, made.id).comment == attestation.probation.title


def test_an_attestation_without_linked_skills_records_nothing(
    attestation: Attestation, people: dict[str, User], today: date
) -> None:
    grade_and_confirm(attestation, people, today, utcnow())
    assert attestations.result(attestation) is not None
    assert assessments_of(people["agent"]) == []
