"""The sign-in throttle: 5 failures for an account or an address within 15 minutes lock
further attempts for 15 minutes, in the database (shared by workers and processes) or Redis.
"""

from __future__ import annotations

import multiprocessing
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from lms.auth.models import LoginThrottle, User
from lms.auth.throttle import LoginRefused, authenticate, keys_for
from lms.extensions import db
from tests.conftest import TEST_PASSWORD

T0 = datetime(2030, 3, 1, 9, 0, tzinfo=UTC)
SECOND, MINUTE = timedelta(seconds=1), timedelta(minutes=1)
WRONG = "not the password"
REDIS_URL = "redis://127.0.0.1:6379/15"


def attempt(
    app: Flask, email: str, password: str, *, now: datetime, address: str = "10.0.0.1"
) -> str:
    """Sign in like the login view does (the failure is committed); "ok" or the reason."""
    with app.test_request_context():
        try:
            authenticate(db.session, email, password, address=address, now=now)
        except LoginRefused as refused:
            db.session.commit()
            return refused.reason
        db.session.commit()
        return "ok"


def fail_times(
    app: Flask, email: str, count: int, *, start: datetime = T0, address: str | None = "10.0.0.1"
) -> datetime:
    """``count`` wrong passwords, a second apart; each from its own address if None.

    Returns the time of the last one.
    """
    now = start
    for i in range(count):
        now = start + i * SECOND
        reason = attempt(app, email, WRONG, now=now, address=address or f"10.1.0.{i}")
        assert reason == "credentials", f"attempt {i + 1}: {reason}"
    return now


def refusal(
    app: Flask, email: str, password: str, *, now: datetime, address: str = "10.0.0.1"
) -> LoginRefused:
    with app.test_request_context(), pytest.raises(LoginRefused) as caught:
        authenticate(db.session, email, password, address=address, now=now)
    return caught.value


# Per account and per address --------------------------------------------------------------


def test_sixth_attempt_is_locked_even_with_the_right_password(app, users):
    email = users["agent"].email
    last = fail_times(app, email, 5)
    refused = refusal(app, email, TEST_PASSWORD, now=last + SECOND)
    assert refused.reason == "locked"
    assert refused.until == last + 15 * MINUTE


def test_four_failures_do_not_lock(app, users):
    email = users["agent"].email
    last = fail_times(app, email, 4)
    assert attempt(app, email, TEST_PASSWORD, now=last + SECOND) == "ok"


def test_account_is_locked_whatever_address_the_failures_came_from(app, users):
    email = users["agent"].email
    last = fail_times(app, email, 5, address=None)
    assert attempt(app, email, TEST_PASSWORD, now=last + SECOND, address="10.9.9.9") == "locked"
    # Another account is not affected.
    assert (
        attempt(app, users["mentor"].email, TEST_PASSWORD, now=last + SECOND, address="10.9.9.9")
        == "ok"
    )


def test_address_is_locked_after_failures_on_different_accounts(app, users, make_user):
    others = [make_user("agent") for _ in range(5)]
    for i, other in enumerate(others):
        assert attempt(app, other.email, WRONG, now=T0 + i * SECOND) == "credentials"
    after = T0 + 5 * SECOND
    assert attempt(app, users["agent"].email, TEST_PASSWORD, now=after) == "locked"
    assert attempt(app, users["agent"].email, TEST_PASSWORD, now=after, address="10.0.0.2") == "ok"


def test_unknown_accounts_count_towards_the_address(app, users):
    for i in range(5):
        assert attempt(app, f"guess{i}@test.example", WRONG, now=T0 + i * SECOND) == "credentials"
    assert attempt(app, users["agent"].email, TEST_PASSWORD, now=T0 + 5 * SECOND) == "locked"


def test_login_page_answers_429_with_the_lock_message(browser, users):
    browser.post("/language", {"locale": "en"}, form_url="/login")
    email = users["agent"].email
    for _ in range(5):
        response = browser.login(email, WRONG)
        assert "Wrong e-mail or password." in response.get_data(as_text=True)
    response = browser.login(email, TEST_PASSWORD)
    html = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in html
    assert re.search(r"locked for 1[45] more minutes", html)
    assert browser.get("/").headers["Location"].startswith("/login")


