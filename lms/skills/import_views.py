"""Importing the skill matrix workbook on the skills blueprint: upload, preview, apply.

The preview page carries the uploaded file back in a hidden field (base64, with its
SHA-256) rather than in a temporary file, since the app may run on several hosts. Applying
plans the file again and applies only if the changes are still those previewed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField
from wtforms.validators import DataRequired

from lms.auth.access import TRAINING_ADMIN, access
from lms.extensions import db
from lms.i18n import _, _l
from lms.models_base import utcnow
from lms.skills.views import bp
from lms.skills.workbook import ImportPlan, WorkbookError, apply_plan, plan_import

PREVIEW_ROWS = 500  # changes listed on the page; the summary counts them all
TEMPLATE = "skills/import.html"


class UploadForm(FlaskForm):
    file = FileField(
        _l("Workbook (.xlsx)"), validators=[FileRequired(_l("Choose the workbook to import."))]
    )


class ApplyForm(FlaskForm):
    """The previewed file and what it would change, sent back to apply it."""

    workbook = HiddenField(validators=[DataRequired()])
    sha256 = HiddenField(validators=[DataRequired()])
    filename = HiddenField(validators=[DataRequired()])
    digest = HiddenField(validators=[DataRequired()])


def _page(status: int = 200, **context: Any) -> tuple[str, int]:
    context.setdefault("form", UploadForm(formdata=None))
    return render_template(TEMPLATE, preview_rows=PREVIEW_ROWS, **context), status


def _preview(data: bytes, filename: str, *, status: int = 200) -> tuple[str, int]:
    """Plan the file without writing; show its changes, or every problem in it."""
    try:
        plan = plan_import(db.session, data, filename=filename)
    except WorkbookError as error:
        db.session.rollback()
        return _page(400, error=error)
    db.session.rollback()  # nothing was written; let go of the read transaction
    apply_form = ApplyForm(
        formdata=None,
        workbook=base64.b64encode(data).decode("ascii"),
        sha256=hashlib.sha256(data).hexdigest(),
        filename=filename,
        digest=plan.digest(),
    )
    return _page(status, plan=plan, apply_form=apply_form)


@bp.route("/import", methods=["GET", "POST"])
@access(TRAINING_ADMIN)
def import_page() -> Any:
    form = UploadForm()
    if not form.validate_on_submit():
        return _page(400 if form.errors else 200, form=form)
    upload = form.file.data
    return _preview(upload.read(), upload.filename or "skill-matrix.xlsx")


def _sent_back(form: ApplyForm) -> bytes | None:
    """The file the preview page sent back, if it arrived whole."""
    try:
        data = base64.b64decode(form.workbook.data or "", validate=True)
    except (binascii.Error, ValueError):
        return None
    return data if hashlib.sha256(data).hexdigest() == form.sha256.data else None


def _applied(plan: ImportPlan) -> Any:
    apply_plan(db.session, plan, actor=current_user, now=utcnow())
    db.session.commit()
    flash(_("The workbook %(file)s was imported: %(summary)s", file=plan.filename,
            summary=plan.summary()), "success")  # fmt: skip
    return redirect(url_for("skills.matrix_page"))


@bp.post("/import/apply")
@access(TRAINING_ADMIN)
def apply_import() -> Any:
    form = ApplyForm()
    data = _sent_back(form) if form.validate_on_submit() else None
    if data is None:
        flash(_("The file did not arrive whole or the form expired: upload it again."), "error")
        return redirect(url_for("skills.import_page"))
    filename = form.filename.data or "skill-matrix.xlsx"
    try:
        plan = plan_import(db.session, data, filename=filename)
    except WorkbookError as error:  # the catalogue changed since the preview
        db.session.rollback()
        return _page(400, error=error)
    if plan.digest() != form.digest.data:
        db.session.rollback()
        flash(
            _("Levels or requirements changed since the preview. Check the changes again."),
            "error",
        )
        return _preview(data, filename, status=409)
    if plan.is_empty:
        db.session.rollback()
        flash(
            _("The workbook matches the current levels and requirements: nothing to save."), "info"
        )
        return redirect(url_for("skills.matrix_page"))
    return _applied(plan)
