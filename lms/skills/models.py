"""The skills catalogue: groups of skills, each with a code and a Russian and English name."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db


class SkillGroup(db.Model):
    __tablename__ = "skill_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_ru: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)

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

    group: Mapped[SkillGroup] = relationship(back_populates="skills")

    def __repr__(self) -> str:
        return f"<Skill {self.code}>"

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_ru
