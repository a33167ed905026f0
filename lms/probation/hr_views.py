"""HR's probation pages: every probation with outcomes and an XLSX export, starting,
extending and ending plans, and editing plan templates and rubrics as YAML. Routes of the
``probation`` blueprint (registered with it)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from lms.auth.access import TRAINING_ADMIN, access
from lms.auth.models import User
from lms.errors import ServiceError
from lms.extensions import db
from lms.i18n import _, _l
from lms.models_base import utcnow
from lms.probation import overview, services
from lms.probation.library import save_plan_template, save_rubric, templates
from lms.probation.models import PlanTemplate, Rubric
from lms.probation.views import STATE_LABELS, _date, _int, _probation, bp
from lms.web import commit_or_problems
from lms.xlsx import add_sheet, append, new_book, xlsx_response

# HR ------------------------------------------------------------------------------------------


@bp.get("/all")
@access(TRAINING_ADMIN)
def all_probations() -> str:
    return render_template(
        "probation/all.html",
        report=overview.hr_overview(db.session, today=date.today()),
        templates=templates(db.session),
        rubrics=db.session.scalars(select(Rubric).order_by(Rubric.title)).all(),
        people=db.session.scalars(select(User).where(User.is_active).order_by(User.name)).all(),
        today=date.today(),
    )


@bp.post("/start")
@access(TRAINING_ADMIN)
def start() -> Any:
    form = request.form
    person = db.session.get(User, _int(form.get("user")) or 0)
    mentor = db.session.get(User, _int(form.get("mentor")) or 0)
    template = db.session.get(PlanTemplate, _int(form.get("template")) or 0)
    started_on = _date(form.get("started_on"))
    if person is None or mentor is None or template is None or started_on is None:
        flash(_("Choose the person, the plan, the mentor and the start date."), "error")
        return redirect(url_for(".all_probations"))
    try:
        probation = services.start_probation(
            db.session, person, template, mentor=mentor, started_on=started_on, actor=current_user,
            today=date.today(), now=utcnow(),
        )  # fmt: skip
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for(".all_probations"))
    db.session.commit()
    flash(_("Probation started for %(name)s.", name=person.name), "success")
    return redirect(url_for(".show", probation_id=probation.id))


@bp.post("/<int:probation_id>/change")
@access(TRAINING_ADMIN)
def change(probation_id: int) -> Any:
    """Extend by N days or end early, each with a reason."""
    probation = _probation(probation_id)
    form = request.form
    try:
        if form.get("action") == "extend":
            services.extend_probation(
                db.session,
                probation,
                _int(form.get("days")) or 0,
                reason=form.get("reason", ""),
                actor=current_user,
            )
        elif form.get("action") == "end":
            services.end_probation(
                db.session,
                probation,
                state="ended",
                reason=form.get("reason", ""),
                actor=current_user,
                today=date.today(),
            )
        else:
            abort(400)
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("Saved; the change is in the probation's log."), "success")
    return redirect(url_for(".show", probation_id=probation_id))


# HR: plan templates and rubrics, edited as the same YAML the files hold ---------------------

EDITORS = {
    "templates": (PlanTemplate, save_plan_template, _l("Plan template")),
    "rubrics": (Rubric, save_rubric, _l("Rubric")),
}


@bp.route("/<kind>/<slug>", methods=["GET", "POST"])
@access(TRAINING_ADMIN)
def edit_source(kind: str, slug: str) -> Any:
    """Edit a plan template or a rubric as YAML; every problem is shown with its line and
    nothing is saved until the text is right. Plans started earlier keep their items."""
    if kind not in EDITORS:
        abort(404)
    model, save, label = EDITORS[kind]
    row = db.session.scalar(select(model).where(model.slug == slug))
    if row is None and request.method == "GET" and not request.args.get("new"):
        abort(404)
    problems: list[str] = []
    text = row.source if row else ""
    if request.method == "POST":
        text = request.form.get("source", "")
        problems = commit_or_problems(
            lambda: save(db.session, slug, text, actor=current_user, now=utcnow())
        )
        if not problems:
            flash(
                _("Saved. Files synced later will not overwrite this edit without --overwrite."),
                "success",
            )
            return redirect(url_for(".all_probations"))
    return render_template(
        "probation/edit_source.html",
        kind=kind,
        slug=slug,
        label=label,
        text=text,
        problems=problems,
    ), (422 if problems else 200)


@bp.get("/all.xlsx")
@access(TRAINING_ADMIN)
def export_xlsx() -> Response:
    report = overview.hr_overview(db.session, today=date.today())
    book = new_book()
    header = (_l("Email"), _l("Name"), _l("Department"), _l("Mentor"), _l("State"),
              _l("Start date"), _l("Ends"), _l("Stage"), _l("Progress, %"), _l("Overdue"),
              _l("Attestation"))  # fmt: skip
    sheet = add_sheet(book, "Probations", header, freeze="A2")
    for plan in report.plans:
        p = plan.probation
        append(
            sheet,
            [
                p.user.email,
                p.user.name,
                p.user.department.name if p.user.department else "",
                p.mentor.name if p.mentor else "",
                str(STATE_LABELS[p.state]),
                p.started_on,
                p.ended_on or p.ends_on,
                plan.stage,
                plan.percent,
                plan.overdue if p.state == "active" else 0,
                plan.attestation_on,
            ],
        )
    outcomes = (_l("Passed"), _l("Not passed"), _l("Extended"))
    for title, key, rows in (
        ("By month", _l("Month"), report.by_month),
        ("By mentor", _l("Mentor"), report.by_mentor),
    ):
        summary = add_sheet(book, title, (key, *outcomes))
        for name, n in rows:
            append(summary, [name, n["passed"], n["failed"], n["extended"]])
    return xlsx_response(book, "probations.xlsx")
