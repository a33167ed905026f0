"""``flask lms reindex`` and ``flask lms search``."""

from __future__ import annotations

import json
import sys
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from lms.courses.models import Lesson
from lms.extensions import db
from lms.i18n import _
from lms.kb.models import Article
from lms.search.indexing import rebuild_index
from lms.search.service import search


@click.command("reindex")
@with_appcontext
def reindex_command() -> None:
    """Rebuild this host's search index from the database."""
    index_dir = current_app.config["LMS_INDEX_DIR"]
    total = (db.session.scalar(select(func.count(Article.id))) or 0) + (
        db.session.scalar(select(func.count(Lesson.id))) or 0
    )
    label = _("Indexing articles and lessons")
    with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
        # ``progress`` gets the number of documents done so far; the bar wants steps.
        count = rebuild_index(
            index_dir, db.session, progress=lambda done: bar.update(done - bar.pos)
        )
    click.echo(_("Search index rebuilt in %(dir)s: %(n)d documents.", dir=index_dir, n=count))


class Everyone:
    """The command line reads as an editor would: every published article."""

    department = None
    department_id = None
    locale = "ru"

    def has_role(self, *roles: str) -> bool:
        return "editor" in roles


@click.command("search")
@click.argument("query")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 100))
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON.")
@with_appcontext
def search_command(query: str, limit: int, as_json: bool) -> None:
    """Search the knowledge base from the command line."""
    from lms.api.views import search_json
    from lms.search.views import result_url

    results = search(current_app.config["LMS_INDEX_DIR"], Everyone(), query, limit=limit)
    with current_app.test_request_context():  # result paths are built as the pages build them
        _echo_results(results, as_json, search_json, result_url)


def _echo_results(results: Any, as_json: bool, search_json: Any, result_url: Any) -> None:
    if as_json:
        click.echo(json.dumps(search_json(results, external=False), ensure_ascii=False, indent=2))
        return
    if results.did_you_mean:
        click.echo(_("Did you mean: %(text)s?", text=results.did_you_mean))
    click.echo(_("%(n)d results for “%(query)s”", n=results.total, query=results.query))
    for position, hit in enumerate(results.results, 1):
        click.echo(
            f"{position:>2}. {hit.title}  [{hit.kind}]  {result_url(hit)}  ({hit.score:.2f})"
        )
