"""Bulk-creating users from a CSV file: every row is checked first, then all are created or none.

The file comes from HR's spreadsheet: UTF-8 (with or without BOM) or, as Excel in the Russian
locale saves it, Windows-1251 with ``;`` between values. Problems are collected for the whole
file, each naming the file, the row (1 is the header) and the column, so one upload shows
everything to fix. Like every service this flushes and never commits.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.auth import services
from lms.auth.models import Department, Position, User
from lms.errors import ServiceError
from lms.i18n import LOCALES, _, ngettext
from lms.tables import Problems, check_header
from lms.textfiles import UnreadableFile, decode_text

REQUIRED_COLUMNS = ("email", "name")
OPTIONAL_COLUMNS = "department position roles manager_email mentor_email hired_on locale password"
OPTIONAL = tuple(OPTIONAL_COLUMNS.split())
KNOWN_COLUMNS = (*REQUIRED_COLUMNS, *OPTIONAL)
DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y")
ROLE_SEPARATORS = re.compile(r"[\s|,]+")
# No 0/O or 1/l/I, so a password read off a screen or dictated is typed right.
PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
PASSWORD_GROUPS, PASSWORD_GROUP_LENGTH = 3, 4
LOOKUP_CHUNK = 500  # e-mails per IN (...) query, well under every database's parameter limit


@dataclass
class CreatedUser:
    """One row of the file: created, or (in a dry run) that would be created."""

    name: str
    email: str
    temporary_password: str | None  # generated when the row has no password; None in dry run
    user: User | None  # None in dry run


@dataclass
class ImportResult:
    created: list[CreatedUser]
    dry_run: bool


class CsvImportError(ServiceError):
    """The file was refused and nothing was written; ``problems`` lists every reason found."""

    def __init__(self, problems: list[str], *, total: int | None = None) -> None:
        total = len(problems) if total is None else total
        summary = ngettext(
            "%(num)d problem in the file; nobody was imported.",
            "%(num)d problems in the file; nobody was imported.",
            total,
        )
        super().__init__(problems[0] if total == 1 else summary)
        self.problems = problems


# Problems --------------------------------------------------------------------------------


def _file_error(filename: str, problem: str) -> CsvImportError:
    problems = Problems(filename, CsvImportError)
    return problems.fail(problem)


# Bytes to text ---------------------------------------------------------------------------


def decode_csv(data: bytes, filename: str) -> str:
    """The file's text: UTF-8 (BOM or not) or Russian Windows-1251; anything else is refused."""
    try:
        return decode_text(data, max_bytes=current_app.config["CSV_MAX_BYTES"])
    except UnreadableFile as error:
        raise _file_error(filename, error.message) from error


# Text to rows ----------------------------------------------------------------------------


@dataclass
class _Table:
    rows: list[tuple[int, dict[str, str]]]  # (row number, cell per column) of well-formed rows
    size: int  # data rows, well-formed or not


def _detect_delimiter(text: str) -> str:
    """``;`` (Excel in the Russian locale) or ``,``, whichever the header line has more of."""
    header = text.lstrip("\r\n").splitlines()[0]
    return ";" if header.count(";") > header.count(",") else ","


