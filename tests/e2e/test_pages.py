"""Keyboard use, layout at a desktop size, and the content security policy, in a real browser."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

FOCUSED = """() => {
  const el = document.activeElement;
  return {tag: el.tagName.toLowerCase(), id: el.id, href: el.getAttribute("href"),
          text: (el.textContent || "").trim(), outline: getComputedStyle(el).outlineStyle,
          left: el.getBoundingClientRect().left};
}"""
MAX_TABS = 30


def focused(page: Page) -> dict:
    return page.evaluate(FOCUSED)


def tab(page: Page) -> dict:
    page.keyboard.press("Tab")
    return focused(page)


def tab_until(page: Page, wanted: Callable[[dict], bool]) -> dict:
    """Press Tab until the focused element is the wanted one (it may already be focused)."""
    now = focused(page)
    for _ in range(MAX_TABS):
        if wanted(now):
            return now
        now = tab(page)
    raise AssertionError(f"Tab never reached the element; focus ended on {now}")


def test_keyboard_only_sign_in_and_navigation(page: Page) -> None:
    page.goto("/login")
    tab_until(page, lambda el: el["id"] == "email")
    page.keyboard.type("darya.morozova@example.com")
    assert tab(page)["id"] == "password"
    page.keyboard.type("demo")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/$"))

    # From the top of the home page: the skip link first, then the brand and the main menu.
    skip = tab(page)
    assert (skip["tag"], skip["href"]) == ("a", "#main")
    assert skip["left"] >= 0, "the skip link stays off-screen when focused"
    assert skip["outline"] != "none"
    brand = tab(page)
    assert (brand["href"], brand["text"]) == ("/", "Agent LMS")
    home = tab(page)
    assert home["href"] == "/"
    assert page.evaluate("document.activeElement.closest('nav.mainnav') !== null")
    assert home["outline"] != "none", "a focused menu link shows no focus outline"
    knowledge_base = tab(page)
    assert knowledge_base["href"] == "/kb"
    learning = tab(page)
    assert learning["href"] == "/learning"
    assert learning["outline"] != "none"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/learning$"))
    expect(page.locator("nav.mainnav a[href='/learning']")).to_have_attribute(
        "aria-current", "page"
    )

    # The skip link moves focus to the main content.
    page.keyboard.press("Tab")
    assert focused(page)["href"] == "#main"
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main"


@pytest.mark.parametrize(
    ("email", "path"),
    [
        (None, "/login"),
        ("agent@example.com", "/"),
        ("admin@example.com", "/"),
        ("admin@example.com", "/admin/users"),
        ("admin@example.com", "/admin/users/new"),
        ("hr@example.com", "/learning/report"),
        ("agent@example.com", "/learning"),
    ],
)
def test_no_horizontal_scroll_at_1280(
    page: Page, sign_in: Callable[..., Page], email: str | None, path: str
) -> None:
    if email:
        sign_in(email)
    page.goto(path)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert page.viewport_size == {"width": 1280, "height": 720}
    assert width <= 1280, f"{path} is {width}px wide at a 1280px window"


def test_pages_load_without_console_errors(
    page: Page, sign_in: Callable[..., Page], console_errors: list[str]
) -> None:
    response = page.goto("/login")
    assert response is not None
    assert "script-src 'self'" in response.headers["content-security-policy"]
    sign_in("admin@example.com")
    for path in ("/", "/admin/users", "/admin/users/new", "/account"):
        page.goto(path)
        page.wait_for_load_state("load")
    # The language switch runs the page's script; a blocked script would not submit.
    with page.expect_navigation():
        page.select_option("#lang-select", "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    with page.expect_navigation():
        page.select_option("#lang-select", "ru")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    csp = [m for m in console_errors if "Content Security Policy" in m or "Content-Security" in m]
    assert csp == [], csp
    assert console_errors == []
