"""Personal API tokens: shown once, stored as SHA-256, sent as ``Authorization: Bearer``."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.auth.models import ApiToken, User
from lms.errors import ServiceError
from lms.i18n import _
from lms.models_base import utcnow

TOKEN_PREFIX = "lms_"
MAX_TOKEN_NAME = 100
LAST_USED_PRECISION = timedelta(minutes=1)


def _digest(token: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is enough; a slow one would make
    # every API call pay for it.
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(session: Session, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token for ``user``; the returned secret is never stored or shown again."""
    name = " ".join((name or "").split())
    if not name:
        raise ServiceError(
            _("Give the token a name, e.g. the tool that will use it."), field="name"
        )
    if len(name) > MAX_TOKEN_NAME:
        raise ServiceError(
            _("Name is longer than %(n)d characters.", n=MAX_TOKEN_NAME), field="name"
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name, token_hash=_digest(secret), prefix=secret[:10])
    session.add(token)
    session.flush()
    return token, secret


def list_api_tokens(session: Session, user: User) -> list[ApiToken]:
    return list(
        session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc())
        )
    )


def revoke_api_token(token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()


def user_for_token(session: Session, secret: str) -> User | None:
    """The active owner of a valid, unrevoked token, recording its use; else None."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(secret)))
    if token is None or token.is_revoked or not token.user.is_active:
        return None
    now = utcnow()
    # Record use at most once a minute: a side panel calls the API on every keystroke.
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
        token.last_used_at = now
    return token.user
