"""Knowledge-base files to the database: ``flask lms sync``.

Files are how content ships and is reviewed in git; the database is the source of truth.
Sync reads and checks every file before it writes anything (``lms.kb.files``), and the
caller rolls back when it raises, so a run imports all files or none. A file is compared
with what it last imported by the hash of its canonical text (the text ``export`` writes),
so a second run changes nothing, and an article edited in the app since its last import is
reported as a conflict and left alone unless the caller asks to overwrite. Revisions are
written by ``services.save_revision``, given lookups loaded once. Services flush, never
commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from lms.errors import ServiceError
from lms.i18n import _, ngettext
from lms.kb import categories as category_service
from lms.kb.export import exported_data
from lms.kb.files import (
    CATEGORIES_FILE,
    PROGRESS_EVERY,
    SKILLS_FILE,
    CategoryEntry,
    FileArticle,
    Progress,
    Sources,
    article_text,
    quiet,
    read_sources,
    read_text,
    reference_problems,
)
from lms.kb.frontmatter import DocumentError
from lms.kb.models import Article, ArticleRevision, Category
from lms.kb.services import Lookups, save_revision
from lms.models_base import utcnow
from lms.skills.models import Skill, SkillGroup
from lms.skills.services import CatalogueError, load_catalogue


class SyncError(ServiceError):
    """Files that cannot be imported; ``problems`` says where and what, one line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(
            ngettext(
                "%(num)d problem found; nothing was imported.",
                "%(num)d problems found; nothing was imported.",
                len(problems),
            )
        )
        self.problems = problems


@dataclass
class SyncReport:
    """What a sync did (or, in a dry run, would do)."""

    files: int = 0
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    conflicts: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    categories_created: int = 0
    categories_updated: int = 0
    skills_created: int = 0
    skills_updated: int = 0


@dataclass
class Plan:
    """What a sync writes: files in order, each with the article it updates (None: a new
    one); and articles already as their files say, with the revision to record as imported."""

    writes: list[tuple[FileArticle, Article | None]] = field(default_factory=list)
    adopted: list[tuple[Article, ArticleRevision, str]] = field(default_factory=list)


def sync_kb(
    session: Session,
    kb_dir: Path,
    content_dir: Path | None = None,
    *,
    overwrite: bool = False,
    progress: Progress = quiet,
) -> SyncReport:
    """Import skills.yml, categories.yml and every article file, or raise ``SyncError``.

    Everything is read and checked first; on ``SyncError`` the caller must roll back (the
    skills and categories may already be flushed). Unchanged files do nothing; a changed
    file becomes a new revision from source "file", unless the article was edited in the
    app since its last import (a conflict, left alone unless ``overwrite``).
    """
    sources = read_sources(kb_dir, content_dir, progress)
    report = SyncReport(files=sources.files, warnings=list(sources.warnings))
    problems = list(sources.problems)
    skills_ok = _sync_skills(session, sources, report, problems, overwrite=overwrite)
    _sync_categories(session, sources.categories, report, problems)
    lookups = Lookups.load(session)
    file_slugs = {item.data.slug for item in sources.articles}
    for item in sources.articles:
        problems += reference_problems(item, lookups, file_slugs, check_skills=skills_ok)
    if problems:
        raise SyncError(problems)
    plan = _plan_articles(session, sources.articles, lookups, report, overwrite=overwrite)
    _apply_plan(session, plan, lookups, progress)
    return report


# Skills and categories -----------------------------------------------------------------------


