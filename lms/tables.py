"""Reading an uploaded table, CSV or XLSX (the KPI and ratings imports), and the list of
problems every file import keeps (the users import too).

CSV: UTF-8 with or without BOM (or Russian Windows-1251), values separated by ``,``, ``;``
or tabs, whichever the header line has most of. XLSX: the first sheet, read streaming
(read-only, cached values of formulas). Row 1 is the header, with column names in any
order and case; blank rows are skipped but still counted, so row numbers match the
spreadsheet. Every problem is collected with its row and column, so one upload shows
everything to fix, and nothing is written while any remains.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from lms.errors import ServiceError
from lms.i18n import _, ngettext
from lms.textfiles import UnreadableFile, decode_text

MAX_BYTES = 64 * 1024 * 1024
MAX_ROWS = 1_000_000
MAX_PROBLEMS = 100
XLSX_MAGIC = b"PK\x03\x04"
SPACES = re.compile(r"[\s\u00a0\u202f]")
Cell = Any  # str from CSV; str, int, float, datetime or None from XLSX


class ImportProblems(ServiceError):
    """The file was refused and nothing was written; ``problems`` lists the reasons."""

    def __init__(self, problems: list[str], *, total: int) -> None:
        summary = ngettext(
            "%(num)d problem in the file; nothing was imported.",
            "%(num)d problems in the file; nothing was imported.",
            total,
        )
        super().__init__(problems[0] if total == 1 else summary)
        self.problems = problems


class Problems:
    """Problems found so far as (row, column, text); row None is the whole file."""

    def __init__(self, filename: str, refusal: Callable[..., ServiceError] | None = None) -> None:
        self.filename = filename
        self.items: list[tuple[int | None, str | None, str]] = []
        self.columns: list[str] = []
        # The error that refuses the file: made of (messages, total=count).
        self.refusal = refusal or ImportProblems

    def __bool__(self) -> bool:
        return bool(self.items)

    def add(self, row: int | None, problem: str, column: str | None = None) -> None:
        self.items.append((row, column, problem))

    def fail(self, problem: str) -> Any:
        """A problem with the whole file, as the error to raise."""
        self.add(None, problem)
        return self.error()

    def raise_if_any(self) -> None:
        if self.items:
            raise self.error()

    def error(self) -> Any:
        return self.refusal(self.messages(), total=len(self.items))

    def messages(self) -> list[str]:
        """The first ``MAX_PROBLEMS`` in row and column order, and how many more."""
        ordered = sorted(self.items, key=self._position)
        shown = [self._text(*item) for item in ordered[:MAX_PROBLEMS]]
        rest = len(ordered) - MAX_PROBLEMS
        if rest > 0:
            shown.append(
                ngettext("…and %(num)d more problem.", "…and %(num)d more problems.", rest)
            )
        return shown

    def _position(self, item: tuple[int | None, str | None, str]) -> tuple[int, int]:
        row, column, _problem = item
        return row or 0, self.columns.index(column) if column in self.columns else -1

    def _text(self, row: int | None, column: str | None, problem: str) -> str:
        if row is None:
            return _("%(file)s: %(problem)s", file=self.filename, problem=problem)
        if column is None:
            return _(
                "%(file)s, row %(row)d: %(problem)s", file=self.filename, row=row, problem=problem
            )
        return _(
            "%(file)s, row %(row)d, column %(column)s: %(problem)s",
            file=self.filename,
            row=row,
            column=column,
            problem=problem,
        )


@dataclass
class Table:
    """The header's columns and the data rows as (row number, cells in header order)."""

    columns: list[str]
    rows: list[tuple[int, tuple[Cell, ...]]]

    def index(self, column: str) -> int | None:
        return self.columns.index(column) if column in self.columns else None


