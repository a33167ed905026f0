"""Taking a course: the catalogue, where a person is in a course, lessons done, completion,
and what completion sets off (assignments done, program badges).

The way through a course: the pre-test when it has one, the lessons in order, the
post-test, then the final quiz. It is complete when every lesson is done, the post-test is
taken and the final quiz passed (each when the course has it). Services flush, never commit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from lms.auth.models import User
from lms.courses.models import (
    Assignment,
    BadgeAward,
    Course,
    Enrolment,
    Lesson,
    LessonProgress,
    Program,
    ProgramLevel,
    Quiz,
    QuizAttempt,
    program_level_courses,
)
from lms.errors import ServiceError
from lms.i18n import _

# Called with (session, user, course, when) once a course is complete; other domains (the
# skill matrix) register here rather than this module importing them.
CompletionHook = Callable[[Session, User, Course, datetime], None]
completion_hooks: list[CompletionHook] = []


@dataclass
class CourseState:
    """A person's place in a course, as the course page and the player need it."""

    course: Course
    enrolment: Enrolment | None
    done: set[int] = field(default_factory=set)  # lesson ids
    attempts: dict[str, list[QuizAttempt]] = field(default_factory=dict)  # by quiz kind

    @property
    def lessons(self) -> list[Lesson]:
        return self.course.active_lessons

    @property
    def lessons_done(self) -> int:
        return sum(lesson.id in self.done for lesson in self.lessons)

    @property
    def all_lessons_done(self) -> bool:
        return self.lessons_done == len(self.lessons)

    @property
    def percent(self) -> int:
        steps = len(self.lessons) + len(self.quiz_kinds)
        taken = self.lessons_done + sum(self.quiz_finished(kind) for kind in self.quiz_kinds)
        return round(100 * taken / steps) if steps else 0

    @property
    def quiz_kinds(self) -> list[str]:
        return [kind for kind in ("pre", "post", "final") if self.course.quiz(kind)]

    def in_progress(self, kind: str) -> QuizAttempt | None:
        return next((a for a in self.attempts.get(kind, []) if a.state == "in_progress"), None)

    def submitted(self, kind: str) -> list[QuizAttempt]:
        return [a for a in self.attempts.get(kind, []) if a.state != "in_progress"]

    def quiz_finished(self, kind: str) -> bool:
        """Pre- and post-test: taken. Final quiz: passed."""
        if kind == "final":
            return any(a.passed for a in self.attempts.get(kind, []))
        return bool(self.submitted(kind))

    @property
    def pre_test_due(self) -> bool:
        return self.course.quiz("pre") is not None and not self.quiz_finished("pre")

    @property
    def completed(self) -> bool:
        return bool(self.enrolment and self.enrolment.completed_at)

    def attempts_left(self) -> int | None:
        """Final-quiz attempts left; None: unlimited."""
        limit = self.course.max_attempts
        if not limit:
            return None
        return max(0, limit - len(self.submitted("final")))

    def may_start(self, kind: str) -> str | None:
        """Why ``kind`` cannot be started now, or None when it can."""
        if self.course.quiz(kind) is None:
            return _("This course has no such quiz.")
        if self.in_progress(kind):
            return None
        if kind == "pre":
            return _("You have already taken the pre-test.") if self.submitted("pre") else None
        if self.pre_test_due:
            return _("Take the pre-test first.")
        if not self.all_lessons_done:
            return _("Finish every lesson first.")
        if kind == "post":
            return _("You have already taken the post-test.") if self.submitted("post") else None
        if self.course.quiz("post") is not None and not self.submitted("post"):
            return _("Take the post-test first.")
        if self.quiz_finished("final"):
            return _("You have already passed this quiz.")
        if any(a.state == "pending" for a in self.attempts.get("final", [])):
            return _("Your last attempt is waiting for a mentor's grade.")
        if self.attempts_left() == 0:
            return _("You have used every attempt at this quiz.")
        return None

    def next_step(self) -> tuple[str, Lesson | None]:
        """What to do next: ("pre"|"lesson"|"post"|"final"|"done", the lesson to open)."""
        if self.pre_test_due:
            return "pre", None
        resume = self.enrolment.last_lesson if self.enrolment else None
        if resume is not None and resume.is_active and resume.id not in self.done:
            return "lesson", resume
        pending = next((x for x in self.lessons if x.id not in self.done), None)
        if pending is not None:
            return "lesson", pending
        for kind in ("post", "final"):
            if self.course.quiz(kind) and not self.quiz_finished(kind):
                return kind, None
        return "done", None


