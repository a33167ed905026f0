"""Knowledge-base files to the database and back: ``flask lms sync`` and ``flask lms export``.

Files are how content ships and is reviewed in git; the database is the source of truth.
Sync reads and checks every file before it writes anything, and the caller rolls back when
it raises, so a run imports all files or none. A file is compared with what it last
imported by the hash of its canonical text (the text ``export`` writes), so a second run
changes nothing, and an article edited in the app since its last import is reported as a
conflict and left alone unless the caller asks to overwrite. Services flush, never commit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload
from yaml.constructor import SafeConstructor

from lms.auth.models import Department, User
from lms.errors import ServiceError
from lms.i18n import _, ngettext
from lms.kb import categories as category_service
from lms.kb.frontmatter import (
    Document,
    DocumentError,
    dump_document,
    parse_document,
    validate_article_meta,
)
from lms.kb.models import Article, ArticleRevision, ArticleTag, Category
from lms.kb.scripts import parse_script, validate_script
from lms.kb.services import RESERVED_SLUGS, SLUG_RE, ArticleData
from lms.models_base import utcnow
from lms.skills.models import Skill, SkillGroup
from lms.skills.services import load_catalogue

CATEGORIES_FILE = "categories.yml"
SKILLS_FILE = "skills.yml"
CATEGORY_KEYS = ("slug", "name", "name_en", "children")
PROGRESS_EVERY = 100

Progress = Callable[[str], None]


def _quiet(_message: str) -> None:
    """The default progress: say nothing."""


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
class FileArticle:
    """One article file, read and checked on its own: its name under the kb directory."""

    name: str
    data: ArticleData
    doc: Document
    digest: str


@dataclass
class CategoryEntry:
    """One node of ``categories.yml``; parents come before their children."""

    slug: str
    name: str
    name_en: str
    parent: str | None
    position: int


@dataclass
class Sources:
    """Everything read from the files, before anything is written."""

    articles: list[FileArticle] = field(default_factory=list)
    categories: list[CategoryEntry] = field(default_factory=list)
    skills: Any = None
    has_skills: bool = False
    skills_broken: bool = False


# The canonical text ------------------------------------------------------------------------


def normalise_body(body: str) -> str:
    """Unix line endings and exactly one final newline (none for an empty body)."""
    text = body.replace("\r\n", "\n").replace("\r", "\n").rstrip()
    return text + "\n" if text else ""


def article_text(data: ArticleData) -> str:
    """The file ``export`` writes for ``data``: every field a sync needs, defaults included,
    except ``status: published`` and an empty ``translation_of``."""
    meta: dict[str, Any] = {
        "title": data.title,
        "kind": data.kind,
        "tags": list(data.tags),
        "departments": list(data.departments),
        "skills": list(data.skills),
        "owner": data.owner,
        "review_every_days": data.review_every_days,
        "lang": data.lang,
        "status": None if data.status == "published" else data.status,
        "translation_of": data.translation_of,
    }
    return dump_document(meta, normalise_body(data.body))


def content_hash(data: ArticleData) -> str:
    """The sha256 of the category and the canonical text: equal hashes, same article."""
    return hashlib.sha256(f"{data.category}\n{article_text(data)}".encode()).hexdigest()


# Reading the files ---------------------------------------------------------------------------


def read_sources(
    kb_dir: Path,
    content_dir: Path | None,
    report: SyncReport,
    problems: list[str],
    progress: Progress,
) -> Sources:
    """Read and check skills.yml, categories.yml and every article file; touch no database."""
    sources = Sources()
    skills_path = content_dir / SKILLS_FILE if content_dir else None
    if skills_path and skills_path.is_file():
        count = len(problems)
        sources.has_skills = True
        sources.skills = _construct(_compose(skills_path, SKILLS_FILE, problems), problems)
        sources.skills_broken = len(problems) > count
    categories_path = kb_dir / CATEGORIES_FILE
    if categories_path.is_file():
        node = _compose(categories_path, CATEGORIES_FILE, problems)
        _walk_categories(node, None, sources.categories, problems, set())
    paths, skipped = article_paths(kb_dir)
    report.warnings += [_("%(file)s: not in a category folder; skipped.", file=n) for n in skipped]
    report.files = len(paths)
    seen: dict[str, str] = {}
    for number, path in enumerate(paths, start=1):
        try:
            item = read_article(path, kb_dir)
        except DocumentError as error:
            problems.append(error.message)
        else:
            problems += _script_problems(item, report) + _duplicate_problems(item, seen)
            sources.articles.append(item)
        if number % PROGRESS_EVERY == 0 or number == len(paths):
            progress(_("Reading %(done)d/%(total)d files…", done=number, total=len(paths)))
    return sources


def article_paths(kb_dir: Path) -> tuple[list[Path], list[str]]:
    """Every ``*.md`` in a category folder, and the names of those at the top (a README)."""
    paths, skipped = [], []
    for path in sorted(kb_dir.rglob("*.md")):
        parts = path.relative_to(kb_dir).parts
        if any(part.startswith(".") for part in parts):
            continue
        if len(parts) == 1:
            skipped.append(parts[0])
        else:
            paths.append(path)
    return paths, skipped


def read_article(path: Path, kb_dir: Path) -> FileArticle:
    """One article file: the folder is its category, the file name its slug."""
    name = path.relative_to(kb_dir).as_posix()
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise DocumentError(name, 1, None, _("the file is not UTF-8 text.")) from error
    except OSError as error:
        raise DocumentError(name, 1, None, error.strerror or str(error)) from error
    return read_text(text, name=name, category=path.parent.name, slug=path.stem)


def read_text(text: str, *, name: str, category: str, slug: str) -> FileArticle:
    """An article from its file text; raises ``DocumentError``."""
    doc = parse_document(text, filename=name)
    meta = validate_article_meta(doc)
    if not SLUG_RE.match(slug) or slug in RESERVED_SLUGS:
        problem = _(
            "the file name is the article's slug: lowercase Latin letters, digits and “-”, "
            "and not one of the reserved words."
        )
        raise DocumentError(name, 1, "slug", problem)
    data = ArticleData(slug=slug, body=normalise_body(doc.body), category=category, **asdict(meta))
    data.owner = data.owner.lower() if data.owner else None
    return FileArticle(name, data, doc, content_hash(data))


def _script_problems(item: FileArticle, report: SyncReport) -> list[str]:
    """Script errors (returned) and warnings (kept in the report), at their line in the file."""
    if item.data.kind != "script":
        return []
    check = validate_script(parse_script(item.data.body))
    report.warnings += [_problem_line(item, problem) for problem in check.warnings]
    return [_problem_line(item, problem) for problem in check.errors]


def _problem_line(item: FileArticle, problem: Any) -> str:
    line = item.doc.body_line + (problem.line or 1) - 1
    return DocumentError(item.name, line, "body", problem.message).message


def _duplicate_problems(item: FileArticle, seen: dict[str, str]) -> list[str]:
    first = seen.setdefault(item.data.slug, item.name)
    if first == item.name:
        return []
    problem = _("the slug “%(slug)s” is already used by %(file)s.", slug=item.data.slug, file=first)
    return [DocumentError(item.name, 1, "slug", problem).message]


def _compose(path: Path, name: str, problems: list[str]) -> yaml.Node | None:
    """The YAML node tree (its marks give line numbers), or None with a problem noted."""
    try:
        return yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except (OSError, UnicodeDecodeError) as error:
        problems.append(DocumentError(name, 1, None, str(error)).message)
    except yaml.MarkedYAMLError as error:
        problems.append(_yaml_problem(error, name))
    return None


def _yaml_problem(error: yaml.MarkedYAMLError, name: str) -> str:
    line = error.problem_mark.line + 1 if error.problem_mark else 1
    problem = _("this is not valid YAML (%(problem)s).", problem=error.problem or error.context)
    return DocumentError(name, line, None, problem).message


def _construct(node: yaml.Node | None, problems: list[str], name: str = SKILLS_FILE) -> Any:
    """The Python value of a YAML node, or None with a problem noted."""
    if node is None:
        return None
    try:
        return SafeConstructor().construct_document(node)
    except yaml.MarkedYAMLError as error:
        problems.append(_yaml_problem(error, name))
        return None


def _walk_categories(
    node: yaml.Node | None,
    parent: str | None,
    entries: list[CategoryEntry],
    problems: list[str],
    seen: set[str],
) -> None:
    """The entries of a ``- slug: …`` list, depth first so that parents come first."""
    if node is None:
        return
    if not isinstance(node, yaml.SequenceNode):
        problem = _("expected a list of categories (“- slug: …”).")
        problems.append(
            DocumentError(CATEGORIES_FILE, node.start_mark.line + 1, None, problem).message
        )
        return
    for position, item in enumerate(node.value):
        entry, children = _category_entry(item, parent, position, problems)
        if entry is None:
            continue
        if entry.slug in seen:
            problem = _("the slug “%(slug)s” is used twice.", slug=entry.slug)
            problems.append(_category_error(item, "slug", problem))
            continue
        seen.add(entry.slug)
        entries.append(entry)
        _walk_categories(children, entry.slug, entries, problems, seen)


def _category_entry(
    node: yaml.Node, parent: str | None, position: int, problems: list[str]
) -> tuple[CategoryEntry | None, yaml.Node | None]:
    if not isinstance(node, yaml.MappingNode):
        problems.append(_category_error(node, None, _("each category must be “slug: …, name: …”.")))
        return None, None
    fields = {key.value: value for key, value in node.value}
    values = {key: _construct(value, problems, CATEGORIES_FILE) for key, value in fields.items()}
    unknown = [key for key in fields if key not in CATEGORY_KEYS]
    if unknown:
        problem = _(
            "unknown field “%(key)s”; expected one of %(expected)s.",
            key=unknown[0],
            expected=", ".join(CATEGORY_KEYS),
        )
        problems.append(_category_error(fields[unknown[0]], str(unknown[0]), problem))
        return None, None
    slug, name = values.get("slug"), values.get("name")
    if not isinstance(slug, str) or not category_service.SLUG_RE.match(slug):
        problem = _("the slug must be lowercase Latin letters, digits and “-”.")
        problems.append(_category_error(fields.get("slug", node), "slug", problem))
        return None, None
    if not isinstance(name, str) or not name.strip():
        problems.append(
            _category_error(fields.get("name", node), "name", _("the name is missing."))
        )
        return None, None
    name_en = values.get("name_en") or ""
    entry = CategoryEntry(slug, name, str(name_en), parent, position)
    return entry, fields.get("children")


def _category_error(node: yaml.Node, key: str | None, problem: str) -> str:
    return DocumentError(CATEGORIES_FILE, node.start_mark.line + 1, key, problem).message


# Writing: skills and categories --------------------------------------------------------------


def _sync_skills(
    session: Session, sources: Sources, report: SyncReport, problems: list[str]
) -> bool:
    """Load skills.yml if there is one; False when it is there but cannot be loaded."""
    if not sources.has_skills:
        return True
    if sources.skills_broken:
        return False
    before = _skill_states(session)
    try:
        load_catalogue(session, sources.skills, filename=SKILLS_FILE)
    except ServiceError as error:
        problems.append(error.message)
        return False
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


# Checking references -------------------------------------------------------------------------


@dataclass(frozen=True)
class KnownArticle:
    """What sync needs to know of an article already in the database."""

    id: int
    file_hash: str | None
    file_revision_id: int | None
    last_editor_revision_id: int | None

    @property
    def edited_in_app(self) -> bool:
        """A revision made in the app after the last import (or never imported at all)."""
        last = self.last_editor_revision_id
        return last is not None and last > (self.file_revision_id or 0)


@dataclass
class Lookups:
    """The codes, e-mails and slugs files may name, loaded once rather than per file."""

    categories: set[str]
    departments: set[str]
    skills: set[str] | None  # None: skills.yml is broken, so skills are not checked
    users: set[str]
    articles: dict[str, KnownArticle]

    @classmethod
    def load(cls, session: Session) -> Lookups:
        edited = dict(
            session.execute(
                select(ArticleRevision.article_id, func.max(ArticleRevision.id))
                .where(ArticleRevision.source == "editor")
                .group_by(ArticleRevision.article_id)
            ).all()
        )
        rows = session.execute(
            select(Article.slug, Article.id, Article.file_hash, Article.file_revision_id)
        )
        return cls(
            categories=set(session.scalars(select(Category.slug))),
            departments=set(session.scalars(select(Department.code))),
            skills=set(session.scalars(select(Skill.code))),
            users={email.lower() for email in session.scalars(select(User.email))},
            articles={
                slug: KnownArticle(id_, digest, file_rev, edited.get(id_))
                for slug, id_, digest, file_rev in rows
            },
        )


def _reference_problems(item: FileArticle, known: Lookups, file_slugs: set[str]) -> list[str]:
    """Everything the file names that exists neither in the database nor in the files."""
    data, doc = item.data, item.doc
    problems = []
    if data.category not in known.categories:
        problem = _(
            "unknown category “%(slug)s”: add it to categories.yml or move the file.",
            slug=data.category,
        )
        problems.append(DocumentError(item.name, 1, "category", problem).message)
    problems += [
        doc.error("departments", _("unknown department “%(code)s”.", code=code)).message
        for code in data.departments
        if code not in known.departments
    ]
    problems += [
        doc.error("skills", _("unknown skill “%(code)s”.", code=code)).message
        for code in data.skills
        if known.skills is not None and code not in known.skills
    ]
    if data.owner and data.owner not in known.users:
        problem = _("no user has the e-mail %(email)s.", email=data.owner)
        problems.append(doc.error("owner", problem).message)
    target = data.translation_of
    if target and target not in known.articles and target not in file_slugs:
        problem = _("there is no article “%(slug)s”.", slug=target)
        problems.append(doc.error("translation_of", problem).message)
    return problems


# Writing: articles ---------------------------------------------------------------------------


def sync_kb(
    session: Session,
    kb_dir: Path,
    content_dir: Path | None = None,
    *,
    overwrite: bool = False,
    progress: Progress = _quiet,
) -> SyncReport:
    """Import skills.yml, categories.yml and every article file, or raise ``SyncError``.

    Everything is read and checked first; on ``SyncError`` the caller must roll back (the
    skills and categories may already be flushed). Unchanged files do nothing; a changed
    file becomes a new revision from source "file", unless the article was edited in the
    app since its last import (a conflict, left alone unless ``overwrite``).
    """
    report, problems = SyncReport(), []
    sources = read_sources(kb_dir, content_dir, report, problems, progress)
    skills_ok = _sync_skills(session, sources, report, problems)
    _sync_categories(session, sources.categories, report, problems)
    known = Lookups.load(session)
    if not skills_ok:  # its error is reported; do not bury it under every file naming a skill
        known.skills = None
    file_slugs = {item.data.slug for item in sources.articles}
    for item in sources.articles:
        problems += _reference_problems(item, known, file_slugs)
    if problems:
        raise SyncError(problems)
    _write_articles(session, sources.articles, known, report, overwrite, progress)
    return report


def _write_articles(
    session: Session,
    items: list[FileArticle],
    known: Lookups,
    report: SyncReport,
    overwrite: bool,
    progress: Progress,
) -> None:
    ordered = _targets_first(items)
    changed, numbers = _load_changed(session, items, known)
    writer = FileRevisions(session, numbers)
    for count, item in enumerate(ordered, start=1):
        existing = known.articles.get(item.data.slug)
        if existing is None:
            writer.add(item)
            report.created.append(item.name)
        elif existing.file_hash == item.digest:
            report.unchanged += 1
        else:
            _write_changed(session, writer, item, changed[existing.id], existing, report, overwrite)
        if count % PROGRESS_EVERY == 0 or count == len(ordered):
            progress(_("Importing %(done)d/%(total)d files…", done=count, total=len(ordered)))
    writer.flush()


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


def _load_changed(
    session: Session, items: list[FileArticle], known: Lookups
) -> tuple[dict[int, Article], dict[int, int]]:
    """The articles whose files changed, with what a new revision replaces, and their last
    revision numbers: a few queries for all of them rather than several per article."""
    ids = [
        existing.id
        for item in items
        if (existing := known.articles.get(item.data.slug)) and existing.file_hash != item.digest
    ]
    articles: dict[int, Article] = {}
    numbers: dict[int, int] = {}
    for start in range(0, len(ids), FileRevisions.BATCH):
        chunk = ids[start : start + FileRevisions.BATCH]
        query = (
            select(Article)
            .where(Article.id.in_(chunk))
            .options(
                selectinload(Article.live_revision),
                selectinload(Article.category),
                selectinload(Article.owner),
                selectinload(Article.translation_of),
                selectinload(Article.tag_rows),
                selectinload(Article.departments),
                selectinload(Article.skills),
            )
        )
        articles.update((article.id, article) for article in session.scalars(query))
        numbers.update(
            session.execute(
                select(ArticleRevision.article_id, func.max(ArticleRevision.number))
                .where(ArticleRevision.article_id.in_(chunk))
                .group_by(ArticleRevision.article_id)
            ).all()
        )
    return articles, numbers


def _write_changed(
    session: Session,
    writer: FileRevisions,
    item: FileArticle,
    article: Article,
    known: KnownArticle,
    report: SyncReport,
    overwrite: bool,
) -> None:
    """A changed file of an article the database has: a new revision, or a conflict."""
    if known.edited_in_app:
        current = article.live_revision or _latest_revision(session, article)
        if current is not None and _database_digest(article, current) == item.digest:
            # Already what the file says (exported after the edit, say): count it imported.
            article.file_hash, article.file_revision_id = item.digest, current.id
            report.unchanged += 1
            return
        if not overwrite:
            report.conflicts.append(item.name)
            return
    writer.add(item, article)
    report.updated.append(item.name)


class FileRevisions:
    """Writes a revision from source "file" per file, with the rows ``save_revision`` writes.

    A new file makes an article; the revision goes live unless the file says draft. Through
    the service every file costs a dozen queries and three flushes (5,000 new files took 73 s,
    5,000 changed ones 81 s); here the lookups are loaded once and rows are flushed in
    batches. ``tests/kb/test_sync.py`` compares the rows with the service's.
    """

    BATCH = 500

    def __init__(self, session: Session, numbers: dict[int, int]) -> None:
        self.session = session
        self.numbers = numbers  # article id -> its last revision number
        self.categories = {c.slug: c for c in session.scalars(select(Category))}
        self.departments = {d.code: d for d in session.scalars(select(Department))}
        self.skills = {s.code: s for s in session.scalars(select(Skill))}
        self.users: dict[str, User | None] = {}
        self.articles: dict[str, Article | None] = {}
        self.pending: list[tuple[Article, ArticleRevision]] = []

    def add(self, item: FileArticle, article: Article | None = None) -> None:
        """A new revision of ``article`` (a new article when None) from the file."""
        data, now = item.data, utcnow()
        if article is None:
            article = Article(
                slug=data.slug,
                title=data.title.strip(),
                kind=data.kind,
                category=self.categories[data.category],
                status="draft",
                lang=data.lang,
            )
        revision = ArticleRevision(
            article=article,
            number=self.numbers.get(article.id, 0) + 1 if article.id else 1,
            title=data.title.strip(),
            body=data.body,
            meta=data.meta(),
            state="draft",
            source="file",
            comment="",
            created_at=now,
        )
        if data.status != "draft":
            self._go_live(article, revision, data, now)
        article.file_hash = item.digest
        self.session.add_all((article, revision))
        self.articles[data.slug] = article
        self.pending.append((article, revision))
        if len(self.pending) >= self.BATCH:
            self.flush()

    def flush(self) -> None:
        """Write what is pending; the revisions' ids then go into ``file_revision_id``."""
        self.session.flush()
        for article, revision in self.pending:
            article.file_revision_id = revision.id
        self.pending.clear()
        self.session.flush()

    def _go_live(
        self, article: Article, revision: ArticleRevision, data: ArticleData, now: datetime
    ) -> None:
        """What ``services.go_live`` does, with the lookups at hand."""
        article.live_revision = revision
        article.title, article.kind, article.lang = revision.title, data.kind, data.lang
        article.category = self.categories[data.category]
        article.status = data.status if data.status in ("published", "archived") else "published"
        article.review_every_days = data.review_every_days
        article.owner = self._user(data.owner)
        article.translation_of = self._article(data.translation_of)
        article.tag_rows = [ArticleTag(tag=tag) for tag in sorted(set(data.tags))]
        article.departments = [self.departments[code] for code in data.departments]
        article.for_everyone = not article.departments
        article.skills = [self.skills[code] for code in data.skills]
        article.updated_at = now
        article.schedule_review()
        revision.state = "published"

    def _user(self, email: str | None) -> User | None:
        if not email:
            return None
        if email not in self.users:
            self.users[email] = self.session.scalar(select(User).where(User.email == email))
        return self.users[email]

    def _article(self, slug: str | None) -> Article | None:
        if not slug:
            return None
        if slug not in self.articles:
            self.articles[slug] = self.session.scalar(select(Article).where(Article.slug == slug))
        return self.articles[slug]


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


