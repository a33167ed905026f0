"""Running an evaluation: load what its five levels need from the database (in a handful
of queries, whatever the number of people) and compute them with ``phillips.evaluate``.

Participants are the people who completed the course (or program) in the definition's
period. The control pool is every other active person with a department and a position
who has not completed it at all. Level 2 reads each participant's first pre-test and
last post-test (else final quiz) score in %, and whether a final quiz (else post-test)
attempt passed (no scored attempt: not passed). For a program a participant counts once:
their scores are the means over its courses, "passed" means every course, and their last
questionnaire is the one read. Level 3's skills are the levels of the skills the course
raises just before the participant completed it and now.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import String, select, type_coerce
from sqlalchemy.orm import Session, selectinload

from lms.auth.models import User
from lms.courses.models import (
    BadgeAward,
    Course,
    CourseSkill,
    Enrolment,
    Program,
    ProgramLevel,
    Quiz,
    QuizAttempt,
)
from lms.errors import ServiceError
from lms.evaluation import phillips
from lms.evaluation.definition import EvaluationDefinition
from lms.evaluation.impact import KpiIndex, Participant, PoolMember, month_number
from lms.evaluation.models import KpiValue, Metric
from lms.evaluation.survey_models import Evaluation, ReactionResponse
from lms.evaluation.surveys import participants_of, survey_answers
from lms.i18n import _
from lms.skills.assessments import current_levels, levels_before
from lms.skills.models import Skill


@dataclass(frozen=True)
class EvaluationReport:
    """An evaluation's figures with what they were computed from."""

    definition: EvaluationDefinition
    target_title: str  # the course's or program's title
    course_hours: float
    participants: int
    kpi_first: date | None  # the data period: the earliest and latest KPI month read
    kpi_last: date | None
    metric_names: dict[str, str]  # code -> name in the current language
    metric_units: dict[str, str]
    result: phillips.Evaluation
    people: list[Participant]  # for the per-participant sheet of the export
    kpi: KpiIndex


def run(
    session: Session, evaluation: Evaluation, definition: EvaluationDefinition, *, locale: str
) -> EvaluationReport:
    """Compute the five levels of ``evaluation`` (stored, or built for a file)."""
    courses = _courses(session, evaluation)
    completed = participants_of(session, evaluation)
    people = _people(session, completed.keys())
    participants = [
        Participant(user_id, day, people[user_id][0], people[user_id][1])
        for user_id, day in sorted(completed.items())
        if user_id in people
    ]
    metrics = {
        m.code: m
        for m in session.scalars(select(Metric).where(Metric.code.in_(definition.metrics)))
    }
    missing = set(definition.metrics) - metrics.keys()
    if missing:
        raise ServiceError(_("Unknown metrics: %(codes)s.", codes=", ".join(sorted(missing))))
    pool = _pool(session, evaluation, set(completed)) if definition.control_group else []
    first, last = _window(participants, definition)
    kpi = _kpi(session, metrics, {p.user_id for p in participants} | {m.user_id for m in pool},
               first, last)  # fmt: skip
    course_ids = [c.id for c in courses]
    data = phillips.EvaluationData(
        participants=participants,
        kpi=kpi,
        directions={code: metric.direction for code, metric in metrics.items()},
        course_hours=sum(c.duration_minutes for c in courses) / 60,
        reactions=_reactions(session, course_ids, list(completed)),
        tests=_tests(session, course_ids, list(completed)),
        surveys=survey_answers(session, evaluation) if evaluation.id else [],
        skills=_skills(session, course_ids, completed),
        pool=pool,
    )
    return EvaluationReport(
        definition=definition,
        target_title=" · ".join(c.title for c in courses)
        if evaluation.course_id
        else (evaluation.program.title if evaluation.program else ""),
        course_hours=data.course_hours,
        participants=len(participants),
        kpi_first=_month_start(first) if first is not None else None,
        kpi_last=_month_start(last) if last is not None else None,
        metric_names={
            code: (m.name_en if locale == "en" else m.name_ru) for code, m in metrics.items()
        },
        metric_units={code: m.unit for code, m in metrics.items()},
        result=phillips.evaluate(definition, data),
        people=participants,
        kpi=kpi,
    )


