"""Tables for spreadsheets: one writer for every .csv and .xlsx download the app offers.

A spreadsheet runs a cell that begins like a formula (``= + - @``, or a tab or
carriage return before one). Which characters begin a cell depends on the
reader: English Excel splits a .csv on commas, German and Dutch Excel on
semicolons, so a field ``steps;=cmd|...`` written with commas becomes the cell
``=cmd|...`` for a semicolon reader. The CSV writer therefore quotes every
field and puts an apostrophe (which spreadsheets take as "this is text") in
front of every place where *either* reader may begin a cell: the start of a
field and the character after each comma or semicolon inside it (when a
trigger, or the field's end, follows). Spaces and double quotes in between are
looked through (a reader drops the quotes and may trim the spaces). Line breaks inside a field become ``"; "``, so no reader
begins a record inside a field. The change is reversible: an apostrophe is
added only where one (or more) and then a trigger follow, so removing one
apostrophe at the same places gives the text back.

The .xlsx writer needs none of this: every text is stored as a string cell
(never a formula), numbers as numbers and moments as dates in the meeting's
time zone, with a date format.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Response
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

TEXT, NUMBER, DATE, DATETIME = "text", "number", "date", "datetime"
# A column of mixed values: each number as a number, each date as a date, the rest as text.
VALUE = "value"
# What makes a spreadsheet read a cell as a formula, at the cell's start.
TRIGGERS = "=+-@\t\r"
# A place where a comma or a semicolon reader may begin a cell, followed by what would
# run: apostrophes (already there), then spaces or quotes, then a trigger. After a
# separator at the field's end, the reader's cell goes on with the file's own closing
# quote and line break (a cell beginning with CR): that place is protected too.
_CELL_START = re.compile(r"(?:^|(?<=[,;]))(?='*[ \"]*[=+\-@\t\r])|(?<=[,;])(?='*[ \"]*\Z)")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# Excel's limit for one cell.
MAX_CELL_TEXT = 32767
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"


@dataclass(frozen=True)
class Column:
    """One column: its heading, what its cells hold (text, number, date, datetime, or value: each
    as what it is) and a width in characters."""

    heading: str
    kind: str = TEXT
    width: int = 16


def local_moment(value: datetime | date | None, zone: str) -> datetime | date | None:
    """A stored (UTC) moment as the wall-clock time in ``zone``, without a zone: what spreadsheets can hold."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
        return value.replace(microsecond=0)
    return value


def safe_csv_text(value: str) -> str:
    """``value`` as one CSV field that no spreadsheet runs, whichever of comma or semicolon it splits on."""
    return _CELL_START.sub("'", _LINE_BREAK.sub("; ", value))


def _csv_cell(value, kind: str) -> str:
    if value is None:
        return ""
    if kind == DATETIME and isinstance(value, datetime):
        value = value.strftime("%Y-%m-%d %H:%M")
    elif kind in (DATE, DATETIME) and isinstance(value, date):
        value = value.isoformat()
    return safe_csv_text(str(value))


def write_csv(columns: Sequence[Column], rows: Iterable[Sequence]) -> bytes:
    """The table as CSV: UTF-8 with a byte order mark (Excel then reads the accents), CRLF,
    every field quoted and made safe (see the module's docstring). Moments must already be
    local (``local_moment``); they are written ``YYYY-MM-DD HH:MM``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    writer.writerow([safe_csv_text(column.heading) for column in columns])
    for row in rows:
        writer.writerow([_csv_cell(value, column.kind) for column, value in zip(columns, row, strict=True)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _xlsx_text(value) -> str:
    # Control characters are not allowed in the file format; they cannot be typed in the forms either.
    # Line breaks as the file format stores them (an XML reader turns CR LF into LF).
    return _LINE_BREAK.sub("\n", ILLEGAL_CHARACTERS_RE.sub("\ufffd", str(value)))[:MAX_CELL_TEXT]


@dataclass(frozen=True)
class Sheet:
    """One sheet of a workbook: its title, labelled values shown above the table (``preamble``:
    (label, value) pairs, each value a text, a number or a date), the table's columns and rows."""

    title: str
    columns: Sequence[Column]
    rows: Iterable[Sequence]
    preamble: Sequence[tuple[str, object]] = ()


