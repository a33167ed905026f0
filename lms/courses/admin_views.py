"""Training administration: assigning courses and programs, HR's completion report with
its CSV and XLSX exports, and mentors grading essay answers."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, SelectField, SelectMultipleField
from wtforms.validators import Optional

from lms.auth.access import MENTEES, TRAINING_ADMIN, access, require
from lms.auth.models import Department, Position, User
from lms.auth.services import current_mentees
from lms.courses import assignments, attempts, services
from lms.courses.gift import export_gift, question_from_dict
from lms.courses.models import Course, Program
from lms.errors import ServiceError
from lms.extensions import db
from lms.i18n import _, _l
from lms.models_base import utcnow
from lms.xlsx import add_sheet, append, new_book, xlsx_response

bp = Blueprint("training", __name__, url_prefix="/learning")
EXPORT_COLUMNS = (
    _l("Email"),
    _l("Name"),
    _l("Department"),
    _l("Course or program"),
    _l("Assigned"),
    _l("Due"),
    _l("Completed"),
    _l("Status"),
)


class AssignForm(FlaskForm):
    target = SelectField(_l("Course or program"))
    users = SelectMultipleField(_l("People"), coerce=int, validate_choice=False)
    department = SelectField(_l("Whole department"), coerce=int, validate_choice=False)
    position = SelectField(_l("Everyone in the position"), coerce=int, validate_choice=False)
    due_on = DateField(_l("Due date"), validators=[Optional()])


def _targets() -> list[tuple[str, str]]:
    courses = db.session.scalars(select(Course).where(Course.is_active).order_by(Course.title))
    programs = db.session.scalars(select(Program).where(Program.is_active).order_by(Program.title))
    return [(f"course:{c.id}", c.title) for c in courses] + [
        (f"program:{p.id}", _("Program: %(title)s", title=p.title)) for p in programs
    ]


def _target(value: str) -> Course | Program | None:
    kind, _sep, ident = (value or "").partition(":")
    model = {"course": Course, "program": Program}.get(kind)
    if model is None or not ident.isdigit():
        return None
    return db.session.get(model, int(ident))


def _assign_form() -> AssignForm:
    form = AssignForm()
    form.target.choices = _targets()
    is_hr = current_user.has_role("hr", "admin")
    if is_hr:
        people = db.session.scalars(select(User).where(User.is_active).order_by(User.name))
    else:
        people = current_mentees(db.session, current_user, today=date.today())
    form.users.choices = [(u.id, f"{u.name} <{u.email}>") for u in people]
    if is_hr:
        none = [(0, "—")]
        form.department.choices = none + [
            (d.id, d.name) for d in db.session.scalars(select(Department).order_by(Department.name))
        ]
        form.position.choices = none + [
            (p.id, p.name) for p in db.session.scalars(select(Position).order_by(Position.name))
        ]
    else:
        del form.department
        del form.position
    return form


@bp.route("/assign", methods=["GET", "POST"])
@access(MENTEES)
def assign() -> Any:
    form = _assign_form()
    if request.method == "GET" and request.args.get("target"):
        form.target.data = request.args["target"]
    report = None
    if form.validate_on_submit():
        target = _target(form.target.data)
        if target is None:
            form.target.errors = [_("Choose a course or a program.")]
        else:
            report = _do_assign(form, target)
            if report is not None:
                return redirect(url_for(".assign", target=form.target.data))
    return render_template("courses/assign.html", form=form)


def _do_assign(form: AssignForm, target: Course | Program) -> assignments.AssignReport | None:
    # WTForms leaves a deleted field as None on the form (mentors have neither).
    department = form.department.data if form.department else None
    position = form.position.data if form.position else None
    if not current_user.has_role("hr", "admin"):
        allowed = {choice for choice, _label in form.users.choices}
        require(all(uid in allowed for uid in form.users.data or []))
    people = assignments.people_to_assign(
        db.session,
        user_ids=form.users.data or [],
        department_id=department or None,
        position_id=position or None,
    )
    try:
        report = assignments.assign(
            db.session,
            current_user,
            target,
            people,
            due_on=form.due_on.data,
            today=date.today(),
            now=utcnow(),
        )
    except ServiceError as error:
        db.session.rollback()
        (getattr(form, error.field).errors if error.field else form.users.errors).append(
            error.message
        )
        return None
    db.session.commit()
    flash(
        _(
            "“%(title)s”: assigned to %(created)d, due date changed for %(updated)d, "
            "already assigned to %(kept)d, already completed by %(completed)d.",
            title=target.title,
            created=len(report.created),
            updated=len(report.updated),
            kept=len(report.kept),
            completed=len(report.completed),
        ),
        "success",
    )
    return report


# HR's report -------------------------------------------------------------------------------


@bp.get("/report")
@access(TRAINING_ADMIN)
def report() -> str:
    today = date.today()
    by_department, by_course = assignments.completion_summary(db.session, today=today)
    return render_template(
        "courses/report.html",
        by_department=by_department,
        by_course=by_course,
        overdue=assignments.overdue_assignments(db.session, today=today, limit=50),
        today=today,
    )


def _export_rows(today: date) -> list[list[Any]]:
    labels = {"done": _("done"), "overdue": _("overdue"), "assigned": _("assigned")}
    rows = []
    for (
        email,
        name,
        department,
        title,
        assigned_at,
        due_on,
        completed_at,
    ) in assignments.export_rows(db.session):
        if completed_at is not None:
            status = "done"
        else:
            status = "overdue" if due_on is not None and due_on < today else "assigned"
        completed = completed_at.date() if completed_at else None
        rows.append(
            [
                email,
                name,
                department or "",
                title,
                assigned_at.date(),
                due_on,
                completed,
                labels[status],
            ]
        )
    return rows


@bp.get("/report.csv")
@access(TRAINING_ADMIN)
def report_csv() -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([str(c) for c in EXPORT_COLUMNS])
    for row in _export_rows(date.today()):
        writer.writerow(
            ["" if v is None else v.isoformat() if isinstance(v, date) else v for v in row]
        )
    return Response(
        "\ufeff" + out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=training-completion.csv"},
    )


@bp.get("/report.xlsx")
@access(TRAINING_ADMIN)
def report_xlsx() -> Response:
    today = date.today()
    book = new_book()
    sheet = add_sheet(book, "Assignments", EXPORT_COLUMNS, freeze="A2")
    for row in _export_rows(today):
        append(sheet, row)
    by_department, by_course = assignments.completion_summary(db.session, today=today)
    header = [_("Name"), _("Assigned"), _("Completed"), _("Overdue"), _("Completion, %")]
    for title, rows in (("Departments", by_department), ("Courses", by_course)):
        summary = add_sheet(book, title, header)
        for r in rows:
            append(summary, [r.label, r.assigned, r.completed, r.overdue, r.percent])
    return xlsx_response(book, "training-completion.xlsx")


@bp.get("/quizzes/<slug>/<kind>.gift")
@access(TRAINING_ADMIN)
def quiz_gift(slug: str, kind: str) -> Response:
    """A course's current quiz written back as GIFT, for Moodle or for editing."""
    course = services.course_by_slug(db.session, slug)
    quiz = course.quiz(kind) if course else None
    if quiz is None or quiz.current_version is None:
        abort(404)
    questions = [question_from_dict(d) for d in quiz.current_version.questions]
    return Response(
        export_gift(questions),
        mimetype="text/plain",
        headers={"Content-Disposition": f"attachment; filename={slug}-{kind}.gift"},
    )