def read_table(
    data: bytes,
    problems: Problems,
    *,
    required: tuple[str, ...],
    optional: tuple[str, ...] = (),
    max_bytes: int = MAX_BYTES,
) -> Table:
    """The table in ``data`` (XLSX when it is a zip file, else CSV); header problems and an
    unreadable file raise ``ImportProblems`` at once, row problems are left to the caller."""
    if len(data) > max_bytes:
        raise problems.fail(
            _("the file is larger than %(size)d MB; split it.", size=max_bytes // 2**20)
        )
    is_xlsx = data[:4] == XLSX_MAGIC
    records = _xlsx_records(data, problems) if is_xlsx else _csv_records(data, problems)
    header_row, header = next(records, (0, ()))
    if not header_row:
        raise problems.fail(_("the file is empty."))
    columns = problems.columns = check_header(header_row, header, problems, required, optional)
    problems.raise_if_any()
    rows = []
    width = len(columns)
    for number, cells in records:
        if len(cells) > width and any(_filled(c) for c in cells[width:]):
            problems.add(
                number,
                _("the row has more values than the header has columns (%(n)d).", n=width),
            )
            continue
        rows.append((number, tuple(cells[:width]) + ("",) * (width - len(cells))))
        if len(rows) > MAX_ROWS:
            raise problems.fail(_("the file has more than %(n)d rows; split it.", n=MAX_ROWS))
    if not rows and not problems:
        problems.add(header_row, _("the file has a header row but no data below it."))
    return Table(columns, rows)


def _filled(cell: Cell) -> bool:
    return cell is not None and (not isinstance(cell, str) or bool(cell.strip()))


def check_header(
    number: int,
    header: Iterable[Cell],
    problems: Problems,
    required: tuple[str, ...],
    optional: tuple[str, ...],
) -> list[str]:
    known = (*required, *optional)
    columns = ["" if c is None else str(c).strip().lower() for c in header]
    while columns and not columns[-1]:
        columns.pop()
    for index, name in enumerate(columns):
        if not name:
            problems.add(number, _("column %(n)d has no name.", n=index + 1))
        elif name not in known:
            problems.add(
                number,
                _("unknown column. Known columns: %(known)s.", known=", ".join(known)),
                column=name,
            )
        elif columns.index(name) != index:
            problems.add(number, _("the column appears twice."), column=name)
    for name in required:
        if name not in columns:
            problems.add(number, _("the required column “%(column)s” is missing.", column=name))
    return columns


# CSV and XLSX -------------------------------------------------------------------------------


def _csv_records(data: bytes, problems: Problems) -> Iterator[tuple[int, list[Cell]]]:
    try:
        text = decode_text(data, max_bytes=len(data) + 1)
    except UnreadableFile as error:
        raise problems.fail(error.message) from error
    first = text.lstrip("\r\n").split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            if any(cell.strip() for cell in cells):
                yield number, [cell.strip() for cell in cells]
    except csv.Error as error:
        raise problems.fail(
            _("row %(row)d cannot be read as CSV (%(error)s).", row=number + 1, error=str(error))
        ) from error


def _xlsx_records(data: bytes, problems: Problems) -> Iterator[tuple[int, list[Cell]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # a damaged zip or damaged XML: lxml, zipfile, openpyxl
        raise problems.fail(_("this is not a readable XLSX workbook.")) from error
    try:
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # some writers store a wrong size; read every row there is
        rows = enumerate(sheet.iter_rows(values_only=True), start=1)
        while True:
            try:
                number, values = next(rows)
            except StopIteration:
                break
            except Exception as error:  # the sheet's XML breaks off halfway
                raise problems.fail(_("this is not a readable XLSX workbook.")) from error
            cells = [v.strip() if isinstance(v, str) else v for v in values]
            if any(_filled(cell) for cell in cells):
                yield number, cells
    finally:
        book.close()


# Cell values --------------------------------------------------------------------------------


class BadCell(ValueError):
    """A cell's value cannot be used; the message says why."""


def text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def number(cell: Cell) -> float:
    """A finite number: ``12.5``, ``12,5`` (decimal comma), ``1 234,5``, ``95%``."""
    if isinstance(cell, bool) or cell is None or cell == "":
        raise BadCell(_("a number is required."))
    if isinstance(cell, int | float):
        value = float(cell)
    else:
        raw = SPACES.sub("", str(cell)).removesuffix("%")
        if "," in raw and "." not in raw:
            raw = raw.replace(",", ".")
        try:
            value = float(raw)
        except ValueError:
            raise BadCell(_("“%(value)s” is not a number.", value=cell)) from None
    if not math.isfinite(value):
        raise BadCell(_("“%(value)s” is not a number.", value=cell))
    return value


def whole_number(cell: Cell, low: int, high: int) -> int:
    """A whole number from ``low`` to ``high`` (``4`` or ``4.0``)."""
    if not _filled(cell):
        raise BadCell(_("a whole number from %(low)d to %(high)d is required.", low=low, high=high))
    try:
        value = number(cell)
    except BadCell:
        value = math.nan
    if not value.is_integer() or not low <= value <= high:
        raise BadCell(
            _("expected a whole number from %(low)d to %(high)d, not “%(value)s”.",
              low=low, high=high, value=text(cell))
        )  # fmt: skip
    return int(value)


def month(cell: Cell) -> date:
    """The first day of a month given as ``YYYY-MM`` (``YYYY-MM-01`` too, and a date cell)."""
    if isinstance(cell, datetime | date):
        return date(cell.year, cell.month, 1)
    raw = text(cell)
    match = re.fullmatch(r"(\d{4})-(\d{1,2})(?:-01)?", raw)
    if match is None or not 1 <= int(match.group(2)) <= 12:
        raise BadCell(_("“%(value)s” is not a month; write YYYY-MM, e.g. 2025-03.", value=raw))
    return date(int(match.group(1)), int(match.group(2)), 1)
