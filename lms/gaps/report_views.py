"""The editors' gap report page, marking a gap resolved, and its CSV and XLSX exports."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from openpyxl import Workbook
from wtforms import HiddenField, StringField
from wtforms.validators import Length

from lms.auth.access import KB_WRITE, access
from lms.errors import ServiceError
from lms.extensions import db
from lms.gaps import report as gaps
from lms.i18n import _, _l
from lms.models_base import utcnow
from lms.xlsx import XLSX_TYPE, append

bp = Blueprint("gaps", __name__, url_prefix="/gaps")
EXPORT_COLUMNS = (
    _l("Query"),
    _l("Normalised"),
    _l("Searches"),
    _l("No results"),
    _l("Nothing opened"),
    _l("Departments"),
    _l("Last seen"),
    _l("Status"),
)
STATUS_LABELS = {"open": _l("open"), "reopened": _l("reopened")}


class ResolveGapForm(FlaskForm):
    normalized = HiddenField(validators=[Length(max=200)])
    slug = StringField(_l("Article slug"), validators=[Length(max=120)])


def failing_now() -> tuple[list[gaps.FailingSearch], list[datetime], datetime]:
    now = utcnow()
    weeks = gaps.trend_weeks(now)
    return gaps.failing_searches(db.session, since=weeks[0], now=now), weeks, now


def render_report(form: ResolveGapForm | None = None, *, error: str = "", status: int = 200) -> Any:
    searches, weeks, now = failing_now()
    page = render_template(
        "gaps/report.html",
        searches=searches,
        weeks=weeks,
        unhelpful=gaps.unhelpful_articles(db.session),
        questions=gaps.open_questions(db.session, now=now),
        overdue=gaps.overdue_articles(db.session, now),
        steps=gaps.abandoned_steps(db.session),
        resolved=gaps.resolutions(db.session),
        form=form or ResolveGapForm(),
        error=error,
        status_labels=STATUS_LABELS,
        now=now,
    )
    return page, status


@bp.get("")
@access(KB_WRITE)
def report() -> Any:
    return render_report()


@bp.post("/resolve")
@access(KB_WRITE)
def resolve() -> Any:
    form = ResolveGapForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        article = gaps.article_for_gap(db.session, form.slug.data or "")
        gaps.resolve_gap(db.session, form.normalized.data or "", article, current_user)
    except ServiceError as error:
        db.session.rollback()
        return render_report(form, error=error.message, status=400)
    db.session.commit()
    flash(
        _(
            "Marked as resolved by “%(title)s”. It comes back if the search keeps failing.",
            title=article.title,
        ),
        "success",
    )
    return redirect(url_for("gaps.report"))


def export_rows() -> list[list[Any]]:
    searches, _weeks, _now = failing_now()
    return [
        [
            s.query,
            s.normalized,
            s.total,
            s.no_results,
            s.not_opened,
            ", ".join(s.departments),
            s.last_seen.strftime("%Y-%m-%d %H:%M"),
            str(STATUS_LABELS[s.status]),
        ]
        for s in searches
    ]


def attachment(body: bytes | str, mimetype: str, extension: str) -> Response:
    response = Response(body, mimetype=mimetype)
    name = f"knowledge-gaps-{utcnow():%Y-%m-%d}.{extension}"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.get("/export.csv")
@access(KB_WRITE)
def export_csv() -> Response:
    buffer = io.StringIO()
    # The BOM tells Excel the file is UTF-8, so Cyrillic opens readable.
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow([str(c) for c in EXPORT_COLUMNS])
    writer.writerows(export_rows())
    return attachment(buffer.getvalue().encode("utf-8"), "text/csv; charset=utf-8", "csv")


@bp.get("/export.xlsx")
@access(KB_WRITE)
def export_xlsx() -> Response:
    book = Workbook()
    sheet = book.active
    sheet.title = str(_("Failing searches"))[:31]
    append(sheet, [str(c) for c in EXPORT_COLUMNS])
    for row in export_rows():
        append(sheet, row)
    buffer = io.BytesIO()
    book.save(buffer)
    return attachment(buffer.getvalue(), XLSX_TYPE, "xlsx")
