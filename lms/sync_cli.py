"""``flask lms sync``: the knowledge base (``kb/``) and the courses (``content/``) from files,
in one transaction, so that a run imports every file or none."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from lms.clitools import writing
from lms.courses.sync import ContentReport, sync_content
from lms.evaluation.catalogue import load_metrics_dir
from lms.evaluation.library import sync_evaluation_files
from lms.extensions import db
from lms.i18n import _
from lms.kb.cli import DIRECTORY, refresh_statistics
from lms.kb.files import SKILLS_FILE
from lms.kb.frontmatter import DocumentError
from lms.kb.sync import SyncError, SyncReport, sync_kb
from lms.models_base import utcnow
from lms.probation.library import ProbationSyncReport, sync_probation_files
from lms.skills.services import load_catalogue
from lms.yamlfile import YamlProblem, read_yaml


def _progress(message: str) -> None:
    click.echo(message, err=True)


def _repository() -> Path:
    return Path(current_app.root_path).parent


@click.command("sync")
@click.option("--kb", "kb_dir", type=DIRECTORY, help="Articles and categories.yml (default: kb/).")
@click.option(
    "--content",
    "content_dir",
    type=DIRECTORY,
    help="skills.yml, courses and programs.yml (default: content/).",
)
@click.option("--overwrite", is_flag=True, help="Replace articles edited in the app (conflicts).")
@click.option("--dry-run", is_flag=True, help="Check and report everything; save nothing.")
@with_appcontext
def sync_command(
    kb_dir: Path | None, content_dir: Path | None, overwrite: bool, dry_run: bool
) -> None:
    """Import the knowledge base and the courses from files: all of them, or none when any
    file is wrong. With --kb only the knowledge base, with --content only the courses."""
    do_kb, do_content = (
        kb_dir is not None or content_dir is None,
        content_dir is not None or kb_dir is None,
    )
    kb_dir = kb_dir or _repository() / "kb"
    content_dir = content_dir or _repository() / "content"
    for folder, wanted in ((kb_dir, do_kb), (content_dir, do_content)):
        if wanted and not folder.is_dir():
            raise click.ClickException(_("There is no folder %(path)s.", path=str(folder)))
    with writing():
        kb_report = content_report = probation_report = metrics_report = None
        evaluations_report = None
        if do_kb:
            kb_report = sync_kb(
                db.session, kb_dir, content_dir, overwrite=overwrite, progress=_progress
            )
        else:
            _load_skills(content_dir, overwrite)
        if do_content:
            content_report = sync_content(db.session, content_dir, progress=_progress)
            probation_report = sync_probation_files(
                db.session, content_dir, now=utcnow(), overwrite=overwrite
            )
            metrics_report = load_metrics_dir(db.session, content_dir)
            evaluations_report = sync_evaluation_files(
                db.session, content_dir, overwrite=overwrite, now=utcnow()
            )
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
        refresh_statistics()
    if kb_report is not None:
        _echo_kb(kb_report)
    if content_report is not None:
        _echo_content(content_report)
    if probation_report is not None and (
        probation_report.saved or probation_report.unchanged or probation_report.conflicts
    ):
        _echo_probation(probation_report)
    for line in [
        *(metrics_report.lines() if metrics_report else ()),
        *(evaluations_report.lines() if evaluations_report else ()),
    ]:
        click.echo(line)
    if dry_run:
        click.echo(_("Dry run: nothing was saved."))


def _load_skills(content_dir: Path, overwrite: bool) -> None:
    """Without the knowledge-base sync (which loads it), load skills.yml here."""
    path = content_dir / SKILLS_FILE
    if not path.is_file():
        return
    try:
        data = read_yaml(path)
    except YamlProblem as error:
        raise SyncError(
            [DocumentError(SKILLS_FILE, error.line, None, error.problem).message]
        ) from error
    loaded = load_catalogue(db.session, data, filename=SKILLS_FILE, overwrite=overwrite)
    for code in loaded.conflicts:
        click.echo(
            _(
                "%(file)s: %(code)s was edited in the app since, left as it is (--overwrite "
                "replaces it).",
                file=SKILLS_FILE,
                code=code,
            ),
            err=True,
        )


def _echo_kb(report: SyncReport) -> None:
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


def _echo_content(report: ContentReport) -> None:
    click.echo(
        _(
            "Courses: %(created)d created, %(updated)d updated, %(unchanged)d unchanged. "
            "Programs: %(p_created)d created, %(p_updated)d updated.",
            created=len(report.created),
            updated=len(report.updated),
            unchanged=report.unchanged,
            p_created=report.programs_created,
            p_updated=report.programs_updated,
        )
    )
    labels = {"pre": _("pre-test"), "post": _("post-test"), "final": _("final quiz")}
    for course, kind, name, number in report.quiz_versions:
        click.echo(
            _(
                "%(course)s: %(quiz)s version %(number)d from %(file)s",
                course=course,
                quiz=labels[kind],
                number=number,
                file=name,
            )
        )


def _echo_probation(report: ProbationSyncReport) -> None:
    click.echo(
        _(
            "Probation plans and rubrics: %(saved)d saved, %(unchanged)d unchanged, "
            "%(conflicts)d edited in the app and left as they are.",
            saved=len(report.saved),
            unchanged=report.unchanged,
            conflicts=len(report.conflicts),
        )
    )
    for name in report.conflicts:
        click.echo(f"  {name}")
