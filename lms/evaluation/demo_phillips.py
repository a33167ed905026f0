"""The demo evaluation filled at every level: the participants of the negativity course
answer its questionnaire, assessed their skills before it, and they and their mentor
answer the follow-up surveys that fell due (the KPI data comes from ``demo.py``)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.auth import services as people
from lms.auth.models import Mentorship, User
from lms.evaluation import surveys
from lms.evaluation.library import definition_of, evaluation_by_slug
from lms.evaluation.survey_models import FollowUpSurvey
from lms.skills.assessments import record
from lms.skills.services import skills_by_code

SLUG = "negativity-course"
MENTOR = "mentor@example.com"
# What the participants rated themselves a month before the course.
SKILLS_BEFORE = {"soft-negativity": (1, 2), "active-listening": (1, 2), "quality-standards": (1, 1)}
PLANNED = (
    "Буду давать клиенту договорить и только потом отвечать.",
    "Перестану обещать сроки, которые не от меня зависят; буду называть верхнюю границу.",
    "Возьму из курса три формулировки и повешу их над монитором.",
    "Разберу с наставником свои прошлые оценки DSAT.",
)
BARRIERS = (
    "В пиковые часы очередь не даёт выслушать клиента до конца.",
    "Не всегда понятно, какой срок назвать, если ждём склад.",
    "Норматив по времени разговора подталкивает закончить побыстрее.",
    "",
)
ENABLERS = (
    "Наставник слушает записи и подсказывает формулировки.",
    "Шаблоны ответов в CRM обновили по курсу.",
    "Разбор оценок DSAT раз в неделю на планёрке.",
    "",
)


def seed_demo_evaluation(session: Session, *, today: date) -> int | None:
    """Fill the demo evaluation; None when it is missing or already filled. Returns the
    number of follow-up surveys answered."""
    evaluation = evaluation_by_slug(session, SLUG)
    if evaluation is None or evaluation.course is None:
        return None
    taken = select(FollowUpSurvey.id).where(FollowUpSurvey.evaluation_id == evaluation.id)
    if session.scalar(taken.limit(1)) is not None:
        return None
    definition = definition_of(evaluation)
    mentor = people.find_user_by_email(session, MENTOR)
    skills = skills_by_code(session, SKILLS_BEFORE)
    rng = random.Random(11)
    answered = 0
    for number, (user_id, day) in enumerate(
        sorted(surveys.participants_of(session, evaluation).items())
    ):
        person = session.get(User, user_id)
        finished = datetime.combine(day, time(12), tzinfo=UTC)
        for code, (low, high) in SKILLS_BEFORE.items():
            if code in skills:
                record(session, person, skills[code], rng.randint(low, high), source="self",
                       author=person, now=finished - timedelta(days=30))  # fmt: skip
        if number < 4:  # one of five did not answer the questionnaire
            surveys.save_reaction(
                session, person, evaluation.course, rng.choice((4, 5)), rng.choice((4, 5, 5)),
                rng.choice((3, 4, 5)), PLANNED[number % len(PLANNED)],
                now=finished + timedelta(hours=1),
            )  # fmt: skip
        has_mentor = mentor is not None and _mentor_through(session, person, mentor, day)
        for days in definition.follow_up_days:
            due = day + timedelta(days=days)
            if due > today:
                continue
            at = datetime.combine(due + timedelta(days=2), time(10), tzinfo=UTC)
            often = {b: rng.choice((3, 4, 4, 5)) for b in definition.behaviours}
            surveys.save_survey(
                session, evaluation, person, person, surveys.PARTICIPANT, days, often,
                rng.choice(BARRIERS), rng.choice(ENABLERS), rng.choice((40, 50, 60, 70)),
                rng.choice((60, 70, 80)), now=at,
            )  # fmt: skip
            answered += 1
            if has_mentor and mentor is not None:
                seen = {b: max(1, score - rng.choice((0, 0, 1))) for b, score in often.items()}
                surveys.save_survey(
                    session, evaluation, person, mentor, surveys.MENTOR, days, seen,
                    rng.choice(BARRIERS), rng.choice(ENABLERS), None, None, now=at,
                )  # fmt: skip
                answered += 1
    session.flush()
    return answered


def _mentor_through(session: Session, person: User, mentor: User, completed: date) -> bool:
    """Make ``mentor`` the person's mentor around the follow-ups, unless someone mentored
    them then; True when ``mentor`` is the one to answer."""
    mentorships = list(session.scalars(select(Mentorship).where(Mentorship.mentee_id == person.id)))
    if mentorships:
        return all(m.mentor_id == mentor.id for m in mentorships)
    session.add(
        Mentorship(
            mentor_id=mentor.id,
            mentee_id=person.id,
            started_on=completed - timedelta(days=30),
            ended_on=completed + timedelta(days=120),
        )
    )
    session.flush()
    return True
