"""The report as .xlsx, opened with openpyxl and read cell by cell: one sheet of figures,
then one sheet per meeting with the people recorded present (and nobody else)."""
from __future__ import annotations

import io
from datetime import datetime

import pytest
from openpyxl import load_workbook

from tests.reports.scenario import make_cluster

PERIOD = "start=2025-01-01&end=2025-06-30"


@pytest.fixture
def cluster(app):
    return make_cluster()


def _workbook(client, query: str = PERIOD):
    response = client.get(f"/manage/reports/report.xlsx?{query}")
    assert response.status_code == 200
    assert response.content_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["Cache-Control"] == "private, no-store"
    return response, load_workbook(io.BytesIO(response.data))


def _rows(sheet) -> list[tuple]:
    return [tuple(cell.value for cell in row) for row in sheet.iter_rows()]


def test_one_sheet_of_figures_then_one_per_meeting(organiser_client, cluster):
    response, book = _workbook(organiser_client)
    assert response.headers["Content-Disposition"] == 'attachment; filename="report-2025-01-01-2025-06-30.xlsx"'
    assert book.sheetnames == ["Figures", "2025-01-01 New Year reception", "2025-02-10 Core Team kick-off",
                               "2025-03-15 Cyber Security Day", "2025-05-20 Lab visit"]


def test_the_figures_sheet(organiser_client, cluster):
    _, book = _workbook(organiser_client)
    sheet = book["Figures"]
    rows = _rows(sheet)
    assert rows[0] == ("Section", "Figure", "Value")
    assert rows[1:6] == [
        ("Report", "Cluster", "Advanced Manufacturing & Robotics cluster"),
        ("Report", "From", datetime(2025, 1, 1)),
        ("Report", "To", datetime(2025, 6, 30)),
        ("Report", "Topic", "All topics"),
        ("Report", "Date of the report", rows[5][2]),
    ]
    # Dates are dates, with a date format; the report's date is today's.
    assert sheet["C3"].is_date and sheet["C3"].number_format == "yyyy-mm-dd"
    assert isinstance(rows[5][2], datetime) and sheet["C6"].is_date
    assert rows[6:] == [
        ("Meetings", "Meetings held", 4),
        ("Meetings", "Meetings with people present from both the Netherlands and Germany", 2),
        ("Meetings", "Cross-border share (%)", 50),
        ("Participants", "Attendances recorded", 11),
        ("Participants", "People present (unique)", 8),
        ("Participants", "People without an organisation", 2),
        ("Participants", "People without a country", 2),
        ("Participants", "People from Germany", 2),
        ("Participants", "People from Netherlands", 4),
        ("Participants", "Share of people from Netherlands (%)", 50),
        ("Participants", "Share of people from Germany (%)", 25),
        ("Organisations", "Organisations represented", 5),
        ("Organisations", "Organisations without a country", 1),
        ("Organisations", "Kind: Development agency", 1),
        ("Organisations", "Kind: Chamber of commerce", 1),
        ("Organisations", "Kind: Research institute", 1),
        ("Organisations", "Kind: University", 1),
        ("Organisations", "Kind: Not recorded", 1),
        ("Organisations", "Country: Germany", 2),
        ("Organisations", "Country: Netherlands", 2),
        ("Organisations", "Country: Not recorded", 1),
        ("Repeat participation", "Organisations present at 1 meeting", 2),
        ("Repeat participation", "Organisations present at 2 meetings", 2),
        ("Repeat participation", "Organisations present at 3 or more meetings", 1),
        ("Reached for the first time", "Organisations reached for the first time", 3),
        ("Reached for the first time", "Organisation", "Fraunhofer Innovation Platform"),
        ("Reached for the first time", "Organisation", "Oost NL"),
        ("Reached for the first time", "Organisation", "Robo GmbH"),
        ("Public events", "Public events", 1),
        ("Public events", "Registrations", 3),
        ("Public events", "Registrants present", 2),
        ("Public events", "Present in total", 4),
        ("Public events", "2025-03-15 Cyber Security Day: registrations", 3),
        ("Public events", "2025-03-15 Cyber Security Day: present", 4),
    ]
    # Numbers are numbers, texts are text.
    assert sheet["C8"].data_type == "n" and sheet["B8"].data_type == "s"
    # No person is named on the figures sheet.
    text = " ".join(str(value) for row in rows for value in row)
    for person in ("Katrin", "Bas", "Pieter", "Lena", "Eva", "Nina", "Jan", "Anke", "Max", "Paul"):
        assert person not in text


def test_a_meeting_sheet_lists_only_those_recorded_present(organiser_client, cluster):
    _, book = _workbook(organiser_client)
    sheet = book["2025-02-10 Core Team kick-off"]
    rows = _rows(sheet)
    assert rows[:5] == [("Meeting", "Core Team kick-off", None), ("Date", datetime(2025, 2, 10), None),
                        ("Venue", rows[2][1], None), ("Present", 4, None), ("Organisations", 3, None)]
    assert sheet["B2"].is_date and sheet["B2"].number_format == "yyyy-mm-dd"
    assert "Enschede" in rows[2][1]
    assert rows[5] == (None, None, None)
    assert rows[6:] == [
        ("Name", "Organisation", "Country"),
        ("Bas Smit", "Oost NL", "Netherlands"),
        ("Katrin Hoffmann", "IHK Nord Westfalen", "Germany"),
        ("Lena", None, "Not recorded"),
        ("Pieter Jansen", "University of Twente", "Netherlands"),
    ]
    # Olaf was expected and did not come: not on the sheet.
    assert sheet.freeze_panes == "A8"
    assert sheet.auto_filter.ref == "A7:C11"


def test_the_public_events_sheet_leaves_out_those_who_did_not_come(organiser_client, cluster):
    _, book = _workbook(organiser_client)
    names = [row[0] for row in _rows(book["2025-03-15 Cyber Security Day"])[7:]]
    assert names == ["Eva Weber", "Jan Visser", "Katrin Hoffmann", "Nina de Boer"]


def test_a_topic_with_no_meetings_gives_a_workbook_that_says_so(organiser_client, cluster):
    _, book = _workbook(organiser_client, f"{PERIOD}&topic={cluster.data.id}")
    assert book.sheetnames == ["Figures"]
    rows = _rows(book["Figures"])
    assert ("Report", "Topic", "Data-driven Decision-making") in rows
    assert ("Meetings", "Meetings held", 0) in rows
    assert ("Meetings", "This report is empty: no meeting was held in this period.", None) in rows
    assert ("Organisations", "Organisations represented", 0) in rows


def test_the_workbook_speaks_the_readers_language(organiser_client, cluster):
    organiser_client.get("/language/nl")
    _, book = _workbook(organiser_client)
    assert book.sheetnames[0] == "Kengetallen"
    rows = _rows(book["Kengetallen"])
    assert rows[0] == ("Onderdeel", "Kengetal", "Waarde")
    assert ("Bijeenkomsten", "Gehouden bijeenkomsten", 4) in rows
    meeting = _rows(book["2025-02-10 Core Team kick-off"])
    assert meeting[6] == ("Naam", "Organisatie", "Land")
    assert meeting[7] == ("Bas Smit", "Oost NL", "Nederland")
