"""The knowledge base in a real browser: the script player, answer templates, the editor."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pytest
from flask import Flask
from playwright.sync_api import Dialog, Page, expect
from sqlalchemy import select

from lms.auth.models import User
from lms.extensions import db
from lms.kb.categories import save_category
from lms.kb.models import Article, Category, ScriptRun
from lms.kb.placeholders import fill_template
from lms.kb.services import ArticleData, save_revision

pytestmark = pytest.mark.e2e

CATEGORY = "e2e-kb"
SCRIPT_SLUG = "e2e-return-script"
TEMPLATE_SLUG = "e2e-delivery-template"
SCRIPT_BODY = """\
Скрипт разговора о возврате заказа.

## Приветствие {#greet}
Поздоровайтесь и назовите своё имя.

- [Клиент хочет вернуть заказ](#return)
- [Другой вопрос](#other)

## Возврат заказа {#return}
Уточните, как был оплачен заказ.

- [Оплачен онлайн](#online)
- [Оплачен наличными](#cash)

## Возврат на карту {#online}
Деньги вернутся на карту в течение 10 дней.

## Возврат наличными {#cash}
Пригласите клиента в пункт выдачи с паспортом.

## Другой вопрос {#other}
Найдите ответ в базе знаний.
"""
TEMPLATE_BODY = """\
Здравствуйте, {{имя}}!
Ваш заказ {{номер}} будет доставлен {{срок|в течение трёх дней}}.

С уважением, {{оператор}}"""
# Agent's path: 1 (return), 2 (cash), Backspace (back to return), 1 (online: an end).
EXPECTED_PATH = ["greet", "return", "online"]
EXPECTED_TITLES = ["Приветствие", "Возврат заказа", "Возврат на карту"]


@pytest.fixture(scope="module")
def kb_content(live_app: Flask) -> dict[str, str]:
    """A published call script and answer template (created once per server)."""
    with live_app.test_request_context():
        editor = db.session.scalar(select(User).where(User.email == "editor@example.com"))
        assert editor is not None, "the demo data has no editor@example.com"
        if db.session.scalar(select(Category).where(Category.slug == CATEGORY)) is None:
            save_category(db.session, slug=CATEGORY, name="Проверка в браузере")
        for slug, title, body, kind in (
            (SCRIPT_SLUG, "Возврат заказа: скрипт", SCRIPT_BODY, "script"),
            (TEMPLATE_SLUG, "Срок доставки: ответ", TEMPLATE_BODY, "template"),
        ):
            if db.session.scalar(select(Article).where(Article.slug == slug)) is None:
                save_revision(
                    db.session,
                    ArticleData(slug=slug, title=title, body=body, category=CATEGORY, kind=kind),
                    author=editor,
                    action="publish",
                )
        db.session.commit()
    return {"script": SCRIPT_SLUG, "template": TEMPLATE_SLUG}


def collect_dialogs(page: Page) -> list[str]:
    """Messages of any alert/confirm the page opens (each dismissed at once)."""
    seen: list[str] = []

    def dismiss(dialog: Dialog) -> None:
        seen.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    return seen


def latest_run(app: Flask, slug: str, email: str) -> ScriptRun | None:
    with app.app_context():
        run = db.session.scalar(
            select(ScriptRun)
            .join(Article, ScriptRun.article_id == Article.id)
            .join(User, ScriptRun.user_id == User.id)
            .where(Article.slug == slug, User.email == email)
            .order_by(ScriptRun.id.desc())
            .limit(1)
        )
        if run is not None:
            db.session.expunge(run)
        return run


def wait_for_run(app: Flask, slug: str, email: str, status: str) -> ScriptRun:
    """The user's latest run once the player's last request has reached the server."""
    deadline = time.monotonic() + 10
    while True:
        run = latest_run(app, slug, email)
        if (run is not None and run.status == status) or time.monotonic() > deadline:
            assert run is not None, "the player recorded no run"
            return run
        time.sleep(0.1)


def current_step(page: Page) -> str:
    return page.eval_on_selector("[data-step]:not([hidden])", "e => e.dataset.step")


def test_script_player_keyboard_only(
    page: Page,
    sign_in: Callable[..., Page],
    live_app: Flask,
    kb_content: dict[str, str],
    console_errors: list[str],
) -> None:
    slug = kb_content["script"]
    sign_in("agent@example.com")
    page.goto(f"/kb/{slug}/play")
    page.evaluate("window.__marker = 1")
    player = page.locator("[data-player]")

    # One step at a time, the first one focused, its id in the address.
    expect(player.locator("[data-step]:not([hidden])")).to_have_count(1)
    assert current_step(page) == "greet"
    assert page.evaluate("document.activeElement.dataset.step") == "greet"
    expect(page).to_have_url(re.compile(r"#step-greet$"))
    expect(player.locator("[data-restart]")).to_be_hidden()

    page.keyboard.press("1")
    assert current_step(page) == "return"
    page.keyboard.press("2")
    assert current_step(page) == "cash"
    expect(page).to_have_url(re.compile(r"#step-cash$"))
    page.keyboard.press("Backspace")
    assert current_step(page) == "return"
    assert page.evaluate("document.activeElement.dataset.step") == "return"
    page.keyboard.press("1")
    assert current_step(page) == "online"
    assert page.evaluate("document.activeElement.dataset.step") == "online"
    expect(page).to_have_url(re.compile(r"#step-online$"))

    # The end: its message and Restart show; the path lists the steps taken.
    expect(player.locator("#step-online .end-of-script")).to_be_visible()
    expect(player.locator("[data-restart]")).to_be_visible()
    expect(player.locator("[data-path] li")).to_have_text(EXPECTED_TITLES)
    assert page.evaluate("window.__marker") == 1, "the page reloaded"

    run = wait_for_run(live_app, slug, "agent@example.com", "finished")
    assert (run.status, run.path) == ("finished", EXPECTED_PATH)

    # Restart: back at the first step, a new run begins; a click chooses too.
    player.locator("[data-restart]").click()
    assert current_step(page) == "greet"
    expect(player.locator("[data-path] li")).to_have_text(EXPECTED_TITLES[:1])
    player.locator("#step-greet a.choice[data-target=other]").click()
    assert current_step(page) == "other"
    assert page.evaluate("window.__marker") == 1
    run = wait_for_run(live_app, slug, "agent@example.com", "finished")
    assert run.path == ["greet", "other"]
    assert console_errors == []


def test_template_filling_and_copy(
    page: Page,
    sign_in: Callable[..., Page],
    live_server: str,
    kb_content: dict[str, str],
    console_errors: list[str],
) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    dialogs = collect_dialogs(page)
    sign_in("agent@example.com")
    page.goto(f"/kb/{kb_content['template']}")
    filler = page.locator("[data-template-filler]")
    expect(filler.locator("button.js-hidden")).to_be_hidden()
    expect(page.locator("#copy-text")).to_be_visible()

    values = {"имя": "Анна", "номер": "<script>alert(1)</script>"}
    for name, value in values.items():
        filler.locator(f"[data-placeholder='{name}']").press_sequentially(value)
    expected = fill_template(TEMPLATE_BODY, values)
    assert "{{оператор}}" in expected and "в течение трёх дней" in expected

    # The text shows as typed, line breaks kept, the markup never parsed.
    output = page.locator("#filled-text")
    assert output.inner_text() == expected
    expect(output.locator("script")).to_have_count(0)

    page.keyboard.press("Control+Enter")
    expect(page.locator("#copy-status")).to_have_text(re.compile(r"\S"))
    assert page.evaluate("navigator.clipboard.readText()") == expected
    assert page.evaluate("location.search") == "", "Enter must not submit the no-JS form"
    assert dialogs == []
    assert console_errors == []


def test_editor_live_preview_is_sanitised(
    page: Page, sign_in: Callable[..., Page], console_errors: list[str]
) -> None:
    dialogs = collect_dialogs(page)
    failed: list[str] = []
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    sign_in("editor@example.com")
    page.goto("/kb/new")
    page.locator("[data-editor] textarea[name=body]").press_sequentially(
        "# Проверка превью\n\nТекст <img src=x onerror=alert(1)>\n"
    )
    preview = page.locator("[data-preview]")
    expect(preview.locator("h1")).to_have_text("Проверка превью")
    html = page.eval_on_selector("[data-preview]", "e => e.innerHTML")
    assert "onerror" not in html
    assert "<h1" in html
    assert dialogs == []
    # The only failure allowed is the image itself: "x" is no file of the site.
    assert all(url.endswith("/kb/x") for url in failed), failed
    unexpected = [e for e in console_errors if not (failed and "404" in e)]
    assert unexpected == []
