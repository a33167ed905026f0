"""``flask lms users import FILE.csv``: bulk-create users, all or none, committing once."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from lms.auth import services
from lms.auth.csv_import import ImportResult, import_users_csv
from lms.auth.models import User, UserRole
from lms.clitools import writing
from lms.extensions import db
from lms.i18n import _, ngettext


def default_actor() -> User | None:
    """The first active administrator, who is recorded as having set up the mentorships."""
    return db.session.scalar(
        select(User)
        .join(UserRole)
        .where(UserRole.role == "admin", User.is_active)
        .order_by(User.id)
        .limit(1)
    )


def _actor(email: str | None) -> User:
    if email is None:
        actor = default_actor()
        if actor is None:
            raise click.ClickException(
                _(
                    "There is no active administrator; name the person "
                    "doing the import with --actor EMAIL."
                )
            )
        return actor
    actor = services.find_user_by_email(db.session, email)
    if actor is None or not actor.is_active:
        raise click.ClickException(_("No active user has the e-mail %(email)s.", email=email))
    return actor


def _read(path: Path) -> bytes:
    """At most one byte more than the size limit, so the service can tell the file is too big."""
    try:
        with path.open("rb") as file:
            return file.read(current_app.config["CSV_MAX_BYTES"] + 1)
    except OSError as error:
        raise click.ClickException(
            _("Cannot read %(file)s: %(error)s", file=str(path), error=error.strerror or str(error))
        ) from error


def _table(rows: list[tuple[str, str, str]]) -> list[str]:
    """Lines of a plain text table whose first row is the heading."""
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


def _echo_would_create(result: ImportResult) -> None:
    count = len(result.created)
    click.echo(
        ngettext(
            "The file is correct: %(num)d person would be created. Nothing was saved.",
            "The file is correct: %(num)d people would be created. Nothing was saved.",
            count,
        )
    )
    for line in _table(
        [(_("Full name"), _("E-mail"), "")] + [(r.name, r.email, "") for r in result.created]
    ):
        click.echo("  " + line)


def _echo_created(result: ImportResult) -> None:
    """The people created with their temporary passwords, which are shown only this once."""
    click.echo(
        ngettext("%(num)d person was created.", "%(num)d people were created.", len(result.created))
    )
    given = _("(set in the file)")
    heading = (_("Full name"), _("E-mail"), _("Temporary password"))
    rows = [(r.name, r.email, r.temporary_password or given) for r in result.created]
    for line in _table([heading, *rows]):
        click.echo("  " + line)
    click.echo(
        _(
            "Temporary passwords are shown only now. Each person must change theirs "
            "at first sign-in."
        )
    )


@click.command("import")
@click.argument(
    "path", metavar="FILE.csv", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--dry-run", is_flag=True, help="Only check the file; create nobody.")
@click.option(
    "--actor",
    "actor_email",
    metavar="EMAIL",
    help="Who is doing the import (recorded on mentorships); "
    "default: the first active administrator.",
)
@with_appcontext
def import_users_command(path: Path, dry_run: bool, actor_email: str | None) -> None:
    """Create users from a CSV file (UTF-8 or Windows-1251): all rows, or none on any problem.

    Columns: email, name (required); department, position, roles, manager_email,
    mentor_email, hired_on, locale, password.
    """
    actor = _actor(actor_email)
    with writing():
        result = import_users_csv(
            db.session,
            _read(path),
            filename=path.name,
            actor=actor,
            dry_run=dry_run,
            today=date.today(),
            may_assign_roles=True,
            progress=click.echo,
        )
    if dry_run:
        db.session.rollback()
        _echo_would_create(result)
    else:
        db.session.commit()
        _echo_created(result)
