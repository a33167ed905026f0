"""Knowledge-base content: categories, articles and their revisions, must-read changes,
call-script runs and uploaded images."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import Department, User
from lms.extensions import db
from lms.models_base import UTCDateTime, utcnow
from lms.skills.models import Skill

KINDS = ("article", "script", "template", "regulation")
STATUSES = ("draft", "published", "archived")
# draft: saved, not live; pending: waiting for an editor; published: went live at some
# point (the live one is Article.live_revision); rejected: sent back with a comment.
REVISION_STATES = ("draft", "pending", "published", "rejected")
SOURCES = ("editor", "file")


class Category(db.Model):
    __tablename__ = "kb_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("kb_categories.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)

    parent: Mapped[Category | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Category]] = relationship(
        back_populates="parent", order_by="Category.position"
    )

    def __repr__(self) -> str:
        return f"<Category {self.slug}>"

    def label(self, locale: str) -> str:
        return self.name_en if locale == "en" and self.name_en else self.name


class ArticleTag(db.Model):
    __tablename__ = "kb_article_tags"

    article_id: Mapped[int] = mapped_column(
        ForeignKey("kb_articles.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(50), primary_key=True, index=True)

    def __repr__(self) -> str:
        return f"<ArticleTag {self.article_id}:{self.tag}>"


article_departments = db.Table(
    "kb_article_departments",
    db.Column("article_id", ForeignKey("kb_articles.id", ondelete="CASCADE"), primary_key=True),
    db.Column("department_id", ForeignKey("departments.id"), primary_key=True, index=True),
)
article_skills = db.Table(
    "kb_article_skills",
    db.Column("article_id", ForeignKey("kb_articles.id", ondelete="CASCADE"), primary_key=True),
    db.Column("skill_id", ForeignKey("skills.id"), primary_key=True),
)


class Article(db.Model):
    """A piece of content; what readers see is its live revision, copied onto the row."""

    __tablename__ = "kb_articles"
    __table_args__ = (
        CheckConstraint(f"kind IN {KINDS!r}", name="known_kind"),
        CheckConstraint(f"status IN {STATUSES!r}", name="known_status"),
        Index("ix_kb_articles_status_updated", "status", "updated_at"),
        Index("ix_kb_articles_category_updated", "category_id", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default="article")
    title: Mapped[str] = mapped_column(String(200))
    category_id: Mapped[int] = mapped_column(ForeignKey("kb_categories.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    lang: Mapped[str] = mapped_column(String(5), default="ru")
    # True when no department is chosen: kept beside the departments so the visibility
    # check on every list is a column test, not a NOT EXISTS per row.
    for_everyone: Mapped[bool] = mapped_column(default=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    review_every_days: Mapped[int] = mapped_column(default=90)
    live_revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("kb_revisions.id", use_alter=True, name="fk_kb_articles_live_revision")
    )
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # verified_at + review_every_days, kept in step so the review queue is one indexed query.
    review_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    translation_of_id: Mapped[int | None] = mapped_column(ForeignKey("kb_articles.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The file this article was last imported from: its hash and the revision it made.
    file_hash: Mapped[str | None] = mapped_column(String(64))
    file_revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("kb_revisions.id", use_alter=True, name="fk_kb_articles_file_revision")
    )

    category: Mapped[Category] = relationship()
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    verified_by: Mapped[User | None] = relationship(foreign_keys=[verified_by_id])
    live_revision: Mapped[ArticleRevision | None] = relationship(
        foreign_keys=[live_revision_id], post_update=True
    )
    translation_of: Mapped[Article | None] = relationship(remote_side=[id])
    tag_rows: Mapped[list[ArticleTag]] = relationship(
        cascade="all, delete-orphan", order_by=ArticleTag.tag
    )
    departments: Mapped[list[Department]] = relationship(
        secondary=article_departments, order_by=Department.name
    )
    skills: Mapped[list[Skill]] = relationship(secondary=article_skills, order_by=Skill.code)

    def __repr__(self) -> str:
        return f"<Article {self.slug}>"

    @property
    def tags(self) -> list[str]:
        return [row.tag for row in self.tag_rows]

    def schedule_review(self) -> None:
        """Recompute when the next review is due (after verifying or a new interval)."""
        self.review_due_at = (
            self.verified_at + timedelta(days=self.review_every_days) if self.verified_at else None
        )

    def needs_review(self, now: datetime) -> bool:
        """Never verified, or verified longer ago than its review interval."""
        return self.review_due_at is None or self.review_due_at <= now


class ArticleRevision(db.Model):
    """One saved state of an article: a full snapshot, never changed once written."""

    __tablename__ = "kb_revisions"
    __table_args__ = (
        UniqueConstraint("article_id", "number"),
        CheckConstraint(f"state IN {REVISION_STATES!r}", name="known_state"),
        CheckConstraint(f"source IN {SOURCES!r}", name="known_source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # kind, category, tags, departments, skills, owner, review_every_days, lang, status,
    # translation_of: plain values (slugs, codes, e-mails) as the file format has them.
    meta: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(10), default="editor")
    comment: Mapped[str] = mapped_column(String(500), default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_comment: Mapped[str] = mapped_column(String(1000), default="")
    restored_from: Mapped[int | None]

    article: Mapped[Article] = relationship(foreign_keys=[article_id])
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])

    def __repr__(self) -> str:
        return f"<ArticleRevision {self.article_id}#{self.number} {self.state}>"


must_read_departments = db.Table(
    "kb_must_read_departments",
    db.Column("must_read_id", ForeignKey("kb_must_reads.id", ondelete="CASCADE"), primary_key=True),
    db.Column("department_id", ForeignKey("departments.id"), primary_key=True),
)


class MustRead(db.Model):
    """A published change that agents of some departments must confirm they have read."""

    __tablename__ = "kb_must_reads"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id"), index=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("kb_revisions.id"))
    note: Mapped[str] = mapped_column(String(500), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    article: Mapped[Article] = relationship()
    revision: Mapped[ArticleRevision] = relationship()
    created_by: Mapped[User | None] = relationship()
    departments: Mapped[list[Department]] = relationship(
        secondary=must_read_departments, order_by=Department.name
    )

    def __repr__(self) -> str:
        return f"<MustRead {self.article_id} rev {self.revision_id}>"


class MustReadConfirmation(db.Model):
    __tablename__ = "kb_must_read_confirmations"

    must_read_id: Mapped[int] = mapped_column(
        ForeignKey("kb_must_reads.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<MustReadConfirmation {self.must_read_id}:{self.user_id}>"


class ScriptRun(db.Model):
    """One agent's pass through a call script: the steps taken and how it ended."""

    __tablename__ = "kb_script_runs"
    __table_args__ = (
        CheckConstraint("status IN ('running', 'finished', 'abandoned')", name="known_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id"), index=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("kb_revisions.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    path: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default="running")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<ScriptRun {self.id} {self.status}>"

    @property
    def last_step(self) -> str | None:
        return self.path[-1] if self.path else None


class KbImage(db.Model):
    """An image uploaded for articles, stored on disk under the instance folder."""

    __tablename__ = "kb_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    stored_name: Mapped[str] = mapped_column(String(100), unique=True)
    original_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(50))
    size: Mapped[int]
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<KbImage {self.stored_name}>"
