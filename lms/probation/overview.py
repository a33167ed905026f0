"""Probations at a glance: a plan's progress and timeline, a mentor's mentees with risk
flags, and HR's list of every probation with outcomes per month and per mentor."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from lms.auth.models import User
from lms.courses.models import Quiz, QuizAttempt
from lms.gaps.models import ArticleFeedback
from lms.probation.models import Attestation, Probation, ProbationItem

RISK_WINDOW_DAYS = 30


@dataclass
class PlanView:
    """A probation with its items sorted for the timeline."""

    probation: Probation
    today: date

    @property
    def items(self) -> list[ProbationItem]:
        return list(self.probation.items)

    def status(self, item: ProbationItem) -> str:
        """done | waiting (ticked, not confirmed) | overdue | this_week | later"""
        if item.completed_at is not None:
            return "done"
        if item.ticked_at is not None:
            return "waiting"
        if item.due_on < self.today:
            return "overdue"
        return "this_week" if item.due_on <= self.today + timedelta(days=7) else "later"

    @property
    def stages(self) -> list[tuple[str, list[ProbationItem]]]:
        grouped: dict[tuple[int, str], list[ProbationItem]] = defaultdict(list)
        for item in sorted(self.items, key=lambda i: (i.stage_number, i.due_on, i.position)):
            grouped[item.stage_number, item.stage].append(item)
        return [(title, items) for (_n, title), items in sorted(grouped.items())]

    @property
    def done(self) -> int:
        return sum(item.completed_at is not None for item in self.items)

    @property
    def overdue(self) -> int:
        return sum(self.status(item) == "overdue" for item in self.items)

    @property
    def percent(self) -> int:
        return round(100 * self.done / len(self.items)) if self.items else 0

    @property
    def day(self) -> int:
        return (min(self.today, self.probation.ends_on) - self.probation.started_on).days + 1

    @property
    def length(self) -> int:
        return (self.probation.ends_on - self.probation.started_on).days + 1

    @property
    def stage(self) -> str:
        """The stage today falls in: that of the last item due by today (else the first)."""
        items = sorted(self.items, key=lambda i: (i.stage_number, i.due_on))
        started = [i for i in items if i.due_on <= self.today]
        return (started or items)[-1 if started else 0].stage if items else ""

    @property
    def attestation_on(self) -> date | None:
        return next((i.due_on for i in self.items if i.kind == "attestation"), None)


def _loaded() -> tuple:
    return (
        selectinload(Probation.items),
        selectinload(Probation.user).selectinload(User.department),
        selectinload(Probation.mentor),
    )


def probation_for(session: Session, probation_id: int) -> Probation | None:
    return session.scalar(
        select(Probation)
        .where(Probation.id == probation_id)
        .options(*_loaded(), selectinload(Probation.events))
    )


def latest_probation(session: Session, user: User) -> Probation | None:
    """The person's active probation, else the last one they had."""
    return session.scalar(
        select(Probation)
        .where(Probation.user_id == user.id)
        .options(*_loaded(), selectinload(Probation.events))
        .order_by((Probation.state == "active").desc(), Probation.started_on.desc())
        .limit(1)
    )


@dataclass
class MenteeRow:
    plan: PlanView
    failed_quizzes: int = 0
    helpful_votes: int = 0
    flags: list[str] = field(default_factory=list)  # overdue | failed_quizzes | low_activity


def mentee_rows(session: Session, mentor: User, *, today: date, now: datetime) -> list[MenteeRow]:
    """The mentor's mentees on active probation (HR: everyone's) with their risk flags:
    overdue items, failed final quizzes and no "did this answer" votes in 30 days."""
    query = select(Probation).where(Probation.state == "active").options(*_loaded())
    if not mentor.has_role("hr", "admin"):
        query = query.where(Probation.mentor_id == mentor.id)
    probations = list(session.scalars(query.order_by(Probation.ends_on)))
    ids = [p.user_id for p in probations]
    since = now - timedelta(days=RISK_WINDOW_DAYS)
    failed = dict(
        session.execute(
            select(QuizAttempt.user_id, func.count())
            .join(Quiz, Quiz.id == QuizAttempt.quiz_id)
            .where(
                QuizAttempt.user_id.in_(ids),
                Quiz.kind == "final",
                QuizAttempt.passed.is_(False),
                QuizAttempt.graded_at >= since,
            )
            .group_by(QuizAttempt.user_id)
        ).all()
    )
    votes = dict(
        session.execute(
            select(ArticleFeedback.user_id, func.count())
            .where(ArticleFeedback.user_id.in_(ids), ArticleFeedback.created_at >= since)
            .group_by(ArticleFeedback.user_id)
        ).all()
    )
    rows = []
    for probation in probations:
        row = MenteeRow(
            PlanView(probation, today),
            failed.get(probation.user_id, 0),
            votes.get(probation.user_id, 0),
        )
        if row.plan.overdue:
            row.flags.append("overdue")
        if row.failed_quizzes:
            row.flags.append("failed_quizzes")
        if row.helpful_votes == 0 and row.plan.day > 7:
            row.flags.append("low_activity")
        rows.append(row)
    return rows


@dataclass
class HrOverview:
    plans: list[PlanView]
    upcoming: list[Attestation]
    by_month: list[tuple[str, dict[str, int]]]  # "2026-09" -> {"passed", "failed", "extended"}
    by_mentor: list[tuple[str, dict[str, int]]]


def hr_overview(session: Session, *, today: date) -> HrOverview:
    probations = list(
        session.scalars(
            select(Probation)
            .options(*_loaded(), selectinload(Probation.events))
            .order_by(Probation.started_on.desc())
        )
    )
    upcoming = list(
        session.scalars(
            select(Attestation)
            .join(Probation)
            .where(
                Probation.state == "active", Attestation.scheduled_on <= today + timedelta(days=30)
            )
            .options(selectinload(Attestation.probation).selectinload(Probation.user))
            .order_by(Attestation.scheduled_on)
        )
    )
    by_month: dict[str, dict[str, int]] = defaultdict(
        lambda: {"passed": 0, "failed": 0, "extended": 0}
    )
    by_mentor: dict[str, dict[str, int]] = defaultdict(
        lambda: {"passed": 0, "failed": 0, "extended": 0}
    )
    for probation in probations:
        mentor = probation.mentor.name if probation.mentor else "—"
        if probation.state in ("passed", "failed") and probation.ended_on:
            by_month[probation.ended_on.strftime("%Y-%m")][probation.state] += 1
            by_mentor[mentor][probation.state] += 1
        for event in probation.events:
            if event.action == "extended":
                by_month[event.at.strftime("%Y-%m")]["extended"] += 1
                by_mentor[mentor]["extended"] += 1
    return HrOverview(
        [PlanView(p, today) for p in probations],
        upcoming,
        sorted(by_month.items(), reverse=True),
        sorted(by_mentor.items()),
    )
