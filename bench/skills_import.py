"""Skill matrix import benchmark: the exported workbook (everyone x 60 skills) read back
unchanged, then with a quarter and with all of its cells changed, planned and applied.

Each round is rolled back, so every round does the same work; the peak memory is measured
apart (tracemalloc slows Python down) for the largest import.
"""

from __future__ import annotations

import io
import resource
import time
import tracemalloc

from flask import Flask
from openpyxl import load_workbook

from bench.common import report, signed_in, timed
from lms.extensions import db
from lms.models_base import utcnow
from lms.skills.workbook import apply_plan, plan_import

ROUNDS = 3


def changed(data: bytes, every: int) -> bytes:
    """The workbook with every ``every``-th level cell of the Matrix sheet changed."""
    book = load_workbook(io.BytesIO(data))
    count = 0
    for row in book["Matrix"].iter_rows(min_row=2, min_col=5):
        for cell in row:
            count += 1
            if count % every == 0:
                cell.value = 0 if cell.value is None else (cell.value + 1) % 5
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def import_once(app: Flask, data: bytes, *, apply: bool) -> int:
    """Plan (and apply) the workbook, then roll back; returns the number of changes."""
    with app.test_request_context():
        plan = plan_import(db.session, data, filename="bench.xlsx")
        if apply:
            apply_plan(db.session, plan, actor=None, now=utcnow())
        db.session.rollback()
        return len(plan.assessments)


def run(app: Flask) -> None:
    hr, _ = signed_in(app, "hr@example.com")
    exported = hr.get("/skills/matrix.xlsx").data
    start = time.perf_counter()
    quarter, everything = changed(exported, 4), changed(exported, 1)
    print(f"Skills import: workbook of {len(exported) / 1e6:.1f} MB; edited copies made in "
          f"{time.perf_counter() - start:.1f} s")  # fmt: skip
    report(
        "import, unchanged workbook (round trip)",
        timed(lambda: import_once(app, exported, apply=True), ROUNDS),
    )
    for name, data in (("a quarter", quarter), ("every", everything)):
        count = import_once(app, data, apply=False)
        report(
            f"import, {name} cell changed ({count:,})",
            timed(lambda data=data: import_once(app, data, apply=True), ROUNDS),
        )
    tracemalloc.start()
    import_once(app, everything, apply=True)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"  peak Python memory of that import (tracemalloc): {peak / 2**20:.0f} MB")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak memory (max RSS of the bench process): {rss:.0f} MB")
