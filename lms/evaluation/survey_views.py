"""Survey pages of the Phillips evaluation: the reaction questionnaire after a course
(level 1), the follow-up surveys of participants and mentors (level 3), and HR's list and
YAML editor of evaluations. The report of an evaluation lives elsewhere
(``/evaluations/<slug>``)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from lms.auth.access import SIGNED_IN, TRAINING_ADMIN, access, require
from lms.auth.models import User
from lms.courses.models import Course
from lms.errors import ServiceError
from lms.evaluation import surveys
from lms.evaluation.phillips import FREQUENCIES, MENTOR, PARTICIPANT
from lms.extensions import db
from lms.i18n import _, _l
from lms.models_base import utcnow
from lms.web import commit_or_problems

bp = Blueprint("surveys", __name__)

REACTION_QUESTIONS = (
    ("satisfaction", _l("How satisfied are you with the course?")),
    ("relevance", _l("How useful is the course for your work?")),
    ("intent", _l("How likely are you to use what you learnt at work?")),
)
ROLE_LABELS = {PARTICIPANT: _l("about yourself"), MENTOR: _l("about your mentee")}


@bp.app_context_processor
def survey_labels() -> dict[str, Any]:
    return {"survey_roles": ROLE_LABELS, "frequencies": FREQUENCIES}


@bp.app_template_global("reaction_due")
def reaction_due_for(course: Course) -> bool:
    """For the course page: the signed-in person has a questionnaire to answer."""
    if not current_user.is_authenticated:
        return False
    return surveys.reaction_due(db.session, current_user, course)


# Level 1: the reaction questionnaire ---------------------------------------------------------


@bp.route("/courses/<slug>/reaction", methods=["GET", "POST"])
@access(SIGNED_IN)
def reaction(slug: str) -> Any:
    course = db.session.scalar(select(Course).where(Course.slug == slug))
    if course is None:
        abort(404)
    require(surveys.completed_on(db.session, current_user, course) is not None)
    if surveys.reaction_of(db.session, current_user, course) is not None:
        return render_template("evaluation/surveys/thanks.html", course=course)
    error = None
    if request.method == "POST":
        form = request.form
        try:
            surveys.save_reaction(
                db.session, current_user, course,
                form.get("satisfaction"), form.get("relevance"), form.get("intent"),
                form.get("planned_actions"), utcnow(),
            )  # fmt: skip
        except ServiceError as failure:
            db.session.rollback()
            error = failure
        else:
            db.session.commit()
            flash(_("Thank you: your answers help make the course better."), "success")
            return redirect(url_for("courses.course", slug=course.slug))
    page = render_template(
        "evaluation/surveys/reaction.html",
        course=course,
        questions=REACTION_QUESTIONS,
        form=request.form,
        error=error,
    )
    return page, 400 if error else 200


# Level 3: follow-up surveys ------------------------------------------------------------------


@bp.get("/surveys")
@access(SIGNED_IN)
def pending() -> str:
    found = surveys.pending_surveys(db.session, current_user, utcnow().date())
    return render_template("evaluation/surveys/pending.html", pending=found)


@bp.route("/surveys/<slug>/<int:participant_id>/<role>/<int:days>", methods=["GET", "POST"])
@access(SIGNED_IN)
def survey(slug: str, participant_id: int, role: str, days: int) -> Any:
    evaluation = surveys.evaluation_by_slug(db.session, slug)
    participant = db.session.get(User, participant_id)
    if evaluation is None or participant is None:
        abort(404)
    now = utcnow()
    due = surveys.find_survey(
        db.session, evaluation, participant, role, days, current_user, now.date()
    )
    require(due is not None)
    assert due is not None
    if surveys.answered_survey(db.session, due) is not None:
        return render_template("evaluation/surveys/thanks.html", survey=due)
    behaviours = surveys.definition_of(evaluation).behaviours
    error = None
    if request.method == "POST":
        form = request.form
        answers = {b: form.get(f"behaviour-{n}") for n, b in enumerate(behaviours)}
        try:
            surveys.save_survey(
                db.session, evaluation, participant, current_user, role, days, answers,
                form.get("barriers"), form.get("enablers"),
                form.get("estimate_pct"), form.get("confidence_pct"), now,
            )  # fmt: skip
        except ServiceError as failure:
            db.session.rollback()
            error = failure
        else:
            db.session.commit()
            flash(_("Thank you: your answers are saved."), "success")
            return redirect(url_for(".pending"))
    page = render_template(
        "evaluation/surveys/survey.html",
        survey=due,
        behaviours=behaviours,
        form=request.form,
        error=error,
    )
    return page, 400 if error else 200


# HR: evaluations and their YAML ----------------------------------------------------------------


@bp.get("/evaluations")
@access(TRAINING_ADMIN)
def evaluations() -> str:
    return render_template(
        "evaluation/surveys/evaluations.html", evaluations=surveys.all_evaluations(db.session)
    )


def example_text(today: date) -> str:
    """The text a new evaluation starts from: every key, with a comment on each."""
    first = today.replace(day=1)
    end = first - timedelta(days=1)  # the last day of last month
    month = first.year * 12 + first.month - 1 - 9
    start = date(month // 12, month % 12 + 1, 1)  # nine months before this one
    return _(
        "# What is evaluated: a course (“course: slug”) or a program (“program: slug”).\n"
        "title: Handling negative customers\n"
        "course: customer-negativity\n"
        "# Whose results count: people who completed it between these dates.\n"
        "completed_from: %(start)s\n"
        "completed_to: %(end)s\n"
        "# KPI months compared before and after each person's completion (1-24).\n"
        "before_months: 3\n"
        "after_months: 3\n"
        "# Compare with similar colleagues who were not trained (same department and "
        "position).\n"
        "control_group: true\n"
        "# KPI codes with the money value of one unit of improvement per participant per "
        "month; null: an intangible benefit, reported but not converted to money.\n"
        "metrics:\n"
        "  dsat: 1500\n"
        "  csat: 800\n"
        "  qa-score: null\n"
        "# Fully loaded costs, in roubles; hourly_cost prices the participants' time.\n"
        "costs:\n"
        "  development: 120000\n"
        "  delivery_per_participant: 4500\n"
        "  hourly_cost: 450\n"
        "  other: 0\n"
        "  evaluation: 15000\n"
        "# Follow-up surveys go to participants and their mentors this many days after "
        "completion.\n"
        "follow_up_days: [30, 90]\n"
        "# The target behaviours the surveys ask about (how often, never to always).\n"
        "behaviours:\n"
        "  - Lets the customer finish before answering\n"
        "  - Names a concrete next step and its deadline\n",
        start=start.isoformat(),
        end=end.isoformat(),
    )


def _editor(slug: str, text: str, *, is_new: bool) -> Any:
    """Show the editor; on POST save the text, or show every problem and save nothing."""
    problems: list[str] = []
    if request.method == "POST":
        text = request.form.get("source", "")
        slug = request.form.get("slug", "").strip() if is_new else slug
        problems = commit_or_problems(
            lambda: surveys.save_evaluation(
                db.session, slug, text, actor=current_user, now=utcnow(), must_be_new=is_new
            )
        )
        if not problems:
            flash(
                _("Saved. Files synced later will not overwrite this edit without --overwrite."),
                "success",
            )
            return redirect(url_for(".evaluations"))
    page = render_template(
        "evaluation/surveys/edit.html", slug=slug, text=text, problems=problems, is_new=is_new
    )
    return page, 422 if problems else 200


@bp.route("/evaluations/new", methods=["GET", "POST"])
@access(TRAINING_ADMIN)
def new_evaluation() -> Any:
    return _editor("", example_text(utcnow().date()), is_new=True)


@bp.route("/evaluations/<slug>/edit", methods=["GET", "POST"])
@access(TRAINING_ADMIN)
def edit_evaluation(slug: str) -> Any:
    evaluation = surveys.evaluation_by_slug(db.session, slug)
    if evaluation is None:
        abort(404)
    return _editor(slug, evaluation.source, is_new=False)
