"""Grading each question type as Moodle grades it."""

from __future__ import annotations

from pathlib import Path

import pytest

from lms.courses.gift import (
    Question,
    correct_response,
    grade,
    normalise_response,
    parse_gift,
    parse_gift_bytes,
)
from lms.courses.gift.grading import parse_number

FIXTURES = Path("/work/shared/testdata/gift-moodle")


def one(gift: str) -> Question:
    (question,) = parse_gift(gift)
    return question


COLOURS = one("Colours?{~%50%yellow#half ~%-100%red#no ~%50%green#half ~blue####Spectrum.}")
SINGLE = one("Pick{=right#Yes! ~%50%close#Nearly ~%-50%bad#Costly ~wrong}")
ANIMAL = one("Best animal?{=Frog#Good! =%50%Cat#Cats? =%0%*#Completely wrong}")
BORN = one("Grant born? {#=1822:0#Exact =%50%1822:2#Close ~#Not even close}")
CAPITALS = one("Match{=Canada -> Ottawa =Italy -> Rome =Japan -> Tokyo = -> Paris}")


# Multiple choice


def test_single_choice_earns_the_chosen_answers_fraction_and_feedback() -> None:
    result = grade(SINGLE, 0)
    assert (result.fraction, result.mark, result.feedback) == (1.0, 1.0, ["Yes!"])
    assert result.state == "correct" and result.correct_response == 0
    assert (grade(SINGLE, 1).fraction, grade(SINGLE, 1).state) == (0.5, "partial")
    assert grade(SINGLE, 3).fraction == 0.0 and grade(SINGLE, 3).feedback == []


def test_single_choice_negative_weight_is_kept_as_moodle_does() -> None:
    result = grade(SINGLE, 2)
    assert (result.fraction, result.mark, result.state) == (-0.5, -0.5, "incorrect")
    assert SINGLE.min_fraction == -0.5 and COLOURS.min_fraction == 0.0


@pytest.mark.parametrize("response", [None, -1, 4, "0", True, [0], 1.0])
def test_single_choice_without_a_valid_index_earns_nothing(response: object) -> None:
    assert grade(SINGLE, response).fraction == 0.0


@pytest.mark.parametrize(
    ("chosen", "fraction", "feedback"),
    [
        ([0], 0.5, ["half"]),
        ([0, 2], 1.0, ["half", "half"]),
        ([2, 0, 0], 1.0, ["half", "half"]),
        ([0, 2, 3], 1.0, ["half", "half"]),
        ([0, 1], 0.0, ["half", "no"]),  # 0.5 - 1 is kept at 0
        ([0, 1, 2], 0.0, ["half", "no", "half"]),
        ([], 0.0, []),
        ([9, -1], 0.0, []),
    ],
)
def test_multiple_answers_add_up_and_stay_within_0_and_1(
    chosen: list[int], fraction: float, feedback: list[str]
) -> None:
    result = grade(COLOURS, chosen)
    assert result.fraction == fraction
    assert result.feedback == [*feedback, "Spectrum."]
    assert result.correct_response == [0, 2]


def test_multiple_answers_above_100_percent_are_capped() -> None:
    q = one("Q{~%100%a ~%50%b ~c}")
    assert grade(q, [0, 1]).fraction == 1.0


# True/false


def test_true_false_right_wrong_and_feedback_for_the_chosen_value() -> None:
    q = one("42 is the answer.{FALSE#It is 42.#Right, well done.####A Hitchhiker's joke.}")
    right, wrong = grade(q, False), grade(q, True)
    assert (right.fraction, right.feedback) == (1.0, ["Right, well done.", "A Hitchhiker's joke."])
    assert (wrong.fraction, wrong.feedback) == (0.0, ["It is 42.", "A Hitchhiker's joke."])
    assert grade(q, None).fraction == 0.0 and right.correct_response is False


# Short answer


