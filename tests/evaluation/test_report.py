"""An evaluation run from the database on hand-computed data: the runner's windows and
control group, the report page, its XLSX and `flask lms evaluation run` (slug, file, JSON).

Ann and Bob completed the course in April 2026, Cid and Dan (same department and
position) did not: they are the control group; Eve works elsewhere and is no control.
DSAT (lower is better), two months either side of April (which counts in neither):
Ann 10 -> 6, Bob 11 -> 8: participants' change -3.5. Cid 10 -> 9, Dan 10 -> 10: controls'
change -0.5. Effect: 3 points of improvement per participant and month.
Benefits: 3 x 500 x 12 x 2 = 36,000. Costs: 1,000 development + 2 x 100 delivery + 2 h x 50
x 2 people + 200 evaluation = 1,600. BCR 22.5, ROI 2,150 %.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from openpyxl import load_workbook

from lms.auth.models import Department, Position
from lms.courses.models import Course, Enrolment
from lms.evaluation import runner, surveys
from lms.evaluation.catalogue import load_metrics
from lms.evaluation.library import definition_of
from lms.evaluation.models import KpiValue, Metric
from lms.extensions import db
from lms.models_base import utcnow
from lms.yamlfile import load_yaml
from tests.conftest import Browser

METRICS_YML = """\
metrics:
  - {code: dsat, name: {ru: DSAT, en: Dissatisfied}, unit: "%", direction: lower}
  - {code: csat, name: {ru: CSAT, en: Satisfied}, unit: "%", direction: higher}
"""
DEFINITION = """\
title: Calm calls, April
course: calm-course
completed_from: 2026-04-01
completed_to: 2026-04-30
before_months: 2
after_months: 2
control_group: true
metrics:
  dsat: 500
  csat: null
costs:
  development: 1000
  delivery_per_participant: 100
  hourly_cost: 50
  evaluation: 200
