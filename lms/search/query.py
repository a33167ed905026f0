"""What a reader types, made into a Whoosh query that never fails.

Plain words (all of them preferred, any accepted), "quoted phrases" (required) and
``-excluded`` words. Anything else (unbalanced quotes, operators, noise) is read as plain
words; the text is capped so a pasted page cannot make a slow query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from whoosh.query import And, AndMaybe, AndNot, FuzzyTerm, NullQuery, Or, Phrase, Query, Term

from lms.search.analyzer import WORD_ANALYZER, analyze

FIELD = "content"
SPELLING = "spelling"
MAX_CHARS = 200
MAX_TERMS = 12
# Coordination bonus: a document with all the words ranks above one with some.
COORDINATION = 0.9
OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"}
PHRASE_RE = re.compile(r'(?<![\w-])(-?)"([^"]*)"')

_LATIN = "`qwertyuiop[]asdfghjkl;'zxcvbnm,./" + '~QWERTYUIOP{}ASDFGHJKL:"ZXCVBNM<>'
_CYRILLIC = "ёйцукенгшщзхъфывапролджэячсмитьбю." + "ЁЙЦУКЕНГШЩЗХЪФЫВАПРОЛДЖЭЯЧСМИТЬБЮ"
TO_CYRILLIC = str.maketrans(_LATIN, _CYRILLIC)
TO_LATIN = str.maketrans({c: k for c, k in zip(_CYRILLIC, _LATIN, strict=True) if c.isalpha()})


@dataclass
class ParsedQuery:
    """A reader's query: the words, phrases and excluded words it asks for."""

    text: str
    words: list[str] = field(default_factory=list)
    phrases: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.words or self.phrases)

    def to_query(self, *, fuzzy: bool = False, all_words: bool = False) -> Query:
        """The Whoosh query; ``fuzzy`` allows one edit per word (first letter fixed).

        ``all_words`` requires every word: far cheaper than scoring every document that
        has any one of them, and what the reader wants first.
        """
        optional = [q for q in (_word_query(w, fuzzy) for w in self.words) if q is not None]
        required = [q for q in (_phrase_query(p) for p in self.phrases) if q is not None]
        if all_words:
            required, optional = required + optional, []
        if required:
            query: Query = And(required)
            if optional:
                query = AndMaybe(query, _any_of(optional))
        elif optional:
            query = _any_of(optional)
        else:
            return NullQuery
        excluded = [q for q in (_word_query(w, False) for w in self.excluded) if q is not None]
        return AndNot(query, Or(excluded)) if excluded else query


def parse_user_query(text: str) -> ParsedQuery:
    """Words, "phrases" and -excluded words of ``text``; anything malformed is plain words."""
    text = " ".join((text or "")[:MAX_CHARS].split())
    parsed = ParsedQuery(text=text)
    budget = MAX_TERMS
    for minus, phrase in PHRASE_RE.findall(text):
        if phrase.strip() and budget > 0:
            (parsed.excluded if minus else parsed.phrases).append(phrase.strip())
            budget -= 1
    rest = PHRASE_RE.sub(" ", text).replace('"', " ")
    for word in rest.split():
        if budget <= 0:
            break
        if word in OPERATORS:
            continue
        target = parsed.words
        if word.startswith("-") and len(word) > 1:
            word, target = word.lstrip("-"), parsed.excluded
        if analyze(word):
            target.append(word)
            budget -= 1
    return parsed


def switch_layout(text: str) -> str:
    """The text as if typed with the other keyboard layout (QWERTY <-> ЙЦУКЕН).

    The direction follows the letters: mostly Cyrillic goes to Latin, otherwise to Cyrillic.
    """
    cyrillic = sum(1 for c in text if "а" <= c.lower() <= "я" or c in "ёЁ")
    latin = sum(1 for c in text if "a" <= c.lower() <= "z")
    return text.translate(TO_LATIN if cyrillic > latin else TO_CYRILLIC)


def suggest_spelling(searcher: Any, parsed: ParsedQuery) -> str | None:
    """The query with unknown words replaced by the nearest indexed words, or None."""
    reader = searcher.reader()
    changed, words = False, []
    for word in parsed.words:
        replacement = _nearest_word(reader, word)
        changed |= replacement != word
        words.append(replacement)
    if not changed:
        return None
    phrases = [f'"{p}"' for p in parsed.phrases]
    excluded = [f"-{w}" for w in parsed.excluded]
    return " ".join([*phrases, *words, *excluded])


def known_words(searcher: Any, parsed: ParsedQuery) -> int:
    """How many of the query's words and phrases the index has (by stem)."""
    reader = searcher.reader()
    wanted = [*parsed.words, *parsed.phrases]
    return sum(all((FIELD, term) in reader for term in analyze(text)) for text in wanted)


def _nearest_word(reader: Any, word: str) -> str:
    """The vocabulary word nearest ``word``: one edit (or a swap) away, else two.

    Only words whose stem the index lacks are corrected (another form of a known word
    finds the same documents). Of equally near words, the one whose stem is in the most
    documents wins.
    """
    tokens = [t.text for t in WORD_ANALYZER(word)]
    terms = analyze(word)
    if len(tokens) != 1 or len(tokens[0]) < 3 or tokens[0].isdigit() or len(terms) != 1:
        return word
    if (FIELD, terms[0]) in reader or (SPELLING, tokens[0]) in reader:
        return word
    typed = tokens[0]
    near = _words_within(reader, typed, 1) | {
        swap for swap in _swaps(typed) if (SPELLING, swap) in reader
    }
    near = near or _words_within(reader, typed, 2)
    if not near:
        return word
    return min(near, key=lambda w: (-_popularity(reader, w), w))


def _words_within(reader: Any, word: str, maxdist: int) -> set[str]:
    # Per segment: a multi-segment reader would compare the word with every term instead.
    found: set[str] = set()
    for leaf, _offset in reader.leaf_readers():
        found.update(leaf.terms_within(SPELLING, word, maxdist, prefix=1))
    found.discard(word)
    return found


def _swaps(word: str) -> set[str]:
    """``word`` with two neighbouring letters swapped (past the first letter)."""
    return {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(1, len(word) - 1)}


def _popularity(reader: Any, word: str) -> int:
    terms = analyze(word)
    return reader.doc_frequency(FIELD, terms[0]) if len(terms) == 1 else 0


def _word_query(word: str, fuzzy: bool) -> Query | None:
    terms = analyze(word)
    if not terms:
        return None
    if len(terms) > 1:
        return Phrase(FIELD, terms)
    if fuzzy and len(terms[0]) >= 4:
        return FuzzyTerm(FIELD, terms[0], maxdist=1, prefixlength=1)
    return Term(FIELD, terms[0])


def _phrase_query(phrase: str) -> Query | None:
    # Stop words are dropped and positions renumbered, in the index and here alike.
    terms = analyze(phrase)
    if not terms:
        return None
    return Term(FIELD, terms[0]) if len(terms) == 1 else Phrase(FIELD, terms)


def _any_of(queries: list[Query]) -> Query:
    return queries[0] if len(queries) == 1 else Or(queries, scale=COORDINATION)
