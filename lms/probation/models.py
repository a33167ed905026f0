"""Probation: plan templates per position, each new agent's plan with real dates, the
change log, mentor meeting notes, rubrics and attestations with signed versions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import Position, User
from lms.extensions import db
from lms.models_base import UTCDateTime, utcnow

ITEM_KINDS = ("course", "program", "article", "task", "meeting", "attestation")
PROBATION_STATES = ("active", "passed", "failed", "ended")
OUTCOMES = ("pass", "fail", "extend")


class PlanTemplate(db.Model):
    """A plan for a position, kept as the YAML text HR edits and files ship."""

    __tablename__ = "plan_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    position_id: Mapped[int | None] = mapped_column(ForeignKey("positions.id"), index=True)
    duration_days: Mapped[int] = mapped_column(default=90)
    source: Mapped[str] = mapped_column(Text)  # the YAML
    file_hash: Mapped[str | None] = mapped_column(String(64))
    edited_in_app: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    position: Mapped[Position | None] = relationship()


class Rubric(db.Model):
    """Attestation criteria with levels, weights and a pass rule; ``definition`` is the
    checked rubric as JSON, ``source`` the YAML."""

    __tablename__ = "rubrics"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(Text)
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    file_hash: Mapped[str | None] = mapped_column(String(64))
    edited_in_app: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Probation(db.Model):
    """One person's probation: the plan made from a template, with its mentor and dates."""

    __tablename__ = "probations"
    __table_args__ = (
        CheckConstraint(f"state IN {PROBATION_STATES!r}", name="known_state"),
        Index("ix_probations_state_ends", "state", "ends_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    mentor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    template_id: Mapped[int | None] = mapped_column(ForeignKey("plan_templates.id"))
    title: Mapped[str] = mapped_column(String(200))
    started_on: Mapped[date]
    ends_on: Mapped[date]
    state: Mapped[str] = mapped_column(String(10), default="active")
    ended_on: Mapped[date | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    mentor: Mapped[User | None] = relationship(foreign_keys=[mentor_id])
    template: Mapped[PlanTemplate | None] = relationship()
    items: Mapped[list[ProbationItem]] = relationship(
        back_populates="probation",
        order_by="(ProbationItem.due_on, ProbationItem.position)",
        cascade="all, delete-orphan",
    )
    events: Mapped[list[ProbationEvent]] = relationship(
        order_by="ProbationEvent.id", cascade="all, delete-orphan"
    )


class ProbationItem(db.Model):
    """A step of a plan: done by itself where the app knows (a course passed, an article
    confirmed as read), else ticked by the agent and confirmed by the mentor."""

    __tablename__ = "probation_items"
    __table_args__ = (CheckConstraint(f"kind IN {ITEM_KINDS!r}", name="known_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    probation_id: Mapped[int] = mapped_column(
        ForeignKey("probations.id", ondelete="CASCADE"), index=True
    )
    stage: Mapped[str] = mapped_column(String(200))
    stage_number: Mapped[int] = mapped_column(default=1)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(12))
    title: Mapped[str] = mapped_column(String(300))
    target: Mapped[str | None] = mapped_column(String(120))  # course/program/article/rubric slug
    due_on: Mapped[date]
    ticked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # by the agent
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the app

    probation: Mapped[Probation] = relationship(back_populates="items")


class ProbationEvent(db.Model):
    """The change log of a probation: started, extended, ended, items confirmed."""

    __tablename__ = "probation_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    probation_id: Mapped[int] = mapped_column(
        ForeignKey("probations.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(30))
    reason: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    actor: Mapped[User | None] = relationship()


class MeetingNote(db.Model):
    """A mentor's note of a meeting, in the four steps of the feedback algorithm."""

    __tablename__ = "meeting_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    mentee_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    probation_id: Mapped[int | None] = mapped_column(
        ForeignKey("probations.id", ondelete="SET NULL")
    )
    held_on: Mapped[date]
    observation: Mapped[str] = mapped_column(Text)
    impact: Mapped[str] = mapped_column(Text)
    correction: Mapped[str] = mapped_column(Text)
    consolidation: Mapped[str] = mapped_column(Text)
    homework_course_id: Mapped[int | None] = mapped_column(
        ForeignKey("courses.id", ondelete="SET NULL")
    )
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    mentor: Mapped[User] = relationship(foreign_keys=[mentor_id])
    mentee: Mapped[User] = relationship(foreign_keys=[mentee_id])


class Attestation(db.Model):
    """The end-of-probation attestation: graded in versions; the latest confirmed one is
    the result, and a correction is a new version beside it."""

    __tablename__ = "attestations"

    id: Mapped[int] = mapped_column(primary_key=True)
    probation_id: Mapped[int] = mapped_column(
        ForeignKey("probations.id", ondelete="CASCADE"), unique=True
    )
    rubric_id: Mapped[int] = mapped_column(ForeignKey("rubrics.id"))
    scheduled_on: Mapped[date]

    probation: Mapped[Probation] = relationship()
    rubric: Mapped[Rubric] = relationship()
    versions: Mapped[list[AttestationVersion]] = relationship(
        order_by="AttestationVersion.number", cascade="all, delete-orphan"
    )


class AttestationVersion(db.Model):
    """One grading: a level and a comment per criterion, the structured feedback, the
    outcome the rule gives, the mentor's proposal and HR's confirmation (then read-only)."""

    __tablename__ = "attestation_versions"
    __table_args__ = (
        UniqueConstraint("attestation_id", "number"),
        CheckConstraint(f"proposal IN {OUTCOMES!r}", name="known_proposal"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attestation_id: Mapped[int] = mapped_column(ForeignKey("attestations.id", ondelete="CASCADE"))
    number: Mapped[int]
    rubric_definition: Mapped[dict[str, Any]] = mapped_column(JSON)  # as graded
    grades: Mapped[dict[str, Any]] = mapped_column(JSON)  # code -> {"level", "comment"}
    total: Mapped[float]
    rule_outcome: Mapped[str] = mapped_column(String(4))  # pass | fail
    proposal: Mapped[str] = mapped_column(String(6))
    override_reason: Mapped[str] = mapped_column(Text, default="")
    observation: Mapped[str] = mapped_column(Text, default="")
    impact: Mapped[str] = mapped_column(Text, default="")
    correction: Mapped[str] = mapped_column(Text, default="")
    consolidation: Mapped[str] = mapped_column(Text, default="")
    graded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    graded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replaces_reason: Mapped[str] = mapped_column(Text, default="")  # why a correction

    graded_by: Mapped[User] = relationship(foreign_keys=[graded_by_id])
    confirmed_by: Mapped[User | None] = relationship(foreign_keys=[confirmed_by_id])

    @property
    def signed(self) -> bool:
        return self.confirmed_at is not None
