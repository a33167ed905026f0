"""Highlighted, escaped fragments of the hits' bodies.

The index stores where each word of ``content`` starts and ends (``chars=True``), and
``content`` starts with the body, so the words to mark are read from the postings of the
query's terms for the shown hits only: no re-analysis, and no per-match bookkeeping while
searching.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import groupby
from typing import Any

from markupsafe import Markup, escape
from whoosh.analysis import Token
from whoosh.highlight import (
    FIRST,
    BasicFragmentScorer,
    Formatter,
    PinpointFragmenter,
    get_text,
    top_fragments,
)
from whoosh.query import Query

from lms.search.query import FIELD

SNIPPET_CHARS = 200
SURROUND = 60
TOP_FRAGMENTS = 2

Chars = list[tuple[int, int, int]]


class MarkFormatter(Formatter):
    """Escapes the text, then wraps each matched word in ``<mark>``."""

    between = " … "

    def _text(self, text: str) -> str:
        return str(escape(text))

    def format_token(self, text: str, token: Any, replace: bool = False) -> str:
        return f"<mark>{escape(get_text(text, token, replace))}</mark>"

    def format(self, fragments: list[Any], replace: bool = False) -> str:
        return self.between.join(self.format_fragment(f, replace=replace) for f in fragments)


FORMATTER = MarkFormatter()
FRAGMENT_SCORER = BasicFragmentScorer()


def snippets(searcher: Any, query: Query, hits: list[tuple[int, str]]) -> list[Markup]:
    """A snippet for each ``(docnum, body)`` of ``hits`` found by ``query``."""
    if not hits:
        return []
    reader = searcher.reader()
    words = {text for _field, text in query.existing_terms(reader, expand=True, fieldname=FIELD)}
    found = _positions(reader, words, sorted(docnum for docnum, _body in hits))
    return [_highlighted(body, found.get(docnum, {})) for docnum, body in hits]


def _positions(
    reader: Any, words: Iterable[bytes], docnums: list[int]
) -> dict[int, dict[str, Chars]]:
    """For each document: each query word it contains and where (position, start, end)."""
    found: dict[int, dict[str, Chars]] = {}
    for btext in words:
        word = btext.decode("utf-8")
        for leaf, offset in reader.leaf_readers():
            inside = [d for d in docnums if offset <= d < offset + leaf.doc_count_all()]
            if not inside or (FIELD, btext) not in leaf:
                continue
            matcher = leaf.postings(FIELD, btext)
            for docnum in inside:
                if not matcher.is_active():
                    break
                matcher.skip_to(docnum - offset)
                if matcher.is_active() and matcher.id() == docnum - offset:
                    found.setdefault(docnum, {})[word] = matcher.value_as("characters")
    return found


def _highlighted(body: str, chars: dict[str, Chars]) -> Markup:
    """Escaped fragments around the marked words; the body's start if none is in it."""
    tokens = [
        Token(text=word, pos=pos, startchar=start, endchar=end)
        for word, places in chars.items()
        for pos, start, end in places
        if end <= len(body)  # ``content`` goes on with the title and tags
    ]
    if not tokens:
        return _lead(body)
    tokens.sort(key=lambda t: t.startchar)
    tokens = [
        max(group, key=lambda t: t.endchar - t.startchar)
        for _start, group in groupby(tokens, lambda t: t.startchar)
    ]
    fragmenter = PinpointFragmenter(maxchars=SNIPPET_CHARS, surround=SURROUND, charlimit=len(body))
    fragments = fragmenter.fragment_matches(body, tokens)
    best = top_fragments(fragments, TOP_FRAGMENTS, FRAGMENT_SCORER, FIRST)
    return Markup(FORMATTER.format(best)) if best else _lead(body)


def _lead(body: str) -> Markup:
    lead = body[:SNIPPET_CHARS]
    return escape(lead + ("…" if len(body) > SNIPPET_CHARS else ""))
