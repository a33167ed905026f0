"""Reading and checking the skill matrix workbook (see ``lms.skills.workbook``).

Sheets are found by name and columns by their heading (case and spaces aside; skill columns
by the skill's code), so reordered columns and files saved again by Excel or LibreOffice
read the same. Every problem of the file is collected with its sheet, row and column (as
Excel numbers them), never only the first.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.auth.models import Department, Position
from lms.errors import ServiceError
from lms.i18n import _, ngettext
from lms.skills.models import LEVELS, Skill

MATRIX, REQUIREMENTS = "Matrix", "Requirements"
SHEETS = (MATRIX, REQUIREMENTS)
MATRIX_INFO = ("name", "department", "position")  # for people reading the sheet
KEY_COLUMNS = (("department", True), ("position", False), ("skill", True))  # (name, required)
MAX_PROBLEMS = 200
MAX_ROWS = 100_000  # per sheet: more is no skill matrix (or a zip bomb)
NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")
RequirementKey = tuple[int, int | None, int]  # department, position or None, skill


# Problems -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """Something wrong in the file, where Excel would show it (rows and columns from 1)."""

    sheet: str | None  # None: the file as a whole
    row: int | None
    column: int | None
    header: str | None  # the column's heading, as written
    message: str

    @property
    def letter(self) -> str:
        return get_column_letter(self.column) if self.column else ""

    def text(self, filename: str) -> str:
        """ "Sheet Matrix, row 12, column F (payment): ..." """
        if self.sheet is None:
            return _("%(file)s: %(problem)s", file=filename, problem=self.message)
        where = {"sheet": self.sheet, "row": self.row, "problem": self.message}
        if self.row is None:
            return _("Sheet %(sheet)s: %(problem)s", **where)
        if self.column is None:
            return _("Sheet %(sheet)s, row %(row)d: %(problem)s", **where)
        return _(
            "Sheet %(sheet)s, row %(row)d, column %(column)s (%(header)s): %(problem)s",
            column=self.letter,
            header=self.header or "",
            **where,
        )

    def order(self) -> tuple[int, int, int]:
        sheet = SHEETS.index(self.sheet) + 1 if self.sheet in SHEETS else 0
        return sheet, self.row or 0, self.column or 0


class WorkbookError(ServiceError):
    """The workbook was refused and nothing was written; ``problems`` holds every reason."""

    def __init__(self, filename: str, problems: list[Problem]) -> None:
        self.filename = filename
        self.problems = sorted(problems, key=Problem.order)
        summary = ngettext(
            "%(num)d problem in %(file)s; nothing was imported.",
            "%(num)d problems in %(file)s; nothing was imported.",
            len(problems),
            file=filename,
        )
        super().__init__(self.messages()[0] if len(problems) == 1 else summary)

    @property
    def shown(self) -> list[Problem]:
        return self.problems[:MAX_PROBLEMS]

    @property
    def more(self) -> int:
        return max(0, len(self.problems) - MAX_PROBLEMS)

    def messages(self) -> list[str]:
        """The first ``MAX_PROBLEMS`` in sheet, row and column order, and how many more."""
        texts = [problem.text(self.filename) for problem in self.shown]
        if self.more:
            texts.append(
                ngettext("…and %(num)d more problem.", "…and %(num)d more problems.", self.more)
            )
        return texts


class Problems(list[Problem]):
    def add(
        self,
        sheet: str | None,
        row: int | None,
        message: str,
        *,
        index: int | None = None,
        names: list[str] | None = None,
    ) -> None:
        """A problem; ``index`` is the column's position from 0 in the row ``names``."""
        header = names[index] if names is not None and index is not None else None
        self.append(Problem(sheet, row, None if index is None else index + 1, header, message))

    def raise_if_any(self, filename: str) -> None:
        if self:
            raise WorkbookError(filename, list(self))


# Cells --------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _blank(values: tuple[Any, ...]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def _at(values: tuple[Any, ...], index: int | None) -> Any:
    return values[index] if index is not None and index < len(values) else None


