"""All-day meetings and meetings over several days in every calendar the app writes:
.ics downloads, the public, topic and personal feeds, invitations and cancellations,
each read by ical.js, libical, the strict `ical` parser and recurring_ical_events."""
from __future__ import annotations

import re
from datetime import date, datetime, time, timezone

from babel.dates import format_date

from meetings.core.timezones import to_utc
from meetings.extensions import db
from meetings.invitations import services
from tests.factories import (make_agenda_item, make_all_day_meeting, make_contact, make_meeting,
                             make_participant, make_topic)
from tests.invitations.helpers import outbox

YEAR = datetime.now(timezone.utc).year + 1
FIRST, LAST = date(YEAR, 12, 7), date(YEAR, 12, 9)


def lines(data: bytes) -> list[str]:
    return re.sub(r"\r\n[ \t]", "", data.decode()).split("\r\n")


def event_lines(data: bytes) -> list[str]:
    text = lines(data)
    return text[text.index("BEGIN:VEVENT"):text.index("END:VEVENT")]


def test_an_all_day_download_has_dates_and_an_exclusive_end(client, validated):
    make_all_day_meeting(FIRST, LAST, slug="retreat", title="Retreat")
    data = client.get("/events/retreat.ics").data
    parsed = validated(data)
    (event,) = parsed["events"]
    assert event["start"]["is_date"] and event["end"]["is_date"]
    assert event["start"]["iso"].startswith(f"{YEAR}-12-07") and event["end"]["iso"].startswith(f"{YEAR}-12-10")
    vevent = event_lines(data)
    assert f"DTSTART;VALUE=DATE:{YEAR}1207" in vevent and f"DTEND;VALUE=DATE:{YEAR}1210" in vevent
    # No zone at all: the days are the same wherever the reader is.
    assert not any("TZID" in line for line in lines(data))
    assert "BEGIN:VTIMEZONE" not in lines(data)


def test_one_all_day_in_a_far_zone_keeps_its_date(client, validated):
    # 14 December starts at 13:00 UTC the day before in Auckland: the calendar still says the 14th.
    make_all_day_meeting(date(YEAR, 12, 14), date(YEAR, 12, 14), slug="auckland", timezone="Pacific/Auckland")
    data = client.get("/events/auckland.ics").data
    validated(data)
    assert f"DTSTART;VALUE=DATE:{YEAR}1214" in event_lines(data)
    assert f"DTEND;VALUE=DATE:{YEAR}1215" in event_lines(data)


def test_a_timed_meeting_over_three_days_keeps_its_zone_and_shows_the_agenda_by_day(client, validated):
    starts = to_utc(datetime(YEAR, 12, 7, 9, 0), "Europe/Amsterdam")
    ends = to_utc(datetime(YEAR, 12, 9, 17, 0), "Europe/Amsterdam")
    meeting = make_meeting(slug="summit", starts_at=starts, ends_at=ends)
    make_agenda_item(meeting, title="Opening", start_time=time(9, 0), duration_minutes=60)
    make_agenda_item(meeting, title="Workshops", day=date(YEAR, 12, 8), start_time=time(10, 0), duration_minutes=90)
    make_agenda_item(meeting, title="Closing", day=LAST, start_time=time(16, 0), duration_minutes=60)
    data = client.get("/events/summit.ics").data
    (event,) = validated(data)["events"]
    assert event["start"]["iso"] == f"{YEAR}-12-07T09:00:00+01:00"
    assert event["end"]["iso"] == f"{YEAR}-12-09T17:00:00+01:00"
    assert event["start"]["zone"] == "Europe/Amsterdam"
    days = [date(YEAR, 12, d).strftime("%A, %-d %B %Y") for d in (7, 8, 9)]
    assert (f"Agenda:\n{days[0]}\n09:00\u201310:00  Opening\n{days[1]}\n10:00\u201311:30  Workshops\n"
            f"{days[2]}\n16:00\u201317:00  Closing") in event["description"]