def _read_records(text: str, problems: Problems) -> list[tuple[int, list[str]]]:
    """Non-blank records with their row numbers (blank rows still count, as in a spreadsheet)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_detect_delimiter(text))
    records: list[tuple[int, list[str]]] = []
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            if any(cell.strip() for cell in cells):
                records.append((number, [cell.strip() for cell in cells]))
    except csv.Error as error:
        problems.add(number + 1, _("this row cannot be read as CSV (%(error)s).", error=str(error)))
    return records


def _read_table(text: str, problems: Problems) -> _Table:
    """The header's columns and each data row's cells; header problems stop here."""
    records = _read_records(text, problems)
    problems.raise_if_any()
    if not records:
        raise _file_error(problems.filename, _("the file is empty."))
    header_row, header = records[0]
    columns = problems.columns = check_header(
        header_row, header, problems, REQUIRED_COLUMNS, OPTIONAL
    )
    if not _usable(columns):
        problems.raise_if_any()
    if len(records) == 1:
        problems.add(header_row, _("the file has a header row but no people below it."))
    rows = []
    for number, raw in records[1:]:
        cells = _cells_by_column(number, raw, columns, problems)
        if cells is not None:
            rows.append((number, cells))
    return _Table(rows, size=len(records) - 1)


def _usable(columns: list[str]) -> bool:
    """Rows can be checked under this header: unknown columns only add problems of their own."""
    return (
        all(name in columns for name in REQUIRED_COLUMNS)
        and all(columns)
        and len(set(columns)) == len(columns)
    )


def _cells_by_column(
    number: int, cells: list[str], columns: list[str], problems: Problems
) -> dict[str, str] | None:
    """The row's cells by column name; None if it has more or fewer values than the header."""
    while len(cells) > len(columns) and not cells[-1]:
        cells = cells[:-1]
    if len(cells) != len(columns):
        problems.add(
            number,
            _(
                "the row has %(found)d values, but the header has %(expected)d columns.",
                found=len(cells),
                expected=len(columns),
            ),
        )
        return None
    return dict(zip(columns, cells, strict=True))


# Checking each row -----------------------------------------------------------------------


@dataclass
class _Row:
    """A data row's cleaned values; a value whose cell had a problem stays None."""

    number: int
    email: str | None = None
    name: str | None = None
    department: Department | None = None
    position: Position | None = None
    roles: set[str] | None = None
    manager_email: str | None = None
    mentor_email: str | None = None
    hired_on: date | None = None
    locale: str | None = None
    password: str | None = None


@dataclass
class _Context:
    session: Session
    may_assign_roles: bool
    problems: Problems
    units: dict[tuple[type, str], Department | Position | None] = field(default_factory=dict)

    def org_unit(
        self, model: type[Department] | type[Position], value: str
    ) -> Department | Position | None:
        """Look a department or position up once per distinct value in the file."""
        key = (model, value.lower())
        if key not in self.units:
            self.units[key] = services.find_org_unit(self.session, model, value)
        return self.units[key]


def _email(ctx: _Context, raw: str) -> str:
    return services.normalize_email(raw)


def _name(ctx: _Context, raw: str) -> str:
    return services.clean_name(raw)


def _other_email(ctx: _Context, raw: str) -> str | None:
    return services.normalize_email(raw) if raw else None


def _department(ctx: _Context, raw: str) -> Department | Position | None:
    unit = ctx.org_unit(Department, raw) if raw else None
    if raw and unit is None:
        raise ServiceError(_("no department has the code or name “%(value)s”.", value=raw))
    if unit is not None and not unit.is_active:
        raise ServiceError(_("department “%(value)s” is no longer in use.", value=unit.name))
    return unit


def _position(ctx: _Context, raw: str) -> Department | Position | None:
    unit = ctx.org_unit(Position, raw) if raw else None
    if raw and unit is None:
        raise ServiceError(_("no position has the code or name “%(value)s”.", value=raw))
    if unit is not None and not unit.is_active:
        raise ServiceError(_("position “%(value)s” is no longer in use.", value=unit.name))
    return unit


def _roles(ctx: _Context, raw: str) -> set[str]:
    roles = services.clean_roles(ROLE_SEPARATORS.split(raw)) or {"agent"}
    if roles != {"agent"} and not ctx.may_assign_roles:
        raise ServiceError(
            _("only administrators can give roles other than agent; leave the column empty.")
        )
    return roles


def _hired_on(ctx: _Context, raw: str) -> date | None:
    if not raw:
        return None
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(raw, pattern).date()
        except ValueError:
            continue
    raise ServiceError(_("“%(value)s” is not a date; write YYYY-MM-DD or DD.MM.YYYY.", value=raw))


