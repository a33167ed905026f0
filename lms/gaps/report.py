"""The editors' gap report: where the knowledge base fails its readers.

Failing searches are grouped by their normalised query (sorted stems), so inflections and
word order count as one question. Each reader is a handful of grouped queries, whatever
the size of the log: the page costs the same with ten searches or a million.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session, selectinload

from lms.auth.models import Department, User
from lms.errors import ServiceError
from lms.gaps.models import ArticleFeedback, GapResolution, Question, SearchLog
from lms.i18n import _
from lms.kb.models import Article, ScriptRun
from lms.kb.scripts import parse_script
from lms.models_base import utcnow

TREND_WEEKS = 6
COMMENTS_PER_ARTICLE = 3


@dataclass
class FailingSearch:
    """One normalised query that readers keep asking without finding an answer."""

    normalized: str
    query: str
    total: int
    no_results: int
    not_opened: int
    last_seen: datetime
    reopened: bool = False
    departments: list[str] = field(default_factory=list)
    # Failing searches per ISO week, oldest first (see ``trend_weeks``).
    trend: list[int] = field(default_factory=list)

    @property
    def failing(self) -> int:
        return self.no_results + self.not_opened

    @property
    def status(self) -> str:
        return "reopened" if self.reopened else "open"


def week_start(moment: datetime) -> datetime:
    """Monday 00:00 of the ISO week ``moment`` falls in (same time zone)."""
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday())


def trend_weeks(now: datetime, weeks: int = TREND_WEEKS) -> list[datetime]:
    """The Mondays starting the last ``weeks`` ISO weeks, oldest first."""
    current = week_start(now)
    return [current - timedelta(weeks=back) for back in range(weeks - 1, -1, -1)]


def _is_failing() -> Any:
    return or_(SearchLog.result_count == 0, SearchLog.opened_slug.is_(None))


def _count(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def failing_searches(
    session: Session, *, since: datetime, now: datetime, limit: int = 50
) -> list[FailingSearch]:
    """Queries with no results or nothing opened since ``since``, most failing first.

    A query marked resolved is left out unless it failed again after the resolution; then
    it comes back as reopened.
    """
    in_window = and_(SearchLog.created_at >= since, SearchLog.created_at <= now)
    failing = _count(_is_failing())
    failed_since_resolved = _count(
        and_(_is_failing(), SearchLog.created_at > GapResolution.resolved_at)
    )
    rows = session.execute(
        select(
            SearchLog.normalized,
            func.count().label("total"),
            _count(SearchLog.result_count == 0).label("no_results"),
            _count(and_(SearchLog.result_count > 0, SearchLog.opened_slug.is_(None))).label(
                "not_opened"
            ),
            func.max(SearchLog.created_at).label("last_seen"),
            GapResolution.id.label("resolution_id"),
        )
        .outerjoin(GapResolution, GapResolution.normalized == SearchLog.normalized)
        .where(in_window, SearchLog.normalized != "")
        .group_by(SearchLog.normalized, GapResolution.id, GapResolution.resolved_at)
        .having(failing > 0)
        .having(or_(GapResolution.id.is_(None), failed_since_resolved > 0))
        .order_by(failing.desc(), func.max(SearchLog.created_at).desc(), SearchLog.normalized)
        .limit(limit)
    ).all()
    found = {
        row.normalized: FailingSearch(
            normalized=row.normalized,
            query="",
            total=row.total,
            no_results=row.no_results,
            not_opened=row.not_opened,
            last_seen=row.last_seen,
            reopened=row.resolution_id is not None,
        )
        for row in rows
    }
    if found:
        _add_examples(session, found, in_window)
        _add_departments(session, found, in_window)
        _add_trend(session, found, now)
    return list(found.values())


def _add_examples(session: Session, found: dict[str, FailingSearch], in_window: Any) -> None:
    """The most recent wording of each query, from one windowed query."""
    newest = (
        select(
            SearchLog.normalized,
            SearchLog.query,
            func.row_number()
            .over(
                partition_by=SearchLog.normalized,
                order_by=(SearchLog.created_at.desc(), SearchLog.id.desc()),
            )
            .label("rank"),
        )
        .where(in_window, SearchLog.normalized.in_(list(found)))
        .subquery()
    )
    for normalized, query in session.execute(
        select(newest.c.normalized, newest.c.query).where(newest.c.rank == 1)
    ):
        found[normalized].query = query


def _add_departments(session: Session, found: dict[str, FailingSearch], in_window: Any) -> None:
    rows = session.execute(
        select(SearchLog.normalized, Department.name)
        .join(Department, Department.id == SearchLog.department_id)
        .where(in_window, SearchLog.normalized.in_(list(found)), _is_failing())
        .distinct()
        .order_by(Department.name)
    )
    for normalized, name in rows:
        found[normalized].departments.append(name)


def _add_trend(session: Session, found: dict[str, FailingSearch], now: datetime) -> None:
    """Failing searches per ISO week: the week is a CASE over the Mondays, in one query."""
    mondays = trend_weeks(now)
    week = case(
        *[(SearchLog.created_at >= monday, i) for i, monday in reversed(list(enumerate(mondays)))],
        else_=-1,
    )
    # Grouped outside a subquery: PostgreSQL will not match a CASE with bound parameters
    # in GROUP BY to the same CASE in the select list.
    weekly = (
        select(SearchLog.normalized, week.label("week"))
        .where(
            SearchLog.normalized.in_(list(found)),
            SearchLog.created_at >= mondays[0],
            SearchLog.created_at <= now,
            _is_failing(),
        )
        .subquery()
    )
    counts = {
        (normalized, index): n
        for normalized, index, n in session.execute(
            select(weekly.c.normalized, weekly.c.week, func.count()).group_by(
                weekly.c.normalized, weekly.c.week
            )
        )
    }
    for gap in found.values():
        gap.trend = [counts.get((gap.normalized, i), 0) for i in range(len(mondays))]


@dataclass
class UnhelpfulArticle:
    article: Article
    no: int
    yes: int
    comments: list[str] = field(default_factory=list)


def unhelpful_articles(session: Session, limit: int = 20) -> list[UnhelpfulArticle]:
    """Articles whose live revision got the most "did not answer" votes, with comments.

    Votes on older revisions are left out: a rewrite starts the count again.
    """
    no = _count(ArticleFeedback.helpful.is_(False))
    rows = session.execute(
        select(Article, no.label("no"), _count(ArticleFeedback.helpful.is_(True)).label("yes"))
        .join(ArticleFeedback, ArticleFeedback.revision_id == Article.live_revision_id)
        .group_by(Article.id)
        .having(no > 0)
        .order_by(no.desc(), Article.title)
        .limit(limit)
    ).all()
    found = {row.Article.id: UnhelpfulArticle(row.Article, row.no, row.yes) for row in rows}
    if found:
        _add_comments(session, found)
    return list(found.values())


def _add_comments(session: Session, found: dict[int, UnhelpfulArticle]) -> None:
    latest = (
        select(
            ArticleFeedback.article_id,
            ArticleFeedback.comment,
            func.row_number()
            .over(
                partition_by=ArticleFeedback.article_id,
                order_by=(ArticleFeedback.updated_at.desc(), ArticleFeedback.id.desc()),
            )
            .label("rank"),
        )
        .join(Article, Article.live_revision_id == ArticleFeedback.revision_id)
        .where(
            ArticleFeedback.article_id.in_(list(found)),
            ArticleFeedback.helpful.is_(False),
            ArticleFeedback.comment != "",
        )
        .subquery()
    )
    for article_id, comment in session.execute(
        select(latest.c.article_id, latest.c.comment)
        .where(latest.c.rank <= COMMENTS_PER_ARTICLE)
        .order_by(latest.c.article_id, latest.c.rank)
    ):
        found[article_id].comments.append(comment)


@dataclass
class OpenQuestion:
    question: Question
    asker: str
    department: str
    age_days: int


def open_questions(session: Session, *, now: datetime | None = None) -> list[OpenQuestion]:
    """Questions nobody has answered yet, oldest first."""
    now = now or utcnow()
    rows = session.execute(
        select(Question, User.name, Department.name)
        .outerjoin(User, User.id == Question.asker_id)
        .outerjoin(Department, Department.id == Question.department_id)
        .where(Question.status == "open")
        .order_by(Question.created_at, Question.id)
    ).all()
    return [
        OpenQuestion(q, asker or "", department or "", (now - q.created_at).days)
        for q, asker, department in rows
    ]


def overdue_articles(session: Session, now: datetime) -> list[Article]:
    """Published content never verified or past its review date, most overdue first."""
    return list(
        session.scalars(
            select(Article)
            .options(selectinload(Article.owner))
            .where(Article.status == "published")
            .where(or_(Article.review_due_at.is_(None), Article.review_due_at <= now))
            .order_by(Article.review_due_at.is_not(None), Article.review_due_at, Article.title)
        )
    )


@dataclass
class AbandonedStep:
    article: Article
    step_id: str
    title: str
    reached: int
    abandoned: int

    @property
    def share(self) -> int:
        """Percent of the runs that reached this step and were left there."""
        return round(100 * self.abandoned / self.reached) if self.reached else 0


def abandoned_steps(session: Session, limit: int = 20) -> list[AbandonedStep]:
    """Script steps where unfinished runs stopped, the most abandoned first.

    Paths are JSON, so the last step is taken in Python from the runs' columns only.
    """
    reached: Counter[tuple[int, str]] = Counter()
    dropped: Counter[tuple[int, str]] = Counter()
    for article_id, path, status in session.execute(
        select(ScriptRun.article_id, ScriptRun.path, ScriptRun.status)
    ):
        reached.update((article_id, step) for step in set(path or ()))
        if status != "finished" and path:
            dropped[(article_id, path[-1])] += 1
    top = dropped.most_common(limit)
    if not top:
        return []
    articles = {
        a.id: a
        for a in session.scalars(
            select(Article)
            .where(Article.id.in_({key[0] for key, _n in top}))
            .options(selectinload(Article.live_revision))
        )
    }
    titles = {aid: _step_titles(a) for aid, a in articles.items()}
    return [
        AbandonedStep(articles[aid], step, titles[aid].get(step, step), reached[(aid, step)], n)
        for (aid, step), n in top
        if aid in articles
    ]


def _step_titles(article: Article) -> dict[str, str]:
    if article.live_revision is None:
        return {}
    return {sid: step.title for sid, step in parse_script(article.live_revision.body).steps.items()}


def article_for_gap(session: Session, slug: str) -> Article:
    """The article an editor names as the answer; raises naming the ``slug`` field."""
    slug = (slug or "").strip()
    if not slug:
        raise ServiceError(_("Enter the slug of the article that answers it."), field="slug")
    article = session.scalar(select(Article).where(Article.slug == slug))
    if article is None:
        raise ServiceError(
            _("There is no article with the slug “%(slug)s”.", slug=slug), field="slug"
        )
    return article


def resolve_gap(session: Session, normalized: str, article: Article, user: Any) -> GapResolution:
    """Mark a failing query answered by ``article``; marking it again moves the date on."""
    normalized = (normalized or "").strip()
    if not normalized:
        raise ServiceError(_("Choose which search to mark as resolved."), field="normalized")
    resolution = session.scalar(
        select(GapResolution).where(GapResolution.normalized == normalized)
    ) or GapResolution(normalized=normalized)
    session.add(resolution)
    resolution.article_id, resolution.resolved_by_id = article.id, user.id
    resolution.resolved_at = utcnow()
    session.flush()
    return resolution


def resolutions(session: Session, limit: int = 20) -> list[tuple[GapResolution, Article | None]]:
    """Recently resolved queries with the article that answers them."""
    return [
        (resolution, article)
        for resolution, article in session.execute(
            select(GapResolution, Article)
            .outerjoin(Article, Article.id == GapResolution.article_id)
            .order_by(GapResolution.resolved_at.desc())
            .limit(limit)
        )
    ]
