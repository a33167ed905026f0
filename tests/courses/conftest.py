"""Course fixtures: a small content folder written to ``tmp_path`` and synced, people in
departments, a knowledge-base article a lesson embeds, and helpers that take a course
through the services as a learner would.

Users read the interface in English, so assertions on page text do not depend on the
Russian catalogue. Services run in a request context (``ctx`` or ``in_app``); the pages
are driven by signed-in ``Browser`` clients.
"""

from __future__ import annotations

import html as html_lib
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_babel import force_locale

from lms import cache
from lms.auth.models import Department, Mentorship, User
from lms.courses import attempts, services
from lms.courses.gift import Question, correct_response
from lms.courses.models import Course, QuizAttempt
from lms.courses.sync import ContentReport, sync_content
from lms.extensions import db
from lms.kb.categories import save_category
from lms.kb.services import ArticleData, save_revision
from lms.models_base import utcnow
from lms.skills.services import load_catalogue
from lms.yamlfile import read_yaml
from tests import english_people
from tests.conftest import Browser

# People reading in English, shared with the other page tests' conftest.
users, line1, line2, person = (
    english_people.users,
    english_people.line1,
    english_people.line2,
    english_people.person,
)

COURSE = "calm-calls"
SECOND = "follow-up"
PROGRAM = "line-path"
ARTICLE = "calm-words"
ARTICLE_TEXT = "Say it calmly: the customer is heard."
ESSAY_TEXT = "I listen first, then I name what I will do and by when."

SKILLS_YML = """\
groups:
  - code: communication
    name: {ru: Коммуникация, en: Communication}
    skills:
      - code: listening
        name: {ru: Активное слушание, en: Active listening}
"""

COURSE_YML = """\
title: Calm calls
summary: How to keep a hard call calm.
language: en
level: basic
duration_minutes: 45
pass_score: 60
max_attempts: 2
cost_per_participant: 1500
skills: {listening: 2}
shuffle_answers: true
lessons:
  - 01-welcome.md
  - 02-words.md
  - 03-wrap-up.md
pre_test: pre.gift
post_test: post.gift
quiz: quiz.gift
"""

LESSONS = {
    "01-welcome.md": "# Welcome\n\nHello, learner. This course is about **calm calls**.\n",
    "02-words.md": (
        "# Calm words\n\nRead the article from the knowledge base:\n\n"
        f"[[article:{ARTICLE}]]\n\nThen try the words on your next call.\n"
    ),
    "03-wrap-up.md": "# Wrap-up\n\nThat is all: well done.\n",
}

PRE_GIFT = """\
::Sky::The sky is blue.{T}

::Sum::How much is 3 + 3?{#6}
"""

POST_GIFT = """\
::Words::Calm words help on a hard call.{T}
"""

# Seven questions, one mark each: what each is worth is spelt out by the tests.
QUIZ_GIFT = """\
// The final quiz of the test course.

::Colour::What colour is the sky?{
=Blue#Right, blue.
~Green#No, that is the grass.
~Red#No, that is the sunset.
}

::Pick::Which are fruits?{
~%50%Apple#Yes, a fruit.
~%50%Pear#Yes, a pear too.
~%-100%Stone#No, a stone.
~Chair
}

::Earth::The Earth is round.{T}

::Capital::The capital of France is {=Paris}.

::Number::How much is 2 + 2?{#4:0#Four.}

::Match::Match the animal and its sound.{
=cat -> meow
=dog -> woof
=cow -> moo
}

::Essay::Describe a hard call and what you did.{}
"""
QUIZ_TITLES = ["Colour", "Pick", "Earth", "Capital", "Number", "Match", "Essay"]

SECOND_YML = """\
title: Follow-up calls
language: en
level: intermediate
lessons:
  - 01-why.md
quiz: quiz.gift
"""

PROGRAMS_YML = f"""\
programs:
  - slug: {PROGRAM}
    title: Line path
    summary: Two levels for the first line.
    levels:
      - title: Level 1
        badge: Calm voice
        courses: [{COURSE}]
      - title: Level 2
        badge: Follow-up master
        courses: [{SECOND}]
"""


def content_files() -> dict[str, str]:
    """Every file of the test content folder, by path under it."""
    return {
        "skills.yml": SKILLS_YML,
        f"{COURSE}/course.yml": COURSE_YML,
        **{f"{COURSE}/{name}": text for name, text in LESSONS.items()},
        f"{COURSE}/pre.gift": PRE_GIFT,
        f"{COURSE}/post.gift": POST_GIFT,
        f"{COURSE}/quiz.gift": QUIZ_GIFT,
        f"{SECOND}/course.yml": SECOND_YML,
        f"{SECOND}/01-why.md": "# Why call back\n\nBecause you promised.\n",
        f"{SECOND}/quiz.gift": "::Promise::Keep your promises.{T}\n",
        "programs.yml": PROGRAMS_YML,
    }


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


# Reading pages ------------------------------------------------------------------------------


def html_of(response: Any) -> str:
    return response.get_data(as_text=True)


def text_of(response: Any) -> str:
    """The page with entities decoded."""
    return html_lib.unescape(html_of(response))


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    """Per-process caches are keyed by ids, which a rolled-back test hands out again."""
    cache.clear_all()
    yield
    cache.clear_all()


# People -------------------------------------------------------------------------------------


@pytest.fixture
def sign_in(app: Flask) -> Callable[[User], Browser]:
    """A signed-in browser (a fresh client) for any user."""

    def browser_for(user: User) -> Browser:
        browser = Browser(app.test_client())
        response = browser.login(user.email)
        assert response.status_code == 302, html_of(response)
        return browser

    return browser_for


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    """A request context for calling services directly, their messages in English."""
    with app.test_request_context(), force_locale("en"):
        yield


