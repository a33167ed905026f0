"""KPI data: the metrics catalogue with a target per department, monthly values per agent,
customer ratings of answers and the manager's review of a negative one.

Keys, decided here:
- ``KpiValue``: one value per (person, period, metric); ``period`` is the first day of
  its month. Importing the same key again replaces the value.
- ``CustomerRating``: one rating per (ticket, person): the customer rates an agent's answer
  on a ticket once; a re-import of the same ticket and person updates it in place and keeps
  its review. The ticket is required for that reason.
- A rating is *negative* when its quality or its speed is 2 or less (``NEGATIVE_AT_MOST``).
  A negative rating without a review is an open item of the agent's manager: that is the
  in-app notification (see ``lms.evaluation.ratings``).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import Department, User
from lms.courses.models import Course
from lms.extensions import db
from lms.models_base import UTCDateTime, utcnow

DIRECTIONS = ("higher", "lower")
CHANNELS = ("phone", "chat", "email", "messenger", "helpdesk")
NEGATIVE_AT_MOST = 2  # quality or speed at or below this makes a rating negative


class Metric(db.Model):
    """A KPI: higher is better (CSAT %) or lower is better (first response time)."""

    __tablename__ = "kpi_metrics"
    __table_args__ = (CheckConstraint(f"direction IN {DIRECTIONS!r}", name="known_direction"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_ru: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(20), default="")
    direction: Mapped[str] = mapped_column(String(6))
    position: Mapped[int] = mapped_column(default=0)

    targets: Mapped[list[MetricTarget]] = relationship(
        back_populates="metric", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Metric {self.code}>"

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_ru

    @property
    def lower_is_better(self) -> bool:
        return self.direction == "lower"


class MetricTarget(db.Model):
    """The target of a metric in one department."""

    __tablename__ = "kpi_targets"
    __table_args__ = (
        UniqueConstraint("metric_id", "department_id", name="uq_kpi_targets_metric_department"),
        CheckConstraint("target > 0", name="positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    metric_id: Mapped[int] = mapped_column(ForeignKey("kpi_metrics.id", ondelete="CASCADE"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    target: Mapped[float] = mapped_column(Float)

    metric: Mapped[Metric] = relationship(back_populates="targets")
    department: Mapped[Department] = relationship()

    def __repr__(self) -> str:
        return f"<MetricTarget {self.metric_id}@{self.department_id}={self.target}>"


class KpiValue(db.Model):
    """A person's value of a metric for a month (``period`` is the month's first day)."""

    __tablename__ = "kpi_values"
    __table_args__ = (
        # Serves a person's months (user, period range) and the import's key lookups.
        UniqueConstraint("user_id", "period", "metric_id", name="uq_kpi_values_user_period_metric"),
        # Serves "every value of a metric in these months" (team overviews, evaluation).
        # Covering: an evaluation reads 200,000 values by metric and period from the index
        # alone (on SQLite 0.15 s instead of 0.65 s of lookups into the table).
        Index("ix_kpi_values_metric_period", "metric_id", "period", "user_id", "value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    metric_id: Mapped[int] = mapped_column(ForeignKey("kpi_metrics.id"))
    period: Mapped[date]
    value: Mapped[float] = mapped_column(Float)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    metric: Mapped[Metric] = relationship()

    def __repr__(self) -> str:
        return f"<KpiValue {self.user_id}:{self.metric_id}:{self.period:%Y-%m}={self.value}>"


class CustomerRating(db.Model):
    """A customer's rating of an agent's answer: quality and speed, 1-5 each."""

    __tablename__ = "customer_ratings"
    __table_args__ = (
        UniqueConstraint("ticket", "user_id", name="uq_customer_ratings_ticket_user"),
        CheckConstraint("quality BETWEEN 1 AND 5", name="quality_1_5"),
        CheckConstraint("speed BETWEEN 1 AND 5", name="speed_1_5"),
        CheckConstraint(f"channel IN {CHANNELS!r}", name="known_channel"),
        Index("ix_customer_ratings_user_rated", "user_id", "rated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    rated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    channel: Mapped[str] = mapped_column(String(12))
    quality: Mapped[int]
    speed: Mapped[int]
    ticket: Mapped[str] = mapped_column(String(100))
    comment: Mapped[str] = mapped_column(Text, default="")
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()
    review: Mapped[RatingReview | None] = relationship(back_populates="rating")

    def __repr__(self) -> str:
        return f"<CustomerRating {self.ticket} of {self.user_id}: {self.quality}/{self.speed}>"

    @property
    def is_negative(self) -> bool:
        return min(self.quality, self.speed) <= NEGATIVE_AT_MOST


class RatingReview(db.Model):
    """What the manager found about a rating, whether they contacted the customer, the
    outcome, and optionally the course that uses the case as a training example."""

    __tablename__ = "rating_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    rating_id: Mapped[int] = mapped_column(
        ForeignKey("customer_ratings.id", ondelete="CASCADE"), unique=True
    )
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    what_happened: Mapped[str] = mapped_column(Text)
    is_customer_contacted: Mapped[bool] = mapped_column(default=False)
    outcome: Mapped[str] = mapped_column(Text, default="")
    training_course_id: Mapped[int | None] = mapped_column(
        ForeignKey("courses.id", ondelete="SET NULL"), index=True
    )
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    rating: Mapped[CustomerRating] = relationship(back_populates="review")
    reviewer: Mapped[User] = relationship()
    training_course: Mapped[Course | None] = relationship()

    def __repr__(self) -> str:
        return f"<RatingReview of {self.rating_id} by {self.reviewer_id}>"
