"""The GIFT grammar, point by point, as Moodle's importer reads it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask_babel import force_locale

from lms.courses.gift import (
    GiftError,
    MatchPair,
    NumericAnswer,
    Question,
    parse_gift,
    parse_gift_bytes,
)
from lms.errors import ServiceError


@pytest.fixture
def english(app: Flask) -> Iterator[None]:
    """Problem messages are translated: read them in English."""
    with app.app_context(), force_locale("en"):
        yield


def one(gift: str) -> Question:
    questions = parse_gift(gift)
    assert len(questions) == 1, questions
    return questions[0]


def answers(question: Question) -> list[tuple[str, float, str]]:
    return [(a.text, a.fraction, a.feedback) for a in question.answers]


def problems(gift: str) -> list[tuple[int | None, str]]:
    with pytest.raises(GiftError) as caught:
        parse_gift(gift)
    return [(p.line, p.message) for p in caught.value.problems]


# Multiple choice


def test_multiple_choice_marks_the_right_answer_with_equals() -> None:
    q = one("Who's buried in Grant's tomb?{~Grant ~Jefferson =no one}")
    assert q.type == "multichoice" and q.single is True
    assert q.text == "Who's buried in Grant's tomb?"
    assert answers(q) == [("Grant", 0.0, ""), ("Jefferson", 0.0, ""), ("no one", 1.0, "")]
    assert q.max_mark == 1.0


def test_weighted_answers_without_equals_are_checkboxes() -> None:
    q = one("Pick two {~%50%Grant ~%50%Grant's wife ~%-100%No one ~Grant's father}")
    assert q.single is False
    assert [a.fraction for a in q.answers] == [0.5, 0.5, -1.0, 0.0]


def test_equals_anywhere_makes_it_single_even_with_weights() -> None:
    q = one("Difficult question.{~wrong answer ~%50%half credit answer =full credit answer}")
    assert q.single is True
    assert [a.fraction for a in q.answers] == [0.0, 0.5, 1.0]
    assert one("Q {~%100%a ~b}").single is False  # 100% but no "=": Moodle uses checkboxes


def test_decimal_weights_are_exact_fractions() -> None:
    q = one("Q {~%33.33333%a ~%33.33333%b ~%33.33334%c ~%-33.33333%d ~%12.5%e}")
    assert [a.fraction for a in q.answers] == [0.3333333, 0.3333333, 0.3333334, -0.3333333, 0.125]


def test_answers_may_span_lines_with_feedback() -> None:
    q = one(
        "::Q2:: What's between orange and green in the spectrum?\n"
        "{\n    =yellow # right; good!\n    ~red # wrong, it's yellow\n}"
    )
    assert answers(q) == [("yellow", 1.0, "right; good!"), ("red", 0.0, "wrong, it's yellow")]


# True/false


@pytest.mark.parametrize(
    ("value", "correct"), [("T", True), ("TRUE", True), ("F", False), ("FALSE", False)]
)
def test_true_false_values(value: str, correct: bool) -> None:
    q = one(f"The sun rises in the east.{{{value}}}")
    assert q.type == "truefalse" and q.correct is correct
    assert q.feedback_true == q.feedback_false == ""


def test_true_false_feedback_is_wrong_then_right_as_in_moodle() -> None:
    q = one("Is it?{T#wrong fb#right fb}")
    assert (q.correct, q.feedback_true, q.feedback_false) == (True, "right fb", "wrong fb")
    q = one(
        "42 is the Absolute Answer.{FALSE#42 is the Ultimate Answer.#You gave the right answer.}"
    )
    assert q.correct is False
    assert q.feedback_true == "42 is the Ultimate Answer."  # shown to whoever answers true
    assert q.feedback_false == "You gave the right answer."


# Short answer


def test_short_answer_with_several_weighted_answers() -> None:
    q = one("Which is the best animal?{=Frog#Good! =%50%Cat#Cats? =%0%*#Completely wrong}")
    assert q.type == "shortanswer"
    assert answers(q) == [
        ("Frog", 1.0, "Good!"),
        ("Cat", 0.5, "Cats?"),
        ("*", 0.0, "Completely wrong"),
    ]


def test_short_answer_with_one_answer() -> None:
    q = one("Two plus two equals {=four}.")
    assert q.type == "shortanswer" and answers(q) == [("four", 1.0, "")]
    assert q.text == "Two plus two equals _____."


# Matching


def test_matching_pairs_and_a_distractor() -> None:
    q = one("Match.{=Canada->Ottawa =Italy -> Rome =Japan  ->  Tokyo = -> Paris}")
    assert q.type == "matching"
    assert [(p.left, p.right) for p in q.pairs] == [
        ("Canada", "Ottawa"),
        ("Italy", "Rome"),
        ("Japan", "Tokyo"),
        ("", "Paris"),
    ]
    assert q.pairs[3].is_distractor and [p.left for p in q.subquestions] == [
        "Canada",
        "Italy",
        "Japan",
    ]
    assert q.choices == ["Ottawa", "Rome", "Tokyo", "Paris"]


def test_matching_right_side_may_contain_an_arrow() -> None:
    q = one("Match.{=a -> b -> c =d -> e}")
    assert q.pairs[0] == MatchPair("a", "b -> c")


# Numerical


@pytest.mark.parametrize(
    ("answer", "value", "tolerance"),
    [
        ("#1822", 1822.0, 0.0),
        ("#5:0.5", 5.0, 0.5),
        ("#1..5", 3.0, 2.0),
        ("#3.141..3.142", 3.1415, 0.0005),
        ("#-5..-1", -3.0, 2.0),
        ("#-2.5:0.1", -2.5, 0.1),
        ("#1e3:10", 1000.0, 10.0),
        ("#   42   ", 42.0, 0.0),
    ],
)
def test_numerical_value_tolerance_and_ranges(answer: str, value: float, tolerance: float) -> None:
    q = one(f"What number? {{{answer}}}")
    assert q.type == "numerical"
    assert q.numeric == [NumericAnswer(value, tolerance, 1.0, "")]


def test_numerical_with_several_weighted_answers_and_feedback() -> None:
    q = one("When was Grant born? {#\n=1822:0 #Correct!\n=%50%1822:2 #Close.\n}")
    assert q.numeric == [
        NumericAnswer(1822.0, 0.0, 1.0, "Correct!"),
        NumericAnswer(1822.0, 2.0, 0.5, "Close."),
    ]


def test_numerical_wrong_answer_feedback_is_any_other_number() -> None:
    q = one("What is a number from 1 to 5? {#3:2~#Completely wrong}")
    assert q.numeric == [NumericAnswer(3.0, 2.0), NumericAnswer(None, 0.0, 0.0, "Completely wrong")]


# Missing word, essay, description


def test_missing_word_puts_a_blank_where_the_braces_were() -> None:
    q = one("Grant is {~buried =entombed ~living} in Grant's tomb.")
    assert q.text == "Grant is _____ in Grant's tomb." and q.type == "multichoice"


def test_answers_at_the_end_leave_no_blank() -> None:
    assert one("Grant is buried in Grant's tomb.{FALSE}").text == "Grant is buried in Grant's tomb."


def test_essay_and_text_after_its_braces() -> None:
    q = one("::Q8:: How are you? {}")
    assert (q.type, q.title, q.text) == ("essay", "Q8", "How are you?")
    assert one("Describe {} in two sentences.").text == "Describe _____ in two sentences."


def test_description_has_no_braces_and_no_mark() -> None:
    q = one("::Intro::Read the scripts below before you answer.")
    assert (q.type, q.title, q.max_mark) == ("description", "Intro", 0.0)
    assert q.text == "Read the scripts below before you answer."


# Titles, categories, comments, lines


def test_untitled_question_is_named_after_its_text_as_moodle_does() -> None:
    assert one("<b>Who</b> is it?{=me}").title == "Who is it?"
    long = one("word " * 30 + "{=me}").title
    assert long.endswith("...") and len(long) <= 80 and long.startswith("word word")


def test_title_with_escaped_colon_and_text_on_the_next_line() -> None:
    q = one("::Step\\: 1::\nWhat comes first?{=hello}")
    assert (q.title, q.text) == ("Step: 1", "What comes first?")


def test_each_question_records_the_category_in_force() -> None:
    gift = (
        "Before?{T}\n\n$CATEGORY: Returns/Refunds\n\nA?{T}\n\nB?{F}\n\n$CATEGORY: Scripts\n\nC?{T}"
    )
    assert [(q.text, q.category) for q in parse_gift(gift)] == [
        ("Before?", None),
        ("A?", "Returns/Refunds"),
        ("B?", "Returns/Refunds"),
        ("C?", "Scripts"),
    ]


def test_comment_lines_are_ignored_even_inside_answers() -> None:
    gift = "// heading\n\n// about the next one\nWhat?{\n// not an answer\n=a ~b\n}"
    q = one(gift)
    assert answers(q) == [("a", 1.0, ""), ("b", 0.0, "")]
    assert one("See http://example.com now{T}").text == "See http://example.com now"


def test_question_lines_skip_comments_and_blank_lines() -> None:
    gift = "// one\n::A::First?{T}\n\n\n\n// two\n// more\n::B::Second\nquestion?{F}\n"
    assert [q.line for q in parse_gift(gift)] == [2, 8]


def test_multi_line_question_text_keeps_its_line_breaks() -> None:
    q = one("::Kanji::Japanese characters originally\n   came from what country? {=China}")
    assert q.text == "Japanese characters originally\ncame from what country?"


def test_idnumber_and_tags_in_comments_as_moodle_reads_them() -> None:
    q = one("// [tag:refunds] [tag: calls ] [id:R-7]\n// [id:second]\nHow?{}")
    assert (q.idnumber, q.tags) == ("R-7", ["refunds", "calls"])


# Feedback and formats


def test_general_feedback_after_four_hashes() -> None:
    q = one("Q?{=a#yes ~b#no ####[html]<p>Because.</p>}")
    assert answers(q) == [("a", 1.0, "yes"), ("b", 0.0, "no")]
    assert (q.general_feedback, q.general_feedback_format) == ("<p>Because.</p>", "html")
    essay = one("Tell us.{####Mention the refund period.}")
    assert (essay.type, essay.general_feedback) == ("essay", "Mention the refund period.")


def test_format_markers_on_text_answers_and_feedback() -> None:
    q = one("[html]<b>Pick</b>{=[plain]a <b>#[markdown]**yes** ~[moodle]b}")
    assert (q.text, q.text_format, q.general_feedback_format) == ("<b>Pick</b>", "html", "html")
    right, wrong = q.answers
    assert (right.text, right.format, right.feedback, right.feedback_format) == (
        "a <b>",
        "plain",
        "**yes**",
        "markdown",
    )
    assert (wrong.format, wrong.feedback_format) == ("moodle", "html")  # default: the text's


def test_markdown_question_text_and_unknown_markers() -> None:
    q = one("[markdown]Who's buried in **Grant's tomb**?{=no one}")
    assert (q.text, q.text_format) == ("Who's buried in **Grant's tomb**?", "markdown")
    q = one("[note] read this{T}")
    assert (q.text, q.text_format) == ("[note] read this", "moodle")
    assert one("[html?{T}").text == "[html?"  # no closing bracket: not a marker


# Escapes and line ends


@pytest.mark.parametrize("char", ["~", "=", "#", "{", "}", ":"])
def test_escaped_control_characters_are_text(char: str) -> None:
    q = one(f"a \\{char} b?{{=x \\{char} y#fb \\{char}}}")
    assert q.text == f"a {char} b?"
    assert answers(q) == [(f"x {char} y", 1.0, f"fb {char}")]


def test_backslash_n_is_a_line_break_and_double_backslash_a_backslash() -> None:
    q = one("Line one\\nline two with C:\\\\path\\\\{T}")
    assert q.text == "Line one\nline two with C:\\path\\"


def test_bom_crlf_and_blank_lines_between_questions() -> None:
    gift = "\ufeff// c\r\n::A::One?{T}\r\n\r\n\r\n::B::Two?{\r\n=x\r\n~y\r\n}\r\n"
    first, second = parse_gift(gift)
    assert (first.title, first.text, first.line) == ("A", "One?", 2)
    assert (second.title, answers(second), second.line) == (
        "B",
        [("x", 1.0, ""), ("y", 0.0, "")],
        5,
    )
    assert [q.text for q in parse_gift("A?{T}\r\rB?{F}")] == ["A?", "B?"]  # old Mac line ends


def test_bytes_with_a_bom_are_read() -> None:
    q = parse_gift_bytes("\ufeffВопрос?{=да ~нет}".encode(), "q.gift")[0]
    assert (q.text, q.answers[0].text) == ("Вопрос?", "да")


# Problems


def test_a_file_that_is_not_utf8_is_refused(english: None) -> None:
    data = "Line one?{T}\n\nCaf\u00e9?{T}".encode("cp1252")
    with pytest.raises(GiftError) as caught:
        parse_gift_bytes(data, "win.gift")
    (problem,) = caught.value.problems
    assert problem.line == 3 and "UTF-8" in problem.message
    assert isinstance(caught.value, ServiceError)


@pytest.mark.parametrize(
    ("gift", "line", "expected"),
    [
        ("Q?\n{=a\n~b", 2, 'the "{" that starts the answers is not closed by "}"'),
        ("Q?\n=a ~b}", 2, '"}" without an opening "{"'),
        ("A {=x ~y} and\nB {=z ~w}", 2, "one {...} answer block"),
        ("Q?{a ~b =c}", 1, 'answer "a" needs "=" (right answer) or "~" (wrong answer)'),
        ("Capital?{\nParis\n}", 2, 'answer "Paris" needs "="'),
        ("Q?{true}", 1, 'true/false answer "true": write T, TRUE, F or FALSE'),
        ("Q?{#abc}", 1, '"abc" is not a number'),
        ("Q?{#1,5}", 1, '"1,5" is not a number'),
        ("Q?{#\n=5:x}", 2, '"5:x" is not a number'),
        ("Q?{#5..1}", 1, 'range "5..1" must go from the smaller number up'),
        ("Q?{#5:-1}", 1, "cannot be negative"),
        ("Q?{#}", 1, "a numerical question needs a number"),
        ("Q?{\n=a\n~%150%b}", 3, "weight %150% is outside -100..100"),
        ("Q?{=a ~%50,5%b}", 1, 'weight "%50,5%" is not a number'),
        ("Q?{=%-50%a}", 1, "negative weight %-50%"),
        ("Q?{=%50%a ~b}", 1, 'a weight follows "~"'),
        ("Q?{=a -> b\n=c}", 2, 'matching pair "c" needs "->"'),
        ("Q?{=a -> b = -> c}", 1, 'a matching question needs at least two pairs "a -> b"'),
        ("Q?{=a -> b =c ->}", 1, 'nothing after "->"'),
        ("Q?{~a}", 1, "needs at least two answers"),
        ("Q?{=a ~ ~b}", 1, 'empty answer after "~"'),
        ("::Title\nQ?{T}", 1, 'the title opened with "::" is not closed'),
        ("{=a ~b}", 1, "the question has no text"),
        ("$CATEGORY: A\nQ?{T}", 2, "must be followed by a blank line"),
    ],
)
def test_problem_messages_name_the_line_and_what_was_expected(
    english: None, gift: str, line: int, expected: str
) -> None:
    found = problems("// heading\n\n" + gift)
    assert len(found) == 1, found
    assert found[0][0] == line + 2
    assert expected in found[0][1]


def test_every_problem_is_reported_and_nothing_is_read(english: None) -> None:
    gift = "Good?{T}\n\nBad?{true}\n\nAlso good?{=a ~b}\n\nMatch{=a -> b}\n\nN?{#x}"
    with pytest.raises(GiftError) as caught:
        parse_gift(gift, "week1.gift")
    error = caught.value
    assert [p.line for p in error.problems] == [3, 7, 9]
    assert str(error.problems[1]) == (
        'week1.gift, line 7: a matching question needs at least two pairs "a -> b".'
    )
    assert error.message == "week1.gift: 3 problems found; no questions were read."


def test_several_problems_in_one_question_are_all_reported(english: None) -> None:
    assert [line for line, _ in problems("Q?{\n=%-5%a\n=%500%b\n=}")] == [2, 3, 4]


@pytest.mark.parametrize("gift", ["", "\n\n", "// only a comment\n// and another", "$CATEGORY: X"])
def test_a_file_without_questions_is_a_problem(english: None, gift: str) -> None:
    assert problems(gift) == [(None, "the file contains no questions.")]
