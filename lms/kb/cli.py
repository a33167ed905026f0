"""``flask lms sync`` and ``flask lms export``: knowledge-base files in and out, one commit."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import text

from lms.extensions import db
from lms.i18n import _
from lms.kb.export import ExportReport, export_kb

DIRECTORY = click.Path(file_okay=False, path_type=Path)


def refresh_statistics() -> None:
    """SQLite has no autovacuum: after an import its query planner needs fresh statistics."""
    if db.engine.dialect.name == "sqlite":
        db.session.execute(text("PRAGMA optimize"))
        db.session.commit()


def _progress(message: str) -> None:
    click.echo(message, err=True)


def _repository() -> Path:
    return Path(current_app.root_path).parent


@click.command("export")
@click.option("--kb", "kb_dir", type=DIRECTORY, required=True, help="Where to write articles.")
@click.option("--content", "content_dir", type=DIRECTORY, help="Where to write skills.yml.")
@with_appcontext
def export_command(kb_dir: Path, content_dir: Path | None) -> None:
    """Write the knowledge base (and the skills catalogue) as files that sync reads back."""
    try:
        report = export_kb(db.session, kb_dir, content_dir, progress=_progress)
    except OSError as error:
        raise click.ClickException(
            _("Cannot write %(file)s: %(error)s", file=error.filename, error=error.strerror)
        ) from error
    finally:
        db.session.rollback()
    _echo_export(report, kb_dir)


def _echo_export(report: ExportReport, kb_dir: Path) -> None:
    click.echo(
        _(
            "Exported %(articles)d articles, %(categories)d categories and %(skills)d skills; "
            "%(written)d files written, the others were already up to date.",
            articles=report.articles,
            categories=report.categories,
            skills=report.skills,
            written=report.written,
        )
    )
    if report.stale:
        click.echo(
            _(
                "These files in %(path)s are not in the database (left as they are):",
                path=str(kb_dir),
            )
        )
        for name in report.stale:
            click.echo(f"  {name}")
