"""What the index holds: its schema (and version) and the document of an article."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema

from lms.search.analyzer import CONTENT_ANALYZER, WORD_ANALYZER, spelling_words

EVERYONE = "*"
# Raise when the schema or the analysis changes: an index built by an older version is
# reported stale (``flask lms reindex`` rebuilds it) and keeps serving until then.
# 2: one-pass ContentAnalyzer, no word cache pickled into the schema, spelling words
#    given once per rebuild.
SCHEMA_VERSION = 2


def make_schema() -> Schema:
    """One combined searchable field (``content``) and the stored values a hit shows.

    ``content`` is the body first, then the title twice and the tags, with character
    positions stored: the offsets of body words are then offsets into the stored
    ``body``, so highlighting needs no re-analysis. ``spelling`` holds the unstemmed
    words, the vocabulary "did you mean" suggests from.
    """
    return Schema(
        slug=ID(stored=True, unique=True),
        title=STORED(),
        body=STORED(),
        content=TEXT(analyzer=CONTENT_ANALYZER, phrase=True, chars=True),
        spelling=TEXT(analyzer=WORD_ANALYZER, phrase=False),
        kind=ID(stored=True),
        category=ID(stored=True),
        tags=KEYWORD(stored=True, commas=True, lowercase=True),
        departments=KEYWORD(stored=True, commas=True),
        status=ID(stored=True),
        lang=ID(stored=True),
    )


SCHEMA = make_schema()


def make_document(
    *,
    slug: str,
    title: str,
    body: str,
    kind: str = "article",
    category: str = "",
    tags: Iterable[str] = (),
    departments: Iterable[str] = (),
    status: str = "published",
    lang: str = "ru",
) -> dict[str, Any]:
    """An index document from plain values; no departments means everyone.

    ``spelling`` is the list of the document's distinct words (already analysed).
    """
    tags, departments = list(tags), list(departments) or [EVERYONE]
    content = "\n".join([body, title, title, " ".join(tags)])
    return {
        "slug": slug,
        "title": title,
        "body": body,
        "content": content,
        "spelling": spelling_words(content),
        "kind": kind,
        "category": category,
        "tags": ",".join(tags),
        "departments": ",".join(departments),
        "status": status,
        "lang": lang,
    }


def document_for(article: Any) -> dict[str, Any] | None:
    """The document for an article's live revision; None when it must not be in the index."""
    from lms.kb.markdown import plain_text

    revision = article.live_revision
    if article.status != "published" or revision is None:
        return None
    departments = [] if article.for_everyone else [d.code for d in article.departments]
    return make_document(
        slug=article.slug,
        title=article.title,
        body=plain_text(revision.body),
        kind=article.kind,
        category=article.category.slug if article.category else "",
        tags=article.tags,
        departments=departments,
        status=article.status,
        lang=article.lang,
    )


def lesson_slug(course_slug: str, lesson_slug: str) -> str:
    """A lesson's key in the index: "course/lesson" (article slugs never hold a "/")."""
    return f"{course_slug}/{lesson_slug}"


def lesson_document(lesson: Any) -> dict[str, Any] | None:
    """The document of a course lesson (everyone may read courses); None when the lesson
    or its course is no longer offered."""
    from lms.kb.markdown import plain_text

    course = lesson.course
    if not lesson.is_active or not course.is_active:
        return None
    return make_document(
        slug=lesson_slug(course.slug, lesson.slug),
        title=lesson.title,
        body=plain_text(lesson.body) + "\n" + course.title,
        kind="lesson",
        category="",
        tags=[],
        lang=course.language,
    )


def new_words(document: dict[str, Any], seen: set[str]) -> dict[str, Any]:
    """``document`` with only the spelling words not in ``seen`` (which it then joins).

    A rebuild gives each word of the vocabulary to the first document that has it: the
    vocabulary is the same, at a posting per word instead of one per word and document.
    """
    words = document.get("spelling") or []
    if isinstance(words, str):
        words = spelling_words(words)
    fresh = set(words) - seen
    seen |= fresh
    return {**document, "spelling": list(fresh)}