def _sync_skills(
    session: Session, sources: Sources, report: SyncReport, problems: list[str], *, overwrite: bool
) -> bool:
    """Load skills.yml if there is one; False when it is there but cannot be loaded."""
    if not sources.has_skills:
        return True
    if sources.skills_broken:
        return False
    before = _skill_states(session)
    try:
        loaded = load_catalogue(session, sources.skills, filename=SKILLS_FILE, overwrite=overwrite)
    except CatalogueError as error:
        problems.extend(error.problems)
        return False
    report.conflicts += [f"{SKILLS_FILE}: {code}" for code in loaded.conflicts]
    after = _skill_states(session)
    report.skills_created = len(after.keys() - before.keys())
    report.skills_updated = sum(
        before[code] != after[code] for code in before.keys() & after.keys()
    )
    return True


def _skill_states(session: Session) -> dict[str, tuple[Any, ...]]:
    """Each skill's group, names and position by code: to count what a load changed."""
    rows = session.execute(
        select(Skill.code, SkillGroup.code, Skill.name_ru, Skill.name_en, Skill.position).join(
            Skill.group
        )
    )
    return {code: tuple(rest) for code, *rest in rows}


def _sync_categories(
    session: Session, entries: list[CategoryEntry], report: SyncReport, problems: list[str]
) -> None:
    """Create or move categories as the file says; categories it does not name are kept."""
    existing = {c.slug: c for c in session.scalars(select(Category))}
    for entry in entries:
        category = existing.get(entry.slug)
        before = _category_state(category)
        try:
            category = category_service.save_category(
                session,
                slug=entry.slug,
                name=entry.name,
                name_en=entry.name_en,
                parent=existing.get(entry.parent) if entry.parent else None,
                category=category,
                position=entry.position,
            )
        except ServiceError as error:
            problems.append(DocumentError(CATEGORIES_FILE, 1, error.field, error.message).message)
            continue
        existing[entry.slug] = category
        if before is None:
            report.categories_created += 1
        elif before != _category_state(category):
            report.categories_updated += 1


def _category_state(category: Category | None) -> tuple[Any, ...] | None:
    if category is None:
        return None
    parent = category.parent.slug if category.parent else None
    return category.name, category.name_en, parent, category.position


# Articles: the plan --------------------------------------------------------------------------


def _plan_articles(
    session: Session,
    items: list[FileArticle],
    lookups: Lookups,
    report: SyncReport,
    *,
    overwrite: bool,
) -> Plan:
    """Sort each file into created, updated, unchanged or conflict (in ``report``) without
    writing anything; articles come before their translations."""
    plan = Plan()
    ordered = _targets_first(items)
    _load_changed(session, ordered, lookups)
    edited = _last_editor_revisions(session)
    for item in ordered:
        article = lookups.articles.get(item.data.slug)
        if article is None:
            plan.writes.append((item, None))
            report.created.append(item.name)
        elif article.file_hash == item.digest:
            report.unchanged += 1
        elif _edited_in_app(article, edited):
            _plan_edited(session, plan, item, article, report, overwrite)
        else:
            plan.writes.append((item, article))
            report.updated.append(item.name)
    return plan


def _plan_edited(
    session: Session,
    plan: Plan,
    item: FileArticle,
    article: Article,
    report: SyncReport,
    overwrite: bool,
) -> None:
    """A changed file of an article edited in the app since: a conflict, unless the app
    already says what the file says (it was exported after the edit, say)."""
    current = article.live_revision or _latest_revision(session, article)
    if current is not None and _database_digest(article, current) == item.digest:
        plan.adopted.append((article, current, item.digest))
        report.unchanged += 1
    elif overwrite:
        plan.writes.append((item, article))
        report.updated.append(item.name)
    else:
        report.conflicts.append(item.name)


def _targets_first(items: list[FileArticle]) -> list[FileArticle]:
    """Articles before their translations, so that ``translation_of`` finds its target."""
    by_slug = {item.data.slug: item for item in items}

    def depth(item: FileArticle) -> int:
        seen, target = {item.data.slug}, item.data.translation_of
        while target in by_slug and target not in seen:
            seen.add(target)
            target = by_slug[target].data.translation_of
        return len(seen)

    return sorted(items, key=depth)


