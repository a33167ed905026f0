"""What changed between two revisions of an article: its lines, words and fields.

Everything here is plain text; the template escapes it when it shows the diff.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any, Literal

DiffKind = Literal["same", "added", "removed", "gap"]
Segment = tuple[bool, str]  # (changed, text)

# Words, runs of spaces and single punctuation marks: joined back they give the line.
TOKEN_RE = re.compile(r"\w+|\s+|[^\w\s]")
SIMILAR_RATIO = 0.5
MIN_GAP = 2  # hiding fewer unchanged lines than this is not worth a "gap" line


@dataclass(frozen=True)
class DiffLine:
    """One row of the diff.

    ``old_no``/``new_no`` are 1-based line numbers (``None`` where the line does not exist);
    ``segments`` split a changed line into changed and unchanged parts; a ``gap`` row stands
    for ``skipped`` unchanged lines that are not shown.
    """

    kind: DiffKind
    old_no: int | None
    new_no: int | None
    text: str
    segments: list[Segment] = field(default_factory=list)
    skipped: int = 0


@dataclass(frozen=True)
class FieldChange:
    """A metadata field (title, tags, ...) whose value differs between two revisions."""

    name: str
    old: Any
    new: Any


def diff_revisions(old: str, new: str, *, context: int = 3) -> list[DiffLine]:
    """The changed lines with ``context`` unchanged lines around them; ``[]`` if none changed.

    A removed line followed by a similar added line (more than half the words in common)
    gets word-level ``segments`` on both rows, so the template can mark just the edit.
    """
    old_lines, new_lines = old.splitlines(), new.splitlines()
    if old_lines == new_lines:
        return []
    rows: list[DiffLine] = []
    opcodes = SequenceMatcher(None, old_lines, new_lines, autojunk=False).get_opcodes()
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            first, last = index == 0, index == len(opcodes) - 1
            rows += _unchanged(old_lines, i1, i2, j1, context, first=first, last=last)
        else:
            rows += _changed(old_lines[i1:i2], new_lines[j1:j2], i1, j1)
    return rows


def _unchanged(
    lines: Sequence[str], i1: int, i2: int, j1: int, context: int, *, first: bool, last: bool
) -> list[DiffLine]:
    """A run of equal lines, its middle collapsed into a gap when it is long."""
    head = 0 if first else context
    tail = 0 if last else context
    if i2 - i1 - head - tail < MIN_GAP:
        head, tail = i2 - i1, 0
    rows = [_same(lines, i, j1 + i - i1) for i in range(i1, i1 + head)]
    hidden = i2 - i1 - head - tail
    if hidden > 0:
        rows.append(DiffLine("gap", None, None, "", skipped=hidden))
    rows += [_same(lines, i, j1 + i - i1) for i in range(i2 - tail, i2)]
    return rows


def _same(lines: Sequence[str], i: int, j: int) -> DiffLine:
    return DiffLine("same", i + 1, j + 1, lines[i], [(False, lines[i])])


def _changed(removed: Sequence[str], added: Sequence[str], i1: int, j1: int) -> list[DiffLine]:
    """Removed rows, then added rows; similar pairs (by position) get word segments."""
    removed_segments = [[(False, line)] for line in removed]
    added_segments = [[(False, line)] for line in added]
    for k in range(min(len(removed), len(added))):
        pair = _word_segments(removed[k], added[k])
        if pair is not None:
            removed_segments[k], added_segments[k] = pair
    rows = [
        DiffLine("removed", i1 + k + 1, None, line, removed_segments[k])
        for k, line in enumerate(removed)
    ]
    rows += [
        DiffLine("added", None, j1 + k + 1, line, added_segments[k]) for k, line in enumerate(added)
    ]
    return rows


def _word_segments(old: str, new: str) -> tuple[list[Segment], list[Segment]] | None:
    """Changed and unchanged parts of two similar lines, or ``None`` if they are not similar."""
    old_words, new_words = TOKEN_RE.findall(old), TOKEN_RE.findall(new)
    matcher = SequenceMatcher(None, old_words, new_words, autojunk=False)
    if matcher.ratio() <= SIMILAR_RATIO:
        return None
    old_parts: list[Segment] = []
    new_parts: list[Segment] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        changed = tag != "equal"
        _append(old_parts, changed, "".join(old_words[i1:i2]))
        _append(new_parts, changed, "".join(new_words[j1:j2]))
    return old_parts, new_parts


def _append(parts: list[Segment], changed: bool, text: str) -> None:
    """Add a segment, merging it into the previous one when both are (un)changed alike."""
    if not text:
        return
    if parts and parts[-1][0] == changed:
        parts[-1] = (changed, parts[-1][1] + text)
    else:
        parts.append((changed, text))


def diff_fields(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[FieldChange]:
    """The fields whose values differ, in the order of ``old`` and then new fields.

    A missing field, ``None``, ``""`` and an empty list all count as "no value", so adding
    ``tags: []`` is not reported as a change.
    """
    return [
        FieldChange(name, old.get(name), new.get(name))
        for name in _names(old, new)
        if _value(old.get(name)) != _value(new.get(name))
    ]


def _names(old: Mapping[str, Any], new: Mapping[str, Any]) -> Iterator[str]:
    yield from old
    yield from (name for name in new if name not in old)


def _value(value: Any) -> Any:
    return None if value in (None, "", [], (), {}) else value
