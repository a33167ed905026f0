"""Forms for asking the knowledge-base team a question and answering it."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from lms.gaps.questions import MAX_ANSWER, MAX_QUERY, MAX_TEXT
from lms.i18n import _l


class AskForm(FlaskForm):
    text = TextAreaField(
        _l("Your question"),
        validators=[DataRequired(_l("Write your question.")), Length(max=MAX_TEXT)],
    )
    search_query = HiddenField(validators=[Length(max=MAX_QUERY)])


class AnswerForm(FlaskForm):
    text = TextAreaField(_l("Answer"), validators=[Length(max=MAX_ANSWER)])
    article = StringField(
        _l("Article that answers it (slug, optional)"), validators=[Length(max=120)]
    )


class DraftForm(FlaskForm):
    title = StringField(
        _l("Title"), validators=[DataRequired(_l("Give the article a title.")), Length(max=200)]
    )
    slug = StringField(
        _l("Address (slug)"), validators=[DataRequired(_l("Give a slug.")), Length(max=120)]
    )
    category = SelectField(_l("Category"))
