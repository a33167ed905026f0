"""Writing questions as GIFT that Moodle (and ``parse_gift``) reads back the same.

The layout follows Moodle's own GIFT export: a ``// question:`` comment, ``::title::``,
the text, then the answers one per line, and a blank line after each question. Where
Moodle's export would be read back differently (an answer starting with ``%`` or ``[``,
a single-choice question whose answers are all right), we write it so that it is not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal

from lms.courses.gift.model import Question

SPECIAL = "#=~{}:"


def export_gift(questions: Iterable[Question]) -> str:
    """GIFT text for the questions, with a ``$CATEGORY:`` line where the category changes."""
    parts: list[str] = []
    category: str | None = None
    for index, question in enumerate(questions, start=1):
        if question.category is not None and question.category != category:
            category = question.category
            name = category.replace("\\", "\\\\")  # read back as one backslash
            parts.append(f"$CATEGORY: {name}\n\n")
        parts.append(_question(question, index) + "\n\n")
    return "".join(parts)


def _question(question: Question, index: int) -> str:
    head = f"// question: {index}\n"  # no name: a "[tag:" in it would be read as a tag
    if question.idnumber or question.tags:
        marks = [f"[id:{_bracketed(question.idnumber)}]"] if question.idnumber else []
        marks += [f"[tag:{_bracketed(tag)}]" for tag in question.tags]
        head += "// " + " ".join(marks) + "\n"
    head += f"::{escape(question.title)}::"
    head += _formatted(question.text, question.text_format, "moodle")
    return head + WRITERS[question.type](question)


def escape(text: str) -> str:
    """Text with GIFT's control characters escaped and line breaks written as ``\\n``."""
    text = text.replace("\\", "\\\\")
    for char in SPECIAL:
        text = text.replace(char, "\\" + char)
    return text.replace("\r", "").replace("\n", "\\n")


def percent(fraction: float) -> str:
    """A fraction as GIFT's weight number: 0.5 → "50", 0.3333333 → "33.33333"."""
    value = (Decimal(repr(fraction)) * 100).normalize()
    return format(value, "f")


def number(value: float) -> str:
    """A number as GIFT writes it: 1822.0 → "1822", 0.0005 → "0.0005"."""
    text = repr(value)
    return text[:-2] if text.endswith(".0") else text


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _bracketed(text: str) -> str:
    return _one_line(text).replace("]", "\\]")


def _formatted(text: str, text_format: str, default: str) -> str:
    """``[format]text``, the marker only where needed: a format other than the default,
    or a text that starts with "[" (which would otherwise be read as a marker)."""
    if text_format != default or text.startswith("["):
        return f"[{text_format}]{escape(text)}"
    return escape(text)


def _feedback(text: str, text_format: str, default: str, separator: str = "#") -> str:
    if not text and text_format == default:
        return ""
    return separator + _formatted(text, text_format, default)


def _general(question: Question, indent: str = "\t", newline: str = "\n") -> str:
    general = _feedback(
        question.general_feedback, question.general_feedback_format, question.text_format, "####"
    )
    return f"{indent}{general}{newline}" if general else ""


def _block(lines: list[str], question: Question, opening: str = "{") -> str:
    body = "".join(f"\t{line}\n" for line in lines)
    return f"{opening}\n{body}{_general(question)}}}"


def _multichoice(question: Question) -> str:
    marks = []
    for answer in question.answers:
        if question.single and answer.fraction == 1:
            marks.append("=")
        elif answer.fraction == 0 and not answer.text.startswith("%"):
            marks.append("~")
        else:  # an explicit weight keeps a text starting with "%" from being read as one
            marks.append(f"~%{percent(answer.fraction)}%")
    if marks and not any(mark.startswith("~") for mark in marks):
        marks[-1] = "~%100%"  # without any "~" Moodle would read a short answer
    lines = [
        mark
        + _formatted(answer.text, answer.format, question.text_format)
        + _feedback(answer.feedback, answer.feedback_format, question.text_format)
        for mark, answer in zip(marks, question.answers, strict=True)
    ]
    return _block(lines, question)


def _shortanswer(question: Question) -> str:
    lines = [
        f"=%{percent(answer.fraction)}%"
        + _formatted(answer.text, "moodle", "moodle")
        + _feedback(answer.feedback, answer.feedback_format, question.text_format)
        for answer in question.answers
    ]
    return _block(lines, question)


def _numerical(question: Question) -> str:
    lines = []
    for position, answer in enumerate(question.numeric):
        feedback = _feedback(answer.feedback, answer.feedback_format, question.text_format)
        last = position == len(question.numeric) - 1
        if answer.value is None and answer.fraction == 0 and last:
            lines.append("~" + (feedback or "#"))  # Moodle's "any other number"
            continue
        value = "*" if answer.value is None else number(answer.value)
        tolerance = f":{number(answer.tolerance)}" if answer.value is not None else ""
        lines.append(f"=%{percent(answer.fraction)}%{value}{tolerance}{feedback}")
    return _block(lines, question, "{#")


def _matching(question: Question) -> str:
    lines = [
        "=" + _formatted(pair.left, pair.format, question.text_format) + f" -> {escape(pair.right)}"
        for pair in question.pairs
    ]
    return _block(lines, question)


def _truefalse(question: Question) -> str:
    default = question.text_format
    true = _feedback(question.feedback_true, question.feedback_true_format, default)
    false = _feedback(question.feedback_false, question.feedback_false_format, default)
    right, wrong = (true, false) if question.correct else (false, true)
    value = "TRUE" if question.correct else "FALSE"
    return (
        "{" + value + (wrong or ("#" if right else "")) + right + _general(question, "", "") + "}"
    )


def _essay(question: Question) -> str:
    return "{" + _general(question, "", "") + "}"


def _description(question: Question) -> str:
    return ""


WRITERS: dict[str, Callable[[Question], str]] = {
    "multichoice": _multichoice,
    "shortanswer": _shortanswer,
    "numerical": _numerical,
    "matching": _matching,
    "truefalse": _truefalse,
    "essay": _essay,
    "description": _description,
}
