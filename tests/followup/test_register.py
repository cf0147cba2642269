"""The decisions register: decisions from the minutes form (per agenda item or none),
search and filter, .xlsx opened with openpyxl cell by cell, CSV, and superseding."""
from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from meetings.extensions import db
from meetings.followup.models import Decision
from meetings.followup.services import decision_lines, save_minutes
from tests import factories
from tests.followup.scenario import make_held_meeting
from tests.helpers import post_form, text_of

REGISTER = "/manage/decisions/"
CELL = re.compile(r'<td class="decision-text">(?:<del>)?(.*?)(?:</del>.*?)?</td>')


def listed(html: str) -> list[str]:
    """The decisions the register's table shows, in order."""
    return CELL.findall(html)


@pytest.fixture
def decided(app):
    held = make_held_meeting()
    ai = held.meeting.agenda_items[1]
    save_minutes(held.meeting, {}, {None: "Each topic gets a lead partner.\n- A public Robotics Day in the autumn.",
                                    ai.id: "1. An AI working group starts."}, None, None)
    later = factories.make_meeting(title="Core Team before the summer",
                                   starts_at=datetime(2025, 6, 26, 8, 0, tzinfo=timezone.utc),
                                   ends_at=datetime(2025, 6, 26, 12, 0, tzinfo=timezone.utc))
    save_minutes(later, {}, "The Robotics Day moves to spring =cmd.", None, None)
    db.session.commit()
    decisions = {d.text: d for d in db.session.scalars(select(Decision))}
    return held, later, decisions


def test_lines_and_bullets_become_decisions():
    assert decision_lines("- one\n\n* two \n  3) three\n• four\n12. five\n-not a bullet") == \
        ["one", "two", "three", "four", "five", "-not a bullet"]


def test_the_register_lists_every_decision_with_meeting_day_and_item(organiser_client, decided):
    html = text_of(organiser_client.get(REGISTER))
    assert "4 decisions." in html
    assert listed(html) == ["The Robotics Day moves to spring =cmd.", "Each topic gets a lead partner.",
                            "A public Robotics Day in the autumn.", "An AI working group starts."]
    for text in ("Each topic gets a lead partner.", "An AI working group starts.",
                 "The Robotics Day moves to spring =cmd.", "Core Team kick-off meeting", "5 Jun 2024", "26 Jun 2025"):
        assert text in html
    assert html.index("26 Jun 2025") < html.index("5 Jun 2024")  # newest meeting first


@pytest.mark.parametrize("args,expected", [
    ("q=robotics", {"A public Robotics Day in the autumn.", "The Robotics Day moves to spring =cmd."}),
    ("q=ai+working", {"An AI working group starts."}),
    ("q=kick-off", {"Each topic gets a lead partner.", "A public Robotics Day in the autumn.",
                    "An AI working group starts."}),
    ("q=100%25", set()),
    ("start=2025-01-01", {"The Robotics Day moves to spring =cmd."}),
    ("end=2024-06-05", {"Each topic gets a lead partner.", "A public Robotics Day in the autumn.",
                        "An AI working group starts."}),
])
def test_search_and_filter(organiser_client, decided, args, expected):
    response = organiser_client.get(f"{REGISTER}?{args}")
    assert response.status_code == 200
    assert set(listed(text_of(response))) == expected


def test_filter_by_topic_and_standing(organiser_client, decided):
    held, later, decisions = decided
    topic = held.meeting.topics[0]
    html = text_of(organiser_client.get(f"{REGISTER}?topic={topic.id}"))
    assert listed(html) == ["Each topic gets a lead partner.", "A public Robotics Day in the autumn.",
                            "An AI working group starts."]
    decisions["A public Robotics Day in the autumn."].superseded_by_id = \
        decisions["The Robotics Day moves to spring =cmd."].id
    db.session.commit()
    html = text_of(organiser_client.get(f"{REGISTER}?standing=superseded"))
    assert "One decision." in html and listed(html) == ["A public Robotics Day in the autumn."]
    assert "<del>A public Robotics Day in the autumn.</del>" in html
    html = text_of(organiser_client.get(f"{REGISTER}?standing=current"))
    assert "3 decisions." in html and "<del>" not in html


@pytest.mark.parametrize("args,field,message", [
    ("start=2025-02-30", "start", "Please enter a date as YYYY-MM-DD."),
    ("start=2025-01-01&end=2024-01-01", "end", "The end of the period is before its start."),
    ("topic=999999", "topic", "Please choose a topic from the list."),
    ("topic=abc", "topic", "Please choose a topic from the list."),
    ("standing=everything", "standing", "Not a valid choice."),
    ("q=" + "x" * 201, "q", "Field cannot be longer than 200 characters."),
])
def test_bad_filters_are_refused_at_the_field(organiser_client, decided, args, field, message):
    for url in (f"{REGISTER}?{args}", f"{REGISTER}decisions.xlsx?{args}", f"{REGISTER}decisions.csv?{args}"):
        response = organiser_client.get(url)
        assert response.status_code == 422
        assert f'id="{field}-error"' in text_of(response) and message in text_of(response)


