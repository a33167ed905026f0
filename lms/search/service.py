"""Search as the web layer and the API call it: visible hits with escaped snippets.

No database access: hits carry what the index stores, and the caller resolves slugs to
articles when it needs more.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from markupsafe import Markup
from whoosh.collectors import Collector, FilterCollector, TopCollector
from whoosh.query import And, NullQuery, Or, Query, Term
from whoosh.searching import Results, Searcher

from lms.search.documents import EVERYONE
from lms.search.index import cached_searcher
from lms.search.query import (
    ParsedQuery,
    known_words,
    parse_user_query,
    suggest_spelling,
    switch_layout,
)
from lms.search.snippets import snippets

# Editors, HR and administrators see every published document (as in ``lms.kb.queries``).
SEES_EVERYTHING = ("editor", "hr", "admin")
# Fewer hits than this and the search also tries the other layout and typo corrections.
FEW_RESULTS = 3
MAX_LIMIT = 100
FACET_FIELDS = {"kind": "kind", "category": "category", "tag": "tags", "department": "departments"}


@dataclass
class Hit:
    slug: str
    title: str
    kind: str
    category: str
    snippet_html: Markup
    score: float


@dataclass
class SearchResults:
    query: str
    total: int
    did_you_mean: str | None
    layout_switched: str | None
    results: list[Hit]


def search(
    index_dir: str,
    user: Any,
    query: str,
    *,
    kind: str | None = None,
    category: str | None = None,
    tag: str | None = None,
    department: str | None = None,
    limit: int = 10,
) -> SearchResults:
    """Published documents ``user`` may read that match ``query``, best first.

    Documents with every word come first. When fewer than ``FEW_RESULTS`` have them all,
    a query in the wrong keyboard layout is switched, unknown words are replaced by the
    nearest indexed ones, then any word is accepted and words may be one edit off; the
    switch and the correction are reported in ``layout_switched`` / ``did_you_mean``.
    ``department`` keeps the documents meant specifically for that department code.
    """
    scope = _Scope(
        cached_searcher(index_dir),
        visibility_filter(user, kind=kind, category=category, tag=tag, department=department),
        max(1, min(limit, MAX_LIMIT)),
    )
    parsed = parse_user_query(query)
    found = scope.run(parsed.to_query(all_words=True))
    layout_switched = did_you_mean = None
    if found.total < FEW_RESULTS and not parsed.is_empty:
        switched = parse_user_query(switch_layout(parsed.text))
        if known_words(scope.searcher, switched) > known_words(scope.searcher, parsed):
            parsed, layout_switched = switched, switched.text
            found = scope.run(parsed.to_query(all_words=True))
    if found.total < FEW_RESULTS and not parsed.is_empty:
        found, did_you_mean = _loosen(scope, parsed, found)
    return SearchResults(
        query=parsed.text,
        total=found.total,
        did_you_mean=did_you_mean,
        layout_switched=layout_switched,
        results=_hits(scope.searcher, found),
    )


def visibility_filter(user: Any, **facets: str | None) -> Query:
    """Published documents this user may read, narrowed by the chosen facets."""
    terms: list[Query] = [Term("status", "published")]
    if not user.has_role(*SEES_EVERYTHING):
        department = getattr(user, "department", None)
        audience: list[Query] = [Term("departments", EVERYONE)]
        if department is not None:
            audience.append(Term("departments", department.code))
        terms.append(Or(audience))
    for name, value in facets.items():
        if value:
            text = value.lower() if name == "tag" else value
            terms.append(Term(FACET_FIELDS[name], text))
    return And(terms)


def _loosen(scope: _Scope, parsed: ParsedQuery, found: _Found) -> tuple[_Found, str | None]:
    """Few documents have every word: correct unknown words, else accept any or fuzzy words.

    A word the index has never seen is a typo even when the other words match, so the
    corrected query wins whenever it finds anything.
    """
    corrected = suggest_spelling(scope.searcher, parsed)
    if corrected:
        retry = scope.best(parse_user_query(corrected))
        if retry.total:
            return retry, corrected
    if len(parsed.words) > 1:
        found = scope.run(parsed.to_query())
    if found.total < FEW_RESULTS:
        retry = scope.run(parsed.to_query(fuzzy=True))
        if retry.total > found.total:
            found = retry
    return found, corrected


@dataclass
class _Found:
    query: Query
    results: Results | list[Any]
    total: int


@dataclass(frozen=True)
class _Visible:
    """The documents a visibility filter admits: only ``allow``, or all but ``restrict``.

    Whichever set is smaller is kept (an agent's filter hides a few documents, a category
    facet admits a few); None means no such limit.
    """

    allow: set[int] | None
    restrict: set[int] | None


# Computing a filter's documents is a pass over the whole index; a searcher lives until the
# index changes, so it is done once per filter and searcher.
_visible_cache: WeakKeyDictionary[Searcher, dict[Query, _Visible]] = WeakKeyDictionary()
VISIBLE_CACHE_SIZE = 64


def visible_docs(searcher: Searcher, allowed: Query) -> _Visible:
    """The document numbers the ``allowed`` query admits, cached for this searcher."""
    cache = _visible_cache.setdefault(searcher, {})
    if allowed not in cache:
        if len(cache) >= VISIBLE_CACHE_SIZE:
            cache.clear()
        docs, size = set(allowed.docs(searcher)), searcher.doc_count_all()
        if 2 * len(docs) <= size:
            cache[allowed] = _Visible(allow=docs, restrict=None)
        else:
            cache[allowed] = _Visible(allow=None, restrict=set(range(size)) - docs or None)
    return cache[allowed]


@dataclass
class _Scope:
    """One search: the searcher, what the user may see, how many hits to return."""

    searcher: Searcher
    allowed: Query
    limit: int

    def run(self, query: Query) -> _Found:
        visible = visible_docs(self.searcher, self.allowed)
        if query is NullQuery or visible.allow == set():  # Whoosh reads an empty set as none
            return _Found(query, [], 0)
        # Without Whoosh's skipping (block quality, matcher replacement) the collector sees,
        # and counts, every visible match: the skipping saves little on the common words
        # that make searches slow, and counting afterwards would read their postings again.
        collector: Collector = TopCollector(self.limit, usequality=False, replace=0)
        if visible.allow is not None or visible.restrict is not None:
            collector = FilterCollector(collector, allow=visible.allow, restrict=visible.restrict)
        self.searcher.search_with_collector(query, collector)
        return _Found(query, collector.results(), collector.count())

    def best(self, parsed: ParsedQuery) -> _Found:
        """Documents with every word; with any word when that finds too little."""
        found = self.run(parsed.to_query(all_words=True))
        if found.total < FEW_RESULTS and len(parsed.words) > 1:
            found = self.run(parsed.to_query())
        return found


def _hits(searcher: Searcher, found: _Found) -> list[Hit]:
    hits = list(found.results)
    if not hits:
        return []
    bodies = [(hit.docnum, hit.get("body") or "") for hit in hits]
    return [
        Hit(
            slug=hit["slug"],
            title=hit.get("title", ""),
            kind=hit.get("kind", ""),
            category=hit.get("category", ""),
            snippet_html=snippet_html,
            score=float(hit.score or 0.0),
        )
        for hit, snippet_html in zip(hits, snippets(searcher, found.query, bodies), strict=True)
    ]
