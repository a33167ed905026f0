"""Plan templates and rubrics: from ``content/probation`` and ``content/rubrics`` files or
from HR's edits of the same YAML, checked (text and references) before they are saved."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from lms.auth.models import Position, User
from lms.courses.models import Course, Program
from lms.errors import ServiceError
from lms.i18n import _
from lms.kb.queries import articles_by_slug
from lms.probation import plans, rubrics
from lms.probation.models import PlanTemplate, Rubric

PLANS_DIR = "probation"
RUBRICS_DIR = "rubrics"


class ProblemsError(ServiceError):
    """A file or an edit that cannot be saved: every problem, one line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(problems[0] if len(problems) == 1 else _("The text has problems:"))
        self.problems = problems


def _digest(text: str) -> str:
    return hashlib.sha256(text.replace("\r\n", "\n").encode()).hexdigest()


def check_plan(session: Session, text: str, *, filename: str, slug: str) -> plans.PlanTemplateData:
    """The checked plan template; raises ``ProblemsError`` for the text or its references."""
    data, problems = plans.read_plan_template(text, filename=filename, slug=slug)
    if data is None or problems:
        raise ProblemsError(problems or [_("%(file)s: cannot be read.", file=filename)])
    missing = _missing_references(session, plans.references(data))
    if missing:
        raise ProblemsError([f"{filename}: {problem}" for problem in missing])
    return data


def _missing_references(session: Session, refs: dict[str, set[str]]) -> list[str]:
    found = {
        "course": set(session.scalars(select(Course.slug).where(Course.slug.in_(refs["course"])))),
        "program": set(
            session.scalars(select(Program.slug).where(Program.slug.in_(refs["program"])))
        ),
        "article": set(articles_by_slug(session, sorted(refs["article"]))),
        "rubric": set(session.scalars(select(Rubric.slug).where(Rubric.slug.in_(refs["rubric"])))),
    }
    # A position the database lacks is no error: the template waits, unattached, until HR
    # creates the position (a fresh install has no demo positions).
    labels = {
        "course": _("there is no course “%(slug)s”."),
        "program": _("there is no program “%(slug)s”."),
        "article": _("there is no knowledge-base article “%(slug)s”."),
        "rubric": _("there is no rubric “%(slug)s”."),
    }
    return [
        labels[kind] % {"slug": slug}
        for kind in labels
        for slug in sorted(refs[kind] - found[kind])
    ]


def save_plan_template(
    session: Session, slug: str, text: str, *, actor: User | None, now: datetime
) -> PlanTemplate:
    """Create or replace a template from its YAML (HR's edit when ``actor`` is given)."""
    data = check_plan(session, text, filename=f"{PLANS_DIR}/{slug}.yml", slug=slug)
    template = session.scalar(select(PlanTemplate).where(PlanTemplate.slug == slug))
    if template is None:
        template = PlanTemplate(slug=slug)
        session.add(template)
    template.title, template.duration_days, template.source = data.title, data.duration_days, text
    template.position = session.scalar(select(Position).where(Position.code == data.position))
    # (None while the position does not exist; the template still works.)
    template.updated_at, template.updated_by_id = now, actor.id if actor else None
    template.edited_in_app = actor is not None
    if actor is None:
        template.file_hash = _digest(text)
    session.flush()
    return template


def save_rubric(
    session: Session, slug: str, text: str, *, actor: User | None, now: datetime
) -> Rubric:
    """Create or replace a rubric from its YAML (HR's edit when ``actor`` is given)."""
    filename = f"{RUBRICS_DIR}/{slug}.yml"
    data, problems = rubrics.read_rubric(text, filename=filename, slug=slug)
    if data is None or problems:
        raise ProblemsError(problems or [_("%(file)s: cannot be read.", file=filename)])
    rubric = session.scalar(select(Rubric).where(Rubric.slug == slug))
    if rubric is None:
        rubric = Rubric(slug=slug)
        session.add(rubric)
    rubric.title, rubric.source = data.title, text
    rubric.definition = rubrics.rubric_to_dict(data)
    rubric.updated_at, rubric.edited_in_app = now, actor is not None
    if actor is None:
        rubric.file_hash = _digest(text)
    session.flush()
    return rubric


@dataclass
class ProbationSyncReport:
    saved: list[str] = field(default_factory=list)
    unchanged: int = 0
    conflicts: list[str] = field(default_factory=list)  # edited by HR since: left alone


def sync_probation_files(
    session: Session, content_dir: Path, *, now: datetime, overwrite: bool = False
) -> ProbationSyncReport:
    """Rubrics, then plan templates (which name rubrics), from ``content_dir``; every
    problem of every file is collected and raised together, and then nothing is saved."""
    report, problems = ProbationSyncReport(), []
    # A savepoint: the good files saved before a bad one is found are undone with it.
    with session.begin_nested():
        for folder, model, save in (
            (RUBRICS_DIR, Rubric, save_rubric),
            (PLANS_DIR, PlanTemplate, save_plan_template),
        ):
            for path in sorted((content_dir / folder).glob("*.yml")):
                name, text = f"{folder}/{path.name}", path.read_text(encoding="utf-8-sig")
                row = session.scalar(select(model).where(model.slug == path.stem))
                if row is not None and row.file_hash == _digest(text):
                    report.unchanged += 1
                    continue
                if row is not None and row.edited_in_app and not overwrite:
                    report.conflicts.append(name)
                    continue
                try:
                    save(session, path.stem, text, actor=None, now=now)
                except ProblemsError as error:
                    problems.extend(error.problems)
                    continue
                report.saved.append(name)
        if problems:
            raise ProblemsError(problems)
    return report


def templates(session: Session) -> list[PlanTemplate]:
    return list(
        session.scalars(
            select(PlanTemplate)
            .options(selectinload(PlanTemplate.position))
            .order_by(PlanTemplate.title)
        )
    )
