"""Evaluations kept in the database: their YAML definitions, from HR's editor in the app or
from ``content/evaluations/*.yml`` files (``flask lms sync``).

The YAML is kept as written (``Evaluation.source``) and checked against the courses,
programs and KPI metrics in the database before anything is saved; every problem is
reported with its line. An evaluation edited in the app since its file was last synced is a
conflict: the sync leaves it alone unless ``overwrite``. An unchanged file is no conflict.
Services flush, never commit.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from lms.auth.models import User
from lms.courses.models import Course, Program
from lms.evaluation.definition import (
    DefinitionError,
    EvaluationDefinition,
    parse_definition,
    read_definition,
)
from lms.evaluation.models import Metric
from lms.evaluation.survey_models import Evaluation
from lms.i18n import _
from lms.probation.plans import problem_at

EVALUATIONS_DIR = "evaluations"
RESERVED_SLUGS = frozenset({"new"})  # /evaluations/new is the editor of a new one


def _digest(text: str) -> str:
    return hashlib.sha256(text.replace("\r\n", "\n").encode()).hexdigest()


def _filename(slug: str) -> str:
    return f"{EVALUATIONS_DIR}/{slug}.yml"


def definition_of(evaluation: Evaluation) -> EvaluationDefinition:
    """The evaluation's definition, parsed from its YAML (checked when it was saved)."""
    return parse_definition(
        evaluation.source, filename=_filename(evaluation.slug), slug=evaluation.slug
    )


def evaluation_by_slug(session: Session, slug: str) -> Evaluation | None:
    return session.scalar(select(Evaluation).where(Evaluation.slug == slug))


def all_evaluations(session: Session) -> list[Evaluation]:
    return list(
        session.scalars(
            select(Evaluation)
            .options(
                selectinload(Evaluation.course),
                selectinload(Evaluation.program),
                selectinload(Evaluation.updated_by),
            )
            .order_by(Evaluation.completed_from.desc(), Evaluation.title)
        )
    )


def _name_problems(slug: str, *, taken: bool) -> list[str]:
    if slug in RESERVED_SLUGS:
        return [_("“%(slug)s” cannot name an evaluation; choose another name.", slug=slug)]
    if taken:
        return [_("an evaluation named “%(slug)s” exists already; choose another name.", slug=slug)]
    return []


def save_evaluation(
    session: Session,
    slug: str,
    text: str,
    *,
    actor: User | None,
    now: datetime,
    must_be_new: bool = False,
) -> Evaluation:
    """Create or replace an evaluation from its YAML (HR's edit when ``actor`` is given);
    raises ``DefinitionError`` with every problem and its line, and then saves nothing."""
    filename = _filename(slug)
    evaluation = evaluation_by_slug(session, slug)
    problems = _name_problems(slug, taken=must_be_new and evaluation is not None)
    courses = {code: id_ for code, id_ in session.execute(select(Course.slug, Course.id))}
    programs = {code: id_ for code, id_ in session.execute(select(Program.slug, Program.id))}
    definition, found = read_definition(
        text,
        filename=filename,
        slug=slug,
        known_courses=courses,
        known_programs=programs,
        known_metrics=set(session.scalars(select(Metric.code))),
    )
    if definition is None or problems:
        raise DefinitionError([problem_at(filename, 1, None, p) for p in problems] + found)
    if evaluation is None:
        evaluation = Evaluation(slug=slug)
        session.add(evaluation)
    evaluation.title, evaluation.source = definition.title, text
    evaluation.course_id = courses[definition.course] if definition.course else None
    evaluation.program_id = programs[definition.program] if definition.program else None
    evaluation.completed_from = definition.completed_from
    evaluation.completed_to = definition.completed_to
    evaluation.follow_up_days = list(definition.follow_up_days)
    evaluation.updated_at, evaluation.updated_by_id = now, actor.id if actor else None
    evaluation.edited_in_app = actor is not None
    if actor is None:
        evaluation.file_hash = _digest(text)
    session.flush()
    return evaluation


@dataclass
class EvaluationSyncReport:
    saved: list[str] = field(default_factory=list)
    unchanged: int = 0
    conflicts: list[str] = field(default_factory=list)  # edited in the app since: left alone

    def lines(self) -> list[str]:
        """What ``flask lms sync`` prints about evaluations (nothing when there are none)."""
        if not (self.saved or self.unchanged or self.conflicts):
            return []
        summary = _(
            "Evaluations: %(saved)d saved, %(unchanged)d unchanged, %(conflicts)d edited in "
            "the app and left as they are (--overwrite replaces them).",
            saved=len(self.saved),
            unchanged=self.unchanged,
            conflicts=len(self.conflicts),
        )
        return [summary, *(f"  {name}" for name in self.conflicts)]


def sync_evaluation_files(
    session: Session, content_dir: Path, *, overwrite: bool, now: datetime
) -> EvaluationSyncReport:
    """Load ``<content_dir>/evaluations/*.yml``: every problem of every file is raised
    together (``DefinitionError``), and then nothing is saved."""
    report, problems = EvaluationSyncReport(), []
    with session.begin_nested():  # the files saved before a bad one is found go with it
        for path in sorted((content_dir / EVALUATIONS_DIR).glob("*.yml")):
            name, text = _filename(path.stem), path.read_text(encoding="utf-8-sig")
            row = evaluation_by_slug(session, path.stem)
            if row is not None and row.file_hash == _digest(text):
                report.unchanged += 1
            elif row is not None and row.edited_in_app and not overwrite:
                report.conflicts.append(name)
            else:
                try:
                    save_evaluation(session, path.stem, text, actor=None, now=now)
                except DefinitionError as error:
                    problems.extend(error.problems)
                else:
                    report.saved.append(name)
        if problems:
            raise DefinitionError(problems)
    return report