# Export ------------------------------------------------------------------------------------


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
    session: Session, kb_dir: Path, content_dir: Path | None = None, *, progress: Progress = _quiet
) -> ExportReport:
    """Write categories.yml, one file per article and (with ``content_dir``) skills.yml.

    Files whose text would not change are left untouched; files of articles the database
    does not have are left too, and listed in the report.
    """
    report = ExportReport()
    tree, report.categories = _category_tree(session)
    _write(kb_dir / CATEGORIES_FILE, _dump_yaml(tree), report)
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
    paths, _skipped = article_paths(kb_dir)
    report.stale = [p.relative_to(kb_dir).as_posix() for p in paths]
    report.stale = [name for name in report.stale if name not in names]
    if content_dir is not None:
        catalogue, report.skills = _skills_catalogue(session)
        _write(content_dir / SKILLS_FILE, _dump_yaml(catalogue), report)
    return report


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
    groups = session.scalars(
        select(SkillGroup)
        .options(selectinload(SkillGroup.skills))
        .order_by(SkillGroup.position, SkillGroup.id)
    ).all()
    catalogue = {
        "groups": [
            {
                "code": group.code,
                "name": _FlowMap(ru=group.name_ru, en=group.name_en),
                "skills": [
                    {"code": skill.code, "name": _FlowMap(ru=skill.name_ru, en=skill.name_en)}
                    for skill in group.skills
                ],
            }
            for group in groups
        ]
    }
    return catalogue, sum(len(group.skills) for group in groups)


class _FlowMap(dict[str, Any]):
    """A mapping written on one line: ``name: {ru: …, en: …}``."""


class _Dumper(yaml.SafeDumper):
    """Block style, lists indented under their key, as the shipped files are written."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


_Dumper.add_representer(
    _FlowMap,
    lambda dumper, value: dumper.represent_mapping("tag:yaml.org,2002:map", value, flow_style=True),
)


def _dump_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=10_000)
