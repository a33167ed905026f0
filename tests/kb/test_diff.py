"""Revision diffs: lines, word-level emphasis, collapsed context and metadata changes."""

from __future__ import annotations

from lms.kb.diff import DiffLine, FieldChange, diff_fields, diff_revisions


def numbered(prefix: str, count: int) -> list[str]:
    return [f"{prefix} {n}" for n in range(1, count + 1)]


def test_identical_texts_have_no_diff() -> None:
    assert diff_revisions("a\nb\n", "a\nb") == []


def test_a_changed_word_is_emphasised() -> None:
    rows = diff_revisions("Срок возврата — 14 дней.", "Срок возврата — 30 дней.")
    assert rows == [
        DiffLine(
            "removed",
            1,
            None,
            "Срок возврата — 14 дней.",
            [(False, "Срок возврата — "), (True, "14"), (False, " дней.")],
        ),
        DiffLine(
            "added",
            None,
            1,
            "Срок возврата — 30 дней.",
            [(False, "Срок возврата — "), (True, "30"), (False, " дней.")],
        ),
    ]


def test_dissimilar_lines_are_not_emphasised() -> None:
    rows = diff_revisions("Позвоните в банк", "Заказ уже в пути к вам")
    assert [(row.kind, row.segments) for row in rows] == [
        ("removed", [(False, "Позвоните в банк")]),
        ("added", [(False, "Заказ уже в пути к вам")]),
    ]


def test_added_and_removed_lines_carry_their_numbers() -> None:
    rows = diff_revisions("a\nb\nc", "a\nc\nd")
    assert [(r.kind, r.old_no, r.new_no, r.text) for r in rows] == [
        ("same", 1, 1, "a"),
        ("removed", 2, None, "b"),
        ("same", 3, 2, "c"),
        ("added", None, 3, "d"),
    ]


def test_long_unchanged_stretches_collapse_into_gaps() -> None:
    old = [*numbered("head", 10), "middle old", *numbered("body", 10), "end old", "tail"]
    new = [*numbered("head", 10), "middle new", *numbered("body", 10), "end new", "tail"]
    rows = diff_revisions("\n".join(old), "\n".join(new), context=2)
    assert [(r.kind, r.text or r.skipped) for r in rows] == [
        ("gap", 8),
        ("same", "head 9"),
        ("same", "head 10"),
        ("removed", "middle old"),
        ("added", "middle new"),
        ("same", "body 1"),
        ("same", "body 2"),
        ("gap", 6),
        ("same", "body 9"),
        ("same", "body 10"),
        ("removed", "end old"),
        ("added", "end new"),
        ("same", "tail"),
    ]
    gap = rows[0]
    assert (gap.old_no, gap.new_no, gap.segments) == (None, None, [])


def test_short_stretches_are_not_collapsed() -> None:
    old = ["x", "a", "b", "c", "d", "e", "y"]
    new = ["X", "a", "b", "c", "d", "e", "Y"]
    rows = diff_revisions("\n".join(old), "\n".join(new), context=2)
    assert [r.kind for r in rows].count("gap") == 0
    assert [r.text for r in rows if r.kind == "same"] == ["a", "b", "c", "d", "e"]


def test_text_stays_plain() -> None:
    rows = diff_revisions("<b>old</b>", "<script>new</script>")
    assert {row.text for row in rows} == {"<b>old</b>", "<script>new</script>"}


def test_field_changes() -> None:
    old = {"title": "Возврат", "tags": ["возврат"], "owner": "a@example.com", "kind": "article"}
    new = {
        "title": "Возврат заказа",
        "tags": ["возврат", "оплата"],
        "kind": "article",
        "skills": [],
    }
    assert diff_fields(old, new) == [
        FieldChange("title", "Возврат", "Возврат заказа"),
        FieldChange("tags", ["возврат"], ["возврат", "оплата"]),
        FieldChange("owner", "a@example.com", None),
    ]


def test_empty_values_are_no_change() -> None:
    assert diff_fields({"tags": [], "owner": None}, {"departments": [], "owner": ""}) == []
    assert diff_fields({}, {"lang": "en"}) == [FieldChange("lang", None, "en")]
