"""The one place the app's translation helpers come from."""

from __future__ import annotations

from flask import current_app, has_request_context, request, session
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from lms.config import LOCALES

__all__ = ["LOCALES", "_", "_l", "ngettext", "select_locale"]

SESSION_KEY = "locale"


def select_locale() -> str:
    """The signed-in user's language, else the one chosen this session, else the default."""
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in LOCALES:
        return current_user.locale
    chosen = session.get(SESSION_KEY)
    if chosen in LOCALES:
        return chosen
    if request.path.startswith("/api/"):
        return request.accept_languages.best_match(LOCALES) or "en"
    return current_app.config["BABEL_DEFAULT_LOCALE"]
