"""``flask lms demo`` seeds a year of KPIs with a real effect of the negativity course, and
customer ratings whose negatives partly wait for the first line's manager; once only."""

from __future__ import annotations

import statistics
from datetime import date

import sqlalchemy as sa
from flask import Flask

from lms.auth.models import User
from lms.courses.models import Course, Enrolment
from lms.evaluation import ratings
from lms.evaluation.demo import COURSE, MANAGER, seed_demo_kpis
from lms.evaluation.kpi import add_months
from lms.evaluation.models import KpiValue, Metric, RatingReview
from lms.extensions import db
from lms.models_base import utcnow


def change(code: str, people: set[int], pivot: date) -> float:
    """Mean of the three months from two months after ``pivot`` minus the three before."""
    metric = db.session.scalar(sa.select(Metric.id).where(Metric.code == code))
    rows = db.session.execute(
        sa.select(KpiValue.period, KpiValue.value).where(
            KpiValue.metric_id == metric, KpiValue.user_id.in_(people)
        )
    ).all()
    before = [v for p, v in rows if add_months(pivot, -3) <= p < pivot]
    after = [v for p, v in rows if add_months(pivot, 2) <= p <= add_months(pivot, 4)]
    return statistics.mean(after) - statistics.mean(before)


def test_the_demo_kpis_show_the_course_effect(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["lms", "demo"])
    assert result.exit_code == 0, result.output
    assert "Demo KPIs:" in result.output
    with app.test_request_context():
        assert db.session.scalar(sa.select(sa.func.count(KpiValue.id))) > 1000
        course = db.session.scalar(sa.select(Course).where(Course.slug == COURSE))
        finished = dict(
            db.session.execute(
                sa.select(Enrolment.user_id, Enrolment.completed_at).where(
                    Enrolment.course_id == course.id, Enrolment.completed_at.is_not(None)
                )
            ).all()
        )
        early = {u for u, at in finished.items() if (utcnow() - at).days > 120}
        assert len(early) >= 4
        line1 = set(
            db.session.scalars(
                sa.select(User.id).where(User.department.has(code="line1"),
                                         User.position.has(code="agent-l1"))
            )
        )  # fmt: skip
        control = line1 - set(finished)
        first = min(at for u, at in finished.items() if u in early).date()
        pivot = date(first.year, first.month, 1)
        assert change("dsat", early, pivot) < -1.5  # DSAT falls for the trained...
        assert abs(change("dsat", control, pivot)) < 0.7  # ...not for the control group
        assert change("csat", early, pivot) - change("csat", control, pivot) > 2
        manager = db.session.scalar(sa.select(User).where(User.email == MANAGER))
        assert ratings.open_count(db.session, manager) >= 2
        reviews = db.session.scalars(sa.select(RatingReview)).all()
        assert reviews and any(r.training_course_id == course.id for r in reviews)
        assert seed_demo_kpis(db.session, today=date.today(), now=utcnow()) is None