@dataclass
class CourseCard:
    """A course in the catalogue with the viewer's progress."""

    course: Course
    enrolment: Enrolment | None

    @property
    def status(self) -> str:
        if self.enrolment is None:
            return "new"
        return "completed" if self.enrolment.completed_at else "in_progress"


def catalogue(session: Session, user: User) -> list[CourseCard]:
    courses = session.scalars(
        select(Course).where(Course.is_active).order_by(Course.title)
    ).all()  # fmt: skip
    enrolments = {
        e.course_id: e
        for e in session.scalars(select(Enrolment).where(Enrolment.user_id == user.id))
    }
    return [CourseCard(course, enrolments.get(course.id)) for course in courses]


def course_by_slug(session: Session, slug: str) -> Course | None:
    return session.scalar(
        select(Course)
        .where(Course.slug == slug, Course.is_active)
        .options(
            selectinload(Course.lessons),
            selectinload(Course.quizzes).selectinload(Quiz.current_version),
            selectinload(Course.skill_rows),
        )
    )


def course_state(session: Session, user: User, course: Course) -> CourseState:
    enrolment = session.scalar(
        select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.course_id == course.id)
    )
    lesson_ids = [lesson.id for lesson in course.lessons]
    done = set(
        session.scalars(
            select(LessonProgress.lesson_id).where(
                LessonProgress.user_id == user.id, LessonProgress.lesson_id.in_(lesson_ids)
            )
        )
    )
    attempts: dict[str, list[QuizAttempt]] = {}
    quiz_kinds = {quiz.id: quiz.kind for quiz in course.quizzes}
    rows = session.scalars(
        select(QuizAttempt)
        .where(QuizAttempt.user_id == user.id, QuizAttempt.quiz_id.in_(quiz_kinds))
        .order_by(QuizAttempt.number)
    )
    for attempt in rows:
        attempts.setdefault(quiz_kinds[attempt.quiz_id], []).append(attempt)
    return CourseState(course, enrolment, done, attempts)


def enrol(session: Session, user: User, course: Course, *, now: datetime) -> Enrolment:
    """The person's enrolment in the course, started now when there is none yet."""
    enrolment = session.scalar(
        select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.course_id == course.id)
    )
    if enrolment is None:
        enrolment = Enrolment(user=user, course=course, started_at=now)
        session.add(enrolment)
        session.flush()
    return enrolment


def open_lesson(
    session: Session, user: User, state: CourseState, lesson: Lesson, *, now: datetime
) -> None:
    """Remember the lesson as where to resume; refuse it while the pre-test is due."""
    if state.pre_test_due:
        raise ServiceError(_("Take the pre-test before the first lesson."))
    enrolment = state.enrolment or enrol(session, user, state.course, now=now)
    state.enrolment = enrolment
    enrolment.last_lesson = lesson


def complete_lesson(
    session: Session, user: User, state: CourseState, lesson: Lesson, *, now: datetime
) -> Lesson | None:
    """Mark the lesson done (again is harmless); returns the next lesson, if any."""
    open_lesson(session, user, state, lesson, now=now)
    if lesson.id not in state.done:
        session.add(LessonProgress(user_id=user.id, lesson_id=lesson.id, completed_at=now))
        state.done.add(lesson.id)
        assert state.enrolment is not None
        state.enrolment.lessons_done = state.lessons_done
    session.flush()
    check_completion(session, user, state, now=now)
    lessons = state.lessons
    index = lessons.index(lesson) if lesson in lessons else len(lessons)
    return lessons[index + 1] if index + 1 < len(lessons) else None


def check_completion(session: Session, user: User, state: CourseState, *, now: datetime) -> bool:
    """Complete the course when every step is done; True when this call completed it."""
    if state.completed or not state.all_lessons_done:
        return False
    if any(not state.quiz_finished(kind) for kind in ("post", "final") if state.course.quiz(kind)):
        return False
    enrolment = state.enrolment or enrol(session, user, state.course, now=now)
    state.enrolment = enrolment
    enrolment.completed_at = now
    session.flush()
    course_completed(session, user, state.course, now=now)
    return True


