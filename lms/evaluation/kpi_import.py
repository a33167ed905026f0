"""Importing monthly KPI values per agent: a CSV or XLSX file with the columns ``email``,
``period`` (``YYYY-MM``), ``metric`` (a code of the catalogue) and ``value``.

All or nothing: every row is checked first (unknown e-mail or metric, a month that is not
one or has not begun, a value that is not a number or is negative, the same person, month
and metric twice) and any problem refuses the whole file. A value already stored for the
same person, month and metric is replaced. Built for 100,000 rows in seconds: people and
metrics are looked up in a few queries, and the rows are written in bulk, never one ORM
object each. Like every service this flushes (executes) and never commits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.errors import ServiceError
from lms.evaluation.models import KpiValue, Metric
from lms.i18n import _, ngettext
from lms.tables import BadCell, Problems, Table, month, number, read_table, text

COLUMNS = ("email", "period", "metric", "value")
CHUNK = 500  # ids per IN (...): well under every database's parameter limit
INSERT_CHUNK = 5_000
EARLIEST = date(2000, 1, 1)

Progress = Callable[[str], object]


@dataclass
class KpiImportReport:
    rows: int = 0
    created: int = 0
    replaced: int = 0
    people: int = 0
    periods: list[date] = field(default_factory=list)
    metrics: list[str] = field(default_factory=list)
    dry_run: bool = False

    def summary(self) -> str:
        """One line saying what the import did (or would do, in a dry run)."""
        periods = ", ".join(f"{p:%Y-%m}" for p in self.periods)
        values = {
            "rows": self.rows,
            "created": self.created,
            "replaced": self.replaced,
            "people": self.people,
            "periods": periods,
        }
        if self.dry_run:
            return _(
                "The file is correct: %(rows)d values (%(created)d new, %(replaced)d replacing "
                "stored ones) of %(people)d people for %(periods)s. Nothing was saved.",
                **values,
            )
        return _(
            "%(rows)d values imported (%(created)d new, %(replaced)d replaced) of %(people)d "
            "people for %(periods)s.",
            **values,
        )


def emails_to_ids(session: Session, emails: Iterable[str]) -> dict[str, int]:
    """User ids by (lower-case) e-mail, a chunk of e-mails per query."""
    wanted = sorted(set(emails))
    found: dict[str, int] = {}
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        rows = session.execute(select(User.email, User.id).where(User.email.in_(chunk)))
        found.update((email, id_) for email, id_ in rows)
    return found


def _metric_ids(session: Session) -> dict[str, int]:
    return {code.lower(): id_ for code, id_ in session.execute(select(Metric.code, Metric.id))}


Key = tuple[int, date, int]  # user id, period, metric id


@dataclass
class _Checked:
    values: dict[Key, float] = field(default_factory=dict)
    first_row: dict[Key, int] = field(default_factory=dict)


def _check_rows(
    session: Session, table: Table, problems: Problems, *, today: date
) -> dict[Key, float]:
    """Every row's (person, month, metric) -> value; a problem noted for each bad cell."""
    at = {name: table.index(name) for name in COLUMNS}
    i_email, i_period, i_metric, i_value = (at[c] for c in COLUMNS)
    users = emails_to_ids(session, (text(r[i_email]).lower() for _n, r in table.rows))
    metrics = _metric_ids(session)
    latest = date(today.year, today.month, 1)
    checked = _Checked()
    months: dict[object, date | str] = {}  # a file has few distinct months: parse each once
    for number_, cells in table.rows:
        raw_email = text(cells[i_email]).lower()
        user_id = users.get(raw_email)
        if user_id is None:
            problems.add(number_, _email_problem(raw_email), "email")
        period = _period(cells[i_period], months, latest)
        if isinstance(period, str):
            problems.add(number_, period, "period")
        code = text(cells[i_metric]).lower()
        metric_id = metrics.get(code)
        if metric_id is None:
            problems.add(number_, _metric_problem(code, metrics), "metric")
        try:
            value = number(cells[i_value])
            if value < 0:
                raise BadCell(_("a KPI value cannot be negative."))
        except BadCell as error:
            problems.add(number_, str(error), "value")
            continue
        if user_id is None or metric_id is None or isinstance(period, str):
            continue
        _keep(checked, (user_id, period, metric_id), value, number_, problems)
    return checked.values


