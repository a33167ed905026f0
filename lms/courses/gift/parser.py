"""Reading Moodle's GIFT quiz format the way Moodle's importer reads it.

A blank line ends a question; lines are trimmed; lines starting with ``//`` are comments.
Backslash escapes (``\\~ \\= \\# \\{ \\} \\: \\n \\\\``) are set aside first, so that the
control characters can be searched for; the type then follows from the answer block,
in Moodle's order. Where Moodle would silently import something other than what the
author meant (an answer without ``=`` or ``~``, ``{true}``, a second ``{...}`` block),
we report a problem instead. Every question is checked; any problem and nothing is read.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise

from lms.courses.gift.model import (
    MISSING_WORD,
    TEXT_FORMATS,
    Answer,
    GiftError,
    GiftProblem,
    MatchPair,
    NumericAnswer,
    Question,
    default_title,
    plain_title,
)
from lms.i18n import _

WHITESPACE = " \t\n\r\0\x0b"  # what PHP's trim() removes: Moodle trims with it
LINE_BREAK = re.compile(r"\r\n|\r|\n")
HIDDEN = 0xF0000  # escaped characters become private-use characters while parsing
ESCAPE = re.compile(r"\\([\\:#={}~n])")
UNHIDE = {HIDDEN + ord(c): "\n" if c == "n" else c for c in "\\:#={}~n"}
WEIGHT = re.compile(r"%(-?\d+(?:\.\d*)?)%")
WEIGHT_LIKE = re.compile(r"%[-+\d.,\s]*\d[-+\d.,\s]*%")
NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
TRUE_FALSE = ("T", "TRUE", "F", "FALSE")
TRUE_FALSE_LIKE = ("t", "true", "f", "false", "yes", "no")
IDNUMBER = re.compile(r"\[id:((?:\\\]|[^\]\x00-\x1f\x7f])+)\]")
TAG = re.compile(r"\[tag:((?:\\\]|[^\]<>`\x00-\x1f\x7f])+)\]")

Piece = tuple[int, str, str]  # where an answer starts, its marker ("=", "~"), its text


def parse_gift_bytes(data: bytes, filename: str) -> list[Question]:
    """The questions of an uploaded GIFT file, which must be UTF-8 (a BOM is fine)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        message = _(
            "the file is not UTF-8 text (the first wrong byte is on this line). GIFT files "
            "must use UTF-8: save the file again choosing the UTF-8 encoding."
        )
        raise GiftError([GiftProblem(filename, line, message)], filename) from None
    return parse_gift(text, filename)


def parse_gift(text: str, filename: str = "quiz.gift") -> list[Question]:
    """All questions of a GIFT text, each with the ``$CATEGORY`` in force.

    Raises ``GiftError`` listing every problem when any question cannot be read, or
    when there is no question at all.
    """
    reader = _Reader(filename)
    for block in _blocks(text.removeprefix("\ufeff")):
        reader.read(block)
    if not reader.problems and not reader.questions:
        reader.problems.append(GiftProblem(filename, None, _("the file contains no questions.")))
    if reader.problems:
        raise GiftError(reader.problems, filename)
    return reader.questions


@dataclass
class _Block:
    """The lines of one question, joined; comment lines blanked and escapes hidden."""

    first_line: int
    text: str
    comments: str

    def line_at(self, position: int) -> int:
        return self.first_line + self.text.count("\n", 0, position)


def _blocks(text: str) -> Iterator[_Block]:
    lines: list[str] = []
    comments: list[str] = []
    first = 0
    for number, raw in enumerate([*LINE_BREAK.split(text), ""], start=1):
        line = _trim(raw)
        if line and not lines:
            first = number
        if line.startswith("//"):
            comments.append(line)
            line = " "
        if line:
            lines.append(line)
        elif lines:
            yield _Block(first, ESCAPE.sub(_hide, "\n".join(lines)), "\n".join(comments))
            lines, comments = [], []


def _hide(match: re.Match[str]) -> str:
    return chr(HIDDEN + ord(match.group(1)))


def _trim(text: str) -> str:
    return text.strip(WHITESPACE)


def _text(raw: str) -> str:
    return _trim(raw.translate(UNHIDE))


def _with_format(raw: str, default: str) -> tuple[str, str]:
    """A text and its format: a leading ``[html]`` (etc.) sets it, else ``default``."""
    raw = _trim(raw)
    end = raw.find("]")
    if raw.startswith("[") and end > 0 and raw[1:end] in TEXT_FORMATS:
        return _text(raw[end + 1 :]), raw[1:end]
    return _text(raw), default


