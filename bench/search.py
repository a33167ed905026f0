"""Search figures: a Zipf-distributed Russian corpus, PostgreSQL full-text search beside ours.

Builds an index of ``--search-docs`` generated articles (and 50,000 with ``--search-50k``),
times plain and misspelt queries through ``lms.search.service.search`` with one cached
searcher, and measures recall@3 and MRR on ``bench/relevance.yml`` against the demo content.
PostgreSQL (``LMS_BENCH_PG_URL``) gets the same corpus, queries and relevance set.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import yaml
from flask import Flask

from bench.search_corpus import demo_index_documents, word_forms, zipf_corpus
from lms.search.cli import Everyone
from lms.search.index import close_searchers, rebuild
from lms.search.service import search

RELEVANCE = Path(__file__).with_name("relevance.yml")
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/lms_bench_fts"
QUERIES = 200
# Queries are drawn from the forms real readers would type: not the rarest tail.
QUERY_VOCABULARY = 5_000
LETTERS = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"


def run(app: Flask, args: argparse.Namespace) -> None:
    count = getattr(args, "search_docs", 10_000)
    print(f"Search: {count} generated articles, {len(word_forms())} word forms")
    workdir = tempfile.mkdtemp(prefix="lms-bench-search-")
    plain, typos = make_queries(random.Random(11))
    pg = connect_pg()
    ours = corpus_figures(f"{workdir}/zipf", count, plain, typos)
    if pg is not None:
        pg_figures(pg, count, plain, typos, ours)
    if getattr(args, "search_50k", False):
        print("Search: 50000 generated articles")
        ours50 = corpus_figures(f"{workdir}/zipf50", 50_000, plain, typos)
        if pg is not None:
            pg_figures(pg, 50_000, plain, typos, ours50)
    relevance(f"{workdir}/demo", pg)
    if pg is not None:
        pg.close()


# --- queries -------------------------------------------------------------------------------


def make_queries(rng: random.Random) -> tuple[list[str], list[str]]:
    """1–3 word queries from the common vocabulary, and the same with one typo each."""
    forms = [w for w in word_forms()[:QUERY_VOCABULARY] if len(w) >= 4]
    plain = [" ".join(rng.sample(forms, rng.randint(1, 3))) for _ in range(QUERIES)]
    typos = [" ".join(misspell(rng, w) for w in q.split()) for q in plain]
    return plain, typos


def misspell(rng: random.Random, word: str) -> str:
    """One edit past the first letter: a swap, a dropped, doubled or replaced letter."""
    i = rng.randrange(1, len(word) - 1)
    edit = rng.choice(("swap", "drop", "double", "replace"))
    if edit == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if edit == "drop":
        return word[:i] + word[i + 1 :]
    if edit == "double":
        return word[:i] + word[i] + word[i:]
    return word[:i] + rng.choice(LETTERS) + word[i + 1 :]


def percentiles(samples: list[float]) -> tuple[float, float]:
    return statistics.median(samples), statistics.quantiles(samples, n=20)[-1]


def time_each(run_one: Callable[[str], object], queries: Iterable[str]) -> list[float]:
    queries = list(queries)
    for query in queries[:10]:
        run_one(query)  # warm up caches
    samples = []
    for query in queries:
        start = time.perf_counter()
        run_one(query)
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def line(name: str, samples: list[float], limit: str = "") -> None:
    p50, p95 = percentiles(samples)
    note = f"   (target {limit})" if limit else ""
    print(f"  {name:<44} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms{note}")


# --- ours ----------------------------------------------------------------------------------


def corpus_figures(index_dir: str, count: int, plain: list[str], typos: list[str]) -> dict:
    close_searchers()
    start = time.perf_counter()
    rebuild(index_dir, zipf_corpus(count))  # as `flask lms reindex` does
    built = time.perf_counter() - start
    size = subprocess.run(
        ["du", "-sh", os.path.realpath(index_dir)], capture_output=True, text=True, check=True
    ).stdout.split()[0]
    print(f"  full reindex of {count} articles: {built:6.1f} s   index on disk {size}")
    user = Everyone()
    found: dict[str, bool] = {}

    def ours(query: str) -> None:
        found[query] = search(index_dir, user, query, limit=10).total > 0

    plain_ms = time_each(ours, plain)
    typo_ms = time_each(ours, typos)
    found_plain = sum(found[q] for q in set(plain))
    found_typos = sum(found[q] for q in set(typos))
    big = count >= 50_000
    line(
        "ours, plain (snippets highlighted)",
        plain_ms,
        "p95 < 150 ms" if big else "p50 < 15 ms, p95 < 40 ms",
    )
    line("ours, with typos (did-you-mean, fuzzy)", typo_ms, "" if big else "p95 < 80 ms")
    shares = f"plain {found_plain}/{len(set(plain))}, typos {found_typos}/{len(set(typos))}"
    print(f"  queries with hits: {shares}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"  peak memory (max RSS so far): bench process {peak:.0f} MB,"
        f" largest indexing worker {workers:.0f} MB"
    )
    close_searchers()
    return {"plain": plain_ms, "typos": typo_ms}


def our_ranking(index_dir: str) -> Callable[[str], list[str]]:
    user = Everyone()
    return lambda query: [h.slug for h in search(index_dir, user, query, limit=10).results]


# --- PostgreSQL ----------------------------------------------------------------------------


def connect_pg() -> Any:
    """A psycopg connection to the bench database (created if missing), or None."""
    url = os.environ.get("LMS_BENCH_PG_URL", PG_URL).replace(
        "postgresql+psycopg://", "postgresql://"
    )
    try:
        import psycopg
    except ImportError:
        print("  PostgreSQL comparison skipped: psycopg is not installed")
        return None
    base, _, name = url.rpartition("/")
    try:
        try:
            return psycopg.connect(url, autocommit=True, connect_timeout=5)
        except psycopg.OperationalError as error:
            if "does not exist" not in str(error):
                raise
        with psycopg.connect(f"{base}/postgres", autocommit=True, connect_timeout=5) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        return psycopg.connect(url, autocommit=True, connect_timeout=5)
    except psycopg.Error as error:
        print(f"  PostgreSQL comparison skipped: {str(error).strip().splitlines()[0]}")
        return None


def pg_load(pg: Any, documents: Iterable[dict[str, Any]]) -> float:
    """Fill ``docs`` and build its indexes; returns the seconds it took."""
    start = time.perf_counter()
    pg.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    pg.execute("DROP TABLE IF EXISTS docs")
    pg.execute("CREATE TABLE docs (slug text primary key, title text, body text, tsv tsvector)")
    with pg.cursor() as cursor, cursor.copy("COPY docs (slug, title, body) FROM STDIN") as copy:
        for document in documents:
            copy.write_row((document["slug"], document["title"], document["body"]))
    pg.execute("UPDATE docs SET tsv = to_tsvector('russian', title || ' ' || body)")
    pg.execute("CREATE INDEX docs_tsv ON docs USING gin (tsv)")
    pg.execute("CREATE INDEX docs_title_trgm ON docs USING gin (title gin_trgm_ops)")
    pg.execute("ANALYZE docs")
    return time.perf_counter() - start


FTS_SQL = """
SELECT slug FROM docs, websearch_to_tsquery('russian', %(q)s) query
WHERE tsv @@ query ORDER BY ts_rank(tsv, query) DESC LIMIT %(limit)s
"""
FTS_HEADLINE_SQL = """
SELECT slug, ts_headline('russian', body, query) FROM (
  SELECT slug, body, query FROM docs, websearch_to_tsquery('russian', %(q)s) query
  WHERE tsv @@ query ORDER BY ts_rank(tsv, query) DESC LIMIT %(limit)s) top
