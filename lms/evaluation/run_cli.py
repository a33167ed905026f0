"""``flask lms evaluation run SLUG|FILE.yml [--json]``: compute an evaluation's five levels
and print every figure (or the JSON of them)."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import AppGroup
from flask_babel import get_locale
from sqlalchemy import select

from lms.courses.models import Course, Program
from lms.errors import ServiceError
from lms.evaluation import runner
from lms.evaluation.definition import DefinitionError, parse_definition
from lms.evaluation.figures import report_json, report_rows, shown
from lms.evaluation.library import all_evaluations, definition_of
from lms.evaluation.models import Metric
from lms.extensions import db
from lms.i18n import _

evaluation_group = AppGroup("evaluation", help="Phillips evaluations of training.")


def _from_file(path: Path) -> runner.EvaluationReport:
    """An evaluation defined in a file, not saved: checked against this database."""
    session = db.session
    try:
        definition = parse_definition(
            path.read_text(encoding="utf-8-sig"),
            filename=path.name,
            known_metrics=set(session.scalars(select(Metric.code))),
            known_courses=set(session.scalars(select(Course.slug))),
            known_programs=set(session.scalars(select(Program.slug))),
        )
    except DefinitionError as error:
        for problem in error.problems:
            click.echo(problem, err=True)
        raise click.ClickException(_("%(file)s cannot be evaluated.", file=str(path))) from error
    evaluation = runner.transient_evaluation(session, definition)
    return runner.run(session, evaluation, definition, locale=str(get_locale()))


def _from_slug(slug: str) -> runner.EvaluationReport:
    evaluation = runner.evaluation_with_target(db.session, slug)
    if evaluation is None:
        known = ", ".join(e.slug for e in all_evaluations(db.session)) or "—"
        raise click.ClickException(
            _("There is no evaluation %(slug)s. Known: %(known)s.", slug=slug, known=known)
        )
    return runner.run(db.session, evaluation, definition_of(evaluation), locale=str(get_locale()))


@evaluation_group.command("run")
@click.argument("target")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def run_command(target: str, as_json: bool) -> None:
    """Compute the evaluation TARGET (a saved evaluation's slug, or a .yml file) and print
    every figure of its five levels."""
    path = Path(target)
    try:
        if target.endswith((".yml", ".yaml")) or path.is_file():
            if not path.is_file():
                raise click.ClickException(_("There is no file %(path)s.", path=target))
            report = _from_file(path)
        else:
            report = _from_slug(target)
    except ServiceError as error:
        raise click.ClickException(error.message) from error
    finally:
        db.session.rollback()  # nothing is written; an unsaved evaluation stays unsaved
    if as_json:
        click.echo(json.dumps(report_json(report), ensure_ascii=False, indent=2))
        return
    section = None
    for group, figure, value in report_rows(report):
        if group != section:
            click.echo(("\n" if section else "") + group)
            section = group
        click.echo(f"  {figure}: {shown(value)}")
