"""Grading answers to GIFT questions the way Moodle grades each question type.

Responses, as ``grade`` takes them: multiple choice with one answer, the index of the
chosen answer in ``question.answers`` (or None); with several answers, a list of such
indexes; true/false, a bool (or None); short answer, numerical and essay, the text as
typed; matching, {index in ``question.subquestions``: chosen right-hand text}.
``normalise_response`` turns what an HTML form posts into these.

As in Moodle, a single-answer multiple choice earns the chosen answer's fraction, which
may be negative (``question.min_fraction``); multiple answers add up their fractions,
kept within [0, 1]; short answers ignore case (GIFT imports set "case sensitive" off).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from lms.courses.gift.export import number
from lms.courses.gift.model import Question
from lms.courses.gift.parser import NUMBER

Response = int | list[int] | bool | str | dict[int, str] | None

RIGHT = 0.999999  # Moodle: above this a fraction is right, below WRONG it is wrong
WRONG = 0.000001
TRUE_WORDS = frozenset({"true", "t", "1", "yes", "on"})
FALSE_WORDS = frozenset({"false", "f", "0", "no", "off"})
SPACES = re.compile(r"[\s\u00a0\u2009\u202f]")
UNESCAPED_STARS = re.compile(r"(?<!\\)\*+")


@dataclass
class Grade:
    """The result of grading one response.

    ``fraction`` is None when a person must grade it (an essay) or when there is nothing
    to grade (a description); ``feedback`` holds the feedback of what was chosen, then
    the general feedback; ``correct_response`` is a response that earns full marks, in
    the same shape as the response (None for essays and descriptions).
    """

    fraction: float | None
    mark: float
    feedback: list[str] = field(default_factory=list)
    needs_grading: bool = False
    correct_response: Response = None

    @property
    def state(self) -> str:
        """Moodle's verdict: "correct", "partial", "incorrect", "needs_grading" or "ungraded"."""
        if self.needs_grading:
            return "needs_grading"
        if self.fraction is None:
            return "ungraded"
        if self.fraction > RIGHT:
            return "correct"
        return "incorrect" if self.fraction < WRONG else "partial"


def grade(question: Question, response: object) -> Grade:
    """Grade a response (see the module's docstring for its shape); a response of the
    wrong shape counts as no answer, which earns 0."""
    fraction, chosen = GRADERS[question.type](question, response)
    feedback = [text for text in [*chosen, question.general_feedback] if text]
    return Grade(
        fraction=fraction,
        mark=(fraction or 0.0) * question.max_mark,
        feedback=feedback,
        needs_grading=question.type == "essay" and fraction is None,
        correct_response=correct_response(question),
    )


def correct_response(question: Question) -> Response:
    """A response that earns the best mark the question gives (Moodle's "right answer")."""
    if question.type == "multichoice" and not question.single:
        return [i for i, answer in enumerate(question.answers) if answer.fraction > 0]
    if question.type == "multichoice" and question.answers:
        return max(range(len(question.answers)), key=lambda i: question.answers[i].fraction)
    if question.type == "truefalse":
        return question.correct
    if question.type == "shortanswer" and question.answers:
        best = max(question.answers, key=lambda answer: answer.fraction)
        return best.text.replace("\\*", "*")
    if question.type == "numerical":
        numbers = [n for n in question.numeric if n.value is not None]
        if numbers:
            return number(max(numbers, key=lambda n: n.fraction).value or 0.0)
    if question.type == "matching":
        return {i: pair.right for i, pair in enumerate(question.subquestions)}
    return None


def normalise_response(question: Question, raw: object) -> Response:
    """What a form posted (a string, a list of strings, a mapping of strings) as the
    response ``grade`` takes; anything unusable becomes no answer (None, [], "" or {})."""
    if question.type == "multichoice" and question.single:
        return _index(_first(raw), len(question.answers))
    if question.type == "multichoice":
        values = raw.split(",") if isinstance(raw, str) else raw
        if not isinstance(values, list | tuple | set | frozenset):
            return []
        indexes = (_index(value, len(question.answers)) for value in values)
        return sorted({i for i in indexes if i is not None})
    if question.type == "truefalse":
        return _truth(_first(raw))
    if question.type == "matching":
        return _matching_response(question, raw)
    if question.type == "description":
        return None
    value = _first(raw)
    return value if isinstance(value, str) else ""


