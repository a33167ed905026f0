"""Learning benchmark: "My learning" and HR's completion report with 2,000 people x 30
courses (60,000 assignments, half of them started, a third completed, some overdue)."""

from __future__ import annotations

import random
import time
from datetime import UTC, date, datetime, timedelta

from flask import Flask
from sqlalchemy import insert, select

from bench.common import report, signed_in, timed
from lms.auth.models import User
from lms.courses.models import Assignment, Course, Enrolment, Lesson
from lms.extensions import db

COURSES = 30


def populate(app: Flask) -> int:
    """30 courses of 5 lessons; every active user gets each course assigned; returns the
    number of assignments written."""
    rng = random.Random(6)
    now = datetime.now(UTC)
    today = date.today()
    with app.app_context():
        courses = []
        for n in range(COURSES):
            course = Course(slug=f"bench-course-{n}", title=f"Курс для замера {n:02d}", summary="")
            course.lessons = [
                Lesson(slug=f"l{k}", title=f"Урок {k}", body="Текст", position=k) for k in range(5)
            ]
            courses.append(course)
        db.session.add_all(courses)
        db.session.flush()
        user_ids = list(db.session.scalars(select(User.id).where(User.is_active)))
        hr_id = db.session.scalar(select(User.id).where(User.email == "hr@example.com"))
        assignments, enrolments = [], []
        for user_id in user_ids:
            for course in courses:
                roll = rng.random()
                done = now - timedelta(days=rng.randint(1, 60)) if roll < 0.33 else None
                due = today + timedelta(days=rng.randint(-20, 40))
                assignments.append(
                    {"user_id": user_id, "course_id": course.id, "due_on": due,
                     "assigned_by_id": hr_id, "assigned_at": now, "completed_at": done}
                )  # fmt: skip
                if roll < 0.5:
                    enrolments.append(
                        {"user_id": user_id, "course_id": course.id, "started_at": now,
                         "lessons_done": rng.randint(1, 5), "completed_at": done}
                    )  # fmt: skip
        db.session.execute(insert(Assignment), assignments)
        db.session.execute(insert(Enrolment), enrolments)
        db.session.commit()
        return len(assignments)


def run(app: Flask, repeat: int) -> None:
    start = time.perf_counter()
    total = populate(app)
    print(
        f"Learning: {total:,} assignments ({COURSES} courses), "
        f"written in {time.perf_counter() - start:.1f} s"
    )
    agent, _ = signed_in(app, "agent@example.com")
    hr, _ = signed_in(app, "hr@example.com")
    report("my learning, 30 assigned courses", timed(lambda: agent.get("/learning"), repeat))
    report("course catalogue", timed(lambda: agent.get("/courses"), repeat))
    report("HR completion report", timed(lambda: hr.get("/learning/report"), repeat))
    report("HR completion export, XLSX", timed(lambda: hr.get("/learning/report.xlsx"), 3))
