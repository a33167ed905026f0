"""Spreadsheet downloads: streamed (write-only) workbooks with a bold header row, sent as
an attachment. Every XLSX export of the app is built with these."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from flask import Response
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BOLD = Font(bold=True)


def new_book() -> Workbook:
    """A workbook that streams its rows: exports can hold tens of thousands."""
    return Workbook(write_only=True)


def add_sheet(
    book: Workbook, title: str, header: Iterable[Any], *, freeze: str | None = None
) -> WriteOnlyWorksheet:
    """A sheet whose first row is ``header`` in bold (``freeze`` like "A2" keeps it in view)."""
    sheet = book.create_sheet(title)
    if freeze:
        sheet.freeze_panes = freeze
    sheet.append([_bold(sheet, str(value)) for value in header])
    return sheet


def append(sheet: WriteOnlyWorksheet, row: Iterable[Any]) -> None:
    """Add a row whose texts stay texts: openpyxl writes a string that starts with "=" as a
    formula, and exports carry what people typed (a planned action, a comment)."""
    sheet.append([_text(sheet, value) if isinstance(value, str) else value for value in row])


def _text(sheet: WriteOnlyWorksheet, value: str) -> Any:
    if not value.startswith("="):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    return cell


def _bold(sheet: WriteOnlyWorksheet, value: Any) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.font = BOLD
    return cell


class FilledCells:
    """Cells with a solid background chosen by key, for sheets of 100,000 coloured cells.

    Setting ``cell.fill`` makes openpyxl hash the fill to find its style, for every cell;
    here each fill is registered once and its cells share the resulting style.
    """

    def __init__(self, sheet: WriteOnlyWorksheet, colours: dict[str, str]) -> None:
        self.sheet = sheet
        self.styles = {}
        for key, colour in colours.items():
            template = WriteOnlyCell(sheet)
            template.fill = PatternFill("solid", fgColor=colour)
            self.styles[key] = template._style

    def __call__(self, value: Any, key: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(self.sheet, value=value)
        cell._style = self.styles[key]  # the style array openpyxl itself would have made
        return cell


def xlsx_response(book: Workbook, filename: str) -> Response:
    data = io.BytesIO()
    book.save(data)
    return Response(
        data.getvalue(),
        mimetype=XLSX_TYPE,
        headers={"Content-Disposition": f"attachment; filename={filename}"},
    )