def test_german_readers_get_the_days_of_the_agenda_in_german(client, validated):
    meeting = make_all_day_meeting(FIRST, LAST, slug="klausur")
    make_agenda_item(meeting, title="Start", day=FIRST, start_time=time(9, 0), duration_minutes=30)
    make_agenda_item(meeting, title="Ende", day=LAST, start_time=time(15, 0), duration_minutes=30)
    data = client.get("/events/klausur.ics", headers={"Accept-Language": "de"}).data
    (event,) = validated(data)["events"]
    first, last = (format_date(day, format="full", locale="de") for day in (FIRST, LAST))
    assert f"Tagesordnung:\n{first}\n09:00\u201309:30  Start\n{last}\n15:00\u201315:30  Ende" in event["description"]
    assert ", 7. Dezember" in first


def test_feeds_carry_all_day_and_timed_events_side_by_side(client, validated):
    topic = make_topic(name="Retreats")
    make_all_day_meeting(FIRST, FIRST, slug="day-off", topics=[topic])
    timed = to_utc(datetime(YEAR, 7, 2, 10, 0), "Europe/Amsterdam")
    make_meeting(slug="timed", starts_at=timed, ends_at=timed.replace(hour=12), topics=[topic])
    for url in ("/calendar.ics", f"/calendar/{topic.slug}.ics"):
        response = client.get(url)
        assert response.status_code == 200, url
        parsed = validated(response.data)
        kinds = sorted(e["start"]["is_date"] for e in parsed["events"])
        assert kinds == [False, True], url


def test_a_personal_feed_holds_the_all_day_meeting(client, validated):
    from meetings.calendar import personal

    contact = make_contact(email="ana@example.org")
    meeting = make_all_day_meeting(FIRST, LAST, title="Retreat", visibility="invitation")
    make_participant(meeting, contact, status="accepted")
    personal.ensure_feed_token(contact)
    db.session.commit()
    db.session.refresh(contact)
    data = client.get(f"/feeds/{contact.feed_token}.ics").data
    (event,) = validated(data)["events"]
    assert event["start"]["is_date"] and event["start"]["iso"].startswith(f"{YEAR}-12-07")
    assert f"DTEND;VALUE=DATE:{YEAR}1210" in event_lines(data)


def test_invitation_and_cancellation_of_an_all_day_meeting(app, validated):
    meeting = make_all_day_meeting(FIRST, LAST, title="Retreat", status="scheduled")
    make_agenda_item(meeting, title="Opening", day=FIRST, start_time=time(9, 0), duration_minutes=30)
    make_agenda_item(meeting, title="Closing", day=LAST, start_time=time(16, 0), duration_minutes=30)
    make_participant(meeting, make_contact(email="ana@example.org"))
    services.send_invitations(meeting)
    db.session.commit()
    (invite,) = outbox("invitation")
    parsed = validated(invite.ics.encode())
    assert parsed["method"] == "REQUEST"
    (event,) = parsed["events"]
    assert event["start"]["is_date"] and event["end"]["iso"].startswith(f"{YEAR}-12-10")
    assert "7–9 December" in invite.text_body and "7–9 December" in invite.html_body
    # The agenda by day, the day's date in words, in the text, the HTML and the calendar.
    first, last = (day.strftime("%A, %-d %B %Y") for day in (FIRST, LAST))
    assert f"{first}\n  09:00  Opening\n{last}\n  16:00  Closing" in invite.text_body
    html = invite.html_body
    assert html.index(first) < html.index("Opening") < html.index(last) < html.index("Closing")
    assert f"{first}\n09:00\u201309:30  Opening\n{last}\n16:00\u201316:30  Closing" in event["description"]
    services.cancel_meeting(meeting)
    db.session.commit()
    cancels = [m for m in outbox() if m.ics and "METHOD:CANCEL" in m.ics]
    assert cancels
    parsed = validated(cancels[-1].ics.encode())
    assert parsed["events"][0]["start"]["is_date"]
