"""Questions read from Moodle's GIFT format (plain dataclasses, stored by the app as JSON),
and the problems found in a file that cannot be read.

The fields follow Moodle's own question model, so a question imported here means what it
means in Moodle. Every text keeps its Moodle text format ("moodle", "html", "plain" or
"markdown"); sub-texts default to the question text's format, as in Moodle.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from flask import has_app_context

from lms.errors import ServiceError
from lms.i18n import _, ngettext

QUESTION_TYPES = (
    "multichoice",
    "truefalse",
    "shortanswer",
    "matching",
    "numerical",
    "essay",
    "description",
)
TEXT_FORMATS = ("moodle", "html", "plain", "markdown")
MISSING_WORD = "_____"  # what Moodle puts into the question text where the braces were
HTML_TAG = re.compile(r"<[a-zA-Z/!][^>]*>")


@dataclass
class Answer:
    """A choice of a multiple-choice question or an accepted short answer.

    ``fraction`` is the share of the mark it earns, in [-1, 1] (``%50%`` is 0.5).
    """

    text: str
    fraction: float = 0.0
    feedback: str = ""
    format: str = "moodle"
    feedback_format: str = "moodle"


@dataclass
class NumericAnswer:
    """An accepted number: ``value`` ± ``tolerance``; ``value`` None is Moodle's ``*``
    (any other number), which GIFT writes as ``~#feedback`` after the numbers."""

    value: float | None
    tolerance: float = 0.0
    fraction: float = 1.0
    feedback: str = ""
    feedback_format: str = "moodle"

    def accepts(self, number: float) -> bool:
        """Whether ``number`` lies in [value - tolerance, value + tolerance], with the
        tiny margin Moodle adds so that seemingly equal floats compare equal."""
        if self.value is None:
            return True
        epsilon = 1e-14
        margin = self.tolerance + epsilon * max(abs(self.tolerance), abs(self.value), epsilon)
        return self.value - margin <= number <= self.value + margin


@dataclass
class MatchPair:
    """``left -> right``; an empty ``left`` makes ``right`` a distractor (a wrong choice)."""

    left: str
    right: str
    format: str = "moodle"  # of ``left``; Moodle keeps ``right`` as plain text

    @property
    def is_distractor(self) -> bool:
        return self.left == ""


@dataclass
class Question:
    """One question as Moodle's GIFT import makes it.

    ``line`` (where it starts in the file) is provenance, not content: it does not take
    part in comparisons, so a question exported and read back compares equal.
    """

    type: str
    title: str = ""
    text: str = ""
    text_format: str = "moodle"
    line: int = field(default=0, compare=False)
    category: str | None = None
    general_feedback: str = ""
    general_feedback_format: str = "moodle"
    # multichoice: True when the answers contain "=" (radio buttons), else checkboxes
    single: bool = True
    answers: list[Answer] = field(default_factory=list)
    numeric: list[NumericAnswer] = field(default_factory=list)
    pairs: list[MatchPair] = field(default_factory=list)
    # truefalse
    correct: bool = True
    feedback_true: str = ""
    feedback_true_format: str = "moodle"
    feedback_false: str = ""
    feedback_false_format: str = "moodle"
    # Moodle 3.6+: "// [id:...] [tag:...]" in the comment lines before the question
    idnumber: str = ""
    tags: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.type not in QUESTION_TYPES:
            raise ValueError(f"unknown question type {self.type!r}")

    @property
    def max_mark(self) -> float:
        """Moodle's default mark: 0 for a description, which is not answered, 1 otherwise."""
        return 0.0 if self.type == "description" else 1.0

    @property
    def min_fraction(self) -> float:
        """The lowest fraction a response can earn: below 0 only for a single-answer
        multiple choice with negative weights, as in Moodle."""
        if self.type == "multichoice" and self.single and self.answers:
            return min(0.0, *(a.fraction for a in self.answers))
        return 0.0

    @property
    def subquestions(self) -> list[MatchPair]:
        """Matching: the pairs to answer, without distractors. A matching response is
        keyed by the index in this list."""
        return [pair for pair in self.pairs if not pair.is_distractor]

    @property
    def choices(self) -> list[str]:
        """Matching: the right-hand texts to choose from, each once, in file order."""
        return list(dict.fromkeys(pair.right for pair in self.pairs))


def plain_title(text: str) -> str:
    """A title as Moodle keeps it: no HTML tags, on one line."""
    return " ".join(HTML_TAG.sub(" ", text).split())


def default_title(text: str) -> str:
    """Moodle names an untitled question after the start of its text (80 characters)."""
    plain = plain_title(text)
    if len(plain) <= 80:
        return plain
    cut = plain[:77]
    space = cut.rfind(" ")
    return (cut[:space] if space > 40 else cut) + "..."


def question_to_dict(question: Question) -> dict[str, Any]:
    """A JSON-safe dict of the question; ``question_from_dict`` reads it back equal."""
    return asdict(question)


def question_from_dict(data: Mapping[str, Any]) -> Question:
    """The question stored by ``question_to_dict``; unknown keys are ignored, missing
    ones take their defaults. Raises ValueError for an unknown question type."""
    values = _known(Question, data)
    values["answers"] = [Answer(**_known(Answer, a)) for a in data.get("answers") or ()]
    values["numeric"] = [_numeric(n) for n in data.get("numeric") or ()]
    values["pairs"] = [MatchPair(**_known(MatchPair, p)) for p in data.get("pairs") or ()]
    values["tags"] = [str(tag) for tag in data.get("tags") or ()]
    for answer in values["answers"]:
        answer.fraction = float(answer.fraction)
    return Question(**values)


def _numeric(data: Mapping[str, Any]) -> NumericAnswer:
    answer = NumericAnswer(**_known(NumericAnswer, data))
    answer.value = None if answer.value is None else float(answer.value)
    answer.tolerance = float(answer.tolerance)
    answer.fraction = float(answer.fraction)
    return answer


def _known(cls: type, data: Mapping[str, Any]) -> dict[str, Any]:
    names = {f.name for f in fields(cls)}
    return {key: value for key, value in data.items() if key in names}


@dataclass(frozen=True)
class GiftProblem:
    """One thing wrong in a GIFT file, and where."""

    filename: str
    line: int | None
    message: str

    def __str__(self) -> str:
        if self.line is None:
            return f"{self.filename}: {self.message}"
        if has_app_context():
            return _(
                "%(file)s, line %(line)d: %(message)s",
                file=self.filename,
                line=self.line,
                message=self.message,
            )
        return f"{self.filename}, line {self.line}: {self.message}"


class GiftError(ServiceError):
    """A GIFT file that cannot be read; ``problems`` lists every problem found."""

    def __init__(self, problems: list[GiftProblem], filename: str = "quiz.gift") -> None:
        super().__init__(
            ngettext(
                "%(file)s: %(num)d problem found; no questions were read.",
                "%(file)s: %(num)d problems found; no questions were read.",
                len(problems),
                file=filename,
            )
        )
        self.problems = problems
        self.filename = filename
