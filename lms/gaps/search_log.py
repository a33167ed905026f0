"""The search log: every search, so editors learn where the knowledge base fails.

Searches typed letter by letter (live results) collapse into one row per question; the
user is forgotten after ``LMS_SEARCH_LOG_DAYS`` while the query stays for the gap report.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from lms.gaps.models import SearchLog
from lms.models_base import utcnow
from lms.search.analyzer import analyze

MAX_QUERY = 200
# Live results send the query as it grows; a refinement this soon replaces the last row.
TYPING_WINDOW = timedelta(seconds=30)


def normalize_query(text: str) -> str:
    """Stems in alphabetical order: inflections and word order group together."""
    return " ".join(sorted(set(analyze(text))))[:MAX_QUERY]


def log_search(
    session: Session, *, query: str, user: Any, result_count: int, now: datetime | None = None
) -> SearchLog:
    """Record a search, or update the user's previous one if this refines it while typing."""
    now = now or utcnow()
    query = " ".join(query.split())[:MAX_QUERY]
    row = _being_typed(session, user, query, now)
    if row is None:
        row = SearchLog(user_id=user.id, department_id=user.department_id)
        session.add(row)
    row.query, row.normalized = query, normalize_query(query)
    row.result_count, row.created_at = result_count, now
    session.flush()
    return row


def _being_typed(session: Session, user: Any, query: str, now: datetime) -> SearchLog | None:
    last = session.scalar(
        select(SearchLog)
        .where(SearchLog.user_id == user.id)
        .order_by(SearchLog.created_at.desc(), SearchLog.id.desc())
        .limit(1)
    )
    if last is None or last.opened_slug or now - last.created_at > TYPING_WINDOW:
        return None
    grew = query.startswith(last.query) or last.query.startswith(query)
    return last if grew else None


def record_opened(session: Session, log_id: int, user: Any, slug: str) -> bool:
    """Note which result the user opened from their own search."""
    row = session.get(SearchLog, log_id)
    if row is None or row.user_id != user.id:
        return False
    row.opened_slug = slug[:120]
    session.flush()
    return True


def forget_users(session: Session, *, days: int, now: datetime | None = None) -> int:
    """Drop who searched from rows older than ``days``; returns how many were changed."""
    cutoff = (now or utcnow()) - timedelta(days=days)
    result = session.execute(
        update(SearchLog)
        .where(SearchLog.created_at < cutoff, SearchLog.user_id.is_not(None))
        .values(user_id=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0
