"""``flask lms kpi import FILE`` and ``flask lms kpi ratings FILE``: KPI values and customer
ratings from CSV or XLSX, all rows or none, committing once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import click
from flask.cli import AppGroup

from lms.clitools import writing
from lms.evaluation.kpi_import import import_kpi_values
from lms.evaluation.ratings_import import import_ratings
from lms.extensions import db
from lms.i18n import _
from lms.models_base import utcnow
from lms.tables import MAX_BYTES

kpi_group = AppGroup("kpi", help="KPI values and customer ratings.")
FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def _progress(message: str) -> None:
    click.echo(message, err=True)


def _read(path: Path) -> bytes:
    try:
        with path.open("rb") as file:
            return file.read(MAX_BYTES + 1)
    except OSError as error:
        raise click.ClickException(
            _("Cannot read %(file)s: %(error)s", file=str(path), error=error.strerror or str(error))
        ) from error


def _run(action: Callable[[], Any], dry_run: bool) -> Any:
    """Run an import in one transaction: commit, or roll back on a dry run or a problem."""
    with writing():
        report = action()
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    return report


@kpi_group.command("import")
@click.argument("path", metavar="FILE", type=FILE)
@click.option("--dry-run", is_flag=True, help="Only check the file; save nothing.")
def import_command(path: Path, dry_run: bool) -> None:
    """Import monthly KPI values from CSV or XLSX (columns email, period, metric, value):
    every row, or none on any problem; a stored value of the same month is replaced."""
    data = _read(path)
    report = _run(
        lambda: import_kpi_values(
            db.session,
            data,
            filename=path.name,
            today=date.today(),
            now=utcnow(),
            dry_run=dry_run,
            progress=_progress,
        ),
        dry_run,
    )
    click.echo(report.summary())


@kpi_group.command("ratings")
@click.argument("path", metavar="FILE", type=FILE)
@click.option("--dry-run", is_flag=True, help="Only check the file; save nothing.")
def ratings_command(path: Path, dry_run: bool) -> None:
    """Import customer ratings from CSV or XLSX (columns email, rated_at, channel, quality,
    speed, ticket, comment): every row, or none on any problem."""
    data = _read(path)
    report = _run(
        lambda: import_ratings(
            db.session, data, filename=path.name, now=utcnow(), dry_run=dry_run,
            progress=_progress,
        ),
        dry_run,
    )  # fmt: skip
    click.echo(report.summary())