def parse_level(value: Any) -> int | None:
    """A level from a cell: a whole number, 3.0 or numeric text (" 3 "); None for an empty
    cell. Raises ``ValueError`` saying what is wrong with anything else."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    number: int | float
    if isinstance(value, str) and NUMBER.fullmatch(value.strip()):
        number = float(value.strip().replace(",", "."))
    elif isinstance(value, int | float) and not isinstance(value, bool):
        number = value
    else:
        shown = str(value).upper() if isinstance(value, bool) else _text(value)
        raise ValueError(
            _(
                "“%(value)s” is not a level: write a whole number from 0 to 4, or leave the "
                "cell empty.",
                value=shown,
            )
        )
    if isinstance(number, float) and not number.is_integer():
        raise ValueError(
            _("%(value)s is not a whole number: a level is 0, 1, 2, 3 or 4.", value=_text(value))
        )
    if int(number) not in LEVELS:
        raise ValueError(_("the level %(value)d is outside 0-4.", value=int(number)))
    return int(number)


# Checking the sheets ------------------------------------------------------------------------


@dataclass
class Catalogue:
    """Codes the file may use (lower-cased) -> ids, and ids -> codes as stored."""

    skills: dict[str, int]
    departments: dict[str, int]
    positions: dict[str, int]
    skill_codes: dict[int, str]
    department_codes: dict[int, str]
    position_codes: dict[int, str]
    retired: set[int] = field(default_factory=set)  # skills no longer in the catalogue

    @classmethod
    def load(cls, session: Session) -> Catalogue:
        def codes(model: Any) -> dict[int, str]:
            return {row.id: row.code for row in session.execute(select(model.id, model.code))}

        skills, departments, positions = codes(Skill), codes(Department), codes(Position)
        retired = set(session.scalars(select(Skill.id).where(Skill.is_active.is_(False))))
        return cls(
            *(
                {code.lower(): id_ for id_, code in table.items()}
                for table in (skills, departments, positions)
            ),
            skills,
            departments,
            positions,
            retired,
        )


@dataclass(slots=True)
class PersonRow:
    number: int
    email: str
    email_index: int
    levels: dict[int, int]  # skill id -> level of the non-empty cells
    names: list[str]  # the sheet's column headings


def _header(
    sheet: str, rows: list[tuple[Any, ...]], problems: Problems
) -> tuple[int, list[str]] | None:
    """The first non-blank row's number and column names."""
    for number, values in enumerate(rows, start=1):
        if not _blank(values):
            return number, [_text(value) for value in values]
    problems.add(sheet, None, _("the sheet is empty: its first row must name the columns."))
    return None


def _columns(sheet: str, row: int, names: list[str], problems: Problems) -> dict[str, int]:
    """Lower-cased column name -> its position; a repeated name is a problem."""
    seen: dict[str, int] = {}
    for index, name in enumerate(names):
        if not name:
            continue
        if name.lower() in seen:
            other = get_column_letter(seen[name.lower()] + 1)
            problems.add(
                sheet, row, _("the column appears twice (also column %(other)s).", other=other),
                index=index, names=names,
            )  # fmt: skip
        else:
            seen[name.lower()] = index
    return seen


def _data_rows(
    rows: list[tuple[Any, ...]], header_row: int
) -> Iterator[tuple[int, tuple[Any, ...]]]:
    for number, values in enumerate(rows[header_row:], start=header_row + 1):
        if not _blank(values):
            yield number, values


def _check_matrix(
    rows: list[tuple[Any, ...]], catalogue: Catalogue, problems: Problems
) -> list[PersonRow]:
    header = _header(MATRIX, rows, problems)
    if header is None:
        return []
    header_row, names = header
    columns = _columns(MATRIX, header_row, names, problems)
    skills = []
    for name, index in columns.items():
        if name in catalogue.skills and catalogue.skills[name] in catalogue.retired:
            problems.add(
                MATRIX, header_row,
                _("the skill “%(code)s” is retired: it takes no new levels.", code=names[index]),
                index=index, names=names,
            )  # fmt: skip
        elif name in catalogue.skills:
            skills.append((index, catalogue.skills[name]))
        elif name != "email" and name not in MATRIX_INFO:
            problems.add(
                MATRIX, header_row, _("no skill has the code “%(code)s”.", code=names[index]),
                index=index, names=names,
            )  # fmt: skip
    if "email" not in columns:
        problems.add(
            MATRIX, header_row, _("the required column “%(column)s” is missing.", column="Email")
        )
        return []
    email_index, people, first = columns["email"], [], {}
    for number, values in _data_rows(rows, header_row):
        email = _text(_at(values, email_index)).lower()
        where = {"index": email_index, "names": names}
        if not email:
            problems.add(MATRIX, number, _("the e-mail is missing."), **where)
        elif email in first:
            message = _("%(email)s is already in row %(other)d.", email=email, other=first[email])
            problems.add(MATRIX, number, message, **where)
        else:
            first[email] = number
        levels = {}
        for index, skill_id in skills:
            try:
                level = parse_level(_at(values, index))
            except ValueError as error:
                problems.add(MATRIX, number, str(error), index=index, names=names)
            else:
                if level is not None:
                    levels[skill_id] = level
        if email and first[email] == number:
            people.append(PersonRow(number, email, email_index, levels, names))
    return people