"""
TRGM_SQL = """
SELECT slug FROM docs WHERE title %% %(q)s ORDER BY similarity(title, %(q)s) DESC LIMIT %(limit)s
"""


def pg_ranking(pg: Any, *, headline: bool = False, limit: int = 10) -> Callable[[str], list[str]]:
    """FTS ranked by ts_rank; with fewer than 3 hits, trigram similarity on the title."""

    def rank(query: str) -> list[str]:
        rows = pg.execute(FTS_HEADLINE_SQL if headline else FTS_SQL, {"q": query, "limit": limit})
        slugs = [row[0] for row in rows]
        if len(slugs) < 3:
            extra = pg.execute(TRGM_SQL, {"q": query, "limit": limit})
            slugs += [row[0] for row in extra if row[0] not in slugs]
        return slugs[:limit]

    return rank


def pg_figures(pg: Any, count: int, plain: list[str], typos: list[str], ours: dict) -> None:
    loaded = pg_load(pg, zipf_corpus(count))
    size = pg.execute("SELECT pg_size_pretty(pg_total_relation_size('docs'))").fetchone()[0]
    print(f"  PostgreSQL russian FTS: load + index {loaded:6.1f} s   table with indexes {size}")
    line("PostgreSQL, plain (ts_rank, no headline)", time_each(pg_ranking(pg), plain))
    line("PostgreSQL, plain + ts_headline", time_each(pg_ranking(pg, headline=True), plain))
    line("PostgreSQL, with typos (+ pg_trgm title)", time_each(pg_ranking(pg), typos))
    line("ours, plain (again, for comparison)", ours["plain"])
    line("ours, with typos (again, for comparison)", ours["typos"])


# --- relevance -----------------------------------------------------------------------------


def relevance(index_dir: str, pg: Any) -> None:
    cases = yaml.safe_load(RELEVANCE.read_text())
    documents = demo_index_documents()
    known = {d["slug"] for d in documents}
    for case in cases:
        missing = set(case["expect"]) - known
        if missing:
            raise ValueError(f"relevance.yml: {case['query']!r} expects unknown {missing}")
    rebuild(index_dir, documents)
    print(f"Relevance: {len(cases)} queries against {len(documents)} demo articles")
    ours = score(our_ranking(index_dir), cases)
    print(f"  ours                         recall@3 {ours[0]:.3f}   MRR {ours[1]:.3f}")
    if pg is not None:
        pg_load(pg, documents)
        theirs = score(pg_ranking(pg), cases)
        print(f"  PostgreSQL russian FTS+trgm  recall@3 {theirs[0]:.3f}   MRR {theirs[1]:.3f}")
        verdict = "ours is better" if ours > theirs else "ours does NOT beat PostgreSQL"
        print(f"  {verdict}")
    close_searchers()


def score(rank: Callable[[str], list[str]], cases: list[dict]) -> tuple[float, float]:
    """Mean recall@3 (share of expected slugs in the top 3) and MRR over the top 10."""
    recalls, reciprocal = [], []
    for case in cases:
        expected = set(case["expect"])
        slugs = rank(case["query"])[:10]
        recalls.append(len(expected & set(slugs[:3])) / len(expected))
        first = next((i for i, slug in enumerate(slugs, 1) if slug in expected), None)
        reciprocal.append(1 / first if first else 0.0)
    return statistics.mean(recalls), statistics.mean(reciprocal)
