"""Importing the skill matrix workbook that ``/skills/matrix.xlsx`` exports.

Cells of the Matrix sheet become HR assessments where they differ from the person's current
level (an empty cell changes nothing); the Requirements sheet replaces every requirement; the
Skills sheet and the Name, Department and Position columns are for people and are ignored.
The whole file is checked first (``lms.skills.workbook_checks``): on any problem nothing is
written. ``plan_import`` only reads and says what would change; ``apply_plan`` writes a plan.
Like every service they flush and never commit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.i18n import _, ngettext
from lms.skills.assessments import current_levels, refresh_levels
from lms.skills.models import SkillAssessment, SkillRequirement
from lms.skills.workbook_checks import (
    MATRIX,
    Catalogue,
    PersonRow,
    Problem,
    Problems,
    RequirementKey,
    WorkbookError,
    check_sheets,
    parse_level,
    read_sheets,
)

__all__ = [
    "AssessmentChange",
    "ImportPlan",
    "Problem",
    "RequirementChange",
    "WorkbookError",
    "apply_plan",
    "parse_level",
    "plan_import",
]

CHUNK = 500  # ids or e-mails per IN (...), well under every database's parameter limit


@dataclass(slots=True, frozen=True)
class AssessmentChange:
    row: int  # in the Matrix sheet
    user_id: int
    email: str
    name: str
    skill_id: int
    skill_code: str
    old: int | None  # the current level; None: never assessed
    new: int


@dataclass(slots=True, frozen=True)
class RequirementChange:
    department: str
    position: str | None
    skill: str
    old: int | None  # None: added
    new: int | None  # None: removed
    row: int | None  # in the Requirements sheet; None for a removed requirement
    key: RequirementKey
    requirement_id: int | None = None

    @property
    def kind(self) -> str:
        """added | changed | removed"""
        if self.old is None:
            return "added"
        return "removed" if self.new is None else "changed"


@dataclass
class ImportPlan:
    """What importing a workbook changes; an empty plan (the file as exported) changes nothing."""

    filename: str
    people: int  # rows of the Matrix sheet
    assessments: list[AssessmentChange] = field(default_factory=list)
    requirements: list[RequirementChange] = field(default_factory=list)  # added, changed, removed
    unchanged_requirements: int = 0

    def count(self, kind: str) -> int:
        return sum(change.kind == kind for change in self.requirements)

    @property
    def people_changed(self) -> int:
        return len({change.user_id for change in self.assessments})

    @property
    def is_empty(self) -> bool:
        return not self.assessments and not self.requirements

    def summary(self) -> str:
        """N assessment changes (people: M); requirements +added ~changed -removed."""
        return ngettext(
            "%(num)d assessment change (people: %(people)d); requirements +%(added)d "
            "~%(changed)d -%(removed)d, %(unchanged)d unchanged.",
            "%(num)d assessment changes (people: %(people)d); requirements +%(added)d "
            "~%(changed)d -%(removed)d, %(unchanged)d unchanged.",
            len(self.assessments),
            people=self.people_changed,
            added=self.count("added"),
            changed=self.count("changed"),
            removed=self.count("removed"),
            unchanged=self.unchanged_requirements,
        )

    def digest(self) -> str:
        """A fingerprint of the changes, so that a page applies only the plan it showed."""
        digest = hashlib.sha256()
        for a in self.assessments:
            digest.update(f"a{a.user_id}:{a.skill_id}:{a.old}:{a.new};".encode())
        for r in self.requirements:
            digest.update(f"r{r.key}:{r.requirement_id}:{r.old}:{r.new};".encode())
        return digest.hexdigest()


# Planning -----------------------------------------------------------------------------------


def _people_by_email(session: Session, emails: list[str]) -> dict[str, tuple[int, str]]:
    """E-mail -> (user id, name), a chunk of e-mails per query (e-mails are stored lower-case)."""
    found: dict[str, tuple[int, str]] = {}
    for start in range(0, len(emails), CHUNK):
        chunk = emails[start : start + CHUNK]
        rows = session.execute(select(User.email, User.id, User.name).where(User.email.in_(chunk)))
        found.update((email, (user_id, name)) for email, user_id, name in rows)
    return found


def _current(
    session: Session, user_ids: list[int], skill_ids: list[int]
) -> dict[tuple[int, int], int]:
    """(person, skill) -> current level, a chunk of people at a time."""
    levels: dict[tuple[int, int], int] = {}
    for start in range(0, len(user_ids), CHUNK):
        chunk = current_levels(session, user_ids[start : start + CHUNK], skill_ids)
        levels.update((key, assessment.level) for key, assessment in chunk.items())
    return levels


def _assessment_changes(
    session: Session,
    rows: list[PersonRow],
    users: dict[str, tuple[int, str]],
    catalogue: Catalogue,
) -> list[AssessmentChange]:
    rows = [row for row in rows if row.levels]
    skill_ids = sorted({skill_id for row in rows for skill_id in row.levels})
    levels = _current(session, sorted(users[row.email][0] for row in rows), skill_ids)
    changes = []
    for row in rows:
        user_id, name = users[row.email]
        for skill_id, level in row.levels.items():
            old = levels.get((user_id, skill_id))
            if old != level:
                code = catalogue.skill_codes[skill_id]
                changes.append(
                    AssessmentChange(
                        row.number, user_id, row.email, name, skill_id, code, old, level
                    )
                )
    return changes


def _requirement_changes(
    session: Session, wanted: dict[RequirementKey, tuple[int, int]], catalogue: Catalogue
) -> tuple[list[RequirementChange], int]:
    """Added and changed requirements in the sheet's order, then the removed ones; and how
    many stay as they are."""
    columns = (
        SkillRequirement.department_id,
        SkillRequirement.position_id,
        SkillRequirement.skill_id,
        SkillRequirement.id,
        SkillRequirement.level,
    )
    existing = {
        (department, position, skill): (requirement_id, level)
        for department, position, skill, requirement_id, level in session.execute(select(*columns))
    }
    changes, unchanged = [], 0
    for key, (row, level) in sorted(wanted.items(), key=lambda item: item[1][0]):
        requirement_id, old = existing.get(key, (None, None))
        if old == level:
            unchanged += 1
        else:
            changes.append(_requirement(catalogue, key, old, level, row, requirement_id))
    removed = [
        _requirement(catalogue, key, old, None, None, requirement_id)
        for key, (requirement_id, old) in existing.items()
        if key not in wanted
    ]
    removed.sort(key=lambda c: (c.department, c.position or "", c.skill))
    return changes + removed, unchanged


def _requirement(
    catalogue: Catalogue,
    key: RequirementKey,
    old: int | None,
    new: int | None,
    row: int | None,
    requirement_id: int | None,
) -> RequirementChange:
    department, position, skill = key
    return RequirementChange(
        catalogue.department_codes[department],
        catalogue.position_codes[position] if position is not None else None,
        catalogue.skill_codes[skill],
        old,
        new,
        row,
        key,
        requirement_id,
    )


def _check_people(
    session: Session, rows: list[PersonRow], problems: Problems
) -> dict[str, tuple[int, str]]:
    """The people the rows name; an e-mail nobody has is a problem."""
    users = _people_by_email(session, sorted({row.email for row in rows}))
    for row in rows:
        if row.email not in users:
            message = _("nobody has the e-mail %(email)s.", email=row.email)
            problems.add(MATRIX, row.number, message, index=row.email_index, names=row.names)
    return users


def plan_import(
    session: Session,
    data: bytes,
    *,
    filename: str,
    progress: Callable[[str], object] | None = None,
) -> ImportPlan:
    """Check the workbook and work out what importing it would change; writes nothing.

    Raises ``WorkbookError`` listing every problem found (sheet, row, column). ``progress``,
    if given, receives a line of text before each stage (the CLI prints them).
    """
    report = progress or (lambda _text: None)
    report(_("Reading %(file)s…", file=filename))
    sheets = read_sheets(data, filename)
    problems = Problems()
    catalogue = Catalogue.load(session)
    rows, wanted = check_sheets(sheets, catalogue, problems)
    users = _check_people(session, rows, problems)
    problems.raise_if_any(filename)
    report(
        ngettext(
            "Comparing %(num)d person's levels…", "Comparing %(num)d people's levels…", len(rows)
        )
    )
    requirements, unchanged = _requirement_changes(session, wanted, catalogue)
    assessments = _assessment_changes(session, rows, users, catalogue)
    return ImportPlan(filename, len(rows), assessments, requirements, unchanged)


# Writing ------------------------------------------------------------------------------------


def _refresh_levels(session: Session, changes: list[AssessmentChange]) -> None:
    """The bulk insert bypasses ``record``: store again the current levels of the people it
    changed, for the skills it changed (a few hundred people per query)."""
    skills: dict[int, set[int]] = {}
    for change in changes:
        skills.setdefault(change.user_id, set()).add(change.skill_id)
    user_ids = sorted(skills)
    for start in range(0, len(user_ids), CHUNK):
        chunk = user_ids[start : start + CHUNK]
        refresh_levels(session, chunk, sorted(set().union(*(skills[u] for u in chunk))))


ASSESSMENT_COLUMNS = (
    "user_id",
    "skill_id",
    "level",
    "source",
    "author_id",
    "assessed_at",
    "comment",
)


def _insert_assessments(session: Session, rows: list[tuple[object, ...]]) -> None:
    """Rows of ``ASSESSMENT_COLUMNS``. PostgreSQL gets them by COPY: for 100,000 rows, two to
    three times faster than psycopg's batched INSERTs."""
    session.flush()
    connection = session.connection()
    if connection.dialect.driver != "psycopg":
        table = SkillAssessment.__table__
        session.execute(
            insert(table), [dict(zip(ASSESSMENT_COLUMNS, r, strict=True)) for r in rows]
        )
        return
    sql = f"COPY {SkillAssessment.__tablename__} ({', '.join(ASSESSMENT_COLUMNS)}) FROM STDIN"
    with connection.connection.driver_connection.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def _replace_requirements(session: Session, changes: list[RequirementChange]) -> None:
    by_kind: dict[str, list[RequirementChange]] = {"added": [], "changed": [], "removed": []}
    for change in changes:
        by_kind[change.kind].append(change)
    removed = [c.requirement_id for c in by_kind["removed"]]
    for start in range(0, len(removed), CHUNK):
        ids = removed[start : start + CHUNK]
        session.execute(delete(SkillRequirement).where(SkillRequirement.id.in_(ids)))
    if by_kind["changed"]:
        session.execute(
            update(SkillRequirement),
            [{"id": c.requirement_id, "level": c.new} for c in by_kind["changed"]],
        )
    if by_kind["added"]:
        session.execute(
            insert(SkillRequirement),
            [
                {"department_id": c.key[0], "position_id": c.key[1], "skill_id": c.key[2],
                 "level": c.new}
                for c in by_kind["added"]
            ],
        )  # fmt: skip


def apply_plan(session: Session, plan: ImportPlan, *, actor: User | None, now: datetime) -> None:
    """Record the plan's levels as HR assessments by ``actor`` (None: nobody in particular)
    at ``now`` (aware) and replace the requirements, in a few bulk statements."""
    if plan.assessments:
        at = now.astimezone(UTC)
        comment = _("Imported from %(file)s", file=plan.filename)
        author_id = actor.id if actor is not None else None
        _insert_assessments(
            session,
            [
                (c.user_id, c.skill_id, c.new, "hr", author_id, at, comment)
                for c in plan.assessments
            ],
        )
        _refresh_levels(session, plan.assessments)
    _replace_requirements(session, plan.requirements)
    session.flush()
