"""Search as the web layer and the API call it: visible hits with escaped snippets.

No database access: hits carry what the index stores, and the caller resolves slugs to
articles when it needs more.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape
from whoosh.highlight import Formatter, Highlighter, PinpointFragmenter, get_text
from whoosh.query import And, Or, Query, Term
from whoosh.searching import Results, Searcher

from lms.search.index import EVERYONE, cached_searcher
from lms.search.query import ParsedQuery, parse_user_query, suggest_spelling, switch_layout

# Editors, HR and administrators see every published document (as in ``lms.kb.queries``).
SEES_EVERYTHING = ("editor", "hr", "admin")
# Fewer hits than this and the search also tries the other layout and typo corrections.
FEW_RESULTS = 3
SNIPPET_CHARS = 200
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

    When the query finds few documents it is retried typed in the other keyboard layout,
    then with the nearest indexed spellings and with fuzzy words; the better attempt wins
    and is reported in ``layout_switched`` / ``did_you_mean``. ``department`` keeps the
    documents meant specifically for that department code.
    """
    searcher = cached_searcher(index_dir)
    allowed = visibility_filter(user, kind=kind, category=category, tag=tag, department=department)
    limit = max(1, min(limit, MAX_LIMIT))
    parsed = parse_user_query(query)
    found = _run(searcher, parsed.to_query(all_words=True), allowed, limit)
    if found.total < FEW_RESULTS and len(parsed.words) > 1:
        # Any word accepted when all of them together find too little.
        found = _run(searcher, parsed.to_query(), allowed, limit)
    layout_switched = did_you_mean = None
    if found.total < FEW_RESULTS and parsed.text:
        switched = parse_user_query(switch_layout(parsed.text))
        retry = _run(searcher, switched.to_query(), allowed, limit)
        if retry.total > found.total:
            found, parsed, layout_switched = retry, switched, switched.text
    if not parsed.is_empty:
        # A word the index has never seen is a typo even when the other words match.
        did_you_mean = suggest_spelling(searcher, parsed)
        if did_you_mean or found.total < FEW_RESULTS:
            found = _typo_retry(searcher, parsed, did_you_mean, allowed, limit, found)
    return SearchResults(
        query=parsed.text,
        total=found.total,
        did_you_mean=did_you_mean,
        layout_switched=layout_switched,
        results=[_hit(h) for h in found.results],
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


@dataclass
class _Found:
    results: Results
    total: int


def _run(searcher: Searcher, query: Query, allowed: Query, limit: int) -> _Found:
    results = searcher.search(query, filter=allowed, limit=limit, terms=True)
    if results.scored_length() < limit:
        return _Found(results, results.scored_length())
    # len(results) would count matches the filter removed (whoosh-reloaded 2.7.5).
    visible = set(allowed.docs(searcher))
    return _Found(results, sum(1 for docnum in query.docs(searcher) if docnum in visible))


def _typo_retry(
    searcher: Searcher,
    parsed: ParsedQuery,
    corrected: str | None,
    allowed: Query,
    limit: int,
    found: _Found,
) -> _Found:
    """The corrected query's results when it finds any, else the fuzzy query's if more."""
    if corrected:
        retry = _run(searcher, parse_user_query(corrected).to_query(), allowed, limit)
        if retry.total:
            return retry
    retry = _run(searcher, parsed.to_query(fuzzy=True), allowed, limit)
    return retry if retry.total > found.total else found


class MarkFormatter(Formatter):
    """Escapes the text, then wraps each matched word in ``<mark>``."""

    between = " … "

    def _text(self, text: str) -> str:
        return str(escape(text))

    def format_token(self, text: str, token: Any, replace: bool = False) -> str:
        return f"<mark>{escape(get_text(text, token, replace))}</mark>"

    def format(self, fragments: list[Any], replace: bool = False) -> str:
        return self.between.join(self.format_fragment(f, replace=replace) for f in fragments)


def snippet(hit: Any) -> Markup:
    """Highlighted fragments of the hit's body, escaped; the body's start if none match."""
    body = hit.get("body") or ""
    # ``content`` starts with the body: stop at its end so title and tags never show.
    fragmenter = PinpointFragmenter(maxchars=SNIPPET_CHARS, surround=60, charlimit=len(body))
    highlighter = Highlighter(fragmenter=fragmenter, formatter=MarkFormatter())
    html = highlighter.highlight_hit(hit, "content", text=body, top=2) if body else ""
    if html:
        return Markup(html)
    lead = body[:SNIPPET_CHARS]
    return escape(lead + ("…" if len(body) > SNIPPET_CHARS else ""))


def _hit(hit: Any) -> Hit:
    return Hit(
        slug=hit["slug"],
        title=hit.get("title", ""),
        kind=hit.get("kind", ""),
        category=hit.get("category", ""),
        snippet_html=snippet(hit),
        score=float(hit.score or 0.0),
    )