"""
# DSAT by person: Feb, Mar, (Apr: the completion month, ignored), May, Jun
DSAT = {
    "ann": (10, 10, 50, 6, 6),
    "bob": (12, 10, 50, 8, 8),
    "cid": (10, 10, 50, 9, 9),
    "dan": (10, 10, 50, 10, 10),
    "eve": (30, 30, 30, 1, 1),
}
MONTHS = [date(2026, m, 1) for m in (2, 3, 4, 5, 6)]


@pytest.fixture
def world(app: Flask, make_user: Any, make_org: Any) -> dict[str, Any]:
    line = make_org(Department, "calm-line", "Calm line")
    other = make_org(Department, "other-line", "Other line")
    agent = make_org(Position, "calm-agent", "Agent")
    people = {
        key: make_user("agent", name=key.title(), email=f"{key}@report.example", locale="en",
                       department=other if key == "eve" else line, position=agent)
        for key in DSAT
    }  # fmt: skip
    people["hr"] = make_user("hr", name="Hal", email="hal@report.example", locale="en")
    with app.test_request_context():
        course = Course(slug="calm-course", title="Calm calls", duration_minutes=120)
        db.session.add(course)
        db.session.flush()
        load_metrics(db.session, load_yaml(METRICS_YML), filename="metrics.yml")
        metrics = {m.code: m.id for m in db.session.scalars(db.select(Metric))}
        for key, done in (("ann", 15), ("bob", 20)):
            db.session.add(
                Enrolment(user_id=people[key].id, course_id=course.id,
                          completed_at=datetime(2026, 4, done, 10, tzinfo=UTC))
            )  # fmt: skip
        for key, values in DSAT.items():
            for month, value in zip(MONTHS, values, strict=True):
                db.session.add(KpiValue(user_id=people[key].id, metric_id=metrics["dsat"],
                                        period=month, value=value))  # fmt: skip
                rise = 2 if month.month > 4 else 0
                db.session.add(KpiValue(user_id=people[key].id, metric_id=metrics["csat"],
                                        period=month, value=80 + rise))  # fmt: skip
        surveys.save_evaluation(db.session, "calm-april", DEFINITION, actor=None, now=utcnow())
        surveys.save_reaction(db.session, people["ann"], course, 5, 4, 3, "Let them finish.",
                              now=utcnow())  # fmt: skip
        surveys.save_reaction(db.session, people["bob"], course, 4, 4, 4, "=1+1 then more",
                              now=utcnow())  # fmt: skip
        db.session.commit()
    return people


def run_report() -> runner.EvaluationReport:
    evaluation = runner.evaluation_with_target(db.session, "calm-april")
    assert evaluation is not None
    return runner.run(db.session, evaluation, definition_of(evaluation), locale="en")


def test_the_runner_reads_windows_and_controls_from_the_database(
    app: Flask, world: dict[str, Any]
) -> None:
    with app.test_request_context():
        report = run_report()
    assert report.participants == 2 and report.course_hours == 2
    assert (report.kpi_first, report.kpi_last) == (date(2026, 2, 1), date(2026, 6, 1))
    dsat, csat = report.result.level4.metrics
    assert (dsat.before, dsat.after, dsat.change) == (10.5, 7.0, -3.5)
    assert (dsat.control_before, dsat.control_after, dsat.control_change) == (10.0, 9.5, -0.5)
    assert dsat.method == "control" and dsat.effect == pytest.approx(3.0)
    assert csat.effect == pytest.approx(0.0)  # everyone rose by 2: no effect of training
    fifth = report.result.level5
    assert fifth.total_benefit == pytest.approx(36_000)
    assert fifth.costs.total == pytest.approx(1_600)
    assert (fifth.bcr, fifth.roi_pct) == (pytest.approx(22.5), pytest.approx(2_150))
    assert fifth.intangibles == ["csat"]
    second = report.result.level2  # the course has no quizzes: nobody passed one
    assert (second.participants, second.paired, second.passed_pct) == (2, 0, 0.0)
    first = report.result.level1
    assert (first.responses, first.response_rate, first.overall_mean) == (2, 100.0, 4.0)
    assert first.planned_actions == ["Let them finish.", "=1+1 then more"]


def test_hr_reads_the_report_and_exports_its_numbers(app: Flask, world: dict[str, Any]) -> None:
    agent = Browser(app.test_client())
    agent.login("ann@report.example")
    assert agent.get("/evaluations/calm-april").status_code == 403
    assert agent.get("/evaluations/calm-april.xlsx").status_code == 403
    hr = Browser(app.test_client())
    hr.login("hal@report.example")
    page = hr.get("/evaluations/calm-april").get_data(as_text=True)
    for text in (
        "Level 1. Reaction",
        "Level 5. Return on investment",
        "2 150%",
        "22.5",
        "36 000",
        "1 600",
        "control group",
        "2026-02 — 2026-06",
        "<svg",
    ):
        assert text in page, text  # fmt: skip
    assert hr.get("/evaluations/nothing-here").status_code == 404
    response = hr.get("/evaluations/calm-april.xlsx")
    book = load_workbook(io.BytesIO(response.data))
    figures = {row[1]: row[2] for row in book["Figures"].iter_rows(min_row=2, values_only=True)}
    assert figures["ROI, %"] == pytest.approx(2_150)
    assert figures["Fully loaded costs"] == 1_600
    typed = [row[2] for row in book["Figures"].iter_rows(min_row=2) if row[1].value ==
             "Planned action"]  # fmt: skip
    assert [(c.value, c.data_type) for c in typed][-1] == ("=1+1 then more", "s")  # no formula
    people = list(book["Participants"].iter_rows(values_only=True))
    assert people[0][:5] == ("Email", "Name", "Completed", "dsat before", "dsat after")
    assert people[1][0] == "ann@report.example" and people[1][3:5] == (10, 6)


def test_the_command_prints_every_figure_for_a_slug_or_a_file(
    app: Flask, world: dict[str, Any], tmp_path: Path
) -> None:
    cli = app.test_cli_runner()
    result = cli.invoke(args=["lms", "evaluation", "run", "calm-april"])
    assert result.exit_code == 0, result.output
    assert "ROI, %: 2150" in result.output and "Benefit-cost ratio (BCR): 22.5" in result.output
    assert "Dissatisfied: isolation method: control group" in result.output
    as_json = json.loads(cli.invoke(args=["lms", "evaluation", "run", "calm-april", "--json"])
                         .output)  # fmt: skip
    assert as_json["level5"]["roi_pct"] == pytest.approx(2_150)
    assert as_json["level4"]["methods"] == ["control group"]
    path = tmp_path / "calm-without-control.yml"
    path.write_text(DEFINITION.replace("control_group: true", "control_group: false"), "utf-8")
    from_file = cli.invoke(args=["lms", "evaluation", "run", str(path)])
    assert from_file.exit_code == 0, from_file.output
    # No control group and nobody estimated the share of the training: no effect, no money.
    assert "Dissatisfied: effect per participant and month: —" in from_file.output
    missing = cli.invoke(args=["lms", "evaluation", "run", "nothing-here"])
    assert missing.exit_code == 1 and "calm-april" in missing.output
    broken = tmp_path / "broken.yml"
    broken.write_text(DEFINITION.replace("before_months: 2", "before_months: 0"), "utf-8")
    refused = cli.invoke(args=["lms", "evaluation", "run", str(broken)])
    assert refused.exit_code == 1 and "broken.yml, line 5" in refused.output


def test_the_api_returns_the_same_figures(app: Flask, world: dict[str, Any], client) -> None:
    from tests.evaluation.test_api import bearer

    response = client.get("/api/v1/evaluations/calm-april", headers=bearer(app, world["hr"]))
    body = response.get_json()
    assert body["level5"]["roi_pct"] == pytest.approx(2_150)
    assert body["level4"]["methods"] == ["control group"] and body["participants"] == 2
    denied = client.get("/api/v1/evaluations/calm-april", headers=bearer(app, world["ann"]))
    assert denied.status_code == 403
