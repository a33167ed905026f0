"""Reading the knowledge base: browse, article pages, print view, feedback, must-reads."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import select

from lms.auth.access import KB_READ, access, require
from lms.errors import ServiceError
from lms.extensions import db
from lms.formtools import flash_form_errors
from lms.gaps import search_log
from lms.gaps import services as gaps
from lms.i18n import _, _l
from lms.kb import mustread, queries
from lms.kb.forms import KIND_LABELS, FeedbackForm
from lms.kb.markdown import ARTICLE_LINK_RE, render_markdown
from lms.kb.models import Article, KbImage, MustRead
from lms.kb.placeholders import find_placeholders, render_filled_html
from lms.kb.scripts import parse_script
from lms.models_base import utcnow
from lms.web import safe_next

bp = Blueprint("kb", __name__, url_prefix="/kb")
TOC_MIN_HEADINGS = 3


STATUS_LABELS = {"draft": _l("draft"), "published": _l("published"), "archived": _l("archived")}
REVISION_STATE_LABELS = {
    "draft": _l("draft"),
    "pending": _l("waiting for review"),
    "published": _l("published"),
    "rejected": _l("sent back"),
}


@bp.app_context_processor
def kb_labels() -> dict[str, Any]:
    return {
        "kind_labels": KIND_LABELS,
        "revision_states": REVISION_STATE_LABELS,
        "status_labels": STATUS_LABELS,
    }


def readable_article(slug: str) -> Article:
    """The article, or 404; 403 when the reader may not see it (department, draft)."""
    article = queries.article_by_slug(db.session, slug)
    if article is None or (
        article.live_revision is None and not queries.sees_everything(current_user)
    ):
        abort(404)
    require(queries.can_read(current_user, article))
    return article


def resolve_link(slug: str) -> str | None:
    exists = db.session.scalar(select(Article.id).where(Article.slug == slug))
    return url_for("kb.article", slug=slug) if exists else None


def render_body(body: str) -> Any:
    """Render an article body; its article links are checked in one query.

    A link to an article this reader cannot open is shown as a broken link, not a 403.
    """
    slugs = {m["slug"] for m in ARTICLE_LINK_RE.finditer(body)}
    existing = (
        set(
            db.session.scalars(
                select(Article.slug).where(
                    Article.slug.in_(slugs), queries.visible_to(current_user)
                )
            )
        )
        if slugs
        else set()
    )
    base = url_for("kb.article", slug="__slug__")
    return render_markdown(
        body,
        link_resolver=lambda slug: base.replace("__slug__", slug) if slug in existing else None,
    )


@bp.get("")
@access(KB_READ)
def index() -> str:
    session = db.session
    tree = queries.category_tree(session)
    return render_template(
        "kb/index.html",
        tree=tree,
        counts=queries.rolled_up(tree, queries.visible_counts_by_category(session, current_user)),
        tags=queries.tag_cloud(session, current_user),
        recent=queries.recently_updated(session, current_user),
        mine=queries.for_my_department(session, current_user),
        must_reads=mustread.pending_for(session, current_user),
        now=utcnow(),
    )


@bp.get("/c/<slug>")
@access(KB_READ)
def category(slug: str) -> str:
    found = queries.category_by_slug(db.session, slug) or abort(404)
    articles = queries.in_category(db.session, current_user, found)
    return render_template(
        "kb/list.html",
        category=found,
        articles=articles,
        trail=queries.breadcrumbs(found),
        heading=found.label(get_locale().language),
        now=utcnow(),
    )


@bp.get("/tag/<tag>")
@access(KB_READ)
def tag(tag: str) -> str:
    articles = queries.with_tag(db.session, current_user, tag)
    return render_template(
        "kb/list.html",
        category=None,
        articles=articles,
        trail=[],
        heading=_("Tag “%(tag)s”", tag=tag),
        now=utcnow(),
    )


@bp.get("/<slug>")
@access(KB_READ)
def article(slug: str) -> str:
    found = readable_article(slug)
    from_search = request.args.get("from_search", type=int)
    if from_search and search_log.record_opened(db.session, from_search, current_user, slug):
        db.session.commit()
    revision = found.live_revision
    rendered = render_body(revision.body) if revision else None
    feedback = (
        gaps.my_feedback(db.session, revision_id=revision.id, user=current_user)
        if revision
        else None
    )
    context = {
        "article": found,
        "revision": revision,
        "rendered": rendered,
        "show_toc": rendered is not None and len(rendered.toc) >= TOC_MIN_HEADINGS,
        "trail": queries.breadcrumbs(found.category),
        "related": queries.related(db.session, current_user, found),
        "translations": queries.translations(db.session, current_user, found),
        "feedback": feedback,
        "feedback_form": FeedbackForm(
            helpful="yes" if feedback and feedback.helpful else "no" if feedback else None,
            comment=feedback.comment if feedback else "",
        ),
        "must_reads": [
            m for m in mustread.pending_for(db.session, current_user) if m.article_id == found.id
        ],
        "now": utcnow(),
    }
    if current_user.has_role("editor", "admin") and revision:
        context["counts"] = gaps.feedback_counts(
            db.session, article_id=found.id, revision_id=revision.id
        )
    if found.kind == "template" and revision:
        context.update(template_context(revision.body))
    if found.kind == "script" and revision:
        context["script"] = parse_script(revision.body)
    return render_template("kb/article.html", **context)


def template_context(body: str) -> dict[str, Any]:
    """Placeholders of an answer template, filled from the query string (no-JS fallback)."""
    fields = find_placeholders(body)
    values = {f.name: request.args.get(f"f_{f.name}", "") for f in fields}
    filled = {k: v for k, v in values.items() if v}
    return {
        "placeholders": fields,
        "values": values,
        "filled_html": render_filled_html(body, filled),
    }


@bp.get("/<slug>/print")
@access(KB_READ)
def print_view(slug: str) -> str:
    found = readable_article(slug)
    if found.live_revision is None:
        abort(404)
    return render_template(
        "kb/print.html", article=found, rendered=render_body(found.live_revision.body), now=utcnow()
    )


@bp.post("/<slug>/feedback")
@access(KB_READ)
def feedback(slug: str) -> Any:
    found = readable_article(slug)
    form = FeedbackForm()
    if found.live_revision is None:
        abort(404)
    if form.validate_on_submit():
        try:
            gaps.record_feedback(
                db.session,
                article_id=found.id,
                revision_id=found.live_revision_id,
                user=current_user,
                helpful=form.helpful.data == "yes",
                comment=form.comment.data,
            )
        except ServiceError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("Thank you: the knowledge-base team sees your answer."), "success")
    else:
        flash_form_errors(form)
    return redirect(url_for("kb.article", slug=slug) + "#feedback")


@bp.post("/must-read/<int:must_read_id>/confirm")
@access(KB_READ)
def confirm_must_read(must_read_id: int) -> Any:
    must_read = db.get_or_404(MustRead, must_read_id)
    require(queries.can_read(current_user, must_read.article))
    try:
        mustread.confirm(db.session, must_read, current_user)
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("Confirmed: you have read “%(title)s”.", title=must_read.article.title), "success")
    return redirect(
        safe_next(request.form.get("next"), url_for("kb.article", slug=must_read.article.slug))
    )


@bp.get("/images/<name>")
@access(KB_READ)
def image(name: str) -> Any:
    found = db.session.scalar(select(KbImage).where(KbImage.stored_name == name)) or abort(404)
    folder = current_app.config["LMS_UPLOAD_DIR"]
    return send_from_directory(
        folder, found.stored_name, mimetype=found.content_type, max_age=86400
    )
