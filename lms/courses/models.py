"""Courses and what people do in them: lessons, quizzes and their versions, progress,
attempts, programs with a badge per level, and assignments with due dates.

Courses come from files (``content/<slug>/``); the database keeps every quiz version an
attempt used, so a changed quiz never rewrites an old result.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import User
from lms.extensions import db
from lms.models_base import UTCDateTime, utcnow
from lms.skills.models import Skill

LEVELS = ("basic", "intermediate", "advanced")
QUIZ_KINDS = ("pre", "post", "final")
# in_progress: being answered; pending: submitted, an essay awaits a mentor's grade;
# graded: the score is final.
ATTEMPT_STATES = ("in_progress", "pending", "graded")


class Course(db.Model):
    __tablename__ = "courses"
    __table_args__ = (CheckConstraint(f"level IN {LEVELS!r}", name="known_level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(5), default="ru")
    level: Mapped[str] = mapped_column(String(20), default="basic")
    duration_minutes: Mapped[int] = mapped_column(default=0)
    pass_score: Mapped[int] = mapped_column(default=70)  # % of the final quiz's marks
    max_attempts: Mapped[int] = mapped_column(default=0)  # 0: unlimited
    cost_per_participant: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal(0))
    shuffle_answers: Mapped[bool] = mapped_column(default=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    file_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="course", order_by="Lesson.position", cascade="all, delete-orphan"
    )
    skill_rows: Mapped[list[CourseSkill]] = relationship(cascade="all, delete-orphan")
    quizzes: Mapped[list[Quiz]] = relationship(
        back_populates="course", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Course {self.slug}>"

    @property
    def active_lessons(self) -> list[Lesson]:
        return [lesson for lesson in self.lessons if lesson.is_active]

    def quiz(self, kind: str) -> Quiz | None:
        """The course's quiz of ``kind`` (pre, post, final) when it has one."""
        return next((q for q in self.quizzes if q.kind == kind and q.is_active), None)


class CourseSkill(db.Model):
    """A skill the course raises, and the level it raises it to (0-4)."""

    __tablename__ = "course_skills"
    __table_args__ = (CheckConstraint("level BETWEEN 0 AND 4", name="level_0_4"),)

    course_id: Mapped[int] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True
    )
    skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id"), primary_key=True, index=True)
    level: Mapped[int]

    skill: Mapped[Skill] = relationship(lazy="joined")


