"""The team overview: everyone's overall KPI for three months, by department, with the
raise candidates and the people at risk of the month looked at."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from lms.auth.models import Department, User
from lms.evaluation.kpi import (
    AT_RISK,
    CHUNK,
    RAISE,
    STREAK,
    Month,
    add_months,
    compute_months,
    latest_period,
    load_catalogue,
    value_rows,
)


@dataclass
class Row:
    person: User
    months: dict[date, Month]

    def overall(self, period: date) -> float | None:
        month = self.months.get(period)
        return month.overall if month else None

    def flag(self, period: date) -> str | None:
        month = self.months.get(period)
        return month.flag if month else None


@dataclass
class DepartmentLine:
    department: Department | None
    people: int = 0
    measured: int = 0  # with an overall KPI in the month
    total: float = 0.0
    raise_candidates: int = 0
    at_risk: int = 0

    @property
    def mean(self) -> float | None:
        return self.total / self.measured if self.measured else None


@dataclass
class Overview:
    month: date | None
    months: list[date] = field(default_factory=list)  # oldest first, ``month`` last
    rows: list[Row] = field(default_factory=list)
    departments: list[DepartmentLine] = field(default_factory=list)

    def flagged(self, flag: str) -> list[Row]:
        return [row for row in self.rows if self.month and row.flag(self.month) == flag]


def _people(session: Session, ids: Iterable[int]) -> list[User]:
    wanted = sorted(set(ids))
    people: list[User] = []
    for start in range(0, len(wanted), CHUNK):
        people.extend(
            session.scalars(
                select(User)
                .where(User.id.in_(wanted[start : start + CHUNK]))
                .options(selectinload(User.department))
            )
        )
    return people


def _department_ids(session: Session, department_id: int) -> set[int]:
    return set(session.scalars(select(User.id).where(User.department_id == department_id)))


def team_overview(
    session: Session,
    *,
    scope: set[int] | None,
    department_id: int | None = None,
    month: date | None = None,
) -> Overview:
    """The overview of ``scope`` (None: everyone with values, for HR), optionally of one
    department, for ``month`` (default: the latest month with values)."""
    ids = scope
    if department_id is not None:
        in_department = _department_ids(session, department_id)
        ids = in_department if ids is None else ids & in_department
    month = month or latest_period(session, ids)
    overview = Overview(month)
    if month is None:
        if ids:
            overview.rows = [Row(p, {}) for p in _people(session, ids)]
        return _summarise(overview)
    overview.months = [add_months(month, -n) for n in reversed(range(STREAK))]
    rows = value_rows(session, ids, overview.months[0], month)
    people = _people(session, ids if ids is not None else {r[0] for r in rows})
    catalogue = load_catalogue(session)
    computed = compute_months(rows, {p.id: p.department_id for p in people}, catalogue)
    overview.rows = [Row(p, computed.get(p.id, {})) for p in people]
    return _summarise(overview)


def _summarise(overview: Overview) -> Overview:
    overview.rows.sort(key=lambda r: (r.person.department.name if r.person.department else "",
                                      r.person.name))  # fmt: skip
    lines: dict[int | None, DepartmentLine] = {}
    for row in overview.rows:
        line = lines.setdefault(row.person.department_id, DepartmentLine(row.person.department))
        line.people += 1
        if overview.month is None:
            continue
        value = row.overall(overview.month)
        if value is not None:
            line.measured += 1
            line.total += value
        flag = row.flag(overview.month)
        line.raise_candidates += flag == RAISE
        line.at_risk += flag == AT_RISK
    overview.departments = list(lines.values())
    return overview
