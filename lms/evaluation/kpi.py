"""KPI attainment per agent and month, and the raise and at-risk marks.

Attainment of one metric in a month is ``value / target`` when higher is better and
``target / value`` when lower is better, capped at ``CAP`` (150%): one metric far beyond
its target (0.5% missed calls against 3% is 600%) must not hide the others below theirs.
A lower-is-better value of 0 (no missed calls at all) is the best there is: it counts as
``CAP`` rather than a division by zero.

The overall KPI of a month is the mean attainment over the metrics of the person's
department that have both a target and a value that month; none: no overall.

Marks, from the overall of three consecutive calendar months ending with the month looked
at (a month without an overall breaks the run): all three at or above 95% make a *raise
candidate*; all three below 90% make someone *at risk*.

The functions at the top are pure, over plain numbers, so they are tested by hand.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.evaluation.catalogue import all_metrics, targets_by_department
from lms.evaluation.models import KpiValue, Metric

CAP = 1.5
RAISE_AT = 0.95
AT_RISK_BELOW = 0.90
STREAK = 3
RAISE, AT_RISK = "raise_candidate", "at_risk"
CHUNK = 500


def attainment(value: float, target: float, direction: str) -> float:
    """How far ``value`` reaches ``target``: 1.0 is exactly on target."""
    if direction == "higher":
        return max(0.0, min(value / target, CAP))
    ratio = CAP if value <= 0 else target / value
    return max(0.0, min(ratio, CAP))


def overall(attainments: Iterable[float | None]) -> float | None:
    """The mean of the attainments there are; None when there are none."""
    known = [a for a in attainments if a is not None]
    return sum(known) / len(known) if known else None


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def month_flag(series: dict[date, float | None], month: date) -> str | None:
    """``RAISE``, ``AT_RISK`` or None for the run of ``STREAK`` months ending at ``month``."""
    found = [series.get(add_months(month, -n)) for n in range(STREAK)]
    run = [value for value in found if value is not None]
    if len(run) < STREAK:
        return None
    if all(value >= RAISE_AT for value in run):
        return RAISE
    if all(value < AT_RISK_BELOW for value in run):
        return AT_RISK
    return None


def month_results(
    values: dict[int, float], targets: dict[int, float], directions: dict[int, str]
) -> tuple[dict[int, float], float | None]:
    """Per-metric attainment of one person's month and the overall over targeted metrics."""
    per_metric = {
        metric_id: attainment(value, targets[metric_id], directions[metric_id])
        for metric_id, value in values.items()
        if metric_id in targets
    }
    return per_metric, overall(per_metric.values())


# From the database ------------------------------------------------------------------------


@dataclass
class Month:
    """One person's month: values and attainment by metric id, overall, and the mark."""

    period: date
    values: dict[int, float] = field(default_factory=dict)
    attainment: dict[int, float] = field(default_factory=dict)
    overall: float | None = None
    flag: str | None = None


@dataclass
class Catalogue:
    metrics: list[Metric]
    directions: dict[int, str]
    targets: dict[int, dict[int, float]]  # department id -> metric id -> target

    def targets_of(self, department_id: int | None) -> dict[int, float]:
        return self.targets.get(department_id or 0, {})


def load_catalogue(session: Session) -> Catalogue:
    metrics = all_metrics(session)
    return Catalogue(metrics, {m.id: m.direction for m in metrics}, targets_by_department(session))


def value_rows(
    session: Session, user_ids: Iterable[int] | None, first: date, last: date
) -> list[tuple[int, date, int, float]]:
    """(user id, period, metric id, value) of the months ``first``..``last``; None: everyone."""
    query = select(KpiValue.user_id, KpiValue.period, KpiValue.metric_id, KpiValue.value).where(
        KpiValue.period >= first, KpiValue.period <= last
    )
    if user_ids is None:
        return [(u, p, m, v) for u, p, m, v in session.execute(query)]
    ids = sorted(set(user_ids))
    rows: list[tuple[int, date, int, float]] = []
    for start in range(0, len(ids), CHUNK):
        chunk = query.where(KpiValue.user_id.in_(ids[start : start + CHUNK]))
        rows.extend((u, p, m, v) for u, p, m, v in session.execute(chunk))
    return rows


def compute_months(
    rows: Iterable[tuple[int, date, int, float]],
    departments: dict[int, int | None],
    catalogue: Catalogue,
) -> dict[int, dict[date, Month]]:
    """Each person's months from plain rows, with attainment, overall and marks."""
    people: dict[int, dict[date, Month]] = {}
    for user_id, period, metric_id, value in rows:
        months = people.setdefault(user_id, {})
        month = months.get(period) or months.setdefault(period, Month(period))
        month.values[metric_id] = value
    for user_id, months in people.items():
        targets = catalogue.targets_of(departments.get(user_id))
        for month in months.values():
            month.attainment, month.overall = month_results(
                month.values, targets, catalogue.directions
            )
        series = {period: month.overall for period, month in months.items()}
        for month in months.values():
            month.flag = month_flag(series, month.period)
    return people


def latest_period(session: Session, user_ids: Iterable[int] | None = None) -> date | None:
    """The newest month with a value (of these people; None: anyone's)."""
    if user_ids is None:
        return session.scalar(select(func.max(KpiValue.period)))
    ids = sorted(set(user_ids))
    found = [
        session.scalar(
            select(func.max(KpiValue.period)).where(
                KpiValue.user_id.in_(ids[start : start + CHUNK])
            )
        )
        for start in range(0, len(ids), CHUNK)
    ]
    return max((p for p in found if p is not None), default=None)


@dataclass
class Sheet:
    """A person's KPI page: months newest first, with the catalogue and their targets."""

    person: User
    catalogue: Catalogue
    targets: dict[int, float]
    months: list[Month]

    @property
    def flag(self) -> str | None:
        return self.months[0].flag if self.months else None


def person_sheet(session: Session, person: User, *, months: int = 12) -> Sheet:
    """The person's last ``months`` months that have values (the marks look further back)."""
    catalogue = load_catalogue(session)
    last = latest_period(session, [person.id])
    found: dict[date, Month] = {}
    if last is not None:
        first = add_months(last, -(months + STREAK - 2))
        rows = value_rows(session, [person.id], first, last)
        found = compute_months(rows, {person.id: person.department_id}, catalogue).get(
            person.id, {}
        )
        oldest_shown = add_months(last, -(months - 1))
        found = {p: m for p, m in found.items() if p >= oldest_shown}
    ordered = [found[p] for p in sorted(found, reverse=True)]
    return Sheet(person, catalogue, catalogue.targets_of(person.department_id), ordered)


def metrics_of(
    catalogue: Catalogue, targets: dict[int, float], months: list[Month]
) -> list[Metric]:
    """The metrics worth a column: targeted in the department or with a value shown."""
    used = {metric_id for m in months for metric_id in m.values}
    return [m for m in catalogue.metrics if m.id in targets or m.id in used]
