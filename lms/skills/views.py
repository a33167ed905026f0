"""Skill pages: the matrix (HR: everyone, with gaps to assign courses; a mentor: their
mentees, read-only), its XLSX export, and a person's skill profile with assessments."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select

from lms.auth.access import MENTEES, SIGNED_IN, TRAINING_ADMIN, access, can_view_person, require
from lms.auth.models import Department, Position, User
from lms.errors import ServiceError
from lms.extensions import db
from lms.i18n import _, _l
from lms.models_base import utcnow
from lms.skills import assessments, matrix
from lms.skills.matrix_html import matrix_rows
from lms.skills.models import Skill, SkillGroup, SkillRequirement
from lms.xlsx import FilledCells, add_sheet, append, new_book, xlsx_response

bp = Blueprint("skills", __name__, url_prefix="/skills")

STATUS_LABELS = {
    "meets": _l("meets the requirement"),
    "one_below": _l("one level below"),
    "below": _l("two or more levels below"),
    "not_required": _l("not required"),
}
SOURCE_LABELS = {
    "self": _l("self-assessment"),
    "mentor": _l("mentor"),
    "course": _l("course"),
    "attestation": _l("attestation"),
    "hr": _l("HR"),
}
SCALE = (_l("none"), _l("knows"), _l("does with help"), _l("does alone"), _l("teaches others"))
FILLS = {"meets": "C8E6C9", "one_below": "FFE0B2", "below": "FFCDD2", "not_required": "FFFFFF"}


@bp.app_context_processor
def skill_labels() -> dict[str, Any]:
    return {"cell_status": STATUS_LABELS, "assessment_sources": SOURCE_LABELS, "skill_scale": SCALE}


def _filters() -> dict[str, Any]:
    args = request.args
    return {
        "department_id": args.get("department", type=int),
        "position_id": args.get("position", type=int),
        "group_code": args.get("group") or None,
        "only_gaps": bool(args.get("gaps")),
    }


def _matrix() -> matrix.Matrix:
    filters = _filters()
    people = None
    if not current_user.has_role("hr", "admin"):
        people = matrix.mentee_ids(db.session, current_user, today=date.today())
    return matrix.build_matrix(db.session, people_ids=people, **filters)


@bp.get("/matrix")
@access(MENTEES)
def matrix_page() -> str:
    built = _matrix()
    size = current_app.config["SKILLS_MATRIX_PAGE_SIZE"]
    pages = max(1, -(-len(built.people) // size))
    page = min(max(request.args.get("page", 1, type=int), 1), pages)
    shown = built.people[(page - 1) * size : page * size]
    gaps = built.gaps(shown)
    can_assign = current_user.has_role("hr", "admin")
    recommended = matrix.recommended(db.session, gaps) if gaps and can_assign else {}
    return render_template(
        "skills/matrix.html",
        matrix=built,
        rows=matrix_rows(built, shown, can_assign=can_assign, recommended=recommended),
        shown=(size * (page - 1) + 1, size * (page - 1) + len(shown)),
        page=page,
        pages=pages,
        gaps=gaps,
        filters=_filters(),
        departments=db.session.scalars(select(Department).order_by(Department.name)).all(),
        positions=db.session.scalars(select(Position).order_by(Position.name)).all(),
        groups=db.session.scalars(select(SkillGroup).order_by(SkillGroup.position)).all(),
        can_assign=can_assign,
        today=date.today(),
    )


def _back_to_matrix() -> str:
    """The matrix with the filters the form was sent from (a hidden "back" query string)."""
    back = request.form.get("back", "")
    return url_for(".matrix_page") + (f"?{back}" if back and "//" not in back else "")


@bp.post("/matrix/assign")
@access(TRAINING_ADMIN)
def assign_gaps() -> Any:
    """Assign the recommended courses of the chosen gaps, with one due date."""
    chosen = set()
    for value in request.form.getlist("gap"):
        user_id, _sep, skill_id = value.partition(":")
        if user_id.isdigit() and skill_id.isdigit():
            chosen.add((int(user_id), int(skill_id)))
    built = matrix.build_matrix(db.session, people_ids={u for u, _s in chosen})
    gaps = [(p, s, c) for p, s, c in built.gaps() if (p.id, s.id) in chosen]
    due = request.form.get("due_on")
    try:
        due_on = date.fromisoformat(due) if due else None
        counts = matrix.assign_for_gaps(
            db.session, current_user, gaps, due_on=due_on, today=date.today(), now=utcnow()
        )
    except (ValueError, ServiceError) as error:
        db.session.rollback()
        flash(getattr(error, "message", None) or _("The due date is not a date."), "error")
        return redirect(_back_to_matrix())
    db.session.commit()
    if not gaps:
        flash(_("Choose at least one gap."), "error")
    else:
        flash(
            _(
                "Courses assigned: %(created)d; already assigned: %(kept)d; already finished: "
                "%(completed)d.",
                **counts,
            ),
            "success",
        )
    return redirect(_back_to_matrix())


@bp.get("/matrix.xlsx")
@access(TRAINING_ADMIN)
def matrix_xlsx() -> Response:
    built = _matrix()
    book = new_book()
    header = ["Email", "Name", "Department", "Position", *[s.code for s in built.skills]]
    sheet = add_sheet(book, "Matrix", header, freeze="E2")
    filled = FilledCells(sheet, FILLS)
    for person in built.people:
        row: list[Any] = [
            person.email,
            person.name,
            person.department.name if person.department else "",
            person.position.name if person.position else "",
        ]
        row.extend(filled(level, status) for level, status in built.row(person))
        append(sheet, row)
    requirements = add_sheet(book, "Requirements", ["Department", "Position", "Skill", "Level"])
    rows = db.session.execute(
        select(Department.code, Position.code, Skill.code, SkillRequirement.level)
        .select_from(SkillRequirement)
        .join(Department, Department.id == SkillRequirement.department_id)
        .outerjoin(Position, Position.id == SkillRequirement.position_id)
        .join(Skill, Skill.id == SkillRequirement.skill_id)
        .order_by(Department.code, Position.code, Skill.code)
    )
    for department, position, skill, level in rows:
        append(requirements, [department, position or "", skill, level])
    skills_sheet = add_sheet(book, "Skills", ["Code", "Group", "Name"])
    for skill in built.skills:
        append(skills_sheet, [skill.code, skill.group.code, skill.name_ru])
    return xlsx_response(book, "skill-matrix.xlsx")


# A person's profile ---------------------------------------------------------------------------


def _person(user_id: int) -> User:
    person = db.session.get(User, user_id)
    if person is None:
        abort(404)
    require(can_view_person(current_user, person, today=date.today()))
    return person


@bp.get("/me")
@access(SIGNED_IN)
def my_profile() -> Any:
    return redirect(url_for(".profile", user_id=current_user.id))


@bp.get("/people/<int:user_id>")
@access(SIGNED_IN)
def profile(user_id: int) -> str:
    person = _person(user_id)
    built = matrix.build_matrix(db.session, people_ids={person.id})
    gaps = built.gaps()
    return render_template(
        "skills/profile.html",
        person=person,
        matrix=built,
        recommended=matrix.recommended(db.session, gaps) if gaps else {},
        history=assessments.history(db.session, person),
        sources=assessments.allowed_sources(db.session, current_user, person, today=date.today()),
    )


@bp.post("/people/<int:user_id>/assess")
@access(SIGNED_IN)
def assess(user_id: int) -> Any:
    person = _person(user_id)
    skill = db.session.get(Skill, request.form.get("skill", type=int) or 0)
    level = request.form.get("level", type=int)
    if skill is None or level is None:
        flash(_("Choose a skill and a level."), "error")
        return redirect(url_for(".profile", user_id=user_id))
    try:
        assessments.assess(
            db.session,
            current_user,
            person,
            skill,
            level,
            comment=request.form.get("comment", ""),
            today=date.today(),
            now=utcnow(),
        )
    except ServiceError as error:
        db.session.rollback()
        if not assessments.allowed_sources(db.session, current_user, person, today=date.today()):
            abort(403)
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("The assessment is recorded."), "success")
    return redirect(url_for(".profile", user_id=user_id))
