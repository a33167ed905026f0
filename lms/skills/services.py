"""The skills catalogue: lookups and loading ``content/skills.yml``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.errors import ServiceError
from lms.i18n import _
from lms.skills.models import Skill, SkillGroup


def skills_by_code(session: Session, codes: Iterable[str]) -> dict[str, Skill]:
    wanted = set(codes)
    if not wanted:
        return {}
    return {s.code: s for s in session.scalars(select(Skill).where(Skill.code.in_(wanted)))}


def all_skill_codes(session: Session) -> set[str]:
    return set(session.scalars(select(Skill.code)))


def load_catalogue(session: Session, data: Any, *, filename: str) -> tuple[int, int]:
    """Create or update groups and skills from the parsed YAML; returns (created, updated).

    Skills missing from the file are kept (assessments may refer to them).
    """
    created = updated = 0
    for g_pos, group_data in enumerate(_groups(data, filename)):
        group = _upsert(session, SkillGroup, group_data, filename, position=g_pos)
        for s_pos, skill_data in enumerate(group_data.get("skills") or []):
            _skill, is_new = _upsert_skill(session, group, skill_data, filename, s_pos)
            created, updated = created + is_new, updated + (not is_new)
    session.flush()
    return created, updated


def _groups(data: Any, filename: str) -> list[dict[str, Any]]:
    if not isinstance(data, dict) or not isinstance(data.get("groups"), list):
        raise ServiceError(_("%(file)s: expected a “groups:” list.", file=filename))
    return data["groups"]


def _names(item: dict[str, Any], filename: str) -> tuple[str, str]:
    name = item.get("name")
    if not isinstance(name, dict) or not name.get("ru"):
        raise ServiceError(
            _(
                "%(file)s, %(code)s: “name” needs at least “ru”.",
                file=filename,
                code=item.get("code", "?"),
            )
        )
    return str(name["ru"]), str(name.get("en") or name["ru"])


def _code(item: Any, filename: str) -> str:
    if not isinstance(item, dict) or not isinstance(item.get("code"), str) or not item["code"]:
        raise ServiceError(_("%(file)s: every group and skill needs a “code”.", file=filename))
    return item["code"]


def _upsert(
    session: Session, model: type[SkillGroup], item: Any, filename: str, position: int
) -> SkillGroup:
    code = _code(item, filename)
    name_ru, name_en = _names(item, filename)
    row = session.scalar(select(model).where(model.code == code)) or model(code=code)
    row.name_ru, row.name_en, row.position = name_ru, name_en, position
    session.add(row)
    return row


def _upsert_skill(
    session: Session, group: SkillGroup, item: Any, filename: str, position: int
) -> tuple[Skill, bool]:
    code = _code(item, filename)
    name_ru, name_en = _names(item, filename)
    skill = session.scalar(select(Skill).where(Skill.code == code))
    is_new = skill is None
    if skill is None:
        skill = Skill(code=code)
        session.add(skill)
    skill.group, skill.name_ru, skill.name_en, skill.position = group, name_ru, name_en, position
    return skill, is_new
