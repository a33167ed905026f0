"""Browser fixtures: the demo app served on a free port, and Debian's chromium driven by Playwright.

The server commits for real into its own SQLite file; these fixtures never touch the ``app``
fixture of ``tests/conftest.py`` (whose tests run inside a rolled-back transaction).
Playwright never downloads a browser: it drives ``/usr/bin/chromium`` (``apt-get install
chromium``); without it the tests fail with a message saying so.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright
from werkzeug.serving import BaseWSGIServer, make_server

from lms import create_app
from lms.auth.demo import DEMO_PASSWORD, load_demo
from lms.extensions import db

CHROMIUM = os.environ.get("LMS_E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 720}
TIMEOUT_MS = 10_000


@dataclass
class LiveServer:
    url: str
    app: Flask
    server: BaseWSGIServer
    thread: threading.Thread

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


def start_live_server(workdir: Path) -> LiveServer:
    """Create the demo app on a fresh SQLite file and serve it from a daemon thread."""
    app = create_app(
        {
            "TESTING": False,
            "LMS_ENV": "test",
            "SECRET_KEY": "e2e-secret",
            "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(workdir / "e2e.sqlite3"),
            "LMS_INDEX_DIR": str(workdir / "index"),
            "LMS_REDIS_URL": "",
            "BABEL_DEFAULT_LOCALE": "ru",
            "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
        }
    )
    with app.app_context():
        upgrade()
    with app.test_request_context():
        load_demo(db.session, today=date.today())
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    return LiveServer(f"http://127.0.0.1:{server.server_port}", app, server, thread)


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The session-wide demo server (real commits) and the app it serves."""
    live = start_live_server(tmp_path_factory.mktemp("e2e"))
    yield live
    live.stop()


@pytest.fixture(scope="session")
def live_server(live: LiveServer) -> str:
    """Base URL of the demo app (a session-wide server with real commits)."""
    return live.url


@pytest.fixture(scope="session")
def live_app(live: LiveServer) -> Flask:
    """The served app, to add data or check it (``with live_app.app_context(): ...``).

    Whatever a test commits stays for the rest of the session: create data idempotently.
    """
    return live.app


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def console_errors() -> list[str]:
    """Console errors and uncaught page errors seen by ``page`` during the test."""
    return []


def _record_console_error(message: ConsoleMessage, errors: list[str]) -> None:
    if message.type == "error":
        errors.append(message.text)


@pytest.fixture
def page(chromium: Browser, live_server: str, console_errors: list[str]) -> Iterator[Page]:
    """A fresh browser context (no cookies) per test, Russian locale, 1280x720."""
    context = chromium.new_context(viewport=VIEWPORT, locale="ru-RU", base_url=live_server)
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    tab.on("console", lambda message: _record_console_error(message, console_errors))
    tab.on("pageerror", lambda error: console_errors.append(f"page error: {error}"))
    yield tab
    context.close()


@pytest.fixture
def sign_in(page: Page) -> Callable[..., Page]:
    """Sign in through the login form; returns the page (on wherever it landed)."""

    def submit(email: str, password: str = DEMO_PASSWORD) -> Page:
        page.goto("/login")
        page.fill("#email", email)
        page.fill("#password", password)
        page.locator("main button[type=submit]").click()
        page.wait_for_load_state()
        return page

    return submit


@pytest.fixture
def sign_out(page: Page) -> Callable[[], None]:
    """Press the header's sign-out button (whatever the language) and land on the login page."""

    def press() -> None:
        page.locator("form[action$='/logout'] button").click()
        page.wait_for_url("**/login")

    return press
