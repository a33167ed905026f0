"""Quiz attempts: start or resume, save answer by answer, submit and grade, and the
mentor's grading of essays.

An attempt is bound to the quiz version it started on, with its question order and each
question's choice order drawn once, so a reload or a dropped connection shows the same quiz
with every saved answer. Grading follows Moodle's rules (``lms.courses.gift.grading``);
an essay leaves the attempt "pending" until a mentor grades it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from lms.auth.access import can_view_person
from lms.auth.models import Mentorship, User
from lms.courses.gift import Grade, Question, grade, normalise_response, question_from_dict
from lms.courses.models import AttemptResponse, Course, Quiz, QuizAttempt
from lms.courses.services import CourseState, check_completion, enrol
from lms.errors import ServiceError
from lms.i18n import _


@dataclass
class QuestionView:
    """One question of an attempt as shown: its number, the choice order, the saved answer
    and, once submitted, its grade."""

    number: int
    index: int
    question: Question
    choice_order: list[int]
    response: Any
    grade: Grade | None
    row: AttemptResponse | None

    @property
    def matching_options(self) -> list[str]:
        """The right-hand texts of a matching question, in this attempt's order."""
        rights = [pair.right for pair in self.question.pairs]
        return [rights[i] for i in self.choice_order] if self.choice_order else rights


def start_or_resume(
    session: Session,
    user: User,
    state: CourseState,
    kind: str,
    *,
    now: datetime,
    rng: random.Random | None = None,
) -> QuizAttempt:
    """The attempt in progress at this quiz, or a new one when the rules allow it."""
    current = state.in_progress(kind)
    if current is not None:
        return current
    reason = state.may_start(kind)
    if reason:
        raise ServiceError(reason)
    quiz = state.course.quiz(kind)
    assert quiz is not None and quiz.current_version is not None
    if state.enrolment is None:
        state.enrolment = enrol(session, user, state.course, now=now)
    questions = [question_from_dict(d) for d in quiz.current_version.questions]
    rng = rng or random.SystemRandom()
    order = list(range(len(questions)))
    rng.shuffle(order)
    attempt = QuizAttempt(
        user_id=user.id,
        quiz=quiz,
        version=quiz.current_version,
        number=len(state.attempts.get(kind, [])) + 1,
        question_order=order,
        choice_orders=_choice_orders(questions, state.course, rng),
        started_at=now,
    )
    session.add(attempt)
    session.flush()
    state.attempts.setdefault(kind, []).append(attempt)
    return attempt


def _choice_orders(
    questions: list[Question], course: Course, rng: random.Random
) -> dict[str, list[int]]:
    """Choices of multiple-choice questions shuffled when the course says so; the options
    of a matching question always (as Moodle does)."""
    orders = {}
    for index, question in enumerate(questions):
        if question.type == "multichoice" and course.shuffle_answers:
            count = len(question.answers)
        elif question.type == "matching":
            count = len(question.pairs)
        else:
            continue
        order = list(range(count))
        rng.shuffle(order)
        orders[str(index)] = order
    return orders


def attempt_for(session: Session, attempt_id: int) -> QuizAttempt | None:
    return session.scalar(
        select(QuizAttempt)
        .where(QuizAttempt.id == attempt_id)
        .options(
            selectinload(QuizAttempt.responses),
            selectinload(QuizAttempt.quiz).selectinload(Quiz.course),
            selectinload(QuizAttempt.version),
        )
    )


def questions_of(attempt: QuizAttempt) -> list[Question]:
    return [question_from_dict(d) for d in attempt.version.questions]


def views(attempt: QuizAttempt) -> list[QuestionView]:
    """The attempt's questions in its order, each with its saved answer and grade."""
    questions = questions_of(attempt)
    rows = {row.question_index: row for row in attempt.responses}
    result, number = [], 0
    for index in attempt.question_order:
        question = questions[index]
        row = rows.get(index)
        response = row.response if row else None
        graded = None
        if attempt.state != "in_progress":
            graded = grade(question, _typed(question, response))
        if question.max_mark > 0:
            number += 1
        order = attempt.choice_orders.get(str(index)) or []
        result.append(QuestionView(number, index, question, order, response, graded, row))
    return result


def _typed(question: Question, stored: Any) -> Any:
    """A stored JSON answer back as the grader's type (matching keys come back as text)."""
    if question.type == "matching" and isinstance(stored, dict):
        return {int(k): v for k, v in stored.items() if str(k).isdigit()}
    return stored


def _stored(response: Any) -> Any:
    if isinstance(response, dict):
        return {str(k): v for k, v in response.items()}
    return response


def save_response(
    session: Session, attempt: QuizAttempt, index: int, raw: Any, *, now: datetime
) -> AttemptResponse:
    """Save one answer of an attempt in progress (again replaces it)."""
    if attempt.state != "in_progress":
        raise ServiceError(_("This attempt has been submitted; its answers can no longer change."))
    questions = questions_of(attempt)
    if not 0 <= index < len(questions):
        raise ServiceError(_("There is no such question in this quiz."), field="question")
    response = _stored(normalise_response(questions[index], raw))
    row = next((r for r in attempt.responses if r.question_index == index), None)
    if row is None:
        row = AttemptResponse(question_index=index)
        attempt.responses.append(row)
    row.response, row.saved_at = response, now
    session.flush()
    return row