@pytest.fixture
def in_app(app: Flask) -> Callable[[Callable[[Any], Any]], Any]:
    """Run ``fn(session)`` in a request context of its own, committing what it changed."""

    def run(fn: Callable[[Any], Any]) -> Any:
        with app.test_request_context(), force_locale("en"):
            result = fn(db.session)
            db.session.commit()
            return result

    return run


@pytest.fixture
def make_mentor(in_app: Callable[..., Any], today: date) -> Callable[[User, User], None]:
    """``make_mentor(mentor, mentee)``: a mentorship from today on."""

    def link(mentor: User, mentee: User) -> None:
        def write(session: Any) -> None:
            session.add(Mentorship(mentor_id=mentor.id, mentee_id=mentee.id, started_on=today))

        in_app(write)

    return link


# Content ------------------------------------------------------------------------------------


@pytest.fixture
def kb_article(in_app: Callable[..., Any], person: Callable[..., User], line1: Department) -> str:
    """A published article only the first line (and staff who see everything) may read."""
    editor = person("editor", name="Elena Editor")

    def create(session: Any) -> str:
        save_category(session, slug="calls", name="Calls")
        data = ArticleData(
            slug=ARTICLE,
            title="Calm words",
            body=ARTICLE_TEXT,
            category="calls",
            departments=["line1"],
        )
        save_revision(session, data, author=session.merge(editor), action="publish")
        return ARTICLE

    return in_app(create)


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    """The test content folder: two courses, their lessons and quizzes, a program."""
    return write_tree(tmp_path / "content", content_files())


@pytest.fixture
def load_skills(in_app: Callable[..., Any], content_dir: Path) -> None:
    """The skills of ``skills.yml`` in the database, as the knowledge-base sync loads them."""
    in_app(
        lambda session: load_catalogue(
            session, read_yaml(content_dir / "skills.yml"), filename="skills.yml"
        )
    )


@pytest.fixture
def sync_dir(app: Flask) -> Callable[[Path], ContentReport]:
    """Sync a content folder through ``sync_content`` and commit; raises ``SyncError``."""

    def run(folder: Path) -> ContentReport:
        with app.test_request_context(), force_locale("en"):
            try:
                report = sync_content(db.session, folder)
            except Exception:
                db.session.rollback()
                raise
            db.session.commit()
            return report

    return run


@pytest.fixture
def course(
    app: Flask,
    kb_article: str,
    load_skills: None,
    content_dir: Path,
    sync_dir: Callable[[Path], ContentReport],
) -> Course:
    """The synced "Calm calls" course, detached with its lessons and quizzes loaded."""
    sync_dir(content_dir)
    with app.app_context():
        found = services.course_by_slug(db.session, COURSE)
        assert found is not None
        for quiz in found.quizzes:
            _ = quiz.current_version
        db.session.expunge_all()
        return found


# Taking a course through the services (inside ``ctx``) ---------------------------------------


def me(user: User) -> User:
    """The user in the current session."""
    found = db.session.get(User, user.id)
    assert found is not None
    return found


def state_of(user: User, slug: str = COURSE) -> services.CourseState:
    """The learner's state as a new request would load it."""
    course = services.course_by_slug(db.session, slug)
    assert course is not None
    return services.course_state(db.session, me(user), course)


def right_answer(question: Question) -> Any:
    return ESSAY_TEXT if question.type == "essay" else correct_response(question)


def start(user: User, kind: str, slug: str = COURSE, **kwargs: Any) -> QuizAttempt:
    return attempts.start_or_resume(
        db.session, me(user), state_of(user, slug), kind, now=utcnow(), **kwargs
    )


def answer(attempt: QuizAttempt, answers: dict[str, Any]) -> None:
    """Save answers by question title."""
    titles = [q.title for q in attempts.questions_of(attempt)]
    for title, raw in answers.items():
        attempts.save_response(db.session, attempt, titles.index(title), raw, now=utcnow())


def submit(user: User, attempt: QuizAttempt, slug: str = COURSE) -> services.CourseState:
    state = state_of(user, slug)
    attempts.submit(db.session, me(user), state, attempt, now=utcnow())
    return state


def take(
    user: User,
    kind: str,
    answers: dict[str, Any] | None = None,
    slug: str = COURSE,
) -> QuizAttempt:
    """Start a quiz, answer it (every question right unless ``answers`` says what to save,
    by question title) and submit it."""
    attempt = start(user, kind, slug)
    if answers is None:
        answers = {q.title: right_answer(q) for q in attempts.questions_of(attempt)}
    answer(attempt, answers)
    submit(user, attempt, slug)
    return attempt


def read_lessons(user: User, slug: str = COURSE) -> None:
    state = state_of(user, slug)
    for lesson in state.lessons:
        services.complete_lesson(db.session, me(user), state, lesson, now=utcnow())


def finish_course(user: User, slug: str = COURSE, *, essay: str = "") -> services.CourseState:
    """Every step of the course, the final quiz all right but the essay (blank unless
    given: a blank essay earns 0 and needs no grader)."""
    state = state_of(user, slug)
    if state.course.quiz("pre"):
        take(user, "pre", slug=slug)
    read_lessons(user, slug)
    if state.course.quiz("post"):
        take(user, "post", slug=slug)
    attempt = start(user, "final", slug)
    answers = {q.title: right_answer(q) for q in attempts.questions_of(attempt)}
    if "Essay" in answers:
        answers["Essay"] = essay
    answer(attempt, answers)
    return submit(user, attempt, slug)


def course_id(slug: str = COURSE) -> int:
    found = db.session.scalar(sa.select(Course.id).where(Course.slug == slug))
    assert found is not None
    return found
