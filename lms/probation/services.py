"""Probations: starting a plan from a template with real dates, extending or ending it
(every change logged), and its items, done by the app (a course passed, an article
confirmed as read) or ticked by the agent and confirmed by the mentor. Services flush,
never commit."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from lms.auth.models import User
from lms.auth.services import assign_mentor, current_mentorship
from lms.courses import assignments as course_assignments
from lms.courses import services as course_services
from lms.courses.models import BadgeAward, Course, Enrolment, Program, ProgramLevel
from lms.errors import ServiceError
from lms.i18n import _
from lms.kb.queries import articles_by_slug
from lms.probation import plans
from lms.probation.library import PLANS_DIR, check_plan
from lms.probation.models import (
    Attestation,
    PlanTemplate,
    Probation,
    ProbationEvent,
    ProbationItem,
    Rubric,
)

# Items the app completes by itself; the others the agent ticks and the mentor confirms.
AUTOMATIC = ("course", "program", "attestation")


# Starting, extending, ending ------------------------------------------------------------------


def _log(
    probation: Probation, actor: User | None, action: str, reason: str = "", **details: Any
) -> None:
    probation.events.append(
        ProbationEvent(
            actor_id=actor.id if actor else None, action=action, reason=reason, details=details
        )
    )


def active_probation(session: Session, user: User) -> Probation | None:
    return session.scalar(
        select(Probation)
        .where(Probation.user_id == user.id, Probation.state == "active")
        .options(selectinload(Probation.items), selectinload(Probation.mentor))
    )


def start_probation(
    session: Session,
    user: User,
    template: PlanTemplate,
    *,
    mentor: User,
    started_on: date,
    actor: User,
    today: date,
    now: datetime,
) -> Probation:
    """Make the plan with real dates, assign its courses and programs with their due dates,
    make ``mentor`` the person's mentor and schedule the attestation."""
    if active_probation(session, user) is not None:
        raise ServiceError(_("%(name)s is already on probation.", name=user.name))
    if mentor.id == user.id or not mentor.has_role("mentor"):
        raise ServiceError(_("Choose a mentor (a person with the mentor role)."), field="mentor")
    data = check_plan(
        session, template.source, filename=f"{PLANS_DIR}/{template.slug}.yml", slug=template.slug
    )
    probation = Probation(
        user=user,
        mentor=mentor,
        template=template,
        title=data.title,
        started_on=started_on,
        ends_on=plans.end_date(data.duration_days, started_on),
        created_by_id=actor.id,
    )
    session.add(probation)
    titles = _target_titles(session, data)
    for number, (stage, item, due_on) in enumerate(plans.plan_dates(data, started_on)):
        stage_number = data.stages.index(stage) + 1
        probation.items.append(
            ProbationItem(
                stage=stage.title,
                stage_number=stage_number,
                position=number,
                kind=item.kind,
                title=item.title or titles.get((item.kind, item.target), item.target or ""),
                target=item.target,
                due_on=due_on,
            )
        )
    _log(probation, actor, "started", template=template.slug, mentor=mentor.email)
    session.flush()
    if probation.ends_on >= today:  # not a past probation recorded afterwards
        current = current_mentorship(session, user, today=today)
        if current is None or current.mentor_id != mentor.id:
            assign_mentor(session, user, mentor, started_on=max(started_on, today), actor=actor)
        _assign_training(session, probation, actor, today=today, now=now)
    _schedule_attestation(session, probation)
    refresh_items(session, probation, now=now)
    return probation


def _target_titles(
    session: Session, data: plans.PlanTemplateData
) -> dict[tuple[str, str | None], str]:
    refs = plans.references(data)
    titles: dict[tuple[str, str | None], str] = {}
    for course in session.scalars(select(Course).where(Course.slug.in_(refs["course"]))):
        titles["course", course.slug] = course.title
    for program in session.scalars(select(Program).where(Program.slug.in_(refs["program"]))):
        titles["program", program.slug] = program.title
    for slug, article in articles_by_slug(session, sorted(refs["article"])).items():
        titles["article", slug] = article.title
    for rubric in session.scalars(select(Rubric).where(Rubric.slug.in_(refs["rubric"]))):
        titles["attestation", rubric.slug] = _("Attestation: %(title)s", title=rubric.title)
    return titles


def _assign_training(
    session: Session, probation: Probation, actor: User, *, today: date, now: datetime
) -> None:
    for item in probation.items:
        model = {"course": Course, "program": Program}.get(item.kind)
        if model is None:
            continue
        target = session.scalar(select(model).where(model.slug == item.target))
        if target is not None:
            course_assignments.assign(
                session,
                actor,
                target,
                [probation.user],
                due_on=max(item.due_on, today),
                today=today,
                now=now,
            )


def _schedule_attestation(session: Session, probation: Probation) -> None:
    item = next((i for i in probation.items if i.kind == "attestation"), None)
    if item is None:
        return
    rubric = session.scalar(select(Rubric).where(Rubric.slug == item.target))
    if rubric is None:
        raise ServiceError(_("There is no rubric “%(slug)s”.", slug=item.target))
    session.add(Attestation(probation=probation, rubric=rubric, scheduled_on=item.due_on))
    session.flush()


