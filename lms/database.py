"""Engine settings per database: SQLite gets WAL, a busy timeout and real transactions."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from lms.extensions import db

SQLITE_BUSY_TIMEOUT_MS = 10_000
# Whether the current request is going to write: see ``expect_writes``.
_writes_expected: ContextVar[bool] = ContextVar("lms_writes_expected", default=False)


def expect_writes(expected: bool = True) -> None:
    """Declare that the transactions that follow will write.

    SQLite then takes the write lock when a transaction begins (``BEGIN IMMEDIATE``) and
    waits its busy timeout for it. A transaction that read first and writes later fails at
    once with "database is locked" when another process wrote in between, so every POST
    from several workers would risk that. PostgreSQL ignores this.
    """
    _writes_expected.set(expected)


def configure_engines(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy issue BEGIN itself so SAVEPOINTs behave (pysqlite would not).
        dbapi_connection.isolation_level = None
        # SQLite's own lower() folds ASCII only; names here are mostly Cyrillic.
        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _writes_expected.get() else "BEGIN")


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Autogenerate writes our column types as plain SQLAlchemy ones.

    Migrations must not import application code, which changes after they land.
    """
    from lms.models_base import UTCDateTime

    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False
