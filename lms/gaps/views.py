"""Pages of the "Nothing helped? Ask" loop: asking, my questions, the queue, answering."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user

from lms.auth.access import KB_ANSWER, KB_READ, access, require
from lms.errors import ServiceError
from lms.extensions import db
from lms.formtools import choice_list, form_error
from lms.gaps import questions
from lms.gaps.forms import AnswerForm, AskForm, DraftForm
from lms.gaps.models import Question
from lms.i18n import _
from lms.kb.queries import can_read, category_tree
from lms.models_base import utcnow

bp = Blueprint("questions", __name__)


@bp.route("/questions/ask", methods=["GET", "POST"])
@access(KB_READ)
def ask() -> Any:
    form = AskForm()
    if request.method == "GET":
        form.text.data = form.search_query.data = (request.args.get("q") or "").strip()
    if form.validate_on_submit():
        try:
            questions.ask_question(
                db.session, current_user, form.text.data, form.search_query.data or ""
            )
        except ServiceError as error:
            db.session.rollback()
            form_error(form, error)
        else:
            db.session.commit()
            return render_template("questions/asked.html")
    return render_template("questions/ask.html", form=form), 400 if form.errors else 200


@bp.get("/questions/mine")
@access(KB_READ)
def mine() -> str:
    rows = questions.with_details(db.session, questions.my_questions(db.session, current_user))
    unread = {row.question.id for row in rows if row.question.has_unread_answer}
    now = utcnow()
    for row in rows:
        questions.mark_seen(row.question, now)
    db.session.commit()
    return render_template("questions/mine.html", rows=rows, unread=unread, can_read=can_read)


@bp.get("/questions")
@access(KB_ANSWER)
def queue() -> str:
    found = questions.questions_for_answerer(db.session, current_user, date.today())
    return render_template("questions/queue.html", rows=questions.with_details(db.session, found))


def answerable(question_id: int) -> Question:
    question = db.session.get(Question, question_id) or abort(404)
    require(questions.can_answer(db.session, current_user, question, date.today()))
    return question


def draft_form(question: Question, formdata: Any = None) -> DraftForm:
    form = DraftForm(formdata=formdata)
    form.category.choices = choice_list(_category_options())
    if formdata is None:
        form.title.data = " ".join(question.text.split())[:200]
        form.slug.data = f"question-{question.id}"
    return form


def _category_options(nodes: list[Any] | None = None, depth: int = 0) -> list[tuple[str, str]]:
    options = []
    for node in category_tree(db.session) if nodes is None else nodes:
        label = node.category.label(str(get_locale() or "ru"))
        options.append((node.category.slug, "— " * depth + label))
        options += _category_options(node.children, depth + 1)
    return options


def render_question(question: Question, answer: AnswerForm, draft: DraftForm) -> Any:
    row = questions.with_details(db.session, [question])[0]
    if answer.text.data is None:
        answer.text.data = question.answer
    status = 400 if answer.errors or draft.errors else 200
    return render_template("questions/answer.html", row=row, form=answer, draft=draft), status


@bp.route("/questions/<int:question_id>", methods=["GET", "POST"])
@access(KB_ANSWER)
def detail(question_id: int) -> Any:
    question = answerable(question_id)
    form = AnswerForm()
    if form.validate_on_submit():
        try:
            article = questions.article_for_answer(db.session, form.article.data)
            questions.answer_question(db.session, question, current_user, form.text.data, article)
        except ServiceError as error:
            db.session.rollback()
            form_error(form, error)
        else:
            db.session.commit()
            flash(_("Answer sent: the asker sees it on “My questions”."), "success")
            return redirect(url_for("questions.queue"))
    return render_question(question, form, draft_form(question))


@bp.post("/questions/<int:question_id>/draft")
@access(KB_ANSWER)
def convert(question_id: int) -> Any:
    question = answerable(question_id)
    form = draft_form(question, request.form)
    if form.validate_on_submit():
        try:
            article = questions.convert_to_draft(
                db.session,
                question,
                current_user,
                slug=form.slug.data,
                title=form.title.data,
                category_slug=form.category.data,
            )
        except ServiceError as error:
            db.session.rollback()
            form_error(form, error)
        else:
            db.session.commit()
            return after_draft(article, question)
    return render_question(question, AnswerForm(formdata=None), form)


def after_draft(article: Any, question: Question) -> Any:
    """To the draft's editor, when this user may open it; else back to the question."""
    if current_user.has_role("editor", "admin") or can_read(current_user, article):
        flash(_("Draft created from the question. Finish it and publish."), "success")
        return redirect(url_for("kb_edit.edit", slug=article.slug))
    flash(_("Draft created from the question. An editor will finish and publish it."), "success")
    return redirect(url_for("questions.detail", question_id=question.id))