# Time -------------------------------------------------------------------------------------


def test_lock_lifts_after_fifteen_minutes(app, users):
    email = users["agent"].email
    last = fail_times(app, email, 5)
    assert attempt(app, email, TEST_PASSWORD, now=last + 15 * MINUTE - SECOND) == "locked"
    assert attempt(app, email, TEST_PASSWORD, now=last + 15 * MINUTE) == "ok"


def test_attempts_while_locked_do_not_extend_the_lock(app, users):
    email = users["agent"].email
    last = fail_times(app, email, 5)
    for minutes in (1, 5, 14):
        assert attempt(app, email, WRONG, now=last + minutes * MINUTE) == "locked"
    assert attempt(app, email, TEST_PASSWORD, now=last + 15 * MINUTE) == "ok"


def test_failures_older_than_the_window_do_not_count(app, users):
    email = users["agent"].email
    fail_times(app, email, 4)
    later = T0 + 16 * MINUTE
    assert attempt(app, email, WRONG, now=later) == "credentials"
    assert attempt(app, email, TEST_PASSWORD, now=later + SECOND) == "ok"


def test_failures_within_the_window_add_up(app, users):
    email = users["agent"].email
    fail_times(app, email, 4)
    later = T0 + 14 * MINUTE
    assert attempt(app, email, WRONG, now=later) == "credentials"
    assert attempt(app, email, TEST_PASSWORD, now=later + SECOND) == "locked"


# Success ----------------------------------------------------------------------------------


def test_success_clears_the_account_counter(app, users):
    email = users["agent"].email
    last = fail_times(app, email, 4, address=None)
    assert attempt(app, email, TEST_PASSWORD, now=last + SECOND, address="10.2.0.1") == "ok"
    last = fail_times(app, email, 4, start=last + 2 * SECOND, address=None)
    assert attempt(app, email, TEST_PASSWORD, now=last + SECOND, address="10.2.0.2") == "ok"


def test_success_does_not_clear_the_address_counter(app, users, make_user):
    # Otherwise a guesser could reset the address count by signing into an account of their own.
    victim = make_user("agent")
    for i in range(4):
        assert (
            attempt(app, victim.email, WRONG, now=T0 + i * SECOND, address="10.3.0.1")
            == "credentials"
        )
    assert (
        attempt(app, users["agent"].email, TEST_PASSWORD, now=T0 + 5 * SECOND, address="10.3.0.1")
        == "ok"
    )
    assert (
        attempt(app, users["mentor"].email, WRONG, now=T0 + 6 * SECOND, address="10.3.0.1")
        == "credentials"
    )
    assert (
        attempt(app, users["mentor"].email, TEST_PASSWORD, now=T0 + 7 * SECOND, address="10.3.0.1")
        == "locked"
    )


def test_deactivated_user_with_the_right_password_is_refused_as_inactive(app, users):
    agent = users["agent"]
    with app.test_request_context():
        db.session.get(User, agent.id).is_active = False
        db.session.commit()
    assert attempt(app, agent.email, TEST_PASSWORD, now=T0) == "inactive"
    assert attempt(app, agent.email, WRONG, now=T0 + SECOND) == "credentials"


def test_counters_are_kept_in_the_database(app, users):
    email = users["agent"].email
    fail_times(app, email, 2)
    account_key, address_key = keys_for(email, "10.0.0.1")
    with app.app_context():
        rows = {row.key: row.failures for row in db.session.scalars(sa.select(LoginThrottle))}
    assert rows == {account_key: 2, address_key: 2}


# Redis ------------------------------------------------------------------------------------


