"""JSON API v1 and its OpenAPI document."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from flask_login import current_user

from lms.api.openapi import openapi_document
from lms.auth.access import PUBLIC, SIGNED_IN, access

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


@bp.get("/openapi.json")
@access(PUBLIC)
def openapi() -> Any:
    return jsonify(openapi_document())
