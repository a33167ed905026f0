"""Writing the knowledge base: editor, preview, history, review, must-read, categories."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_date
from flask_login import current_user
from sqlalchemy import select

from lms.auth.access import KB_ANSWER, KB_READ, KB_REPORTS, KB_WRITE, access, require
from lms.auth.models import Department
from lms.auth.services import list_org_units
from lms.errors import ServiceError
from lms.extensions import db
from lms.formtools import choice_list, flash_form_errors, form_error
from lms.i18n import _
from lms.kb import mustread, queries, runs, services
from lms.kb.categories import article_counts, save_category
from lms.kb.diff import diff_fields, diff_revisions
from lms.kb.forms import ArticleForm, CategoryForm, ImageForm, MustReadForm, ReviewForm
from lms.kb.images import store_image
from lms.kb.models import Article, ArticleRevision, Category, MustRead
from lms.kb.services import ArticleData
from lms.kb.views import readable_article, render_body
from lms.skills.models import Skill
from lms.web import safe_next

bp = Blueprint("kb_edit", __name__, url_prefix="/kb")
ACTIONS = ("publish", "draft", "submit")


def may_publish() -> bool:
    return current_user.has_role("editor", "admin")


def editable_article(slug: str) -> Article:
    article = queries.article_by_slug(db.session, slug) or abort(404)
    require(queries.can_read(current_user, article) or may_publish())
    return article


def fill_choices(form: ArticleForm) -> None:
    form.category.choices = choice_list(
        (node.category.slug, label) for node, label in _flat_tree(queries.category_tree(db.session))
    )
    form.departments.choices = choice_list(
        (d.code, d.name) for d in list_org_units(db.session, Department, active_only=True)
    )
    form.skills.choices = choice_list(
        (s.code, f"{s.code} — {s.name_ru}")
        for s in db.session.scalars(select(Skill).order_by(Skill.code))
    )


def _flat_tree(nodes: list[Any], depth: int = 0) -> list[tuple[Any, str]]:
    flat = []
    for node in nodes:
        flat.append((node, "— " * depth + node.category.name))
        flat += _flat_tree(node.children, depth + 1)
    return flat


def data_from_form(form: ArticleForm) -> ArticleData:
    tags = [t.strip().lower() for t in (form.tags.data or "").split(",") if t.strip()]
    return ArticleData(
        slug=(form.slug.data or "").strip().lower(),
        title=form.title.data or "",
        body=form.body.data or "",
        category=form.category.data,
        kind=form.kind.data,
        tags=tags,
        departments=form.departments.data or [],
        skills=form.skills.data or [],
        owner=(form.owner.data or "").strip().lower() or None,
        review_every_days=form.review_every_days.data or 90,
        lang=form.lang.data,
        translation_of=(form.translation_of.data or "").strip() or None,
    )


def form_from_data(data: ArticleData) -> ArticleForm:
    form = ArticleForm(
        formdata=None,
        title=data.title,
        slug=data.slug,
        kind=data.kind,
        category=data.category,
        tags=", ".join(data.tags),
        departments=data.departments,
        skills=data.skills,
        owner=data.owner or "",
        review_every_days=data.review_every_days,
        lang=data.lang,
        translation_of=data.translation_of or "",
        body=data.body,
    )
    return form


def chosen_action() -> str:
    action = request.form.get("action", "draft")
    if action not in ACTIONS:
        abort(400)
    if action == "publish" and not may_publish():
        abort(403)
    return action


def save_from_form(form: ArticleForm, article: Article | None) -> Any:
    action = chosen_action()
    try:
        revision = services.save_revision(
            db.session,
            data_from_form(form),
            author=current_user,
            action=action,
            comment=form.comment.data or "",
            article=article,
        )
    except ServiceError as error:
        db.session.rollback()
        form_error(form, error)
        return None
    db.session.commit()
    messages = {
        "publish": _("Published: readers see this version now."),
        "draft": _("Draft saved. Readers still see the published version."),
        "submit": _("Sent for review. An editor will publish it or send it back."),
    }
    flash(messages[action], "success")
    if revision.article.kind == "script" or form.kind.data == "script":
        for warning in services.check_script_body(revision.body):
            flash(_("Warning: %(warning)s", warning=warning), "info")
    return redirect(url_for("kb.article", slug=revision.article.slug))


@bp.route("/new", methods=["GET", "POST"])
@access(KB_ANSWER)
def new() -> Any:
    form = ArticleForm()
    fill_choices(form)
    if request.method == "GET":
        form.owner.data = current_user.email
        form.kind.data = request.args.get("kind", "article")
    if form.validate_on_submit():
        response = save_from_form(form, None)
        if response is not None:
            return response
    elif request.method == "POST":
        flash_form_errors(form)
    return render_template(
        "kb/edit.html", form=form, article=None, may_publish=may_publish()
    ), 400 if form.errors else 200


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@access(KB_ANSWER)
def edit(slug: str) -> Any:
    article = editable_article(slug)
    base = article.live_revision or queries.revisions(db.session, article)[0]
    form = (
        ArticleForm()
        if request.method == "POST"
        else form_from_data(ArticleData.from_revision(article, base))
    )
    fill_choices(form)
    if form.validate_on_submit():
        response = save_from_form(form, article)
        if response is not None:
            return response
    elif request.method == "POST":
        flash_form_errors(form)
    return render_template(
        "kb/edit.html", form=form, article=article, may_publish=may_publish()
    ), 400 if form.errors else 200


@bp.post("/preview")
@access(KB_ANSWER)
def preview() -> Any:
    """The Markdown as readers will see it, through the same sanitiser."""
    body = request.form.get("body", "")
    rendered = render_body(body)
    warnings: list[str] = []
    if request.form.get("kind") == "script":
        try:
            warnings = services.check_script_body(body)
        except ServiceError as error:
            warnings = [error.message]
    return jsonify(html=rendered.html, broken_links=rendered.broken_links, warnings=warnings)


@bp.post("/images")
@access(KB_ANSWER)
def upload_image() -> Any:
    form = ImageForm()
    if not form.validate_on_submit():
        return jsonify(error=next(iter(form.errors.values()))[0]), 400
    upload = form.image.data
    try:
        image = store_image(
            db.session,
            upload.read(3 * 1024 * 1024),
            filename=upload.filename or "image",
            folder=Path(current_app.config["LMS_UPLOAD_DIR"]),
            user=current_user,
        )
    except ServiceError as error:
        db.session.rollback()
        return jsonify(error=error.message), 400
    db.session.commit()
    url = url_for("kb.image", name=image.stored_name)
    return jsonify(url=url, markdown=f"![{image.original_name}]({url})")


@bp.get("/<slug>/history")
@access(KB_ANSWER)
def history(slug: str) -> str:
    article = editable_article(slug)
    return render_template(
        "kb/history.html", article=article, revisions=queries.revisions(db.session, article)
    )


@bp.get("/<slug>/diff")
@access(KB_ANSWER)
def diff(slug: str) -> str:
    article = editable_article(slug)
    old = queries.revision(db.session, article, request.args.get("from", 0, type=int))
    new = queries.revision(db.session, article, request.args.get("to", 0, type=int))
    if old is None or new is None:
        abort(404)
    return render_template(
        "kb/diff.html",
        article=article,
        old=old,
        new=new,
        fields=diff_fields({"title": old.title, **old.meta}, {"title": new.title, **new.meta}),
        lines=diff_revisions(old.body, new.body),
    )


@bp.post("/<slug>/restore/<int:number>")
@access(KB_ANSWER)
def restore(slug: str, number: int) -> Any:
    article = editable_article(slug)
    old = queries.revision(db.session, article, number) or abort(404)
    try:
        services.restore(db.session, article, old, author=current_user, publish=may_publish())
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("kb_edit.history", slug=slug))
    db.session.commit()
    flash(_("Revision %(number)d was restored as a new revision.", number=number), "success")
    return redirect(url_for("kb_edit.history", slug=slug))


@bp.post("/<slug>/verify")
@access(KB_READ)
def verify(slug: str) -> Any:
    article = readable_article(slug)
    require(may_publish() or article.owner_id == current_user.id)
    services.verify(article, current_user)
    db.session.commit()
    flash(
        _(
            "Marked as reviewed. Next review due on %(date)s.",
            date=format_date(article.review_due_at, "long"),
        ),
        "success",
    )
    return redirect(safe_next(request.form.get("next"), url_for("kb.article", slug=slug)))


@bp.post("/<slug>/archive")
@access(KB_WRITE)
def archive(slug: str) -> Any:
    article = editable_article(slug)
    try:
        services.set_archived(db.session, article, request.form.get("archived") == "1")
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(
            _("Archived: readers no longer see it.")
            if article.status == "archived"
            else _("Published again."),
            "success",
        )
    return redirect(url_for("kb.article", slug=slug))


@bp.get("/review")
@access(KB_READ)
def review_queue() -> str:
    now = services.utcnow()
    return render_template(
        "kb/review.html",
        due=queries.review_queue(db.session, current_user, now=now),
        pending=queries.pending_reviews(db.session) if may_publish() else [],
        mine=queries.my_drafts(db.session, current_user),
        form=ReviewForm(),
        now=now,
    )


@bp.post("/revisions/<int:revision_id>/<verdict>")
@access(KB_WRITE)
def decide(revision_id: int, verdict: str) -> Any:
    revision = db.get_or_404(ArticleRevision, revision_id)
    form = ReviewForm()
    if verdict not in ("approve", "send-back") or not form.validate_on_submit():
        abort(400)
    try:
        if verdict == "approve":
            services.approve(
                db.session, revision, reviewer=current_user, comment=form.comment.data or ""
            )
        else:
            services.send_back(
                db.session, revision, reviewer=current_user, comment=form.comment.data or ""
            )
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("Published.") if verdict == "approve" else _("Sent back to the author."), "success")
    return redirect(url_for("kb_edit.review_queue"))


@bp.route("/<slug>/must-read", methods=["GET", "POST"])
@access(KB_WRITE)
def must_read(slug: str) -> Any:
    article = editable_article(slug)
    form = MustReadForm()
    form.departments.choices = choice_list(
        (d.id, d.name) for d in list_org_units(db.session, Department, active_only=True)
    )
    if form.validate_on_submit():
        chosen = [db.session.get(Department, i) for i in form.departments.data or []]
        try:
            created = mustread.create_must_read(
                db.session, article, chosen, note=form.note.data or "", actor=current_user
            )
        except ServiceError as error:
            db.session.rollback()
            form_error(form, error)
        else:
            db.session.commit()
            flash(_("Marked as must-read; agents will see it on their home page."), "success")
            return redirect(url_for("kb_edit.must_read_report", must_read_id=created.id))
    return render_template(
        "kb/must_read.html",
        article=article,
        form=form,
        existing=mustread.for_article(db.session, article),
    )


@bp.get("/must-read")
@access(KB_REPORTS)
def must_reads() -> str:
    return render_template("kb/must_reads.html", items=mustread.summaries(db.session))


@bp.get("/must-read/<int:must_read_id>")
@access(KB_REPORTS)
def must_read_report(must_read_id: int) -> str:
    item = db.get_or_404(MustRead, must_read_id)
    statuses = mustread.report(db.session, item)
    return render_template(
        "kb/must_read_report.html",
        item=item,
        statuses=statuses,
        confirmed=sum(1 for s in statuses if s.confirmed_at),
    )


@bp.get("/<slug>/stats")
@access(KB_WRITE)
def stats(slug: str) -> str:
    article = editable_article(slug)
    from lms.gaps.services import feedback_counts

    total, steps = (
        runs.step_stats(db.session, article)
        if article.kind == "script" and article.live_revision
        else (0, [])
    )
    return render_template(
        "kb/stats.html",
        article=article,
        total=total,
        steps=steps,
        counts=feedback_counts(db.session, article_id=article.id),
        today=date.today(),
    )


def _category_page(category: Category | None) -> Any:
    form = CategoryForm(obj=category)
    flat = _flat_tree(queries.category_tree(db.session))
    form.parent.choices = choice_list(
        [("", "—")]
        + [(str(node.category.id), label) for node, label in flat if node.category is not category]
    )
    if request.method == "GET" and category is not None:
        form.parent.data = str(category.parent_id or "")
    if form.validate_on_submit():
        parent = db.session.get(Category, int(form.parent.data)) if form.parent.data else None
        try:
            saved = save_category(
                db.session,
                slug=form.slug.data,
                name=form.name.data,
                name_en=form.name_en.data or "",
                parent=parent,
                category=category,
            )
        except ServiceError as error:
            db.session.rollback()
            form_error(form, error)
        else:
            db.session.commit()
            flash(_("“%(name)s” was saved.", name=saved.name), "success")
            return redirect(url_for("kb_edit.categories"))
    return render_template(
        "kb/categories.html",
        form=form,
        flat=flat,
        category=category,
        counts=article_counts(db.session),
    ), 400 if form.errors else 200


@bp.route("/categories", methods=["GET", "POST"])
@access(KB_WRITE)
def categories() -> Any:
    return _category_page(None)


@bp.route("/categories/<int:category_id>", methods=["GET", "POST"])
@access(KB_WRITE)
def edit_category(category_id: int) -> Any:
    return _category_page(db.get_or_404(Category, category_id))
