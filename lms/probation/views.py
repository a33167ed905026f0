"""Probation pages: the agent's plan, the mentor's mentees and notes, the attestation
(graded by the mentor, confirmed by HR), and HR starting, extending and ending plans."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select

from lms.auth.access import MENTEES, SIGNED_IN, TRAINING_ADMIN, access, require
from lms.courses.models import Course
from lms.errors import ServiceError
from lms.extensions import db
from lms.i18n import _, _l
from lms.models_base import utcnow
from lms.probation import attestation as attestations
from lms.probation import notes, overview, services
from lms.probation.models import MeetingNote, Probation, ProbationItem

bp = Blueprint("probation", __name__, url_prefix="/probation")

ITEM_STATUS = {
    "done": _l("done"),
    "waiting": _l("waiting for the mentor"),
    "overdue": _l("overdue"),
    "this_week": _l("due this week"),
    "later": _l("later"),
}
KIND_LABELS = {
    "course": _l("course"),
    "program": _l("program"),
    "article": _l("article"),
    "task": _l("practical task"),
    "meeting": _l("mentor meeting"),
    "attestation": _l("attestation"),
}
STATE_LABELS = {
    "active": _l("in progress"),
    "passed": _l("passed"),
    "failed": _l("not passed"),
    "ended": _l("ended early"),
}
FLAG_LABELS = {
    "overdue": _l("overdue items"),
    "failed_quizzes": _l("failed quizzes"),
    "low_activity": _l("no “did this answer” votes in 30 days"),
}
ACTION_LABELS = {
    "started": _l("started"),
    "extended": _l("extended"),
    "ended": _l("ended early"),
    "passed": _l("passed"),
    "failed": _l("not passed"),
    "read": _l("confirmed as read"),
    "ticked": _l("marked done by the agent"),
    "confirmed": _l("confirmed by the mentor"),
}
PROPOSAL_LABELS = {"pass": _l("pass"), "fail": _l("fail"), "extend": _l("extend")}
FEEDBACK_LABELS = {
    "observation": _l("Observation: the fact"),
    "impact": _l("Impact: its consequences, with examples"),
    "correction": _l("Correction: what the agent would do differently"),
    "consolidation": _l("Consolidation: the agreement for next time"),
}


@bp.app_context_processor
def probation_labels() -> dict[str, Any]:
    return {
        "item_status": ITEM_STATUS,
        "item_kinds": KIND_LABELS,
        "probation_states": STATE_LABELS,
        "risk_flags": FLAG_LABELS,
        "proposal_labels": PROPOSAL_LABELS,
        "event_labels": ACTION_LABELS,
        "feedback_labels": FEEDBACK_LABELS,
    }


@bp.app_template_global("plan_item_for_article")
def plan_item_for_article(slug: str) -> ProbationItem | None:
    """The reader's open plan item for this article: its page offers "I have read it"."""
    if not current_user.is_authenticated:
        return None
    return db.session.scalar(
        select(ProbationItem)
        .join(Probation)
        .where(
            Probation.user_id == current_user.id,
            Probation.state == "active",
            ProbationItem.kind == "article",
            ProbationItem.target == slug,
            ProbationItem.completed_at.is_(None),
        )
        .limit(1)
    )


def _probation(probation_id: int) -> Probation:
    probation = overview.probation_for(db.session, probation_id)
    if probation is None:
        abort(404)
    require(attestations.can_see(db.session, current_user, probation, today=date.today()))
    return probation


def _page(probation: Probation | None) -> str:
    attestation = services.attestation_of(db.session, probation) if probation else None
    return render_template(
        "probation/plan.html",
        probation=probation,
        plan=overview.PlanView(probation, date.today()) if probation else None,
        attestation=attestation,
        result=attestations.result(attestation) if attestation else None,
        criteria=attestations.criteria_view(attestation, attestations.result(attestation))
        if attestation
        else [],
        notes=notes.notes_for(db.session, probation.user) if probation else [],
        courses=db.session.scalars(
            select(Course).where(Course.is_active).order_by(Course.title)
        ).all(),
    )


@bp.get("")
@access(SIGNED_IN)
def mine() -> str:
    return _page(overview.latest_probation(db.session, current_user))


@bp.get("/<int:probation_id>")
@access(SIGNED_IN)
def show(probation_id: int) -> str:
    return _page(_probation(probation_id))


def _item(item_id: int) -> ProbationItem:
    item = db.session.get(ProbationItem, item_id)
    if item is None:
        abort(404)
    require(attestations.can_see(db.session, current_user, item.probation, today=date.today()))
    return item


