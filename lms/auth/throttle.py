"""Sign-in and its throttle: 5 failures for an account or an address within 15 minutes
lock further attempts for 15 minutes.

The counters live where every worker sees them: the database by default, Redis when
``LMS_REDIS_URL`` is set.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from flask import current_app
from sqlalchemy import case, delete, insert, literal, select, update
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
    def record_failures(self, keys: Sequence[str], now: datetime) -> None: ...
    def clear(self, key: str) -> None: ...


class DatabaseStore:
    """Counters in ``login_throttle`` rows, written in the caller's transaction.

    Workers count failures for the same key at the same moment, so each failure is one
    atomic ``UPDATE ... failures + 1``: reading the row and writing it back lost increments.
    No ``LoginThrottle`` object is loaded, so nothing in the session can be stale.
    """

    def __init__(self, session: Session, limits: Limits) -> None:
        self.session, self.limits = session, limits

    def locked_until(self, key: str, now: datetime) -> datetime | None:
        until = self.session.scalar(
            select(LoginThrottle.locked_until).where(LoginThrottle.key == key)
        )
        return until if until is not None and until > now else None

    def record_failures(self, keys: Sequence[str], now: datetime) -> None:
        for key in keys:
            if self._count(key, now) >= self.limits.max_failures:
                self.session.execute(
                    update(LoginThrottle)
                    .where(LoginThrottle.key == key)
                    .values(locked_until=now + self.limits.lock, failures=0, window_started_at=now)
                    .execution_options(synchronize_session=False)
                )

    def _count(self, key: str, now: datetime) -> int:
        """Add one failure to ``key`` and return its failures in the current window."""
        failures = self._increment(key, now)
        if failures is not None:
            return failures
        try:
            with self.session.begin_nested():
                self.session.execute(
                    insert(LoginThrottle).values(key=key, failures=1, window_started_at=now)
                )
            return 1
        except IntegrityError:  # another worker inserted the key first
            return self._increment(key, now) or 1

    def _increment(self, key: str, now: datetime) -> int | None:
        started = LoginThrottle.window_started_at
        expired = started <= now - self.limits.window
        return self.session.scalar(
            update(LoginThrottle)
            .where(LoginThrottle.key == key)
            .values(
                failures=case((expired, 1), else_=LoginThrottle.failures + 1),
                window_started_at=case((expired, literal(now, started.type)), else_=started),
            )
            .returning(LoginThrottle.failures)
            .execution_options(synchronize_session=False)
        )

    def clear(self, key: str) -> None:
        self.session.execute(
            delete(LoginThrottle)
            .where(LoginThrottle.key == key)
            .execution_options(synchronize_session=False)
        )


class RedisStore:
    """Counters as expiring Redis keys, for several workers or hosts."""

    def __init__(self, client: object, limits: Limits) -> None:
        self.redis, self.limits = client, limits

    def locked_until(self, key: str, now: datetime) -> datetime | None:
        ttl = self.redis.ttl(f"lms:lock:{key}")  # type: ignore[attr-defined]
        return now + timedelta(seconds=ttl) if ttl and ttl > 0 else None

    def record_failures(self, keys: Sequence[str], now: datetime) -> None:
        for key in keys:
            self._count(key)

    def _count(self, key: str) -> None:
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
    guesser learns nothing while the lock lasts. Failures are written to the session's
    transaction; the caller commits it even though sign-in failed.
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
        store.record_failures((account_key, address_key), now)
        raise LoginRefused("credentials")
    if not user.is_active:
        raise LoginRefused("inactive")
    store.clear(account_key)
    user.last_login_at = now
    return user
