"""The call-script player: one step at a time, each run recorded."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify, render_template, request
from flask_login import current_user

from lms.auth.access import KB_READ, access, require
from lms.errors import ServiceError
from lms.extensions import db
from lms.kb import runs
from lms.kb.markdown import render_markdown
from lms.kb.models import ScriptRun
from lms.kb.views import readable_article, resolve_link

bp = Blueprint("kb_play", __name__, url_prefix="/kb")


@bp.get("/<slug>/play")
@access(KB_READ)
def play(slug: str) -> str:
    article = readable_article(slug)
    if article.kind != "script" or article.live_revision is None:
        abort(404)
    script = runs.live_script(article)
    steps = {
        sid: render_markdown(step.text_markdown, link_resolver=resolve_link).html
        for sid, step in script.steps.items()
    }
    return render_template("kb/play.html", article=article, script=script, steps=steps)


@bp.post("/<slug>/runs")
@access(KB_READ)
def start_run(slug: str) -> Any:
    article = readable_article(slug)
    try:
        runs.abandon_stale(db.session, article, current_user)
        run = runs.start_run(db.session, article, current_user)
    except ServiceError as error:
        db.session.rollback()
        return jsonify(error=error.message), 400
    db.session.commit()
    return jsonify(id=run.id, path=run.path), 201


@bp.post("/<slug>/runs/<int:run_id>")
@access(KB_READ)
def update_run(slug: str, run_id: int) -> Any:
    article = readable_article(slug)
    run = db.get_or_404(ScriptRun, run_id)
    require(run.user_id == current_user.id and run.article_id == article.id)
    payload = request.get_json(silent=True) or {}
    path = payload.get("path")
    if not isinstance(path, list) or not all(isinstance(p, str) for p in path):
        return jsonify(error="path must be a list of step ids"), 400
    try:
        runs.record_path(db.session, run, article, path, finished=bool(payload.get("finished")))
    except ServiceError as error:
        db.session.rollback()
        return jsonify(error=error.message), 400
    db.session.commit()
    return jsonify(id=run.id, status=run.status, path=run.path)
