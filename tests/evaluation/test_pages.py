"""KPI pages: who sees whose KPIs, what the pages show, the import page, the overview's
marks, and the shipped metrics catalogue."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from lms.evaluation.catalogue import load_metrics, load_metrics_dir
from lms.evaluation.kpi_import import import_kpi_values
from lms.evaluation.models import Metric, MetricTarget
from lms.extensions import db
from lms.kb.sync import SyncError
from lms.yamlfile import load_yaml
from tests.conftest import ROOT
from tests.evaluation.conftest import NOW, TODAY, csv_bytes

HEADER = "email,period,metric,value"


def load(app: Any, *lines: str) -> None:
    with app.test_request_context():
        import_kpi_values(
            db.session, csv_bytes(HEADER, *lines), filename="k.csv", today=TODAY, now=NOW
        )
        db.session.commit()


def three_months(email: str, csat: float, response: float) -> list[str]:
    lines = []
    for m in ("2025-03", "2025-04", "2025-05"):
        lines += [f"{email},{m},csat,{csat}", f"{email},{m},first-response,{response}"]
    return lines


def test_an_agent_sees_their_own_kpis_and_nobody_elses(app: Any, team: dict, sign_in: Any) -> None:
    # Ann: csat 99/90 = 110%, response 5/5 = 100%: 105% overall three times -> raise candidate
    load(app, *three_months("ann@kpi.example", 99, 5))
    ann = sign_in(team["ann"])
    page = ann.get("/kpi/me").get_data(as_text=True)
    assert "My KPIs" in page and "raise candidate" in page
    assert "105%" in page and "110%" in page
    assert ann.get(f"/kpi/people/{team['ann'].id}").status_code == 200
    assert ann.get(f"/kpi/people/{team['bob'].id}").status_code == 403
    assert ann.get("/kpi").status_code == 403  # neither mentor, manager nor HR
    assert ann.get("/kpi/import").status_code == 403
    assert ann.get("/kpi/people/999999").status_code == 404


def test_mentor_manager_and_hr_see_their_people(app: Any, team: dict, sign_in: Any) -> None:
    ann, bob, cid = (f"/kpi/people/{team[k].id}" for k in ("ann", "bob", "cid"))
    meg, mia, hal = sign_in(team["meg"]), sign_in(team["mia"]), sign_in(team["hal"])
    assert meg.get(ann).status_code == 200  # her mentee
    assert meg.get(bob).status_code == 403
    assert mia.get(ann).status_code == 200 and mia.get(bob).status_code == 200  # her reports
    assert mia.get(cid).status_code == 403
    assert all(hal.get(url).status_code == 200 for url in (ann, bob, cid))


def test_the_overview_marks_raise_candidates_and_people_at_risk(
    app: Any, team: dict, sign_in: Any
) -> None:
    load(app, *three_months("ann@kpi.example", 99, 5))  # 105%
    load(app, *three_months("bob@kpi.example", 72, 8))  # 80% and 62.5%: 71.25%
    mia = sign_in(team["mia"])
    page = mia.get("/kpi").get_data(as_text=True)
    raise_part = page.split('id="h-raise_candidate"')[1].split("</section>")[0]
    risk_part = page.split('id="h-at_risk"')[1].split("</section>")[0]
    assert "Ann Agent" in raise_part and "Bob Agent" not in raise_part
    assert "Bob Agent" in risk_part and "71%" in risk_part
    meg_page = sign_in(team["meg"]).get("/kpi").get_data(as_text=True)
    assert "Ann Agent" in meg_page and "Bob Agent" not in meg_page  # only her mentee
    hr = sign_in(team["hal"])
    hr_page = hr.get("/kpi").get_data(as_text=True)
    assert "KPI line" in hr_page and "Bob Agent" in hr_page
    one = hr.get(f"/kpi?department={team['line'].id}&month=2025-04").get_data(as_text=True)
    assert "Ann Agent" in one and "April 2025" in one
    assert hr.get("/kpi?month=2025-99").status_code == 400


def test_the_overview_does_not_query_per_person(
    app: Any, team: dict, make_user: Any, sign_in: Any, count_queries: Any
) -> None:
    hr = sign_in(team["hal"])
    load(app, *three_months("ann@kpi.example", 99, 5))
    url = f"/kpi?department={team['line'].id}"
    few = count_queries(lambda: hr.get(url))
    lines = []
    for n in range(15):
        person = make_user("agent", department=team["line"], email=f"p{n}@kpi.example")
        lines += three_months(person.email, 80 + n, 5)
    load(app, *lines)
    assert count_queries(lambda: hr.get(url)) == few


def upload(browser: Any, data: bytes, **fields: str) -> Any:
    form = {"file": (io.BytesIO(data), "kpi.csv"), **fields}
    return browser.post("/kpi/import", form, content_type="multipart/form-data")


def test_hr_imports_kpis_on_the_page(app: Any, team: dict, sign_in: Any) -> None:
    hr = sign_in(team["hal"])
    data = csv_bytes(HEADER, "ann@kpi.example,2025-04,csat,80", "zed@kpi.example,2025-04,csat,1")
    response = upload(hr, data)
    assert response.status_code == 400
    assert (
        "kpi.csv, row 3, column email: nobody has the e-mail zed@kpi.example."
        in response.get_data(as_text=True)
    )
    data = csv_bytes(HEADER, "ann@kpi.example,2025-04,csat,80")
    response = upload(hr, data, dry_run="y")
    assert "Nothing was saved" in response.get_data(as_text=True)
    response = upload(hr, data)
    assert "1 values imported" in response.get_data(as_text=True)
    assert hr.get("/kpi/ratings/import").status_code == 200


def test_the_shipped_catalogue_loads(app: Any, make_org: Any) -> None:
    from lms.auth.models import Department

    make_org(Department, "line1", "Line one")
    with app.test_request_context():
        report = load_metrics_dir(db.session, ROOT / "content")
        assert report is not None and report.created + report.updated == 8
        assert "line2" in report.unknown_departments  # not in this database: skipped
        metrics = {m.code: m for m in db.session.scalars(db.select(Metric))}
        assert metrics["first-response"].direction == "lower"
        assert metrics["csat"].direction == "higher"
        assert {"dsat", "missed-calls", "resolution-time", "fcr", "qa-score",
                "requests-handled"} <= set(metrics)  # fmt: skip
        assert db.session.scalar(db.select(db.func.count(MetricTarget.id))) == 8
        again = load_metrics_dir(db.session, ROOT / "content")
        assert again is not None and again.created == 0


def test_catalogue_problems_name_the_line(app: Any) -> None:
    text = (
        "metrics:\n  - code: Bad Code\n    name: {ru: X}\n    direction: up\n"
        "    targets: {line1: 0}\n"
    )
    with app.test_request_context(), pytest.raises(SyncError) as caught:
        load_metrics(db.session, load_yaml(text), filename="kpi/metrics.yml")
    problems = "\n".join(caught.value.problems)
    assert "kpi/metrics.yml, line 2, field code" in problems
    assert "line 4, field direction" in problems
    assert "line 5, field line1: a target is a number greater than zero." in problems


def test_sync_loads_the_catalogue(app: Any, tmp_path: Path) -> None:
    (tmp_path / "kpi").mkdir()
    (tmp_path / "kpi" / "metrics.yml").write_text(
        "metrics:\n  - code: csat\n    name: {ru: CSAT}\n    unit: '%'\n    direction: higher\n",
        encoding="utf-8",
    )
    result = app.test_cli_runner().invoke(args=["lms", "sync", "--content", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "KPI metrics: 1 created, 0 updated; 0 targets set." in result.output
