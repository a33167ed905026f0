"""Evaluation definitions: every rule with the file, line and field it names; writing back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from flask import Flask
from flask_babel import force_locale

from lms.evaluation.definition import (
    DefinitionError,
    EvaluationDefinition,
    definition_to_yaml,
    parse_definition,
    read_definition,
)
from lms.evaluation.phillips import Costs

NAME = "evaluations/negativity-2024.yml"


@pytest.fixture(autouse=True)
def _english(app: Flask) -> Iterator[None]:
    """Messages in English; the readers need no database, only the translation helpers."""
    with app.test_request_context(), force_locale("en"):
        yield


# Line numbers matter: the expected messages below point at them.
DEFINITION = """\
title: Handling negative customers, spring 2024
course: customer-negativity
completed_from: 2024-03-01
completed_to: 2024-05-31
before_months: 3
after_months: 3
control_group: true
metrics:
  dsat: 150
  csat: 100.5
  qa-score: null
costs:
  development: 50000
  delivery_per_participant: 500
  hourly_cost: 20
  other: 3000
  evaluation: 7000
follow_up_days: [30, 90]
behaviours:
  - Paraphrase the customer's complaint
  - Offer a concrete next step
"""

EXPECTED = EvaluationDefinition(
    slug="negativity-2024",
    title="Handling negative customers, spring 2024",
    course="customer-negativity",
    program=None,
    completed_from=date(2024, 3, 1),
    completed_to=date(2024, 5, 31),
    before_months=3,
    after_months=3,
    control_group=True,
    metrics={"dsat": 150.0, "csat": 100.5, "qa-score": None},
    costs=Costs(50000.0, 500.0, 20.0, 3000.0, 7000.0),
    follow_up_days=[30, 90],
    behaviours=["Paraphrase the customer's complaint", "Offer a concrete next step"],
)


def at(line: int, field: str | None, problem: str) -> str:
    place = f"{NAME}, line {line}" + (f", field {field}" if field else "")
    return f"{place}: {problem}"


def changed(old: str, new: str) -> str:
    assert old in DEFINITION, old
    return DEFINITION.replace(old, new, 1)


def problems_of(text: str, **known: set[str]) -> list[str]:
    definition, problems = read_definition(text, filename=NAME, **known)  # type: ignore[arg-type]
    assert (definition is None) == bool(problems)
    return problems


def test_a_good_definition_reads_whole() -> None:
    assert parse_definition(DEFINITION, filename=NAME) == EXPECTED
    assert EXPECTED.intangibles == ["qa-score"]


def test_defaults_control_group_costs_follow_ups_and_behaviours() -> None:
    text = (
        changed("control_group: true\n", "")
        .replace("  other: 3000\n  evaluation: 7000\n", "")
        .replace("follow_up_days: [30, 90]\n", "")
        .split("behaviours:")[0]
    )
    definition = parse_definition(text, filename=NAME)
    assert definition.control_group is False
    assert definition.costs == Costs(50000.0, 500.0, 20.0, 0.0, 0.0)
    assert definition.follow_up_days == [30, 90]
    assert definition.behaviours == []


def test_a_program_instead_of_a_course() -> None:
    text = changed("course: customer-negativity", "program: line-one-path")
    definition = parse_definition(text, filename=NAME, known_programs={"line-one-path"})
    assert (definition.course, definition.program) == (None, "line-one-path")


SLUG = "expected a slug: lowercase Latin letters, digits and hyphens."
KEYS = (
    "title, course, program, completed_from, completed_to, before_months, after_months, "
    "control_group, metrics, costs, follow_up_days, behaviours"
)
METRICS = (
    "expected KPI codes, each with the money value of one unit of improvement per participant "
    "per month (or null)."
)
COSTS = "development, delivery_per_participant, hourly_cost, other, evaluation"
MONTHS = "expected a whole number from 1 to 24."
DATE = "expected a date: YYYY-MM-DD."

RULES = {
    "title missing": (("title: Handling negative customers, spring 2024", "title: ''"),
                      [at(1, "title", "this field is required.")]),
    "unknown key": (("control_group: true", "control_groups: true"),
                    [at(7, "control_groups", f"unknown field; expected one of: {KEYS}.")]),
    "course and program": (("course: customer-negativity",
                            "course: customer-negativity\nprogram: line-one-path"),
                           [at(3, "program", "give either “course” or “program”, not both.")]),
    "neither": (("course: customer-negativity\n", ""),
                [at(1, "course", "give the course evaluated (“course: slug”) or the program.")]),
    "course not a slug": (("course: customer-negativity", "course: Customer Negativity"),
                          [at(2, "course", SLUG)]),
    "date not a date": (("completed_from: 2024-03-01", "completed_from: spring"),
                        [at(3, "completed_from", DATE)]),
    "date with a time": (("completed_to: 2024-05-31", "completed_to: 2024-05-31 10:00:00"),
                         [at(4, "completed_to", DATE)]),
    "date missing": (("completed_to: 2024-05-31", "completed_to:"),
                     [at(4, "completed_to", "this field is required.")]),
    "dates reversed": (("completed_to: 2024-05-31", "completed_to: 2024-02-01"),
                       [at(4, "completed_to",
                           "the last date must not be before “completed_from”.")]),
    "impossible date": (("completed_to: 2024-05-31", "completed_to: 2024-02-30"),
                        [at(4, None, "2024-02-30 is not a date that exists.")]),
    "before months zero": (("before_months: 3", "before_months: 0"),
                           [at(5, "before_months", MONTHS)]),
    "after months too many": (("after_months: 3", "after_months: 25"),
                              [at(6, "after_months", MONTHS)]),
    "after months text": (("after_months: 3", "after_months: three"),
                          [at(6, "after_months", MONTHS)]),
    "control group not a flag": (("control_group: true", "control_group: maybe"),
                                 [at(7, "control_group", "expected true or false.")]),
    "metrics empty": (("metrics:\n  dsat: 150\n  csat: 100.5\n  qa-score: null",
                       "metrics: {}"),
                      [at(8, "metrics", METRICS)]),
    "metric code": (("  dsat: 150", "  DSAT %: 150"),
                    [at(9, "DSAT %", "expected a metric code: lowercase Latin letters, digits, "
                                     "“-” and “_”.")]),
    "metric value negative": (("  csat: 100.5", "  csat: -3"),
                              [at(10, "csat", "expected a money value, 0 or more, or null "
                                              "(intangible).")]),
    "metric value text": (("  csat: 100.5", "  csat: a lot"),
                          [at(10, "csat", "expected a money value, 0 or more, or null "
                                          "(intangible).")]),
    "costs missing": (("costs:\n  development: 50000\n  delivery_per_participant: 500\n"
                       "  hourly_cost: 20\n  other: 3000\n  evaluation: 7000\n", ""),
                      [at(1, "costs", f"expected the costs: {COSTS}.")]),
    "required cost missing": (("  hourly_cost: 20\n", ""),
                              [at(13, "hourly_cost", "this field is required.")]),
    "cost negative": (("  other: 3000", "  other: -1"),
                      [at(16, "other", "expected a number, 0 or more.")]),
    "unknown cost": (("  evaluation: 7000", "  evaluation: 7000\n  catering: 100"),
                     [at(18, "catering", f"unknown field; expected one of: {COSTS}.")]),
    "follow-ups not increasing": (("follow_up_days: [30, 90]", "follow_up_days: [90, 30]"),
                                  [at(18, "follow_up_days", "expected days after completion, "
                                      "increasing, each from 1 to 730: [30, 90].")]),
    "follow-up day zero": (("follow_up_days: [30, 90]", "follow_up_days: [0]"),
                           [at(18, "follow_up_days", "expected days after completion, "
                               "increasing, each from 1 to 730: [30, 90].")]),
    "behaviour blank": (("  - Offer a concrete next step", "  - ''"),
                        [at(19, "behaviours", "expected a list of target behaviours, each a "
                                              "line of text of at most 200 characters.")]),
    "behaviour twice": (("  - Offer a concrete next step", "  - Paraphrase the customer's "
                                                           "complaint"),
                        [at(19, "behaviours", "the behaviour “Paraphrase the customer's "
                                              "complaint” is listed twice.")]),
}  # fmt: skip


@pytest.mark.parametrize(("change", "expected"), RULES.values(), ids=RULES.keys())
def test_each_rule_names_file_line_and_field(change: tuple[str, str], expected: list[str]) -> None:
    assert problems_of(changed(*change)) == expected


def test_every_problem_is_reported_at_once() -> None:
    text = (
        changed("title: Handling negative customers, spring 2024", "titel: Handling")
        .replace("before_months: 3", "before_months: 0")
        .replace("  csat: 100.5", "  csat: -1")
        .replace("  hourly_cost: 20\n", "")
    )
    assert problems_of(text) == [
        at(1, "titel", f"unknown field; expected one of: {KEYS}."),
        at(1, "title", "this field is required."),
        at(5, "before_months", MONTHS),
        at(10, "csat", "expected a money value, 0 or more, or null (intangible)."),
        at(13, "hourly_cost", "this field is required."),
    ]


def test_the_error_carries_every_problem() -> None:
    text = changed("before_months: 3", "before_months: 0").replace("after_months: 3", "")
    with pytest.raises(DefinitionError) as caught:
        parse_definition(text, filename=NAME)
    assert caught.value.problems == [
        at(5, "before_months", MONTHS),
        at(1, "after_months", "this field is required."),
    ]
    assert caught.value.message == "2 problems found; nothing was imported."


def test_unknown_course_program_and_metrics_are_reported_when_the_caller_knows() -> None:
    known = {"known_courses": {"product-basics"}, "known_metrics": {"dsat", "csat"}}
    assert problems_of(DEFINITION, **known) == [
        at(2, "course", "there is no course “customer-negativity”."),
        at(11, "qa-score", "there is no such metric in the KPI catalogue."),
    ]
    text = changed("course: customer-negativity", "program: line-one-path")
    assert problems_of(text, known_programs={"other"}) == [
        at(2, "program", "there is no program “line-one-path”.")
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("title: [unclosed\n", at(2, None, "this is not valid YAML (expected ',' or ']', but "
                                          "got '<stream end>').")),
        ("- title: X\n", at(1, None, "expected “key: value” lines.")),
        ("", at(1, None, "expected “key: value” lines.")),
    ],
    ids=["not YAML", "a list", "empty"],
)  # fmt: skip
def test_a_file_that_is_not_a_mapping(text: str, expected: str) -> None:
    assert problems_of(text) == [expected]


def test_the_file_name_must_be_a_slug() -> None:
    definition, problems = read_definition(DEFINITION, filename="evaluations/Spring 2024.yml")
    assert definition is None
    assert problems == [
        "evaluations/Spring 2024.yml, line 1: the file name must be a slug: lowercase Latin "
        "letters, digits and hyphens."
    ]


# Writing back -------------------------------------------------------------------------------


def test_read_dump_read_gives_the_same_definition() -> None:
    assert parse_definition(definition_to_yaml(EXPECTED), filename=NAME) == EXPECTED


def test_the_dump_is_the_file_format() -> None:
    assert definition_to_yaml(EXPECTED) == DEFINITION


def test_a_program_defaults_and_awkward_text_survive_the_round_trip() -> None:
    definition = EvaluationDefinition(
        slug="negativity-2024",
        title="Работа с негативом: «жалобы» # 2",
        course=None,
        program="line-one-path",
        completed_from=date(2024, 1, 1),
        completed_to=date(2024, 1, 1),
        before_months=1,
        after_months=24,
        control_group=False,
        metrics={"fcr": 0.0, "dsat": 12.75},
        costs=Costs(0.0, 0.0, 0.0),
        behaviours=["Say: “I understand”", "- not a list item", "yes"],
    )
    text = definition_to_yaml(definition)
    assert parse_definition(text, filename=NAME) == definition
