"""Request-wide protections: CSRF for forms, security headers, who is signed in."""

from __future__ import annotations

from flask import Flask, Response, current_app, request, session
from flask_login import AnonymousUserMixin

from lms.database import expect_writes
from lms.extensions import csrf, db, login_manager

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class Anonymous(AnonymousUserMixin):
    locale = None
    roles: frozenset[str] = frozenset()
    must_change_password = False

    def has_role(self, *roles: str) -> bool:
        return False


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.anonymous_user = Anonymous
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(session_id: str):  # type: ignore[no-untyped-def]
        from lms.auth.models import User

        user_id, _, version = session_id.partition(".")
        if not user_id.isdigit():
            return None
        user = db.session.get(User, int(user_id))
        if user is None or not user.is_active or str(user.session_version) != version:
            return None
        return user

    @login_manager.request_loader
    def load_user_from_token(_request):  # type: ignore[no-untyped-def]
        from lms.auth.tokens import user_for_token

        token = bearer_token()
        if token is None:
            return None
        user = user_for_token(db.session, token)
        if user is not None and db.session.dirty:
            db.session.commit()  # record last use even if the request then fails
        return user

    @app.before_request
    def declare_writes() -> None:
        expect_writes(request.method in UNSAFE_METHODS)

    @app.teardown_request
    def forget_writes(_error: BaseException | None) -> None:
        expect_writes(False)

    @app.before_request
    def protect_forms() -> None:
        # Token clients prove themselves with the token itself; browsers with CSRF. A
        # signed-in browser session needs CSRF even when an Authorization header comes along.
        if not current_app.config.get("WTF_CSRF_ENABLED", True):
            return
        token_only = bearer_token() is not None and "_user_id" not in session
        if request.method in UNSAFE_METHODS and not token_only:
            csrf.protect()

    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response
