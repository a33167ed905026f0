"""What a reader types, made into a Whoosh query that never fails.

Plain words (all of them preferred, any accepted), "quoted phrases" (required) and
``-excluded`` words. Anything else (unbalanced quotes, operators, noise) is read as plain
words; the text is capped so a pasted page cannot make a slow query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from whoosh.query import And, AndMaybe, AndNot, FuzzyTerm, NullQuery, Or, Phrase, Query, Term

from lms.search.analyzer import WORD_ANALYZER, analyze

FIELD = "content"
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


def suggest_spelling(searcher: object, parsed: ParsedQuery) -> str | None:
    """The query with unknown words replaced by the nearest indexed words, or None."""
    reader = searcher.reader()  # type: ignore[attr-defined]
    changed, words = False, []
    for word in parsed.words:
        replacement = _nearest_word(searcher, reader, word)
        changed |= replacement != word
        words.append(replacement)
    if not changed:
        return None
    phrases = [f'"{p}"' for p in parsed.phrases]
    excluded = [f"-{w}" for w in parsed.excluded]
    return " ".join([*phrases, *words, *excluded])


def _nearest_word(searcher: object, reader: object, word: str) -> str:
    tokens = [t.text for t in WORD_ANALYZER(word)]
    if len(tokens) != 1 or len(tokens[0]) < 3 or tokens[0].isdigit():
        return word
    if ("spelling", tokens[0]) in reader:  # type: ignore[operator]
        return word
    found = searcher.suggest("spelling", tokens[0], limit=1, maxdist=2, prefix=1)  # type: ignore[attr-defined]
    return found[0] if found else word


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
