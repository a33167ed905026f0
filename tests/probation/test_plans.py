"""Plan templates: every rule with the file, line and field it names; writing back; dates."""

from __future__ import annotations

from datetime import date

import pytest

from lms.errors import ServiceError
from lms.probation.plans import (
    ItemData,
    PlanTemplateData,
    StageData,
    dump_plan_template,
    end_date,
    extend,
    plan_dates,
    read_plan_template,
    references,
)

NAME = "probation/line1.yml"

# Line numbers matter: the expected messages below point at them.
PLAN = """\
title: Probation of a line-1 agent
position: agent-l1
duration_days: 90
stages:
  - title: Days 1-30
    days: [1, 30]
    items:
      - kind: course
        course: product-basics
        due_day: 14
      - kind: article
        article: refund-timelines
        title: Refund timelines
        due_day: 7
      - kind: task
        title: Handle 20 chats with a mentor listening
        due_day: 25
  - title: Days 31-60
    days: [31, 60]
    items:
      - kind: program
        program: line-one-path
        due_day: 60
      - kind: meeting
        title: Meeting with the mentor
        due_day: 45
  - title: Days 61-90
    days: [61, 90]
    items:
      - kind: attestation
        rubric: line1-attestation
        due_day: 88
"""

EXPECTED = PlanTemplateData("line1", "Probation of a line-1 agent", "agent-l1", 90, [
    StageData("Days 1-30", 1, 30, [
        ItemData("course", "", "product-basics", 14),
        ItemData("article", "Refund timelines", "refund-timelines", 7),
        ItemData("task", "Handle 20 chats with a mentor listening", None, 25),
    ]),
    StageData("Days 31-60", 31, 60, [
        ItemData("program", "", "line-one-path", 60),
        ItemData("meeting", "Meeting with the mentor", None, 45),
    ]),
    StageData("Days 61-90", 61, 90, [ItemData("attestation", "", "line1-attestation", 88)]),
])  # fmt: skip


def read(text: str, slug: str = "line1") -> tuple[PlanTemplateData | None, list[str]]:
    return read_plan_template(text, filename=NAME, slug=slug)


def problems_of(text: str) -> list[str]:
    data, problems = read(text)
    assert data is None
    return problems


def changed(old: str, new: str) -> str:
    assert old in PLAN, old
    return PLAN.replace(old, new, 1)


def at(line: int, field: str | None, problem: str) -> str:
    where = f"{NAME}, line {line}" + (f", field {field}" if field else "")
    return f"{where}: {problem}"


# Reading a good file ------------------------------------------------------------------------


def test_a_good_plan_reads_into_stages_and_items() -> None:
    data, problems = read(PLAN)
    assert problems == []
    assert data == EXPECTED


def test_items_remember_the_line_they_start_on() -> None:
    data, _ = read(PLAN)
    assert data is not None
    assert [item.line for stage in data.stages for item in stage.items] == [8, 11, 15, 21, 24, 30]


def test_duration_is_90_days_unless_given() -> None:
    data, problems = read(changed("duration_days: 90\n", ""))
    assert problems == []
    assert data is not None and data.duration_days == 90


def test_a_longer_probation_may_hold_later_stages() -> None:
    text = changed("duration_days: 90", "duration_days: 120").replace(
        "days: [61, 90]", "days: [61, 120]"
    )
    data, problems = read(text.replace("due_day: 88", "due_day: 118"))
    assert problems == []
    assert data is not None
    assert (data.duration_days, data.stages[-1].end_day) == (120, 120)
    assert data.stages[-1].items[0].due_day == 118


# Every rule, with where it was broken ---------------------------------------------------------

