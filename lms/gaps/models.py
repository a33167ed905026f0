"""Readers' answers to "Did this answer your question?"."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
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


class SearchLog(db.Model):
    """One search: what was asked, by whom, how many results, and which one was opened.

    The user is forgotten after ``LMS_SEARCH_LOG_DAYS``; the query stays for the gap report.
    """

    __tablename__ = "search_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    query: Mapped[str] = mapped_column(String(200))
    normalized: Mapped[str] = mapped_column(String(200), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    result_count: Mapped[int]
    opened_slug: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    def __repr__(self) -> str:
        return f"<SearchLog {self.normalized!r} {self.result_count}>"


class Question(db.Model):
    """An agent's question the knowledge base could not answer, and its answer.

    Answered with text, by pointing to an article, or by a new draft article written
    from the answer; the asker sees it on "my questions".
    """

    __tablename__ = "questions"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'answered', 'closed')", name="known_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    search_query: Mapped[str] = mapped_column(String(200), default="")
    asker_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    answer: Mapped[str] = mapped_column(Text, default="")
    article_id: Mapped[int | None] = mapped_column(ForeignKey("kb_articles.id"))
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the asker last looked at the answer; an answer newer than this is unread.
    seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<Question {self.id} {self.status}>"

    @property
    def has_unread_answer(self) -> bool:
        return self.answered_at is not None and (
            self.seen_at is None or self.seen_at < self.answered_at
        )


class GapResolution(db.Model):
    """A failing search marked resolved by the article that now answers it."""

    __tablename__ = "gap_resolutions"

    id: Mapped[int] = mapped_column(primary_key=True)
    normalized: Mapped[str] = mapped_column(String(200), unique=True)
    article_id: Mapped[int | None] = mapped_column(ForeignKey("kb_articles.id"))
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<GapResolution {self.normalized!r}>"
