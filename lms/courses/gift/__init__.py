"""Quizzes in Moodle's GIFT format: reading, writing and grading them as Moodle does."""

from lms.courses.gift.export import export_gift
from lms.courses.gift.grading import Grade, correct_response, grade, normalise_response
from lms.courses.gift.model import (
    MISSING_WORD,
    QUESTION_TYPES,
    TEXT_FORMATS,
    Answer,
    GiftError,
    GiftProblem,
    MatchPair,
    NumericAnswer,
    Question,
    question_from_dict,
    question_to_dict,
)
from lms.courses.gift.parser import parse_gift, parse_gift_bytes

__all__ = [
    "MISSING_WORD",
    "QUESTION_TYPES",
    "TEXT_FORMATS",
    "Answer",
    "GiftError",
    "GiftProblem",
    "Grade",
    "MatchPair",
    "NumericAnswer",
    "Question",
    "correct_response",
    "export_gift",
    "grade",
    "normalise_response",
    "parse_gift",
    "parse_gift_bytes",
    "question_from_dict",
    "question_to_dict",
]
