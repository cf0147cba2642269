"""The agenda on the organiser's meeting page: computed times, add, edit, delete, reorder."""
from __future__ import annotations

import re
from datetime import datetime, time, timezone

import pytest
from sqlalchemy import select

from meetings.events.models import AgendaItem, Meeting
from meetings.extensions import db
from tests.factories import make_agenda_item, make_meeting
from tests.helpers import post_form, text_of

UTC = timezone.utc


@pytest.fixture
def meeting(app):
    # 10:00-16:00 in Amsterdam (CEST, UTC+2).
    return make_meeting(title="Core Team", starts_at=datetime(2031, 6, 5, 8, 0, tzinfo=UTC),
                        ends_at=datetime(2031, 6, 5, 14, 0, tzinfo=UTC))


def page(client, meeting) -> str:
    return text_of(client.get(f"/manage/meetings/{meeting.id}"))


def add(client, meeting, **fields):
    data = {"title": "Item", "start_time": "", "duration_minutes": "", "presenter": "", "notes": "", **fields}
    return post_form(client, f"/manage/meetings/{meeting.id}/agenda/", data, form_url=f"/manage/meetings/{meeting.id}")


def items_of(meeting) -> list[AgendaItem]:
    db.session.expire_all()
    return list(db.session.scalars(select(AgendaItem).where(AgendaItem.meeting_id == meeting.id)
                                   .order_by(AgendaItem.position)))


def times_on(html: str) -> list[str]:
    return [re.sub(r"\s+", "", t) for t in re.findall(r'<td class="time">([^<]*)', html)]


def test_add_items_and_see_computed_local_times(organiser_client, meeting):
    assert add(organiser_client, meeting, title="Welcome", duration_minutes="15", presenter="Olga").status_code == 302
    assert add(organiser_client, meeting, title="AI in production", duration_minutes="45",
               notes="See **slides**").status_code == 302
    assert add(organiser_client, meeting, title="Lunch", start_time="12:30", duration_minutes="60").status_code == 302
    assert add(organiser_client, meeting, title="Round table", duration_minutes="30").status_code == 302
    assert add(organiser_client, meeting, title="Close", start_time="15:55").status_code == 302
    items = items_of(meeting)
    assert [i.title for i in items] == ["Welcome", "AI in production", "Lunch", "Round table", "Close"]
    assert [i.position for i in items] == [0, 1, 2, 3, 4]
    assert items[2].start_time == time(12, 30) and items[0].presenter == "Olga"
    html = page(organiser_client, meeting)
    assert times_on(html) == ["10:00–10:15", "10:15–11:00", "12:30–13:30", "13:30–14:00", "15:55"]
    assert "<strong>slides</strong>" in html


@pytest.mark.parametrize("fields,field,message", [
    ({"title": ""}, "title", "Please enter a title."),
    ({"title": "x" * 201, "duration_minutes": "10"}, "title", "Field cannot be longer than 200 characters."),
    ({"title": "Talk\nBcc: x", "duration_minutes": "10"}, "title", "Line breaks and control characters are not allowed here."),
    ({"duration_minutes": "10", "notes": "a\x00b"}, "notes", "Control characters are not allowed here."),
    ({}, "start_time", "Enter a start time, a duration, or both."),
    ({"start_time": "1030"}, "start_time", "Please enter a time as HH:MM, e.g. 14:30."),
    ({"duration_minutes": "0"}, "duration_minutes", "Enter a duration between 1 and 1440 minutes."),
    ({"duration_minutes": "ten"}, "duration_minutes", "Not a valid integer value."),
    ({"start_time": "15:00", "duration_minutes": "90"}, "duration_minutes",
     "This item would end at 16:30, after the meeting ends at 16:00."),
    ({"duration_minutes": "450"}, "duration_minutes", "This item would end at 17:30, after the meeting ends at 16:00."),
    ({"start_time": "09:00", "duration_minutes": "30"}, "start_time",
     "This item would start at 09:00, before the meeting starts at 10:00."),
    ({"start_time": "16:30"}, "start_time", "This item would start at 16:30, after the meeting ends at 16:00."),
])
def test_invalid_item_is_refused_at_the_field(organiser_client, meeting, fields, field, message):
    response = add(organiser_client, meeting, **fields)
    assert response.status_code == 422
    html = text_of(response)
    assert f'id="{field}-error"' in html
    assert message in html
    assert items_of(meeting) == []


def test_item_after_others_that_would_end_late_is_refused(organiser_client, meeting):
    make_agenda_item(meeting, title="Morning", duration_minutes=300)  # 10:00-15:00
    response = add(organiser_client, meeting, title="Long talk", duration_minutes="150")
    assert response.status_code == 422
    assert "This item would end at 17:30, after the meeting ends at 16:00." in text_of(response)
    assert len(items_of(meeting)) == 1


def test_item_time_that_does_not_exist_is_refused(organiser_client):
    night = make_meeting(starts_at=datetime(2026, 3, 28, 23, 0, tzinfo=UTC), ends_at=datetime(2026, 3, 29, 4, 0, tzinfo=UTC))
    response = add(organiser_client, night, start_time="02:30", duration_minutes="10")
    assert response.status_code == 422
    assert "This time does not exist in Europe/Amsterdam on that day (clocks go forward)." in text_of(response)


def test_edit_item(organiser_client, meeting):
    item = make_agenda_item(meeting, title="Welcome", duration_minutes=15)
    url = f"/manage/meetings/{meeting.id}/agenda/{item.id}"
    form = text_of(organiser_client.get(url))
    assert 'value="Welcome"' in form and 'value="15"' in form
    response = post_form(organiser_client, url, {"title": "Welcome and coffee", "start_time": "10:00",
                                                 "duration_minutes": "30", "presenter": "Olga", "notes": ""})
    assert response.status_code == 302
    saved = items_of(meeting)[0]
    assert (saved.title, saved.start_time, saved.duration_minutes) == ("Welcome and coffee", time(10, 0), 30)


