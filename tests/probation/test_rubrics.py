"""Rubrics: every rule with the file, line and field it names; writing back and storing;
the pass rule applied to grades; which proposals need an override."""

from __future__ import annotations

import json

import pytest

from lms.errors import ServiceError
from lms.probation.rubrics import (
    CriterionData,
    Evaluation,
    LevelData,
    RubricData,
    dump_rubric,
    evaluate,
    max_total,
    needs_override,
    read_rubric,
    rubric_from_dict,
    rubric_to_dict,
)

NAME = "rubrics/line1.yml"

# Line numbers matter: the expected messages below point at them.
RUBRIC = """\
title: Line-1 attestation
criteria:
  - code: communication
    title: Communication
    weight: 2
    skill: active-listening
    levels:
      - {level: 1, points: 0, descriptor: Interrupts}
      - {level: 2, points: 1, descriptor: Listens}
      - {level: 3, points: 2, descriptor: Clarifies}
  - code: accuracy
    title: Accuracy
    levels:
      - level: 1
        points: 0
        descriptor: Wrong money facts
      - level: 2
        points: 2
        descriptor: Correct
pass_rule:
  min_total: 5
  min_level: 2
"""

EXPECTED = RubricData("line1", "Line-1 attestation", [
    CriterionData("communication", "Communication", 2, "active-listening", [
        LevelData(1, 0, "Interrupts"), LevelData(2, 1, "Listens"), LevelData(3, 2, "Clarifies"),
    ]),
    CriterionData("accuracy", "Accuracy", 1, None, [
        LevelData(1, 0, "Wrong money facts"), LevelData(2, 2, "Correct"),
    ]),
], min_total=5, min_level=2)  # fmt: skip


def read(text: str, slug: str = "line1") -> tuple[RubricData | None, list[str]]:
    return read_rubric(text, filename=NAME, slug=slug)


def changed(old: str, new: str) -> str:
    assert old in RUBRIC, old
    return RUBRIC.replace(old, new, 1)


def at(line: int, field: str | None, problem: str) -> str:
    where = f"{NAME}, line {line}" + (f", field {field}" if field else "")
    return f"{where}: {problem}"


# Reading ------------------------------------------------------------------------------------


def test_a_good_rubric_reads_with_weight_1_by_default() -> None:
    assert read(RUBRIC) == (EXPECTED, [])


def test_weights_and_points_may_be_fractions() -> None:
    data, problems = read(
        changed("weight: 2", "weight: 1.5").replace("points: 2\n", "points: 2.5\n")
    )
    assert problems == []
    assert data is not None
    assert (data.criteria[0].weight, data.criteria[1].levels[1].points) == (1.5, 2.5)
    assert max_total(data) == 1.5 * 2 + 2.5


def test_min_total_may_be_the_maximum() -> None:
    data, problems = read(changed("min_total: 5", "min_total: 6"))
    assert problems == []
    assert data is not None and data.min_total == max_total(data) == 6


