"""Forms for writing and managing knowledge-base content."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from lms.admin.forms import CheckboxList
from lms.formtools import choice_list
from lms.i18n import _l

KIND_LABELS = {
    "article": _l("Article"),
    "script": _l("Call script"),
    "template": _l("Answer template"),
    "regulation": _l("Regulation"),
}


class ArticleForm(FlaskForm):
    title = StringField(
        _l("Title"), validators=[DataRequired(_l("Give the article a title.")), Length(max=200)]
    )
    slug = StringField(
        _l("Address (slug)"), validators=[DataRequired(_l("Give a slug.")), Length(max=120)]
    )
    kind = SelectField(_l("Kind"), choices=choice_list(KIND_LABELS.items()))
    category = SelectField(_l("Category"))
    tags = StringField(_l("Tags"), validators=[Length(max=500)])
    departments = CheckboxList(_l("Meant for departments"))
    skills = CheckboxList(_l("Linked skills"))
    owner = StringField(_l("Owner (e-mail)"), validators=[Length(max=254)])
    review_every_days = IntegerField(
        _l("Review every (days)"),
        default=90,
        validators=[
            DataRequired(_l("Give the review interval.")),
            NumberRange(1, 3650, _l("Between 1 and 3650 days.")),
        ],
    )
    lang = SelectField(_l("Language"), choices=choice_list([("ru", "Русский"), ("en", "English")]))
    translation_of = StringField(
        _l("Translation of (slug)"), validators=[Optional(), Length(max=120)]
    )
    body = TextAreaField(_l("Text (Markdown)"), validators=[Length(max=200_000)])
    comment = StringField(_l("What changed"), validators=[Length(max=500)])


class ReviewForm(FlaskForm):
    comment = TextAreaField(_l("Comment for the author"), validators=[Length(max=1000)])


class FeedbackForm(FlaskForm):
    helpful = RadioField(
        _l("Did this answer your question?"),
        choices=choice_list([("yes", _l("Yes")), ("no", _l("No"))]),
        validators=[DataRequired(_l("Choose yes or no."))],
    )
    comment = TextAreaField(_l("What was missing? (optional)"), validators=[Length(max=1000)])


class MustReadForm(FlaskForm):
    departments = CheckboxList(_l("Departments that must read it"), coerce=int)
    note = StringField(_l("What changed, in one line"), validators=[Length(max=500)])


class CategoryForm(FlaskForm):
    slug = StringField(_l("Slug"), validators=[DataRequired(_l("Give a slug.")), Length(max=80)])
    name = StringField(
        _l("Name (Russian)"),
        validators=[DataRequired(_l("Give the category a name.")), Length(max=200)],
    )
    name_en = StringField(_l("Name (English)"), validators=[Length(max=200)])
    parent = SelectField(_l("Parent category"))


class ImageForm(FlaskForm):
    image = FileField(_l("Image"), validators=[FileRequired(_l("Choose an image."))])
