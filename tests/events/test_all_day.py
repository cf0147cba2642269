"""All-day meetings and meetings over several days: the form, the agenda's days, pages, mails."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest
from sqlalchemy import select

from meetings.core.timezones import start_of_day, to_utc
from meetings.events.models import AgendaItem, Meeting
from meetings.events.services import agenda_outside, list_meetings
from meetings.extensions import db
from tests.factories import make_agenda_item, make_all_day_meeting, make_meeting, make_venue
from tests.helpers import post_form, text_of

YEAR = datetime.now(timezone.utc).year + 1
FIRST, LAST = date(YEAR, 12, 7), date(YEAR, 12, 9)


@pytest.fixture
def form(app):
    venue = make_venue(name="High Tech Factory", city="Enschede", timezone="Europe/Amsterdam")
    return {"title": "Retreat", "slug": "retreat", "description": "", "language": "en",
            "venue_id": str(venue.id), "online_url": "", "timezone": "Europe/Amsterdam",
            "all_day": "y", "start_date": FIRST.isoformat(), "start_time": "", "end_date": LAST.isoformat(),
            "end_time": "", "visibility": "public", "status": "scheduled", "capacity": "",
            "registration_opens_date": "", "registration_opens_time": "", "registration_closes_date": "",
            "registration_closes_time": ""}


def the_meeting() -> Meeting:
    db.session.expire_all()
    return db.session.scalar(select(Meeting))


def items_of(meeting) -> list[AgendaItem]:
    db.session.expire_all()
    return list(db.session.scalars(select(AgendaItem).where(AgendaItem.meeting_id == meeting.id)
                                   .order_by(AgendaItem.position)))


def add(client, meeting, **fields):
    data = {"title": "Item", "start_time": "", "duration_minutes": "", "presenter": "", "notes": "", **fields}
    return post_form(client, f"/manage/meetings/{meeting.id}/agenda/", data, form_url=f"/manage/meetings/{meeting.id}")


# --- the form ------------------------------------------------------------------------

def test_an_all_day_meeting_over_three_days_is_made_without_times(organiser_client, form):
    response = post_form(organiser_client, "/manage/meetings/new", form)
    assert response.status_code == 302, text_of(response)[:3000]
    meeting = the_meeting()
    assert meeting.all_day
    # Stored as the start of the first day and of the day after the last, in the meeting's zone.
    assert meeting.starts_at == start_of_day(FIRST, "Europe/Amsterdam")
    assert meeting.ends_at == start_of_day(LAST + timedelta(days=1), "Europe/Amsterdam")
    assert (meeting.first_day, meeting.last_day, meeting.spans_days) == (FIRST, LAST, True)
    assert f"7–9 December {YEAR}" in text_of(organiser_client.get(f"/manage/meetings/{meeting.id}"))


def test_times_of_an_all_day_meeting_are_ignored_even_unreadable_ones(organiser_client, form):
    response = post_form(organiser_client, "/manage/meetings/new",
                         {**form, "start_time": "25:99", "end_time": "08:00", "end_date": FIRST.isoformat()})
    assert response.status_code == 302, text_of(response)[:3000]
    meeting = the_meeting()
    assert meeting.ends_at - meeting.starts_at == timedelta(days=1)


def test_the_edit_form_shows_the_last_day_not_the_exclusive_end(organiser_client, form):
    post_form(organiser_client, "/manage/meetings/new", form)
    meeting = the_meeting()
    html = text_of(organiser_client.get(f"/manage/meetings/{meeting.id}/edit"))
    assert f'name="end_date" required type="date" value="{LAST.isoformat()}"' in html
    assert '<input aria-describedby="all_day-help" checked id="all_day" name="all_day" type="checkbox"' in html
    # Saving it unchanged keeps the same days.
    response = post_form(organiser_client, f"/manage/meetings/{meeting.id}/edit", form)
    assert response.status_code == 302
    assert (the_meeting().first_day, the_meeting().last_day) == (FIRST, LAST)


def test_unticking_all_day_needs_times_again(organiser_client, form):
    response = post_form(organiser_client, "/manage/meetings/new", {**form, "all_day": ""})
    assert response.status_code == 422
    assert text_of(response).count("Please enter a time, or tick “All day”.") == 2


def test_a_timed_meeting_may_span_several_days(organiser_client, form):
    response = post_form(organiser_client, "/manage/meetings/new",
                         {**form, "all_day": "", "start_time": "09:00", "end_time": "17:00"})
    assert response.status_code == 302
    meeting = the_meeting()
    assert not meeting.all_day and meeting.spans_days
    assert meeting.starts_at == to_utc(datetime.combine(FIRST, time(9, 0)), "Europe/Amsterdam")
    html = text_of(organiser_client.get(f"/manage/meetings/{meeting.id}"))
    assert f"7 Dec 09:00 – 9 Dec {YEAR} 17:00 (CET, Europe/Amsterdam)" in html


@pytest.mark.parametrize("language,expected", [
    ("en", "Tuesday, 7 December 2027, all day"), ("de", "Dienstag, 7. Dezember 2027, ganztägig"),
    ("nl", "dinsdag 7 december 2027, hele dag")])
def test_a_one_day_all_day_meeting_reads_well_in_each_language(client, language, expected):
    day = date(2027, 12, 7)
    make_all_day_meeting(day, day, slug="day-off")
    html = text_of(client.get("/events/day-off", headers={"Accept-Language": language}))
    assert expected in html


@pytest.mark.parametrize("language,expected", [
    ("en", "7–9 December 2027"), ("de", "7.–9. Dezember 2027"), ("nl", "7–9 december 2027")])
def test_an_all_day_range_reads_well_in_each_language(client, language, expected):
    make_all_day_meeting(date(2027, 12, 7), date(2027, 12, 9), slug="retreat")
    html = text_of(client.get("/events/retreat", headers={"Accept-Language": language}))
    assert expected in html


def test_an_all_day_meeting_is_upcoming_until_its_last_day_ends(app):
    meeting = make_all_day_meeting(FIRST, LAST)
    during_last_day = to_utc(datetime.combine(LAST, time(23, 30)), "Europe/Amsterdam")
    after = to_utc(datetime.combine(LAST + timedelta(days=1), time(0, 30)), "Europe/Amsterdam")
    assert meeting in list_meetings("upcoming", now=during_last_day)
    assert meeting in list_meetings("past", now=after)


# --- the agenda's days -----------------------------------------------------------------------

@pytest.fixture
def retreat(app):
    return make_all_day_meeting(FIRST, LAST, slug="retreat", title="Retreat")


def test_the_agenda_form_asks_for_a_day_only_when_the_meeting_spans_several(organiser_client, retreat):
    html = text_of(organiser_client.get(f"/manage/meetings/{retreat.id}"))
    assert 'name="day"' in html and f"Wednesday, 8 December {YEAR}" in html
    one_day = make_meeting()
    assert 'name="day"' not in text_of(organiser_client.get(f"/manage/meetings/{one_day.id}"))


@pytest.mark.parametrize("day,message", [
    ((LAST + timedelta(days=1)).isoformat(), f"Choose one of the meeting's days (7–9 December {YEAR})."),
    ((FIRST - timedelta(days=30)).isoformat(), f"Choose one of the meeting's days (7–9 December {YEAR})."),
    ("next tuesday", "Please choose a day from the list."),
])
def test_an_item_must_lie_within_the_meeting(organiser_client, retreat, day, message):
    response = add(organiser_client, retreat, day=day, start_time="10:00", duration_minutes="30")
    assert response.status_code == 422
    error = text_of(response).split('id="day-error">', 1)[1].split("</p>", 1)[0]
    assert message in error.replace("&#39;", "'")
    assert items_of(retreat) == []


def test_items_go_to_their_day_and_pages_show_the_agenda_by_day(organiser_client, client, retreat):
    assert add(organiser_client, retreat, title="Closing", day=LAST.isoformat(), start_time="15:00",
               duration_minutes="60").status_code == 302
    assert add(organiser_client, retreat, title="Opening", day=FIRST.isoformat(), start_time="09:00",
               duration_minutes="60").status_code == 302
    assert add(organiser_client, retreat, title="Coffee", duration_minutes="15").status_code == 302
    assert add(organiser_client, retreat, title="Workshops", day=(FIRST + timedelta(days=1)).isoformat(),
               start_time="10:00", duration_minutes="90").status_code == 302
    # Each item with a day comes last on its day; one without follows the item before.
    assert [i.title for i in items_of(retreat)] == ["Opening", "Workshops", "Closing", "Coffee"]
    headings = [f"Tuesday, 7 December {YEAR}", f"Wednesday, 8 December {YEAR}", f"Thursday, 9 December {YEAR}"]
    public = text_of(client.get("/events/retreat"))
    public = public[public.index('id="agenda-title"'):]
    positions = [public.index(h) for h in headings]
    assert positions == sorted(positions)
    assert public.index("Opening") < positions[1] < public.index("Workshops") < positions[2] < public.index("Closing")
    manage = text_of(organiser_client.get(f"/manage/meetings/{retreat.id}"))
    assert all(f'colspan="4">{h}</th>' in manage for h in headings)


def test_a_meeting_moved_by_a_week_moves_the_agenda_days(organiser_client, retreat, form):
    make_agenda_item(retreat, title="Opening", day=FIRST, start_time=time(9, 0), duration_minutes=60)
    make_agenda_item(retreat, title="Closing", day=LAST, start_time=time(15, 0), duration_minutes=60)
    later = {**form, "slug": "retreat", "start_date": (FIRST + timedelta(days=7)).isoformat(),
             "end_date": (LAST + timedelta(days=7)).isoformat(), "move_agenda": "y"}
    response = post_form(organiser_client, f"/manage/meetings/{retreat.id}/edit", later)
    assert response.status_code == 302
    items = items_of(retreat)
    assert [(i.day, i.start_time) for i in items] == [(FIRST + timedelta(days=7), time(9, 0)),
                                                      (LAST + timedelta(days=7), time(15, 0))]


def test_a_shorter_meeting_leaves_the_last_days_items_outside_and_says_so(organiser_client, retreat, form):
    make_agenda_item(retreat, title="Closing", day=LAST, start_time=time(15, 0), duration_minutes=60)
    shorter = {**form, "slug": "retreat", "end_date": (LAST - timedelta(days=1)).isoformat(), "move_agenda": "y"}
    response = post_form(organiser_client, f"/manage/meetings/{retreat.id}/edit", shorter, follow_redirects=True)
    assert "Some agenda items now fall outside the meeting&#39;s time" in text_of(response)
    db.session.expire_all()
    assert [slot.entry.title for slot in agenda_outside(db.session.get(Meeting, retreat.id))] == ["Closing"]


def test_switching_to_all_day_moves_no_agenda_times(organiser_client, form):
    starts = to_utc(datetime.combine(FIRST, time(9, 0)), "Europe/Amsterdam")
    meeting = make_meeting(slug="retreat", starts_at=starts, ends_at=starts + timedelta(days=2, hours=8))
    make_agenda_item(meeting, title="Talk", day=FIRST + timedelta(days=1), start_time=time(11, 0),
                     duration_minutes=30)
    response = post_form(organiser_client, f"/manage/meetings/{meeting.id}/edit", {**form, "move_agenda": "y"})
    assert response.status_code == 302
    (item,) = items_of(meeting)
    assert (item.day, item.start_time) == (FIRST + timedelta(days=1), time(11, 0))
