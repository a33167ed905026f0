"""Call-script runs: the player records each agent's path, refuses moves the script does not
offer, and editors see where runs end."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from lms.auth.models import User
from lms.kb.models import Article, ScriptRun
from tests.conftest import Browser
from tests.kb.conftest import SCRIPT_BODY, ArticleRef, html_of, post_json, text_of


@pytest.fixture
def script(make_article: Callable[..., ArticleRef]) -> ArticleRef:
    return make_article("order-call", "Order call", SCRIPT_BODY, kind="script")


@pytest.fixture
def player(sign_in: Callable[[User], Browser], agent1: User) -> Browser:
    return sign_in(agent1)


def run_rows(in_app: Callable[..., Any]) -> dict[int, tuple[int, list[str], str]]:
    """Every run: id → (user id, path, status)."""
    query = sa.select(ScriptRun.id, ScriptRun.user_id, ScriptRun.path, ScriptRun.status)
    return in_app(
        lambda s: {row.id: (row.user_id, row.path, row.status) for row in s.execute(query)}
    )


def start(browser: Browser, slug: str) -> int:
    response = post_json(browser, f"/kb/{slug}/runs")
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def move(browser: Browser, slug: str, run_id: int, path: Any, finished: bool = False) -> Any:
    return post_json(browser, f"/kb/{slug}/runs/{run_id}", {"path": path, "finished": finished})


def test_the_play_page_shows_every_step_and_its_choices(script, player):
    page = html_of(player.get(f"/kb/{script.slug}/play"))
    assert 'data-start="start"' in page
    assert re.findall(r'data-step="([^"]+)"', page) == ["start", "order", "answer", "done"]
    assert re.findall(r'data-target="([^"]+)"', page) == ["order", "answer", "done"]
    assert f'data-runs-url="/kb/{script.slug}/runs"' in page


def test_starting_a_run_begins_at_the_first_step(script, player, agent1, in_app):
    response = post_json(player, f"/kb/{script.slug}/runs")
    assert response.status_code == 201
    result = response.get_json()
    assert result["path"] == ["start"]
    assert run_rows(in_app) == {result["id"]: (agent1.id, ["start"], "running")}
    live = in_app(lambda s: s.get(Article, script.id).live_revision_id)
    assert in_app(lambda s: s.get(ScriptRun, result["id"]).revision_id) == live


def test_a_valid_path_is_recorded_and_finishes_at_an_end_step(script, player, agent1, in_app):
    run_id = start(player, script.slug)
    response = move(player, script.slug, run_id, ["start", "order"])
    assert response.get_json() == {"id": run_id, "status": "running", "path": ["start", "order"]}
    assert run_rows(in_app)[run_id] == (agent1.id, ["start", "order"], "running")
    response = move(player, script.slug, run_id, ["start", "order", "done"], finished=True)
    assert response.status_code == 200
    assert run_rows(in_app)[run_id] == (agent1.id, ["start", "order", "done"], "finished")


@pytest.mark.parametrize(
    "path",
    [
        ["start", "done"],  # not a choice of "start"
        ["start", "nowhere"],  # no such step
        ["order", "done"],  # does not begin at the start
        [],
        "start",  # not a list
        ["start", 3],  # not step ids
    ],
)
def test_an_invalid_move_is_refused_and_changes_nothing(path, script, player, agent1, in_app):
    run_id = start(player, script.slug)
    move(player, script.slug, run_id, ["start", "order"])
    response = move(player, script.slug, run_id, path)
    assert response.status_code == 400
    assert response.get_json()["error"]
    assert run_rows(in_app)[run_id] == (agent1.id, ["start", "order"], "running")


def test_a_run_finishes_only_at_an_end_step(script, player, agent1, in_app):
    run_id = start(player, script.slug)
    response = move(player, script.slug, run_id, ["start", "order"], finished=True)
    assert response.status_code == 400
    assert run_rows(in_app)[run_id] == (agent1.id, ["start"], "running")


def test_another_user_cannot_update_my_run(script, player, agent1, agent2, sign_in, in_app):
    run_id = start(player, script.slug)
    response = move(sign_in(agent2), script.slug, run_id, ["start", "answer"], finished=True)
    assert response.status_code == 403
    assert run_rows(in_app)[run_id] == (agent1.id, ["start"], "running")


def test_a_run_is_updated_only_through_its_own_script(script, make_article, player, agent1, in_app):
    other = make_article("other-call", "Other call", SCRIPT_BODY, kind="script")
    run_id = start(player, script.slug)
    response = move(player, other.slug, run_id, ["start", "answer"], finished=True)
    assert response.status_code == 403
    assert run_rows(in_app)[run_id] == (agent1.id, ["start"], "running")


def test_starting_again_abandons_my_unfinished_run_only(
    script, player, agent1, agent2, sign_in, in_app
):
    finished = start(player, script.slug)
    move(player, script.slug, finished, ["start", "answer"], finished=True)
    left = start(player, script.slug)
    move(player, script.slug, left, ["start", "order"])
    someone_else = start(sign_in(agent2), script.slug)
    again = start(player, script.slug)
    assert run_rows(in_app) == {
        finished: (agent1.id, ["start", "answer"], "finished"),
        left: (agent1.id, ["start", "order"], "abandoned"),
        someone_else: (agent2.id, ["start"], "running"),
        again: (agent1.id, ["start"], "running"),
    }


def test_an_article_that_is_not_a_script_cannot_be_played(make_article, player, in_app):
    ref = make_article("plain", "Plain article")
    assert player.get(f"/kb/{ref.slug}/play").status_code == 404
    response = post_json(player, f"/kb/{ref.slug}/runs")
    assert response.status_code == 400
    assert run_rows(in_app) == {}


def stats_table(page: str) -> dict[str, tuple[int, int, int]]:
    """Step id → (reached, finished here, dropped out here)."""
    rows = re.findall(
        r"<code>#([\w-]+)</code></td><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td>", page
    )
    return {step: (int(a), int(b), int(c)) for step, a, b, c in rows}


def test_stats_show_reached_finished_and_dropped_per_step(
    script, player, agent2, sign_in, login_as
):
    one = start(player, script.slug)
    move(player, script.slug, one, ["start", "answer"], finished=True)
    two = start(player, script.slug)
    move(player, script.slug, two, ["start", "order"])
    three = start(player, script.slug)  # abandons the second run
    move(player, script.slug, three, ["start", "order", "done"], finished=True)
    start(sign_in(agent2), script.slug)  # still at the first step
    page = text_of(login_as("editor").get(f"/kb/{script.slug}/stats"))
    assert "4 runs in all." in page
    assert stats_table(page) == {
        "start": (4, 0, 1),
        "order": (2, 0, 1),
        "answer": (1, 1, 0),
        "done": (1, 1, 0),
    }


def test_stats_are_for_editors_only(script, player):
    response = player.get(f"/kb/{script.slug}/stats")
    assert response.status_code == 403
    assert "runs in all" not in text_of(response)


def test_saving_a_script_with_an_unreachable_step_warns_but_saves(
    app, sign_in, editor, kb_category
):
    body = (
        "## Start {#start}\nHello\n\n- [Done](#end)\n\n## End {#end}\nBye\n\n"
        "## Lost {#lost}\nNobody comes here\n"
    )
    browser = sign_in(editor)
    response = browser.post(
        "/kb/new",
        {
            "title": "Lonely step",
            "slug": "lonely-step",
            "kind": "script",
            "category": kb_category,
            "review_every_days": "90",
            "lang": "ru",
            "body": body,
            "action": "publish",
        },
        form_url="/kb/new",
    )
    assert response.status_code == 302
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "lost" in page and 'class="flash flash-info"' in page