def attestation_of(session: Session, probation: Probation) -> Attestation | None:
    return session.scalar(
        select(Attestation)
        .where(Attestation.probation_id == probation.id)
        .options(selectinload(Attestation.versions), selectinload(Attestation.rubric))
    )


def extend_probation(
    session: Session, probation: Probation, days: int, *, reason: str, actor: User
) -> None:
    """Move the end and the attestation by ``days``; the other items keep their dates."""
    if probation.state != "active":
        raise ServiceError(_("Only an active probation can be extended."))
    if not reason.strip():
        raise ServiceError(_("Say why the probation is extended."), field="reason")
    old_end = probation.ends_on
    probation.ends_on = plans.extend(old_end, days)
    shift = probation.ends_on - old_end
    for item in probation.items:
        if item.kind == "attestation" and item.completed_at is None:
            item.due_on = item.due_on + shift
    attestation = attestation_of(session, probation)
    if attestation is not None:
        attestation.scheduled_on = attestation.scheduled_on + shift
    _log(
        probation,
        actor,
        "extended",
        reason.strip(),
        days=days,
        ends_on=probation.ends_on.isoformat(),
    )
    session.flush()


def end_probation(
    session: Session, probation: Probation, *, state: str, reason: str, actor: User, today: date
) -> None:
    """End a probation: passed or failed (from a confirmed attestation), or ended early."""
    if probation.state != "active":
        raise ServiceError(_("This probation has already ended."))
    if state == "ended" and not reason.strip():
        raise ServiceError(_("Say why the probation ends early."), field="reason")
    probation.state, probation.ended_on = state, today
    _log(probation, actor, "ended" if state == "ended" else state, reason.strip())
    session.flush()


# Items ---------------------------------------------------------------------------------------


def refresh_items(session: Session, probation: Probation, *, now: datetime) -> int:
    """Complete the course and program items whose training is done; returns how many."""
    user_id = probation.user_id
    done_courses = set(
        session.scalars(
            select(Course.slug)
            .join(Enrolment, Enrolment.course_id == Course.id)
            .where(Enrolment.user_id == user_id, Enrolment.completed_at.is_not(None))
        )
    )
    earned = set(session.scalars(select(BadgeAward.level_id).where(BadgeAward.user_id == user_id)))
    count = 0
    for item in probation.items:
        if item.completed_at is not None:
            continue
        course_done = item.kind == "course" and item.target in done_courses
        if course_done or (item.kind == "program" and _program_done(session, item.target, earned)):
            item.completed_at = now
            count += 1
    session.flush()
    return count


def _program_done(session: Session, slug: str | None, earned: set[int]) -> bool:
    levels = list(
        session.scalars(select(ProgramLevel.id).join(Program).where(Program.slug == slug))
    )
    return bool(levels) and all(level in earned for level in levels)


def _on_course_completed(session: Session, user: User, course: Course, when: datetime) -> None:
    probation = active_probation(session, user)
    if probation is not None:
        refresh_items(session, probation, now=when)


def register_hooks() -> None:
    """Complete plan items when a course is completed (called once by ``create_app``)."""
    if _on_course_completed not in course_services.completion_hooks:
        course_services.completion_hooks.append(_on_course_completed)


def confirm_read(session: Session, item: ProbationItem, agent: User, *, now: datetime) -> None:
    """The agent confirms an article item read: the app knows, no mentor needed."""
    _own_item(item, agent)
    if item.kind != "article":
        raise ServiceError(_("Only an article is confirmed as read."))
    item.ticked_at = item.completed_at = now
    item.completed_by_id = agent.id
    _log(item.probation, agent, "read", item=item.title)
    session.flush()


def tick_item(session: Session, item: ProbationItem, agent: User, *, now: datetime) -> None:
    """The agent says a task or meeting is done; the mentor confirms it."""
    _own_item(item, agent)
    if item.kind not in ("task", "meeting"):
        raise ServiceError(_("This item completes by itself."))
    item.ticked_at = now
    _log(item.probation, agent, "ticked", item=item.title)
    session.flush()


def confirm_item(session: Session, item: ProbationItem, mentor: User, *, now: datetime) -> None:
    if item.probation.mentor_id != mentor.id and not mentor.has_role("hr", "admin"):
        raise ServiceError(_("Only the mentor of this probation confirms its items."))
    if item.probation.state != "active":
        raise ServiceError(_("This probation has ended."))
    if item.kind not in ("task", "meeting"):
        raise ServiceError(_("This item completes by itself."))
    item.completed_at, item.completed_by_id = now, mentor.id
    item.ticked_at = item.ticked_at or now
    _log(item.probation, mentor, "confirmed", item=item.title)
    session.flush()


def _own_item(item: ProbationItem, agent: User) -> None:
    if item.probation.user_id != agent.id:
        raise ServiceError(_("This is not your plan."))
    if item.probation.state != "active":
        raise ServiceError(_("This probation has ended."))