def _split(raw: str, parts: int = 2) -> list[str]:
    """An answer and its ``#feedback`` (true/false: ``#wrong#right`` feedback)."""
    bits = raw.split("#", parts - 1)
    return bits + [""] * (parts - len(bits))


class _Bad(Exception):
    """A numerical answer that is not a number; the message says what was expected."""


class _Reader:
    """Reads block after block, collecting questions, the category and problems."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.problems: list[GiftProblem] = []
        self.questions: list[Question] = []
        self.category: str | None = None
        self.block = _Block(0, "", "")
        self.s = ""

    def problem(self, position: int, message: str) -> None:
        line = self.block.line_at(position)
        self.problems.append(GiftProblem(self.filename, line, message))

    def skip(self, position: int) -> int:
        """The position of the first non-blank character from ``position`` on."""
        return len(self.s) - len(self.s[position:].lstrip(WHITESPACE))

    def read(self, block: _Block) -> None:
        self.block, self.s = block, block.text
        start = self.skip(0)
        if start == len(self.s):
            return  # only comments
        if self.s.startswith("$CATEGORY:", start):
            self.read_category(start + len("$CATEGORY:"))
            return
        before = len(self.problems)
        question = self.read_question(start)
        if question is not None and len(self.problems) == before:
            question.category = self.category
            self.questions.append(question)

    def read_category(self, start: int) -> None:
        name = _trim(self.s[start:])
        if "\n" in name:
            message = _("a $CATEGORY: line must be followed by a blank line, not by a question.")
            self.problem(self.s.index("\n", start) + 1, message)
        elif not name:
            self.problem(start, _("$CATEGORY: needs a category name, e.g. $CATEGORY: Returns."))
        self.category = _text(name)

    def read_question(self, start: int) -> Question | None:
        title, body = "", start
        if self.s.startswith("::", start):
            finish = self.s.find("::", start + 2)
            if finish < 0:
                self.problem(start, _('the title opened with "::" is not closed with "::".'))
                return None
            title, body = plain_title(self.s[start + 2 : finish].translate(UNHIDE)), finish + 2
        body, end = self.skip(body), len(self.s.rstrip(WHITESPACE))
        braces = self.find_braces(body, end)
        if braces is None:
            return None
        opening, closing = braces
        raw_text = self.s[body:end] if opening < 0 else self.s[body:opening]
        if opening >= 0 and closing < end - 1:  # text after the braces: a missing word
            raw_text += MISSING_WORD + self.s[closing + 1 : end]
        text, text_format = _with_format(raw_text, "moodle")
        if not text:
            self.problem(body, _("the question has no text."))
            return None
        question = Question(
            type="description",
            title=title or default_title(text),
            text=text,
            text_format=text_format,
            line=self.block.line_at(start),
            general_feedback_format=text_format,
        )
        self.read_comments(question)
        if opening >= 0:
            self.read_answers(question, opening + 1, closing)
        return question

    def find_braces(self, body: int, end: int) -> tuple[int, int] | None:
        """The answer block's braces; (-1, -1) for a description; None after a problem."""
        opening, closing = self.s.find("{", body, end), self.s.find("}", body, end)
        extra = [i for i in (self.s.find(c, closing + 1, end) for c in "{}") if i >= 0]
        if closing < 0 <= opening:
            message = _(
                'the "{" that starts the answers is not closed by "}" before the blank line '
                "or end of file that ends the question (write \\{ for a brace in text)."
            )
            self.problem(opening, message)
        elif closing >= 0 and not 0 <= opening < closing:
            self.problem(closing, _('"}" without an opening "{" (write \\} for a brace in text).'))
        elif closing >= 0 and extra:
            message = _(
                "a question has one {...} answer block: write \\{ and \\} for braces in "
                "text, and leave a blank line between questions."
            )
            self.problem(min(extra), message)
        else:
            return opening, closing
        return None

    def read_comments(self, question: Question) -> None:
        found = IDNUMBER.findall(self.block.comments)
        question.idnumber = _trim(found[0].replace("\\]", "]")) if found else ""
        tags = (_trim(t.replace("\\]", "]")) for t in TAG.findall(self.block.comments))
        question.tags = [tag for tag in tags if tag]

    def read_answers(self, question: Question, start: int, end: int) -> None:
        start, end = self.skip(start), len(self.s[:end].rstrip(WHITESPACE))
        separator = self.s.rfind("####", start, end)
        if separator >= 0:
            feedback = _with_format(self.s[separator + 4 : end], question.text_format)
            question.general_feedback, question.general_feedback_format = feedback
            end = max(start, len(self.s[:separator].rstrip(WHITESPACE)))
        answers = self.s[start:end]
        if not answers:
            question.type = "essay"
        elif answers.startswith("#"):
            question.type = "numerical"
            self.read_numerical(question, start + 1, end)
        elif "~" in answers:
            question.type = "multichoice"
            self.read_multichoice(question, start, end)
        elif "=" in answers and "->" in answers:
            question.type = "matching"
            self.read_matching(question, start, end)
        elif _trim(answers.split("#", 1)[0]) in TRUE_FALSE:
            question.type = "truefalse"
            self.read_truefalse(question, answers)
        else:
            question.type = "shortanswer"
            self.read_shortanswer(question, start, end)

    def pieces(self, start: int, end: int, markers: str, *, lead_ok: bool = False) -> list[Piece]:
        """The answers between ``start`` and ``end``, each starting at one of ``markers``:
        (position, marker, text after it). Text before the first marker is a problem,
        unless ``lead_ok`` (numerical), when it is an answer with marker ""."""
        cuts = [i for i in range(start, end) if self.s[i] in markers]
        found = [(cut, self.s[cut], self.s[cut + 1 : stop]) for cut, stop in pairwise([*cuts, end])]
        lead = _trim(self.s[start : cuts[0] if cuts else end])
        if lead and lead_ok:
            return [(start, "", lead), *found]
        if lead:
            self.lead_problem(self.skip(start), lead)
        return found

    def lead_problem(self, position: int, lead: str) -> None:
        word = _text(lead.split("#", 1)[0])
        if word.lower() in TRUE_FALSE_LIKE:
            message = _('true/false answer "%(value)s": write T, TRUE, F or FALSE.', value=word)
        else:
            message = _(
                'answer "%(text)s" needs "=" (right answer) or "~" (wrong answer) in front.',
                text=_text(lead),
            )
        self.problem(position, message)

    def weight(self, position: int, raw: str, *, negative: bool = True) -> tuple[float | None, str]:
        """The ``%50%`` weight at the start of an answer (as a fraction) and the rest."""
        raw = raw.lstrip(WHITESPACE)
        found, like = WEIGHT.match(raw), WEIGHT_LIKE.match(raw)
        if found is None:
            if like:
                message = _(
                    'weight "%(weight)s" is not a number: write it like %(example)s.',
                    weight=like.group(0),
                    example="%50%, %-100%, %33.33333%",
                )
                self.problem(position, message)
            return None, raw
        value = Decimal(found.group(1))
        if not -100 <= value <= 100:
            self.problem(position, _("weight %(weight)s is outside -100..100.", weight=found[0]))
        elif value < 0 and not negative:
            message = _(
                "negative weight %(weight)s: only multiple-choice answers (~) can take marks away.",
                weight=found[0],
            )
            self.problem(position, message)
        return float(value / 100), raw[found.end() :]

    def read_multichoice(self, question: Question, start: int, end: int) -> None:
        question.single = "=" in self.s[start:end]  # Moodle: checkboxes when no "="
        for position, marker, raw in self.pieces(start, end, "~="):
            if marker == "=" and WEIGHT.match(raw.lstrip(WHITESPACE)):
                message = _(
                    'in a multiple-choice question a weight follows "~" (%(example)s); '
                    '"=" marks the right answer.',
                    example="~%50%answer",
                )
                self.problem(position, message)
            weight, raw = (1.0, raw) if marker == "=" else self.weight(position, raw)
            text_raw, feedback_raw = _split(raw)
            text, text_format = _with_format(text_raw, question.text_format)
            feedback, feedback_format = _with_format(feedback_raw, question.text_format)
            self.check_answer(position, marker, text)
            answer = Answer(text, weight or 0.0, feedback, text_format, feedback_format)
            question.answers.append(answer)
        if len(question.answers) < 2:
            self.problem(start, _("a multiple-choice question needs at least two answers."))

    def check_answer(self, position: int, marker: str, text: str) -> None:
        if not text:
            self.problem(position, _('empty answer after "%(marker)s".', marker=marker))

    def read_shortanswer(self, question: Question, start: int, end: int) -> None:
        for position, marker, raw in self.pieces(start, end, "="):
            weight, raw = self.weight(position, raw, negative=False)
            text_raw, feedback_raw = _split(raw)
            text, _format = _with_format(text_raw, question.text_format)  # Moodle drops it
            feedback, feedback_format = _with_format(feedback_raw, question.text_format)
            self.check_answer(position, marker, text)
            fraction = 1.0 if weight is None else weight
            question.answers.append(Answer(text, fraction, feedback, "moodle", feedback_format))

    def read_matching(self, question: Question, start: int, end: int) -> None:
        before = len(self.problems)
        for position, _marker, raw in self.pieces(start, end, "="):
            arrow = raw.find("->")
            if arrow < 0:
                message = _(
                    'matching pair "%(text)s" needs "->" between the item and its match.',
                    text=_text(raw),
                )
                self.problem(position, message)
                continue
            left, left_format = _with_format(raw[:arrow], question.text_format)
            right = _text(raw[arrow + 2 :])
            if not right:
                self.problem(position, _('the matching pair has nothing after "->".'))
            question.pairs.append(MatchPair(left, right, left_format))
        if len(question.subquestions) < 2 and len(self.problems) == before:
            self.problem(start, _('a matching question needs at least two pairs "a -> b".'))

    def read_truefalse(self, question: Question, answers: str) -> None:
        value, wrong_raw, right_raw = _split(answers, 3)
        wrong = _with_format(wrong_raw, question.text_format)
        right = _with_format(right_raw, question.text_format)
        question.correct = _trim(value) in ("T", "TRUE")
        if_true, if_false = (right, wrong) if question.correct else (wrong, right)
        question.feedback_true, question.feedback_true_format = if_true
        question.feedback_false, question.feedback_false_format = if_false

    def read_numerical(self, question: Question, start: int, end: int) -> None:
        tilde = self.s.find("~", start, end)  # "~#feedback": for any other number
        entries = self.pieces(start, end if tilde < 0 else tilde, "=", lead_ok=True)
        for position, _marker, raw in entries:
            self.read_number(question, position, raw)
        if tilde >= 0:
            feedback = _with_format(_split(self.s[tilde + 1 : end])[1], question.text_format)
            question.numeric.append(NumericAnswer(None, 0.0, 0.0, *feedback))
        if not entries:
            self.problem(start, _("a numerical question needs a number after {#, e.g. {#42}."))

    def read_number(self, question: Question, position: int, raw: str) -> None:
        weight, raw = self.weight(position, raw, negative=False)
        value_raw, feedback_raw = _split(raw)
        feedback, feedback_format = _with_format(feedback_raw, question.text_format)
        try:
            value, tolerance = _number_and_tolerance(_text(value_raw))
        except _Bad as bad:
            self.problem(position, str(bad))
            return
        fraction = 1.0 if weight is None else weight
        answer = NumericAnswer(value, tolerance, fraction, feedback, feedback_format)
        question.numeric.append(answer)


