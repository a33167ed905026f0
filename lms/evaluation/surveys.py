"""The answers Phillips levels 1 and 3 need, and evaluation definitions kept in the database.

Level 1: after finishing a course a person answers one short questionnaire (satisfaction,
relevance, intent to use, each 1-5, and what they plan to do).

Level 3: there is no scheduler. A follow-up survey is *due* for a participant of an
evaluation (someone who completed its course or program between ``completed_from`` and
``completed_to``) on the completion date + N days, for each N of ``follow_up_days``, and it
waits until answered. The same survey is due for the participant's mentor: the one current
on the due date or, when nobody mentored them then, the one current today. Completion dates
are UTC dates; a program is completed when the badge of its last level is awarded.

Evaluations themselves (their YAML, saved from HR's editor or synced from files) live in
``lms.evaluation.library`` and are re-exported here. Services flush, never commit.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms.auth.models import Mentorship, User
from lms.courses.models import BadgeAward, Course, Enrolment, ProgramLevel
from lms.errors import ServiceError
from lms.evaluation import phillips
from lms.evaluation.library import EvaluationSyncReport as EvaluationSyncReport
from lms.evaluation.library import all_evaluations as all_evaluations
from lms.evaluation.library import definition_of as definition_of
from lms.evaluation.library import evaluation_by_slug as evaluation_by_slug
from lms.evaluation.library import save_evaluation as save_evaluation
from lms.evaluation.library import sync_evaluation_files as sync_evaluation_files
from lms.evaluation.phillips import MENTOR, PARTICIPANT, ROLES
from lms.evaluation.survey_models import Evaluation, FollowUpSurvey, ReactionResponse
from lms.i18n import _

MAX_TEXT = 2000

Answer = TypeVar("Answer", ReactionResponse, FollowUpSurvey)


# Checking answers --------------------------------------------------------------------------


def _whole(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _scale(value: object, field: str) -> int:
    number = _whole(value)
    if number is None or not 1 <= number <= 5:
        raise ServiceError(_("Choose an answer from 1 to 5."), field=field)
    return number


def _percent(value: object, field: str) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    number = math.nan
    if isinstance(value, str):
        with suppress(ValueError):
            number = float(value.strip().rstrip("%").strip().replace(",", "."))
    elif isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    if not 0 <= number <= 100:
        raise ServiceError(_("Give a percentage from 0 to 100."), field=field)
    return number


def _text(value: str | None, field: str) -> str:
    text = (value or "").strip()
    if len(text) > MAX_TEXT:
        raise ServiceError(_("At most %(num)d characters.", num=MAX_TEXT), field=field)
    return text


def _day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


# Level 1: reaction -------------------------------------------------------------------------


def _saved_once(session: Session, row: Answer) -> Answer:
    """Add an answer that may exist once: a second submit racing the first (a double
    click) is refused like any answer given twice, not a server error."""
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError as error:
        raise ServiceError(_("This has been answered already.")) from error
    return row


def completed_on(session: Session, user: User, course: Course) -> date | None:
    """When ``user`` completed ``course`` (UTC date), or None."""
    moment = session.scalar(
        select(Enrolment.completed_at).where(
            Enrolment.user_id == user.id, Enrolment.course_id == course.id
        )
    )
    return _day(moment) if moment is not None else None


def reaction_of(session: Session, user: User, course: Course) -> ReactionResponse | None:
    return session.scalar(
        select(ReactionResponse).where(
            ReactionResponse.user_id == user.id, ReactionResponse.course_id == course.id
        )
    )


def reaction_due(session: Session, user: User, course: Course) -> bool:
    """The person completed the course and has not answered its questionnaire yet."""
    return completed_on(session, user, course) is not None and not reaction_of(
        session, user, course
    )


def save_reaction(
    session: Session,
    user: User,
    course: Course,
    satisfaction: object,
    relevance: object,
    intent: object,
    planned_actions: str | None,
    now: datetime,
) -> ReactionResponse:
    """Record the person's one questionnaire about a course they completed."""
    if completed_on(session, user, course) is None:
        raise ServiceError(_("The questionnaire opens once you have completed the course."))
    if reaction_of(session, user, course) is not None:
        raise ServiceError(_("You have already answered the questionnaire of this course."))
    row = ReactionResponse(
        course_id=course.id,
        user_id=user.id,
        satisfaction=_scale(satisfaction, "satisfaction"),
        relevance=_scale(relevance, "relevance"),
        intent=_scale(intent, "intent"),
        planned_actions=_text(planned_actions, "planned_actions"),
        answered_at=now,
    )
    return _saved_once(session, row)