def _locale(ctx: _Context, raw: str) -> str | None:
    if raw and raw.lower() not in LOCALES:
        raise ServiceError(
            _(
                "unknown language “%(value)s”; write one of: %(known)s.",
                value=raw,
                known=", ".join(LOCALES),
            )
        )
    return raw.lower() or None


def _password(ctx: _Context, raw: str) -> str | None:
    return services.check_new_password(raw) if raw else None


CELL_CHECKS: dict[str, Callable[[_Context, str], object]] = {
    "email": _email,
    "name": _name,
    "department": _department,
    "position": _position,
    "roles": _roles,
    "manager_email": _other_email,
    "mentor_email": _other_email,
    "hired_on": _hired_on,
    "locale": _locale,
    "password": _password,
}


def _check_row(ctx: _Context, number: int, cells: dict[str, str]) -> _Row:
    """Clean every cell of a row, noting a problem for each bad one."""
    row = _Row(number)
    for column, check in CELL_CHECKS.items():
        try:
            setattr(row, column, check(ctx, cells.get(column, "")))
        except ServiceError as error:
            ctx.problems.add(number, error.message, column=column)
    return row


# Checking rows against each other and the database ---------------------------------------


def _existing_users(session: Session, emails: Iterable[str]) -> dict[str, User]:
    """Users already in the database, by e-mail, a chunk of e-mails per query."""
    wanted = sorted(set(emails))
    found: dict[str, User] = {}
    for start in range(0, len(wanted), LOOKUP_CHUNK):
        chunk = wanted[start : start + LOOKUP_CHUNK]
        found.update(
            (u.email, u) for u in session.scalars(select(User).where(User.email.in_(chunk)))
        )
    return found


def _check_emails(rows: list[_Row], existing: dict[str, User], problems: Problems) -> None:
    """Each e-mail once in the file and not yet in the database."""
    first_row: dict[str, int] = {}
    for row in rows:
        if row.email in first_row:
            other = first_row[row.email]
            problem = _("%(email)s is already in row %(other)d.", email=row.email, other=other)
        elif row.email in existing:
            problem = _("A user with e-mail %(email)s already exists.", email=row.email)
        else:
            problem = None
        if row.email is not None and problem is not None:
            problems.add(row.number, problem, column="email")
        first_row.setdefault(row.email or "", row.number)


def _manager_problem(
    row: _Row, email: str, in_file: dict[str, _Row], existing: dict[str, User]
) -> str | None:
    if email == row.email:
        return _("A user cannot be their own manager.")
    if email in in_file:
        return None
    if email not in existing:
        return _("nobody with e-mail %(email)s exists or is in this file.", email=email)
    manager = existing[email]
    return None if manager.is_active else _("%(name)s has been deactivated.", name=manager.name)


def _mentor_problem(
    row: _Row, email: str, in_file: dict[str, _Row], existing: dict[str, User]
) -> str | None:
    mentor_row, mentor = in_file.get(email), existing.get(email)
    if email == row.email:
        return _("A user cannot mentor themselves.")
    if mentor_row is not None:  # roles None: that cell has a problem of its own
        if mentor_row.roles is None or "mentor" in mentor_row.roles:
            return None
        other = mentor_row.number
        return _(
            "%(email)s (row %(other)d) does not hold the mentor role.", email=email, other=other
        )
    if mentor is None:
        return _("nobody with e-mail %(email)s exists or is in this file.", email=email)
    if mentor.is_active and mentor.has_role("mentor"):
        return None
    return _("%(name)s does not hold the mentor role.", name=mentor.name)


REFERENCE_CHECKS = {"manager_email": _manager_problem, "mentor_email": _mentor_problem}


def _check_rows(ctx: _Context, table: _Table) -> tuple[list[_Row], dict[str, User]]:
    """Every row checked on its own, then against the others and the database."""
    rows = [_check_row(ctx, number, cells) for number, cells in table.rows]
    emails = [e for r in rows for e in (r.email, r.manager_email, r.mentor_email) if e]
    existing = _existing_users(ctx.session, emails)
    _check_emails(rows, existing, ctx.problems)
    in_file = {row.email: row for row in reversed(rows) if row.email}
    for row in rows:
        for column, check in REFERENCE_CHECKS.items():
            email = getattr(row, column)
            problem = check(row, email, in_file, existing) if email else None
            if problem is not None:
                ctx.problems.add(row.number, problem, column=column)
    return rows, existing