def _keep(checked: _Checked, key: Key, value: float, row: int, problems: Problems) -> None:
    first = checked.first_row.setdefault(key, row)
    if first != row:
        problems.add(
            row, _("the same person, month and metric as row %(other)d.", other=first), None
        )
    else:
        checked.values[key] = value


def _email_problem(email: str) -> str:
    if not email:
        return _("an e-mail is required.")
    return _("nobody has the e-mail %(email)s.", email=email)


def _metric_problem(code: str, metrics: dict[str, int]) -> str:
    known = ", ".join(sorted(metrics)) or _("none yet; run “flask lms sync”")
    if not code:
        return _("a metric code is required. Known metrics: %(known)s.", known=known)
    return _("unknown metric “%(code)s”. Known metrics: %(known)s.", code=code, known=known)


def _period(cell: object, cache: dict[object, date | str], latest: date) -> date | str:
    """The month's first day, or the problem as text."""
    key = cell if isinstance(cell, str) else repr(cell)
    if key not in cache:
        try:
            period = month(cell)
        except BadCell as error:
            cache[key] = str(error)
        else:
            if period > latest:
                cache[key] = _("the month %(month)s has not begun yet.", month=f"{period:%Y-%m}")
            elif period < EARLIEST:
                cache[key] = _("the month %(month)s is too long ago.", month=f"{period:%Y-%m}")
            else:
                cache[key] = period
    return cache[key]


def _existing(session: Session, values: dict[Key, float]) -> list[int]:
    """Ids of stored values with the same (person, month, metric) as a row of the file."""
    users = sorted({k[0] for k in values})
    periods = sorted({k[1] for k in values})
    metrics = sorted({k[2] for k in values})
    ids = []
    for start in range(0, len(users), CHUNK):
        rows = session.execute(
            select(KpiValue.id, KpiValue.user_id, KpiValue.period, KpiValue.metric_id).where(
                KpiValue.user_id.in_(users[start : start + CHUNK]),
                KpiValue.period.in_(periods),
                KpiValue.metric_id.in_(metrics),
            )
        )
        ids.extend(id_ for id_, *key in rows if tuple(key) in values)
    return ids


def _write(session: Session, values: dict[Key, float], replaced: list[int], now: datetime) -> None:
    table = KpiValue.__table__
    for start in range(0, len(replaced), CHUNK):
        session.execute(delete(table).where(table.c.id.in_(replaced[start : start + CHUNK])))
    rows = [
        {"user_id": u, "period": p, "metric_id": m, "value": v, "imported_at": now}
        for (u, p, m), v in values.items()
    ]
    try:
        for start in range(0, len(rows), INSERT_CHUNK):
            session.execute(table.insert(), rows[start : start + INSERT_CHUNK])
    except IntegrityError as error:  # another import wrote the same months meanwhile
        raise ServiceError(
            _("Another import of the same months ran at the same time; run this one again.")
        ) from error


def import_kpi_values(
    session: Session,
    data: bytes,
    *,
    filename: str,
    today: date,
    now: datetime,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> KpiImportReport:
    """Check every row of a KPI file, then store all values (replacing those of the same
    person, month and metric), or none: raises ``ImportProblems`` listing every problem.
    A dry run checks and counts but writes nothing."""
    say = progress or (lambda _text: None)
    problems = Problems(filename)
    say(_("Reading %(file)s…", file=filename))
    table = read_table(data, problems, required=COLUMNS)
    say(ngettext("Checking %(num)d row…", "Checking %(num)d rows…", len(table.rows)))
    values = _check_rows(session, table, problems, today=today)
    problems.raise_if_any()
    replaced = _existing(session, values)
    metric_codes = dict(session.execute(select(Metric.id, Metric.code)).all())
    report = KpiImportReport(
        rows=len(values),
        created=len(values) - len(replaced),
        replaced=len(replaced),
        people=len({k[0] for k in values}),
        periods=sorted({k[1] for k in values}),
        metrics=sorted({metric_codes[k[2]] for k in values}),
        dry_run=dry_run,
    )
    if not dry_run:
        say(ngettext("Writing %(num)d value…", "Writing %(num)d values…", len(values)))
        _write(session, values, replaced, now)
    return report
