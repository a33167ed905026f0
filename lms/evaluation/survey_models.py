"""Evaluations kept in the database, and the answers Phillips levels 1 and 3 need.

- ``Evaluation``: the definition exactly as HR or the file wrote it (``source``); the parsed
  definition is ``lms.evaluation.surveys.definition_of(evaluation)``. Only what queries
  need is copied into columns: the course or program evaluated, the completion period and
  the follow-up days (which surveys are due is asked on every home page, without parsing
  YAML there). ``file_hash`` is the digest of the file last synced, so an unchanged file is
  no conflict with an edit made in the app since.
- ``ReactionResponse`` (level 1): one questionnaire per person and course, each question
  answered 1-5.
- ``FollowUpSurvey`` (level 3): one answer per evaluation, participant, role and follow-up
  (days after completion); ``respondent_id`` is the participant or their mentor.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import User
from lms.courses.models import Course, Program
from lms.extensions import db
from lms.models_base import UTCDateTime, utcnow

SURVEY_ROLES = ("participant", "mentor")


class Evaluation(db.Model):
    """A Phillips evaluation of a course or a program, defined in YAML."""

    __tablename__ = "evaluations"
    __table_args__ = (
        CheckConstraint("(course_id IS NULL) <> (program_id IS NULL)", name="course_or_program"),
        CheckConstraint("completed_from <= completed_to", name="period_in_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(Text)  # the YAML, as written
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id"), index=True)
    program_id: Mapped[int | None] = mapped_column(ForeignKey("programs.id"), index=True)
    completed_from: Mapped[date]
    completed_to: Mapped[date]
    follow_up_days: Mapped[list[int]] = mapped_column(JSON)
    file_hash: Mapped[str | None] = mapped_column(String(64))
    edited_in_app: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    course: Mapped[Course | None] = relationship()
    program: Mapped[Program | None] = relationship()
    updated_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<Evaluation {self.slug}>"


class ReactionResponse(db.Model):
    """Level 1: what a participant thought of a course, and what they plan to do."""

    __tablename__ = "reaction_responses"
    __table_args__ = (
        UniqueConstraint("course_id", "user_id", name="uq_reaction_responses_course_user"),
        CheckConstraint("satisfaction BETWEEN 1 AND 5", name="satisfaction_1_5"),
        CheckConstraint("relevance BETWEEN 1 AND 5", name="relevance_1_5"),
        CheckConstraint("intent BETWEEN 1 AND 5", name="intent_1_5"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    satisfaction: Mapped[int]
    relevance: Mapped[int]
    intent: Mapped[int]
    planned_actions: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<ReactionResponse {self.user_id}@{self.course_id}>"


class FollowUpSurvey(db.Model):
    """Level 3: how often a participant applies the target behaviours, N days after
    completion, as they or their mentor see it."""

    __tablename__ = "follow_up_surveys"
    __table_args__ = (
        UniqueConstraint(
            "evaluation_id",
            "participant_id",
            "role",
            "days_after",
            name="uq_follow_up_surveys_evaluation_participant_role_days",
        ),
        CheckConstraint(f"role IN {SURVEY_ROLES!r}", name="known_role"),
        CheckConstraint("days_after > 0", name="days_after_positive"),
        CheckConstraint("estimate_pct BETWEEN 0 AND 100", name="estimate_pct_0_100"),
        CheckConstraint("confidence_pct BETWEEN 0 AND 100", name="confidence_pct_0_100"),
        Index("ix_follow_up_surveys_respondent", "respondent_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    respondent_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    role: Mapped[str] = mapped_column(String(12))
    days_after: Mapped[int]
    answers: Mapped[dict[str, int]] = mapped_column(JSON)  # behaviour -> 1 never .. 5 always
    barriers: Mapped[str] = mapped_column(Text, default="")
    enablers: Mapped[str] = mapped_column(Text, default="")
    estimate_pct: Mapped[float | None] = mapped_column(Float)
    confidence_pct: Mapped[float | None] = mapped_column(Float)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    evaluation: Mapped[Evaluation] = relationship()

    def __repr__(self) -> str:
        return (
            f"<FollowUpSurvey {self.evaluation_id}:{self.participant_id}:{self.role}"
            f"+{self.days_after}>"
        )
