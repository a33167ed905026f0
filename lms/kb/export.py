"""``flask lms export``: the knowledge base from the database to files that sync reads back.

An article is written as its canonical text (``lms.kb.files.article_text``), so that a sync
of an export changes nothing. Files whose text would not change are left untouched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from lms.i18n import _
from lms.kb.files import (
    CATEGORIES_FILE,
    PROGRESS_EVERY,
    SKILLS_FILE,
    Progress,
    article_paths,
    article_text,
    normalise_body,
    quiet,
)
from lms.kb.models import Article, ArticleRevision, Category
from lms.kb.services import ArticleData
from lms.skills.services import catalogue_document
from lms.yamlfile import dump_yaml


@dataclass
class ExportReport:
    """What an export wrote: counts, and article files in the folder the database lacks."""

    articles: int = 0
    categories: int = 0
    skills: int = 0
    written: int = 0
    stale: list[str] = field(default_factory=list)


def exported_data(article: Article, revision: ArticleRevision) -> ArticleData:
    """What ``export`` writes for an article: its live revision as the article row now has
    it (archived, say), or, never published, its latest revision as a draft."""
    data = ArticleData.from_revision(article, revision)
    data.body = normalise_body(data.body)
    if revision.id == article.live_revision_id:
        data.category, data.status = article.category.slug, article.status
        data.owner = article.owner.email if article.owner else None
        data.translation_of = article.translation_of.slug if article.translation_of else None
    else:
        data.category, data.status = data.category or article.category.slug, "draft"
        data.owner = data.owner.lower() if data.owner else None
    return data


def export_kb(
    session: Session, kb_dir: Path, content_dir: Path | None = None, *, progress: Progress = quiet
) -> ExportReport:
    """Write categories.yml, one file per article and (with ``content_dir``) skills.yml.

    Files whose text would not change are left untouched; files of articles the database
    does not have are left too, and listed in the report.
    """
    report = ExportReport()
    tree, report.categories = _category_tree(session)
    _write(kb_dir / CATEGORIES_FILE, dump_yaml(tree), report)
    names = _write_articles(session, kb_dir, report, progress)
    paths, _skipped = article_paths(kb_dir)
    report.stale = [p.relative_to(kb_dir).as_posix() for p in paths]
    report.stale = [name for name in report.stale if name not in names]
    if content_dir is not None:
        catalogue, report.skills = _skills_catalogue(session)
        _write(content_dir / SKILLS_FILE, dump_yaml(catalogue), report)
    return report


def _write_articles(
    session: Session, kb_dir: Path, report: ExportReport, progress: Progress
) -> set[str]:
    """One file per article; the names written, relative to ``kb_dir``."""
    pairs = _export_pairs(session)
    names = set()
    for number, (article, revision) in enumerate(pairs, start=1):
        data = exported_data(article, revision)
        name = f"{data.category}/{data.slug}.md"
        _write(kb_dir / name, article_text(data), report)
        names.add(name)
        if number % PROGRESS_EVERY == 0 or number == len(pairs):
            progress(_("Writing %(done)d/%(total)d files…", done=number, total=len(pairs)))
    report.articles = len(pairs)
    return names


def _write(path: Path, text: str, report: ExportReport) -> None:
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\n")
    report.written += 1


def _export_pairs(session: Session) -> list[tuple[Article, ArticleRevision]]:
    """Every article with the revision to write, by slug."""
    articles = session.scalars(
        select(Article)
        .options(
            selectinload(Article.category),
            selectinload(Article.owner),
            selectinload(Article.translation_of),
            selectinload(Article.live_revision),
        )
        .order_by(Article.slug)
    ).all()
    newest = (
        select(ArticleRevision.article_id, func.max(ArticleRevision.number).label("number"))
        .join(Article, Article.id == ArticleRevision.article_id)
        .where(Article.live_revision_id.is_(None))
        .group_by(ArticleRevision.article_id)
        .subquery()
    )
    latest = {
        revision.article_id: revision
        for revision in session.scalars(
            select(ArticleRevision).join(
                newest,
                (ArticleRevision.article_id == newest.c.article_id)
                & (ArticleRevision.number == newest.c.number),
            )
        )
    }
    pairs = [(a, a.live_revision or latest.get(a.id)) for a in articles]
    return [(article, revision) for article, revision in pairs if revision is not None]


def _category_tree(session: Session) -> tuple[list[dict[str, Any]], int]:
    """The categories as categories.yml has them, siblings in position order; and a count."""
    categories = session.scalars(select(Category).order_by(Category.position, Category.id)).all()
    children: dict[int | None, list[Category]] = {}
    for category in categories:
        children.setdefault(category.parent_id, []).append(category)

    def node(category: Category) -> dict[str, Any]:
        item: dict[str, Any] = {"slug": category.slug, "name": category.name}
        if category.name_en:
            item["name_en"] = category.name_en
        if category.id in children:
            item["children"] = [node(child) for child in children[category.id]]
        return item

    return [node(category) for category in children.get(None, [])], len(categories)


def _skills_catalogue(session: Session) -> tuple[dict[str, Any], int]:
    """skills.yml as ``load_catalogue`` reads it, groups and skills in position order."""
    catalogue = catalogue_document(session)
    return catalogue, sum(len(group["skills"]) for group in catalogue["groups"])