class Lesson(db.Model):
    """A Markdown lesson; one dropped from ``course.yml`` stays, inactive, for progress."""

    __tablename__ = "lessons"
    __table_args__ = (UniqueConstraint("course_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)

    course: Mapped[Course] = relationship(back_populates="lessons")

    def __repr__(self) -> str:
        return f"<Lesson {self.course_id}/{self.slug}>"


class Quiz(db.Model):
    """A course's pre-test, post-test or final quiz; its questions live in versions."""

    __tablename__ = "quizzes"
    __table_args__ = (
        UniqueConstraint("course_id", "kind"),
        CheckConstraint(f"kind IN {QUIZ_KINDS!r}", name="known_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    is_active: Mapped[bool] = mapped_column(default=True)
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("quiz_versions.id", use_alter=True, name="fk_quizzes_current_version")
    )

    course: Mapped[Course] = relationship(back_populates="quizzes")
    current_version: Mapped[QuizVersion | None] = relationship(
        foreign_keys=[current_version_id], post_update=True
    )

    def __repr__(self) -> str:
        return f"<Quiz {self.course_id}:{self.kind}>"


class QuizVersion(db.Model):
    """The questions of a quiz as one file said them; never changed once written."""

    __tablename__ = "quiz_versions"
    __table_args__ = (UniqueConstraint("quiz_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"))
    number: Mapped[int]
    source_name: Mapped[str] = mapped_column(String(200))
    source_hash: Mapped[str] = mapped_column(String(64))
    gift: Mapped[str] = mapped_column(Text)
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    quiz: Mapped[Quiz] = relationship(foreign_keys=[quiz_id])

    def __repr__(self) -> str:
        return f"<QuizVersion {self.quiz_id} v{self.number}>"


class Enrolment(db.Model):
    """A person's way through a course: where they are and when they finished."""

    __tablename__ = "enrolments"
    __table_args__ = (
        UniqueConstraint("user_id", "course_id"),
        Index("ix_enrolments_course_completed", "course_id", "completed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_lesson_id: Mapped[int | None] = mapped_column(
        ForeignKey("lessons.id", ondelete="SET NULL")
    )
    lessons_done: Mapped[int] = mapped_column(default=0)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    score: Mapped[float | None]  # the best graded final-quiz score, %

    user: Mapped[User] = relationship()
    course: Mapped[Course] = relationship()
    last_lesson: Mapped[Lesson | None] = relationship()


class LessonProgress(db.Model):
    __tablename__ = "lesson_progress"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    lesson_id: Mapped[int] = mapped_column(
        ForeignKey("lessons.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class QuizAttempt(db.Model):
    """One go at a quiz version, saved answer by answer until submitted."""

    __tablename__ = "quiz_attempts"
    __table_args__ = (
        UniqueConstraint("user_id", "quiz_id", "number"),
        CheckConstraint(f"state IN {ATTEMPT_STATES!r}", name="known_state"),
        Index("ix_quiz_attempts_state", "state", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(ForeignKey("quiz_versions.id"), index=True)
    number: Mapped[int]
    state: Mapped[str] = mapped_column(String(12), default="in_progress")
    # Question indices in the order shown; per question the order of its choices.
    question_order: Mapped[list[int]] = mapped_column(JSON)
    choice_orders: Mapped[dict[str, list[int]]] = mapped_column(JSON, default=dict)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    graded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    marks: Mapped[float | None]
    max_marks: Mapped[float | None]
    score: Mapped[float | None]  # %
    passed: Mapped[bool | None]

    user: Mapped[User] = relationship()
    quiz: Mapped[Quiz] = relationship()
    version: Mapped[QuizVersion] = relationship()
    responses: Mapped[list[AttemptResponse]] = relationship(
        cascade="all, delete-orphan", order_by="AttemptResponse.question_index"
    )


class AttemptResponse(db.Model):
    """The answer to one question of an attempt, and its grade once there is one."""

    __tablename__ = "attempt_responses"

    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("quiz_attempts.id", ondelete="CASCADE"), primary_key=True
    )
    question_index: Mapped[int] = mapped_column(primary_key=True)
    response: Mapped[Any] = mapped_column(JSON, nullable=True)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    fraction: Mapped[float | None]
    needs_grading: Mapped[bool] = mapped_column(default=False)
    graded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    grader_comment: Mapped[str] = mapped_column(Text, default="")

    graded_by: Mapped[User | None] = relationship()


class Program(db.Model):
    """A multi-level track: levels in order, each a set of courses and a badge."""

    __tablename__ = "programs"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    is_active: Mapped[bool] = mapped_column(default=True)

    levels: Mapped[list[ProgramLevel]] = relationship(
        back_populates="program", order_by="ProgramLevel.position", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Program {self.slug}>"


program_level_courses = db.Table(
    "program_level_courses",
    db.Column("level_id", ForeignKey("program_levels.id", ondelete="CASCADE"), primary_key=True),
    db.Column("course_id", ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True),
)


class ProgramLevel(db.Model):
    __tablename__ = "program_levels"
    __table_args__ = (UniqueConstraint("program_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    badge: Mapped[str] = mapped_column(String(200))

    program: Mapped[Program] = relationship(back_populates="levels")
    courses: Mapped[list[Course]] = relationship(
        secondary=program_level_courses, order_by="Course.title"
    )


class BadgeAward(db.Model):
    """A program level someone finished, and when."""

    __tablename__ = "badge_awards"
    __table_args__ = (UniqueConstraint("user_id", "level_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    level_id: Mapped[int] = mapped_column(ForeignKey("program_levels.id", ondelete="CASCADE"))
    awarded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    level: Mapped[ProgramLevel] = relationship()


class Assignment(db.Model):
    """A course or a program someone must finish by a date; one per person and target."""

    __tablename__ = "assignments"
    __table_args__ = (
        CheckConstraint("(course_id IS NULL) <> (program_id IS NULL)", name="course_or_program"),
        UniqueConstraint("user_id", "course_id", name="uq_assignments_user_course"),
        UniqueConstraint("user_id", "program_id", name="uq_assignments_user_program"),
        Index("ix_assignments_course_due", "course_id", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    program_id: Mapped[int | None] = mapped_column(
        ForeignKey("programs.id", ondelete="CASCADE"), index=True
    )
    due_on: Mapped[date | None]
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    course: Mapped[Course | None] = relationship()
    program: Mapped[Program | None] = relationship()
    assigned_by: Mapped[User | None] = relationship(foreign_keys=[assigned_by_id])

    def is_overdue(self, today: date) -> bool:
        return self.completed_at is None and self.due_on is not None and self.due_on < today
