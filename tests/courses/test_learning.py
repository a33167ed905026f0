"""Taking a course through the services: the pre-test gate, lessons and resuming, quizzes
scored with partial credit, attempts, completion, essays graded by a mentor, badges."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from lms.auth.models import Mentorship, User
from lms.courses import assignments, attempts, services
from lms.courses.models import (
    Assignment,
    AttemptResponse,
    BadgeAward,
    Course,
    Enrolment,
    Program,
    QuizAttempt,
)
from lms.errors import ServiceError
from lms.extensions import db
from lms.models_base import utcnow
from tests.courses.conftest import (
    COURSE,
    ESSAY_TEXT,
    PROGRAM,
    SECOND,
    answer,
    finish_course,
    me,
    read_lessons,
    right_answer,
    start,
    state_of,
    submit,
    take,
)

pytestmark = pytest.mark.usefixtures("course", "ctx")

# Colour right (1), Pick half right (0.5), Earth right (1), Capital right in capitals (1),
# Number right with a decimal point (1), Match one pair of three (1/3): 4.83 of 7 before
# the essay, which waits for a grader when answered.
PARTLY_RIGHT = {
    "Colour": "0",
    "Pick": ["0"],
    "Earth": "true",
    "Capital": "PARIS",
    "Number": "4.0",
    "Match": {"0": "meow", "1": "moo", "2": "woof"},
    "Essay": ESSAY_TEXT,
}
ALL_WRONG = {"Colour": "1", "Pick": ["0", "2"], "Earth": "false", "Essay": ""}


@pytest.fixture
def learner(person: Callable[..., User]) -> User:
    return person(name="Lena Learner")


def ready_for_final(user: User) -> None:
    take(user, "pre")
    read_lessons(user)
    take(user, "post")


def fractions(attempt: QuizAttempt) -> dict[str, float | None]:
    titles = [q.title for q in attempts.questions_of(attempt)]
    return {titles[row.question_index]: row.fraction for row in attempt.responses}


# The way through ----------------------------------------------------------------------------


def test_lessons_are_refused_until_the_pre_test_is_taken(learner: User):
    state = state_of(learner)
    assert state.next_step() == ("pre", None)
    assert state.may_start("final") == "Take the pre-test first."
    with pytest.raises(ServiceError, match="pre-test"):
        services.open_lesson(db.session, me(learner), state, state.lessons[0], now=utcnow())
    with pytest.raises(ServiceError):
        services.complete_lesson(db.session, me(learner), state, state.lessons[0], now=utcnow())
    assert db.session.scalar(select(Enrolment.id).where(Enrolment.user_id == learner.id)) is None
    pre = take(learner, "pre")
    assert (pre.state, pre.passed) == ("graded", None)  # a pre-test is not passed or failed
    state = state_of(learner)
    assert state.next_step() == ("lesson", state.lessons[0])
    assert state.may_start("pre") == "You have already taken the pre-test."
    services.open_lesson(db.session, me(learner), state, state.lessons[0], now=utcnow())


def test_the_next_step_resumes_the_last_opened_lesson(learner: User):
    take(learner, "pre")
    state = state_of(learner)
    first, second, third = state.lessons
    assert state.next_step() == ("lesson", first)
    services.open_lesson(db.session, me(learner), state, third, now=utcnow())
    db.session.flush()
    state = state_of(learner)
    assert state.enrolment.last_lesson_id == third.id
    assert state.next_step() == ("lesson", third)  # where they left off, not the first
    following = services.complete_lesson(db.session, me(learner), state, third, now=utcnow())
    assert following is None  # the last lesson
    state = state_of(learner)
    assert state.next_step() == ("lesson", first)  # the first one not done
    following = services.complete_lesson(db.session, me(learner), state, first, now=utcnow())
    assert following == second
    state = state_of(learner)
    assert state.next_step() == ("lesson", second)
    assert state.enrolment.lessons_done == 2 and state.lessons_done == 2


def test_completing_lessons_counts_once_and_leads_to_the_post_test(learner: User):
    take(learner, "pre")
    state = state_of(learner)
    lesson = state.lessons[0]
    services.complete_lesson(db.session, me(learner), state, lesson, now=utcnow())
    services.complete_lesson(db.session, me(learner), state, lesson, now=utcnow())
    state = state_of(learner)
    assert state.lessons_done == 1 and state.enrolment.lessons_done == 1
    assert state.percent == round(100 * 2 / 6)  # pre-test and one lesson of 3 + 3 quizzes
    read_lessons(learner)
    state = state_of(learner)
    assert state.all_lessons_done and state.next_step() == ("post", None)
    assert state.enrolment.completed_at is None


def test_the_final_quiz_opens_only_after_every_lesson_and_the_post_test(learner: User):
    take(learner, "pre")
    state = state_of(learner)
    services.complete_lesson(db.session, me(learner), state, state.lessons[0], now=utcnow())
    assert state_of(learner).may_start("final") == "Finish every lesson first."
    assert state_of(learner).may_start("post") == "Finish every lesson first."
    with pytest.raises(ServiceError, match="Finish every lesson first"):
        start(learner, "final")
    read_lessons(learner)
    assert state_of(learner).may_start("final") == "Take the post-test first."
    with pytest.raises(ServiceError, match="post-test"):
        start(learner, "final")
    take(learner, "post")
    state = state_of(learner)
    assert state.may_start("post") == "You have already taken the post-test."
    assert state.may_start("final") is None and state.next_step() == ("final", None)


# Scoring ------------------------------------------------------------------------------------


def test_each_question_type_is_scored_with_partial_credit(learner: User):
    ready_for_final(learner)
    attempt = start(learner, "final")
    answer(attempt, {**PARTLY_RIGHT, "Essay": ""})
    submit(learner, attempt)
    assert attempt.state == "graded"
    assert fractions(attempt) == pytest.approx(
        {
            "Colour": 1.0,
            "Pick": 0.5,
            "Earth": 1.0,
            "Capital": 1.0,
            "Number": 1.0,
            "Match": 1 / 3,
            "Essay": 0.0,  # blank: not answered, nothing to grade
        }
    )
    assert (attempt.marks, attempt.max_marks) == (pytest.approx(4.5 + 1 / 3), 7.0)
    assert attempt.score == pytest.approx(69.05)
    assert attempt.passed is True  # 69% against a pass score of 60%


def test_a_score_under_the_pass_score_fails_and_the_best_score_is_kept(learner: User):
    ready_for_final(learner)
    failed = take(learner, "final", ALL_WRONG)
    assert (failed.state, failed.score, failed.passed) == ("graded", 0.0, False)
    state = state_of(learner)
    assert not state.completed and state.enrolment.score == 0.0
    assert state.attempts_left() == 1 and state.may_start("final") is None
    low = take(
        learner, "final", {"Colour": "0", "Earth": "true", "Capital": "Paris", "Number": "4"}
    )
    assert low.score == pytest.approx(57.14) and low.passed is False  # 4 of 7, under 60
    assert state_of(learner).enrolment.score == pytest.approx(57.14)


def test_the_number_of_attempts_is_limited(learner: User):
    ready_for_final(learner)
    take(learner, "final", ALL_WRONG)
    second = take(learner, "final", ALL_WRONG)
    assert second.number == 2
    state = state_of(learner)
    assert state.attempts_left() == 0
    assert state.may_start("final") == "You have used every attempt at this quiz."
    with pytest.raises(ServiceError, match="every attempt"):
        start(learner, "final")
    count = db.session.scalar(
        select(db.func.count(QuizAttempt.id)).where(QuizAttempt.user_id == learner.id)
    )
    assert count == 4  # pre, post and two finals


def test_passing_completes_the_course_and_its_assignment(
    learner: User, users: dict[str, User], today: date
):
    hr, person = me(users["hr"]), me(learner)
    course = state_of(learner).course
    assignments.assign(db.session, hr, course, [person], due_on=today, today=today, now=utcnow())
    state = finish_course(learner)
    assert state.completed and state.enrolment.completed_at is not None
    assert state.next_step() == ("done", None) and state.percent == 100
    assignment = db.session.scalar(select(Assignment).where(Assignment.user_id == learner.id))
    assert assignment.completed_at == state.enrolment.completed_at
    assert state.may_start("final") == "You have already passed this quiz."
    assert state_of(learner).completed


# Essays -------------------------------------------------------------------------------------


def test_an_essay_waits_for_the_mentor_whose_grade_finishes_the_attempt(
    learner: User,
    person: Callable[..., User],
    make_mentor: Callable[[User, User], None],
    today: date,
):
    mentor, stranger = person("mentor", name="Mila Mentor"), person("mentor", name="Other Mentor")
    make_mentor(mentor, learner)
    ready_for_final(learner)
    attempt = take(learner, "final", PARTLY_RIGHT)
    assert (attempt.state, attempt.score, attempt.passed) == ("pending", None, None)
    state = state_of(learner)
    assert not state.completed
    assert state.may_start("final") == "Your last attempt is waiting for a mentor's grade."
    assert attempts.can_grade(db.session, me(mentor), attempt, today=today)
    assert not attempts.can_grade(db.session, me(stranger), attempt, today=today)
    assert not attempts.can_grade(db.session, me(learner), attempt, today=today)
    assert attempts.pending_attempts(db.session, me(mentor), today=today) == [attempt]
    assert attempts.pending_attempts(db.session, me(stranger), today=today) == []
    essay = next(row for row in attempt.responses if row.needs_grading)
    with pytest.raises(ServiceError):
        attempts.grade_essays(
            db.session, me(mentor), attempt, {essay.question_index: (1.5, "")},
            state=state, now=utcnow(),
        )  # fmt: skip
    attempts.grade_essays(
        db.session, me(mentor), attempt, {essay.question_index: (0.5, " Name a date. ")},
        state=state_of(learner), now=utcnow(),
    )  # fmt: skip
    assert attempt.state == "graded"
    row = db.session.get(AttemptResponse, (attempt.id, essay.question_index))
    assert (row.fraction, row.grader_comment, row.graded_by_id) == (0.5, "Name a date.", mentor.id)
    assert attempt.marks == pytest.approx(4.5 + 1 / 3 + 0.5)
    assert attempt.score == pytest.approx(76.19) and attempt.passed is True
    assert state_of(learner).completed
    assert attempts.pending_attempts(db.session, me(mentor), today=today) == []


def test_hr_may_grade_anyone_and_an_ended_mentorship_may_not(
    learner: User,
    person: Callable[..., User],
    users: dict[str, User],
    in_app: Callable[..., Any],
    today: date,
):
    former = person("mentor", name="Former Mentor")
    in_app(
        lambda session: session.add(
            Mentorship(
                mentor_id=former.id,
                mentee_id=learner.id,
                started_on=today - timedelta(days=30),
                ended_on=today,
            )
        )
    )
    ready_for_final(learner)
    attempt = take(learner, "final", PARTLY_RIGHT)
    assert attempts.can_grade(db.session, me(users["hr"]), attempt, today=today)
    assert attempts.can_grade(db.session, me(users["admin"]), attempt, today=today)
    assert not attempts.can_grade(db.session, me(former), attempt, today=today)
    assert not attempts.can_grade(db.session, me(users["agent"]), attempt, today=today)
    assert not attempts.can_grade(db.session, me(users["mentor"]), attempt, today=today)
    assert attempts.pending_attempts(db.session, me(former), today=today) == []
    assert attempts.pending_attempts(db.session, me(users["hr"]), today=today) == [attempt]


# Programs -----------------------------------------------------------------------------------


def program() -> Program:
    found = services.program_by_slug(db.session, PROGRAM)
    assert found is not None
    return found


def test_a_level_badge_is_awarded_and_the_next_level_unlocks(
    learner: User, users: dict[str, User], today: date
):
    assignments.assign(
        db.session, me(users["hr"]), program(), [me(learner)],
        due_on=None, today=today, now=utcnow(),
    )  # fmt: skip
    first, second = services.program_state(db.session, me(learner), program())
    assert (first.unlocked, first.award, second.unlocked) == (True, None, False)
    finish_course(learner)
    first, second = services.program_state(db.session, me(learner), program())
    assert first.award is not None and first.award.level.badge == "Calm voice"
    assert first.percent == 100 and second.unlocked and second.award is None
    assert [b.level.badge for b in services.badges(db.session, me(learner))] == ["Calm voice"]
    program_assignment = db.session.scalar(
        select(Assignment).where(Assignment.user_id == learner.id)
    )
    assert program_assignment.completed_at is None  # one level of two
    finish_course(learner, SECOND)
    first, second = services.program_state(db.session, me(learner), program())
    assert second.award is not None and second.award.level.badge == "Follow-up master"
    assert program_assignment.completed_at is not None
    earned = select(db.func.count(BadgeAward.id)).where(BadgeAward.user_id == learner.id)
    assert db.session.scalar(earned) == 2


def test_levels_are_earned_in_order(learner: User):
    finish_course(learner, SECOND)
    assert state_of(learner, SECOND).completed
    first, second = services.program_state(db.session, me(learner), program())
    assert first.award is None and second.award is None and not second.unlocked
    assert second.done_courses == {state_of(learner, SECOND).course.id}
    finish_course(learner)  # level 1 now done: both badges at once
    levels = services.program_state(db.session, me(learner), program())
    assert [level.award is not None for level in levels] == [True, True]


# Attempts in progress -----------------------------------------------------------------------


def test_the_shuffled_order_is_drawn_once_and_kept_on_resume(learner: User):
    ready_for_final(learner)
    attempt = start(learner, "final", rng=random.Random(7))
    order = list(attempt.question_order)
    choices = dict(attempt.choice_orders)
    assert sorted(order) == list(range(7)) and order != sorted(order)
    assert set(choices) == {"0", "1", "5"}  # two multiple choices and the matching
    assert sorted(choices["1"]) == [0, 1, 2, 3]
    shown = [(v.question.title, v.choice_order) for v in attempts.views(attempt)]
    db.session.commit()
    db.session.expire_all()
    again = start(learner, "final", rng=random.Random(99))  # resumes: draws nothing
    assert again.id == attempt.id
    assert [(v.question.title, v.choice_order) for v in attempts.views(again)] == shown
    options = next(v for v in attempts.views(again) if v.question.title == "Match")
    assert options.matching_options == [["meow", "woof", "moo"][i] for i in choices["5"]]


def test_answers_are_saved_one_by_one_then_submitted(learner: User):
    ready_for_final(learner)
    attempt = start(learner, "final")
    answer(attempt, {"Colour": "2"})
    answer(attempt, {"Pick": ["0", "1"], "Number": "4,0"})
    answer(attempt, {"Colour": "0"})  # changed mind: replaces the first answer
    db.session.commit()
    db.session.expire_all()
    attempt = attempts.attempt_for(db.session, attempt.id)
    saved = {v.question.title: v.response for v in attempts.views(attempt) if v.row}
    assert saved == {"Colour": 0, "Pick": [0, 1], "Number": "4,0"}
    assert all(v.grade is None for v in attempts.views(attempt))  # not graded before submit
    submit(learner, attempt)
    assert fractions(attempt) == {
        "Colour": 1.0, "Pick": 1.0, "Earth": 0.0, "Capital": 0.0,
        "Number": 1.0, "Match": 0.0, "Essay": 0.0,
    }  # fmt: skip
    assert attempt.score == pytest.approx(42.86)
    with pytest.raises(ServiceError, match="submitted"):
        answer(attempt, {"Earth": "true"})
    with pytest.raises(ServiceError, match="already been submitted"):
        submit(learner, attempt)


def test_an_unknown_question_cannot_be_answered(learner: User):
    attempt = start(learner, "pre")
    with pytest.raises(ServiceError):
        attempts.save_response(db.session, attempt, 5, "x", now=utcnow())


def test_right_answers_score_full_marks_on_every_question(learner: User):
    ready_for_final(learner)
    attempt = start(learner, "final")
    answer(attempt, {q.title: right_answer(q) for q in attempts.questions_of(attempt)})
    submit(learner, attempt)
    assert attempt.state == "pending"  # the essay
    assert {t: f for t, f in fractions(attempt).items() if t != "Essay"} == dict.fromkeys(
        ["Colour", "Pick", "Earth", "Capital", "Number", "Match"], 1.0
    )


def test_the_catalogue_shows_each_persons_status(learner: User, person: Callable[..., Any]):
    other = person(name="Other Learner")
    take(learner, "pre")
    finish_course(other, SECOND)
    mine = {c.course.slug: c.status for c in services.catalogue(db.session, me(learner))}
    theirs = {c.course.slug: c.status for c in services.catalogue(db.session, me(other))}
    assert mine == {COURSE: "in_progress", SECOND: "new"}
    assert theirs == {COURSE: "new", SECOND: "completed"}
    assert db.session.scalar(select(db.func.count(Course.id))) == 2
