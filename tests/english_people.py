"""People for the page tests of courses and the knowledge base: one user per role and
people in two departments, all reading the interface in English (imported by those
packages' conftest files)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from lms.auth.models import Department, User
from tests.conftest import ROLES_UNDER_TEST


@pytest.fixture
def users(make_user: Callable[..., User]) -> dict[str, User]:
    """One user per role (no department), reading the interface in English."""
    return {role: make_user(role, locale="en") for role in ROLES_UNDER_TEST}


@pytest.fixture
def line1(make_org: Callable[..., Any]) -> Department:
    return make_org(Department, "line1", "First line")


@pytest.fixture
def line2(make_org: Callable[..., Any]) -> Department:
    return make_org(Department, "line2", "Second line")


@pytest.fixture
def person(make_user: Callable[..., User]) -> Callable[..., User]:
    """``person("agent", department, name=...)``: a user reading in English."""

    def make(role: str = "agent", department: Department | None = None, **kwargs: Any) -> User:
        return make_user(role, department=department, locale="en", **kwargs)

    return make