LEVELS_USED = "expected one of the levels used: 1, 2, 3."
RULES = {
    "title required": (
        ("title: Line-1 attestation\n", ""),
        [at(1, "title", "this field is required.")],
    ),
    "code format": (
        ("code: communication", "code: Communication!"),
        [at(3, "code", "expected a code: lowercase Latin letters, digits, “-” and “_”.")],
    ),
    "unique codes": (
        ("code: accuracy", "code: communication"),
        [at(11, "code", "the code “communication” is used twice.")],
    ),
    "skill format": (
        ("skill: active-listening", "skill: Active listening"),
        [at(6, "skill", "expected a code: lowercase Latin letters, digits, “-” and “_”.")],
    ),
    "criterion title required": (
        ("    title: Accuracy\n", ""),
        [at(11, "title", "this field is required.")],
    ),
    "weight positive": (
        ("weight: 2", "weight: 0"),
        [at(5, "weight", "expected a number greater than 0.")],
    ),
    "weight not negative": (
        ("weight: 2", "weight: -1"),
        [at(5, "weight", "expected a number greater than 0.")],
    ),
    "weight a number": (
        ("weight: 2", "weight: 1,5"),
        [at(5, "weight", "expected a number greater than 0.")],
    ),
    "at least two levels": (
        ("      - {level: 2, points: 1, descriptor: Listens}\n"
         "      - {level: 3, points: 2, descriptor: Clarifies}\n", ""),
        [at(7, "levels", "expected a list of levels, at least two, from the lowest up.")],
    ),
    "levels ascending": (
        ("level: 2, points: 1", "level: 1, points: 1"),
        [at(9, "level", "levels go up: expected more than 1, the level before.")],
    ),
    "points ascending": (
        ("level: 3, points: 2", "level: 3, points: 1"),
        [at(10, "points", "points go up with the level: expected more than 1, the points of "
                          "the level before.")],
    ),
    "points not negative": (
        ("level: 1, points: 0", "level: 1, points: -1"),
        [at(8, "points", "expected a number, 0 or more.")],
    ),
    "level a whole number": (
        ("level: 1, points: 0", "level: 0.5, points: 0"),
        [at(8, "level", "expected a whole number from 0 to 100.")],
    ),
    "descriptor required": (
        (", descriptor: Clarifies}", "}"),
        [at(10, "descriptor", "this field is required.")],
    ),
    "a comma inside a flow mapping": (
        ("descriptor: Interrupts}", "descriptor: Interrupts, talks over}"),
        [at(8, None, "“talks over” is read as a field name: text with a comma inside {…} "
                     "must be in quotes.")],
    ),
    "misspelt level key": (
        ("descriptor: Correct", "descripton: Correct"),
        [at(19, "descripton", "unknown field; expected one of: level, points, descriptor."),
         at(17, "descriptor", "this field is required.")],
    ),
    "unknown criterion key": (
        ("weight: 2", "weigth: 2"),
        [at(5, "weigth", "unknown field; expected one of: code, title, weight, skill, levels.")],
    ),
    "unknown top-level key": (
        ("title: Line-1 attestation\n", "title: Line-1 attestation\nsummary: x\n"),
        [at(2, "summary", "unknown field; expected one of: title, criteria, pass_rule.")],
    ),
    "pass rule required": (
        ("pass_rule:\n  min_total: 5\n  min_level: 2\n", ""),
        [at(1, "pass_rule", "expected “min_total” and “min_level” under it.")],
    ),
    "min_total required": (
        ("  min_total: 5\n", ""),
        [at(21, "min_total", "this field is required.")],  # the rule starts on line 21
    ),
    "min_total reachable": (
        ("min_total: 5", "min_total: 6.5"),
        [at(21, "min_total", "cannot be reached: the most a graded rubric totals is 6.")],
    ),
    "min_total not negative": (
        ("min_total: 5", "min_total: -1"),
        [at(21, "min_total", "expected a number, 0 or more.")],
    ),
    "min_level required": (
        ("  min_level: 2\n", ""),
        [at(21, "min_level", "this field is required.")],
    ),
    "min_level one of the levels": (
        ("min_level: 2", "min_level: 4"),
        [at(22, "min_level", LEVELS_USED)],
    ),
    "min_level reachable by every criterion": (
        ("min_level: 2", "min_level: 3"),
        [at(22, "min_level", "the criterion “accuracy” has no level this high, so nobody could "
                             "pass.")],
    ),
    "unknown pass rule key": (
        ("  min_level: 2\n", "  min_level: 2\n  min_percent: 70\n"),
        [at(23, "min_percent", "unknown field; expected one of: min_total, min_level.")],
    ),
}  # fmt: skip


@pytest.mark.parametrize(("change", "expected"), RULES.values(), ids=RULES.keys())
def test_each_rule_names_file_line_and_field(change: tuple[str, str], expected: list[str]) -> None:
    data, problems = read(changed(*change))
    assert data is None
    assert problems == expected


def test_the_pass_rule_is_not_judged_against_broken_criteria() -> None:
    # With a broken weight the maximum is unknown: only the weight is reported.
    data, problems = read(
        changed("weight: 2", "weight: heavy").replace("min_total: 5", "min_total: 9")
    )
    assert data is None
    assert problems == [at(5, "weight", "expected a number greater than 0.")]


def test_criteria_are_required() -> None:
    text = "title: X\ncriteria: []\npass_rule: {min_total: 0, min_level: 1}\n"
    assert read(text) == (None, [at(2, "criteria", "expected a list of criteria, at least one.")])


def test_a_file_that_is_not_a_mapping_or_not_a_slug() -> None:
    assert read("- a\n") == (None, [at(1, None, "expected “key: value” lines.")])
    assert read(RUBRIC, slug="line_1") == (
        None,
        [at(1, None, "the file name must be a slug: lowercase Latin letters, digits and hyphens.")],
    )


# Writing and storing ------------------------------------------------------------------------


def test_read_dump_read_gives_the_same_rubric() -> None:
    assert read(dump_rubric(EXPECTED)) == (EXPECTED, [])


def test_the_dump_writes_levels_as_blocks_so_commas_are_safe() -> None:
    rubric = rubric_from_dict(rubric_to_dict(EXPECTED))
    rubric.criteria[0].levels[0].descriptor = "Перебивает клиента, не подтверждает: понял ли"
    text = dump_rubric(rubric)
    assert text.startswith(
        "title: Line-1 attestation\ncriteria:\n  - code: communication\n"
        "    title: Communication\n    weight: 2\n    skill: active-listening\n"
        "    levels:\n      - level: 1\n        points: 0\n"
    )
    assert "Перебивает клиента" in text
    assert text.endswith("pass_rule:\n  min_total: 5\n  min_level: 2\n")
    assert read(text) == (rubric, [])


def test_the_stored_form_is_json_and_reads_back() -> None:
    stored = json.loads(json.dumps(rubric_to_dict(EXPECTED)))
    assert stored["criteria"][1] == {
        "code": "accuracy",
        "title": "Accuracy",
        "weight": 1,
        "skill": None,
        "levels": [
            {"level": 1, "points": 0, "descriptor": "Wrong money facts"},
            {"level": 2, "points": 2, "descriptor": "Correct"},
        ],
    }
    assert rubric_from_dict(stored) == EXPECTED


