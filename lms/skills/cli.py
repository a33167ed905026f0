"""``flask lms skills import FILE.xlsx``: the skill matrix workbook, all of it or nothing,
committing once."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from lms.auth import services
from lms.auth.models import User
from lms.clitools import writing
from lms.extensions import db
from lms.i18n import _, ngettext
from lms.models_base import utcnow
from lms.skills.workbook import ImportPlan, apply_plan, plan_import

skills_group = AppGroup("skills", help="The skill matrix.")
SHOWN_CHANGES = 20  # lines of each kind printed; the summary counts them all


def _progress(message: str) -> None:
    click.echo(message, err=True)


def _actor(email: str | None) -> User | None:
    if email is None:
        return None
    actor = services.find_user_by_email(db.session, email)
    if actor is None or not actor.is_active:
        raise click.ClickException(_("No active user has the e-mail %(email)s.", email=email))
    return actor


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise click.ClickException(
            _("Cannot read %(file)s: %(error)s", file=str(path), error=error.strerror or str(error))
        ) from error


def _level(level: int | None) -> str:
    return "—" if level is None else str(level)


def _echo_plan(plan: ImportPlan) -> None:
    click.echo(plan.summary())
    for change in plan.assessments[:SHOWN_CHANGES]:
        old, new = _level(change.old), _level(change.new)
        click.echo(f"  {change.email}  {change.skill_code}: {old} → {new}")
    if len(plan.assessments) > SHOWN_CHANGES:
        rest = len(plan.assessments) - SHOWN_CHANGES
        click.echo("  " + ngettext("…and %(num)d more.", "…and %(num)d more.", rest))
    signs = {"added": "+", "changed": "~", "removed": "-"}
    for change in plan.requirements[:SHOWN_CHANGES]:
        where = "/".join(filter(None, (change.department, change.position, change.skill)))
        old, new = _level(change.old), _level(change.new)
        click.echo(f"  {signs[change.kind]} {where}: {old} → {new}")
    if len(plan.requirements) > SHOWN_CHANGES:
        rest = len(plan.requirements) - SHOWN_CHANGES
        click.echo("  " + ngettext("…and %(num)d more.", "…and %(num)d more.", rest))


@skills_group.command("import")
@click.argument(
    "path", metavar="FILE.xlsx", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--dry-run", is_flag=True, help="Only check the file and show the changes.")
@click.option(
    "--actor",
    "actor_email",
    metavar="EMAIL",
    help="Who is importing: the author of the assessments (default: nobody in particular).",
)
def import_command(path: Path, dry_run: bool, actor_email: str | None) -> None:
    """Import the skill matrix workbook (as exported from the matrix page): changed cells
    become HR assessments, the Requirements sheet replaces the requirements. Nothing is
    saved when the file has any problem."""
    data = _read(path)
    with writing():
        actor = _actor(actor_email)
        plan = plan_import(db.session, data, filename=path.name, progress=_progress)
        if not dry_run and not plan.is_empty:
            _progress(_("Saving…"))
            apply_plan(db.session, plan, actor=actor, now=utcnow())
    _echo_plan(plan)
    if dry_run:
        db.session.rollback()
        click.echo(_("Dry run: nothing was saved."))
    elif plan.is_empty:
        db.session.rollback()
        click.echo(_("The workbook matches the current levels and requirements: nothing to save."))
    else:
        db.session.commit()
        click.echo(_("Saved."))