# Writing -----------------------------------------------------------------------------------


def temporary_password() -> str:
    """A random password that is easy to read and type, e.g. ``k7Rm-xP3d-Wq9z``."""
    return "-".join(
        "".join(secrets.choice(PASSWORD_ALPHABET) for _i in range(PASSWORD_GROUP_LENGTH))
        for _group in range(PASSWORD_GROUPS)
    )


def _create(session: Session, row: _Row, problems: Problems) -> CreatedUser:
    generated = None if row.password else temporary_password()
    try:
        user = services.create_user(
            session,
            email=row.email or "",
            name=row.name or "",
            password=row.password or generated,
            roles=row.roles or ("agent",),
            department=row.department,
            position=row.position,
            locale=row.locale,
            hired_on=row.hired_on,
            must_change_password=True,
        )
    except ServiceError as error:  # e.g. someone created the same e-mail a moment ago
        problems.add(row.number, error.message, column=error.field)
        raise CsvImportError(problems.messages()) from error
    return CreatedUser(user.name, user.email, generated, user)


def _link(
    session: Session, row: _Row, people: dict[str, User], *, actor: User, today: date
) -> None:
    """Set the row's manager and mentor, who may be any row of the file or an existing user."""
    user = people[row.email or ""]
    if row.manager_email:
        user.manager = people[row.manager_email]
    if row.mentor_email:
        services.assign_mentor(
            session, user, people[row.mentor_email], started_on=row.hired_on or today, actor=actor
        )


def _create_all(
    ctx: _Context, rows: list[_Row], existing: dict[str, User], *, actor: User, today: date
) -> list[CreatedUser]:
    """Create every row, then link managers and mentors, so rows may name later rows."""
    created = [_create(ctx.session, row, ctx.problems) for row in rows]
    people = {**existing, **{item.email: item.user for item in created if item.user}}
    for row in rows:
        _link(ctx.session, row, people, actor=actor, today=today)
    ctx.session.flush()
    return created


def import_users_csv(
    session: Session,
    data: bytes,
    *,
    filename: str,
    actor: User,
    dry_run: bool = False,
    today: date,
    may_assign_roles: bool,
    progress: Callable[[str], object] | None = None,
    max_rows: int | None = None,
) -> ImportResult:
    """Check every row of a CSV file of people, then create them all, or nobody on any problem.

    Raises ``CsvImportError`` listing every problem found. A dry run only checks and writes
    nothing. Created users must change their password at first sign-in; ``progress``, if
    given, receives a line of text before each stage (the CLI prints them). ``max_rows``
    refuses larger files (each password hash costs ~0.1 s, too long for one web request).
    """
    ctx = _Context(session, may_assign_roles, Problems(filename, CsvImportError))
    table = _read_table(decode_csv(data, filename), ctx.problems)
    if max_rows is not None and table.size > max_rows:
        raise _file_error(
            filename,
            _(
                "the file has %(rows)d people; this page imports up to %(max)d at once. Split the "
                "file, or run “flask lms users import” on the server.",
                rows=table.size,
                max=max_rows,
            ),
        )
    report = progress or (lambda _text: None)
    report(ngettext("Checking %(num)d row…", "Checking %(num)d rows…", table.size))
    rows, existing = _check_rows(ctx, table)
    ctx.problems.raise_if_any()
    if dry_run:
        return ImportResult(
            [CreatedUser(r.name or "", r.email or "", None, None) for r in rows], dry_run=True
        )
    report(ngettext("Creating %(num)d user…", "Creating %(num)d users…", len(rows)))
    return ImportResult(_create_all(ctx, rows, existing, actor=actor, today=today), dry_run=False)
