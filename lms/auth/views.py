"""Signing in and out, and each user's own account: password, language, API tokens."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from lms.auth import services, tokens
from lms.auth.access import ACCOUNT, PUBLIC, SIGNED_IN, access, can_view_person, require
from lms.auth.forms import LanguageForm, LoginForm, PasswordForm, TokenForm
from lms.auth.models import ApiToken, User
from lms.auth.throttle import LoginRefused, authenticate
from lms.errors import ServiceError
from lms.extensions import db
from lms.formtools import flash_form_errors, form_error
from lms.i18n import SESSION_KEY, _, ngettext
from lms.models_base import utcnow
from lms.web import safe_next

bp = Blueprint("auth", __name__)


def refusal_message(refused: LoginRefused) -> str:
    if refused.reason == "locked":
        minutes = max(1, round((refused.until - utcnow()).total_seconds() / 60))
        return ngettext(
            "Too many failed sign-in attempts. Sign-in is locked for %(num)d more minute; "
            "try again later or ask an administrator.",
            "Too many failed sign-in attempts. Sign-in is locked for %(num)d more minutes; "
            "try again later or ask an administrator.",
            minutes,
        )
    if refused.reason == "inactive":
        return _("This account has been deactivated. Ask HR or an administrator.")
    return _("Wrong e-mail or password.")


@bp.route("/login", methods=["GET", "POST"])
@access(PUBLIC)
def login() -> Any:
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = authenticate(
                db.session,
                form.email.data,
                form.password.data,
                address=request.remote_addr or "unknown",
            )
        except LoginRefused as refused:
            db.session.commit()  # the failure counts even though sign-in failed
            flash(refusal_message(refused), "error")
            status = 429 if refused.reason == "locked" else 200
        else:
            login_user(user)
            session[SESSION_KEY] = user.locale
            db.session.commit()
            return redirect(safe_next(request.args.get("next")))
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@access(ACCOUNT)
def logout() -> Any:
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.post("/language")
@access(PUBLIC)
def language() -> Any:
    form = LanguageForm()
    if form.validate_on_submit():
        session[SESSION_KEY] = form.locale.data
        if current_user.is_authenticated:
            services.set_locale(current_user, form.locale.data)
            db.session.commit()
    return redirect(safe_next(request.form.get("next")))


@bp.get("/account")
@access(ACCOUNT)
def account() -> str:
    return render_template(
        "auth/account.html",
        tokens=tokens.list_api_tokens(db.session, current_user),
        token_form=TokenForm(),
        new_token=session.pop("new_token", None),
    )


@bp.route("/account/password", methods=["GET", "POST"])
@access(ACCOUNT)
def password() -> Any:
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            services.change_own_password(
                current_user, form.current_password.data, form.new_password.data
            )
        except ServiceError as error:
            form_error(form, error)
        else:
            db.session.commit()
            # The session id carries the new session version. Pass the user itself: the
            # proxy would make Flask-Login's stored user point back at itself.
            login_user(current_user._get_current_object())
            flash(_("Your password has been changed. Other sessions were signed out."), "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/password.html", form=form), 400 if form.errors else 200


@bp.post("/account/tokens")
@access(ACCOUNT)
def create_token() -> Any:
    form = TokenForm()
    if form.validate_on_submit():
        try:
            _token, secret = tokens.create_api_token(db.session, current_user, form.name.data)
        except ServiceError as error:
            flash(error.message, "error")
        else:
            db.session.commit()
            session["new_token"] = secret
    else:
        flash_form_errors(form)
    return redirect(url_for("auth.account"))


@bp.post("/account/tokens/<int:token_id>/revoke")
@access(ACCOUNT)
def revoke_token(token_id: int) -> Any:
    token = db.get_or_404(ApiToken, token_id)
    require(token.user_id == current_user.id)
    tokens.revoke_api_token(token)
    db.session.commit()
    flash(
        _(
            "Token “%(name)s” was revoked; programs using it can no longer reach the API.",
            name=token.name,
        ),
        "success",
    )
    return redirect(url_for("auth.account"))


@bp.get("/people/<int:user_id>")
@access(SIGNED_IN)
def person(user_id: int) -> Any:
    user = db.get_or_404(User, user_id)
    require(can_view_person(current_user, user, today=date.today()))
    history = services.mentorship_history(db.session, user)
    return render_template("auth/person.html", person=user, history=history)
