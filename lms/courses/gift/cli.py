"""``flask lms quiz-check FILE``: read a GIFT quiz as the app (and Moodle) reads it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import click
from flask.cli import with_appcontext

from lms.courses.gift.export import number, percent
from lms.courses.gift.model import GiftError, GiftProblem, Question, question_to_dict
from lms.courses.gift.parser import parse_gift_bytes
from lms.i18n import _, ngettext

INDENT = "     "


@click.command("quiz-check")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print questions and problems as JSON.")
@with_appcontext
def quiz_check_command(file: Path, as_json: bool) -> None:
    """Check a GIFT quiz: show every question as it will be imported, or every problem
    (one per line, on stderr, exit status 1)."""
    questions: list[Question] = []
    problems: list[GiftProblem] = []
    summary = ""
    try:
        questions = parse_gift_bytes(file.read_bytes(), file.name)
    except GiftError as error:
        problems, summary = error.problems, error.message
    if as_json:
        _echo_json(file, questions, problems)
    elif problems:
        for problem in problems:
            click.echo(str(problem), err=True)
        click.echo(summary, err=True)
    else:
        _echo_questions(file, questions)
    if problems:
        click.get_current_context().exit(1)


def _echo_json(file: Path, questions: list[Question], problems: list[GiftProblem]) -> None:
    report = {
        "file": str(file),
        "questions": [question_to_dict(question) for question in questions],
        "errors": [{"line": p.line, "message": p.message} for p in problems],
    }
    click.echo(json.dumps(report, ensure_ascii=False, indent=2))


def _echo_questions(file: Path, questions: list[Question]) -> None:
    category = None
    for index, question in enumerate(questions, start=1):
        if question.category != category:
            category = question.category
            click.echo(_("Category: %(name)s", name=category))
        kind = question.type
        if kind == "multichoice":
            kind += " " + (_("(one answer)") if question.single else _("(several answers)"))
        line = _("line %(line)d", line=question.line)
        click.echo(f"{index}. {line} · {kind} · {question.title}")
        _echo_indented(question.text, INDENT)
        details = DETAILS[question.type](question)
        if question.general_feedback:
            details.append(_("general feedback: %(text)s", text=question.general_feedback))
        for detail in details:
            _echo_indented(detail, INDENT + "  ")
    count = len(questions)
    click.echo(
        ngettext(
            "%(num)d question read from %(file)s.",
            "%(num)d questions read from %(file)s.",
            count,
            file=file.name,
        )
    )


def _echo_indented(text: str, indent: str) -> None:
    click.echo(indent + text.replace("\n", "\n" + indent))


def _with_feedback(text: str, feedback: str) -> str:
    return f"{text}  # {feedback}" if feedback else text


def _weighted(fraction: float, text: str, feedback: str) -> str:
    return _with_feedback(f"{percent(fraction) + '%':>5}  {text}", feedback)


def _choices(question: Question) -> list[str]:
    return [_weighted(a.fraction, a.text, a.feedback) for a in question.answers]


def _numbers(question: Question) -> list[str]:
    lines = []
    for answer in question.numeric:
        if answer.value is None:
            accepted = _("any other number")
        else:
            accepted = f"{number(answer.value)} ± {number(answer.tolerance)}"
        lines.append(_weighted(answer.fraction, accepted, answer.feedback))
    return lines


def _pairs(question: Question) -> list[str]:
    return [f"{pair.left or _('(distractor)')} -> {pair.right}" for pair in question.pairs]


def _truefalse(question: Question) -> list[str]:
    lines = [_("right answer: %(value)s", value="TRUE" if question.correct else "FALSE")]
    if question.feedback_true:
        lines.append(_("if answered true: %(text)s", text=question.feedback_true))
    if question.feedback_false:
        lines.append(_("if answered false: %(text)s", text=question.feedback_false))
    return lines


def _nothing(question: Question) -> list[str]:
    return []


DETAILS: dict[str, Callable[[Question], list[str]]] = {
    "multichoice": _choices,
    "shortanswer": _choices,
    "numerical": _numbers,
    "matching": _pairs,
    "truefalse": _truefalse,
    "essay": _nothing,
    "description": _nothing,
}
