"""The one spreadsheet writer: no cell a spreadsheet could run, whichever delimiter it splits a
.csv on, and the data back as it went in (.csv after one apostrophe is taken off where the
writer put one; .xlsx exactly)."""
from __future__ import annotations

import io
import zipfile
from datetime import date, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from meetings.core.spreadsheets import (DATE, DATETIME, NUMBER, VALUE, Column, Sheet, local_moment, safe_csv_text,
                                        write_csv, write_workbook, write_xlsx)
from tests.core.helpers import as_written, assert_nothing_runs, cells, in_cell, read_back

HOSTILE = ["steps;=cmd|' /C calc'!A0", "+49 251 707", "@SUM(A1)", "-1", "=HYPERLINK(\"http://evil.example\")",
           "\t=1+1", "ok,=2+3", 'a;""=4', "x; -5", "'=already quoted", "''@two", "Zoë Ångström-Øster",
           "Jürgen Müller; Düsseldorf", "李雷", "a\n=b", "line\r\n+c", "ends with;", "ends,", "a;\""]
TEXT = st.text(alphabet=st.sampled_from(list("=+-@\t\r\n;,\"' aZéß李") + ["\u00a0"]), max_size=12)


def test_hostile_values_are_safe_for_comma_and_semicolon_readers_and_come_back():
    columns = [Column("=Heading;@x"), Column("Second")]
    rows = [[value, "plain"] for value in HOSTILE]
    data = write_csv(columns, rows)
    assert data.startswith(b"\xef\xbb\xbf") and data.endswith(b"\r\n")
    assert_nothing_runs(data)
    header, *body = cells(data, ",")
    assert [read_back(c) for c in header] == ["=Heading;@x", "Second"]
    assert [read_back(row[0]) for row in body] == [as_written(v) for v in HOSTILE]
    # Every field is quoted, so a semicolon inside one stays inside it for a semicolon reader too.
    assert b'"steps;\'=cmd|\' /C calc\'!A0","plain"' in data
    assert safe_csv_text("+49 251 707") == "'+49 251 707" and safe_csv_text("-1") == "'-1"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(TEXT, min_size=3, max_size=3), min_size=1, max_size=4))
def test_no_generated_value_gives_a_cell_that_runs(rows):
    data = write_csv([Column("a"), Column("b"), Column("c")], rows)
    assert_nothing_runs(data)
    _, *body = cells(data, ",")
    assert [[read_back(c) for c in row] for row in body] == [[as_written(v) for v in row] for row in rows]


@settings(max_examples=100, deadline=None)
@given(st.lists(TEXT, min_size=1, max_size=5))
def test_xlsx_keeps_every_text_as_text_exactly(values):
    data = write_xlsx([Column("Value")], [[v] for v in values], sheet_title="T")
    sheet = load_workbook(io.BytesIO(data)).active
    read = [sheet.cell(row=i, column=1) for i in range(2, len(values) + 2)]
    for cell, value in zip(read, values):
        if value == "":
            assert cell.value is None
        else:
            assert (cell.value, cell.data_type) == (in_cell(value), "s")


def test_xlsx_has_real_columns_types_and_no_formula():
    columns = [Column("Name"), Column("Number", NUMBER), Column("When", DATETIME), Column("Day", DATE)]
    moment = local_moment(datetime.fromisoformat("2026-06-05T12:30:00+00:00"), "Europe/Amsterdam")
    rows = [[value, 3, moment, date(2026, 6, 5)] for value in HOSTILE] + [["bad\x00byte\x1b", None, None, None]]
    data = write_xlsx(columns, rows, sheet_title="Participants: [draft]?")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml
    book = load_workbook(io.BytesIO(data))
    sheet = book.active
    assert sheet.title == "Participants   draft"
    assert [c.value for c in sheet[1]] == ["Name", "Number", "When", "Day"]
    assert sheet[1][0].font.bold and sheet.freeze_panes == "A2" and sheet.auto_filter.ref == f"A1:D{len(rows) + 1}"
    for index, value in enumerate(HOSTILE, start=2):
        name, number, when, day = sheet[index]
        assert (name.value, name.data_type) == (in_cell(value), "s")
        assert name.quotePrefix == (value[:1] in "=+-@\t\r")
        assert number.value == 3 and number.data_type == "n"
        # 12:30 UTC is 14:30 in Amsterdam in summer: the wall-clock time, with no zone attached.
        assert when.value == datetime(2026, 6, 5, 14, 30) and when.value.tzinfo is None and when.is_date
        assert when.number_format == "yyyy-mm-dd hh:mm"
        assert day.value.date() == date(2026, 6, 5) and day.number_format == "yyyy-mm-dd"
    last = sheet[len(rows) + 1]
    assert last[0].value == "bad\ufffdbyte\ufffd" and last[1].value is None


def test_csv_writes_moments_as_local_text():
    moment = local_moment(datetime.fromisoformat("2026-01-05T12:30:45+00:00"), "Europe/Berlin")
    data = write_csv([Column("When", DATETIME), Column("Day", DATE), Column("N", NUMBER)], [[moment, date(2026, 1, 5), 7]])
    assert cells(data, ",")[1] == ["2026-01-05 13:30", "2026-01-05", "7"]


def test_a_workbook_of_several_sheets_with_values_above_the_table():
    columns = [Column("Name"), Column("Mixed", VALUE)]
    first = Sheet("Figures", columns, [["a", 3], ["b", date(2026, 6, 5)], ["c", "=1+1"], ["d", 2.5]])
    second = Sheet("2026-06-05 A very long meeting title that goes on", [Column("Name")], [["=x"]],
                   preamble=[("Meeting", "=Title"), ("Date", date(2026, 6, 5)), ("Present", 1), ("Empty", "")])
    same = Sheet("2026-06-05 a very long meeting title that goes on and on", [Column("Name")], [])
    data = write_workbook([first, second, same])
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert not any("<f>" in archive.read(name).decode() for name in archive.namelist()
                       if name.startswith("xl/worksheets/"))
    book = load_workbook(io.BytesIO(data))
    # Excel's rules: 31 characters at most, unique ignoring case (numbered).
    assert book.sheetnames == ["Figures", "2026-06-05 A very long meeting ", "2026-06-05 a very long meet (2)"]
    figures = book["Figures"]
    assert [(c.value, c.data_type) for c in figures["B"]][1:] == [
        (3, "n"), (datetime(2026, 6, 5), "d"), ("=1+1", "s"), (2.5, "n")]
    assert figures["B3"].number_format == "yyyy-mm-dd" and figures["B4"].quotePrefix
    assert figures.freeze_panes == "A2" and figures.auto_filter.ref == "A1:B5"
    meeting = book.worksheets[1]
    assert [[c.value for c in row] for row in meeting.iter_rows()] == [
        ["Meeting", "=Title"], ["Date", datetime(2026, 6, 5)], ["Present", 1], ["Empty", None], [None, None],
        ["Name", None], ["=x", None]]
    assert meeting["A1"].font.bold and meeting["B1"].data_type == "s" and meeting["B2"].is_date
    assert meeting["A6"].font.bold and meeting.freeze_panes == "A7" and meeting.auto_filter.ref == "A6:A7"
    assert book.worksheets[2].auto_filter.ref == "A1:A1"


def test_a_workbook_of_no_sheets_still_opens():
    assert load_workbook(io.BytesIO(write_workbook([]))).sheetnames == ["Sheet"]
