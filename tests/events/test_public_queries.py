"""Queries behind the public pages: the agenda's computed times, and a number of
SQL statements per page that does not grow with the size of a meeting."""
from __future__ import annotations

from datetime import datetime, time, timezone

import pytest

from meetings.events.models import AgendaItem, Meeting
from meetings.events.queries import agenda_schedule
from meetings.extensions import db
from tests.factories import make_meeting, make_participant, make_topic, make_venue
from tests.helpers import count_queries, login, text_of
from tests import factories

AMS = "Europe/Amsterdam"


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def schedule_of(starts_at, ends_at, items, zone=AMS):
    """agenda_schedule on an unsaved meeting, as (HH:MM start, HH:MM end) or None."""
    meeting = Meeting(title="m", slug="m", starts_at=starts_at, ends_at=ends_at, timezone=zone)
    meeting.agenda_items = [AgendaItem(position=i, title=f"Item {i}", start_time=start, duration_minutes=minutes)
                            for i, (start, minutes) in enumerate(items)]
    rows = agenda_schedule(meeting)
    assert [item.title for item, _, _ in rows] == [f"Item {i}" for i in range(len(items))]
    return [(start.strftime("%d %H:%M %Z") if start else None, end.strftime("%d %H:%M %Z") if end else None)
            for _, start, end in rows]


def test_first_item_starts_with_the_meeting_and_the_next_when_the_previous_ends():
    # 08:00 UTC is 10:00 in Amsterdam in summer.
    assert schedule_of(utc(2031, 6, 5, 8), utc(2031, 6, 5, 14), [(None, 15), (None, 45), (None, 30)]) == [
        ("05 10:00 CEST", "05 10:15 CEST"), ("05 10:15 CEST", "05 11:00 CEST"), ("05 11:00 CEST", "05 11:30 CEST")]


def test_an_item_with_a_start_time_starts_then():
    assert schedule_of(utc(2031, 1, 9, 9), utc(2031, 1, 9, 15), [(None, 30), (time(12, 30), 60), (None, 20)]) == [
        ("09 10:00 CET", "09 10:30 CET"), ("09 12:30 CET", "09 13:30 CET"), ("09 13:30 CET", "09 13:50 CET")]


def test_an_item_without_duration_ends_when_the_next_timed_item_starts():
    assert schedule_of(utc(2031, 1, 9, 9), utc(2031, 1, 9, 15), [(None, None), (time(11, 0), 30)]) == [
        ("09 10:00 CET", "09 11:00 CET"), ("09 11:00 CET", "09 11:30 CET")]


def test_an_item_without_duration_takes_no_time_in_the_running_order():
    assert schedule_of(utc(2031, 1, 9, 9), utc(2031, 1, 9, 15), [(None, 30), (None, None), (None, 30)]) == [
        ("09 10:00 CET", "09 10:30 CET"), ("09 10:30 CET", None), ("09 10:30 CET", "09 11:00 CET")]


def test_durations_count_real_time_across_a_daylight_saving_change():
    # 27 October 2024: at 03:00 CEST the clocks go back to 02:00 CET.
    assert schedule_of(utc(2024, 10, 27, 0), utc(2024, 10, 27, 4), [(None, 90), (None, 30)]) == [
        ("27 02:00 CEST", "27 02:30 CET"), ("27 02:30 CET", "27 03:00 CET")]


def test_a_multi_day_meeting_moves_an_earlier_time_to_the_next_day():
    assert schedule_of(utc(2031, 6, 5, 7), utc(2031, 6, 6, 15), [(time(9, 0), 480), (time(9, 0), 60)]) == [
        ("05 09:00 CEST", "05 17:00 CEST"), ("06 09:00 CEST", "06 10:00 CEST")]


def test_a_one_day_meeting_keeps_an_early_time_on_its_day():
    assert schedule_of(utc(2031, 6, 5, 8), utc(2031, 6, 5, 12), [(None, 60), (time(9, 0), 30)]) == [
        ("05 10:00 CEST", "05 11:00 CEST"), ("05 09:00 CEST", "05 09:30 CEST")]


def test_times_follow_the_meeting_zone():
    assert schedule_of(utc(2031, 6, 5, 8), utc(2031, 6, 5, 12), [(None, 60)], zone="America/New_York") == [
        ("05 04:00 EDT", "05 05:00 EDT")]


# --- SQL statements per page ---------------------------------------------------------

def queries_for(client, url: str) -> tuple[int, str]:
    # Start from an empty identity map, as a fresh request in production does.
    db.session.expunge_all()
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(statements), text_of(response)


def big_meeting(slug: str, size: int) -> Meeting:
    topics = [make_topic() for _ in range(min(size, 20))]
    meeting = make_meeting(slug=slug, agenda=size, topics=topics)
    for _ in range(size):
        make_participant(meeting)
    return meeting


@pytest.mark.parametrize("as_organiser", [False, True])
def test_meeting_page_queries_do_not_grow_with_agenda_topics_or_participants(client, as_organiser):
    big_meeting("small", 5)
    big_meeting("large", 200)
    if as_organiser:
        user = factories.make_user(password=factories.PASSWORD)
        login(client, user.email, factories.PASSWORD)
    small, _ = queries_for(client, "/events/small")
    large, html = queries_for(client, "/events/large")
    assert html.count('class="agenda-title"') == 200 and "Item 200" in html
    assert small == large, (small, large)


def test_events_list_queries_do_not_grow_with_the_number_of_meetings(client):
    def add(count: int, prefix: str):
        topic = make_topic()
        for n in range(count):
            # Each meeting with its own venue, so a venue per meeting would show up as N queries.
            make_meeting(title=f"{prefix} {n}", venue=make_venue(), topics=[topic, make_topic()], agenda=2)
            make_meeting(title=f"{prefix} past {n}", venue=make_venue(), topics=[topic], status="held",
                         starts_at=factories.future(-5 - n))

    add(5, "First")
    few, _ = queries_for(client, "/events/")
    home_few, _ = queries_for(client, "/")
    add(45, "Second")
    many, html = queries_for(client, "/events/")
    home_many, _ = queries_for(client, "/")
    assert html.count('class="card event-card') == 50 + 20
    assert few == many, (few, many)
    assert home_few == home_many, (home_few, home_many)
