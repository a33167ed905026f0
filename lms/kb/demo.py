"""Demo touches on the shipped knowledge base: who verified what, a must-read, a review.

Applied after the demo files are synced, and only where nothing exists yet, so running
the demo again never overwrites what people did in the app.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.auth.models import Department, User
from lms.kb import mustread, services
from lms.kb.models import Article, ArticleRevision, MustRead

MUST_READ_SLUG = "kpi-rules"
REVIEW_SLUG = "cancel-order"
REVIEW_ADDITION = (
    "\n\n## Если клиент передумал во время разговора\n\n"
    "Не оформляйте отмену, пока клиент не подтвердил её ещё раз своими словами. "
    "Уточните, какой именно заказ он отменяет, если их несколько.\n"
)


def spread(slug: str, limit: int) -> int:
    """A stable pseudo-random number 0..limit-1 for a slug (same on every run)."""
    return int(hashlib.sha256(slug.encode()).hexdigest()[:8], 16) % limit


def verify_demo_articles(session: Session, *, now: datetime) -> int:
    """Articles nobody verified get verified by their owner some days ago.

    About one in six is verified longer ago than its interval, so the review queue and the
    "needs review" notice have something to show.
    """
    count = 0
    for article in session.scalars(
        select(Article).where(Article.verified_at.is_(None), Article.owner_id.is_not(None))
    ):
        overdue = spread(article.slug, 6) == 0
        days = article.review_every_days + 5 if overdue else spread(article.slug, 20)
        services.verify(article, article.owner, now=now - timedelta(days=days))
        count += 1
    session.flush()
    return count


def demo_must_read(session: Session) -> MustRead | None:
    """The KPI rules as a must-read for both support lines, once."""
    article = session.scalar(select(Article).where(Article.slug == MUST_READ_SLUG))
    editor = session.scalar(select(User).where(User.email == "editor@example.com"))
    if article is None or editor is None or article.live_revision is None:
        return None
    if session.scalar(select(MustRead.id).where(MustRead.article_id == article.id)):
        return None
    lines = list(session.scalars(select(Department).where(Department.code.in_(("line1", "line2")))))
    readers = [d for d in lines if not article.departments or d in article.departments]
    if not readers:
        return None
    return mustread.create_must_read(
        session,
        article,
        readers,
        actor=editor,
        note="Обновлены веса показателей и порог для премии: прочитайте до конца недели.",
    )


def demo_pending_review(session: Session) -> ArticleRevision | None:
    """A mentor's addition waiting for an editor, once."""
    article = session.scalar(select(Article).where(Article.slug == REVIEW_SLUG))
    mentor = session.scalar(select(User).where(User.email == "mentor@example.com"))
    if article is None or mentor is None or article.live_revision is None:
        return None
    if session.scalar(
        select(ArticleRevision.id).where(
            ArticleRevision.article_id == article.id, ArticleRevision.source == "editor"
        )
    ):
        return None
    data = services.ArticleData.from_revision(article, article.live_revision)
    data.body = data.body.rstrip() + REVIEW_ADDITION
    return services.save_revision(
        session,
        data,
        author=mentor,
        action="submit",
        article=article,
        comment="Добавил, что делать, если клиент передумал прямо во время звонка.",
    )
