"""The Whoosh index on disk: safe writes, rebuilds, staleness, cached searchers.

Writers in several processes share one directory: every write takes the index lock with
a timeout and retries on ``LockError`` (``AsyncWriter`` loses updates, so it is never
used). A rebuild writes a fresh index next to the live one and swaps a symlink, so a
reader sees either the old index or the new one, never half of one.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage
from whoosh.index import Index, LockError
from whoosh.searching import Searcher

from lms.search.documents import SCHEMA, SCHEMA_VERSION, document_for, new_words
from lms.search.storage import create_index, open_index

log = logging.getLogger(__name__)

STALE_FILE = "STALE"
VERSION_FILE = "SCHEMA_VERSION"
# Processes building a fresh index: indexing is CPU-bound Python, one segment each.
REBUILD_PROCS = 2
# Postings (by Whoosh's estimate) each building process sorts in memory. Past it, all of
# them go through sorted runs on disk, which cost a third more time; 1536 holds the
# ~7 million postings of 25,000 generated articles (about 1.2 GB of real memory). A small
# machine sets LMS_REINDEX_MEMORY_MB lower: the rebuild then spills to disk, slower.
REBUILD_POOL_MB = int(os.environ.get("LMS_REINDEX_MEMORY_MB", "1536"))
WRITE_TIMEOUT = 10.0
WRITE_DELAY = 0.05
WRITE_ATTEMPTS = 5


def open_or_create(index_dir: str) -> Index:
    """Open the index at ``index_dir``, creating it when missing.

    A new index is a hidden sibling directory with ``index_dir`` a symlink to it, so
    rebuilds can swap it atomically; of processes creating it at once, the first link wins.
    """
    if whoosh_index.exists_in(index_dir):
        return open_index(index_dir)
    if not os.path.lexists(index_dir):
        _create_linked(index_dir)
    elif os.path.isdir(index_dir):
        _create_in_place(index_dir)
    return open_index(index_dir)


def _create_linked(index_dir: str) -> None:
    parent, name = os.path.split(os.path.abspath(index_dir))
    os.makedirs(parent, exist_ok=True)
    build_dir = tempfile.mkdtemp(prefix=f".{name}-", dir=parent)
    _create(build_dir)
    try:
        os.symlink(os.path.basename(build_dir), index_dir)
    except FileExistsError:
        shutil.rmtree(build_dir, ignore_errors=True)


def _create_in_place(index_dir: str) -> None:
    """An existing real directory (made by hand or by deployment): create inside it."""
    lock = FileStorage(index_dir).lock("_CREATE")
    lock.acquire(blocking=True)
    try:
        if not whoosh_index.exists_in(index_dir):
            _create(index_dir)
    finally:
        lock.release()


def _create(index_dir: str) -> Index:
    """A new empty index with the current schema, marked with its version."""
    ix = create_index(index_dir, SCHEMA)
    with open(os.path.join(index_dir, VERSION_FILE), "w", encoding="utf-8") as marker:
        marker.write(f"{SCHEMA_VERSION}\n")
    return ix


def write_documents(index_dir: str, upserts: list[dict[str, Any]], deletes: list[str]) -> None:
    """Add or replace ``upserts`` and remove the ``deletes`` slugs in one commit.

    Waits for the index lock and retries; raises ``LockError`` if it never gets it. If a
    rebuild swapped the index in the meantime, the change is applied to the new one too.
    """
    if not upserts and not deletes:
        return
    _retrying(open_or_create, index_dir)
    real_dir = os.path.realpath(index_dir)
    _write(_retrying(whoosh_index.open_dir, real_dir), upserts, deletes)
    if os.path.realpath(index_dir) != real_dir:
        _write(_retrying(whoosh_index.open_dir, index_dir), upserts, deletes)


OPEN_ATTEMPTS = 10


def _retrying(opener: Callable[[str], Index], path: str) -> Index:
    """Open an index while other processes commit to it.

    A commit by another process deletes the table of contents this one has just listed,
    so opening can fail with a missing file for a moment; it succeeds on a retry.
    """
    for attempt in range(1, OPEN_ATTEMPTS + 1):
        try:
            return opener(path)
        except (OSError, whoosh_index.EmptyIndexError):
            if attempt == OPEN_ATTEMPTS:
                raise
            log.warning("search index changed while opening, retrying (%s)", attempt)
            time.sleep(WRITE_DELAY * attempt)
    raise AssertionError("unreachable")


def _write(ix: Index, upserts: list[dict[str, Any]], deletes: list[str]) -> None:
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        try:
            writer = ix.writer(timeout=WRITE_TIMEOUT, delay=WRITE_DELAY, compound=False)
        except LockError:
            if attempt == WRITE_ATTEMPTS:
                raise
            log.warning("search index locked, retrying (%s/%s)", attempt, WRITE_ATTEMPTS)
            time.sleep(WRITE_DELAY * attempt)
            continue
        _apply(writer, upserts, deletes)
        return


def _apply(writer: Any, upserts: list[dict[str, Any]], deletes: list[str]) -> None:
    try:
        for slug in deletes:
            writer.delete_by_term("slug", slug)
        for document in upserts:
            writer.update_document(**document)
    except BaseException:
        writer.cancel()
        raise
    writer.commit()


def rebuild(
    index_dir: str,
    articles: Iterable[Any],
    *,
    progress: Callable[[int], None] | None = None,
    procs: int | None = None,
) -> int:
    """Build a fresh index from ``articles`` (Articles or documents) and swap it in.

    ``procs`` processes analyse the documents (``REBUILD_PROCS`` by default, one segment
    each). Returns how many documents it holds. The new index starts without a stale
    marker.
    """
    index_dir = os.path.abspath(index_dir)
    parent, name = os.path.split(index_dir)
    os.makedirs(parent, exist_ok=True)
    build_dir = tempfile.mkdtemp(prefix=f".{name}-", dir=parent)
    procs = procs or min(REBUILD_PROCS, os.cpu_count() or 1)
    try:
        count = _build(build_dir, articles, progress, procs)
        _swap_in(index_dir, build_dir)
    except BaseException:
        shutil.rmtree(build_dir, ignore_errors=True)
        raise
    return count


def _build(
    build_dir: str, articles: Iterable[Any], progress: Callable[[int], None] | None, procs: int
) -> int:
    ix = _create(build_dir)
    options = {"procs": procs, "multisegment": True} if procs > 1 else {}
    writer = ix.writer(limitmb=REBUILD_POOL_MB, compound=False, **options)
    count, seen = 0, set()
    try:
        for item in articles:
            document = item if isinstance(item, dict) else document_for(item)
            if document is None:
                continue
            writer.add_document(**new_words(document, seen))
            count += 1
            if progress:
                progress(count)
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    # A worker process that died leaves its segment out without an error: never swap
    # in an index that lost documents.
    if ix.doc_count() != count:
        raise RuntimeError(f"search index build kept {ix.doc_count()} of {count} documents")
    return count


def _swap_in(index_dir: str, build_dir: str) -> None:
    """Point ``index_dir`` (a symlink) at ``build_dir`` atomically.

    The index it replaces stays until the next rebuild, so a reader that had just resolved
    the link can still open it. A real directory (made by hand) is moved aside first: the
    only moment a reader could find no index.
    """
    parent = os.path.dirname(index_dir)
    target = os.path.basename(build_dir)
    if os.path.islink(index_dir):
        previous = os.path.realpath(index_dir)
        link = os.path.join(parent, f".link-{uuid.uuid4().hex}")
        os.symlink(target, link)
        os.replace(link, index_dir)
        _remove_old_builds(index_dir, keep={previous, os.path.realpath(build_dir)})
    elif os.path.isdir(index_dir):
        old = tempfile.mkdtemp(prefix=".old-", dir=parent)
        os.rename(index_dir, os.path.join(old, "index"))
        os.symlink(target, index_dir)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.symlink(target, index_dir)


def _remove_old_builds(index_dir: str, keep: set[str]) -> None:
    parent, name = os.path.split(index_dir)
    for entry in os.scandir(parent):
        path = os.path.realpath(entry.path)
        if entry.name.startswith(f".{name}-") and entry.is_dir() and path not in keep:
            shutil.rmtree(path, ignore_errors=True)


def mark_stale(index_dir: str, reason: str) -> None:
    """Record that the index missed an update; ``flask lms reindex`` repairs it."""
    os.makedirs(index_dir, exist_ok=True)
    with open(os.path.join(index_dir, STALE_FILE), "a", encoding="utf-8") as marker:
        marker.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {reason}\n")


def is_stale(index_dir: str) -> bool:
    """Whether the index missed an update or was built by an older schema version."""
    if os.path.exists(os.path.join(index_dir, STALE_FILE)):
        return True
    return is_outdated(index_dir)


def is_outdated(index_dir: str) -> bool:
    """An index built before the current ``SCHEMA_VERSION``: it works, but needs a rebuild."""
    try:
        with open(os.path.join(index_dir, VERSION_FILE), encoding="utf-8") as marker:
            return marker.read().strip() != str(SCHEMA_VERSION)
    except FileNotFoundError:
        pass
    if not whoosh_index.exists_in(index_dir):
        return False
    # No marker: ours if it has our fields (built before versions were recorded).
    try:
        return "spelling" in open_index(index_dir).schema
    except Exception:  # an index this code cannot even open needs rebuilding
        log.exception("search index at %s is unreadable", index_dir)
        return True


def clear_stale(index_dir: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.remove(os.path.join(index_dir, STALE_FILE))


def index_state(index_dir: str) -> str:
    """For the health check: "missing", "stale" or "ok"."""
    if not whoosh_index.exists_in(index_dir):
        return "missing"
    return "stale" if is_stale(index_dir) else "ok"


@dataclass
class _Cached:
    real_dir: str
    index: Index
    searcher: Searcher


_local = threading.local()


def cached_searcher(index_dir: str) -> Searcher:
    """This thread's searcher for ``index_dir``, reopened only when the index changed.

    Searchers are kept per thread (one per process under sync workers) because an
    outdated one is closed when replaced.
    """
    cache: dict[str, _Cached] = _local.__dict__.setdefault("searchers", {})
    key = os.path.abspath(index_dir)
    real_dir = os.path.realpath(key)
    entry = cache.get(key)
    if entry is not None and entry.real_dir == real_dir:
        if not entry.searcher.up_to_date():
            # Not ``searcher.refresh()``: in whoosh-reloaded 2.7.5 it reuses the old
            # segment readers, and replaced or deleted documents stay visible.
            entry.searcher.close()
            entry.searcher = entry.index.searcher()
        return entry.searcher
    if entry is not None:
        entry.searcher.close()
    cache[key] = _open_cached(key)
    return cache[key].searcher


def _open_cached(index_dir: str) -> _Cached:
    """Open the index the link points at now; a rebuild may swap it meanwhile: retry."""
    open_or_create(index_dir)
    for attempt in range(3):
        real_dir = os.path.realpath(index_dir)
        try:
            ix = open_index(real_dir)
            return _Cached(real_dir, ix, ix.searcher())
        except (FileNotFoundError, whoosh_index.EmptyIndexError):
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def close_searchers() -> None:
    """Close this thread's cached searchers (tests, shutdown)."""
    for entry in _local.__dict__.pop("searchers", {}).values():
        entry.searcher.close()