def _unknown(column: str, code: str) -> str:
    if column == "department":
        return _("no department has the code “%(code)s”.", code=code)
    if column == "position":
        return _("no position has the code “%(code)s”.", code=code)
    return _("no skill has the code “%(code)s”.", code=code)


def _check_requirements(
    rows: list[tuple[Any, ...]], catalogue: Catalogue, problems: Problems
) -> dict[RequirementKey, tuple[int, int]]:
    """(department, position, skill) -> (row, level) of every requirement in the sheet."""
    header = _header(REQUIREMENTS, rows, problems)
    if header is None:
        return {}
    header_row, names = header
    columns = _columns(REQUIREMENTS, header_row, names, problems)
    missing = [c for c in ("department", "skill", "level") if c not in columns]
    for column in missing:
        message = _("the required column “%(column)s” is missing.", column=column.title())
        problems.add(REQUIREMENTS, header_row, message)
    if missing:
        return {}
    codes = {
        "department": catalogue.departments,
        "position": catalogue.positions,
        "skill": catalogue.skills,
    }
    wanted: dict[RequirementKey, tuple[int, int]] = {}
    for number, values in _data_rows(rows, header_row):
        before, key = len(problems), []
        for column, required in KEY_COLUMNS:
            index = columns.get(column)
            code = _text(_at(values, index))
            if code and code.lower() not in codes[column]:
                problems.add(REQUIREMENTS, number, _unknown(column, code), index=index, names=names)
            elif not code and required:
                message = _("the cell is empty: a code is required here.")
                problems.add(REQUIREMENTS, number, message, index=index, names=names)
            key.append(codes[column].get(code.lower()))
        try:
            level = parse_level(_at(values, columns["level"]))
            if level is None:
                raise ValueError(_("the level is missing."))
        except ValueError as error:
            problems.add(REQUIREMENTS, number, str(error), index=columns["level"], names=names)
            continue
        if len(problems) > before:
            continue
        department, position, skill = key
        if (department, position, skill) in wanted:
            other = wanted[department, position, skill][0]
            message = _("the same department, position and skill as row %(other)d.", other=other)
            problems.add(REQUIREMENTS, number, message, index=columns["department"], names=names)
        else:
            wanted[department, position, skill] = (number, level)
    return wanted


def read_sheets(data: bytes, filename: str) -> dict[str, list[tuple[Any, ...]] | None]:
    """The rows of the Matrix and Requirements sheets (None: no such sheet)."""
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # a non-workbook fails in many ways: zip, XML, missing parts
        raise _not_a_workbook(filename) from error
    try:
        titles = {title.strip().lower(): title for title in book.sheetnames}
        sheets: dict[str, list[tuple[Any, ...]] | None] = dict.fromkeys(SHEETS)
        for name in SHEETS:
            sheet = book[titles[name.lower()]] if name.lower() in titles else None
            if hasattr(sheet, "reset_dimensions"):  # not a chart sheet
                sheet.reset_dimensions()  # LibreOffice may write a wrong <dimension ref>
                sheets[name] = list(islice(sheet.iter_rows(values_only=True), MAX_ROWS + 1))
    except Exception as error:  # a damaged sheet fails only when its rows are parsed
        raise _not_a_workbook(filename) from error
    finally:
        book.close()
    return sheets


def _not_a_workbook(filename: str) -> WorkbookError:
    message = _(
        "the file cannot be read as an Excel workbook (.xlsx). Upload the workbook exported "
        "from the skill matrix, saved as .xlsx."
    )
    return WorkbookError(filename, [Problem(None, None, None, None, message)])


def check_sheets(
    sheets: dict[str, list[tuple[Any, ...]] | None], catalogue: Catalogue, problems: Problems
) -> tuple[list[PersonRow], dict[RequirementKey, tuple[int, int]]]:
    people: list[PersonRow] = []
    wanted: dict[RequirementKey, tuple[int, int]] = {}
    for name, rows in sheets.items():
        if rows is None:
            problems.add(None, None, _("the workbook has no sheet “%(sheet)s”.", sheet=name))
        elif len(rows) > MAX_ROWS:
            problems.add(name, None, _("the sheet has more than %(max)d rows.", max=MAX_ROWS))
        elif name == MATRIX:
            people = _check_matrix(rows, catalogue, problems)
        else:
            wanted = _check_requirements(rows, catalogue, problems)
    return people, wanted
