"""Opening index directories with their files memory-mapped rather than copied.

Whoosh-reloaded 2.7.5 maps a segment file and then copies the whole map into a
``BytesIO`` for its sequential reads, so every searcher held a private copy of the
postings (about 540 MB per searcher for 50,000 articles). Here the map itself serves both
kinds of read: the pages are shared between processes and stay in the page cache.
Segments are written as separate files (not one compound file) so each can be mapped.
"""

from __future__ import annotations

import mmap
from typing import Any

from whoosh.fields import Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import BufferFile, StructFile
from whoosh.index import Index


class MappedFile(BufferFile):
    """A read-only index file whose reads (random and sequential) go to a memory map."""

    def __init__(self, data: mmap.mmap, name: str | None = None, onclose: Any = None) -> None:
        super().__init__(b"", name=name, onclose=onclose)
        self._buf = self.file = data


class MappedStorage(FileStorage):
    """A directory of index files, opened through memory maps."""

    def open_file(self, name: str, **kwargs: Any) -> StructFile:
        with open(self._fpath(name), "rb") as handle:
            try:
                data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
            except ValueError:  # an empty file cannot be mapped
                return super().open_file(name, **kwargs)
        return MappedFile(data, name=name, **kwargs)


def open_index(index_dir: str) -> Index:
    return MappedStorage(index_dir).open_index()


def create_index(index_dir: str, schema: Schema) -> Index:
    return MappedStorage(index_dir).create_index(schema)
