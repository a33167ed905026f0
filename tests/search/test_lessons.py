"""Course lessons in the search index: found beside articles, opened in the course
player, dropped when a lesson leaves its course, and collected by the after-commit hook."""

from __future__ import annotations

from pathlib import Path

import pytest

from lms.courses.models import Lesson
from lms.courses.sync import sync_content
from lms.extensions import db
from lms.search.cli import Everyone
from lms.search.indexing import PENDING_LESSONS, rebuild_index, update_lessons
from lms.search.service import search

COURSE = {
    "calm-course/course.yml": "title: Спокойный разговор\nlessons: [01-pauza.md, 02-itog.md]\n",
    "calm-course/01-pauza.md": (
        "# Пауза перед ответом\n\nВыдержите паузу и перефразируйте жалобу клиента.\n"
    ),
    "calm-course/02-itog.md": "# Итог разговора\n\nНазовите срок решения и следующий шаг.\n",
}


@pytest.fixture
def course(app, tmp_path: Path) -> None:
    for name, text in COURSE.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    with app.test_request_context():
        sync_content(db.session, tmp_path)
        db.session.commit()


def lesson(slug: str) -> Lesson:
    return db.session.scalar(db.select(Lesson).where(Lesson.slug == slug))


def test_a_lesson_is_found_and_opens_in_the_course_player(app, course, tmp_path, login_as):
    index_dir = app.config["LMS_INDEX_DIR"]
    with app.test_request_context():
        rebuild_index(index_dir, db.session)
    found = search(index_dir, Everyone(), "перефразировать жалобы")
    assert [(hit.slug, hit.kind) for hit in found.results] == [("calm-course/01-pauza", "lesson")]
    assert found.results[0].title == "Пауза перед ответом"
    body = login_as("agent").get("/api/v1/search?q=перефразируйте жалобу").get_json()
    hit = body["results"][0]
    assert hit["kind"] == "lesson"
    assert hit["url"].endswith("/courses/calm-course/lessons/01-pauza")
    page = login_as("agent").get("/search?q=перефразируйте жалобу").get_data(as_text=True)
    assert 'href="/courses/calm-course/lessons/01-pauza"' in page


def test_a_lesson_dropped_from_its_course_leaves_the_index(app, course):
    index_dir = app.config["LMS_INDEX_DIR"]
    with app.test_request_context():
        rebuild_index(index_dir, db.session)
        dropped = lesson("02-itog")
        dropped.is_active = False
        db.session.flush()
        update_lessons(index_dir, db.session, [dropped.id])
    assert search(index_dir, Everyone(), "следующий шаг").results == []
    assert search(index_dir, Everyone(), "выдержите паузу").total == 1


def test_a_changed_lesson_is_collected_for_the_after_commit_update(app, course):
    with app.test_request_context():
        changed = lesson("01-pauza")
        changed.body = "Новый текст урока."
        db.session.flush()
        assert changed.id in db.session.info[PENDING_LESSONS]
