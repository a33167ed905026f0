"""Phillips level 4, business impact: KPI means before and after the course, isolated.

Plain values in, dataclasses out; no database. Decisions, as the report prints them:

- Months are calendar months (``period`` is any day of its month). The *before* window is
  the ``before_months`` months before the month a participant completed the course, the
  *after* window the ``after_months`` months after it; the completion month itself is in
  neither (the participant was partly trained during it).
- A window's mean is over the months that have a value; a window needs at least one. A
  participant without a value in either window is skipped for that metric and counted.
- Participants' change = mean over counted participants of (after - before).
- Control group: the controls of a participant are pool members in the same department and
  the same position (both known), not trained in the period and not participants, with
  values in both of the participant's calendar windows. Their change is the mean of those
  controls' changes; the control group's change is the mean of it over the participants
  who have controls ("matched"). The effect compares the same people: mean change of the
  matched participants - control group's change.
- Without a control group the effect is participants' change x the mean of (estimate % x
  confidence %) from the level-3 surveys. A metric whose participants have no matching
  control falls back to that estimate, with a note.
- Effects are in units of improvement: a fall of a lower-is-better metric is positive.
- Values are floats; rounding is for presentation only.
"""

from __future__ import annotations

import random
import time
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from math import fsum

from lms.i18n import _, _l

CONTROL = "control"
ESTIMATE = "estimate"
METHOD_LABELS = {CONTROL: _l("control group"), ESTIMATE: _l("participant estimate")}
LOWER = "lower"  # lower is better (as ``lms.evaluation.models.DIRECTIONS`` spells it)


def month_number(day: date) -> int:
    """A calendar month as one whole number, so windows are ranges: 2024-03 -> 24290."""
    return day.year * 12 + day.month - 1


class KpiIndex:
    """KPI values by (user, metric), then by month number: each window is a few dict reads."""

    def __init__(self) -> None:
        self.values: dict[tuple[int, str], dict[int, float]] = {}

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[int, str, date, float]]) -> KpiIndex:
        """An index of ``(user id, metric code, period, value)`` rows; a repeated key replaces."""
        index = cls()
        values = index.values
        for user_id, metric, period, value in rows:
            key = (user_id, metric)
            months = values.get(key)
            if months is None:
                months = values[key] = {}
            months[period.year * 12 + period.month - 1] = float(value)
        return index

    def window_mean(self, user_id: int, metric: str, first: int, last: int) -> float | None:
        """The mean of the user's values in months ``first``..``last``; None if there are none."""
        months = self.values.get((user_id, metric))
        if not months:
            return None
        found = [months[month] for month in range(first, last + 1) if month in months]
        return fsum(found) / len(found) if found else None


@dataclass(frozen=True)
class Participant:
    """Someone who completed the course (or program) between the definition's dates."""

    user_id: int
    completed_on: date
    department: Hashable | None = None
    position: Hashable | None = None


@dataclass(frozen=True)
class PoolMember:
    """A possible control: where they work and whether they were trained in the period."""

    user_id: int
    department: Hashable | None
    position: Hashable | None
    is_trained: bool = False


@dataclass(frozen=True)
class MetricImpact:
    """One metric's figures; means are of monthly values, changes are after - before."""

    metric: str
    direction: str
    participants: int  # counted: values in both windows
    skipped: int  # participants without a value in a window
    before: float | None
    after: float | None
    change: float | None
    matched: int = 0  # participants who have controls
    control_before: float | None = None
    control_after: float | None = None
    control_change: float | None = None
    method: str = ""  # CONTROL, ESTIMATE or "" when no effect could be computed
    effect: float | None = None  # per participant per month, in units of improvement
    note: str = ""

    @property
    def method_label(self) -> str:
        return str(METHOD_LABELS[self.method]) if self.method else ""


@dataclass(frozen=True)
class Level4:
    participants: int
    before_months: int
    after_months: int
    metrics: list[MetricImpact] = field(default_factory=list)

    @property
    def methods(self) -> list[str]:
        """The isolation methods used, as printed, in a stable order."""
        used = {m.method for m in self.metrics if m.method}
        return [str(METHOD_LABELS[code]) for code in (CONTROL, ESTIMATE) if code in used]


# A counted participant: mean before, mean after, and their controls' (before, after) if any
_Counted = tuple[float, float, tuple[float, float] | None]
# A participant's windows: (user id, group key, first before, last before, first after, last after)
_Window = tuple[int, tuple[Hashable, Hashable] | None, int, int, int, int]


def level4(
    participants: Sequence[Participant],
    pool: Sequence[PoolMember],
    kpi: KpiIndex,
    directions: Mapping[str, str],
    *,
    before_months: int,
    after_months: int,
    control_group: bool,
    adjustment: float | None,
) -> Level4:
    """Level 4 for each metric of ``directions`` (metric code -> "higher" or "lower").

    ``adjustment`` is the level-3 mean of estimate x confidence as a fraction (0.4 for 40 %),
    used when there is no control group; None when no participant gave both.
    """
    windows = [_window(p, before_months, after_months) for p in participants]
    groups = _control_groups(pool, {p.user_id for p in participants}) if control_group else {}
    metrics = [
        _metric(code, direction, windows, groups, kpi, control_group, adjustment)
        for code, direction in directions.items()
    ]
    return Level4(len(participants), before_months, after_months, metrics)


