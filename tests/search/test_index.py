"""Writing, rebuilding and marking the index, including from several processes at once."""

from __future__ import annotations

import multiprocessing
import os
import threading
import traceback
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.analysis import StopFilter
from whoosh.fields import TEXT

from lms.search.analyzer import STOP_WORDS, ScriptStemFilter, word_analyzer
from lms.search.documents import make_document, make_schema
from lms.search.index import (
    cached_searcher,
    clear_stale,
    index_state,
    is_stale,
    mark_stale,
    open_or_create,
    rebuild,
    write_documents,
)
from lms.search.service import search
from lms.search.storage import MappedFile, open_index
from tests.search.conftest import KB, Reader


def test_open_or_create_creates_once(index_dir: str) -> None:
    assert open_or_create(index_dir).doc_count() == 0
    assert os.path.islink(index_dir)
    write_documents(index_dir, KB[:2], [])
    assert open_or_create(index_dir).doc_count() == 2


def test_rebuild_swaps_in_a_complete_index(kb_index: str) -> None:
    editor = Reader(roles={"editor"})
    assert search(kb_index, editor, "доставка").total == 1
    fresh = [
        make_document(slug=f"new-{n}", title=f"Новая статья {n}", body="Тарифы") for n in range(5)
    ]
    seen: list[int] = []
    assert rebuild(kb_index, fresh, progress=seen.append) == 5
    assert seen == [1, 2, 3, 4, 5]
    assert search(kb_index, editor, "доставка").total == 0
    assert search(kb_index, editor, "тарифы").total == 5


def test_rebuilds_keep_only_the_current_and_previous_index(kb_index: str, tmp_path: Path) -> None:
    for _ in range(3):
        rebuild(kb_index, KB)
    rebuild(kb_index, KB[:1], procs=2)
    assert open_or_create(kb_index).doc_count() == 1
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == ["index"]
    assert len(list(tmp_path.iterdir())) == 3  # the link, the current and the previous index


def test_readers_during_rebuild_always_see_a_whole_index(kb_index: str) -> None:
    stop, counts, errors = threading.Event(), set(), []

    def read() -> None:
        try:
            while not stop.is_set():
                counts.add(cached_searcher(kb_index).doc_count())
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    rebuild(kb_index, KB[:6])
    reader = threading.Thread(target=read)
    reader.start()
    try:
        for size in (3, 6, 3, 6):
            rebuild(kb_index, KB[:size])
    finally:
        stop.set()
        reader.join()
    assert not errors and counts <= {3, 6}


def test_cached_searcher_is_reused_until_the_index_changes(kb_index: str) -> None:
    first = cached_searcher(kb_index)
    assert cached_searcher(kb_index) is first
    write_documents(kb_index, [], ["refund-order"])
    assert cached_searcher(kb_index) is not first
    rebuild(kb_index, KB[:2])
    assert cached_searcher(kb_index).doc_count() == 2


def test_stale_marker(kb_index: str) -> None:
    assert not is_stale(kb_index) and index_state(kb_index) == "ok"
    mark_stale(kb_index, "write failed: LockError")
    assert is_stale(kb_index) and index_state(kb_index) == "stale"
    clear_stale(kb_index)
    clear_stale(kb_index)
    assert index_state(kb_index) == "ok"


def test_rebuild_clears_the_stale_marker(kb_index: str) -> None:
    mark_stale(kb_index, "missed an update")
    rebuild(kb_index, KB)
    assert not is_stale(kb_index)


def test_missing_index_state(index_dir: str) -> None:
    assert index_state(index_dir) == "missing"


def _write_batch(index_dir: str, worker: int) -> None:
    try:
        for n in range(20):
            slug = f"w{worker}-{n}"
            write_documents(
                index_dir, [make_document(slug=slug, title=slug, body=f"партия {worker}")], []
            )
    except BaseException:
        # Say why in the parent's assertion message, not only on this process's stderr.
        with open(f"{index_dir}.worker{worker}.error", "w") as report:
            report.write(traceback.format_exc())
        raise


def test_writers_in_three_processes_lose_nothing(index_dir: str) -> None:
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_write_batch, args=(index_dir, w)) for w in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    errors = [p.read_text() for p in Path(index_dir).parent.glob("*.error")]
    assert [w.exitcode for w in workers] == [0, 0, 0], errors
    ix = open_or_create(index_dir)
    with ix.searcher() as searcher:
        found = {fields["slug"] for fields in searcher.all_stored_fields()}
    assert found == {f"w{w}-{n}" for w in range(3) for n in range(20)}
    assert ix.doc_count() == 60
    assert search(index_dir, Reader(roles={"editor"}), "партия", limit=100).total == 60


def test_an_existing_real_directory_is_used_and_replaced_by_a_rebuild(index_dir: str) -> None:
    os.makedirs(index_dir)
    write_documents(index_dir, KB[:2], [])
    assert not os.path.islink(index_dir) and open_or_create(index_dir).doc_count() == 2
    rebuild(index_dir, KB)
    assert os.path.islink(index_dir) and open_or_create(index_dir).doc_count() == len(KB)


def test_an_index_from_an_older_schema_serves_but_is_stale_until_rebuilt(index_dir: str) -> None:
    stem = ScriptStemFilter()
    stem._cache = {"заказ": "заказ"}  # type: ignore[attr-defined]  # what old versions pickled
    legacy = make_schema()
    legacy.remove("content")
    chain = word_analyzer() | StopFilter(stoplist=STOP_WORDS, minsize=1) | stem
    legacy.add("content", TEXT(analyzer=chain, phrase=True, chars=True))
    os.makedirs(index_dir)
    with whoosh_index.create_in(index_dir, legacy).writer() as writer:  # no version marker
        for document in KB:
            writer.add_document(**document)
    assert is_stale(index_dir) and index_state(index_dir) == "stale"
    assert search(index_dir, Reader(roles={"editor"}), "возврат").total == 2
    rebuild(index_dir, KB)
    assert not is_stale(index_dir) and index_state(index_dir) == "ok"


def test_a_rebuild_keeps_each_spelling_word_once(kb_index: str) -> None:
    rebuild(kb_index, KB)
    with open_or_create(kb_index).reader() as reader:
        assert reader.doc_frequency("spelling", "возврат") == 1
    found = search(kb_index, Reader(roles={"editor"}), "возвратт")
    assert found.did_you_mean == "возврат" and found.total == 2


def test_segments_are_separate_files_read_through_memory_maps(kb_index: str) -> None:
    rebuild(kb_index, KB)
    write_documents(kb_index, [make_document(slug="extra", title="Ещё", body="Текст")], [])
    assert not [name for name in os.listdir(kb_index) if name.endswith(".seg")]
    with open_index(os.path.realpath(kb_index)).reader() as reader:
        postings = reader.leaf_readers()[0][0]._terms._postfile  # what searches read
        assert isinstance(postings, MappedFile)
