"""Settings read from ``LMS_*`` environment variables when the app is created."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

ENVIRONMENTS = ("dev", "test", "production")
LOCALES = ("ru", "en")


class ConfigError(RuntimeError):
    """A setting is missing or wrong; the message says which and how to fix it."""


def load_config(environ: Mapping[str, str], instance_path: str) -> dict[str, Any]:
    """Build the Flask config from the environment (never read at import time)."""
    env = environ.get("LMS_ENV", "dev")
    if env not in ENVIRONMENTS:
        raise ConfigError(f"LMS_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")
    secret = environ.get("LMS_SECRET_KEY", "")
    if env == "production" and not secret:
        raise ConfigError(
            "LMS_SECRET_KEY is required when LMS_ENV=production: "
            'set it to a long random string, e.g. python -c "import secrets; '
            'print(secrets.token_hex(32))"'
        )
    locale = environ.get("LMS_DEFAULT_LOCALE", "ru")
    if locale not in LOCALES:
        raise ConfigError(f"LMS_DEFAULT_LOCALE must be one of {', '.join(LOCALES)}")
    default_db = "sqlite:///" + str(Path(instance_path) / "lms.sqlite3")
    return {
        "LMS_ENV": env,
        "SECRET_KEY": secret or "dev-only-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": environ.get("LMS_DATABASE_URL", default_db),
        "LMS_INDEX_DIR": environ.get("LMS_INDEX_DIR", str(Path(instance_path) / "index")),
        "LMS_UPLOAD_DIR": environ.get("LMS_UPLOAD_DIR", str(Path(instance_path) / "uploads")),
        "LMS_REDIS_URL": environ.get("LMS_REDIS_URL", ""),
        "LMS_SEARCH_LOG_DAYS": int(environ.get("LMS_SEARCH_LOG_DAYS", "180")),
        "BABEL_DEFAULT_LOCALE": locale,
        "SESSION_COOKIE_SECURE": env == "production",
        "REMEMBER_COOKIE_SECURE": env == "production",
    }


DEFAULTS: dict[str, Any] = {
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    "MAX_FORM_MEMORY_SIZE": 16 * 1024 * 1024,  # the skill matrix preview posts its XLSX back
    "WTF_CSRF_CHECK_DEFAULT": False,
    "WTF_CSRF_TIME_LIMIT": None,
    "BABEL_TRANSLATION_DIRECTORIES": "translations",
    "PASSWORD_HASH_METHOD": "scrypt",
    "LOGIN_MAX_FAILURES": 5,
    "LOGIN_WINDOW_SECONDS": 15 * 60,
    "LOGIN_LOCK_SECONDS": 15 * 60,
    "CSV_MAX_BYTES": 2 * 1024 * 1024,
    # Hashing each new password takes ~0.1 s: bigger files go through the CLI.
    "CSV_MAX_ROWS_WEB": 500,
    "SKILLS_MATRIX_PAGE_SIZE": 100,  # people per page of the skill matrix
}