@pytest.mark.parametrize(
    ("typed", "fraction", "feedback"),
    [
        ("Frog", 1.0, "Good!"),
        ("  fROG ", 1.0, "Good!"),
        ("cat", 0.5, "Cats?"),
        ("dog", 0.0, "Completely wrong"),
    ],
)
def test_short_answer_is_case_insensitive_trimmed_first_match(
    typed: str, fraction: float, feedback: str
) -> None:
    result = grade(ANIMAL, typed)
    assert (result.fraction, result.feedback) == (fraction, [feedback])


def test_short_answer_wildcards_and_literal_star() -> None:
    q = one("Town?{=Naz*th#close enough =%50%a\\\\*b#literal}")
    assert grade(q, "Nazareth").fraction == 1.0
    assert grade(q, "nazTH").fraction == 1.0
    assert grade(q, "Nazarethx").fraction == 0.0
    assert grade(q, "a*b").fraction == 0.5
    assert grade(q, "axxb").fraction == 0.0


def test_short_answer_special_characters_and_cyrillic_case() -> None:
    q = one("Столица?{=Москва (РФ) =%50%1+1}")
    assert grade(q, "москва (рф)").fraction == 1.0
    assert grade(q, "1+1").fraction == 0.5 and grade(q, "11").fraction == 0.0


@pytest.mark.parametrize("typed", ["", "   ", None, 5])
def test_empty_short_answer_earns_nothing_even_with_a_star(typed: object) -> None:
    assert grade(ANIMAL, typed).fraction == 0.0 and grade(ANIMAL, typed).feedback == []


# Numerical


@pytest.mark.parametrize(
    ("typed", "fraction"),
    [("3", 1.0), ("1", 1.0), ("5", 1.0), ("5.0001", 0.0), ("0.9999", 0.0), ("4,5", 1.0)],
)
def test_numerical_tolerance_edges_are_inclusive(typed: str, fraction: float) -> None:
    assert grade(one("A number from 1 to 5? {#1..5}"), typed).fraction == fraction


def test_numerical_float_edges_hold_as_in_moodle() -> None:
    pi = one("Pi?{#3.141..3.142}")
    assert [grade(pi, t).fraction for t in ("3.141", "3.142", "3.1405", "3.1425")] == [1, 1, 0, 0]


def test_numerical_first_matching_answer_then_any_other_number() -> None:
    assert (grade(BORN, "1822").fraction, grade(BORN, "1822").feedback) == (1.0, ["Exact"])
    assert (grade(BORN, " 1 824 ").fraction, grade(BORN, "1824").feedback) == (0.5, ["Close"])
    assert (grade(BORN, "1900").fraction, grade(BORN, "1900").feedback) == (0.0, ["Not even close"])
    assert grade(BORN, "1822").correct_response == "1822"


@pytest.mark.parametrize("typed", ["abc", "", "1822 years", "1..2", None, "nan", "inf"])
def test_unreadable_numbers_earn_nothing_without_crashing(typed: object) -> None:
    result = grade(BORN, typed)
    assert (result.fraction, result.feedback) == (0.0, [])


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("1.5", 1.5),
        ("1,5", 1.5),
        (" -2 ", -2.0),
        ("\u22122", -2.0),
        ("1 822", 1822.0),
        ("1\u00a0822,5", 1822.5),
        ("1,234.5", 1234.5),
        ("1.234,5", 1234.5),
        ("1,234,567", 1234567.0),
        ("1e3", 1000.0),
        ("abc", None),
        ("1.2.3", None),
    ],
)
def test_numbers_as_people_type_them(typed: str, value: float | None) -> None:
    assert parse_number(typed) == value


# Matching


