"""Readers' answers to "Did this answer your question?"."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import db
from lms.models_base import UTCDateTime, utcnow


class ArticleFeedback(db.Model):
    """One reader's verdict on one revision of an article; they may change it."""

    __tablename__ = "article_feedback"
    __table_args__ = (UniqueConstraint("user_id", "revision_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id"), index=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("kb_revisions.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    helpful: Mapped[bool]
    comment: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<ArticleFeedback {self.article_id} {'yes' if self.helpful else 'no'}>"
