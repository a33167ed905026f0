"""Importing customer ratings: a CSV or XLSX file with the columns ``email``, ``rated_at``,
``channel``, ``quality`` (1-5), ``speed`` (1-5), ``ticket`` and, optionally, ``comment``.

All or nothing, like the KPI import. ``rated_at`` is an ISO date or date and time
(``2025-03-14`` or ``2025-03-14 10:30``, a zone like ``+03:00`` allowed); a time without
a zone is taken as UTC. ``channel`` is one of ``CHANNELS`` (a few usual spellings are
accepted). One rating per ticket and person: importing the same ticket and person again
updates the rating and keeps its review.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from lms.auth.models import User
from lms.errors import ServiceError
from lms.evaluation.kpi_import import CHUNK, emails_to_ids
from lms.evaluation.models import CHANNELS, NEGATIVE_AT_MOST, CustomerRating
from lms.i18n import _, ngettext
from lms.tables import BadCell, Problems, Table, read_table, text, whole_number

COLUMNS = ("email", "rated_at", "channel", "quality", "speed", "ticket")
OPTIONAL = ("comment",)
ALIASES = {
    "e-mail": "email", "mail": "email", "call": "phone", "calls": "phone", "voice": "phone",
    "telegram": "messenger", "whatsapp": "messenger", "ticket": "helpdesk",
    "tickets": "helpdesk", "ticket system": "helpdesk", "web chat": "chat", "webchat": "chat",
}  # fmt: skip
MAX_TICKET = 100
MAX_COMMENT = 4000


@dataclass
class RatingsImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    negative: int = 0  # negative ratings in the file without a review yet
    without_manager: int = 0  # of those, people who have no manager: only HR sees them
    people: int = 0
    dry_run: bool = False

    def summary(self) -> str:
        """One line saying what the import did (or would do, in a dry run)."""
        values = {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "negative": self.negative,
            "orphans": self.without_manager,
        }
        if self.dry_run:
            return _(
                "The file is correct: %(rows)d ratings (%(created)d new, %(updated)d updated), "
                "%(negative)d negative to review, %(orphans)d of them of people without a "
                "manager. Nothing was saved.",
                **values,
            )
        return _(
            "%(rows)d ratings imported (%(created)d new, %(updated)d updated); %(negative)d "
            "negative wait for their manager's review, %(orphans)d of them of people without a "
            "manager (HR sees those).",
            **values,
        )


@dataclass
class _Row:
    number: int
    user_id: int
    rated_at: datetime
    channel: str
    quality: int
    speed: int
    ticket: str
    comment: str

    def values(self, now: datetime) -> dict[str, Any]:
        return {
            "user_id": self.user_id, "rated_at": self.rated_at, "channel": self.channel,
            "quality": self.quality, "speed": self.speed, "ticket": self.ticket,
            "comment": self.comment, "imported_at": now,
        }  # fmt: skip


def rated_at(cell: Any, now: datetime) -> datetime:
    if isinstance(cell, datetime):
        moment = cell
    elif isinstance(cell, date):
        moment = datetime.combine(cell, time())
    else:
        raw = text(cell)
        try:
            moment = datetime.fromisoformat(raw)
        except ValueError:
            raise BadCell(
                _("“%(value)s” is not a date; write YYYY-MM-DD or YYYY-MM-DD HH:MM.", value=raw)
            ) from None
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    if moment > now + timedelta(days=1):
        raise BadCell(_("the date is in the future."))
    return moment


def channel(cell: Any) -> str:
    raw = text(cell).lower()
    value = ALIASES.get(raw, raw)
    if value not in CHANNELS:
        raise BadCell(
            _("unknown channel “%(value)s”; write one of: %(known)s.",
              value=raw, known=", ".join(CHANNELS))
        )  # fmt: skip
    return value


def _limited(cell: Any, limit: int, *, required: bool) -> str:
    value = text(cell)
    if required and not value:
        raise BadCell(_("this value is required."))
    if len(value) > limit:
        raise BadCell(_("at most %(n)d characters.", n=limit))
    return value


Check = Callable[[Any], Any]


def _cell_checks(now: datetime) -> dict[str, Check]:
    """Each column's check (the e-mail aside), turning a cell into its value."""
    return {
        "rated_at": lambda c: rated_at(c, now),
        "channel": channel,
        "quality": lambda c: whole_number(c, 1, 5),
        "speed": lambda c: whole_number(c, 1, 5),
        "ticket": lambda c: _limited(c, MAX_TICKET, required=True),
        "comment": lambda c: _limited(c, MAX_COMMENT, required=False),
    }


