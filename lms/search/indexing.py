"""Keeping the search index in step with the database.

Every commit that touches articles updates their documents right after it; a failed
index write marks the index stale (shown on /healthz) until ``flask lms reindex``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session, selectinload

from lms.courses.models import Course, Lesson
from lms.extensions import db
from lms.kb.models import Article, ArticleRevision
from lms.search import index
from lms.search.documents import lesson_document, lesson_slug

PENDING = "lms_search_pending"
PENDING_LESSONS = "lms_search_pending_lessons"


def indexed_articles(session: Session, ids: Iterable[int] | None = None) -> Iterator[Article]:
    """Articles with what their documents need loaded, in batches."""
    query = select(Article).options(
        selectinload(Article.live_revision),
        selectinload(Article.category),
        selectinload(Article.tag_rows),
        selectinload(Article.departments),
    )
    if ids is not None:
        query = query.where(Article.id.in_(list(ids)))
    yield from session.scalars(query.order_by(Article.id).execution_options(yield_per=500))


def update_articles(index_dir: str, session: Session, ids: Iterable[int]) -> None:
    """Write the current state of these articles to the index (or drop unpublished ones)."""
    upserts, deletes = [], []
    for article in indexed_articles(session, ids):
        document = index.document_for(article)
        if document is None:
            deletes.append(article.slug)
        else:
            upserts.append(document)
    if upserts or deletes:
        index.write_documents(index_dir, upserts, deletes)


def indexed_lessons(session: Session, ids: Iterable[int] | None = None) -> Iterator[Lesson]:
    query = select(Lesson).options(selectinload(Lesson.course))
    if ids is not None:
        query = query.where(Lesson.id.in_(list(ids)))
    yield from session.scalars(query.order_by(Lesson.id).execution_options(yield_per=500))


def lesson_documents(session: Session) -> Iterator[dict[str, Any]]:
    for lesson in indexed_lessons(session):
        document = lesson_document(lesson)
        if document is not None:
            yield document


def update_lessons(index_dir: str, session: Session, ids: Iterable[int]) -> None:
    """Write these lessons to the index (or drop those no longer offered)."""
    upserts, deletes = [], []
    for lesson in indexed_lessons(session, ids):
        document = lesson_document(lesson)
        if document is None:
            deletes.append(lesson_slug(lesson.course.slug, lesson.slug))
        else:
            upserts.append(document)
    if upserts or deletes:
        index.write_documents(index_dir, upserts, deletes)


def rebuild_index(
    index_dir: str, session: Session, progress: Callable[[int], Any] | None = None
) -> int:
    """Build the whole index afresh from the database (articles, then course lessons);
    returns the number of documents."""
    total = session.scalar(select(db.func.count(Article.id))) or 0
    documents = itertools.chain(indexed_articles(session), lesson_documents(session))
    count = index.rebuild(index_dir, documents, progress=progress)
    index.clear_stale(index_dir)
    return count if isinstance(count, int) else total


def init_app(app: Flask) -> None:
    """Index articles after each commit that changed them (``LMS_SEARCH_AUTOINDEX``).

    The listeners are process-wide and read the setting of the app at hand each time.
    """
    if getattr(init_app, "_listening", False):
        return
    event.listen(Session, "after_flush", _collect)
    event.listen(Session, "after_commit", _apply)
    event.listen(Session, "after_soft_rollback", _forget)
    init_app._listening = True  # type: ignore[attr-defined]


def _collect(session: Session, _context: Any) -> None:
    pending: set[int] = session.info.setdefault(PENDING, set())
    lessons: set[int] = session.info.setdefault(PENDING_LESSONS, set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Article) and obj.id is not None:
            pending.add(obj.id)
        elif isinstance(obj, ArticleRevision) and obj.article_id is not None:
            pending.add(obj.article_id)
        elif isinstance(obj, Lesson) and obj.id is not None:
            lessons.add(obj.id)
        elif isinstance(obj, Course) and obj.id is not None and obj in session.dirty:
            lessons.update(lesson.id for lesson in obj.lessons if lesson.id is not None)


def _forget(session: Session, _previous: Any) -> None:
    session.info.pop(PENDING, None)
    session.info.pop(PENDING_LESSONS, None)


def _apply(session: Session) -> None:
    if session.in_nested_transaction():
        # A SAVEPOINT released: the outer transaction still holds the change (and, on
        # SQLite, the write lock); its own commit indexes what is pending.
        return
    ids = session.info.pop(PENDING, None)
    lessons = session.info.pop(PENDING_LESSONS, None)
    if not (ids or lessons) or not has_app_context():
        return
    if not current_app.config.get("LMS_SEARCH_AUTOINDEX", True):
        return
    index_dir = current_app.config["LMS_INDEX_DIR"]
    try:
        with Session(db.engine) as fresh:
            if ids:
                update_articles(index_dir, fresh, ids)
            if lessons:
                update_lessons(index_dir, fresh, lessons)
    except Exception as error:  # the database change stands; the index catches up later
        current_app.logger.exception("search index update failed")
        count = len(ids or ()) + len(lessons or ())
        index.mark_stale(index_dir, f"update of {count} documents failed: {error}")
