"""Must-read changes: agents of chosen departments confirm "read and understood"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from lms.auth.models import Department, User
from lms.errors import ServiceError
from lms.i18n import _
from lms.kb.models import Article, MustRead, MustReadConfirmation, must_read_departments
from lms.kb.queries import can_read


def create_must_read(
    session: Session, article: Article, departments: list[Department], *, note: str, actor: User
) -> MustRead:
    """Ask the departments' people to confirm the article's live revision."""
    if article.live_revision is None or article.status != "published":
        raise ServiceError(_("Only a published article can be marked as must-read."))
    if not departments:
        raise ServiceError(_("Choose at least one department."), field="departments")
    readers = {d.id for d in article.departments}
    outside = [d.name for d in departments if readers and d.id not in readers]
    if outside:
        raise ServiceError(
            _(
                "%(departments)s cannot read this article; choose among the "
                "departments it is meant for.",
                departments=", ".join(outside),
            ),
            field="departments",
        )
    must_read = MustRead(
        article=article,
        revision=article.live_revision,
        departments=departments,
        note=note.strip()[:500],
        created_by=actor,
    )
    session.add(must_read)
    session.flush()
    return must_read


def pending_for(session: Session, user: User) -> list[MustRead]:
    """Must-reads for the user's department that they have not confirmed yet."""
    if user.department_id is None:
        return []
    confirmed = select(MustReadConfirmation.must_read_id).where(
        MustReadConfirmation.user_id == user.id
    )
    addressed = select(must_read_departments.c.must_read_id).where(
        must_read_departments.c.department_id == user.department_id
    )
    # Few must-reads exist at a time: pick them by id first, then check the articles.
    items = session.scalars(
        select(MustRead)
        .where(MustRead.id.in_(addressed), MustRead.id.not_in(confirmed))
        .options(selectinload(MustRead.article).selectinload(Article.departments))
        .order_by(MustRead.created_at.desc())
    )
    return [m for m in items if can_read(user, m.article)]


def confirm(
    session: Session, must_read: MustRead, user: User, *, now: datetime | None = None
) -> None:
    """Record that the user read and understood it (once; repeating changes nothing)."""
    if user.department_id not in {d.id for d in must_read.departments}:
        raise ServiceError(_("This change was not addressed to your department."))
    if session.get(MustReadConfirmation, (must_read.id, user.id)) is None:
        kwargs = {"confirmed_at": now} if now else {}
        session.add(MustReadConfirmation(must_read_id=must_read.id, user_id=user.id, **kwargs))
        session.flush()


@dataclass
class ReadStatus:
    user: User
    confirmed_at: datetime | None


def report(session: Session, must_read: MustRead) -> list[ReadStatus]:
    """Everyone active in the addressed departments, and whether they confirmed."""
    confirmations = dict(
        session.execute(
            select(MustReadConfirmation.user_id, MustReadConfirmation.confirmed_at).where(
                MustReadConfirmation.must_read_id == must_read.id
            )
        ).all()
    )
    people = session.scalars(
        select(User)
        .options(selectinload(User.department))
        .where(User.is_active, User.department_id.in_([d.id for d in must_read.departments]))
        .order_by(User.name)
    )
    return [ReadStatus(u, confirmations.get(u.id)) for u in people]


def for_article(session: Session, article: Article) -> list[MustRead]:
    return list(
        session.scalars(
            select(MustRead)
            .where(MustRead.article_id == article.id)
            .options(selectinload(MustRead.departments), selectinload(MustRead.revision))
            .order_by(MustRead.created_at.desc())
        )
    )


@dataclass
class MustReadSummary:
    item: MustRead
    confirmed: int
    addressed: int


def summaries(session: Session, *, limit: int = 100) -> list[MustReadSummary]:
    """The latest must-reads with how many of the addressed people confirmed."""
    items = list(
        session.scalars(
            select(MustRead)
            .options(selectinload(MustRead.article), selectinload(MustRead.departments))
            .order_by(MustRead.created_at.desc())
            .limit(limit)
        )
    )
    confirmed = dict(
        session.execute(
            select(MustReadConfirmation.must_read_id, func.count())
            .where(MustReadConfirmation.must_read_id.in_([m.id for m in items]))
            .group_by(MustReadConfirmation.must_read_id)
        ).all()
    )
    people = dict(
        session.execute(
            select(User.department_id, func.count())
            .where(User.is_active)
            .group_by(User.department_id)
        ).all()
    )
    return [
        MustReadSummary(m, confirmed.get(m.id, 0), sum(people.get(d.id, 0) for d in m.departments))
        for m in items
    ]
