"""Phillips evaluation benchmark: 2,000 agents x 12 months x 8 metrics (192,000 KPI values),
half of them trained between April and September, the other half the control group; the
evaluation computed from the database (every level) and its report page."""

from __future__ import annotations

import random
import resource
import time
from datetime import UTC, date, datetime
from pathlib import Path

from flask import Flask
from sqlalchemy import insert, select, update

from bench.common import report, signed_in, timed
from lms.auth.models import Position, User
from lms.courses.models import Course, Enrolment
from lms.evaluation import runner
from lms.evaluation.catalogue import load_metrics_dir
from lms.evaluation.library import definition_of, save_evaluation
from lms.evaluation.models import KpiValue, Metric
from lms.extensions import db

AGENTS, MONTHS, YEAR = 2_000, 12, 2025
SLUG = "bench-evaluation"


def populate(app: Flask) -> int:
    """The agents, their KPI values, the completions and the evaluation; returns the rows."""
    rng = random.Random(12)
    with app.test_request_context():
        load_metrics_dir(db.session, Path(app.root_path).parent / "content")
        metrics = list(db.session.scalars(select(Metric)))
        position = Position(code="bench-evaluation", name="Bench agent")
        course = Course(slug="bench-evaluation-course", title="Bench course", duration_minutes=90)
        db.session.add_all([position, course])
        db.session.flush()
        agents = list(
            db.session.scalars(
                select(User.id).where(User.email.like("bench%")).order_by(User.id).limit(AGENTS)
            )
        )
        db.session.execute(update(User).where(User.id.in_(agents)).values(position_id=position.id))
        trained = {user_id: date(YEAR, rng.randint(4, 9), rng.randint(1, 28))
                   for user_id in agents[::2]}  # fmt: skip
        db.session.execute(
            insert(Enrolment),
            [{"user_id": user_id, "course_id": course.id,
              "completed_at": datetime(day.year, day.month, day.day, 12, tzinfo=UTC)}
             for user_id, day in trained.items()],
        )  # fmt: skip
        rows = []
        for user_id in agents:
            done = trained.get(user_id)
            for month in range(1, MONTHS + 1):
                better = 1 if done and month > done.month else 0
                for metric in metrics:
                    sign = -1 if metric.direction == "lower" else 1
                    value = round(rng.uniform(40, 60) + sign * 3 * better, 2)
                    rows.append({"user_id": user_id, "metric_id": metric.id,
                                 "period": date(YEAR, month, 1), "value": value})  # fmt: skip
        for start in range(0, len(rows), 20_000):
            db.session.execute(insert(KpiValue), rows[start : start + 20_000])
        values = "\n".join(f"  {m.code}: {100 + n * 50}" for n, m in enumerate(metrics))
        save_evaluation(
            db.session,
            SLUG,
            f"title: Bench evaluation\ncourse: {course.slug}\ncompleted_from: {YEAR}-04-01\n"
            f"completed_to: {YEAR}-09-30\nbefore_months: 3\nafter_months: 3\n"
            f"control_group: true\nmetrics:\n{values}\ncosts:\n  development: 500000\n"
            "  delivery_per_participant: 3000\n  hourly_cost: 400\n  evaluation: 50000\n",
            actor=None,
            now=datetime.now(UTC),
        )
        db.session.commit()
        return len(rows)


def compute(app: Flask) -> float:
    """One evaluation from the database to the five levels, in ms."""
    with app.test_request_context():
        start = time.perf_counter()
        evaluation = runner.evaluation_with_target(db.session, SLUG)
        assert evaluation is not None
        result = runner.run(db.session, evaluation, definition_of(evaluation), locale="en")
        elapsed = (time.perf_counter() - start) * 1000
        db.session.rollback()
    assert result.participants == AGENTS // 2, result.participants
    return elapsed


def run(app: Flask) -> None:
    start = time.perf_counter()
    count = populate(app)
    print(f"Phillips evaluation: {AGENTS:,} agents x {MONTHS} months x 8 metrics = {count:,} "
          f"KPI values, written in {time.perf_counter() - start:.1f} s")  # fmt: skip
    report("evaluation computed from the database", [compute(app) for _ in range(7)])
    hr, _token = signed_in(app, "hr@example.com")
    report("evaluation report page", timed(lambda: hr.get(f"/evaluations/{SLUG}"), 5))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak memory (max RSS of the bench process): {peak:.0f} MB")