def test_xlsx_export_cell_by_cell(organiser_client, decided):
    held, later, decisions = decided
    decisions["A public Robotics Day in the autumn."].superseded_by_id = \
        decisions["The Robotics Day moves to spring =cmd."].id
    db.session.commit()
    response = organiser_client.get(f"{REGISTER}decisions.xlsx?q=robotics")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="decisions.xlsx"'
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet.title == "Decisions"
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == ["Date", "Meeting", "Agenda item", "Decision", "Superseded by", "Superseded on"]
    assert rows[1] == [datetime(2025, 6, 26), "Core Team before the summer", None,
                       "The Robotics Day moves to spring =cmd.", None, None]
    assert rows[2] == [datetime(2024, 6, 5), "Core Team kick-off meeting", None,
                       "A public Robotics Day in the autumn.", "The Robotics Day moves to spring =cmd.",
                       datetime(2025, 6, 26)]
    assert len(rows) == 3
    assert sheet["A2"].number_format == "yyyy-mm-dd" and sheet["D2"].data_type == "s"


def test_xlsx_export_in_german_with_the_agenda_item(organiser_client, decided):
    with organiser_client.session_transaction() as session:
        session["lang"] = "de"
    response = organiser_client.get(f"{REGISTER}decisions.xlsx?q=working")
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert [c.value for c in sheet[1]] == ["Datum", "Treffen", "Tagesordnungspunkt", "Entscheidung",
                                           "Ersetzt durch", "Ersetzt am"]
    assert [c.value for c in sheet[2]][2:4] == ["AI", "An AI working group starts."]


def test_csv_export(organiser_client, decided):
    response = organiser_client.get(f"{REGISTER}decisions.csv?start=2025-01-01")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    lines = response.data.decode("utf-8-sig").split("\r\n")
    assert lines[0] == '"Date","Meeting","Agenda item","Decision","Superseded by","Superseded on"'
    assert lines[1] == '"2025-06-26","Core Team before the summer","","The Robotics Day moves to spring =cmd.","",""'
    assert lines[2] == ""


def supersede_url(decision):
    return f"{REGISTER}{decision.id}/supersede"


def test_mark_superseded_by_a_later_decision_and_back(organiser_client, decided):
    held, later, decisions = decided
    old = decisions["A public Robotics Day in the autumn."]
    new = decisions["The Robotics Day moves to spring =cmd."]
    response = post_form(organiser_client, supersede_url(old), {f"d{old.id}-superseded_by_id": str(new.id)},
                         form_url=REGISTER)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Decision, old.id).superseded_by_id == new.id
    # Editing the minutes keeps the decision, and what the register says about it.
    save_minutes(held.meeting, {}, {None: "A public Robotics Day in the autumn.\nEach topic gets a lead partner."},
                 None, None)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Decision, old.id).superseded_by_id == new.id
    response = post_form(organiser_client, supersede_url(old), {f"d{old.id}-superseded_by_id": ""}, form_url=REGISTER)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Decision, old.id).superseded_by_id is None


@pytest.mark.parametrize("by", ["earlier", "same_meeting", "itself", "unknown", "nonsense"])
def test_only_a_later_decision_supersedes(organiser_client, decided, by):
    held, later, decisions = decided
    new = decisions["The Robotics Day moves to spring =cmd."]
    target = {"earlier": decisions["Each topic gets a lead partner."].id, "same_meeting": new.id,
              "itself": new.id, "unknown": 999999, "nonsense": "abc"}[by]
    subject = new if by != "same_meeting" else new
    if by == "same_meeting":
        other = Decision(meeting_id=later.id, text="Another decision of that day", position=5)
        db.session.add(other)
        db.session.commit()
        subject = other
    response = post_form(organiser_client, supersede_url(subject), {f"d{subject.id}-superseded_by_id": str(target)},
                         form_url=REGISTER)
    assert response.status_code == 422
    html = text_of(response)
    assert f'id="d{subject.id}-superseded_by_id-error"' in html
    assert "Only a decision of a later meeting can supersede this one." in html
    db.session.expire_all()
    assert db.session.scalars(select(Decision).where(Decision.superseded_by_id.is_not(None))).all() == []


def test_superseding_an_unknown_decision_is_404(organiser_client, decided):
    response = post_form(organiser_client, f"{REGISTER}999999/supersede", {}, form_url=REGISTER)
    assert response.status_code == 404


def test_decisions_per_agenda_item_through_the_minutes_form(organiser_client, app):
    held = make_held_meeting()
    ai = held.meeting.agenda_items[1]
    url = f"/manage/meetings/{held.meeting.id}/record/minutes"
    data = {f"note_{i.id}": "" for i in held.meeting.agenda_items}
    data.update({f"decisions_{i.id}": "" for i in held.meeting.agenda_items})
    data.update({f"decisions_{ai.id}": "Vision pilots first.", "decisions": "General one.",
                 "next_meeting_on": "", "next_meeting_note": ""})
    assert post_form(organiser_client, url, data).status_code == 302
    rows = [(d.agenda_item_id, d.text) for d in db.session.scalars(select(Decision).order_by(Decision.position))]
    assert rows == [(None, "General one."), (ai.id, "Vision pilots first.")]
    html = text_of(organiser_client.get(url))
    assert "Vision pilots first.</textarea>" in html
    assert date.today() and timedelta(0) == timedelta(0)
