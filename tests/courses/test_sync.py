"""Course files to the database: ``sync_content`` and ``flask lms sync --content``.

Versions of quizzes, lessons kept for history, and every problem named by file, line and
field, with nothing written when any file is wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from flask import Flask
from sqlalchemy import func, select

from lms.courses import services
from lms.courses.models import (
    Course,
    Lesson,
    LessonProgress,
    Program,
    Quiz,
    QuizAttempt,
    QuizVersion,
)
from lms.courses.sync import ContentReport
from lms.extensions import db
from lms.kb.sync import SyncError
from lms.models_base import utcnow
from tests.courses.conftest import (
    ARTICLE,
    COURSE,
    COURSE_YML,
    PRE_GIFT,
    PROGRAM,
    PROGRAMS_YML,
    QUIZ_GIFT,
    QUIZ_TITLES,
    SECOND,
    me,
    start,
    state_of,
    take,
)

pytestmark = pytest.mark.usefixtures("kb_article", "load_skills")

Sync = Callable[[Path], ContentReport]


def count(app: Flask, model: type) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def counts(app: Flask) -> dict[str, int]:
    return {m.__name__: count(app, m) for m in (Course, Lesson, Quiz, QuizVersion, Program)}


def edit(folder: Path, name: str, old: str, new: str) -> None:
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


# Importing ----------------------------------------------------------------------------------


def test_sync_creates_courses_lessons_quizzes_and_the_program(
    app: Flask, content_dir: Path, sync_dir: Sync
):
    report = sync_dir(content_dir)
    assert (report.created, report.updated, report.unchanged) == ([COURSE, SECOND], [], 0)
    assert report.quiz_versions == [
        (COURSE, "pre", f"{COURSE}/pre.gift", 1),
        (COURSE, "post", f"{COURSE}/post.gift", 1),
        (COURSE, "final", f"{COURSE}/quiz.gift", 1),
        (SECOND, "final", f"{SECOND}/quiz.gift", 1),
    ]
    assert (report.programs_created, report.programs_updated) == (1, 0)
    with app.app_context():
        course = services.course_by_slug(db.session, COURSE)
        assert (course.title, course.language, course.level) == ("Calm calls", "en", "basic")
        assert (course.pass_score, course.max_attempts, course.duration_minutes) == (60, 2, 45)
        assert course.cost_per_participant == Decimal("1500.00")
        assert {row.skill.code: row.level for row in course.skill_rows} == {"listening": 2}
        assert [(x.slug, x.title, x.position) for x in course.lessons] == [
            ("01-welcome", "Welcome", 0),
            ("02-words", "Calm words", 1),
            ("03-wrap-up", "Wrap-up", 2),
        ]
        # The title line becomes the title, not part of the body.
        assert course.lessons[0].body.startswith("Hello, learner.")
        assert f"[[article:{ARTICLE}]]" in course.lessons[1].body
        final = course.quiz("final").current_version
        assert (final.number, final.source_name) == (1, f"{COURSE}/quiz.gift")
        assert [q["title"] for q in final.questions] == QUIZ_TITLES
        assert [q["type"] for q in final.questions] == [
            *("multichoice", "multichoice", "truefalse", "shortanswer"),
            *("numerical", "matching", "essay"),
        ]
        assert len(course.quiz("pre").current_version.questions) == 2
        program = services.program_by_slug(db.session, PROGRAM)
        assert [(lv.title, lv.badge, [c.slug for c in lv.courses]) for lv in program.levels] == [
            ("Level 1", "Calm voice", [COURSE]),
            ("Level 2", "Follow-up master", [SECOND]),
        ]


def test_a_second_sync_changes_nothing(app: Flask, content_dir: Path, sync_dir: Sync):
    sync_dir(content_dir)
    before = counts(app)
    report = sync_dir(content_dir)
    assert (report.created, report.updated, report.unchanged) == ([], [], 2)
    assert report.quiz_versions == []
    assert (report.programs_created, report.programs_updated) == (0, 0)
    assert counts(app) == before


def test_a_changed_quiz_is_a_new_version_and_old_attempts_keep_theirs(
    app: Flask, ctx: None, content_dir: Path, sync_dir: Sync, person: Callable[..., Any]
):
    first, second = person(name="First Learner"), person(name="Second Learner")
    sync_dir(content_dir)
    old = start(first, "pre")
    db.session.commit()
    edit(content_dir, f"{COURSE}/pre.gift", "How much is 3 + 3?{#6}", "How much is 4 + 4?{#8}")
    report = sync_dir(content_dir)
    assert report.updated == [COURSE] and report.unchanged == 1
    assert report.quiz_versions == [(COURSE, "pre", f"{COURSE}/pre.gift", 2)]
    db.session.expire_all()
    attempt = db.session.get(QuizAttempt, old.id)
    assert attempt.version.number == 1
    assert "3 + 3" in attempt.version.questions[1]["text"]
    quiz = state_of(first).course.quiz("pre")
    assert quiz.current_version.number == 2
    # Resuming keeps the old version; a newcomer gets the new one.
    assert start(first, "pre").id == old.id
    fresh = start(second, "pre")
    assert fresh.version.number == 2 and "4 + 4" in fresh.version.questions[1]["text"]
    assert db.session.scalar(select(func.count()).select_from(QuizVersion)) == 5


def test_a_lesson_dropped_from_the_course_stays_inactive_with_its_progress(
    app: Flask, ctx: None, content_dir: Path, sync_dir: Sync, person: Callable[..., Any]
):
    learner = person()
    sync_dir(content_dir)
    take(learner, "pre")
    state = state_of(learner)
    last = state.lessons[2]
    services.complete_lesson(db.session, me(learner), state, last, now=utcnow())
    db.session.commit()
    edit(content_dir, f"{COURSE}/course.yml", "  - 03-wrap-up.md\n", "")
    report = sync_dir(content_dir)
    assert report.updated == [COURSE]
    db.session.expire_all()
    lesson = db.session.get(Lesson, last.id)
    assert lesson.is_active is False and lesson.position >= 1000
    assert db.session.get(LessonProgress, (learner.id, last.id)) is not None
    state = state_of(learner)
    assert [x.slug for x in state.lessons] == ["01-welcome", "02-words"]
    assert state.lessons_done == 0 and last.id in state.done
    # Put back, it is active again at its place, the progress still there.
    edit(
        content_dir,
        f"{COURSE}/course.yml",
        "  - 02-words.md\n",
        "  - 02-words.md\n  - 03-wrap-up.md\n",
    )
    sync_dir(content_dir)
    db.session.expire_all()
    state = state_of(learner)
    assert [x.slug for x in state.lessons] == ["01-welcome", "02-words", "03-wrap-up"]
    assert state.lessons_done == 1


# Problems -----------------------------------------------------------------------------------

BROKEN = {  # name: (file, text, replacement, the problem expected)
    "unknown field": (
        f"{COURSE}/course.yml",
        "quiz: quiz.gift\n",
        "quiz: quiz.gift\ncolour: blue\n",
        f"{COURSE}/course.yml, line 18, field colour: unknown field; expected one of:",
    ),
    "pass score out of range": (
        f"{COURSE}/course.yml",
        "pass_score: 60",
        "pass_score: 160",
        f"{COURSE}/course.yml, line 6, field pass_score: expected a whole number from 0 to 100.",
    ),
    "missing lesson file": (
        f"{COURSE}/course.yml",
        "03-wrap-up.md",
        "03-missing.md",
        f"{COURSE}/course.yml, line 11, field lessons: there is no file {COURSE}/03-missing.md.",
    ),
    "broken question": (
        f"{COURSE}/quiz.gift",
        "How much is 2 + 2?{#4:0#Four.}",
        "How much is 2 + 2?{#4:0#Four.",
        f"{COURSE}/quiz.gift, line 20: ",
    ),
    "unknown skill": (
        f"{COURSE}/course.yml",
        "skills: {listening: 2}",
        "skills: {juggling: 2}",
        f"{COURSE}/course.yml, line 9, field skills: there is no skill “juggling” in skills.yml.",
    ),
    "unknown embedded article": (
        f"{COURSE}/02-words.md",
        f"[[article:{ARTICLE}]]",
        "[[article:no-such-article]]",
        f"{COURSE}/02-words.md, line 5: there is no knowledge-base article “no-such-article”.",
    ),
    "program with an unknown course": (
        "programs.yml",
        f"courses: [{SECOND}]",
        f"courses: [{SECOND}, nope]",
        "programs.yml, line 11, field courses: there is no course “nope”.",
    ),
}


@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_problems_name_file_line_and_field_and_nothing_is_written(
    app: Flask, content_dir: Path, sync_dir: Sync, case: str
):
    name, old, new, expected = BROKEN[case]
    edit(content_dir, name, old, new)
    with pytest.raises(SyncError) as caught:
        sync_dir(content_dir)
    assert len(caught.value.problems) == 1, caught.value.problems
    assert caught.value.problems[0].startswith(expected), caught.value.problems
    assert counts(app) == dict.fromkeys(counts(app), 0)


def test_every_problem_is_reported_at_once_and_a_bad_run_keeps_the_last_good_import(
    app: Flask, content_dir: Path, sync_dir: Sync
):
    sync_dir(content_dir)
    before = counts(app)
    edit(content_dir, f"{COURSE}/course.yml", "pass_score: 60", "pass_score: many")
    edit(content_dir, f"{SECOND}/course.yml", "level: intermediate", "level: expert")
    with pytest.raises(SyncError) as caught:
        sync_dir(content_dir)
    assert [p.split(":")[0] for p in caught.value.problems] == [
        f"{COURSE}/course.yml, line 6, field pass_score",
        f"{SECOND}/course.yml, line 3, field level",
    ]
    assert counts(app) == before
    with app.app_context():
        assert db.session.scalar(select(Course.pass_score).where(Course.slug == COURSE)) == 60


# The command --------------------------------------------------------------------------------


@pytest.fixture
def run(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """``flask lms …`` in English."""
    monkeypatch.setitem(app.config, "BABEL_DEFAULT_LOCALE", "en")
    runner = app.test_cli_runner()

    def invoke(*args: str | Path) -> Result:
        return runner.invoke(args=["lms", *map(str, args)])

    return invoke


def test_the_command_reports_what_it_imported(
    app: Flask, run: Callable[..., Result], content_dir: Path
):
    result = run("sync", "--content", content_dir)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Courses: 2 created, 0 updated, 0 unchanged. Programs: 1 created, 0 updated."
    assert lines[1:] == [
        f"{COURSE}: pre-test version 1 from {COURSE}/pre.gift",
        f"{COURSE}: post-test version 1 from {COURSE}/post.gift",
        f"{COURSE}: final quiz version 1 from {COURSE}/quiz.gift",
        f"{SECOND}: final quiz version 1 from {SECOND}/quiz.gift",
    ]
    assert "Articles:" not in result.stdout  # --content alone leaves the knowledge base
    assert count(app, Course) == 2
    again = run("sync", "--content", content_dir)
    assert again.exit_code == 0, again.output
    assert again.stdout.splitlines() == [
        "Courses: 0 created, 0 updated, 2 unchanged. Programs: 0 created, 0 updated."
    ]


def test_the_command_fails_with_the_problems_on_stderr(
    app: Flask, run: Callable[..., Result], content_dir: Path
):
    edit(content_dir, f"{COURSE}/pre.gift", PRE_GIFT, PRE_GIFT + "\n::Broken::Open {=yes\n")
    edit(content_dir, "programs.yml", PROGRAMS_YML, PROGRAMS_YML.replace(SECOND, "nope"))
    result = run("sync", "--content", content_dir)
    assert result.exit_code == 1
    problems = [line for line in result.stderr.splitlines() if ", line " in line]
    assert problems[0].startswith(f"{COURSE}/pre.gift, line 5: ")
    assert problems[1] == "programs.yml, line 11, field courses: there is no course “nope”."
    assert "Error: 2 problems found; nothing was imported." in result.stderr
    assert "Courses:" not in result.stdout
    assert count(app, Course) == count(app, Program) == 0


def test_a_dry_run_reports_and_writes_nothing(
    app: Flask, run: Callable[..., Result], content_dir: Path
):
    result = run("sync", "--content", content_dir, "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Courses: 2 created, 0 updated, 0 unchanged.")
    assert result.stdout.splitlines()[-1] == "Dry run: nothing was saved."
    assert counts(app) == dict.fromkeys(counts(app), 0)


def test_the_command_needs_an_existing_folder(
    app: Flask, run: Callable[..., Result], tmp_path: Path
):
    result = run("sync", "--content", tmp_path / "nowhere")
    assert result.exit_code != 0
    assert count(app, Course) == 0


def test_the_quiz_text_is_kept_as_the_file_said_it(app: Flask, content_dir: Path, sync_dir: Sync):
    sync_dir(content_dir)
    with app.app_context():
        version = db.session.scalar(
            select(QuizVersion)
            .join(Quiz, Quiz.current_version_id == QuizVersion.id)
            .join(Course)
            .where(Quiz.kind == "final", Course.slug == COURSE)
        )
        assert version.gift == QUIZ_GIFT
        assert len(version.source_hash) == 64


def test_course_yml_is_the_source_of_the_course_fields(
    app: Flask, content_dir: Path, sync_dir: Sync
):
    sync_dir(content_dir)
    edit(content_dir, f"{COURSE}/course.yml", COURSE_YML, COURSE_YML.replace("60", "75"))
    report = sync_dir(content_dir)
    assert report.updated == [COURSE] and report.quiz_versions == []
    with app.app_context():
        assert db.session.scalar(select(Course.pass_score).where(Course.slug == COURSE)) == 75