def _check_row(
    number: int, cells: tuple[Any, ...], at: dict[str, int | None], users: dict[str, int],
    problems: Problems, checks: dict[str, Check],
) -> _Row | None:  # fmt: skip
    def cell(name: str) -> Any:
        index = at[name]
        return "" if index is None else cells[index]

    email = text(cell("email")).lower()
    if email not in users:
        problem = _("nobody has the e-mail %(email)s.", email=email) if email else None
        problems.add(number, problem or _("an e-mail is required."), "email")
    values: dict[str, Any] = {}
    for name, check in checks.items():
        try:
            values[name] = check(cell(name))
        except BadCell as error:
            problems.add(number, str(error), name)
    if email not in users or len(values) < len(checks):
        return None
    return _Row(number, users[email], **values)


def _check(session: Session, table: Table, problems: Problems, now: datetime) -> list[_Row]:
    at = {name: table.index(name) for name in (*COLUMNS, *OPTIONAL)}
    i_email = at["email"] or 0
    users = emails_to_ids(session, (text(r[i_email]).lower() for _n, r in table.rows))
    checks = _cell_checks(now)
    rows = []
    first: dict[tuple[str, int], int] = {}
    for number, cells in table.rows:
        row = _check_row(number, cells, at, users, problems, checks)
        if row is None:
            continue
        other = first.setdefault((row.ticket, row.user_id), number)
        if other != number:
            problems.add(number, _("the same ticket and person as row %(other)d.", other=other))
        else:
            rows.append(row)
    return rows


def _existing(session: Session, rows: list[_Row]) -> dict[tuple[str, int], CustomerRating]:
    tickets = sorted({row.ticket for row in rows})
    found: dict[tuple[str, int], CustomerRating] = {}
    for start in range(0, len(tickets), CHUNK):
        query = (
            select(CustomerRating)
            .where(CustomerRating.ticket.in_(tickets[start : start + CHUNK]))
            .options(selectinload(CustomerRating.review))
        )
        found.update(((r.ticket, r.user_id), r) for r in session.scalars(query))
    return found


def _count_negatives(session: Session, rows: list[_Row], report: RatingsImportReport,
                     existing: dict[tuple[str, int], CustomerRating]) -> None:  # fmt: skip
    negative = [
        r for r in rows
        if min(r.quality, r.speed) <= NEGATIVE_AT_MOST
        and (existing.get((r.ticket, r.user_id)) is None
             or existing[(r.ticket, r.user_id)].review is None)
    ]  # fmt: skip
    report.negative = len(negative)
    ids = sorted({r.user_id for r in negative})
    managed: set[int] = set()
    for start in range(0, len(ids), CHUNK):
        managed.update(session.scalars(
            select(User.id).where(User.id.in_(ids[start : start + CHUNK]),
                                  User.manager_id.is_not(None))
        ))  # fmt: skip
    report.without_manager = sum(r.user_id not in managed for r in negative)


def import_ratings(
    session: Session,
    data: bytes,
    *,
    filename: str,
    now: datetime,
    dry_run: bool = False,
    progress: Callable[[str], object] | None = None,
) -> RatingsImportReport:
    """Check every row of a ratings file, then store them all (updating a rating of the
    same ticket and person), or none: raises ``ImportProblems`` listing every problem."""
    say = progress or (lambda _text: None)
    problems = Problems(filename)
    table = read_table(data, problems, required=COLUMNS, optional=OPTIONAL)
    say(ngettext("Checking %(num)d rating…", "Checking %(num)d ratings…", len(table.rows)))
    rows = _check(session, table, problems, now)
    problems.raise_if_any()
    existing = _existing(session, rows)
    report = RatingsImportReport(rows=len(rows), people=len({r.user_id for r in rows}))
    report.dry_run = dry_run
    report.updated = sum((r.ticket, r.user_id) in existing for r in rows)
    report.created = report.rows - report.updated
    _count_negatives(session, rows, report, existing)
    if dry_run:
        return report
    new = []
    for row in rows:
        rating = existing.get((row.ticket, row.user_id))
        if rating is None:
            new.append(row.values(now))
            continue
        for name, value in row.values(now).items():
            setattr(rating, name, value)
    try:
        session.flush()
        for start in range(0, len(new), 5_000):
            session.execute(CustomerRating.__table__.insert(), new[start : start + 5_000])
    except IntegrityError as error:
        raise ServiceError(
            _("Another import of the same tickets ran at the same time; run this one again.")
        ) from error
    return report
