"""Knowledge-base files, read and checked: the half of ``flask lms sync`` that touches no rows.

Every file is parsed and checked before anything is written, and problems are collected
rather than raised, so that one run reports them all, each at its file and line. The
canonical text of an article is the file ``export`` writes for it; its hash is how sync
tells a changed file from one it has already imported.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from lms.i18n import _
from lms.kb import categories as category_service
from lms.kb.frontmatter import (
    Document,
    DocumentError,
    dump_document,
    parse_document,
    validate_article_meta,
)
from lms.kb.scripts import parse_script, validate_script
from lms.kb.services import RESERVED_SLUGS, SLUG_RE, ArticleData, Lookups
from lms.yamlfile import YamlProblem, read_yaml

CATEGORIES_FILE = "categories.yml"
SKILLS_FILE = "skills.yml"
CATEGORY_KEYS = ("slug", "name", "name_en", "children")
PROGRESS_EVERY = 100

Progress = Callable[[str], None]


def quiet(_message: str) -> None:
    """The default progress: say nothing."""


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
    """Everything read from the files, before anything is written, and what was wrong."""

    articles: list[FileArticle] = field(default_factory=list)
    categories: list[CategoryEntry] = field(default_factory=list)
    skills: Any = None
    has_skills: bool = False
    skills_broken: bool = False
    files: int = 0
    warnings: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


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


def read_sources(kb_dir: Path, content_dir: Path | None, progress: Progress = quiet) -> Sources:
    """Read and check skills.yml, categories.yml and every article file; touch no database."""
    sources = Sources()
    if content_dir is not None and (content_dir / SKILLS_FILE).is_file():
        _read_skills(content_dir / SKILLS_FILE, sources)
    categories_path = kb_dir / CATEGORIES_FILE
    if categories_path.is_file():
        node = _compose(categories_path, CATEGORIES_FILE, sources.problems)
        _walk_categories(node, None, sources.categories, sources.problems, set())
    _read_articles(kb_dir, sources, progress)
    return sources


def _read_skills(path: Path, sources: Sources) -> None:
    count = len(sources.problems)
    sources.has_skills = True
    try:
        sources.skills = read_yaml(path)  # mappings know their lines, for the problems
    except YamlProblem as error:
        sources.problems.append(DocumentError(SKILLS_FILE, error.line, None, error.problem).message)
    sources.skills_broken = len(sources.problems) > count


def _read_articles(kb_dir: Path, sources: Sources, progress: Progress) -> None:
    """Every article file, each checked on its own and against the others' slugs."""
    paths, skipped = article_paths(kb_dir)
    sources.warnings += [_("%(file)s: not in a category folder; skipped.", file=n) for n in skipped]
    sources.files = len(paths)
    seen: dict[str, str] = {}
    for number, path in enumerate(paths, start=1):
        try:
            item = read_article(path, kb_dir)
        except DocumentError as error:
            sources.problems.append(error.message)
        else:
            sources.problems += _script_problems(item, sources.warnings)
            sources.problems += _duplicate_problems(item, seen)
            sources.articles.append(item)
        if number % PROGRESS_EVERY == 0 or number == len(paths):
            progress(_("Reading %(done)d/%(total)d files…", done=number, total=len(paths)))


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


def _script_problems(item: FileArticle, warnings: list[str]) -> list[str]:
    """Script errors (returned) and warnings (added to ``warnings``), at their line in the file."""
    if item.data.kind != "script":
        return []
    check = validate_script(parse_script(item.data.body))
    warnings += [_problem_line(item, problem) for problem in check.warnings]
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


# Checking references -------------------------------------------------------------------------


def reference_problems(
    item: FileArticle, known: Lookups, file_slugs: set[str], *, check_skills: bool = True
) -> list[str]:
    """Everything the file names that exists neither in the database nor in the files.

    ``check_skills`` is False when skills.yml is broken: its error is reported, and is not
    to be buried under one for every file that names a skill.
    """
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
        if check_skills and code not in known.skills
    ]
    if data.owner and data.owner not in known.users:
        problem = _("no user has the e-mail %(email)s.", email=data.owner)
        problems.append(doc.error("owner", problem).message)
    target = data.translation_of
    if target and target not in known.articles and target not in file_slugs:
        problem = _("there is no article “%(slug)s”.", slug=target)
        problems.append(doc.error("translation_of", problem).message)
    return problems
