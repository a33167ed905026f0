"""Moodle's own GIFT fixtures read as Moodle reads them (see PROVENANCE.md there)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lms.courses.gift import NumericAnswer, Question, parse_gift_bytes

FIXTURES = Path("/work/shared/testdata/gift-moodle")


def read(name: str) -> list[Question]:
    path = FIXTURES / name
    if not path.is_file():
        pytest.skip(f"Moodle's fixtures are not at {FIXTURES}")
    return parse_gift_bytes(path.read_bytes(), name)


def by_title(questions: list[Question]) -> dict[str, Question]:
    return {q.title: q for q in questions}


def test_questions_file_gives_moodles_nine_questions() -> None:
    questions = read("questions.gift.txt")
    assert [(q.title, q.type) for q in questions] == [
        ("Q8", "essay"),
        ("Moodle activities", "matching"),
        ("Q2", "multichoice"),
        ("colours", "multichoice"),
        ("Q5", "numerical"),
        ("Shortanswer", "shortanswer"),
        ("Q1", "truefalse"),
        ("2-08 TSL", "truefalse"),
        ("2-08 TSL", "truefalse"),
    ]
    assert all(q.category is None for q in questions)


def test_the_fixtures_quote_after_the_brace_makes_a_missing_word() -> None:
    questions = by_title(read("questions.gift.txt"))
    assert questions["Q5"].text == 'What is a number from 1 to 5? _____";'
    assert questions["Q5"].numeric == [
        NumericAnswer(3.0, 2.0, 1.0, ""),
        NumericAnswer(None, 0.0, 0.0, "Completely wrong"),
    ]
    q1 = questions["Q1"]
    assert q1.text == '42 is the Absolute Answer to everything._____";'
    assert (q1.correct, q1.feedback_true, q1.feedback_false) == (
        False,
        "42 is the Ultimate Answer.",
        "You gave the right answer.",
    )
    assert q1.general_feedback == (
        "This is, of course, a Hitchiker's Guide to the Galaxy reference."
    )


def test_matching_formats_and_distractor_as_in_moodles_unit_test() -> None:
    q = by_title(read("questions.gift.txt"))["Moodle activities"]
    assert (q.text, q.text_format) == ("Match the <b>activity</b> to the description.", "html")
    assert [(p.right, p.format) for p in q.pairs] == [
        ("Forum", "html"),
        ("Choice", "moodle"),
        ("Database", "plain"),
        ("Wiki", "markdown"),
        ("Chat", "html"),
    ]
    assert q.pairs[0].left == "An activity supporting asynchronous discussions."
    assert q.pairs[4].is_distractor and len(q.subquestions) == 4


def test_multiple_choice_fixtures_weights_and_formats() -> None:
    questions = by_title(read("questions.gift.txt"))
    q2 = questions["Q2"]
    assert q2.single is True
    assert [(a.text, a.fraction, a.format, a.feedback, a.feedback_format) for a in q2.answers] == [
        ("yellow", 1.0, "moodle", "right; good!", "moodle"),
        ("red", 0.0, "moodle", "wrong, it's yellow", "html"),
        ("blue", 0.0, "plain", "wrong, it's yellow", "moodle"),
    ]
    colours = questions["colours"]
    assert colours.single is False
    assert [a.fraction for a in colours.answers] == [0.5, -1.0, 0.5, -1.0]
    shortanswer = questions["Shortanswer"]
    assert [(a.text, a.fraction) for a in shortanswer.answers] == [
        ("Frog", 1.0),
        ("Cat", 0.5),
        ("*", 0.0),
    ]


def test_questions_in_category_file_gives_four_questions_in_the_category() -> None:
    questions = read("questions_in_category.gift.txt")
    assert [q.type for q in questions] == ["matching", "multichoice", "shortanswer", "truefalse"]
    assert {q.category for q in questions} == {"$course$/Default for New Features"}
    matching, greeting, user, acronym = questions
    assert matching.text == "Match the activity to the description."
    assert greeting.text.startswith(
        '<a href="http://demo.moodle.net/file.php/5/media/bonjour.mp3">Listen to this greeting:</a>'
    )
    assert [a.text for a in greeting.answers if a.fraction == 1] == ["French"]
    assert [(a.text, a.fraction) for a in user.answers] == [("Moodler", 1.0)]
    assert acronym.correct is True and '<span style="font-style: italic;">' in acronym.text
    assert [q.line for q in questions] == [5, 14, 22, 27]


def test_examples_file_reads_every_example() -> None:
    questions = read("examples.txt")
    assert len(questions) == 43
    counts = {kind: sum(q.type == kind for q in questions) for kind in {q.type for q in questions}}
    assert counts == {
        "multichoice": 18,
        "shortanswer": 9,
        "truefalse": 5,
        "matching": 3,
        "numerical": 8,
    }


def test_examples_control_characters_and_multi_line_feedback() -> None:
    questions = by_title(read("examples.txt"))
    control = questions["GIFT Control Characters"]
    assert [a.text for a in control.answers] == ["~", "=", "#", "{", "}", "\\"]
    assert [a.fraction for a in control.answers] == [0, 0, 0, 0, 0, 1]
    assert control.answers[5].feedback.startswith(
        "Correct! \\ (backslash) is not a control character. BUT,\nit is used"
    )
    numerical = questions["Numerical example"]
    assert numerical.numeric[1] == NumericAnswer(
        1822.0, 2.0, 0.5, "He was born in 1822.\nYou get 50% credit for being close."
    )
    assert questions["Kanji Origins"].text == (
        "Japanese characters originally\ncame from what country?"
    )


def test_examples_ranges_and_markdown() -> None:
    questions = read("examples.txt")
    pi = [q for q in questions if q.text.startswith("What is the value of pi")]
    assert [q.numeric[0] for q in pi] == [NumericAnswer(3.1415, 0.0005)] * 2
    assert pi[0].text == "What is the value of pi (to 3 decimal places)? _____."
    markdown = next(q for q in questions if q.text_format == "markdown")
    assert markdown.text == "Who's buried in **Grant's tomb**?"
    assert markdown.answers[0].feedback_format == "markdown"
