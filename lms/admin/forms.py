"""Forms for managing people and the organization."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from lms.formtools import choice_list
from lms.i18n import _l

ROLE_LABELS = {
    "agent": _l("Agent"),
    "mentor": _l("Mentor"),
    "editor": _l("Knowledge-base editor"),
    "hr": _l("HR / training lead"),
    "admin": _l("Administrator"),
}


class CheckboxList(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _coerce_id(value: object) -> int | None:
    return int(value) if value not in (None, "", "None") else None  # type: ignore[arg-type]


class UserForm(FlaskForm):
    email = StringField(
        _l("E-mail"), validators=[DataRequired(_l("E-mail is required.")), Length(max=254)]
    )
    name = StringField(
        _l("Full name"), validators=[DataRequired(_l("Name is required.")), Length(max=200)]
    )
    department_id = SelectField(_l("Department"), coerce=_coerce_id, validate_choice=True)
    position_id = SelectField(_l("Position"), coerce=_coerce_id)
    manager_id = SelectField(_l("Manager"), coerce=_coerce_id)
    hired_on = DateField(_l("Hired on"), validators=[Optional()])
    roles = CheckboxList(_l("Roles"), choices=choice_list(ROLE_LABELS.items()))


class NewUserForm(UserForm):
    password = PasswordField(
        _l("Initial password"),
        validators=[DataRequired(_l("Set an initial password.")), Length(max=200)],
    )
    must_change_password = BooleanField(_l("Must change it at first sign-in"), default=True)


class MentorForm(FlaskForm):
    mentor_id = SelectField(_l("Mentor"), coerce=_coerce_id)
    started_on = DateField(_l("From"), validators=[DataRequired(_l("Give the start date."))])


class OrgUnitForm(FlaskForm):
    code = StringField(
        _l("Code"), validators=[DataRequired(_l("Code is required.")), Length(max=40)]
    )
    name = StringField(
        _l("Name"), validators=[DataRequired(_l("Name is required.")), Length(max=200)]
    )
    is_active = BooleanField(_l("In use"), default=True)


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a CSV file."))])
    dry_run = BooleanField(_l("Only check the file, create nobody"))


class ConfirmForm(FlaskForm):
    """An empty form: a CSRF-protected button."""


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New temporary password"),
        validators=[DataRequired(_l("Enter a new password.")), Length(max=200)],
    )
