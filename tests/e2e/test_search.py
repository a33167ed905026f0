"""Search from the keyboard: "/" focuses the box, results follow typing, arrows and Enter."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_kb import kb_content  # noqa: F401 (fixture)

pytestmark = pytest.mark.e2e


def test_search_with_the_keyboard_only(
    page: Page,
    sign_in: Callable[..., Page],
    kb_content: dict[str, str],  # noqa: F811
    console_errors: list[str],
) -> None:
    sign_in("agent@example.com")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "top-search"
    page.keyboard.type("возврат")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q="))
    results = page.locator("#search-results")
    expect(results.locator(".hit-title").first).to_be_visible()

    # Live results: typing refines them without a page load.
    page.evaluate("window.__marker = 1")
    box = page.locator("#search-q")
    box.fill("")
    box.type("скрипт возврата", delay=20)
    expect(results.locator(".hit-title").first).to_contain_text("скрипт")
    assert page.evaluate("window.__marker") == 1
    expect(results.locator("mark").first).to_be_visible()

    # Arrow down to the first result, Enter opens it.
    box.press("ArrowDown")
    assert page.evaluate("document.activeElement.classList.contains('hit-title')")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/kb/{kb_content['script']}"))
    assert console_errors == []