def participant_windows(
    report: EvaluationReport,
) -> list[tuple[Participant, dict[str, tuple[float | None, float | None]]]]:
    """Each participant's mean of every metric over the months before and after the month
    they completed (which counts in neither), as level 4 reads them."""
    definition, rows = report.definition, []
    for person in report.people:
        month = month_number(person.completed_on)
        means = {
            code: (
                report.kpi.window_mean(person.user_id, code, month - definition.before_months,
                                       month - 1),
                report.kpi.window_mean(person.user_id, code, month + 1,
                                       month + definition.after_months),
            )
            for code in definition.metrics
        }  # fmt: skip
        rows.append((person, means))
    return rows


def transient_evaluation(session: Session, definition: EvaluationDefinition) -> Evaluation:
    """An unsaved evaluation for a definition read from a file (``evaluation run FILE``)."""
    evaluation = Evaluation(
        slug=definition.slug,
        title=definition.title,
        completed_from=definition.completed_from,
        completed_to=definition.completed_to,
        follow_up_days=list(definition.follow_up_days),
    )
    if definition.course:
        course = session.scalar(select(Course).where(Course.slug == definition.course))
        if course is None:
            raise ServiceError(_("There is no course %(slug)s.", slug=definition.course))
        evaluation.course_id, evaluation.course = course.id, course
    else:
        program = session.scalar(select(Program).where(Program.slug == definition.program))
        if program is None:
            raise ServiceError(_("There is no program %(slug)s.", slug=definition.program))
        evaluation.program_id, evaluation.program = program.id, program
    return evaluation


# Loading ---------------------------------------------------------------------------------------


def _courses(session: Session, evaluation: Evaluation) -> list[Course]:
    if evaluation.course_id:
        return [session.get(Course, evaluation.course_id)]
    program = session.get(Program, evaluation.program_id)
    return [course for level in program.levels for course in level.courses] if program else []


def _people(session: Session, user_ids: Iterable[int]) -> dict[int, tuple[Any, Any]]:
    ids = list(user_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(User.id, User.department_id, User.position_id).where(User.id.in_(ids))
    )
    return {user_id: (department, position) for user_id, department, position in rows}


def _pool(session: Session, evaluation: Evaluation, participants: set[int]) -> list[PoolMember]:
    """Everyone who could be a control: active, placed, never trained: never completed the
    course (for a program: any of its courses, nor earned any of its badges)."""
    trained = set(participants)
    courses = [course.id for course in _courses(session, evaluation)]
    if courses:
        trained |= set(
            session.scalars(
                select(Enrolment.user_id).where(
                    Enrolment.course_id.in_(courses), Enrolment.completed_at.is_not(None)
                )
            )
        )
    if evaluation.program_id:
        trained |= set(
            session.scalars(
                select(BadgeAward.user_id)
                .join(ProgramLevel, ProgramLevel.id == BadgeAward.level_id)
                .where(ProgramLevel.program_id == evaluation.program_id)
            )
        )
    rows = session.execute(
        select(User.id, User.department_id, User.position_id).where(
            User.is_active, User.department_id.is_not(None), User.position_id.is_not(None)
        )
    )
    return [
        PoolMember(user_id, department, position, is_trained=user_id in trained)
        for user_id, department, position in rows
        if user_id not in participants
    ]


def _window(
    participants: list[Participant], definition: EvaluationDefinition
) -> tuple[int | None, int | None]:
    """The first and last month (as month numbers) any participant's windows reach."""
    if not participants:
        return None, None
    months = [month_number(p.completed_on) for p in participants]
    return min(months) - definition.before_months, max(months) + definition.after_months