RULES = {
    "title required": (
        ("title: Probation of a line-1 agent\n", ""),
        [at(1, "title", "this field is required.")],
    ),
    "position is a code": (
        ("position: agent-l1", "position: Agent L1"),
        [at(2, "position", "expected a position code: lowercase Latin letters, digits, “-” "
                           "and “_”.")],
    ),
    "position required": (
        ("position: agent-l1\n", ""),
        [at(1, "position", "this field is required.")],
    ),
    "duration at least 1": (
        ("duration_days: 90", "duration_days: 0"),
        [at(3, "duration_days", "expected a whole number from 1 to 365.")],
    ),
    "duration a number": (
        ("duration_days: 90", "duration_days: ninety"),
        [at(3, "duration_days", "expected a whole number from 1 to 365.")],
    ),
    "stage beyond the duration": (
        ("duration_days: 90", "duration_days: 60"),
        [
            at(28, "days", "expected [first day, last day]: whole numbers from 1 to 60, "
                           "the first not after the last."),
            at(32, "due_day", "expected a day of this stage, from 1 to 60."),
        ],
    ),
    "days reversed": (
        ("days: [1, 30]", "days: [30, 1]"),
        [at(6, "days", "expected [first day, last day]: whole numbers from 1 to 90, "
                       "the first not after the last.")],
    ),
    "days not a pair": (
        ("days: [1, 30]", "days: 30"),
        [at(6, "days", "expected [first day, last day]: whole numbers from 1 to 90, "
                       "the first not after the last.")],
    ),
    "days required": (
        ("    days: [1, 30]\n", ""),
        [at(5, "days", "this field is required.")],
    ),
    "stages overlap": (
        ("days: [31, 60]", "days: [30, 60]"),
        [at(19, "days", "stages go in order without overlapping: this one must start after "
                        "day 30, where the stage before it ends.")],
    ),
    "stages out of order": (
        ("days: [61, 90]", "days: [50, 90]"),
        [at(28, "days", "stages go in order without overlapping: this one must start after "
                        "day 60, where the stage before it ends.")],
    ),
    "due day within its stage": (
        ("due_day: 14", "due_day: 31"),
        [at(10, "due_day", "expected a day of this stage, from 1 to 30.")],
    ),
    "due day before its stage": (
        ("due_day: 45", "due_day: 30"),
        [at(26, "due_day", "expected a day of this stage, from 31 to 60.")],
    ),
    "due day a number": (
        ("due_day: 14", "due_day: fourteen"),
        [at(10, "due_day", "expected a day of this stage, from 1 to 30.")],
    ),
    "due day required": (
        ("        due_day: 14\n", ""),
        [at(8, "due_day", "this field is required.")],
    ),
    "task needs a title": (
        ("        title: Handle 20 chats with a mentor listening\n", ""),
        [at(15, "title", "this field is required.")],
    ),
    "meeting needs a title": (
        ("        title: Meeting with the mentor\n", ""),
        [at(24, "title", "this field is required.")],
    ),
    "course needs its slug": (
        ("        course: product-basics\n", ""),
        [at(8, "course", "this field is required.")],
    ),
    "course slug format": (
        ("course: product-basics", "course: Product_Basics"),
        [at(9, "course", "expected a slug: lowercase Latin letters, digits and hyphens.")],
    ),
    "program slug format": (
        ("program: line-one-path", "program: [line-one-path]"),
        [at(22, "program", "expected a slug: lowercase Latin letters, digits and hyphens.")],
    ),
    "article slug format": (
        ("article: refund-timelines", "article: refund timelines"),
        [at(12, "article", "expected an article slug: its file name without .md.")],
    ),
    "attestation needs its rubric": (
        ("        rubric: line1-attestation\n", ""),
        [at(30, "rubric", "this field is required.")],
    ),
    "kind required": (
        ("      - kind: task\n        title", "      - title"),
        [at(15, "kind", "this field is required.")],
    ),
    "kind known": (
        ("kind: program", "kind: webinar"),
        [at(21, "kind", "expected one of: course, program, article, task, meeting, attestation.")],
    ),
    "unknown top-level key": (
        ("duration_days: 90\n", "duration_days: 90\nduraton: 90\n"),
        [at(4, "duraton", "unknown field; expected one of: title, position, duration_days, "
                          "stages.")],
    ),
    "unknown stage key": (
        ("  - title: Days 1-30\n", "  - title: Days 1-30\n    goal: Learn\n"),
        [at(6, "goal", "unknown field; expected one of: title, days, items.")],
    ),
    "a key of another kind": (
        ("        due_day: 25\n", "        due_day: 25\n        course: product-basics\n"),
        [at(18, "course", "unknown field; expected one of: kind, title, due_day.")],
    ),
    "misspelt item key": (
        ("        due_day: 14", "        due: 14"),
        [
            at(10, "due", "unknown field; expected one of: kind, title, due_day, course."),
            at(8, "due_day", "this field is required."),
        ],
    ),
    "no attestation": (
        (
            "      - kind: attestation\n        rubric: line1-attestation\n",
            "      - kind: meeting\n        title: Last talk\n",
        ),
        [at(4, "stages", "the plan needs an attestation item (kind: attestation) in its last "
                         "stage.")],
    ),
    "attestation before the last stage": (
        (
            "      - kind: meeting\n        title: Meeting with the mentor\n",
            "      - kind: attestation\n        rubric: line1-attestation\n",
        ),
        [
            at(30, "kind", "a plan has one attestation; there is already one on line 24."),
            at(24, "kind", "the attestation belongs in the last stage."),
        ],
    ),
    "two attestations in the last stage": (
        (
            "        due_day: 88\n",
            "        due_day: 88\n      - kind: attestation\n        rubric: spare\n"
            "        due_day: 89\n",
        ),
        [at(33, "kind", "a plan has one attestation; there is already one on line 30.")],
    ),
}  # fmt: skip