def write_xlsx(columns: Sequence[Column], rows: Iterable[Sequence], *, sheet_title: str) -> bytes:
    """The table as an .xlsx workbook of one sheet (see ``write_workbook``)."""
    return write_workbook([Sheet(sheet_title, columns, rows)])


def write_workbook(sheets: Sequence[Sheet]) -> bytes:
    """An .xlsx workbook of one sheet per ``Sheet``, in order, each with its labelled values
    first, then a bold header row that stays in view and filters, text in string cells (never
    formulas), numbers as numbers, dates and times as dates with a date format. Moments must
    already be local and naive (``local_moment``). Sheet titles are made to fit Excel's rules
    and, where two would be the same, numbered."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    taken: set[str] = set()
    for sheet in sheets:
        _write_sheet(workbook.create_sheet(_unique_title(sheet.title, taken)), sheet)
    if not workbook.worksheets:
        workbook.create_sheet("Sheet")
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _write_sheet(worksheet, sheet: Sheet) -> None:
    bold = Font(bold=True)
    for number, (label, value) in enumerate(sheet.preamble, start=1):
        cell = worksheet.cell(row=number, column=1)
        _put_text(cell, label)
        cell.font = bold
        if value is not None and value != "":
            _put_value(worksheet.cell(row=number, column=2), value, VALUE)
    header = len(sheet.preamble) + 2 if sheet.preamble else 1
    for number, column in enumerate(sheet.columns, start=1):
        cell = worksheet.cell(row=header, column=number)
        _put_text(cell, column.heading)
        cell.font = bold
        worksheet.column_dimensions[get_column_letter(number)].width = column.width
    count = header
    for count, row in enumerate(sheet.rows, start=header + 1):
        for number, (column, value) in enumerate(zip(sheet.columns, row, strict=True), start=1):
            if value is None or value == "":
                continue
            _put_value(worksheet.cell(row=count, column=number), value, column.kind)
    worksheet.freeze_panes = f"A{header + 1}"
    if sheet.columns:
        worksheet.auto_filter.ref = f"A{header}:{get_column_letter(len(sheet.columns))}{count}"


def _put_value(cell, value, kind: str) -> None:
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind in (NUMBER, VALUE) and number:
        cell.value = value
    elif kind in (DATE, DATETIME, VALUE) and isinstance(value, (date, datetime)):
        cell.value = value
        cell.number_format = DATETIME_FORMAT if isinstance(value, datetime) else DATE_FORMAT
    else:
        _put_text(cell, value)
        if "\n" in cell.value:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def _put_text(cell, value) -> None:
    text = _xlsx_text(value)
    cell.value = text
    # openpyxl takes a text beginning with "=" for a formula: this one is text.
    cell.data_type = "s"
    if text[:1] in TRIGGERS:
        # Excel keeps such a cell text even when someone edits it.
        cell.quotePrefix = True


def _sheet_title(title: str) -> str:
    # Excel's rules for a sheet's name: at most 31 characters, none of []:*?/\
    cleaned = re.sub(r"[\[\]:*?/\\]", " ", title).strip()[:31]
    return cleaned or "Sheet"


def _unique_title(title: str, taken: set[str]) -> str:
    # Excel compares sheet names ignoring case; a number in brackets tells two apart.
    name = _sheet_title(title)
    number = 1
    while name.casefold() in taken:
        number += 1
        suffix = f" ({number})"
        name = _sheet_title(title)[:31 - len(suffix)].rstrip() + suffix
    taken.add(name.casefold())
    return name


def download(data: bytes, filename: str, content_type: str) -> Response:
    """A spreadsheet as an attachment; never kept by a cache (it holds personal data)."""
    response = Response(data, content_type=content_type)
    # Slugs and plain words only: nothing that could end the header's quoted value.
    safe_name = re.sub(r"[^A-Za-z0-9._-]", "-", filename)
    response.headers["Content-Disposition"] = f'attachment; filename="{safe_name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
