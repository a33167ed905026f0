"""Customer ratings: the import, the manager's open items and the review of a rating.

A rating is negative when its quality or its speed is 2 or less (a customer unhappy with
either is unhappy). A negative rating without a review is an open item of the agent's
manager: it is listed on their home page and on the ratings page until they record what
happened, whether the customer was contacted and the outcome; the case may be attached to
a course as a training example. HR sees every rating (also of people without a manager).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from lms.auth.models import User
from lms.courses.models import Course
from lms.errors import ServiceError
from lms.evaluation.access import sees_everyone
from lms.evaluation.models import NEGATIVE_AT_MOST, CustomerRating, RatingReview
from lms.i18n import _

STATES = ("open", "reviewed", "all")
LIST_LIMIT = 200
MAX_TEXT = 4000


def is_negative() -> ColumnElement[bool]:
    """The SQL condition of a negative rating."""
    return or_(CustomerRating.quality <= NEGATIVE_AT_MOST, CustomerRating.speed <= NEGATIVE_AT_MOST)


def _negatives(actor: User, state: str) -> Select[Any]:
    query = select(CustomerRating).join(User, User.id == CustomerRating.user_id)
    query = query.outerjoin(RatingReview, RatingReview.rating_id == CustomerRating.id)
    query = query.where(is_negative())
    if not sees_everyone(actor):
        query = query.where(User.manager_id == actor.id)
    if state == "open":
        query = query.where(RatingReview.id.is_(None))
    elif state == "reviewed":
        query = query.where(RatingReview.id.is_not(None))
    return query


def open_count(session: Session, manager: User) -> int:
    """Negative ratings of ``manager``'s reports still waiting for a review."""
    query = (
        select(func.count(CustomerRating.id))
        .join(User, User.id == CustomerRating.user_id)
        .outerjoin(RatingReview, RatingReview.rating_id == CustomerRating.id)
        .where(User.manager_id == manager.id, RatingReview.id.is_(None), is_negative())
    )
    return session.scalar(query) or 0


@dataclass
class RatingList:
    ratings: list[CustomerRating]
    total: int


def negative_ratings(
    session: Session, actor: User, *, state: str = "open", limit: int = LIST_LIMIT
) -> RatingList:
    """Negative ratings ``actor`` reviews (their reports'; HR: everyone's), newest first."""
    query = _negatives(actor, state if state in STATES else "open")
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.options(
            joinedload(CustomerRating.user).selectinload(User.department),
            joinedload(CustomerRating.user).selectinload(User.manager),
            selectinload(CustomerRating.review).selectinload(RatingReview.training_course),
            selectinload(CustomerRating.review).selectinload(RatingReview.reviewer),
        )
        .order_by(CustomerRating.rated_at.desc(), CustomerRating.id.desc())
        .limit(limit)
    )
    return RatingList(list(rows.unique()), total)


def person_ratings(session: Session, person: User, *, limit: int = 50) -> list[CustomerRating]:
    """A person's latest ratings, for their KPI page."""
    return list(
        session.scalars(
            select(CustomerRating)
            .where(CustomerRating.user_id == person.id)
            .options(selectinload(CustomerRating.review))
            .order_by(CustomerRating.rated_at.desc())
            .limit(limit)
        )
    )


def _clean(text: str, field: str, *, required: bool) -> str:
    text = (text or "").strip()
    if required and not text:
        raise ServiceError(_("This field is required."), field=field)
    if len(text) > MAX_TEXT:
        raise ServiceError(_("At most %(n)d characters.", n=MAX_TEXT), field=field)
    return text


def record_review(
    session: Session,
    rating: CustomerRating,
    reviewer: User,
    *,
    what_happened: str,
    customer_contacted: bool,
    outcome: str,
    course: Course | None,
    now: datetime,
) -> RatingReview:
    """Record (or correct) the review of a rating; the caller has checked ``can_review``."""
    what_happened = _clean(what_happened, "what_happened", required=True)
    outcome = _clean(outcome, "outcome", required=True)
    review = rating.review or RatingReview(rating=rating)
    review.reviewer = reviewer
    review.what_happened, review.outcome = what_happened, outcome
    review.is_customer_contacted = bool(customer_contacted)
    review.training_course = course
    review.reviewed_at = now
    session.add(review)
    session.flush()
    return review


def training_examples(session: Session, course: Course) -> list[RatingReview]:
    """Reviewed cases attached to ``course`` as training examples, newest first."""
    return list(
        session.scalars(
            select(RatingReview)
            .where(RatingReview.training_course_id == course.id)
            .options(joinedload(RatingReview.rating))
            .order_by(RatingReview.reviewed_at.desc())
        )
    )