def reactions_for(
    session: Session, course_id: int, user_ids: Collection[int]
) -> list[phillips.ReactionResponse]:
    """The questionnaires of these people about the course, as level 1 reads them."""
    if not user_ids:
        return []
    rows = session.scalars(
        select(ReactionResponse)
        .where(ReactionResponse.course_id == course_id, ReactionResponse.user_id.in_(user_ids))
        .order_by(ReactionResponse.answered_at, ReactionResponse.id)
    )
    return [
        phillips.ReactionResponse(r.satisfaction, r.relevance, r.intent, r.planned_actions)
        for r in rows
    ]


# Level 3: who completed, who mentors, what is due -------------------------------------------


Target = tuple[str, int]  # ("course", id) or ("program", id)


def _target(evaluation: Evaluation) -> Target:
    if evaluation.course_id:
        return ("course", evaluation.course_id)
    return ("program", evaluation.program_id or 0)


def _completions(
    session: Session, evaluations: list[Evaluation], user_ids: Collection[int] | None
) -> dict[int, dict[int, date]]:
    """Evaluation id -> {user id: completion date} inside each evaluation's period."""
    targets = {_target(e) for e in evaluations}
    done: dict[Target, list[tuple[int, datetime]]] = {target: [] for target in targets}
    courses = [target for kind, target in targets if kind == "course"]
    if courses:
        query = select(Enrolment.course_id, Enrolment.user_id, Enrolment.completed_at).where(
            Enrolment.course_id.in_(courses), Enrolment.completed_at.is_not(None)
        )
        if user_ids is not None:
            query = query.where(Enrolment.user_id.in_(user_ids))
        for course, user, moment in session.execute(query):
            done["course", course].append((user, moment))
    programs = [target for kind, target in targets if kind == "program"]
    for program, user, moment in _program_completions(session, programs, user_ids):
        done["program", program].append((user, moment))
    found: dict[int, dict[int, date]] = {}
    for evaluation in evaluations:
        days = ((user, _day(moment)) for user, moment in done[_target(evaluation)])
        found[evaluation.id] = {
            user: day
            for user, day in days
            if evaluation.completed_from <= day <= evaluation.completed_to
        }
    return found


def _program_completions(
    session: Session, program_ids: list[int], user_ids: Collection[int] | None
) -> list[tuple[int, int, datetime]]:
    """(program, user, when the last level's badge came) for people holding every badge."""
    if not program_ids:
        return []
    levels = (
        select(ProgramLevel.program_id, func.count(ProgramLevel.id).label("levels"))
        .where(ProgramLevel.program_id.in_(program_ids))
        .group_by(ProgramLevel.program_id)
        .subquery()
    )
    query = (
        select(ProgramLevel.program_id, BadgeAward.user_id, func.max(BadgeAward.awarded_at))
        .join(ProgramLevel, ProgramLevel.id == BadgeAward.level_id)
        .join(levels, levels.c.program_id == ProgramLevel.program_id)
        .group_by(ProgramLevel.program_id, BadgeAward.user_id, levels.c.levels)
        .having(func.count(BadgeAward.id) == levels.c.levels)
    )
    if user_ids is not None:
        query = query.where(BadgeAward.user_id.in_(user_ids))
    return [(program, user, moment) for program, user, moment in session.execute(query)]


def participants_of(session: Session, evaluation: Evaluation) -> dict[int, date]:
    """Who completed the evaluated course or program in the period: user id -> date."""
    return _completions(session, [evaluation], None)[evaluation.id]


def _mentor_on(mentorships: Iterable[Mentorship], due_on: date, today: date) -> int | None:
    """The mentor current on the due date, else the one current today."""
    rows = list(mentorships)
    for day in (due_on, today):
        current = [m for m in rows if m.is_current(day)]
        if current:
            return max(current, key=lambda m: m.started_on).mentor_id
    return None


@dataclass(frozen=True)
class PendingSurvey:
    evaluation: Evaluation
    participant: User
    role: str
    days_after: int
    due_on: date


def pending_surveys(session: Session, user: User, today: date) -> list[PendingSurvey]:
    """The follow-up surveys ``user`` has to answer now: as a participant and as a mentor,
    due on or before ``today`` and not answered yet; the oldest first."""
    evaluations = list(
        session.scalars(select(Evaluation).where(Evaluation.completed_from <= today))
    )
    if not evaluations:
        return []
    mentored = select(Mentorship.mentee_id).where(Mentorship.mentor_id == user.id)
    mentorships: dict[int, list[Mentorship]] = {}
    for row in session.scalars(select(Mentorship).where(Mentorship.mentee_id.in_(mentored))):
        mentorships.setdefault(row.mentee_id, []).append(row)
    people = {user.id, *mentorships}
    completions = _completions(session, evaluations, people)
    answered = {
        tuple(row)
        for row in session.execute(
            select(
                FollowUpSurvey.evaluation_id,
                FollowUpSurvey.participant_id,
                FollowUpSurvey.role,
                FollowUpSurvey.days_after,
            ).where(
                FollowUpSurvey.evaluation_id.in_([e.id for e in evaluations]),
                FollowUpSurvey.participant_id.in_(people),
            )
        )
    }
    due: list[tuple[Evaluation, int, str, int, date]] = []
    for evaluation in evaluations:
        for person, day in completions[evaluation.id].items():
            for days in evaluation.follow_up_days:
                due_on = day + timedelta(days=days)
                if due_on > today:
                    continue
                if person == user.id:
                    due.append((evaluation, person, PARTICIPANT, days, due_on))
                elif _mentor_on(mentorships.get(person, ()), due_on, today) == user.id:
                    due.append((evaluation, person, MENTOR, days, due_on))
    due = [item for item in due if (item[0].id, *item[1:4]) not in answered]
    if not due:
        return []
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_({d[1] for d in due})))}
    due.sort(key=lambda d: (d[4], d[0].title, users[d[1]].name, d[3]))
    return [PendingSurvey(e, users[p], role, days, on) for e, p, role, days, on in due]


