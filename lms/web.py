"""What every page shares: error pages, navigation, the template context."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, jsonify, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from lms.auth.services import MIN_PASSWORD
from lms.errors import ServiceError
from lms.extensions import db
from lms.i18n import LOCALES, _, _l

# (endpoint, label, roles that see it; empty: everyone signed in)
NAV = (
    ("core.home", _l("Home"), ()),
    ("kb.index", _l("Knowledge base"), ()),
    ("courses.my_learning", _l("My learning"), ()),
    ("probation.mentees", _l("Mentees"), ("mentor",)),
    ("probation.all_probations", _l("Probation"), ("hr", "admin")),
    ("skills.matrix_page", _l("Skills"), ("mentor", "hr", "admin")),
    ("training.report", _l("Training"), ("hr", "admin")),
    ("kpi.my_kpis", _l("My KPIs"), ("agent",)),
    ("kpi.overview_page", _l("KPI"), ("mentor", "hr", "admin")),
    ("training.grading", _l("Grading"), ("mentor",)),
    ("gaps.report", _l("Gaps"), ("editor", "admin")),
    ("questions.queue", _l("Questions"), ("mentor", "editor", "admin")),
    ("admin.users", _l("People"), ("hr", "admin")),
    ("admin.departments", _l("Departments"), ("admin",)),
    ("admin.positions", _l("Positions"), ("admin",)),
)

ERROR_TITLES = {
    400: _l("Bad request"),
    401: _l("Sign-in required"),
    403: _l("Access denied"),
    404: _l("Page not found"),
    405: _l("Method not allowed"),
    413: _l("File too large"),
    500: _l("Something went wrong"),
}


def safe_next(target: str | None, default: str | None = None) -> str:
    """A path on this site to go to next; anything else (another host) goes to ``default``."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        parts = urlsplit(target.replace("\\", "/"))
        if not parts.scheme and not parts.netloc:
            return target
    return default or url_for("core.home")


def nav_items() -> list[tuple[str, Any]]:
    if not current_user.is_authenticated:
        return []
    return [
        (endpoint, label)
        for endpoint, label, roles in NAV
        if not roles or current_user.has_role(*roles)
    ]


def error_message(code: int, description: str | None) -> str:
    messages = {
        400: _("The request could not be understood. Go back and try again."),
        403: _("You do not have access to this page. Ask an administrator if you need it."),
        404: _("There is no such page. Check the address or start from the home page."),
        405: _("This address does not accept that kind of request."),
        413: _("The file is larger than the server accepts."),
        500: _(
            "The server failed to handle the request; nothing was saved. Try again, "
            "and tell an administrator if it happens again."
        ),
    }
    return messages.get(code, description or "")


def render_error(code: int, message: str | None = None) -> Any:
    text = message or error_message(code, None)
    if request.path.startswith("/api/"):
        return jsonify(error=str(ERROR_TITLES.get(code, code)), message=text), code
    title = ERROR_TITLES.get(code, str(code))
    return render_template("errors/error.html", code=code, title=title, message=text), code


def commit_or_problems(save: Callable[[], object]) -> list[str]:
    """Run a service that saves an edited document: commit and return no problems, or roll
    back and return every problem it found (each with its line), else its message."""
    try:
        save()
    except ServiceError as error:
        db.session.rollback()
        return list(getattr(error, "problems", None) or [error.message])
    db.session.commit()
    return []


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> Any:
        db.session.rollback()
        return render_error(
            400,
            _(
                "The form has expired or was not sent from this site "
                "(missing or wrong security token). Reload the page and "
                "send it again; nothing was saved."
            ),
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        if error.code and error.code >= 400:
            db.session.rollback()
            return render_error(error.code)
        return error

    @app.errorhandler(Exception)
    def server_error(error: Exception) -> Any:
        if app.testing and app.config.get("PROPAGATE_EXCEPTIONS") is not False:
            raise error  # tests see the traceback unless they ask for the 500 page
        db.session.rollback()
        app.logger.exception("unhandled error")
        return render_error(500)

    @app.context_processor
    def layout_context() -> dict[str, Any]:
        return {
            "nav_items": nav_items(),
            "locales": LOCALES,
            "get_locale": get_locale,
            "min_password": MIN_PASSWORD,
        }
