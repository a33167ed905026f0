"""The skills catalogue: lookups and loading ``content/skills.yml``."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from lms.auth.models import User
from lms.errors import ServiceError
from lms.i18n import _
from lms.kb.frontmatter import DocumentError
from lms.skills.models import Skill, SkillGroup
from lms.yamlfile import FlowMap, LineDict, dump_yaml

CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}")


def skills_by_code(session: Session, codes: Iterable[str]) -> dict[str, Skill]:
    wanted = set(codes)
    if not wanted:
        return {}
    return {s.code: s for s in session.scalars(select(Skill).where(Skill.code.in_(wanted)))}


def all_skill_codes(session: Session) -> set[str]:
    return set(session.scalars(select(Skill.code)))


# The catalogue (content/skills.yml, or HR's edit of the same text) ---------------------------


@dataclass
class SkillEntry:
    code: str
    name_ru: str
    name_en: str
    descriptors: dict[str, dict[str, str]] | None  # "0".."4" -> {"ru": ..., "en": ...}


@dataclass
class GroupEntry:
    code: str
    name_ru: str
    name_en: str
    skills: list[SkillEntry]


@dataclass
class CatalogueReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)  # edited in the app since: left alone
    retired: list[str] = field(default_factory=list)  # left out of HR's edit: hidden


class CatalogueError(ServiceError):
    """A catalogue that cannot be loaded: every problem, each with its line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(problems[0] if len(problems) == 1 else _("The catalogue has problems:"))
        self.problems = problems


def check_catalogue(data: Any, *, filename: str) -> list[GroupEntry]:
    """The groups and skills of a parsed skills.yml; ``CatalogueError`` lists every problem
    (with lines when ``data`` comes from ``lms.yamlfile``)."""
    problems: list[str] = []
    seen: set[str] = set()

    def problem(item: Any, key: str | None, text: str) -> None:
        line = _line(item, key)
        problems.append(DocumentError(filename, line, key, text).message)

    if not isinstance(data, dict) or not isinstance(data.get("groups"), list):
        raise CatalogueError([problem_text(filename, data, _("expected a “groups:” list."))])
    groups = []
    for group_data in data["groups"]:
        if not isinstance(group_data, dict):
            problem(data, "groups", _("each group is a mapping with code, name and skills."))
            continue
        code, names = _code(group_data, seen, problem), _names(group_data, problem)
        skills = []
        skill_list = group_data.get("skills") or []
        if not isinstance(skill_list, list):
            problem(group_data, "skills", _("expected a list of skills."))
            skill_list = []
        for skill_data in skill_list:
            if not isinstance(skill_data, dict):
                problem(group_data, "skills", _("each skill is a mapping with code and name."))
                continue
            skill_code, skill_names = _code(skill_data, seen, problem), _names(skill_data, problem)
            levels = _descriptors(skill_data, problem)
            if skill_code and skill_names:
                skills.append(SkillEntry(skill_code, *skill_names, levels))
        if code and names:
            groups.append(GroupEntry(code, *names, skills))
    if problems:
        raise CatalogueError(problems)
    return groups


def problem_text(filename: str, data: Any, text: str) -> str:
    return DocumentError(filename, _line(data, None), None, text).message


def _line(item: Any, key: str | None) -> int:
    if isinstance(item, LineDict):
        return item.line_of(key) if key else item.line
    return 1


def _code(item: dict[str, Any], seen: set[str], problem: Any) -> str | None:
    code = item.get("code")
    if not isinstance(code, str) or not CODE.fullmatch(code):
        problem(
            item, "code", _("a code of up to 40 latin letters, digits, “-”, “_” or “.” is needed.")
        )
        return None
    if code in seen:
        problem(item, "code", _("the code %(code)s is used twice.", code=code))
        return None
    seen.add(code)
    return code


def _names(item: dict[str, Any], problem: Any) -> tuple[str, str] | None:
    name = item.get("name")
    if not isinstance(name, dict) or not str(name.get("ru") or "").strip():
        problem(item, "name", _("“name” needs at least “ru”."))
        return None
    ru, en = str(name["ru"]).strip(), str(name.get("en") or name["ru"]).strip()
    if max(len(ru), len(en)) > 200:
        problem(item, "name", _("a name is at most 200 characters."))
        return None
    return ru, en