def find_survey(
    session: Session,
    evaluation: Evaluation,
    participant: User,
    role: str,
    days_after: int,
    respondent: User,
    today: date,
) -> PendingSurvey | None:
    """The survey when it is due and ``respondent`` is the one to answer it (answered or
    not), else None."""
    if role not in ROLES or days_after not in evaluation.follow_up_days:
        return None
    completed = _completions(session, [evaluation], [participant.id])[evaluation.id]
    if participant.id not in completed:
        return None
    due_on = completed[participant.id] + timedelta(days=days_after)
    if due_on > today:
        return None
    if role == PARTICIPANT:
        allowed = respondent.id == participant.id
    else:
        rows = session.scalars(select(Mentorship).where(Mentorship.mentee_id == participant.id))
        allowed = _mentor_on(rows, due_on, today) == respondent.id
    return PendingSurvey(evaluation, participant, role, days_after, due_on) if allowed else None


def answered_survey(session: Session, survey: PendingSurvey) -> FollowUpSurvey | None:
    return session.scalar(
        select(FollowUpSurvey).where(
            FollowUpSurvey.evaluation_id == survey.evaluation.id,
            FollowUpSurvey.participant_id == survey.participant.id,
            FollowUpSurvey.role == survey.role,
            FollowUpSurvey.days_after == survey.days_after,
        )
    )


def save_survey(
    session: Session,
    evaluation: Evaluation,
    participant: User,
    respondent: User,
    role: str,
    days_after: int,
    answers: Mapping[str, object],
    barriers: str | None,
    enablers: str | None,
    estimate_pct: object,
    confidence_pct: object,
    now: datetime,
) -> FollowUpSurvey:
    """Record a follow-up survey: every target behaviour 1-5; the estimate of how much of
    the change is due to the training, and the confidence in it, only from the participant
    (both or neither)."""
    survey = find_survey(session, evaluation, participant, role, days_after, respondent, _day(now))
    if survey is None:
        raise ServiceError(_("This survey is not yours to answer, or not due yet."))
    if answered_survey(session, survey) is not None:
        raise ServiceError(_("This survey has been answered already."))
    behaviours = definition_of(evaluation).behaviours
    if unknown := set(answers) - set(behaviours):
        raise ServiceError(_("Unknown behaviour: %(name)s.", name=sorted(unknown)[0]))
    scores = {b: _scale(answers.get(b), f"behaviour-{n}") for n, b in enumerate(behaviours)}
    estimate = _percent(estimate_pct, "estimate_pct")
    confidence = _percent(confidence_pct, "confidence_pct")
    if role == MENTOR and (estimate is not None or confidence is not None):
        raise ServiceError(_("Only the participant estimates the effect."), field="estimate_pct")
    if (estimate is None) != (confidence is None):
        missing = "confidence_pct" if confidence is None else "estimate_pct"
        raise ServiceError(_("Give both percentages, or neither."), field=missing)
    row = FollowUpSurvey(
        evaluation_id=evaluation.id,
        participant_id=participant.id,
        respondent_id=respondent.id,
        role=role,
        days_after=days_after,
        answers=scores,
        barriers=_text(barriers, "barriers"),
        enablers=_text(enablers, "enablers"),
        estimate_pct=estimate,
        confidence_pct=confidence,
        answered_at=now,
    )
    return _saved_once(session, row)


def survey_answers(session: Session, evaluation: Evaluation) -> list[phillips.SurveyAnswer]:
    """Every follow-up answer of the evaluation, as level 3 reads them, oldest first."""
    rows = session.scalars(
        select(FollowUpSurvey)
        .where(FollowUpSurvey.evaluation_id == evaluation.id)
        .order_by(FollowUpSurvey.answered_at, FollowUpSurvey.id)
    )
    return [
        phillips.SurveyAnswer(
            role=r.role,
            behaviours=dict(r.answers),
            barriers=r.barriers,
            enablers=r.enablers,
            estimate_pct=r.estimate_pct,
            confidence_pct=r.confidence_pct,
            days_after=r.days_after,
        )
        for r in rows
    ]
