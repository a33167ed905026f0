"""Probation fixtures over the database: the test course, program and article of
``tests/courses``, a rubric and a plan template written here, the people of a probation
and a started one.

``tests/probation/conftest.py`` imports every name in ``__all__``; services run inside its
English request context, on the same session the fixtures commit through ``in_app``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from lms.auth.models import Department, Position, User
from lms.courses.models import Course
from lms.extensions import db
from lms.models_base import utcnow
from lms.probation import services
from lms.probation.library import save_plan_template, save_rubric
from lms.probation.models import Attestation, PlanTemplate, Probation, ProbationItem
from tests.courses.conftest import (
    ARTICLE,
    COURSE,
    PROGRAM,
    content_dir,
    course,
    in_app,
    kb_article,
    line1,
    load_skills,
    me,
    person,
    sync_dir,
    write_tree,
)

__all__ = [
    "agent_position",
    "attestation",
    "content_dir",
    "course",
    "in_app",
    "kb_article",
    "line1",
    "load_skills",
    "people",
    "person",
    "probation",
    "probation_dir",
    "sync_dir",
    "template",
]

POSITION = "agent-l1"
RUBRIC = "calm-rubric"
PLAN = "line1-agent"
# Day 1 of the probation the ``probation`` fixture starts: yesterday, so that a date
# computed from today instead of the start date is one day off.
START_OFFSET = timedelta(days=-1)

# Listening weighs 2, accuracy 1: at most 2 * 3 + 1 * 3 = 9 points. A pass needs 6 points
# and no criterion below level 2.
RUBRIC_YML = """\
title: Calm attestation
criteria:
  - code: listening
    title: Listening
    weight: 2
    levels:
      - {level: 1, points: 0, descriptor: Interrupts the customer.}
      - {level: 2, points: 1, descriptor: Listens to the end.}
      - {level: 3, points: 2, descriptor: Asks and sums up.}
      - {level: 4, points: 3, descriptor: Leads the call.}
  - code: accuracy
    title: Accuracy
    levels:
      - {level: 1, points: 0, descriptor: A critical mistake.}
      - {level: 2, points: 1, descriptor: Vague answers.}
      - {level: 3, points: 2, descriptor: Answers by the knowledge base.}
      - {level: 4, points: 3, descriptor: Right the first time.}
pass_rule:
  min_total: 6
  min_level: 2
"""


def plan_yml(
    *,
    course: str = COURSE,
    article: str = ARTICLE,
    program: str = PROGRAM,
    rubric: str = RUBRIC,
    position: str = POSITION,
) -> str:
    """A 30-day plan; in the first stage the article (day 3) is listed before the meeting
    (day 2), so file order and date order differ."""
    return f"""\
title: Line-1 probation
position: {position}
duration_days: 30
stages:
  - title: Week one
    days: [1, 7]
    items:
      - kind: article
        article: {article}
        due_day: 3
      - kind: meeting
        title: Meet the mentor
        due_day: 2
      - kind: course
        course: {course}
        due_day: 7
  - title: The rest
    days: [8, 30]
    items:
      - kind: task
        title: Handle 20 chats
        due_day: 20
      - kind: program
        program: {program}
        due_day: 25
      - kind: attestation
        rubric: {rubric}
        due_day: 28
"""


# Content ------------------------------------------------------------------------------------


@pytest.fixture
def agent_position(make_org: Callable[..., Any]) -> Position:
    return make_org(Position, POSITION, "Line-1 agent")


@pytest.fixture
def probation_dir(tmp_path: Path) -> Path:
    """HR's content folder: ``rubrics/calm-rubric.yml`` and ``probation/line1-agent.yml``."""
    return write_tree(
        tmp_path / "hr",
        {f"rubrics/{RUBRIC}.yml": RUBRIC_YML, f"probation/{PLAN}.yml": plan_yml()},
    )


@pytest.fixture
def template(in_app: Callable[..., Any], course: Course, agent_position: Position) -> PlanTemplate:
    """The rubric and the plan template saved as files ship them, with everything they name."""

    def save(session: Any) -> PlanTemplate:
        save_rubric(session, RUBRIC, RUBRIC_YML, actor=None, now=utcnow())
        return save_plan_template(session, PLAN, plan_yml(), actor=None, now=utcnow())

    return in_app(save)


# People and a probation -----------------------------------------------------------------------


@pytest.fixture
def people(
    person: Callable[..., User], line1: Department, agent_position: Position
) -> dict[str, User]:
    """The new agent and another agent, their mentor and another mentor, and HR."""
    return {
        "agent": person(department=line1, position=agent_position, name="Anna Agent"),
        "other_agent": person(department=line1, position=agent_position, name="Oleg Other"),
        "mentor": person("mentor", department=line1, name="Maria Mentor"),
        "other_mentor": person("mentor", department=line1, name="Pavel Mentor"),
        "hr": person("hr", name="Helen HR"),
    }


@pytest.fixture
def probation(
    in_app: Callable[..., Any],
    template: PlanTemplate,
    people: dict[str, User],
    today: date,
) -> Probation:
    """Anna's probation, started yesterday by HR with Maria as mentor."""

    def start(session: Any) -> Probation:
        return services.start_probation(
            session,
            me(people["agent"]),
            session.get(PlanTemplate, template.id),
            mentor=me(people["mentor"]),
            started_on=today + START_OFFSET,
            actor=me(people["hr"]),
            today=today,
            now=utcnow(),
        )

    return in_app(start)


@pytest.fixture
def attestation(probation: Probation) -> Attestation:
    found = services.attestation_of(db.session, probation)
    assert found is not None
    return found


def item_of(probation: Probation, kind: str) -> ProbationItem:
    """The plan's first item of ``kind``."""
    return next(item for item in probation.items if item.kind == kind)
