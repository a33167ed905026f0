"""KPI import benchmark: 100,000 values (2,000 agents x 8 metrics x 6 months, and a seventh
month for 500 of them) from CSV and from XLSX, first into an empty table and then again
(every value replaced); the attainment of every person and month read back, and HR's
overview page."""

from __future__ import annotations

import io
import random
import resource
import time
from datetime import UTC, date, datetime
from pathlib import Path

from flask import Flask
from openpyxl import Workbook
from sqlalchemy import delete, select

from bench.common import report, signed_in, timed
from lms.auth.models import Department, User
from lms.evaluation.catalogue import load_metrics_dir
from lms.evaluation.kpi import compute_months, load_catalogue, value_rows
from lms.evaluation.kpi_import import import_kpi_values
from lms.evaluation.models import KpiValue, Metric
from lms.extensions import db

AGENTS, MONTHS, TOTAL = 2_000, 6, 100_000
REPEAT = 3


def rows(app: Flask) -> list[tuple[str, str, str, float]]:
    """(email, period, metric, value) for 100,000 values of the bench's agents."""
    with app.app_context():
        load_metrics_dir(db.session, Path(app.root_path).parent / "content")
        db.session.commit()
        metrics = list(db.session.scalars(select(Metric.code).order_by(Metric.position)))
        emails = list(
            db.session.scalars(
                select(User.email).where(User.email.like("bench%")).order_by(User.id).limit(AGENTS)
            )
        )
    rng = random.Random(9)
    periods = [f"2024-{n:02d}" for n in range(1, MONTHS + 2)]
    data = []
    for n, period in enumerate(periods):
        for email in emails if n < MONTHS else emails[: (TOTAL - len(data)) // len(metrics)]:
            data.extend((email, period, code, round(rng.uniform(1, 99), 2)) for code in metrics)
    return data[:TOTAL]


def as_csv(data: list[tuple[str, str, str, float]]) -> bytes:
    lines = ["email;period;metric;value"]
    lines.extend(f"{e};{p};{m};{str(v).replace('.', ',')}" for e, p, m, v in data)
    return ("\n".join(lines) + "\n").encode()


def as_xlsx(data: list[tuple[str, str, str, float]]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("KPI")
    sheet.append(["email", "period", "metric", "value"])
    for row in data:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def run_import(app: Flask, payload: bytes, filename: str, *, empty: bool) -> float:
    """One import committed, in ms; ``empty`` clears the table first (not timed)."""
    with app.test_request_context():
        if empty:
            db.session.execute(delete(KpiValue))
            db.session.commit()
        start = time.perf_counter()
        result = import_kpi_values(
            db.session, payload, filename=filename, today=date.today(), now=datetime.now(UTC)
        )
        db.session.commit()
        elapsed = (time.perf_counter() - start) * 1000
    assert result.rows == TOTAL, result
    return elapsed


def attainment_of_everyone(app: Flask) -> float:
    with app.app_context():
        start = time.perf_counter()
        catalogue = load_catalogue(db.session)
        found = value_rows(db.session, None, date(2000, 1, 1), date(2100, 1, 1))
        departments = dict(db.session.execute(select(User.id, User.department_id)).all())
        compute_months(found, departments, catalogue)
        return (time.perf_counter() - start) * 1000


def run(app: Flask) -> None:
    data = rows(app)
    csv_bytes, xlsx_bytes = as_csv(data), as_xlsx(data)
    print(f"KPI import: {len(data):,} values; CSV {len(csv_bytes) / 2**20:.1f} MB, "
          f"XLSX {len(xlsx_bytes) / 2**20:.1f} MB")  # fmt: skip
    for name, payload, filename in (
        ("CSV", csv_bytes, "kpi.csv"),
        ("XLSX", xlsx_bytes, "kpi.xlsx"),
    ):
        fresh = [run_import(app, payload, filename, empty=True) for _ in range(REPEAT)]
        report(f"{name}, 100,000 new values", fresh)
        again = [run_import(app, payload, filename, empty=False) for _ in range(REPEAT)]
        report(f"{name}, 100,000 values replaced", again)
    report("attainment of everyone, all months", [attainment_of_everyone(app) for _ in range(5)])
    hr, _token = signed_in(app, "hr@example.com")
    with app.app_context():
        line1 = db.session.scalar(select(Department.id).where(Department.code == "line1"))
    report("KPI overview page, HR, everyone", timed(lambda: hr.get("/kpi"), 5))
    department = f"/kpi?department={line1}"
    report("KPI overview page, one department", timed(lambda: hr.get(department), 5))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak memory (max RSS of the bench process): {peak:.0f} MB")