def parse_number(text: str) -> float | None:
    """A number as a person types it: "1.5", "1,5", "1 822", "−3", "1e3"; else None.

    With both "," and "." the last one is the decimal point; several commas alone
    separate thousands."""
    text = SPACES.sub("", text).replace("\u2212", "-")
    if "," in text and "." in text:
        point, thousands = (".", ",") if text.rfind(".") > text.rfind(",") else (",", ".")
        text = text.replace(thousands, "").replace(point, ".")
    elif text.count(",") == 1:
        text = text.replace(",", ".")
    elif text.count(",") > 1:
        text = text.replace(",", "")
    if not NUMBER.fullmatch(text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def matches(response: str, pattern: str) -> bool:
    """Moodle's short-answer comparison: case-insensitive, ``*`` any text, ``\\*`` a star."""
    if pattern == "*":
        return True
    bits = UNESCAPED_STARS.split(unicodedata.normalize("NFC", pattern))
    regex = ".*".join(re.escape(bit.replace("\\*", "*")) for bit in bits)
    response = unicodedata.normalize("NFC", response.strip())
    return re.fullmatch(regex, response, re.IGNORECASE) is not None


Graded = tuple[float | None, list[str]]


def _multichoice(question: Question, response: object) -> Graded:
    answers = question.answers
    if question.single:
        if _index(response, len(answers), strict=True) is None:
            return 0.0, []
        answer = answers[response]  # type: ignore[index]
        return answer.fraction, [answer.feedback]
    if not isinstance(response, list | tuple | set | frozenset):
        return 0.0, []
    chosen = sorted({i for i in response if _index(i, len(answers), strict=True) is not None})
    total = sum(answers[i].fraction for i in chosen)
    return min(max(total, 0.0), 1.0), [answers[i].feedback for i in chosen]


def _truefalse(question: Question, response: object) -> Graded:
    if not isinstance(response, bool):
        return 0.0, []
    feedback = question.feedback_true if response else question.feedback_false
    return (1.0 if response == question.correct else 0.0), [feedback]


def _shortanswer(question: Question, response: object) -> Graded:
    if not isinstance(response, str) or not response.strip():
        return 0.0, []
    for answer in question.answers:  # the first that matches, in file order
        if matches(response, answer.text):
            return answer.fraction, [answer.feedback]
    return 0.0, []


def _numerical(question: Question, response: object) -> Graded:
    value = parse_number(response) if isinstance(response, str) else None
    if value is None:
        return 0.0, []
    for answer in question.numeric:  # the first whose range holds it, in file order
        if answer.accepts(value):
            return answer.fraction, [answer.feedback]
    return 0.0, []


def _matching(question: Question, response: object) -> Graded:
    pairs = question.subquestions
    if not isinstance(response, Mapping) or not pairs:
        return 0.0, []
    chosen = [response.get(i, response.get(str(i))) for i in range(len(pairs))]
    right = sum(1 for pair, text in zip(pairs, chosen, strict=True) if text == pair.right)
    return right / len(pairs), []


def _essay(question: Question, response: object) -> Graded:
    if isinstance(response, str) and response.strip():
        return None, []
    return 0.0, []  # Moodle: a blank essay is "not answered", not left for a grader


def _description(question: Question, response: object) -> Graded:
    return None, []


GRADERS: dict[str, Callable[[Question, object], Graded]] = {
    "multichoice": _multichoice,
    "truefalse": _truefalse,
    "shortanswer": _shortanswer,
    "numerical": _numerical,
    "matching": _matching,
    "essay": _essay,
    "description": _description,
}


def _first(raw: object) -> object:
    if isinstance(raw, list | tuple):
        return raw[0] if raw else None
    return raw


def _index(value: object, count: int, *, strict: bool = False) -> int | None:
    """``value`` as an index below ``count``; ``strict`` takes only ints, not digit strings."""
    if isinstance(value, str) and not strict and value.strip().isdecimal():
        value = int(value.strip())
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < count:
        return value
    return None


def _truth(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower() if isinstance(value, str | int) else ""
    return True if word in TRUE_WORDS else False if word in FALSE_WORDS else None


def _matching_response(question: Question, raw: object) -> dict[int, str]:
    if isinstance(raw, list | tuple):
        raw = dict(enumerate(raw))
    if not isinstance(raw, Mapping):
        return {}
    count, choices = len(question.subquestions), set(question.choices)
    response = {}
    for key, value in raw.items():
        index = _index(key, count)
        if index is not None and isinstance(value, str) and value in choices:
            response[index] = value
    return dict(sorted(response.items()))
