"""``flask lms reindex`` and ``flask lms search``."""

from __future__ import annotations

import json
import sys

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

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
    total = db.session.scalar(select(func.count(Article.id))) or 0
    with click.progressbar(length=total, label=_("Indexing articles"), file=sys.stderr) as bar:
        count = rebuild_index(index_dir, db.session, progress=bar.update)
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

    results = search(current_app.config["LMS_INDEX_DIR"], Everyone(), query, limit=limit)
    if as_json:
        click.echo(json.dumps(search_json(results, external=False), ensure_ascii=False, indent=2))
        return
    if results.did_you_mean:
        click.echo(_("Did you mean: %(text)s?", text=results.did_you_mean))
    click.echo(_("%(n)d results for “%(query)s”", n=results.total, query=results.query))
    for position, hit in enumerate(results.results, 1):
        click.echo(f"{position:>2}. {hit.title}  [{hit.kind}]  /kb/{hit.slug}  ({hit.score:.2f})")
