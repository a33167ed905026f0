"""Demo probations: plans at day 10, 45 and 88 with the mentor's notes and confirmed
items, and two finished ones (passed, and failed: that person no longer works here).

Runs once: when any probation exists, it does nothing.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.probation import attestation as attestations
from lms.probation import notes, rubrics, services
from lms.probation.models import PlanTemplate, Probation

# email, template, day of the probation today (None: finished), outcome when finished
DEMO = (
    ("ivan.petrov@example.com", "line1-agent", 10, None),
    ("darya.morozova@example.com", "line1-agent", 45, None),
    ("agent@example.com", "line1-agent", 88, None),
    ("ekaterina.novikova@example.com", "line1-agent", None, "pass"),
    ("roman.zaitsev@example.com", "line1-agent", None, "fail"),
)
FEEDBACK = {
    "observation": "На звонке о задержке доставки ты дважды перебил клиента и сразу предложил "
    "промокод, не выяснив, когда ему нужен заказ.",
    "impact": "Клиент решил, что его не слушают, и поставил оценку 2 за качество; "
    "промокод не решил его задачу.",
    "correction": "Договорились, что сначала дослушать и перефразировать, затем уточнить срок "
    "и только потом предлагать варианты.",
    "consolidation": "Через неделю наставник прослушает пять звонков о доставке и отметит, "
    "удалось ли дослушивать до конца.",
}


def seed_demo_probations(session: Session, *, today: date, now: datetime) -> int:
    """Seed the demo probations; returns how many were made (0: already there)."""
    if session.scalar(select(Probation.id).limit(1)) is not None:
        return 0
    people = {
        u.email: u for u in session.scalars(select(User).where(User.email.like("%@example.com")))
    }
    templates = {t.slug: t for t in session.scalars(select(PlanTemplate))}
    hr, mentor = people.get("hr@example.com"), people.get("mentor@example.com")
    if hr is None or mentor is None or not templates:
        return 0
    made = 0
    for email, slug, day, outcome in DEMO:
        person, template = people.get(email), templates.get(slug)
        if person is None or template is None:
            continue
        started = today - timedelta(days=(day or 150) - 1)
        probation = services.start_probation(
            session,
            person,
            template,
            mentor=mentor,
            started_on=started,
            actor=hr,
            today=today,
            now=now,
        )
        _progress(session, probation, mentor, today=today, now=now, note=outcome is None)
        if outcome is not None:
            _finish(session, probation, mentor, hr, outcome, now=now)
        made += 1
    return made


def _progress(
    session: Session, probation: Probation, mentor: User, *, today: date, now: datetime, note: bool
) -> None:
    """Everything due before today done, except one task left for the agent to tick."""
    agent = probation.user
    left_open = False
    for item in probation.items:
        if item.due_on >= today or item.completed_at is not None:
            continue
        if item.kind == "article":
            services.confirm_read(session, item, agent, now=now)
        elif item.kind in ("task", "meeting"):
            if not left_open and item.kind == "task":
                services.tick_item(session, item, agent, now=now)
                left_open = True
                continue
            services.tick_item(session, item, agent, now=now)
            services.confirm_item(session, item, mentor, now=now)
    if note and (today - probation.started_on).days > 20:
        notes.add_meeting_note(
            session, mentor, agent, held_on=probation.started_on + timedelta(days=20),
            today=today, now=now, **FEEDBACK,
        )  # fmt: skip


def _finish(
    session: Session, probation: Probation, mentor: User, hr: User, outcome: str, *, now: datetime
) -> None:
    attestation = services.attestation_of(session, probation)
    if attestation is None:
        return
    rubric = rubrics.rubric_from_dict(attestation.rubric.definition)
    grades = {}
    for n, criterion in enumerate(rubric.criteria):
        levels = [lv.level for lv in criterion.levels]
        level = levels[-2] if outcome == "pass" else (levels[0] if n % 2 else levels[1])
        grades[criterion.code] = (level, "")
    attestations.grade(
        session, attestation, mentor, grades, proposal=outcome, feedback=FEEDBACK, now=now
    )
    ended = probation.ends_on
    attestations.confirm(session, attestation, hr, today=ended, now=now)
    if outcome == "fail":
        probation.user.is_active = False