# Grading essays ----------------------------------------------------------------------------


@bp.get("/grading")
@access(MENTEES)
def grading() -> str:
    return render_template(
        "courses/grading.html",
        pending=attempts.pending_attempts(db.session, current_user, today=date.today()),
    )


@bp.route("/grading/<int:attempt_id>", methods=["GET", "POST"])
@access(MENTEES)
def grade(attempt_id: int) -> Any:
    attempt = attempts.attempt_for(db.session, attempt_id)
    if attempt is None:
        abort(404)
    require(attempts.can_grade(db.session, current_user, attempt, today=date.today()))
    errors: dict[int, str] = {}
    if request.method == "POST":
        grades, errors = _posted_grades(attempt)
        if not errors:
            state = services.course_state(db.session, attempt.user, attempt.quiz.course)
            try:
                attempts.grade_essays(
                    db.session, current_user, attempt, grades, state=state, now=utcnow()
                )
            except ServiceError as error:
                db.session.rollback()
                flash(error.message, "error")
            else:
                db.session.commit()
                flash(
                    _("Grades saved: %(name)s's attempt is scored.", name=attempt.user.name),
                    "success",
                )
                return redirect(url_for(".grading"))
    return render_template(
        "courses/grade.html",
        attempt=attempt,
        questions=[q for q in attempts.views(attempt) if q.row is not None and q.row.needs_grading],
        errors=errors,
        form_values=request.form,
    )


def _posted_grades(attempt: Any) -> tuple[dict[int, tuple[float, str]], dict[int, str]]:
    grades, errors = {}, {}
    for row in attempt.responses:
        if not row.needs_grading:
            continue
        raw = (request.form.get(f"grade-{row.question_index}") or "").strip().rstrip("%")
        try:
            percent = float(raw.replace(",", "."))
        except ValueError:
            errors[row.question_index] = _("Enter a grade from 0 to 100.")
            continue
        if not 0 <= percent <= 100:
            errors[row.question_index] = _("Enter a grade from 0 to 100.")
            continue
        grades[row.question_index] = (
            percent / 100,
            request.form.get(f"comment-{row.question_index}", ""),
        )
    return grades, errors
