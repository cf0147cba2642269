"""The participants list as .csv and .xlsx: what registrants typed comes out as text that no
spreadsheet runs, in English, German or Dutch Excel, and the data comes back as it went in."""
from __future__ import annotations

import io
import zipfile
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from meetings.core.spreadsheets import XLSX_TYPE
from meetings.extensions import db
from meetings.registration.models import RegistrationQuestion
from tests.core.helpers import as_written, assert_nothing_runs, cells, in_cell, read_back
from tests.factories import make_meeting, make_participant
from tests.helpers import text_of
from tests.registration.helpers import person, register, register_and_confirm

STEPS = "steps;=cmd|' /C calc'!A0"
HEADINGS = ["Name", "Email", "Organisation", "Country", "Language", "Kind", "Status", "Waiting list number",
            "Dietary needs", "Accessibility needs", "On the list since (Europe/Berlin)",
            "Confirmed or answered (Europe/Berlin)", "What are your next steps?", "Phone", "=Budget;@x"]


def local(moment):
    return moment.astimezone(ZoneInfo("Europe/Berlin")).replace(tzinfo=None, microsecond=0) if moment else None


@pytest.fixture
def hostile_list(client, app):
    """A meeting in Berlin's zone whose registrants typed what a spreadsheet would run."""
    meeting = make_meeting(title="Robotics Day", slug="robotics-day", capacity=1, timezone="Europe/Berlin")
    questions = [RegistrationQuestion(meeting_id=meeting.id, label=label, kind=kind, position=i)
                 for i, (label, kind) in enumerate([("What are your next steps?", "long_text"), ("Phone", "short_text"),
                                                    ("=Budget;@x", "short_text")], start=1)]
    db.session.add_all(questions)
    db.session.commit()
    steps, phone, budget = (f"q_{q.id}" for q in questions)
    register_and_confirm(client, meeting, name="Zoë Ångström-Øster", email="zoe@example.org",
                         organisation="Müller & Söhne, Düsseldorf; GmbH", country="DE", language="de",
                         dietary="@SUM(A1)", accessibility="-1",
                         **{steps: STEPS, phone: "+49 251 707", budget: "-1"})
    register_and_confirm(client, meeting, name="李雷", email="li@example.org", country="NL",
                         **{steps: "first\r\n=1+1;\r\n@x", phone: "+31 53 489 9111", budget: "=2*3"})
    register(client, meeting, name="=HYPERLINK(\"http://evil.example\")", email="eve@example.org", country="NL",
             **{budget: "\t=1"})
    make_participant(meeting, name="Ina Invitee", email="ina@example.de", language="de", status="invited",
                     organisation_name="@Home; =Office")
    return meeting


def expected_rows(meeting) -> dict[str, list]:
    """Each person's row as the export should hold it, typed, with moments in Berlin time."""
    questions = sorted(db.session.scalars(db.select(RegistrationQuestion)
                                          .where(RegistrationQuestion.meeting_id == meeting.id)),
                       key=lambda q: q.position)
    from meetings.registration.services import answers_for

    rows = {}
    from meetings.registration.forms import status_labels

    labels = status_labels()  # the participants' one mapping of statuses to words
    for email, kind, status in [("zoe@example.org", "registrant", labels["registered"]),
                                ("li@example.org", "registrant", labels["waiting"]),
                                ("eve@example.org", "registrant", labels["pending"]),
                                ("ina@example.de", "invitee", labels["invited"])]:
        p = person(meeting, email)
        given = answers_for([p.id]).get(p.id, {})
        rows[email] = [p.name, p.email, p.organisation_label or None, p.country, p.language, kind, status,
                       p.waitlist_position, p.dietary, p.accessibility, local(p.created_at), local(p.responded_at),
                       *[given.get(q.id) for q in questions]]
    return rows


