"""Forms of the KPI pages: uploading a file to import, and reviewing a customer rating."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from lms.evaluation.ratings import MAX_TEXT
from lms.i18n import _l


class UploadForm(FlaskForm):
    file = FileField(_l("CSV or XLSX file"), validators=[FileRequired(_l("Choose a file."))])
    dry_run = BooleanField(_l("Only check the file, save nothing"))


class ReviewForm(FlaskForm):
    what_happened = TextAreaField(
        _l("What happened"), validators=[DataRequired(), Length(max=MAX_TEXT)]
    )
    customer_contacted = BooleanField(_l("The customer was contacted"))
    outcome = TextAreaField(_l("Outcome"), validators=[DataRequired(), Length(max=MAX_TEXT)])
    course = SelectField(_l("Use as a training example in the course"), coerce=int)