@pytest.mark.parametrize(("change", "expected"), RULES.values(), ids=RULES.keys())
def test_each_rule_names_file_line_and_field(change: tuple[str, str], expected: list[str]) -> None:
    assert problems_of(changed(*change)) == expected


def test_every_problem_is_reported_at_once() -> None:
    text = (
        changed("title: Probation of a line-1 agent", "titel: Probation")
        .replace("due_day: 14", "due_day: 40")
        .replace("kind: program", "kind: webinar")
    )
    assert problems_of(text) == [
        at(1, "titel", "unknown field; expected one of: title, position, duration_days, stages."),
        at(1, "title", "this field is required."),
        at(10, "due_day", "expected a day of this stage, from 1 to 30."),
        at(21, "kind", "expected one of: course, program, article, task, meeting, attestation."),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("title: X\nposition: agent-l1\nstages: []\n",
         [at(3, "stages", "expected a list of stages, at least one.")]),
        ("title: X\nposition: agent-l1\n",
         [at(1, "stages", "expected a list of stages, at least one.")]),
        ("title: X\nposition: agent-l1\nstages:\n  - Days 1-30\n",
         [at(3, "stages", "each stage needs “title”, “days” and “items”.")]),
        ("title: X\nposition: agent-l1\nstages:\n  - title: All\n    days: [1, 90]\n"
         "    items: []\n",
         [at(6, "items", "expected a list of items, at least one."),
          at(3, "stages", "the plan needs an attestation item (kind: attestation) in its last "
                          "stage.")]),
        ("title: X\nposition: agent-l1\nstages:\n  - title: All\n    days: [1, 90]\n    items:\n"
         "      - read the book\n      - {kind: attestation, rubric: r, due_day: 88}\n",
         [at(6, "items", "each item needs “kind” and “due_day”.")]),
    ],
    ids=["empty stages", "no stages", "stage not a mapping", "empty items", "item not a mapping"],
)  # fmt: skip
def test_the_shape_of_stages_and_items(text: str, expected: list[str]) -> None:
    assert problems_of(text) == expected


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
    data, problems = read(PLAN, slug="Line 1")
    assert data is None
    assert problems == [
        at(1, None, "the file name must be a slug: lowercase Latin letters, digits and hyphens.")
    ]


