"""``flask lms sync`` and ``flask lms export``: knowledge-base files in and out, one commit."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import text

from lms.database import expect_writes
from lms.errors import ServiceError
from lms.extensions import db
from lms.i18n import _
from lms.kb.export import ExportReport, export_kb
from lms.kb.sync import SyncError, SyncReport, sync_kb

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


@click.command("sync")
@click.option("--kb", "kb_dir", type=DIRECTORY, help="Articles and categories.yml (default: kb/).")
@click.option("--content", "content_dir", type=DIRECTORY, help="skills.yml (default: content/).")
@click.option("--overwrite", is_flag=True, help="Replace articles edited in the app (conflicts).")
@click.option("--dry-run", is_flag=True, help="Check and report everything; save nothing.")
@with_appcontext
def sync_command(
    kb_dir: Path | None, content_dir: Path | None, overwrite: bool, dry_run: bool
) -> None:
    """Import the knowledge base from files: all of them, or none when any file is wrong."""
    kb_dir = kb_dir or _repository() / "kb"
    content_dir = content_dir or _repository() / "content"
    if not kb_dir.is_dir():
        raise click.ClickException(_("There is no folder %(path)s.", path=str(kb_dir)))
    expect_writes()  # SQLite: take the write lock at BEGIN, not halfway through
    try:
        report = sync_kb(db.session, kb_dir, content_dir, overwrite=overwrite, progress=_progress)
    except SyncError as error:
        db.session.rollback()
        for problem in error.problems:
            click.echo(problem, err=True)
        raise click.ClickException(error.message) from error
    except ServiceError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    finally:
        expect_writes(False)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
        refresh_statistics()
    _echo_sync(report, dry_run)


def _echo_sync(report: SyncReport, dry_run: bool) -> None:
    for warning in report.warnings:
        click.echo(_("Warning: %(warning)s", warning=warning), err=True)
    click.echo(
        _(
            "Articles: %(created)d created, %(updated)d updated, %(unchanged)d unchanged, "
            "%(conflicts)d conflicts.",
            created=len(report.created),
            updated=len(report.updated),
            unchanged=report.unchanged,
            conflicts=len(report.conflicts),
        )
    )
    click.echo(
        _(
            "Categories: %(c_created)d created, %(c_updated)d updated. "
            "Skills: %(s_created)d created, %(s_updated)d updated.",
            c_created=report.categories_created,
            c_updated=report.categories_updated,
            s_created=report.skills_created,
            s_updated=report.skills_updated,
        )
    )
    if report.conflicts:
        click.echo(
            _(
                "Conflicts: edited in the app since the last import, left as they are "
                "(--overwrite replaces them with the files):"
            )
        )
        for name in report.conflicts:
            click.echo(f"  {name}")
    if dry_run:
        click.echo(_("Dry run: nothing was saved."))


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
