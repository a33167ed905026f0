"""A synthetic Russian corpus for the search benchmark.

Word forms come from the shipped demo articles plus generated inflections of their stems;
articles draw words with a Zipf rank-frequency distribution (the r-th form ~ 1/r).
"""

from __future__ import annotations

import itertools
import random
import re
from collections import Counter
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from lms.kb.frontmatter import parse_document
from lms.kb.markdown import plain_text
from lms.search.documents import make_document

KB_DIR = Path(__file__).resolve().parent.parent / "kb"
MIN_FORMS = 20_000
ENDINGS = (
    *("а", "у", "ом", "е", "ы", "ов", "ам", "ами", "ах", "ой", "ую", "ого", "ому"),
    *("ых", "ыми", "ть", "л", "ла", "ли", "ет", "ют", "ие", "ий", "ая", "ое", "ем"),
)
# Longest first, so "ами" is stripped before "и".
STRIP = sorted({*ENDINGS, "и", "о", "я", "ю", "ь", "ей", "ия", "ии", "ью"}, key=len, reverse=True)
CATEGORIES = ("orders", "payment", "delivery", "returns", "refunds", "loyalty", "scripts")
WORD = re.compile(r"[а-яё]+")


def demo_documents() -> Iterator[tuple[str, str, Any]]:
    """(slug, category, parsed document) of every shipped demo article."""
    for path in sorted(KB_DIR.rglob("*.md")):
        yield path.stem, path.parent.name, parse_document(path.read_text(), filename=str(path))


def demo_index_documents() -> list[dict[str, Any]]:
    """The demo content as index documents, slugs from the file names."""
    documents = []
    for slug, category, parsed in demo_documents():
        meta = parsed.meta
        documents.append(
            make_document(
                slug=slug,
                title=str(meta["title"]),
                body=plain_text(parsed.body),
                kind=meta.get("kind", "article"),
                category=category,
                tags=meta.get("tags") or (),
                departments=meta.get("departments") or (),
                status=meta.get("status", "published"),
                lang=meta.get("lang", "ru"),
            )
        )
    return documents


def _stem(word: str) -> str:
    for ending in STRIP:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)]
    return word


@cache
def word_forms() -> tuple[str, ...]:
    """At least 20,000 distinct Russian word forms, most frequent demo words first."""
    counts: Counter[str] = Counter()
    for _slug, _category, parsed in demo_documents():
        text = f"{parsed.meta.get('title', '')}\n{plain_text(parsed.body)}".lower()
        counts.update(WORD.findall(text))
    seen = [w for w, _ in counts.most_common()]
    known = set(seen)
    stems = sorted({_stem(w) for w in seen if len(w) >= 4})
    generated = sorted({s + e for s in stems for e in ENDINGS} - known)
    random.Random(1).shuffle(generated)
    forms = (*seen, *generated)
    if len(forms) < MIN_FORMS:
        raise RuntimeError(f"only {len(forms)} word forms")
    return forms


@cache
def _cumulative(size: int) -> list[float]:
    return list(itertools.accumulate(1.0 / rank for rank in range(1, size + 1)))


def zipf_words(rng: random.Random, count: int) -> list[str]:
    """``count`` forms drawn with probability proportional to 1/rank."""
    forms = word_forms()
    return rng.choices(forms, cum_weights=_cumulative(len(forms)), k=count)


def _body(rng: random.Random, words: list[str]) -> str:
    sentences, start = [], 0
    while start < len(words):
        size = rng.randint(6, 16)
        sentence = " ".join(words[start : start + size])
        sentences.append(sentence[:1].upper() + sentence[1:] + ".")
        start += size
    paragraphs = [" ".join(sentences[i : i + 5]) for i in range(0, len(sentences), 5)]
    return "\n".join(paragraphs)


def zipf_corpus(n: int, seed: int = 7) -> Iterator[dict[str, Any]]:
    """``n`` index documents of 150–800 Zipf-distributed words, titles of 4–8 words."""
    rng = random.Random(seed)
    for number in range(n):
        title = " ".join(zipf_words(rng, rng.randint(4, 8)))
        yield make_document(
            slug=f"zipf-{number}",
            title=title[:1].upper() + title[1:],
            body=_body(rng, zipf_words(rng, rng.randint(150, 800))),
            category=CATEGORIES[number % len(CATEGORIES)],
            tags=zipf_words(rng, 2),
        )
