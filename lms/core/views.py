"""Home page and health check."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, current_app, jsonify, render_template
from flask_login import current_user

from lms.auth.access import PUBLIC, SIGNED_IN, access
from lms.core import services
from lms.extensions import db

bp = Blueprint("core", __name__)


@bp.get("/")
@access(SIGNED_IN)
def home() -> str:
    page = services.home_page(db.session, current_user, today=date.today())
    return render_template("core/home.html", page=page)


@bp.get("/healthz")
@access(PUBLIC)
def healthz() -> Any:
    database = services.database_state(db.session)
    index = services.index_state(current_app.config["LMS_INDEX_DIR"])
    status = "ok" if database == "ok" and index == "ok" else "degraded"
    code = 200 if database == "ok" else 503
    return jsonify(status=status, database=database, index=index), code