def _descriptors(item: dict[str, Any], problem: Any) -> dict[str, dict[str, str]] | None:
    """``levels: {0: {ru: …, en: …}, …}``: what each level means for this skill."""
    levels = item.get("levels")
    if levels is None:
        return None
    if not isinstance(levels, dict):
        problem(item, "levels", _("expected levels 0-4, each with “ru” (and “en”)."))
        return None
    found = {}
    for key, text in levels.items():
        if str(key) not in {"0", "1", "2", "3", "4"}:
            problem(levels, str(key), _("a level is a whole number from 0 to 4."))
        elif not isinstance(text, dict) or not str(text.get("ru") or "").strip():
            problem(levels, str(key), _("a level's description needs at least “ru”."))
        else:
            ru = str(text["ru"]).strip()
            found[str(key)] = {"ru": ru, "en": str(text.get("en") or ru).strip()}
    return dict(sorted(found.items())) or None


def load_catalogue(
    session: Session,
    data: Any,
    *,
    filename: str,
    actor: User | None = None,
    overwrite: bool = False,
) -> CatalogueReport:
    """Create or update groups and skills from a parsed skills.yml.

    From a file (no ``actor``): a group or skill HR changed in the app since is a conflict
    and left alone unless ``overwrite``; skills missing from the file are kept. HR's edit
    (``actor``): what changes is marked as edited in the app; skills left out are retired
    (hidden from the matrix, their assessments kept) until a later catalogue names them.
    """
    groups = check_catalogue(data, filename=filename)
    report = CatalogueReport()
    existing_groups = {g.code: g for g in session.scalars(select(SkillGroup))}
    existing = {s.code: s for s in session.scalars(select(Skill))}
    named = set()
    for g_pos, entry in enumerate(groups):
        group = existing_groups.get(entry.code) or SkillGroup(code=entry.code)
        values = {"name_ru": entry.name_ru, "name_en": entry.name_en, "position": g_pos}
        if _apply(session, group, values, actor, overwrite):
            report.conflicts.append(entry.code)
        for s_pos, skill_entry in enumerate(entry.skills):
            named.add(skill_entry.code)
            skill = existing.get(skill_entry.code)
            values = {
                "group": group,
                "name_ru": skill_entry.name_ru,
                "name_en": skill_entry.name_en,
                "descriptors": skill_entry.descriptors,
                "position": s_pos,
                "is_active": True,
            }
            changed = skill is None or any(getattr(skill, k) != v for k, v in values.items())
            if skill is None:
                skill = Skill(code=skill_entry.code)
                report.created.append(skill_entry.code)
            if _apply(session, skill, values, actor, overwrite):
                report.conflicts.append(skill_entry.code)
            elif changed and skill_entry.code not in report.created:
                report.updated.append(skill_entry.code)
    if actor is not None:
        for code, skill in existing.items():
            if code not in named and skill.is_active:
                skill.is_active, skill.edited_in_app = False, True
                report.retired.append(code)
    session.flush()
    return report


def _apply(
    session: Session, row: Any, values: dict[str, Any], actor: User | None, overwrite: bool
) -> bool:
    """Set ``values`` on a group or skill; True when it is a conflict left alone."""
    changed = row.id is None or any(getattr(row, k) != v for k, v in values.items())
    if not changed:
        if actor is None and overwrite:
            row.edited_in_app = False
        return False
    if actor is None and row.edited_in_app and not overwrite:
        return True
    for key, value in values.items():
        setattr(row, key, value)
    row.edited_in_app = actor is not None
    session.add(row)
    return False


def catalogue_document(session: Session) -> dict[str, Any]:
    """The catalogue as skills.yml holds it (active skills, in order): for the export and
    for HR's editor."""
    groups = session.scalars(
        select(SkillGroup)
        .options(selectinload(SkillGroup.skills))
        .order_by(SkillGroup.position, SkillGroup.id)
    ).all()
    document: dict[str, Any] = {"groups": []}
    for group in groups:
        skills = []
        for skill in group.skills:
            if not skill.is_active:
                continue
            item: dict[str, Any] = {
                "code": skill.code,
                "name": FlowMap(ru=skill.name_ru, en=skill.name_en),
            }
            if skill.descriptors:
                item["levels"] = {int(k): FlowMap(v) for k, v in skill.descriptors.items()}
            skills.append(item)
        document["groups"].append(
            {
                "code": group.code,
                "name": FlowMap(ru=group.name_ru, en=group.name_en),
                "skills": skills,
            }
        )
    return document


def catalogue_yaml(session: Session) -> str:
    return dump_yaml(catalogue_document(session))
