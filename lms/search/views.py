"""The search page and its live results fragment."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, request, url_for
from flask_login import current_user

from lms.auth.access import KB_READ, access
from lms.auth.models import Department
from lms.auth.services import list_org_units
from lms.extensions import db
from lms.gaps.search_log import forget_users, log_search
from lms.i18n import _l
from lms.kb.forms import KIND_LABELS
from lms.kb.queries import articles_by_slug, category_tree
from lms.models_base import utcnow
from lms.search.service import search

bp = Blueprint("search", __name__)
MAX_LIMIT = 50


def result_url(hit: Any, *, external: bool = False, **params: Any) -> str:
    """Where a hit opens: a course lesson ("course/lesson") or a knowledge-base article."""
    if hit.kind == "lesson" and "/" in hit.slug:
        course, lesson = hit.slug.split("/", 1)
        return url_for("courses.lesson", slug=course, lesson_slug=lesson, _external=external)
    return url_for("kb.article", slug=hit.slug, _external=external, **params)


@bp.app_context_processor
def search_labels() -> dict[str, Any]:
    """What a result can be: the knowledge base's kinds, and course lessons."""
    return {"search_kinds": {**KIND_LABELS, "lesson": _l("course lesson")}}


@bp.app_template_global("search_result_url")
def search_result_url(hit: Any, **params: Any) -> str:
    return result_url(hit, **params)


def run_search(args: Any, *, limit: int = 20) -> Any:
    """Search with the filters in ``args``; an empty query gives no results."""
    query = (args.get("q") or "").strip()
    if not query:
        return None
    return search(
        current_app.config["LMS_INDEX_DIR"],
        current_user,
        query,
        kind=args.get("kind") or None,
        category=args.get("category") or None,
        tag=args.get("tag") or None,
        department=args.get("department") or None,
        limit=max(1, min(limit, MAX_LIMIT)),
    )


def logged_search(args: Any, *, limit: int) -> tuple[Any, int | None]:
    """Search, and log it (the log forgets who searched after LMS_SEARCH_LOG_DAYS)."""
    results = run_search(args, limit=limit)
    if results is None:
        return None, None
    row = log_search(db.session, query=results.query, user=current_user, result_count=results.total)
    forget_users(db.session, days=current_app.config["LMS_SEARCH_LOG_DAYS"])
    db.session.commit()
    return results, row.id


@bp.get("/search")
@access(KB_READ)
def search_page() -> str:
    results, log_id = logged_search(request.args, limit=request.args.get("limit", 20, type=int))
    template = "search/_results.html" if request.args.get("partial") else "search/search.html"
    slugs = [hit.slug for hit in results.results] if results else []
    return render_template(
        template,
        results=results,
        articles=articles_by_slug(db.session, slugs),
        log_id=log_id,
        now=utcnow(),
        args=request.args,
        categories=category_tree(db.session),
        departments=list_org_units(db.session, Department, active_only=True),
    )