def test_edit_that_pushes_a_later_item_past_the_end_is_refused(organiser_client, meeting):
    first = make_agenda_item(meeting, title="Talks", duration_minutes=240)     # 10:00-14:00
    make_agenda_item(meeting, title="Discussion", duration_minutes=90)          # 14:00-15:30
    url = f"/manage/meetings/{meeting.id}/agenda/{first.id}"
    response = post_form(organiser_client, url, {"title": "Talks", "duration_minutes": "300", "start_time": ""})
    assert response.status_code == 422
    assert "Then “Discussion” would end at 16:30, after the meeting ends at 16:00." in text_of(response)
    assert items_of(meeting)[0].duration_minutes == 240


def test_item_of_another_meeting_is_404(organiser_client, meeting):
    other = make_meeting()
    item = make_agenda_item(other, title="Elsewhere", duration_minutes=10)
    assert organiser_client.get(f"/manage/meetings/{meeting.id}/agenda/{item.id}").status_code == 404
    assert organiser_client.get(f"/manage/meetings/{meeting.id}/agenda/9999").status_code == 404


def test_delete_item_keeps_positions_contiguous(organiser_client, meeting):
    items = [make_agenda_item(meeting, title=t, duration_minutes=20, position=i) for i, t in enumerate("ABCD")]
    response = post_form(organiser_client, f"/manage/meetings/{meeting.id}/agenda/{items[1].id}/delete",
                         form_url=f"/manage/meetings/{meeting.id}")
    assert response.status_code == 302
    left = items_of(meeting)
    assert [(i.title, i.position) for i in left] == [("A", 0), ("C", 1), ("D", 2)]
    assert times_on(page(organiser_client, meeting)) == ["10:00–10:20", "10:20–10:40", "10:40–11:00"]


@pytest.mark.parametrize("index,direction,order", [
    (1, "up", "BACD"),
    (1, "down", "ACBD"),
    (0, "up", "ABCD"),
    (3, "down", "ABCD"),
])
def test_move_items(organiser_client, meeting, index, direction, order):
    items = [make_agenda_item(meeting, title=t, duration_minutes=20, position=i) for i, t in enumerate("ABCD")]
    response = post_form(organiser_client, f"/manage/meetings/{meeting.id}/agenda/{items[index].id}/{direction}",
                         form_url=f"/manage/meetings/{meeting.id}")
    assert response.status_code == 302
    moved = items_of(meeting)
    assert "".join(i.title for i in moved) == order
    assert [i.position for i in moved] == [0, 1, 2, 3]


def test_move_that_would_break_the_times_is_refused(organiser_client, meeting):
    a = make_agenda_item(meeting, title="Long", duration_minutes=300, position=0)  # 10:00-15:00
    make_agenda_item(meeting, title="Wrap-up", start_time=time(15, 0), duration_minutes=60, position=1)
    # Moving "Long" after "Wrap-up" would run it 16:00-21:00.
    response = post_form(organiser_client, f"/manage/meetings/{meeting.id}/agenda/{a.id}/down",
                         form_url=f"/manage/meetings/{meeting.id}")
    assert response.status_code == 409
    assert "This move is not possible" in text_of(response)
    assert [i.title for i in items_of(meeting)] == ["Long", "Wrap-up"]


def test_move_direction_must_be_up_or_down(organiser_client, meeting):
    item = make_agenda_item(meeting, title="A", duration_minutes=10)
    response = post_form(organiser_client, f"/manage/meetings/{meeting.id}/agenda/{item.id}/sideways",
                         form_url=f"/manage/meetings/{meeting.id}")
    assert response.status_code in (404, 405)


def test_items_outside_a_shortened_meeting_are_marked(organiser_client, meeting):
    make_agenda_item(meeting, title="Talks", duration_minutes=300)
    db.session.get(Meeting, meeting.id).ends_at = datetime(2031, 6, 5, 12, 0, tzinfo=UTC)  # now ends 14:00
    db.session.commit()
    html = page(organiser_client, meeting)
    assert "Outside the meeting&#39;s time" in html or "Outside the meeting's time" in html
    # The agenda can still be repaired.
    item = items_of(meeting)[0]
    response = post_form(organiser_client, f"/manage/meetings/{meeting.id}/agenda/{item.id}",
                         {"title": "Talks", "duration_minutes": "240"})
    assert response.status_code == 302


def test_anonymous_cannot_change_the_agenda(client, meeting):
    response = client.post(f"/manage/meetings/{meeting.id}/agenda/", data={"title": "x", "duration_minutes": "5"})
    assert response.status_code in (302, 400)
    assert items_of(meeting) == []


def test_agenda_over_several_days_continues_on_the_next_day(organiser_client):
    # 5 June 09:00 to 6 June 17:00 (CEST)
    two_days = make_meeting(starts_at=datetime(2031, 6, 5, 7, 0, tzinfo=UTC), ends_at=datetime(2031, 6, 6, 15, 0, tzinfo=UTC))
    make_agenda_item(two_days, title="Day one", duration_minutes=480, position=0)              # 09:00-17:00
    make_agenda_item(two_days, title="Day two", start_time=time(9, 0), duration_minutes=60, position=1)
    assert times_on(page(organiser_client, two_days)) == ["09:00–17:00", "09:00–10:00"]
    assert "Outside" not in page(organiser_client, two_days)