def course_completed(session: Session, user: User, course: Course, *, now: datetime) -> None:
    """What finishing a course sets off: its assignments are done, program badges are
    awarded, and the registered hooks run."""
    for assignment in session.scalars(
        select(Assignment).where(
            Assignment.user_id == user.id,
            Assignment.course_id == course.id,
            Assignment.completed_at.is_(None),
        )
    ):
        assignment.completed_at = now
    award_badges(session, user, now=now, course=course)
    for hook in completion_hooks:
        hook(session, user, course, now)
    session.flush()


# Programs and badges -------------------------------------------------------------------------


@dataclass
class LevelState:
    level: ProgramLevel
    award: BadgeAward | None
    unlocked: bool
    done_courses: set[int]

    @property
    def percent(self) -> int:
        total = len(self.level.courses)
        return round(100 * len(self.done_courses) / total) if total else 100


def completed_course_ids(session: Session, user: User) -> set[int]:
    return set(
        session.scalars(
            select(Enrolment.course_id).where(
                Enrolment.user_id == user.id, Enrolment.completed_at.is_not(None)
            )
        )
    )


def program_state(session: Session, user: User, program: Program) -> list[LevelState]:
    """Each level in order: its badge if earned, and whether it is open (the one before it
    is earned)."""
    done = completed_course_ids(session, user)
    awards = {
        a.level_id: a
        for a in session.scalars(select(BadgeAward).where(BadgeAward.user_id == user.id))
    }
    states, unlocked = [], True
    for level in program.levels:
        ids = {c.id for c in level.courses}
        states.append(LevelState(level, awards.get(level.id), unlocked, ids & done))
        unlocked = unlocked and level.id in awards
    return states


def award_badges(
    session: Session, user: User, *, now: datetime, course: Course | None = None
) -> list[BadgeAward]:
    """Award every level badge now earned: levels in order, each needing the one before it
    and every one of its courses complete. Limited to programs holding ``course`` if given."""
    query = (
        select(Program)
        .where(Program.is_active)
        .options(selectinload(Program.levels).selectinload(ProgramLevel.courses))
    )
    if course is not None:
        query = query.where(
            Program.id.in_(
                select(ProgramLevel.program_id)
                .join(program_level_courses)
                .where(program_level_courses.c.course_id == course.id)
            )
        )
    done = completed_course_ids(session, user)
    earned = set(session.scalars(select(BadgeAward.level_id).where(BadgeAward.user_id == user.id)))
    awarded = []
    for program in session.scalars(query):
        for level in program.levels:
            if level.id in earned:
                continue
            if any(c.id not in done for c in level.courses):
                break
            award = BadgeAward(user_id=user.id, level=level, awarded_at=now)
            session.add(award)
            awarded.append(award)
            earned.add(level.id)
        if program.levels and all(level.id in earned for level in program.levels):
            _complete_program_assignments(session, user, program, now)
    session.flush()
    return awarded


def _complete_program_assignments(
    session: Session, user: User, program: Program, now: datetime
) -> None:
    for assignment in session.scalars(
        select(Assignment).where(
            Assignment.user_id == user.id,
            Assignment.program_id == program.id,
            Assignment.completed_at.is_(None),
        )
    ):
        assignment.completed_at = now


def badges(session: Session, user: User) -> list[BadgeAward]:
    """The person's badges, newest first, with their level and program loaded."""
    return list(
        session.scalars(
            select(BadgeAward)
            .where(BadgeAward.user_id == user.id)
            .options(selectinload(BadgeAward.level).selectinload(ProgramLevel.program))
            .order_by(BadgeAward.awarded_at.desc())
        )
    )


def programs(session: Session) -> list[Program]:
    return list(
        session.scalars(
            select(Program)
            .where(Program.is_active)
            .options(selectinload(Program.levels).selectinload(ProgramLevel.courses))
            .order_by(Program.title)
        )
    )


def program_by_slug(session: Session, slug: str) -> Program | None:
    return session.scalar(
        select(Program)
        .where(Program.slug == slug, Program.is_active)
        .options(selectinload(Program.levels).selectinload(ProgramLevel.courses))
    )
