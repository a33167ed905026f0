"""'Did this answer your question?': one verdict per reader per revision, changeable."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.errors import ServiceError
from lms.gaps.models import ArticleFeedback
from lms.i18n import _
from lms.models_base import utcnow

MAX_COMMENT = 1000


def record_feedback(
    session: Session,
    *,
    article_id: int,
    revision_id: int,
    user: User,
    helpful: bool,
    comment: str = "",
) -> ArticleFeedback:
    """Store or change the user's verdict on this revision of the article."""
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise ServiceError(
            _("The comment is longer than %(n)d characters.", n=MAX_COMMENT), field="comment"
        )
    feedback = my_feedback(session, revision_id=revision_id, user=user)
    if feedback is None:
        feedback = ArticleFeedback(
            article_id=article_id, revision_id=revision_id, user_id=user.id, helpful=helpful
        )
        session.add(feedback)
    feedback.helpful, feedback.comment, feedback.updated_at = helpful, comment, utcnow()
    session.flush()
    return feedback


def my_feedback(session: Session, *, revision_id: int, user: User) -> ArticleFeedback | None:
    return session.scalar(
        select(ArticleFeedback).where(
            ArticleFeedback.revision_id == revision_id, ArticleFeedback.user_id == user.id
        )
    )


@dataclass
class FeedbackCounts:
    yes: int
    no: int
    comments: list[ArticleFeedback]


def feedback_counts(
    session: Session, *, article_id: int, revision_id: int | None = None
) -> FeedbackCounts:
    """Yes/no counts for an article (or one revision) and the latest comments."""
    query = select(ArticleFeedback.helpful, func.count()).where(
        ArticleFeedback.article_id == article_id
    )
    if revision_id is not None:
        query = query.where(ArticleFeedback.revision_id == revision_id)
    counts = dict(session.execute(query.group_by(ArticleFeedback.helpful)).all())
    comments = list(
        session.scalars(
            select(ArticleFeedback)
            .where(ArticleFeedback.article_id == article_id, ArticleFeedback.comment != "")
            .order_by(ArticleFeedback.updated_at.desc())
            .limit(20)
        )
    )
    return FeedbackCounts(counts.get(True, 0), counts.get(False, 0), comments)
