"""API for HR's tools: KPI values and customer ratings sent as the same CSV or XLSX files
the import pages take, and an evaluation's figures as JSON."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import abort, jsonify, request
from flask_babel import get_locale

from lms.api.views import bp
from lms.auth.access import TRAINING_ADMIN, access
from lms.errors import ServiceError
from lms.evaluation import runner
from lms.evaluation.figures import report_json
from lms.evaluation.kpi_import import import_kpi_values
from lms.evaluation.library import definition_of
from lms.evaluation.ratings_import import import_ratings
from lms.extensions import db
from lms.i18n import _
from lms.models_base import utcnow
from lms.xlsx import XLSX_TYPE


def _upload() -> tuple[bytes, str]:
    """The file: a multipart field "file", or the request body itself (text/csv or XLSX)."""
    upload = request.files.get("file")
    if upload is not None:
        return upload.read(), upload.filename or "upload.csv"
    data = request.get_data(cache=False)
    if not data:
        raise ServiceError(_("Send the file as the request body or as a form field “file”."))
    extension = ".xlsx" if request.mimetype == XLSX_TYPE or data[:2] == b"PK" else ".csv"
    return data, request.args.get("filename") or f"upload{extension}"


def _run(action: Callable[[bool], Any], as_json: Callable[[Any], dict[str, Any]]) -> Any:
    """Run an import (``?dry_run=1``: check and count only) and answer with its counts,
    or 400 with every problem; nothing is written unless the whole file is right."""
    dry_run = request.args.get("dry_run", "").lower() in ("1", "true", "yes")
    try:
        report = action(dry_run)
    except ServiceError as error:  # ImportProblems lists every row's problem
        db.session.rollback()
        return jsonify(error=error.message, problems=getattr(error, "problems", [])), 400
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    return jsonify(**as_json(report), dry_run=dry_run, summary=report.summary())


@bp.post("/kpi/values")
@access(TRAINING_ADMIN)
def kpi_values() -> Any:
    """Import per-agent KPI values (columns email, period, metric, value): all or none."""

    def imported(dry_run: bool) -> Any:
        data, filename = _upload()
        return import_kpi_values(db.session, data, filename=filename, today=date.today(),
                                 now=utcnow(), dry_run=dry_run)  # fmt: skip

    return _run(
        imported,
        lambda r: {
            "rows": r.rows, "created": r.created, "replaced": r.replaced, "people": r.people,
            "periods": [f"{p:%Y-%m}" for p in r.periods], "metrics": r.metrics,
        },
    )  # fmt: skip


@bp.post("/kpi/ratings")
@access(TRAINING_ADMIN)
def kpi_ratings() -> Any:
    """Import customer ratings (email, rated_at, channel, quality, speed, ticket, comment)."""

    def imported(dry_run: bool) -> Any:
        data, filename = _upload()
        return import_ratings(db.session, data, filename=filename, now=utcnow(), dry_run=dry_run)

    return _run(
        imported,
        lambda r: {
            "rows": r.rows, "created": r.created, "updated": r.updated,
            "negative": r.negative, "without_manager": r.without_manager, "people": r.people,
        },
    )  # fmt: skip


@bp.get("/evaluations/<slug>")
@access(TRAINING_ADMIN)
def evaluation_figures(slug: str) -> Any:
    """Every figure of an evaluation's five levels, as `flask lms evaluation run --json`."""
    evaluation = runner.evaluation_with_target(db.session, slug)
    if evaluation is None:
        abort(404)
    try:
        report = runner.run(
            db.session, evaluation, definition_of(evaluation), locale=get_locale().language
        )
    except ServiceError as error:
        return jsonify(error=error.message), 409
    return jsonify(report_json(report))
