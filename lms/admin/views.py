"""Managing users (HR and admins), roles, departments and positions (admins)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from lms.admin.forms import (
    ROLE_LABELS,
    ConfirmForm,
    ImportForm,
    MentorForm,
    NewUserForm,
    OrgUnitForm,
    ResetPasswordForm,
    UserForm,
)
from lms.auth import services, tokens
from lms.auth.access import ADMIN, MANAGE_USERS, access, can_assign_roles, can_manage_user, require
from lms.auth.models import ROLES, ApiToken, Department, Position, User
from lms.errors import ServiceError
from lms.extensions import db
from lms.formtools import choice_list, flash_form_errors, form_error
from lms.i18n import _

bp = Blueprint("admin", __name__, url_prefix="/admin")
PER_PAGE = 50


def _fill_choices(form: UserForm | MentorForm, *, editing: User | None = None) -> None:
    none = [(None, "—")]
    if isinstance(form, MentorForm):
        mentors = services.list_users(db.session, role="mentor").items
        form.mentor_id.choices = choice_list(
            none + [(u.id, u.name) for u in mentors if u != editing]
        )
        return
    form.department_id.choices = choice_list(
        none
        + [
            (d.id, d.name)
            for d in services.list_org_units(db.session, Department, active_only=True)
        ]
    )
    form.position_id.choices = choice_list(
        none
        + [(p.id, p.name) for p in services.list_org_units(db.session, Position, active_only=True)]
    )
    form.manager_id.choices = choice_list(
        none + [(u.id, u.name) for u in services.list_users(db.session).items if u != editing]
    )


@bp.get("/users")
@access(MANAGE_USERS)
def users() -> str:
    args = request.args
    department_id = args.get("department", type=int)
    role = args.get("role") if args.get("role") in ROLES else None
    people = services.list_users(
        db.session,
        text=args.get("q", ""),
        department_id=department_id,
        role=role,
        include_inactive=args.get("inactive") == "1",
        page=args.get("page", 1, type=int),
        per_page=PER_PAGE,
    )
    departments = services.list_org_units(db.session, Department)
    return render_template(
        "admin/users.html", people=people, departments=departments, roles=ROLE_LABELS, filters=args
    )


def _org_values(form: UserForm) -> dict[str, Any]:
    return {
        "department": db.session.get(Department, form.department_id.data)
        if form.department_id.data
        else None,
        "position": db.session.get(Position, form.position_id.data)
        if form.position_id.data
        else None,
        "manager": db.session.get(User, form.manager_id.data) if form.manager_id.data else None,
        "hired_on": form.hired_on.data,
    }


@bp.route("/users/new", methods=["GET", "POST"])
@access(MANAGE_USERS)
def new_user() -> Any:
    form = NewUserForm()
    _fill_choices(form)
    if request.method == "GET":
        form.roles.data = ["agent"]
    if form.validate_on_submit():
        roles = form.roles.data if can_assign_roles(current_user) else ["agent"]
        try:
            user = services.create_user(
                db.session,
                email=form.email.data,
                name=form.name.data,
                password=form.password.data,
                roles=roles or ["agent"],
                must_change_password=form.must_change_password.data,
                **_org_values(form),
            )
        except ServiceError as error:
            db.session.rollback()
            form_error(form, error)
        else:
            db.session.commit()
            flash(
                _("%(name)s can now sign in as %(email)s.", name=user.name, email=user.email),
                "success",
            )
            return redirect(url_for("admin.edit_user", user_id=user.id))
    return render_template(
        "admin/user_form.html", form=form, person=None, can_roles=can_assign_roles(current_user)
    ), 400 if form.errors else 200


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@access(MANAGE_USERS)
def edit_user(user_id: int) -> Any:
    user = db.get_or_404(User, user_id)
    require(can_manage_user(current_user, user))
    form = UserForm(obj=user)
    _fill_choices(form, editing=user)
    if request.method == "GET":
        form.roles.data = sorted(user.roles)
    if form.validate_on_submit():
        try:
            services.update_user(
                db.session, user, email=form.email.data, name=form.name.data, **_org_values(form)
            )
            if can_assign_roles(current_user):
                services.set_roles(db.session, user, form.roles.data)
        except ServiceError as error:
            db.session.rollback()
            form_error(form, error)
        else:
            db.session.commit()
            flash(_("Changes to %(name)s were saved.", name=user.name), "success")
            return redirect(url_for("admin.edit_user", user_id=user.id))
    mentor_form = MentorForm(started_on=date.today())
    _fill_choices(mentor_form, editing=user)
    return render_template(
        "admin/user_form.html",
        form=form,
        person=user,
        mentor_form=mentor_form,
        history=services.mentorship_history(db.session, user),
        tokens=tokens.list_api_tokens(db.session, user),
        confirm=ConfirmForm(),
        password_form=ResetPasswordForm(),
        can_roles=can_assign_roles(current_user),
        role_labels=ROLE_LABELS,
    ), 400 if form.errors else 200


@bp.post("/users/<int:user_id>/active")
@access(MANAGE_USERS)
def set_active(user_id: int) -> Any:
    user = db.get_or_404(User, user_id)
    require(can_manage_user(current_user, user))
    active = request.form.get("active") == "1"
    try:
        services.set_active(db.session, user, active, actor=current_user)
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        message = (
            _("%(name)s is active again.", name=user.name)
            if active
            else _("%(name)s was deactivated and can no longer sign in.", name=user.name)
        )
        flash(message, "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.post("/users/<int:user_id>/password")
@access(MANAGE_USERS)
def reset_password(user_id: int) -> Any:
    user = db.get_or_404(User, user_id)
    require(can_manage_user(current_user, user))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.set_password(user, form.password.data, temporary=True)
        except ServiceError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(
                _(
                    "New password set for %(name)s: they must change it at next sign-in, and "
                    "their open sessions were ended.",
                    name=user.name,
                ),
                "success",
            )
    else:
        flash_form_errors(form)
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.post("/users/<int:user_id>/mentor")
@access(MANAGE_USERS)
def set_mentor(user_id: int) -> Any:
    user = db.get_or_404(User, user_id)
    require(can_manage_user(current_user, user))
    form = MentorForm()
    _fill_choices(form, editing=user)
    if form.validate_on_submit():
        mentor = db.session.get(User, form.mentor_id.data) if form.mentor_id.data else None
        try:
            services.assign_mentor(
                db.session, user, mentor, started_on=form.started_on.data, actor=current_user
            )
        except ServiceError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("Mentor of %(name)s was updated.", name=user.name), "success")
    else:
        flash_form_errors(form)
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.post("/users/<int:user_id>/tokens/<int:token_id>/revoke")
@access(ADMIN)
def revoke_user_token(user_id: int, token_id: int) -> Any:
    token = db.get_or_404(ApiToken, token_id)
    require(token.user_id == user_id)
    tokens.revoke_api_token(token)
    db.session.commit()
    flash(
        _(
            "Token “%(name)s” was revoked; programs using it can no longer reach the API.",
            name=token.name,
        ),
        "success",
    )
    return redirect(url_for("admin.edit_user", user_id=user_id))


# Departments and positions ---------------------------------------------------------

ORG_UNITS = {"departments": Department, "positions": Position}


def _org_unit_page(kind: str, unit_id: int | None) -> Any:
    model = ORG_UNITS[kind]
    unit = db.get_or_404(model, unit_id) if unit_id else None
    form = OrgUnitForm(obj=unit)
    if form.validate_on_submit():
        try:
            saved = services.save_org_unit(
                db.session,
                model,
                code=form.code.data,
                name=form.name.data,
                unit=unit,
                is_active=form.is_active.data,
            )
        except ServiceError as error:
            db.session.rollback()
            form_error(form, error)
        else:
            db.session.commit()
            flash(_("“%(name)s” was saved.", name=saved.name), "success")
            return redirect(url_for(f"admin.{kind}"))
    units = services.list_org_units(db.session, model)
    counts = services.people_per_unit(db.session, model)
    return render_template(
        "admin/org_units.html", kind=kind, units=units, unit=unit, form=form, counts=counts
    ), 400 if form.errors else 200


@bp.route("/departments", methods=["GET", "POST"])
@access(ADMIN)
def departments() -> Any:
    return _org_unit_page("departments", None)


@bp.route("/departments/<int:unit_id>", methods=["GET", "POST"])
@access(ADMIN)
def department(unit_id: int) -> Any:
    return _org_unit_page("departments", unit_id)


@bp.route("/positions", methods=["GET", "POST"])
@access(ADMIN)
def positions() -> Any:
    return _org_unit_page("positions", None)


@bp.route("/positions/<int:unit_id>", methods=["GET", "POST"])
@access(ADMIN)
def position(unit_id: int) -> Any:
    return _org_unit_page("positions", unit_id)


# Bulk import -----------------------------------------------------------------------


@bp.route("/users/import", methods=["GET", "POST"])
@access(MANAGE_USERS)
def import_users() -> Any:
    from lms.auth.csv_import import CsvImportError, import_users_csv

    form = ImportForm()
    result, problems = None, []
    if form.validate_on_submit():
        upload = form.file.data
        try:
            result = import_users_csv(
                db.session,
                upload.read(current_app.config["CSV_MAX_BYTES"] + 1),
                filename=upload.filename or "upload.csv",
                actor=current_user,
                dry_run=form.dry_run.data,
                today=date.today(),
                may_assign_roles=can_assign_roles(current_user),
                max_rows=current_app.config["CSV_MAX_ROWS_WEB"],
            )
        except CsvImportError as error:
            db.session.rollback()
            problems = error.problems
        else:
            if form.dry_run.data:
                db.session.rollback()
            else:
                db.session.commit()
    status = 400 if problems or form.errors else 200
    return render_template("admin/import.html", form=form, result=result, problems=problems), status