@pytest.fixture
def redis_throttle(app: Flask) -> Iterator[Any]:
    """Point the throttle at Redis database 15 for one test, then put everything back."""
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5, socket_timeout=2)
    try:
        client.ping()
    except redis.exceptions.RedisError as error:
        client.close()
        pytest.skip(f"no Redis answering on 127.0.0.1:6379 ({error})")
    marker = uuid.uuid4().hex[:12]
    saved = app.config["LMS_REDIS_URL"]
    app.config["LMS_REDIS_URL"] = REDIS_URL
    app.extensions.pop("lms_redis", None)

    def flush() -> None:
        for key in client.scan_iter(match=f"lms:*{marker}*"):
            client.delete(key)

    try:
        yield marker
    finally:
        app.config["LMS_REDIS_URL"] = saved
        cached = app.extensions.pop("lms_redis", None)
        if cached is not None:
            cached.close()
        flush()
        client.close()


def test_redis_store_locks_after_five_failures(app, make_user, redis_throttle):
    email = f"redis-{redis_throttle}@test.example"
    make_user("agent", email=email)
    address = f"10.4.{redis_throttle}"
    for _ in range(5):
        assert attempt(app, email, WRONG, now=T0, address=address) == "credentials"
    assert attempt(app, email, TEST_PASSWORD, now=T0, address=address) == "locked"
    assert (
        attempt(app, email, TEST_PASSWORD, now=T0, address=f"10.4.other.{redis_throttle}")
        == "locked"
    )
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(LoginThrottle.id))) == 0


def test_redis_store_clears_the_account_on_success(app, make_user, redis_throttle):
    email = f"redis-{redis_throttle}@test.example"
    make_user("agent", email=email)
    for round_ in range(2):
        for i in range(4):
            address = f"10.5.{redis_throttle}.{round_}.{i}"
            assert attempt(app, email, WRONG, now=T0, address=address) == "credentials"
        assert (
            attempt(app, email, TEST_PASSWORD, now=T0, address=f"10.5.{redis_throttle}.ok") == "ok"
        )


# Several processes ------------------------------------------------------------------------

PROCESSES, FAILURES_EACH = 3, 2


def record_failures(database_url: str, email: str, address: str, barrier: Any) -> None:
    """Run in a child process, like a gunicorn worker: its own app, two failed sign-ins."""
    from lms import create_app

    app = create_app(
        {
            "TESTING": True,
            "LMS_ENV": "test",
            "SECRET_KEY": "child",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "LMS_REDIS_URL": "",
            "WTF_CSRF_ENABLED": False,
        }
    )
    client = app.test_client()
    barrier.wait(timeout=60)  # start together, so the writes really overlap
    for _ in range(FAILURES_EACH):
        response = client.post(
            "/login",
            data={"email": email, "password": WRONG},
            environ_base={"REMOTE_ADDR": address},
        )
        # The sixth failure may already find the lock the fifth one set (429).
        assert response.status_code in (200, 429), response.status_code
    with app.app_context():
        db.engine.dispose()


@pytest.mark.real_commits
def test_failures_from_several_processes_add_up(app, make_user):
    email = f"processes-{uuid.uuid4().hex[:8]}@test.example"
    addresses = [f"10.6.0.{i}" for i in range(PROCESSES)]
    keys = {keys_for(email, a)[0] for a in addresses} | {keys_for(email, a)[1] for a in addresses}
    keys.add(keys_for(email, "10.6.1.1")[1])
    user = make_user("agent", email=email)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    spawn = multiprocessing.get_context("spawn")
    barrier = spawn.Barrier(PROCESSES)
    children = [
        spawn.Process(target=record_failures, args=(url, email, address, barrier))
        for address in addresses
    ]
    try:
        for child in children:
            child.start()
        for child in children:
            child.join(timeout=120)
        assert [child.exitcode for child in children] == [0] * PROCESSES
        with app.app_context():
            row = db.session.scalar(
                sa.select(LoginThrottle).where(LoginThrottle.key == keys_for(email, "")[0])
            )
            assert row is not None and row.locked_until is not None
        assert (
            attempt(app, email, TEST_PASSWORD, now=datetime.now(UTC), address="10.6.1.1")
            == "locked"
        )
    finally:
        for child in children:
            if child.is_alive():
                child.kill()
        with app.app_context():
            db.session.execute(sa.delete(LoginThrottle).where(LoginThrottle.key.in_(keys)))
            db.session.execute(sa.delete(User).where(User.id == user.id))
            db.session.commit()
