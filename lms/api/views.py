"""JSON API v1 and its OpenAPI document."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, jsonify, request, url_for
from flask_login import current_user

from lms.api.openapi import openapi_document
from lms.auth.access import KB_READ, PUBLIC, SIGNED_IN, access, require
from lms.courses import assignments
from lms.extensions import db
from lms.kb import queries
from lms.kb.views import render_body
from lms.models_base import utcnow
from lms.search.views import logged_search, result_url

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def user_json(user: Any) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "roles": sorted(user.roles),
        "locale": user.locale,
        "department": user.department.code if user.department else None,
        "position": user.position.code if user.position else None,
    }


@bp.get("/me")
@access(SIGNED_IN)
def me() -> Any:
    return jsonify(user_json(current_user))


@bp.get("/assignments")
@access(SIGNED_IN)
def my_assignments() -> Any:
    """The caller's learning: assigned and started courses and programs, with status."""
    learning = assignments.my_learning(db.session, current_user, today=date.today())
    return jsonify(items=[learning_item_json(item) for item in learning.items])


def learning_item_json(item: Any) -> dict[str, Any]:
    target = item.course or item.program
    endpoint = "courses.course" if item.course else "courses.program"
    return {
        "kind": "course" if item.course else "program",
        "slug": target.slug,
        "title": item.title,
        "status": item.status,
        "due_on": item.due_on.isoformat() if item.due_on else None,
        "url": url_for(endpoint, slug=target.slug, _external=True),
    }


@bp.get("/articles/<slug>")
@access(KB_READ)
def article(slug: str) -> Any:
    """One article as a helpdesk side panel shows it: sanitised HTML of the live version."""
    found = queries.article_by_slug(db.session, slug)
    if found is None or found.live_revision is None:
        abort(404)
    require(queries.can_read(current_user, found))
    return jsonify(article_json(found))


def article_json(article: Any) -> dict[str, Any]:
    return {
        "slug": article.slug,
        "title": article.title,
        "kind": article.kind,
        "lang": article.lang,
        "status": article.status,
        "category": article.category.slug,
        "tags": article.tags,
        "departments": [d.code for d in article.departments],
        "url": url_for("kb.article", slug=article.slug, _external=True),
        "html": render_body(article.live_revision.body).html,
        "revision": article.live_revision.number,
        "updated_at": article.updated_at.isoformat(),
        "verified_at": article.verified_at.isoformat() if article.verified_at else None,
        "verified_by": article.verified_by.name if article.verified_by else None,
        "needs_review": article.needs_review(utcnow()),
    }


@bp.get("/search")
@access(KB_READ)
def search_api() -> Any:
    """Knowledge-base search for a helpdesk side panel: same rules as the search page."""
    limit = request.args.get("limit", 10, type=int) or 10
    results, _log_id = logged_search(request.args, limit=limit)
    if results is None:
        return jsonify(error="bad_request", message="Give the query as ?q=..."), 400
    return jsonify(search_json(results))


def search_json(results: Any, *, external: bool = True) -> dict[str, Any]:
    return {
        "query": results.query,
        "total": results.total,
        "did_you_mean": results.did_you_mean,
        "results": [
            {
                "slug": hit.slug,
                "title": hit.title,
                "kind": hit.kind,
                "url": result_url(hit, external=external),
                "snippet_html": str(hit.snippet_html),
                "score": round(hit.score, 4),
            }
            for hit in results.results
        ],
    }


@bp.get("/openapi.json")
@access(PUBLIC)
def openapi() -> Any:
    return jsonify(openapi_document())
