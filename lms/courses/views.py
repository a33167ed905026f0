"""Learning pages: the catalogue, a course, the lesson player, quizzes, programs and
"My learning"."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup, escape

from lms.auth.access import SIGNED_IN, access, require
from lms.courses import assignments, attempts, services
from lms.courses.files import EMBED_RE
from lms.courses.models import Course, Lesson, QuizAttempt
from lms.errors import ServiceError
from lms.extensions import db
from lms.i18n import _, _l
from lms.kb import queries as kb_queries
from lms.kb.markdown import render_markdown, sanitize_html
from lms.kb.views import render_body
from lms.models_base import utcnow

bp = Blueprint("courses", __name__)

QUIZ_LABELS = {"pre": _l("Pre-test"), "post": _l("Post-test"), "final": _l("Final quiz")}
LEVEL_LABELS = {
    "basic": _l("basic"),
    "intermediate": _l("intermediate"),
    "advanced": _l("advanced"),
}
STATUS_LABELS = {
    "new": _l("not started"),
    "assigned": _l("assigned"),
    "in_progress": _l("in progress"),
    "overdue": _l("overdue"),
    "done": _l("done"),
    "completed": _l("completed"),
}
QUESTION_FIELD_RE = re.compile(r"q(\d+)(?:-(\d+))?$")


@bp.app_context_processor
def learning_labels() -> dict[str, Any]:
    return {
        "quiz_labels": QUIZ_LABELS,
        "level_labels": LEVEL_LABELS,
        "learning_status": STATUS_LABELS,
    }


def _course(slug: str) -> Course:
    course = services.course_by_slug(db.session, slug)
    if course is None:
        abort(404)
    return course


def _lesson(course: Course, lesson_slug: str) -> Lesson:
    lesson = next((x for x in course.active_lessons if x.slug == lesson_slug), None)
    if lesson is None:
        abort(404)
    return lesson


@bp.get("/courses")
@access(SIGNED_IN)
def catalogue() -> str:
    return render_template(
        "courses/catalogue.html",
        cards=services.catalogue(db.session, current_user),
        programs=services.programs(db.session),
    )


@bp.get("/courses/<slug>")
@access(SIGNED_IN)
def course(slug: str) -> str:
    course = _course(slug)
    state = services.course_state(db.session, current_user, course)
    step, lesson = state.next_step()
    examples = []
    if current_user.has_role("mentor", "hr", "admin"):  # the people who teach it
        from lms.evaluation.ratings import training_examples

        examples = training_examples(db.session, course)
    return render_template(
        "courses/course.html",
        course=course,
        state=state,
        step=step,
        next_lesson=lesson,
        examples=examples,
    )


@bp.get("/courses/<slug>/continue")
@access(SIGNED_IN)
def resume(slug: str) -> Any:
    """Where the learner left off: the pre-test, the next lesson, a quiz, or the course."""
    course = _course(slug)
    state = services.course_state(db.session, current_user, course)
    step, lesson = state.next_step()
    if lesson is not None:
        return redirect(url_for(".lesson", slug=slug, lesson_slug=lesson.slug))
    if step in QUIZ_LABELS and state.may_start(step) is None:
        attempt = state.in_progress(step)
        if attempt is not None:
            return redirect(url_for(".attempt", attempt_id=attempt.id))
    return redirect(url_for(".course", slug=slug))


@bp.get("/courses/<slug>/lessons/<lesson_slug>")
@access(SIGNED_IN)
def lesson(slug: str, lesson_slug: str) -> Any:
    course = _course(slug)
    lesson = _lesson(course, lesson_slug)
    state = services.course_state(db.session, current_user, course)
    try:
        services.open_lesson(db.session, current_user, state, lesson, now=utcnow())
    except ServiceError as error:
        flash(error.message, "error")
        return redirect(url_for(".course", slug=slug))
    db.session.commit()
    lessons = state.lessons
    index = lessons.index(lesson)
    return render_template(
        "courses/lesson.html",
        course=course,
        lesson=lesson,
        state=state,
        parts=render_lesson(lesson.body),
        previous=lessons[index - 1] if index else None,
        following=lessons[index + 1] if index + 1 < len(lessons) else None,
        number=index + 1,
    )


def render_lesson(body: str) -> list[Markup]:
    """The lesson as HTML pieces: Markdown, and each ``[[article:slug]]`` line as the live
    article (or a note when it is gone or the reader may not see it)."""
    parts: list[Markup] = []
    chunk: list[str] = []
    slugs = [m[1] for line in body.split("\n") if (m := EMBED_RE.match(line.strip()))]
    articles = kb_queries.articles_by_slug(db.session, slugs) if slugs else {}
    for line in body.split("\n"):
        match = EMBED_RE.match(line.strip())
        if match is None:
            chunk.append(line)
            continue
        if chunk:
            parts.append(Markup(render_body("\n".join(chunk)).html))
            chunk = []
        parts.append(
            Markup(
                render_template(
                    "courses/_embedded_article.html", article=_embeddable(articles.get(match[1]))
                )
            )
        )
    if chunk:
        parts.append(Markup(render_body("\n".join(chunk)).html))
    return parts


def _embeddable(article: Any) -> Any:
    if (
        article is None
        or article.live_revision is None
        or not kb_queries.can_read(current_user, article)
    ):
        return None
    article.rendered = render_body(article.live_revision.body)
    return article


@bp.post("/courses/<slug>/lessons/<lesson_slug>/done")
@access(SIGNED_IN)
def lesson_done(slug: str, lesson_slug: str) -> Any:
    course = _course(slug)
    lesson = _lesson(course, lesson_slug)
    state = services.course_state(db.session, current_user, course)
    try:
        following = services.complete_lesson(db.session, current_user, state, lesson, now=utcnow())
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for(".course", slug=slug))
    db.session.commit()
    if following is not None:
        return redirect(url_for(".lesson", slug=slug, lesson_slug=following.slug))
    flash(_("You have finished every lesson of this course."), "success")
    return redirect(url_for(".course", slug=slug))


@bp.post("/courses/<slug>/quiz/<kind>")
@access(SIGNED_IN)
def start_quiz(slug: str, kind: str) -> Any:
    if kind not in QUIZ_LABELS:
        abort(404)
    course = _course(slug)
    state = services.course_state(db.session, current_user, course)
    try:
        attempt = attempts.start_or_resume(db.session, current_user, state, kind, now=utcnow())
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for(".course", slug=slug))
    db.session.commit()
    return redirect(url_for(".attempt", attempt_id=attempt.id))


def _attempt(attempt_id: int) -> QuizAttempt:
    attempt = attempts.attempt_for(db.session, attempt_id)
    if attempt is None:
        abort(404)
    return attempt


@bp.get("/attempts/<int:attempt_id>")
@access(SIGNED_IN)
def attempt(attempt_id: int) -> str:
    attempt = _attempt(attempt_id)
    require(
        attempt.user_id == current_user.id
        or attempts.can_grade(db.session, current_user, attempt, today=date.today())
    )
    return render_template(
        "courses/attempt.html",
        attempt=attempt,
        course=attempt.quiz.course,
        questions=attempts.views(attempt),
        mine=attempt.user_id == current_user.id,
    )


def posted_answers(form: Any) -> dict[int, Any]:
    """Form fields ``q<index>`` (one value, or several for checkboxes, which the form names
    in hidden ``multi`` fields so that none ticked clears the answer) and
    ``q<index>-<pair>`` (matching), as the raw answers ``normalise_response`` takes."""
    multi = set(form.getlist("multi"))
    answers: dict[int, Any] = {}
    for key in [*form, *multi]:
        match = QUESTION_FIELD_RE.match(key)
        if match is None:
            continue
        index = int(match[1])
        if match[2] is not None:
            pairs = answers.setdefault(index, {})
            if isinstance(pairs, dict):
                pairs[int(match[2])] = form.get(key, "")
        elif key in multi:
            answers[index] = form.getlist(key)
        else:
            answers[index] = form.get(key, "")
    return answers


def _own_attempt(attempt_id: int) -> QuizAttempt:
    attempt = _attempt(attempt_id)
    require(attempt.user_id == current_user.id)
    return attempt


@bp.post("/attempts/<int:attempt_id>/save")
@access(SIGNED_IN)
def save(attempt_id: int) -> Any:
    """Save answers as they are given (the page posts each change); JSON in, JSON out."""
    attempt = _own_attempt(attempt_id)
    try:
        for index, raw in posted_answers(request.form).items():
            attempts.save_response(db.session, attempt, index, raw, now=utcnow())
    except ServiceError as error:
        db.session.rollback()
        return jsonify(error=error.message), 409
    db.session.commit()
    return jsonify(saved=True, at=utcnow().isoformat())


@bp.post("/attempts/<int:attempt_id>/submit")
@access(SIGNED_IN)
def submit(attempt_id: int) -> Any:
    attempt = _own_attempt(attempt_id)
    course = attempt.quiz.course
    state = services.course_state(db.session, current_user, course)
    try:
        for index, raw in posted_answers(request.form).items():
            attempts.save_response(db.session, attempt, index, raw, now=utcnow())
        attempts.submit(db.session, current_user, state, attempt, now=utcnow())
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for(".attempt", attempt_id=attempt_id))
    db.session.commit()
    if attempt.state == "pending":
        flash(_("Submitted. A mentor will grade your written answers."), "success")
    elif state.completed:
        flash(_("Congratulations: you have completed the course."), "success")
    return redirect(url_for(".attempt", attempt_id=attempt_id))


@bp.get("/programs/<slug>")
@access(SIGNED_IN)
def program(slug: str) -> str:
    program = services.program_by_slug(db.session, slug)
    if program is None:
        abort(404)
    return render_template(
        "courses/program.html",
        program=program,
        levels=services.program_state(db.session, current_user, program),
    )


@bp.get("/learning")
@access(SIGNED_IN)
def my_learning() -> str:
    return render_template(
        "courses/my_learning.html",
        learning=assignments.my_learning(db.session, current_user, today=date.today()),
        badges=services.badges(db.session, current_user),
        today=date.today(),
    )


@bp.app_template_filter("gift_text")
def gift_text(text: str, text_format: str = "moodle") -> Markup:
    """Question, answer or feedback text as HTML by its GIFT format: HTML sanitised,
    Markdown rendered and sanitised, plain and Moodle's auto-format escaped."""
    if text_format == "html":
        return Markup(sanitize_html(text))
    if text_format == "markdown":
        return Markup(render_markdown(text).html)
    return Markup("<br>").join(escape(line) for line in text.split("\n"))


@bp.app_template_global("learning_badges")
def learning_badges(user: Any) -> list[Any]:
    """The person's program badges, for profile pages outside this blueprint."""
    return services.badges(db.session, user)