def _load_changed(session: Session, items: list[FileArticle], lookups: Lookups) -> None:
    """Load, for the articles whose files changed, what a new revision replaces: a few
    queries for all of them rather than several per article."""
    ids = [
        article.id
        for item in items
        if (article := lookups.articles.get(item.data.slug)) and article.file_hash != item.digest
    ]
    for start in range(0, len(ids), FileRevisions.BATCH):
        session.scalars(
            select(Article)
            .where(Article.id.in_(ids[start : start + FileRevisions.BATCH]))
            .options(
                selectinload(Article.live_revision),
                selectinload(Article.category),
                selectinload(Article.owner),
                selectinload(Article.translation_of),
                selectinload(Article.tag_rows),
                selectinload(Article.departments),
                selectinload(Article.skills),
            )
        ).all()


def _last_editor_revisions(session: Session) -> dict[int, int]:
    """The id of each article's last revision made in the app, by article id."""
    return dict(
        session.execute(
            select(ArticleRevision.article_id, func.max(ArticleRevision.id))
            .where(ArticleRevision.source == "editor")
            .group_by(ArticleRevision.article_id)
        ).all()
    )


def _edited_in_app(article: Article, edited: dict[int, int]) -> bool:
    """A revision made in the app after the last import (or never imported at all)."""
    last = edited.get(article.id)
    return last is not None and last > (article.file_revision_id or 0)


def _latest_revision(session: Session, article: Article) -> ArticleRevision | None:
    return session.scalar(
        select(ArticleRevision)
        .where(ArticleRevision.article_id == article.id)
        .order_by(ArticleRevision.number.desc())
        .limit(1)
    )


def _database_digest(article: Article, revision: ArticleRevision) -> str | None:
    """The hash sync would compute for the file ``export`` writes for this article."""
    data = exported_data(article, revision)
    try:
        item = read_text(article_text(data), name=data.slug, category=data.category, slug=data.slug)
    except DocumentError:
        return None
    return item.digest


# Articles: writing ---------------------------------------------------------------------------


def _apply_plan(session: Session, plan: Plan, lookups: Lookups, progress: Progress = quiet) -> None:
    """Write what ``_plan_articles`` decided: a revision from source "file" per file."""
    for article, revision, digest in plan.adopted:
        article.file_hash, article.file_revision_id = digest, revision.id
    writer, total = FileRevisions(session, lookups), len(plan.writes)
    for count, (item, article) in enumerate(plan.writes, start=1):
        writer.add(item, article)
        if count % PROGRESS_EVERY == 0 or count == total:
            progress(_("Importing %(done)d/%(total)d files…", done=count, total=total))
    writer.flush()


class FileRevisions:
    """Saves files as revisions from source "file" through ``services.save_revision``, with
    lookups loaded once, flushing in batches: a flush per file would double the time of a
    large import on PostgreSQL. ``tests/kb/test_sync.py`` compares the rows with those of a
    save without lookups."""

    BATCH = 500

    def __init__(self, session: Session, lookups: Lookups) -> None:
        self.session, self.lookups = session, lookups
        self.pending: list[ArticleRevision] = []

    def add(self, item: FileArticle, article: Article | None = None) -> None:
        """A new revision of ``article`` (a new article when None); it goes live unless the
        file says draft."""
        data = item.data
        revision = save_revision(
            self.session,
            data,
            author=None,
            action="draft" if data.status == "draft" else "publish",
            source="file",
            article=article,
            now=utcnow(),
            lookups=self.lookups,
        )
        revision.article.file_hash = item.digest
        self.pending.append(revision)
        if len(self.pending) >= self.BATCH:
            self.flush()

    def flush(self) -> None:
        """Write what is pending; the revisions' ids then go into ``file_revision_id``."""
        self.session.flush()
        for revision in self.pending:
            revision.article.file_revision_id = revision.id
        self.pending.clear()
        self.session.flush()
