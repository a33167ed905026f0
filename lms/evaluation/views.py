"""KPI pages: one's own KPIs, a person's (mentor, manager, HR), the team overview, the
imports of KPI values and customer ratings, and the review of negative ratings."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.auth.access import SIGNED_IN, TRAINING_ADMIN, access, require
from lms.auth.models import Department, User
from lms.courses.models import Course
from lms.errors import ServiceError
from lms.evaluation import access as rules
from lms.evaluation import kpi, overview, ratings
from lms.evaluation.forms import ReviewForm, UploadForm
from lms.evaluation.kpi_import import import_kpi_values
from lms.evaluation.models import CHANNELS, CustomerRating, RatingReview
from lms.evaluation.ratings_import import import_ratings
from lms.extensions import db
from lms.formtools import form_error
from lms.i18n import _, _l
from lms.models_base import utcnow
from lms.tables import ImportProblems, month

bp = Blueprint("kpi", __name__, url_prefix="/kpi")

FLAG_LABELS = {kpi.RAISE: _l("raise candidate"), kpi.AT_RISK: _l("at risk")}
UNIT_LABELS = {
    "min": _l("min"),
    "h": _l("h"),
    "%": "%",
    "points": _l("points"),
    "requests": _l("requests"),
}
CHANNEL_LABELS = dict(
    zip(
        CHANNELS,
        (_l("phone"), _l("chat"), _l("e-mail"), _l("messenger"), _l("ticket system")),
        strict=True,
    )
)
STATE_LABELS = {"open": _l("waiting for review"), "reviewed": _l("reviewed"), "all": _l("all")}


@bp.app_context_processor
def kpi_labels() -> dict[str, Any]:
    return {
        "kpi_flags": FLAG_LABELS,
        "kpi_units": UNIT_LABELS,
        "rating_channels": CHANNEL_LABELS,
    }


# KPI pages ------------------------------------------------------------------------------------


def _sheet_page(person: User) -> str:
    sheet = kpi.person_sheet(db.session, person)
    return render_template(
        "evaluation/person.html",
        sheet=sheet,
        person=person,
        metrics=kpi.metrics_of(sheet.catalogue, sheet.targets, sheet.months),
        ratings=ratings.person_ratings(db.session, person, limit=20),
        is_me=person.id == current_user.id,
        can_review=rules.sees_everyone(current_user) or person.manager_id == current_user.id,
    )


@bp.get("/me")
@access(SIGNED_IN)
def my_kpis() -> str:
    return _sheet_page(current_user)


@bp.get("/people/<int:user_id>")
@access(SIGNED_IN)
def person(user_id: int) -> str:
    person = db.get_or_404(User, user_id)
    require(rules.can_view_kpis(db.session, current_user, person, today=date.today()))
    return _sheet_page(person)


def _chosen_month() -> date | None:
    raw = request.args.get("month")
    if not raw:
        return None
    try:
        return month(raw)
    except ValueError:
        abort(400)


@bp.get("")
@access(SIGNED_IN)
def overview_page() -> str:
    everyone = rules.sees_everyone(current_user)
    require(
        everyone or current_user.has_role("mentor") or rules.is_manager(db.session, current_user)
    )
    department_id = request.args.get("department", type=int) or None
    built = overview.team_overview(
        db.session,
        scope=rules.kpi_scope(db.session, current_user, today=date.today()),
        department_id=department_id,
        month=_chosen_month(),
    )
    departments = db.session.scalars(select(Department).order_by(Department.name)).all()
    return render_template(
        "evaluation/overview.html",
        overview=built,
        department_id=department_id,
        departments=departments if everyone else [],
        show_everyone=not everyone or department_id is not None,
        open_ratings=ratings.open_count(db.session, current_user),
    )


# Imports --------------------------------------------------------------------------------------


Importer = Callable[[bytes, str, bool], Any]


def _import_page(kind: str, run: Importer) -> Any:
    """The upload form; ``run(data, filename, dry_run)`` imports (or checks) the file."""
    form = UploadForm()
    report, problems = None, []
    if form.validate_on_submit():
        upload = form.file.data
        try:
            report = run(upload.read(), upload.filename or "upload", form.dry_run.data)
        except ImportProblems as error:
            db.session.rollback()
            problems = error.problems
        except ServiceError as error:
            db.session.rollback()
            problems = [error.message]
        else:
            if form.dry_run.data:
                db.session.rollback()
            else:
                db.session.commit()
    summary = report.summary() if report is not None else None
    status = 400 if problems or form.errors else 200
    page = render_template(
        "evaluation/import.html", form=form, kind=kind, summary=summary, problems=problems
    )
    return page, status


@bp.route("/import", methods=["GET", "POST"])
@access(TRAINING_ADMIN)
def import_values() -> Any:
    return _import_page(
        "kpi",
        lambda data, filename, dry_run: import_kpi_values(
            db.session, data, filename=filename, today=date.today(), now=utcnow(), dry_run=dry_run
        ),
    )


@bp.route("/ratings/import", methods=["GET", "POST"])
@access(TRAINING_ADMIN)
def import_rating_file() -> Any:
    return _import_page(
        "ratings",
        lambda data, filename, dry_run: import_ratings(
            db.session, data, filename=filename, now=utcnow(), dry_run=dry_run
        ),
    )


# Customer ratings -----------------------------------------------------------------------------


@bp.get("/ratings")
@access(SIGNED_IN)
def rating_list() -> str:
    require(rules.can_see_ratings(db.session, current_user))
    state = request.args.get("state", "open")
    state = state if state in ratings.STATES else "open"
    found = ratings.negative_ratings(db.session, current_user, state=state)
    return render_template("evaluation/ratings.html", found=found, state=state, states=STATE_LABELS)


def _rating(rating_id: int) -> CustomerRating:
    rating = db.session.scalar(
        select(CustomerRating)
        .where(CustomerRating.id == rating_id)
        .options(
            joinedload(CustomerRating.user),
            joinedload(CustomerRating.review).joinedload(RatingReview.reviewer),
        )
    )
    if rating is None:
        abort(404)
    require(rules.can_review(current_user, rating))
    return rating


def _review_form(rating: CustomerRating) -> ReviewForm:
    review = rating.review
    form = ReviewForm()
    if review is not None and not form.is_submitted():
        form.what_happened.data = review.what_happened
        form.customer_contacted.data = review.is_customer_contacted
        form.outcome.data = review.outcome
        form.course.data = review.training_course_id or 0
    courses = db.session.scalars(
        select(Course).where(Course.is_active).order_by(Course.title)
    ).all()
    form.course.choices = [(0, "—")] + [(c.id, c.title) for c in courses]
    return form


@bp.route("/ratings/<int:rating_id>", methods=["GET", "POST"])
@access(SIGNED_IN)
def review(rating_id: int) -> Any:
    rating = _rating(rating_id)
    form = _review_form(rating)
    if form.validate_on_submit():
        course = db.session.get(Course, form.course.data) if form.course.data else None
        try:
            ratings.record_review(
                db.session,
                rating,
                current_user,
                what_happened=form.what_happened.data or "",
                customer_contacted=form.customer_contacted.data,
                outcome=form.outcome.data or "",
                course=course,
                now=utcnow(),
            )
        except ServiceError as error:
            db.session.rollback()
            form_error(form, error)
        else:
            db.session.commit()
            flash(_("The review is saved."), "success")
            return redirect(url_for(".rating_list"))
    status = 400 if form.errors else 200
    return render_template("evaluation/review.html", rating=rating, form=form), status
