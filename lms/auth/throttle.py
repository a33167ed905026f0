"""Sign-in and its throttle: 5 failures for an account or an address within 15 minutes
lock further attempts for 15 minutes.

The counters live where every worker sees them: the database by default, Redis when
``LMS_REDIS_URL`` is set.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms.auth.models import LoginThrottle, User
from lms.auth.services import find_user_by_email, password_matches
from lms.models_base import utcnow


@dataclass(frozen=True)
class Limits:
    max_failures: int
    window: timedelta
    lock: timedelta


def limits() -> Limits:
    cfg = current_app.config
    return Limits(
        cfg["LOGIN_MAX_FAILURES"],
        timedelta(seconds=cfg["LOGIN_WINDOW_SECONDS"]),
        timedelta(seconds=cfg["LOGIN_LOCK_SECONDS"]),
    )


class ThrottleStore(Protocol):
    def locked_until(self, key: str, now: datetime) -> datetime | None: ...
    def record_failure(self, key: str, now: datetime) -> None: ...
    def clear(self, key: str) -> None: ...


class DatabaseStore:
    """Counters in ``login_throttle`` rows, written in the request's transaction."""

    def __init__(self, session: Session, limits: Limits) -> None:
        self.session, self.limits = session, limits

    def _row(self, key: str) -> LoginThrottle | None:
        return self.session.scalar(select(LoginThrottle).where(LoginThrottle.key == key))

    def locked_until(self, key: str, now: datetime) -> datetime | None:
        row = self._row(key)
        if row is not None and row.locked_until is not None and row.locked_until > now:
            return row.locked_until
        return None

    def record_failure(self, key: str, now: datetime) -> None:
        row = self._row(key)
        if row is None:
            row = self._insert(key, now)
        if row.window_started_at <= now - self.limits.window:
            row.failures, row.window_started_at, row.locked_until = 0, now, None
        row.failures += 1
        if row.failures >= self.limits.max_failures:
            row.locked_until = now + self.limits.lock
            row.failures, row.window_started_at = 0, now
        self.session.flush()

    def _insert(self, key: str, now: datetime) -> LoginThrottle:
        # Another worker may insert the same key at once: the unique key decides.
        try:
            with self.session.begin_nested():
                row = LoginThrottle(key=key, failures=0, window_started_at=now)
                self.session.add(row)
            return row
        except IntegrityError:
            return self._row(key)  # type: ignore[return-value]

    def clear(self, key: str) -> None:
        row = self._row(key)
        if row is not None:
            self.session.delete(row)


class RedisStore:
    """Counters as expiring Redis keys, for several workers or hosts."""

    def __init__(self, client: object, limits: Limits) -> None:
        self.redis, self.limits = client, limits

    def locked_until(self, key: str, now: datetime) -> datetime | None:
        ttl = self.redis.ttl(f"lms:lock:{key}")  # type: ignore[attr-defined]
        return now + timedelta(seconds=ttl) if ttl and ttl > 0 else None

    def record_failure(self, key: str, now: datetime) -> None:
        counter = f"lms:fail:{key}"
        pipe = self.redis.pipeline()  # type: ignore[attr-defined]
        pipe.incr(counter)
        pipe.expire(counter, int(self.limits.window.total_seconds()), nx=True)
        failures, _ = pipe.execute()
        if failures >= self.limits.max_failures:
            self.redis.set(
                f"lms:lock:{key}",
                1,  # type: ignore[attr-defined]
                ex=int(self.limits.lock.total_seconds()),
            )
            self.redis.delete(counter)  # type: ignore[attr-defined]

    def clear(self, key: str) -> None:
        self.redis.delete(f"lms:fail:{key}", f"lms:lock:{key}")  # type: ignore[attr-defined]


def throttle_store(session: Session) -> ThrottleStore:
    url = current_app.config.get("LMS_REDIS_URL")
    if url:
        import redis

        client = current_app.extensions.get("lms_redis")
        if client is None:
            client = current_app.extensions["lms_redis"] = redis.Redis.from_url(url)
        return RedisStore(client, limits())
    return DatabaseStore(session, limits())


class LoginRefused(Exception):
    """Sign-in refused; ``reason`` is one of: credentials, inactive, locked."""

    def __init__(self, reason: str, *, until: datetime | None = None) -> None:
        super().__init__(reason)
        self.reason, self.until = reason, until


def keys_for(email: str, address: str) -> tuple[str, str]:
    return f"account:{email.strip().lower()}", f"address:{address}"


def authenticate(
    session: Session, email: str, password: str, *, address: str, now: datetime | None = None
) -> User:
    """Return the user for valid credentials or raise ``LoginRefused``.

    A locked account or address is refused before the password is even checked, so a
    guesser learns nothing while the lock lasts.
    """
    now = now or utcnow()
    store = throttle_store(session)
    account_key, address_key = keys_for(email, address)
    for key in (account_key, address_key):
        until = store.locked_until(key, now)
        if until is not None:
            raise LoginRefused("locked", until=until)
    user = find_user_by_email(session, email)
    if user is None or not password_matches(user, password):
        store.record_failure(account_key, now)
        store.record_failure(address_key, now)
        raise LoginRefused("credentials")
    if not user.is_active:
        raise LoginRefused("inactive")
    store.clear(account_key)
    user.last_login_at = now
    return user
