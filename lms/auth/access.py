"""Who may do what: every route names one rule from here; object checks live beside them.

A rule is checked before the view runs. Anonymous visitors of a protected page are sent
to the login page (the API answers 401); a signed-in user without the rule gets 403.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import wraps
from typing import Any, TypeVar

from flask import abort, jsonify, redirect, request, url_for
from flask_login import current_user

from lms.auth.models import ROLES, User
from lms.auth.services import is_current_mentor
from lms.extensions import db

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Rule:
    """A named access rule: who may open a route."""

    name: str
    roles: frozenset[str] = frozenset(ROLES)
    public: bool = False
    # Routes a user who must change a temporary password can still reach.
    before_password_change: bool = False

    def allows(self, user: Any) -> bool:
        if self.public:
            return True
        if not getattr(user, "is_authenticated", False):
            return False
        return user.has_role(*self.roles)


def _roles(*names: str) -> frozenset[str]:
    return frozenset(names)


PUBLIC = Rule("public", public=True)
SIGNED_IN = Rule("signed_in")
ACCOUNT = Rule("account", before_password_change=True)
# Capabilities from DESIGN.md "Roles and access".
KB_READ = Rule("kb_read")
KB_WRITE = Rule("kb_write", _roles("editor", "admin"))
KB_ANSWER = Rule("kb_answer", _roles("mentor", "editor", "admin"))
MENTEES = Rule("mentees", _roles("mentor", "hr", "admin"))
TRAINING_ADMIN = Rule("training_admin", _roles("hr", "admin"))
KB_REPORTS = Rule("kb_reports", _roles("editor", "hr", "admin"))
MANAGE_USERS = Rule("manage_users", _roles("hr", "admin"))
ADMIN = Rule("admin", _roles("admin"))

ALL_RULES = (
    PUBLIC,
    SIGNED_IN,
    ACCOUNT,
    KB_READ,
    KB_WRITE,
    KB_ANSWER,
    KB_REPORTS,
    MENTEES,
    TRAINING_ADMIN,
    MANAGE_USERS,
    ADMIN,
)


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def access(rule: Rule) -> Callable[[F], F]:
    """Declare the access rule of a view; the route sweep test reads ``access_rule``."""

    def decorate(view: F) -> F:
        @wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            denial = enforce(rule)
            if denial is not None:
                return denial
            return view(*args, **kwargs)

        checked.access_rule = rule  # type: ignore[attr-defined]
        return checked  # type: ignore[return-value]

    return decorate


def enforce(rule: Rule) -> Any:
    """Return a response that refuses the request, or None to let it through."""
    if rule.public:
        return None
    if not current_user.is_authenticated:
        if is_api_request():
            response = jsonify(error="unauthorized", message="Sign in or send a Bearer token.")
            response.status_code = 401
            response.headers["WWW-Authenticate"] = "Bearer"
            return response
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if current_user.must_change_password and not rule.before_password_change:
        if is_api_request():
            abort(403)
        return redirect(url_for("auth.password"))
    if not rule.allows(current_user):
        abort(403)
    return None


def require(allowed: bool) -> None:
    """Object check at the edge: refuse with 403 unless ``allowed``."""
    if not allowed:
        abort(403)


# Object checks ---------------------------------------------------------------


def can_manage_user(actor: User, target: User) -> bool:
    """HR manages users except administrators; only an administrator manages those."""
    if actor.has_role("admin"):
        return True
    return actor.has_role("hr") and not target.has_role("admin")


def can_assign_roles(actor: User) -> bool:
    return actor.has_role("admin")


def can_view_person(actor: User, target: User, *, today: date) -> bool:
    """Self, HR and admins see anyone; a mentor sees own current mentees."""
    if actor.id == target.id or actor.has_role("hr", "admin"):
        return True
    if actor.has_role("mentor"):
        return is_current_mentor(db.session, actor, target, today=today)
    return False