def test_csv_export_is_safe_for_comma_and_semicolon_excel_and_round_trips(organiser_client, hostile_list):
    response = organiser_client.get(f"/manage/meetings/{hostile_list.id}/participants.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="participants-robotics-day.csv"'
    assert response.headers["Cache-Control"] == "private, no-store"
    # English Excel splits on commas, German and Dutch Excel on semicolons: neither finds a formula.
    assert_nothing_runs(response.data)
    header, *body = cells(response.data, ",")
    assert [read_back(c) for c in header] == HEADINGS
    got = {read_back(row[1]): [read_back(c) for c in row] for row in body}
    for email, row in expected_rows(hostile_list).items():
        as_text = ["" if v is None else v.strftime("%Y-%m-%d %H:%M") if isinstance(v, datetime) else
                   as_written(str(v)) for v in row]
        assert got[email] == as_text, email
    zoe = got["zoe@example.org"]
    assert zoe[-3:] == [STEPS, "+49 251 707", "-1"] and zoe[0] == "Zoë Ångström-Øster"
    assert got["li@example.org"][-3] == "first; =1+1;; @x"
    # What the semicolon reader sees of Zoë's answer: text, not the command.
    semicolon_cells = [c for row in cells(response.data, ";") for c in row]
    assert any(c.startswith("'=cmd|") for c in semicolon_cells)


def test_xlsx_export_has_typed_columns_text_cells_and_round_trips(organiser_client, hostile_list):
    response = organiser_client.get(f"/manage/meetings/{hostile_list.id}/participants.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == XLSX_TYPE
    assert response.headers["Content-Disposition"] == 'attachment; filename="participants-robotics-day.xlsx"'
    assert response.headers["Cache-Control"] == "private, no-store"
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet.title == "Participants"
    rows = list(sheet.iter_rows())
    assert [c.value for c in rows[0]] == HEADINGS and all(c.data_type == "s" for c in rows[0])
    got = {row[1].value: row for row in rows[1:]}
    assert len(got) == 4
    for email, expected in expected_rows(hostile_list).items():
        row = got[email]
        for cell, value in zip(row, expected, strict=True):
            if isinstance(value, str):
                assert (cell.value, cell.data_type) == (in_cell(value), "s"), (email, cell.coordinate)
            else:
                assert cell.value == value, (email, cell.coordinate)
    zoe = got["zoe@example.org"]
    assert [c.value for c in zoe[-3:]] == [STEPS, "+49 251 707", "-1"]
    assert zoe[7].value is None and got["li@example.org"][7].value == 1 and got["li@example.org"][7].data_type == "n"
    # Moments are real dates in the meeting's zone, shown with a date format.
    assert isinstance(zoe[10].value, datetime) and zoe[10].is_date and zoe[10].number_format == "yyyy-mm-dd hh:mm"
    assert got["li@example.org"][-3].value == "first\n=1+1;\n@x"


def test_participants_page_links_both_exports_in_the_organisers_language(organiser_client, organiser, hostile_list):
    html = text_of(organiser_client.get(f"/manage/meetings/{hostile_list.id}/participants"))
    assert f'href="/manage/meetings/{hostile_list.id}/participants.csv">Export CSV<' in html
    assert f'href="/manage/meetings/{hostile_list.id}/participants.xlsx">Export for Excel (.xlsx)<' in html
    organiser.language = "de"
    db.session.commit()
    html = text_of(organiser_client.get(f"/manage/meetings/{hostile_list.id}/participants"))
    assert ">Für Excel exportieren (.xlsx)<" in html and ">Als CSV exportieren<" in html
    german = organiser_client.get(f"/manage/meetings/{hostile_list.id}/participants.xlsx")
    assert load_workbook(io.BytesIO(german.data)).active["A1"].value == "Name"
    assert load_workbook(io.BytesIO(german.data)).active.title == "Teilnehmende"


@pytest.mark.parametrize("tail", [".xlsx", ".csv"])
def test_exports_need_a_login_and_an_existing_meeting(app, organiser_client, hostile_list, tail):
    stranger = app.test_client().get(f"/manage/meetings/{hostile_list.id}/participants{tail}")
    assert stranger.status_code == 302 and "/login" in stranger.headers["Location"]
    assert organiser_client.get(f"/manage/meetings/999999/participants{tail}").status_code == 404
    assert organiser_client.get(f"/manage/meetings/{hostile_list.id}/participants.ods").status_code == 404