def test_matching_earns_the_share_of_right_pairs() -> None:
    assert grade(CAPITALS, {0: "Ottawa", 1: "Rome", 2: "Tokyo"}).fraction == 1.0
    assert grade(CAPITALS, {0: "Ottawa", 1: "Paris", 2: "Rome"}).fraction == pytest.approx(1 / 3)
    assert grade(CAPITALS, {0: "Ottawa", 1: "Rome"}).state == "partial"
    assert grade(CAPITALS, {}).fraction == 0.0 and grade(CAPITALS, "Ottawa").fraction == 0.0
    assert grade(CAPITALS, {}).correct_response == {0: "Ottawa", 1: "Rome", 2: "Tokyo"}


# Essay and description


def test_essay_waits_for_a_grader_unless_blank() -> None:
    q = one("Describe the refund steps.{####Mention the 14 days.}")
    result = grade(q, "First I listen, then...")
    assert (result.fraction, result.mark, result.needs_grading) == (None, 0.0, True)
    assert result.state == "needs_grading" and result.feedback == ["Mention the 14 days."]
    blank = grade(q, "   ")
    assert (blank.fraction, blank.needs_grading, blank.state) == (0.0, False, "incorrect")


def test_description_is_not_graded() -> None:
    result = grade(one("Read the script below."), "anything")
    assert (result.fraction, result.mark, result.needs_grading) == (None, 0.0, False)
    assert result.state == "ungraded"


# The right answer, and form data


def fixture_questions() -> list[Question]:
    if not FIXTURES.is_dir():
        pytest.skip(f"Moodle's fixtures are not at {FIXTURES}")
    return [
        q
        for name in ("questions.gift.txt", "questions_in_category.gift.txt", "examples.txt")
        for q in parse_gift_bytes((FIXTURES / name).read_bytes(), name)
        if q.type not in ("essay", "description")
    ]


def test_the_correct_response_earns_full_marks_for_every_moodle_example() -> None:
    questions = fixture_questions()
    assert len(questions) == 55  # 8 + 4 + 43, without the essay
    for question in questions:
        assert grade(question, correct_response(question)).fraction == 1.0, question.title


def test_correct_response_survives_form_normalisation() -> None:
    for question in fixture_questions():
        right = correct_response(question)
        raw: object = right
        if isinstance(right, bool):
            raw = "true" if right else "false"
        elif isinstance(right, int):
            raw = str(right)
        elif isinstance(right, list):
            raw = [str(i) for i in right]
        elif isinstance(right, dict):
            raw = {str(k): v for k, v in right.items()}
        assert normalise_response(question, raw) == right, question.title


@pytest.mark.parametrize(
    ("question", "raw", "expected"),
    [
        (SINGLE, "2", 2),
        (SINGLE, ["1"], 1),
        (SINGLE, " 0 ", 0),
        (SINGLE, "7", None),
        (SINGLE, "x", None),
        (SINGLE, None, None),
        (SINGLE, {"a": 1}, None),
        (COLOURS, ["2", "0", "2", "x", "99"], [0, 2]),
        (COLOURS, "0,3", [0, 3]),
        (COLOURS, None, []),
        (COLOURS, 5, []),
        (one("T?{T}"), "true", True),
        (one("T?{T}"), "False", False),
        (one("T?{T}"), "1", True),
        (one("T?{T}"), "maybe", None),
        (one("T?{T}"), None, None),
        (ANIMAL, ["Frog", "Cat"], "Frog"),
        (ANIMAL, None, ""),
        (BORN, "1 822,0", "1 822,0"),
        (
            CAPITALS,
            {"0": "Ottawa", "1": "Atlantis", "x": "Rome", "9": "Rome", 2: "Paris"},
            {0: "Ottawa", 2: "Paris"},
        ),
        (CAPITALS, ["Ottawa", "", "Tokyo"], {0: "Ottawa", 2: "Tokyo"}),
        (CAPITALS, "Ottawa", {}),
        (one("Read."), "anything", None),
    ],
)
def test_normalise_response_is_tolerant_of_garbage(
    question: Question, raw: object, expected: object
) -> None:
    assert normalise_response(question, raw) == expected