def _window(participant: Participant, before: int, after: int) -> _Window:
    month = month_number(participant.completed_on)
    known = participant.department is not None and participant.position is not None
    group = (participant.department, participant.position) if known else None
    return participant.user_id, group, month - before, month - 1, month + 1, month + after


def _control_groups(
    pool: Sequence[PoolMember], participant_ids: set[int]
) -> dict[tuple[Hashable, Hashable], list[int]]:
    groups: dict[tuple[Hashable, Hashable], list[int]] = {}
    for member in pool:
        if member.is_trained or member.user_id in participant_ids:
            continue
        if member.department is None or member.position is None:
            continue
        groups.setdefault((member.department, member.position), []).append(member.user_id)
    return groups


def _metric(
    code: str,
    direction: str,
    windows: list[_Window],
    groups: Mapping[tuple[Hashable, Hashable], list[int]],
    kpi: KpiIndex,
    control_group: bool,
    adjustment: float | None,
) -> MetricImpact:
    counted: list[_Counted] = []
    cache: dict[tuple[object, ...], tuple[float, float] | None] = {}
    for user_id, group, b_first, b_last, a_first, a_last in windows:
        before = kpi.window_mean(user_id, code, b_first, b_last)
        after = kpi.window_mean(user_id, code, a_first, a_last) if before is not None else None
        if before is None or after is None:
            continue
        controls = None
        if control_group and group is not None:
            key = (group, b_first, b_last, a_first, a_last)
            if key not in cache:
                cache[key] = _controls_mean(kpi, code, groups.get(group, ()), key[1:])
            controls = cache[key]
        counted.append((before, after, controls))
    skipped = len(windows) - len(counted)
    if not counted:
        note = _("No participant has values both before and after the course.")
        return MetricImpact(code, direction, 0, skipped, None, None, None, note=note)
    before = fsum(row[0] for row in counted) / len(counted)
    after = fsum(row[1] for row in counted) / len(counted)
    impact = MetricImpact(code, direction, len(counted), skipped, before, after, after - before)
    sign = -1.0 if direction == LOWER else 1.0
    matched = [row for row in counted if row[2] is not None]
    if control_group and matched:
        return _with_controls(impact, matched, sign)
    note = ""
    if control_group:
        note = _(
            "No untrained colleague in the same department and position has values in the "
            "same months: the participants' estimate is used instead."
        )
    return _with_estimate(impact, adjustment, sign, note)


def _controls_mean(
    kpi: KpiIndex, code: str, users: Iterable[int], months: tuple[int, ...]
) -> tuple[float, float] | None:
    """The mean before and mean after of the controls with values in both windows."""
    b_first, b_last, a_first, a_last = months
    befores: list[float] = []
    afters: list[float] = []
    for user_id in users:
        before = kpi.window_mean(user_id, code, b_first, b_last)
        if before is None:
            continue
        after = kpi.window_mean(user_id, code, a_first, a_last)
        if after is not None:
            befores.append(before)
            afters.append(after)
    if not befores:
        return None
    return fsum(befores) / len(befores), fsum(afters) / len(afters)


def _with_controls(impact: MetricImpact, matched: list[_Counted], sign: float) -> MetricImpact:
    size = len(matched)
    own_change = fsum(after - before for before, after, _c in matched) / size
    control_before = fsum(c[0] for _b, _a, c in matched if c) / size
    control_after = fsum(c[1] for _b, _a, c in matched if c) / size
    control_change = control_after - control_before
    return replace(
        impact,
        matched=size,
        control_before=control_before,
        control_after=control_after,
        control_change=control_change,
        method=CONTROL,
        effect=sign * (own_change - control_change),
    )


def _with_estimate(
    impact: MetricImpact, adjustment: float | None, sign: float, note: str
) -> MetricImpact:
    if adjustment is None:
        problem = _(
            "No participant gave an estimate with its confidence: the effect cannot be isolated."
        )
        return replace(impact, note=f"{note} {problem}".strip())
    effect = sign * (impact.change or 0.0) * adjustment
    return replace(impact, method=ESTIMATE, effect=effect, note=note)


# Speed check --------------------------------------------------------------------------------


def bench_phillips(
    users: int = 2000, months: int = 12, metrics: int = 8, *, control_group: bool = True
) -> float:
    """Seconds to index ``users x months x metrics`` KPI values and compute level 4.

    Half the users completed the course (in months 4-9 of a year starting 2024-01), the
    other half are the control pool; 4 departments x 3 positions; 3 months before and after.
    """
    rng = random.Random(9)
    codes = [f"m{n}" for n in range(metrics)]
    periods = [date(2024 + (m // 12), m % 12 + 1, 1) for m in range(months)]
    rows = [
        (user, code, period, rng.uniform(0, 100))
        for user in range(users)
        for code in codes
        for period in periods
    ]
    people = [(user, user % 4, user % 3) for user in range(users)]
    participants = [
        Participant(user, date(2024, 4 + user % 6, 15), department, position)
        for user, department, position in people[: users // 2]
    ]
    pool = [PoolMember(user, department, position) for user, department, position in people]
    directions = {code: "lower" if n % 2 else "higher" for n, code in enumerate(codes)}
    started = time.perf_counter()
    index = KpiIndex.from_rows(rows)
    level4(
        participants,
        pool,
        index,
        directions,
        before_months=3,
        after_months=3,
        control_group=control_group,
        adjustment=0.4,
    )
    return time.perf_counter() - started
