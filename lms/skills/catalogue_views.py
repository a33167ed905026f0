"""The skills catalogue (everyone reads what each level means; HR edits it as the text of
skills.yml) and a department's requirements, edited by HR as a grid."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.auth.access import SIGNED_IN, TRAINING_ADMIN, access
from lms.auth.models import Department
from lms.errors import ServiceError
from lms.extensions import db
from lms.i18n import _
from lms.skills import assessments
from lms.skills.models import LEVELS, SkillGroup
from lms.skills.services import CatalogueError, catalogue_yaml, load_catalogue
from lms.skills.views import bp
from lms.yamlfile import YamlProblem, load_yaml

CATALOGUE_FILE = "skills.yml"


def _groups() -> list[SkillGroup]:
    return list(
        db.session.scalars(
            select(SkillGroup)
            .options(selectinload(SkillGroup.skills))
            .order_by(SkillGroup.position, SkillGroup.id)
        )
    )


def _catalogue_page(text: str, problems: list[str], status: int = 200) -> tuple[str, int]:
    return render_template(
        "skills/catalogue.html",
        groups=_groups(),
        text=text,
        problems=problems,
        can_edit=current_user.has_role("hr", "admin"),
    ), status


@bp.get("/catalogue")
@access(SIGNED_IN)
def catalogue() -> tuple[str, int]:
    text = catalogue_yaml(db.session) if current_user.has_role("hr", "admin") else ""
    return _catalogue_page(text, [])


@bp.post("/catalogue")
@access(TRAINING_ADMIN)
def save_catalogue() -> Any:
    """Save HR's edit of the catalogue text: all of it, or nothing when a line is wrong."""
    text = request.form.get("text", "")
    try:
        data = load_yaml(text)
        report = load_catalogue(db.session, data, filename=CATALOGUE_FILE, actor=current_user)
    except YamlProblem as error:
        db.session.rollback()
        problem = _("%(file)s, line %(line)d: %(problem)s", file=CATALOGUE_FILE, line=error.line,
                    problem=error.problem)  # fmt: skip
        return _catalogue_page(text, [problem], 400)
    except CatalogueError as error:
        db.session.rollback()
        return _catalogue_page(text, error.problems, 400)
    db.session.commit()
    flash(
        _(
            "The catalogue is saved: %(created)d skills added, %(updated)d changed, %(retired)d "
            "retired (their history stays).",
            created=len(report.created),
            updated=len(report.updated),
            retired=len(report.retired),
        ),
        "success",
    )
    return redirect(url_for(".catalogue"))


# A department's requirements ------------------------------------------------------------------


def _department() -> Department | None:
    department_id = request.values.get("department", type=int)
    if department_id is None:
        return None
    department = db.session.get(Department, department_id)
    if department is None:
        abort(404)
    return department


@bp.get("/requirements")
@access(TRAINING_ADMIN)
def requirements() -> str:
    department = _department()
    positions, required = (
        assessments.department_requirements(db.session, department) if department else ([], {})
    )
    return render_template(
        "skills/requirements.html",
        department=department,
        departments=db.session.scalars(select(Department).order_by(Department.name)).all(),
        columns=[(0, _("Everyone")), *((p.id, p.name) for p in positions)],
        required=required,
        groups=_groups(),
        levels=LEVELS,
    )


@bp.post("/requirements")
@access(TRAINING_ADMIN)
def save_requirements() -> Any:
    """Every select of the grid is ``req-<position id, 0 for everyone>-<skill id>``."""
    department = _department()
    if department is None:
        abort(400)
    wanted: dict[tuple[int | None, int], int | None] = {}
    for name, value in request.form.items():
        parts = name.split("-")
        if len(parts) != 3 or parts[0] != "req" or not (parts[1] + parts[2]).isdigit():
            continue
        if value not in ("", *map(str, LEVELS)):
            abort(400)
        position_id = int(parts[1]) or None
        wanted[position_id, int(parts[2])] = int(value) if value else None
    try:
        counts = assessments.save_department_requirements(db.session, department, wanted)
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(
            _(
                "Requirements saved: %(added)d added, %(changed)d changed, %(removed)d removed.",
                **counts,
            ),
            "success",
        )
    return redirect(url_for(".requirements", department=department.id))