# Writing back -------------------------------------------------------------------------------


def test_read_dump_read_gives_the_same_plan() -> None:
    text = dump_plan_template(EXPECTED)
    data, problems = read(text)
    assert problems == []
    assert data == EXPECTED


def test_the_dump_is_the_file_format() -> None:
    text = dump_plan_template(EXPECTED)
    assert text.startswith(
        "title: Probation of a line-1 agent\nposition: agent-l1\nduration_days: 90\nstages:\n"
        "  - title: Days 1-30\n    days: [1, 30]\n    items:\n"
        "      - kind: course\n        course: product-basics\n        due_day: 14\n"
        "      - kind: article\n        article: refund-timelines\n"
        "        title: Refund timelines\n        due_day: 7\n"
    )
    assert "      - kind: attestation\n        rubric: line1-attestation\n" in text


def test_russian_text_and_awkward_titles_survive_the_round_trip() -> None:
    items = [
        ItemData("task", "123", None, 5),
        ItemData("meeting", "yes", None, 6),
        ItemData("attestation", "Аттестация: итог", "line1-attestation", 88),
    ]
    title = "Дни 1–30: знакомство — «продукт», # не комментарий"
    plan = PlanTemplateData("line1", "Испытательный срок", "agent-l1", 90,
                            [StageData(title, 1, 90, items)])  # fmt: skip
    text = dump_plan_template(plan)
    assert "Дни 1–30" in text  # written as text, not \u escapes
    assert read(text) == (plan, [])


def test_references_lists_every_slug_by_kind() -> None:
    assert references(EXPECTED) == {
        "course": {"product-basics"},
        "program": {"line-one-path"},
        "article": {"refund-timelines"},
        "rubric": {"line1-attestation"},
        "position": {"agent-l1"},
    }


# Dates --------------------------------------------------------------------------------------


def test_day_one_is_the_start_date() -> None:
    dates = plan_dates(EXPECTED, date(2026, 1, 1))
    assert [(stage.title, item.due_day, due_on) for stage, item, due_on in dates] == [
        ("Days 1-30", 14, date(2026, 1, 14)),
        ("Days 1-30", 7, date(2026, 1, 7)),
        ("Days 1-30", 25, date(2026, 1, 25)),
        ("Days 31-60", 60, date(2026, 3, 1)),
        ("Days 31-60", 45, date(2026, 2, 14)),
        ("Days 61-90", 88, date(2026, 3, 29)),
    ]


@pytest.mark.parametrize(
    ("start", "duration", "end"),
    [
        (date(2026, 1, 1), 90, date(2026, 3, 31)),
        (date(2028, 1, 1), 90, date(2028, 3, 30)),  # 29 February counts
        (date(2026, 11, 15), 90, date(2027, 2, 12)),
        (date(2026, 5, 4), 1, date(2026, 5, 4)),
    ],
)
def test_end_date_is_the_last_day_of_the_probation(start: date, duration: int, end: date) -> None:
    assert end_date(duration, start) == end


def test_a_due_day_can_fall_on_29_february() -> None:
    dates = plan_dates(EXPECTED, date(2028, 2, 16))
    assert dates[0][2] == date(2028, 2, 29)  # day 14


@pytest.mark.parametrize(
    ("end", "days", "new_end"),
    [
        (date(2026, 3, 31), 30, date(2026, 4, 30)),
        (date(2028, 2, 28), 1, date(2028, 2, 29)),
        (date(2026, 12, 20), 30, date(2027, 1, 19)),
    ],
)
def test_extend_moves_the_last_day(end: date, days: int, new_end: date) -> None:
    assert extend(end, days) == new_end


@pytest.mark.parametrize("days", [0, -5, True])
def test_extend_needs_at_least_one_day(days: int) -> None:
    with pytest.raises(ServiceError) as error:
        extend(date(2026, 3, 31), days)
    assert error.value.message == "An extension is a whole number of days, 1 or more."
    assert error.value.field == "days"