def submit(
    session: Session, user: User, state: CourseState, attempt: QuizAttempt, *, now: datetime
) -> None:
    """Grade every answer; the attempt is "graded", or "pending" while an essay waits."""
    if attempt.state != "in_progress":
        raise ServiceError(_("This attempt has already been submitted."))
    questions = questions_of(attempt)
    rows = {row.question_index: row for row in attempt.responses}
    for index, question in enumerate(questions):
        if question.max_mark <= 0:
            continue
        row = rows.get(index)
        if row is None:
            row = AttemptResponse(question_index=index, response=None, saved_at=now)
            attempt.responses.append(row)
        result = grade(question, _typed(question, row.response))
        row.fraction, row.needs_grading = result.fraction, result.needs_grading
    attempt.submitted_at = now
    _finish(session, user, state, attempt, questions, now=now)


def _finish(
    session: Session,
    user: User,
    state: CourseState,
    attempt: QuizAttempt,
    questions: list[Question],
    *,
    now: datetime,
) -> None:
    """Score the attempt when nothing waits for a grader, and see whether that completes
    the course."""
    if any(row.needs_grading for row in attempt.responses):
        attempt.state = "pending"
        session.flush()
        return
    marks = sum(
        (row.fraction or 0.0) * questions[row.question_index].max_mark
        for row in attempt.responses
        if row.question_index < len(questions)
    )
    max_marks = sum(q.max_mark for q in questions)
    marks = max(marks, 0.0)  # a negative-weight choice can cost marks, not the whole quiz
    attempt.marks, attempt.max_marks = marks, max_marks
    attempt.score = round(100 * marks / max_marks, 2) if max_marks else 0.0
    attempt.state, attempt.graded_at = "graded", now
    if attempt.quiz.kind == "final":
        attempt.passed = attempt.score >= state.course.pass_score
        enrolment = state.enrolment
        if enrolment is not None and (enrolment.score is None or attempt.score > enrolment.score):
            enrolment.score = attempt.score
    session.flush()
    check_completion(session, user, state, now=now)


# Grading essays -----------------------------------------------------------------------------


def can_grade(session: Session, grader: User, attempt: QuizAttempt, *, today: date) -> bool:
    """HR and admins grade anyone's essays; a mentor only their current mentees'."""
    if grader.id == attempt.user_id:
        return False
    if grader.has_role("hr", "admin"):
        return True
    return grader.has_role("mentor") and can_view_person(grader, attempt.user, today=today)


def pending_attempts(session: Session, grader: User, *, today: date) -> list[QuizAttempt]:
    """Attempts waiting for an essay grade that ``grader`` may grade, oldest first."""
    query = (
        select(QuizAttempt)
        .where(QuizAttempt.state == "pending")
        .options(
            selectinload(QuizAttempt.user),
            selectinload(QuizAttempt.quiz).selectinload(Quiz.course),
        )
        .order_by(QuizAttempt.submitted_at)
    )
    if not grader.has_role("hr", "admin"):
        mentees = select(Mentorship.mentee_id).where(
            Mentorship.mentor_id == grader.id,
            Mentorship.started_on <= today,
            (Mentorship.ended_on.is_(None)) | (Mentorship.ended_on > today),
        )
        query = query.where(QuizAttempt.user_id.in_(mentees))
    return list(session.scalars(query))


def grade_essays(
    session: Session,
    grader: User,
    attempt: QuizAttempt,
    grades: dict[int, tuple[float, str]],
    *,
    state: CourseState,
    now: datetime,
) -> None:
    """Record the grader's fraction (0-1) and comment for each essay; when none is left
    ungraded the attempt is scored."""
    if attempt.state != "pending":
        raise ServiceError(_("This attempt is not waiting for a grade."))
    rows = {row.question_index: row for row in attempt.responses if row.needs_grading}
    for index, (fraction, comment) in grades.items():
        row = rows.get(index)
        if row is None:
            raise ServiceError(_("There is no essay to grade in that question."), field="question")
        if not 0.0 <= fraction <= 1.0:
            raise ServiceError(_("A grade is from 0 to 100%."), field=f"grade-{index}")
        row.fraction, row.grader_comment = fraction, comment.strip()
        row.needs_grading, row.graded_by_id = False, grader.id
    session.flush()
    _finish(session, attempt.user, state, attempt, questions_of(attempt), now=now)


def best_scores(session: Session, user: User, kind: str) -> dict[int, float]:
    """The person's best graded score per course for quizzes of ``kind``."""
    rows = session.execute(
        select(Quiz.course_id, QuizAttempt.score)
        .join(QuizAttempt.quiz)
        .where(QuizAttempt.user_id == user.id, Quiz.kind == kind, QuizAttempt.state == "graded")
    )
    best: dict[int, float] = {}
    for course_id, score in rows:
        best[course_id] = max(best.get(course_id, 0.0), score or 0.0)
    return best