def _month_start(number: int) -> date:
    return date(number // 12, number % 12 + 1, 1)


def _kpi(
    session: Session,
    metrics: dict[str, Metric],
    user_ids: set[int],
    first: int | None,
    last: int | None,
) -> KpiIndex:
    """The KPI values of these people and metrics in the months the windows cover.

    Periods are read as stored and each distinct one turned into a month number once:
    200,000 rows would otherwise spend much of their time being parsed into dates."""
    index = KpiIndex()
    if first is None or last is None or not user_ids or not metrics:
        return index
    codes = {metric.id: code for code, metric in metrics.items()}
    stored = type_coerce(KpiValue.period, String)  # ISO text on SQLite, a date on PostgreSQL
    query = select(KpiValue.user_id, KpiValue.metric_id, stored, KpiValue.value).where(
        KpiValue.metric_id.in_(codes),
        KpiValue.period >= _month_start(first),
        KpiValue.period <= _month_start(last),
    )
    if len(user_ids) < 5000:  # beyond, reading everyone's is cheaper than a long IN list
        query = query.where(KpiValue.user_id.in_(user_ids))
    values, numbers = index.values, {}
    for user_id, metric_id, period, value in session.execute(query):
        number = numbers.get(period)
        if number is None:  # a dozen distinct periods: each is read once
            day = period if isinstance(period, date) else date.fromisoformat(period[:10])
            number = numbers[period] = month_number(day)
        key = (user_id, codes[metric_id])
        months = values.get(key)
        if months is None:
            months = values[key] = {}
        months[number] = value
    return index


def _tests(
    session: Session, course_ids: list[int], user_ids: Collection[int]
) -> list[phillips.TestResult]:
    """Each participant's first pre-test score, last post-test (else final) score and
    whether they passed the final quiz (else the post-test), per course."""
    if not course_ids or not user_ids:
        return []
    rows = session.execute(
        select(
            QuizAttempt.user_id,
            Quiz.course_id,
            Quiz.kind,
            QuizAttempt.score,
            QuizAttempt.passed,
        )
        .join(Quiz, Quiz.id == QuizAttempt.quiz_id)
        .where(
            Quiz.course_id.in_(course_ids),
            QuizAttempt.user_id.in_(list(user_ids)),
            QuizAttempt.score.is_not(None),
        )
        .order_by(QuizAttempt.submitted_at, QuizAttempt.id)
    )
    found: dict[tuple[int, int], dict[str, list[tuple[float, bool]]]] = {}
    for user_id, course_id, kind, score, passed in rows:
        found.setdefault((user_id, course_id), {}).setdefault(kind, []).append(
            (score, bool(passed))
        )
    results = []
    for user_id in user_ids:  # one result a person, however many courses a program has
        pres, posts, passes = [], [], []
        for course_id in course_ids:
            kinds = found.get((user_id, course_id), {})
            pre = kinds.get("pre", [])
            post = kinds.get("post") or kinds.get("final") or []
            deciding = kinds.get("final") or kinds.get("post") or []
            if pre:
                pres.append(pre[0][0])
            if post:
                posts.append(post[-1][0])
            passes.append(any(passed for _score, passed in deciding))
        results.append(
            phillips.TestResult(
                sum(pres) / len(pres) if pres else None,
                sum(posts) / len(posts) if posts else None,
                all(passes),  # no scored attempt at all: not passed
            )
        )
    return results


def _reactions(
    session: Session, course_ids: list[int], user_ids: list[int]
) -> list[phillips.ReactionResponse]:
    """One questionnaire a participant: for a program, the last one they answered."""
    if not course_ids or not user_ids:
        return []
    rows = session.scalars(
        select(ReactionResponse)
        .where(ReactionResponse.course_id.in_(course_ids), ReactionResponse.user_id.in_(user_ids))
        .order_by(ReactionResponse.answered_at, ReactionResponse.id)
    )
    last = {row.user_id: row for row in rows}
    return [
        phillips.ReactionResponse(r.satisfaction, r.relevance, r.intent, r.planned_actions)
        for r in sorted(last.values(), key=lambda r: (r.answered_at, r.id))
    ]


def _skills(
    session: Session, course_ids: list[int], completed: dict[int, date]
) -> list[phillips.SkillLevels]:
    """For the skills the courses raise: each participant's level just before completing
    (the day they completed, at midnight UTC) and now."""
    if not course_ids or not completed:
        return []
    raised = {
        skill_id: code
        for skill_id, code in session.execute(
            select(CourseSkill.skill_id, Skill.code)
            .join(Skill, Skill.id == CourseSkill.skill_id)
            .where(CourseSkill.course_id.in_(course_ids))
        )
    }
    if not raised:
        return []
    moments = {
        user_id: datetime.combine(day, time(0), tzinfo=UTC) for user_id, day in completed.items()
    }
    before = levels_before(session, moments, raised)
    now = current_levels(session, list(completed), list(raised))
    return [
        phillips.SkillLevels(
            code,
            before.get((user_id, skill_id)),
            now[(user_id, skill_id)].level if (user_id, skill_id) in now else None,
        )
        for user_id in completed
        for skill_id, code in raised.items()
    ]


def evaluation_with_target(session: Session, slug: str) -> Evaluation | None:
    return session.scalar(
        select(Evaluation)
        .where(Evaluation.slug == slug)
        .options(selectinload(Evaluation.course), selectinload(Evaluation.program))
    )
