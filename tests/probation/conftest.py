"""Probation fixtures: every test reads its messages in English, inside a request context.

The readers are pure functions over text, so no test needs the database; the context is
only for the translation helpers.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask_babel import force_locale


@pytest.fixture(autouse=True)
def ctx(app: Flask) -> Iterator[None]:
    """A request context whose messages are in English."""
    with app.test_request_context(), force_locale("en"):
        yield


# The database fixtures of the service tests (plans, attestations, notes, the library).
from tests.probation.fixtures import *  # noqa: E402, F403
