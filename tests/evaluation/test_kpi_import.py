"""The KPI import: CSV and XLSX, every bad row named by row and column with nothing written,
re-import replacing, dry run, and the command line."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

import pytest
from openpyxl import Workbook

from lms.evaluation.kpi_import import import_kpi_values
from lms.evaluation.models import KpiValue
from lms.extensions import db
from lms.tables import ImportProblems
from tests.evaluation.conftest import NOW, TODAY, csv_bytes, month


def run(app: Any, data: bytes, *, dry_run: bool = False, filename: str = "kpi.csv") -> Any:
    with app.test_request_context():
        report = import_kpi_values(
            db.session, data, filename=filename, today=TODAY, now=NOW, dry_run=dry_run
        )
        db.session.commit()
        return report


def stored(app: Any) -> dict[tuple[str, str, str], float]:
    with app.test_request_context():
        rows = db.session.scalars(db.select(KpiValue).options(db.joinedload(KpiValue.metric)))
        emails = dict(db.session.execute(db.text("SELECT id, email FROM users")).all())
        return {(emails[r.user_id], f"{r.period:%Y-%m}", r.metric.code): r.value for r in rows}


def problems_of(app: Any, data: bytes, filename: str = "kpi.csv") -> list[str]:
    with pytest.raises(ImportProblems) as caught:
        run(app, data, filename=filename)
    return caught.value.problems


def test_a_csv_file_is_imported(app: Any, team: dict) -> None:
    data = csv_bytes(
        "email,period,metric,value",
        "ann@kpi.example,2025-04,csat,91.5",
        "ANN@kpi.example,2025-04,First-Response,4",
        "bob@kpi.example,2025-05,csat,88",
    )
    report = run(app, data)
    assert (report.rows, report.created, report.replaced, report.people) == (3, 3, 0, 2)
    assert report.periods == [month(2025, 4), month(2025, 5)]
    assert stored(app) == {
        ("ann@kpi.example", "2025-04", "csat"): 91.5,
        ("ann@kpi.example", "2025-04", "first-response"): 4.0,
        ("bob@kpi.example", "2025-05", "csat"): 88.0,
    }


def test_semicolons_bom_decimal_comma_and_any_column_order(app: Any, team: dict) -> None:
    data = csv_bytes(
        "Value;Metric;Email;Period",
        "12,5;csat;ann@kpi.example;2025-03",
        '"1 234,5";csat;bob@kpi.example;2025-03',
        bom=True,
    )
    run(app, data)
    assert stored(app) == {
        ("ann@kpi.example", "2025-03", "csat"): 12.5,
        ("bob@kpi.example", "2025-03", "csat"): 1234.5,
    }


def test_every_bad_row_is_named_and_nothing_is_written(app: Any, team: dict) -> None:
    data = csv_bytes(
        "email,period,metric,value",
        "ann@kpi.example,2025-04,csat,90",  # fine, but the file is refused
        "nobody@kpi.example,2025-04,csat,90",  # row 3: unknown e-mail
        "ann@kpi.example,2025-13,csat,90",  # row 4: not a month
        "ann@kpi.example,2025-04,nps,90",  # row 5: unknown metric
        "ann@kpi.example,2025-05,csat,ninety",  # row 6: not a number
        "ann@kpi.example,2025-04,csat,91",  # row 7: same as row 2
        "ann@kpi.example,2025-07,csat,91",  # row 8: month not begun (today is 2025-06-15)
        "ann@kpi.example,2025-05,csat,-1",  # row 9: negative
        ",2025-05,csat,",  # row 10: no e-mail, no value
    )
    problems = problems_of(app, data)
    text = "\n".join(problems)
    assert "kpi.csv, row 3, column email: nobody has the e-mail nobody@kpi.example." in text
    assert "row 4, column period: “2025-13” is not a month" in text
    assert "row 5, column metric: unknown metric “nps”. Known metrics: csat, first-response" in text
    assert "row 6, column value: “ninety” is not a number." in text
    assert "row 7: the same person, month and metric as row 2." in text
    assert "row 8, column period: the month 2025-07 has not begun yet." in text
    assert "row 9, column value: a KPI value cannot be negative." in text
    assert "row 10, column email: an e-mail is required." in text
    assert "row 10, column value: a number is required." in text
    assert stored(app) == {}


def test_header_problems_stop_at_once(app: Any, team: dict) -> None:
    problems = problems_of(app, csv_bytes("email,month,metric,value,extra", "a,b,c,d,e"))
    assert any("unknown column" in p and "column month" in p for p in problems)
    assert any("the required column “period” is missing" in p for p in problems)
    assert problems_of(app, b"") == ["kpi.csv: the file is empty."]
    assert problems_of(app, csv_bytes("email,period,metric,value")) == [
        "kpi.csv, row 1: the file has a header row but no data below it."
    ]


def test_reimport_of_the_same_month_replaces_the_value(app: Any, team: dict) -> None:
    header = "email,period,metric,value"
    run(
        app, csv_bytes(header, "ann@kpi.example,2025-04,csat,80", "bob@kpi.example,2025-04,csat,70")
    )
    again = csv_bytes(header, "ann@kpi.example,2025-04,csat,95", "ann@kpi.example,2025-05,csat,96")
    report = run(app, again)
    assert (report.created, report.replaced) == (1, 1)
    assert stored(app) == {
        ("ann@kpi.example", "2025-04", "csat"): 95.0,
        ("ann@kpi.example", "2025-05", "csat"): 96.0,
        ("bob@kpi.example", "2025-04", "csat"): 70.0,  # not in the file: kept
    }


def test_a_dry_run_counts_but_writes_nothing(app: Any, team: dict) -> None:
    data = csv_bytes("email,period,metric,value", "ann@kpi.example,2025-04,csat,80")
    report = run(app, data, dry_run=True)
    assert (report.rows, report.created, report.dry_run) == (1, 1, True)
    assert stored(app) == {}


def xlsx(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


def test_an_xlsx_file_with_date_and_number_cells(app: Any, team: dict) -> None:
    data = xlsx([
        ["Email", "Period", "Metric", "Value"],
        ["ann@kpi.example", datetime(2025, 2, 1), "csat", 93],
        [None, None, None, None],  # a blank row still counts
        ["bob@kpi.example", "2025-02", "first-response", "6,5"],
        ["bob@kpi.example", "2025-02", "csat", "n/a"],
    ])  # fmt: skip
    problems = problems_of(app, data, filename="kpi.xlsx")
    assert problems == ["kpi.xlsx, row 5, column value: “n/a” is not a number."]
    run(app, xlsx([r for r in [["email", "period", "metric", "value"],
                               ["ann@kpi.example", datetime(2025, 2, 1), "csat", 93],
                               ["bob@kpi.example", "2025-02", "first-response", "6,5"]]]),
        filename="kpi.xlsx")  # fmt: skip
    assert stored(app) == {
        ("ann@kpi.example", "2025-02", "csat"): 93.0,
        ("bob@kpi.example", "2025-02", "first-response"): 6.5,
    }


def test_a_broken_workbook_is_refused(app: Any, team: dict) -> None:
    assert problems_of(app, b"PK\x03\x04 not really a zip", filename="kpi.xlsx") == [
        "kpi.xlsx: this is not a readable XLSX workbook."
    ]


def test_the_command_line(app: Any, team: dict, tmp_path: Any) -> None:
    path = tmp_path / "kpi.csv"
    path.write_bytes(csv_bytes("email,period,metric,value", "ann@kpi.example,2025-04,csat,80"))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["lms", "kpi", "import", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Nothing was saved" in result.output
    assert stored(app) == {}
    result = runner.invoke(args=["lms", "kpi", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "1 values imported (1 new, 0 replaced) of 1 people for 2025-04." in result.output
    assert len(stored(app)) == 1
    path.write_bytes(csv_bytes("email,period,metric,value", "zed@kpi.example,2025-04,csat,80"))
    result = runner.invoke(args=["lms", "kpi", "import", str(path)])
    assert result.exit_code == 1
    assert "row 2, column email: nobody has the e-mail zed@kpi.example." in result.output