def _back(probation: Probation) -> Any:
    if probation.user_id == current_user.id:
        return redirect(url_for(".mine"))
    return redirect(url_for(".show", probation_id=probation.id))


@bp.post("/items/<int:item_id>/<action>")
@access(SIGNED_IN)
def item_action(item_id: int, action: str) -> Any:
    """read / tick (the agent) and confirm (the mentor)."""
    item = _item(item_id)
    act = {
        "read": services.confirm_read,
        "tick": services.tick_item,
        "confirm": services.confirm_item,
    }.get(action)
    if act is None:
        abort(404)
    try:
        act(db.session, item, current_user, now=utcnow())
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
    return _back(item.probation)


@bp.get("/mentees")
@access(MENTEES)
def mentees() -> str:
    return render_template(
        "probation/mentees.html",
        rows=overview.mentee_rows(db.session, current_user, today=date.today(), now=utcnow()),
    )


@bp.post("/<int:probation_id>/notes")
@access(MENTEES)
def add_note(probation_id: int) -> Any:
    probation = _probation(probation_id)
    require(attestations.can_grade(current_user, probation))
    form = request.form
    homework = (
        db.session.get(Course, int(form["homework"]))
        if form.get("homework", "").isdigit()
        else None
    )
    try:
        notes.add_meeting_note(
            db.session,
            current_user,
            probation.user,
            held_on=_date(form.get("held_on")) or date.today(),
            observation=form.get("observation", ""),
            impact=form.get("impact", ""),
            correction=form.get("correction", ""),
            consolidation=form.get("consolidation", ""),
            homework=homework,
            homework_due=_date(form.get("homework_due")),
            today=date.today(),
            now=utcnow(),
        )
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(
            _("The note is saved; %(name)s can read and acknowledge it.", name=probation.user.name),
            "success",
        )
    return redirect(url_for(".show", probation_id=probation_id) + "#notes")


@bp.post("/notes/<int:note_id>/acknowledge")
@access(SIGNED_IN)
def acknowledge(note_id: int) -> Any:
    note = db.session.get(MeetingNote, note_id)
    if note is None:
        abort(404)
    require(note.mentee_id == current_user.id)
    notes.acknowledge_note(db.session, note, current_user, now=utcnow())
    db.session.commit()
    return redirect(url_for(".mine") + "#notes")


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


# Attestation ---------------------------------------------------------------------------------


@bp.route("/<int:probation_id>/attestation", methods=["GET", "POST"])
@access(MENTEES)
def grade(probation_id: int) -> Any:
    probation = _probation(probation_id)
    require(attestations.can_grade(current_user, probation))
    attestation = services.attestation_of(db.session, probation)
    if attestation is None:
        abort(404)
    error, field = "", None
    if request.method == "POST":
        form = request.form
        grades = {
            c["criterion"].code: (
                _int(form.get(f"level-{c['criterion'].code}")),
                form.get(f"comment-{c['criterion'].code}", ""),
            )
            for c in attestations.criteria_view(attestation, None)
        }
        try:
            attestations.grade(
                db.session,
                attestation,
                current_user,
                grades,
                proposal=form.get("proposal", ""),
                override_reason=form.get("override_reason", ""),
                feedback={name: form.get(name, "") for name in attestations.FEEDBACK},
                correction_reason=form.get("correction_reason", ""),
                now=utcnow(),
            )
        except ServiceError as failure:
            db.session.rollback()
            error, field = failure.message, failure.field
        else:
            db.session.commit()
            flash(_("The grading is saved; HR confirms it."), "success")
            return redirect(url_for(".show", probation_id=probation_id) + "#attestation")
    draft = attestations.latest(attestation)
    return render_template(
        "probation/grade.html",
        probation=probation,
        attestation=attestation,
        draft=draft,
        criteria=attestations.criteria_view(attestation, draft),
        error=error,
        error_field=field,
        form=request.form,
    ), (422 if error else 200)


def _int(value: str | None) -> int | None:
    return int(value) if value and value.lstrip("-").isdigit() else None


@bp.post("/<int:probation_id>/attestation/confirm")
@access(TRAINING_ADMIN)
def confirm(probation_id: int) -> Any:
    probation = _probation(probation_id)
    attestation = services.attestation_of(db.session, probation)
    if attestation is None:
        abort(404)
    try:
        attestations.confirm(
            db.session,
            attestation,
            current_user,
            extend_days=_int(request.form.get("extend_days")),
            today=date.today(),
            now=utcnow(),
        )
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("The attestation is confirmed and signed."), "success")
    return redirect(url_for(".show", probation_id=probation_id) + "#attestation")
