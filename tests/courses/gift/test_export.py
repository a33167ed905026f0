"""Exported GIFT reads back as the same questions, and looks like Moodle's export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lms.courses.gift import (
    Answer,
    MatchPair,
    NumericAnswer,
    Question,
    export_gift,
    parse_gift,
    parse_gift_bytes,
    question_from_dict,
    question_to_dict,
)
from lms.courses.gift.export import escape, number, percent

FIXTURES = Path("/work/shared/testdata/gift-moodle")


def round_trip(questions: list[Question]) -> list[Question]:
    return parse_gift(export_gift(questions))


@pytest.mark.parametrize(
    "name", ["questions.gift.txt", "questions_in_category.gift.txt", "examples.txt"]
)
def test_moodle_fixtures_survive_export_and_import(name: str) -> None:
    if not (FIXTURES / name).is_file():
        pytest.skip(f"Moodle's fixtures are not at {FIXTURES}")
    questions = parse_gift_bytes((FIXTURES / name).read_bytes(), name)
    assert round_trip(questions) == questions


def test_export_looks_like_moodles() -> None:
    q = parse_gift(
        "::Q2:: What's between orange and green?{=yellow # right; good!\n"
        "~red # [html]wrong, it's yellow\n~[plain]blue # wrong}"
    )
    assert export_gift(q) == (
        "// question: 1\n"
        "::Q2::What's between orange and green?{\n"
        "\t=yellow#right; good!\n"
        "\t~red#[html]wrong, it's yellow\n"
        "\t~[plain]blue#wrong\n"
        "}\n\n"
    )


def test_true_false_export_puts_wrong_then_right_feedback() -> None:
    q = Question(
        type="truefalse",
        title="Q1",
        text="42 is the Absolute Answer to everything.",
        correct=True,
        feedback_true="You gave the right answer.",
        feedback_false="42 is the Ultimate Answer.",
        feedback_false_format="html",
    )
    assert export_gift([q]).splitlines()[1] == (
        "::Q1::42 is the Absolute Answer to everything."
        "{TRUE#[html]42 is the Ultimate Answer.#You gave the right answer.}"
    )
    assert round_trip([q]) == [q]


def test_special_characters_are_escaped() -> None:
    assert escape("a {b} c: d = e # f ~ g \\ h\nline") == (
        "a \\{b\\} c\\: d \\= e \\# f \\~ g \\\\ h\\nline"
    )
    q = Question(type="essay", title="A: {b}", text="C:\\new = 1 # 2 ~ 3 {4}\nnext line")
    assert round_trip([q]) == [q]


def test_category_lines_only_where_the_category_changes() -> None:
    questions = [
        Question(type="essay", title=t, text=t + "?", category=c)
        for t, c in [("a", None), ("b", "Returns"), ("c", "Returns"), ("d", "Scripts")]
    ]
    text = export_gift(questions)
    assert text.count("$CATEGORY:") == 2
    assert text.index("$CATEGORY: Returns") < text.index("::b::") < text.index("$CATEGORY: Scripts")
    assert round_trip(questions) == questions


def test_weights_and_numbers_are_written_exactly() -> None:
    assert [percent(f) for f in (1.0, 0.5, -1.0, 0.3333333, 0.125, 0.0)] == [
        "100",
        "50",
        "-100",
        "33.33333",
        "12.5",
        "0",
    ]
    assert [number(v) for v in (1822.0, 3.1415, 0.0005, -3.0)] == ["1822", "3.1415", "0.0005", "-3"]


OWN_CASES = [
    Question(
        type="multichoice",
        title="Weights",
        text="[html] is a marker, %50% is not a weight",
        single=False,
        answers=[
            Answer("%50% off", 0.0),
            Answer("[plain]literal", 0.3333333, "", "moodle", "html"),
            Answer("third", 0.6666667, "**yes**", "markdown", "markdown"),
            Answer("fourth", -1.0, "no"),
        ],
    ),
    Question(
        type="multichoice",
        title="All right",
        text="Any of these",
        answers=[Answer("a", 1.0), Answer("b", 1.0)],
    ),
    Question(
        type="numerical",
        title="Numbers",
        text="Pi?",
        numeric=[
            NumericAnswer(3.1415, 0.0005, 1.0, "Good"),
            NumericAnswer(None, 0.0, 0.5, "Half for anything"),
            NumericAnswer(3.0, 0.5, 0.25, "", "html"),
            NumericAnswer(None, 0.0, 0.0, "Wrong"),
        ],
        general_feedback="Pi is about 3.14159.",
    ),
    Question(
        type="matching",
        title="Match",
        text="Match them",
        text_format="html",
        pairs=[
            MatchPair("<b>Refund</b>", "Money back -> card", "html"),
            MatchPair("Exchange", "Other item", "plain"),
            MatchPair("", "Gift card", "markdown"),
        ],
    ),
    Question(
        type="shortanswer",
        title="Short",
        text="Name it",
        answers=[Answer("Nazareth", 1.0, "Yes"), Answer("Naz*th", 0.5), Answer("[x]", 0.25)],
    ),
    Question(
        type="truefalse",
        title="Only right feedback",
        text="True?",
        correct=False,
        feedback_false="Right: it is false.",
    ),
    Question(
        type="essay",
        title="Essay",
        text="Write",
        general_feedback="",
        general_feedback_format="html",
        idnumber="E]1",
        tags=["calls", "tone"],
    ),
    Question(type="description", title="Read", text="Read this: {nothing} to answer"),
]


@pytest.mark.parametrize("question", OWN_CASES, ids=lambda q: q.title)
def test_own_cases_survive_export_and_import(question: Question) -> None:
    assert round_trip([question]) == [question]


def test_all_cases_together_and_as_json() -> None:
    assert round_trip(OWN_CASES) == OWN_CASES
    assert [question_from_dict(question_to_dict(q)) for q in OWN_CASES] == OWN_CASES


def test_round_trip_keeps_what_the_file_said_not_its_layout() -> None:
    questions = parse_gift("::A::Grant is {~buried =entombed} in the tomb.\n\n::B::Pick{#1..5}")
    assert [q.text for q in round_trip(questions)] == ["Grant is _____ in the tomb.", "Pick"]
    assert [q.line for q in questions] == [1, 3]  # lines are provenance, not compared


def test_stored_json_reads_back_equal_and_tolerates_old_or_extra_keys() -> None:
    stored = json.loads(json.dumps([question_to_dict(q) for q in OWN_CASES]))
    assert [question_from_dict(d) for d in stored] == OWN_CASES
    old = {"type": "truefalse", "title": "T", "text": "Old?", "correct": False, "extra": 1}
    assert question_from_dict(old) == Question(
        type="truefalse", title="T", text="Old?", correct=False
    )
    numeric = {"type": "numerical", "text": "N?", "numeric": [{"value": 5, "tolerance": 1}]}
    assert question_from_dict(numeric).numeric == [NumericAnswer(5.0, 1.0, 1.0)]
    with pytest.raises(ValueError, match="unknown question type"):
        question_from_dict({"type": "cloze", "text": "?"})
