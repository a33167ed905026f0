"""The API for HR's tools: KPI values and ratings sent as files with a token (all or
nothing, every problem named), and an evaluation's figures as JSON."""

from __future__ import annotations

import io
from typing import Any

from flask import Flask

from lms.auth import tokens
from lms.auth.models import User
from lms.evaluation.models import CustomerRating, KpiValue
from lms.extensions import db
from tests.evaluation.conftest import csv_bytes
from tests.evaluation.test_kpi_import import stored

VALUES = csv_bytes(
    "email,period,metric,value", "ann@kpi.example,2025-04,csat,91.5",
    "bob@kpi.example,2025-04,csat,88",
)  # fmt: skip


def bearer(app: Flask, user: User) -> dict[str, str]:
    with app.test_request_context():
        _token, secret = tokens.create_api_token(db.session, db.session.get(User, user.id), "t")
        db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


def count(app: Flask, model: Any) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count(model.id)))


def test_hr_sends_kpi_values_as_a_file(app: Flask, team: dict, client: Any) -> None:
    hr = bearer(app, team["hal"])
    checked = client.post("/api/v1/kpi/values?dry_run=1", data=VALUES, headers=hr,
                          content_type="text/csv")  # fmt: skip
    assert checked.status_code == 200
    assert checked.get_json()["dry_run"] is True and count(app, KpiValue) == 0
    sent = client.post("/api/v1/kpi/values", data=VALUES, headers=hr, content_type="text/csv")
    body = sent.get_json()
    assert (body["rows"], body["created"], body["periods"]) == (2, 2, ["2025-04"])
    assert stored(app)[("ann@kpi.example", "2025-04", "csat")] == 91.5
    broken = csv_bytes("email,period,metric,value", "zed@kpi.example,2025-13,csat,x")
    refused = client.post("/api/v1/kpi/values?filename=team.csv", data=broken, headers=hr,
                          content_type="text/csv")  # fmt: skip
    assert refused.status_code == 400
    problems = "\n".join(refused.get_json()["problems"])
    assert "team.csv" in problems and "row 2, column email" in problems
    assert "column period" in problems and "column value" in problems
    assert count(app, KpiValue) == 2  # nothing more written
    empty = client.post("/api/v1/kpi/values", data=b"", headers=hr, content_type="text/csv")
    assert empty.status_code == 400 and "file" in empty.get_json()["error"]


def test_ratings_by_file_upload_and_who_may_send(app: Flask, team: dict, client: Any) -> None:
    ratings = csv_bytes(
        "email,rated_at,channel,quality,speed,ticket,comment",
        "ann@kpi.example,2025-06-01,chat,1,2,T-1,Rude",
    )
    agent = bearer(app, team["ann"])
    denied = client.post("/api/v1/kpi/ratings", data=ratings, headers=agent,
                         content_type="text/csv")  # fmt: skip
    assert denied.status_code == 403 and count(app, CustomerRating) == 0
    upload = {"file": (io.BytesIO(ratings), "ratings.csv")}
    sent = client.post("/api/v1/kpi/ratings", data=upload, headers=bearer(app, team["hal"]),
                       content_type="multipart/form-data")  # fmt: skip
    assert sent.status_code == 200, sent.get_data(as_text=True)
    assert (sent.get_json()["created"], sent.get_json()["negative"]) == (1, 1)
    assert count(app, CustomerRating) == 1
    assert client.get("/api/v1/evaluations/nothing", headers=agent).status_code == 403
    assert client.get("/api/v1/evaluations/nothing",
                      headers=bearer(app, team["hal"])).status_code == 404  # fmt: skip