# Evaluating ---------------------------------------------------------------------------------


def four_levels(code: str, weight: float) -> CriterionData:
    levels = [LevelData(n, n - 1, f"level {n}") for n in range(1, 5)]  # 0..3 points
    return CriterionData(code, code.title(), weight, None, levels)


# Maximum 3 x 2 + 3 + 3 = 12; passing needs 6 and nothing at level 1.
GRADED = RubricData(
    "grade",
    "Graded",
    [four_levels("talk", 2), four_levels("facts", 1), four_levels("tools", 1)],
    min_total=6,
    min_level=2,
)


def test_a_good_attestation_passes() -> None:
    result = evaluate(GRADED, {"talk": 4, "facts": 3, "tools": 3})
    assert result == Evaluation(
        total=10, max_total=12, percent=83.3, below_min=[], missing=[], passed=True
    )
    assert result.outcome == "pass"


def test_weights_multiply_the_points() -> None:
    assert evaluate(GRADED, {"talk": 4, "facts": 2, "tools": 2}).total == 3 * 2 + 1 + 1
    assert evaluate(GRADED, {"talk": 2, "facts": 4, "tools": 4}).total == 1 * 2 + 3 + 3


def test_exactly_min_total_passes_and_one_point_less_fails() -> None:
    assert evaluate(GRADED, {"talk": 3, "facts": 2, "tools": 2}).passed  # 4 + 1 + 1 = 6
    low = evaluate(GRADED, {"talk": 2, "facts": 3, "tools": 2})  # 2 + 2 + 1 = 5
    assert (low.total, low.below_min, low.passed, low.outcome) == (5, [], False, "fail")


def test_a_high_total_with_one_criterion_below_min_level_fails() -> None:
    result = evaluate(GRADED, {"talk": 4, "facts": 4, "tools": 1})
    assert (result.total, result.percent) == (9, 75.0)
    assert result.total >= GRADED.min_total
    assert result.below_min == ["tools"]
    assert (result.passed, result.outcome) == (False, "fail")


def test_missing_grades_fail_and_are_listed() -> None:
    result = evaluate(GRADED, {"talk": 4, "facts": 4, "tools": None})
    assert (result.total, result.missing, result.below_min) == (9, ["tools"], [])
    assert not result.passed
    assert evaluate(GRADED, {}).missing == ["talk", "facts", "tools"]


def test_fractional_weights_do_not_miss_the_rule_by_rounding() -> None:
    rubric = RubricData(
        "r", "R", [four_levels("a", 0.1), four_levels("b", 0.2)], min_total=0.3, min_level=1
    )
    result = evaluate(rubric, {"a": 2, "b": 2})  # 0.1 + 0.2
    assert result.total == 0.3
    assert result.passed


@pytest.mark.parametrize("level", [5, 0, "3", True, 2.5])
def test_a_level_the_criterion_lacks_is_an_error_naming_it(level: object) -> None:
    with pytest.raises(ServiceError) as error:
        evaluate(GRADED, {"talk": 4, "facts": level})  # type: ignore[dict-item]
    assert error.value.message == (
        f"“Facts” (facts) has no level {level}; choose one of: 1, 2, 3, 4."
    )
    assert error.value.field == "facts"


def test_a_grade_for_an_unknown_criterion_is_an_error() -> None:
    with pytest.raises(ServiceError) as error:
        evaluate(GRADED, {"talk": 4, "speed": 2})
    assert error.value.message == "The rubric has no criterion “speed”."


def test_a_stored_rubric_grades_the_same() -> None:
    grades = {"talk": 4, "facts": 4, "tools": 1}
    stored = rubric_from_dict(json.loads(json.dumps(rubric_to_dict(GRADED))))
    assert evaluate(stored, grades) == evaluate(GRADED, grades)


PASSING = {"talk": 4, "facts": 4, "tools": 4}
FAILING = {"talk": 4, "facts": 4, "tools": 1}


def test_allowed_proposals_follow_the_outcome() -> None:
    assert evaluate(GRADED, PASSING).allowed_proposals() == ("pass", "extend")
    assert evaluate(GRADED, FAILING).allowed_proposals() == ("fail", "extend")


@pytest.mark.parametrize(
    ("grades", "proposal", "override"),
    [
        (PASSING, "pass", False),
        (PASSING, "extend", False),
        (PASSING, "fail", True),
        (FAILING, "fail", False),
        (FAILING, "extend", False),
        (FAILING, "pass", True),
    ],
    ids=["passed-pass", "passed-extend", "passed-fail", "failed-fail", "failed-extend",
         "failed-pass"],
)  # fmt: skip
def test_needs_override(grades: dict[str, int], proposal: str, override: bool) -> None:
    assert needs_override(evaluate(GRADED, grades), proposal) is override


def test_an_unknown_proposal_is_an_error() -> None:
    with pytest.raises(ServiceError) as error:
        needs_override(evaluate(GRADED, PASSING), "promote")
    assert error.value.message == "Propose one of: pass, fail, extend."
    assert error.value.field == "proposal"
