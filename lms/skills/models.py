"""The skills catalogue (groups of skills, each with a code, a Russian and English name and
a 0-4 scale), the levels departments and positions require, and people's assessments."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.models_base import UTCDateTime, utcnow

LEVELS = (0, 1, 2, 3, 4)
SOURCES = ("self", "mentor", "course", "attestation", "hr")


class SkillGroup(db.Model):
    __tablename__ = "skill_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_ru: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)
    # Changed by HR on the catalogue page: a later file sync reports it as a conflict.
    edited_in_app: Mapped[bool] = mapped_column(default=False, server_default=false())

    skills: Mapped[list[Skill]] = relationship(back_populates="group", order_by="Skill.position")

    def __repr__(self) -> str:
        return f"<SkillGroup {self.code}>"


class Skill(db.Model):
    __tablename__ = "skills"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("skill_groups.id"), index=True)
    name_ru: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)
    # What each level 0-4 means for this skill, {"0": {"ru": ..., "en": ...}, ...}; None:
    # the general scale (none, knows, does with help, does alone, teaches others).
    descriptors: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    edited_in_app: Mapped[bool] = mapped_column(default=False, server_default=false())

    group: Mapped[SkillGroup] = relationship(back_populates="skills")

    def __repr__(self) -> str:
        return f"<Skill {self.code}>"

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_ru


class SkillRequirement(db.Model):
    """The level a department requires of a skill, for one position or (no position) for
    everyone in the department."""

    __tablename__ = "skill_requirements"
    __table_args__ = (
        UniqueConstraint("department_id", "position_id", "skill_id"),
        CheckConstraint("level BETWEEN 0 AND 4", name="level_0_4"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    position_id: Mapped[int | None] = mapped_column(ForeignKey("positions.id"))
    skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id"), index=True)
    level: Mapped[int]

    skill: Mapped[Skill] = relationship()


class SkillAssessment(db.Model):
    """A level recorded for a person and a skill: by whom, from what source and when.
    Never changed: a new assessment supersedes, the history stays."""

    __tablename__ = "skill_assessments"
    __table_args__ = (
        CheckConstraint("level BETWEEN 0 AND 4", name="level_0_4"),
        CheckConstraint(f"source IN {SOURCES!r}", name="known_source"),
        Index("ix_skill_assessments_user_skill", "user_id", "skill_id", "assessed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id"), index=True)
    level: Mapped[int]
    source: Mapped[str] = mapped_column(String(12))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assessed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    comment: Mapped[str] = mapped_column(Text, default="")

    skill: Mapped[Skill] = relationship()


class SkillLevel(db.Model):
    """The current level of a person's skill: the assessment that wins by the rule, kept
    up to date as assessments are recorded (``assessments.refresh_levels``) so that a
    matrix of 2,000 people reads one row per cell instead of ranking their history."""

    __tablename__ = "skill_levels"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    skill_id: Mapped[int] = mapped_column(
        ForeignKey("skills.id", ondelete="CASCADE"), primary_key=True
    )
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("skill_assessments.id", ondelete="CASCADE")
    )
    level: Mapped[int]
    source: Mapped[str] = mapped_column(String(12))
