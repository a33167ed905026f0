"""“Nothing helped? Ask” in a real browser: an agent asks from an empty search, the mentor
answers, the agent reads the answer, and an editor turns another question into a draft."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from lms.extensions import db
from lms.gaps.models import Question
from lms.kb.categories import save_category
from lms.kb.models import Article, Category

pytestmark = pytest.mark.e2e

CATEGORY = "e2e-questions"


@pytest.fixture(scope="module", autouse=True)
def category(live_app: Flask) -> str:
    """The demo has no categories of its own; a draft article needs one."""
    with live_app.test_request_context():
        if db.session.scalar(select(Category).where(Category.slug == CATEGORY)) is None:
            save_category(db.session, slug=CATEGORY, name="Вопросы операторов")
            db.session.commit()
    return CATEGORY


def ask_from_search(page: Page, query: str, text: str) -> None:
    """On the search page, find nothing, follow "Nothing helped? Ask" and send ``text``."""
    page.goto("/search")
    page.fill("#search-q", query)
    page.keyboard.press("Enter")
    link = page.locator("#search-results a[data-ask-link]")
    expect(link).to_be_visible()
    link.click()
    expect(page).to_have_url(re.compile(r"/questions/ask\?q="))
    expect(page.locator("#text")).to_have_value(query)
    page.fill("#text", text)
    page.locator("main button[type=submit]").click()
    expect(page.locator("main a[href='/questions/mine']").first).to_be_visible()
    expect(page.locator("p.notice")).to_be_visible()


def test_ask_answer_read_and_turn_into_a_draft(
    page: Page,
    live_app: Flask,
    sign_in: Callable[..., Page],
    sign_out: Callable[[], None],
) -> None:
    run = str(int(time.time() * 1000))
    asked = f"Клиент спрашивает про возврат на карту другого банка {run}"
    second = f"Можно ли оформить доставку на Луну {run}"
    answer = f"Возврат только на карту, с которой платили. {run}"

    sign_in("agent@example.com")
    ask_from_search(page, f"zzqx флюгегехаймен {run}", asked)
    ask_from_search(page, f"qqzx лунная доставка {run}", second)
    sign_out()

    # The mentor finds the mentee's question in the queue and answers it in text.
    sign_in("mentor@example.com")
    page.locator("nav.mainnav a[href='/questions']").click()
    page.get_by_role("link", name=asked).click()
    page.fill("#text", answer)
    page.locator("form[action^='/questions/'] button.button-primary").click()
    expect(page).to_have_url(re.compile(r"/questions$"))
    expect(page.get_by_role("link", name=asked)).to_have_count(0)
    sign_out()

    # The agent is told on the home page and reads the answer on "my questions".
    sign_in("agent@example.com")
    page.goto("/")
    notice = page.locator("[data-unread-answers] a")
    expect(notice).to_be_visible()
    notice.click()
    expect(page).to_have_url(re.compile(r"/questions/mine$"))
    expect(page.locator("main")).to_contain_text(answer)
    page.goto("/")
    expect(page.locator("[data-unread-answers]")).to_have_count(0)
    sign_out()

    # The editor turns the second question into a draft article and lands in its editor.
    slug = f"e2e-question-{run}"
    sign_in("editor@example.com")
    page.goto("/questions")
    page.get_by_role("link", name=second).click()
    page.fill("#slug", slug)
    page.select_option("#category", CATEGORY)
    page.locator("form[action$='/draft'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/kb/{slug}/edit$"))
    with live_app.app_context():
        article = db.session.scalar(select(Article).where(Article.slug == slug))
        question = db.session.scalar(select(Question).where(Question.text == second))
        assert article is not None and article.status == "draft"
        assert question.article_id == article.id
        db.session.remove()
