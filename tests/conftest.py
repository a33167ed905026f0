"""Fixtures: one app and schema per run; each test inside a transaction rolled back at the end.

``LMS_TEST_DATABASE_URL`` runs the same suite on PostgreSQL; SQLite otherwise.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from flask_sqlalchemy.session import Session as FlaskSession

from lms import create_app
from lms.auth import services
from lms.auth.models import Department, Position, User
from lms.cache import clear_all
from lms.extensions import db

TEST_PASSWORD = "correct horse 42"
ROLES_UNDER_TEST = ("agent", "mentor", "editor", "hr", "admin")


def test_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("LMS_TEST_DATABASE_URL")
    if url:
        return url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")


def reset_database(url: str) -> None:
    """Drop everything in the test database, so migrations start from empty."""
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        else:
            meta = sa.MetaData()
            meta.reflect(conn)
            meta.drop_all(conn)
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    engine.dispose()


@pytest.fixture(scope="session")
def app_config(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return {
        "TESTING": True,
        "LMS_ENV": "test",
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": test_database_url(tmp_path_factory),
        "LMS_INDEX_DIR": str(tmp_path_factory.mktemp("index")),
        "LMS_REDIS_URL": "",
        "BABEL_DEFAULT_LOCALE": "ru",
        # Search tests index on purpose, into a folder of their own.
        "LMS_SEARCH_AUTOINDEX": False,
        # Fast hashes keep the suite quick; production uses the default scrypt cost.
        "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
    }


@pytest.fixture(scope="session")
def app(app_config: dict[str, Any]) -> Iterator[Flask]:
    reset_database(app_config["SQLALCHEMY_DATABASE_URI"])
    application = create_app(app_config)
    with application.app_context():
        upgrade()
        db.engine.dispose()
    yield application


class BoundSession(FlaskSession):
    """Uses the test's connection for every query, whatever the model's bind."""

    def get_bind(self, *args: Any, **kwargs: Any) -> Any:
        return self.bind


@pytest.fixture(autouse=True)
def _fresh_caches() -> None:
    """Rolled-back tests reuse ids, so nothing cached may outlive a test."""
    clear_all()


@pytest.fixture(autouse=True)
def _transaction(request: pytest.FixtureRequest) -> Iterator[None]:
    """Run each test in a transaction that is rolled back, whatever it commits."""
    if "app" not in request.fixturenames or request.node.get_closest_marker("real_commits"):
        yield
        return
    app: Flask = request.getfixturevalue("app")
    # No app context stays pushed during the test: requests must each get their own `g`.
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        factory = db.session.session_factory
        original_class, original_kw = factory.class_, dict(factory.kw)
        db.session.remove()
    factory.class_ = BoundSession
    factory.configure(bind=connection, join_transaction_mode="create_savepoint")
    try:
        yield
    finally:
        with app.app_context():
            db.session.remove()
        factory.class_, factory.kw = original_class, original_kw
        outer.rollback()
        connection.close()


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    """A request context for calling services directly (inside the test's transaction).

    Do not send test-client requests inside it: they would share its ``g`` and with it
    the signed-in user. Use ``app.test_request_context()`` blocks around service calls.
    """
    with app.test_request_context():
        yield


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def detached(obj: Any) -> Any:
    """Load an object fully and detach it, so tests can read it after its session ends."""
    db.session.refresh(obj)
    for name in ("role_rows", "department", "position", "manager"):
        getattr(obj, name, None)
    db.session.expunge(obj)
    return obj


@pytest.fixture
def make_org(app: Flask) -> Callable[..., Any]:
    def make(model: type = Department, code: str = "line1", name: str | None = None) -> Any:
        with app.app_context():
            existing = db.session.scalar(sa.select(model).where(model.code == code))
            if existing is not None:
                return detached(existing)
            unit = services.save_org_unit(db.session, model, code=code, name=name or code.title())
            db.session.commit()
            return detached(unit)

    return make


@pytest.fixture
def make_user(app: Flask) -> Callable[..., User]:
    counter = iter(range(1, 100_000))

    def make(
        role: str = "agent",
        *,
        email: str | None = None,
        roles: tuple[str, ...] = (),
        password: str = TEST_PASSWORD,
        department: Department | None = None,
        position: Position | None = None,
        **kwargs: Any,
    ) -> User:
        with app.test_request_context():
            user = services.create_user(
                db.session,
                email=email or f"{role}{next(counter)}@test.example",
                name=kwargs.pop("name", f"Test {role.title()}"),
                password=password,
                roles=roles or (role,),
                department=department,
                position=position,
                **kwargs,
            )
            db.session.commit()
            return detached(user)

    return make


@pytest.fixture
def users(make_user: Callable[..., User]) -> dict[str, User]:
    """One user per role, keyed by role."""
    return {role: make_user(role) for role in ROLES_UNDER_TEST}


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    assert match, "no CSRF token in page"
    return match.group(1)


class Browser:
    """A test client that signs in and sends forms with their CSRF token, like a browser."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.client.get(url, **kwargs)

    def token(self, url: str = "/login") -> str:
        return csrf_from(self.client.get(url).get_data(as_text=True))

    def post(
        self,
        url: str,
        data: dict[str, Any] | None = None,
        *,
        form_url: str | None = None,
        **kwargs: Any,
    ) -> Any:
        payload = {"csrf_token": self.token(form_url or url_or_home(url)), **(data or {})}
        return self.client.post(url, data=payload, **kwargs)

    def login(self, email: str, password: str = TEST_PASSWORD) -> Any:
        return self.post("/login", {"email": email, "password": password}, form_url="/login")


def url_or_home(url: str) -> str:
    return (
        url
        if not url.endswith(("/revoke", "/active", "/mentor", "/logout", "/language", "/tokens"))
        else "/account"
    )


@pytest.fixture
def browser(client: FlaskClient) -> Browser:
    return Browser(client)


@pytest.fixture
def login_as(app: Flask, users: dict[str, User]) -> Callable[[str], Browser]:
    """A signed-in browser for a role (a fresh client each call)."""

    def sign_in(role: str) -> Browser:
        b = Browser(app.test_client())
        response = b.login(users[role].email)
        assert response.status_code == 302, response.get_data(as_text=True)
        return b

    return sign_in


@pytest.fixture
def today() -> date:
    return date.today()


ROOT = Path(__file__).resolve().parent.parent


NOT_COUNTED = ("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN")


@pytest.fixture
def count_queries() -> Iterator[Callable[[Callable[[], Any]], int]]:
    """``count_queries(fn)``: how many SQL statements ``fn()`` sends on any engine and
    connection, the test's own savepoints aside. List pages assert it does not grow with
    the number of rows (no N+1)."""
    statements: list[str] = []

    def on_execute(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", on_execute)

    def run(action: Callable[[], Any]) -> int:
        statements.clear()
        action()
        return sum(not s.lstrip().upper().startswith(NOT_COUNTED) for s in statements)

    try:
        yield run
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", on_execute)
