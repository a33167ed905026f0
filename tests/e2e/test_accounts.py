"""Signing in and out, the language switch, and a person created by an administrator."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

HOME_LINK = "nav.mainnav a[href='/']"
SIGN_OUT = "form[action$='/logout'] button"


def expect_language(page: Page, lang: str, home: str, sign_out: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator(HOME_LINK)).to_have_text(home)
    expect(page.locator(SIGN_OUT)).to_have_text(sign_out)


def test_agent_switches_to_english_and_it_stays_after_signing_in_again(
    page: Page, sign_in: Callable[..., Page], sign_out: Callable[[], None]
) -> None:
    sign_in("agent@example.com")
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("h1")).to_contain_text("Алексей Иванов")
    expect_language(page, "ru", "Главная", "Выйти")

    # The select submits itself on change (app.js); the button is there for keyboards.
    with page.expect_navigation():
        page.select_option("#lang-select", "en")
    expect(page).to_have_url(re.compile(r"/$"))
    expect_language(page, "en", "Home", "Sign out")
    expect(page.locator("#lang-select")).to_have_value("en")

    sign_out()
    expect(page.locator("form input[name=password]")).to_be_visible()

    # A new browser (no cookies, so no language in the session): the choice is the user's.
    page.context.clear_cookies()
    page.goto("/login")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    sign_in("agent@example.com")
    expect(page).to_have_url(re.compile(r"/$"))
    expect_language(page, "en", "Home", "Sign out")


def test_admin_creates_a_person_who_then_signs_in(
    page: Page, sign_in: Callable[..., Page], sign_out: Callable[[], None]
) -> None:
    email, name, password = "vera.novikova@example.com", "Вера Новикова", "first-day-2024"
    sign_in("admin@example.com")
    page.goto("/admin/users/new")
    page.fill("#email", email)
    page.fill("#name", name)
    page.select_option("#department_id", label="Первая линия поддержки")
    page.select_option("#position_id", label="Оператор первой линии")
    page.select_option("#manager_id", label="Сергей Кузнецов")
    page.fill("#hired_on", (date.today() - timedelta(days=1)).isoformat())
    page.fill("#password", password)
    page.uncheck("#must_change_password")
    expect(page.locator("input[name=roles][value=agent]")).to_be_checked()
    page.locator("main form button.button-primary").click()

    expect(page).to_have_url(re.compile(r"/admin/users/\d+$"))
    expect(page.locator(".flash-success")).to_contain_text(email)
    expect(page.locator("#name")).to_have_value(name)
    sign_out()

    sign_in(email, password)
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("h1")).to_contain_text(name)
    expect(page.locator(".whoami")).to_have_text(name)
    expect(page.locator("#h-learning")).to_be_visible()
