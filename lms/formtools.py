"""Small helpers for views that turn service errors into form messages."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import flash
from wtforms import SelectChoice

from lms.errors import ServiceError


def form_error(form: Any, error: ServiceError) -> None:
    """Attach a service error to the form field it names, or flash it."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, error.message]
    else:
        flash(error.message, "error")


def flash_form_errors(form: Any) -> None:
    for name, errors in form.errors.items():
        label = getattr(getattr(form, name, None), "label", None)
        prefix = f"{label.text}: " if label is not None else ""
        flash(prefix + errors[0], "error")


def choice_list(pairs: Iterable[tuple[Any, Any]]) -> list[SelectChoice]:
    """Select options from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]
