"""Who sees whose KPIs and customer ratings (object checks beside ``lms.auth.access``).

- A person sees their own KPIs; a current mentor their mentees'; a manager their reports'
  (``User.manager_id``); HR and administrators everyone's.
- A manager reviews their reports' ratings; HR and administrators see and review all.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.auth.services import current_mentees, is_current_mentor
from lms.evaluation.models import CustomerRating


def sees_everyone(actor: User) -> bool:
    return actor.has_role("hr", "admin")


def is_manager(session: Session, actor: User) -> bool:
    """Someone is active with ``actor`` as their manager."""
    return bool(session.scalar(select(exists().where(User.manager_id == actor.id, User.is_active))))


def report_ids(session: Session, manager: User) -> set[int]:
    return set(
        session.scalars(select(User.id).where(User.manager_id == manager.id, User.is_active))
    )


def can_view_kpis(session: Session, actor: User, person: User, *, today: date) -> bool:
    if actor.id == person.id or sees_everyone(actor) or person.manager_id == actor.id:
        return True
    return actor.has_role("mentor") and is_current_mentor(session, actor, person, today=today)


def kpi_scope(session: Session, actor: User, *, today: date) -> set[int] | None:
    """Whose KPIs ``actor`` oversees: None for everyone (HR), else mentees and reports."""
    if sees_everyone(actor):
        return None
    people = report_ids(session, actor)
    if actor.has_role("mentor"):
        people |= {m.id for m in current_mentees(session, actor, today=today)}
    return people


def can_see_overview(session: Session, actor: User) -> bool:
    """The team overview is for HR, mentors and managers."""
    return sees_everyone(actor) or actor.has_role("mentor") or is_manager(session, actor)


def can_see_ratings(session: Session, actor: User) -> bool:
    """The ratings list is for HR and for managers."""
    return sees_everyone(actor) or is_manager(session, actor)


def can_review(actor: User, rating: CustomerRating) -> bool:
    return sees_everyone(actor) or rating.user.manager_id == actor.id