def _number_and_tolerance(text: str) -> tuple[float | None, float]:
    """``5``, ``5:0.5`` or ``1..5`` as (value, tolerance); ``*`` is any number."""
    if text == "*":
        return None, 0.0
    dots, colon = text.find(".."), text.find(":")
    if dots > 0:  # Moodle turns a range into its middle ± half its width
        low, high = _decimal(text[:dots], text), _decimal(text[dots + 2 :], text)
        if low > high:
            raise _Bad(_('range "%(text)s" must go from the smaller number up.', text=text))
        middle = (low + high) / 2
        return float(middle), float(high - middle)
    if colon > 0:
        value, tolerance = _decimal(text[:colon], text), _decimal(text[colon + 1 :], text)
        if tolerance < 0:
            raise _Bad(_('the tolerance in "%(text)s" cannot be negative.', text=text))
        return float(value), float(tolerance)
    return float(_decimal(text, text)), 0.0


def _decimal(number: str, whole: str) -> Decimal:
    number = _trim(number)
    if NUMBER.fullmatch(number) and math.isfinite(float(number)):
        return Decimal(number)
    message = _(
        '"%(text)s" is not a number: write 42, 1.5 (a point, not a comma), 1.5:0.1 '
        "(value:tolerance) or 1..5 (a range).",
        text=whole,
    )
    raise _Bad(message)
