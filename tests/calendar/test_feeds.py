"""Public .ics addresses: a meeting's download, the feed of all public meetings, a topic's feed."""
from __future__ import annotations

import re
from datetime import datetime, time, timedelta, timezone

import pytest

from meetings.calendar import feeds as feeds_module
from meetings.calendar import views as calendar_views
from meetings.calendar.models import FeedMark
from meetings.core.timezones import to_utc
from meetings.core.types import utcnow
from meetings.events.models import AgendaItem, Meeting
from meetings.extensions import db
from tests.factories import make_agenda_item, make_meeting, make_topic, make_venue
from tests.helpers import assert_newer_copy, count_queries

NEXT_YEAR = datetime.now(timezone.utc).year + 1
JULY = to_utc(datetime(NEXT_YEAR, 7, 2, 10, 0), "Europe/Amsterdam")
JANUARY = to_utc(datetime(NEXT_YEAR + 1, 1, 14, 10, 0), "Europe/Amsterdam")
WHEN = "Thu, 01 Jan 2099 00:00:00 GMT"


def lines(data: bytes) -> list[str]:
    return re.sub(r"\r\n[ \t]", "", data.decode()).split("\r\n")


def backdate(*meetings: Meeting, hours: int = 1) -> None:
    """Move the last change back, so that a change now is a later second."""
    for m in meetings:
        m.updated_at = utcnow() - timedelta(hours=hours)
    db.session.commit()


def uids(parsed: dict) -> set[str]:
    return {e["uid"] for e in parsed["events"]}


# --- one meeting -------------------------------------------------------------------------------

def test_download_of_a_public_meeting(client, validated):
    m = make_meeting(title="Core Team", slug="core-team", starts_at=JULY, ends_at=JULY + timedelta(hours=3),
                     agenda=2, topics=[make_topic(name="AI")])
    response = client.get("/events/core-team.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="core-team.ics"'
    assert response.headers["ETag"] and response.headers["Last-Modified"]
    assert "Set-Cookie" not in response.headers
    parsed = validated(response.data)
    (parsed_event,) = parsed["events"]
    assert parsed["method"] is None
    assert parsed_event["uid"] == m.uid and parsed_event["summary"] == "Core Team"
    assert parsed_event["start"]["iso"] == f"{NEXT_YEAR}-07-02T10:00:00+02:00"
    assert parsed_event["url"] == "http://meetings.test/events/core-team"
    assert parsed_event["categories"] == ["AI"]
    # The agenda with its local times, as the events pages compute them.
    assert "Agenda:\n10:00\u201310:20  Item 1 (Presenter 1)\n10:20\u201310:40  Item 2 (Presenter 2)" in \
        parsed_event["description"]
    assert b"ORGANIZER" not in response.data and b"ATTENDEE" not in response.data


def test_download_in_winter_has_the_winter_offset(client, validated):
    make_meeting(slug="winter", starts_at=JANUARY, ends_at=JANUARY + timedelta(hours=2))
    parsed = validated(client.get("/events/winter.ics").data)
    assert parsed["events"][0]["start"]["iso"] == f"{NEXT_YEAR + 1}-01-14T10:00:00+01:00"


@pytest.mark.parametrize("changes", [{"status": "draft"}, {"visibility": "invitation"}])
def test_hidden_meetings_are_404_for_visitors(client, changes):
    make_meeting(slug="hidden", **changes)
    assert client.get("/events/hidden.ics").status_code == 404


@pytest.mark.parametrize("slug", ["nothing-here", "a%00b", "x" * 200])
def test_unknown_meeting_is_404(client, slug):
    assert client.get(f"/events/{slug}.ics").status_code == 404


def test_organiser_may_download_an_invitation_only_meeting(organiser_client, validated):
    make_meeting(slug="closed", visibility="invitation")
    response = organiser_client.get("/events/closed.ics")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    assert validated(response.data)["events"][0]["url"] is None


def test_the_meeting_page_is_still_the_page(client):
    make_meeting(slug="core-team")
    assert client.get("/events/core-team.ics").mimetype == "text/calendar"
    assert client.get("/events/core-team").mimetype != "text/calendar"


def test_download_validators(client):
    m = make_meeting(slug="core-team")
    backdate(m)
    first = client.get("/events/core-team.ics")
    assert first.headers["Cache-Control"] == "public, no-cache"
    same = client.get("/events/core-team.ics")
    assert same.data == first.data and same.headers["ETag"] == first.headers["ETag"]
    assert client.get("/events/core-team.ics", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    m.title = "Core Team, moved"
    db.session.commit()
    changed = client.get("/events/core-team.ics", headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and b"Core Team\\, moved" in changed.data
    assert changed.headers["ETag"] != first.headers["ETag"]
    assert _date(changed.headers["Last-Modified"]) > _date(first.headers["Last-Modified"])


def test_venue_change_changes_the_download_etag(client):
    m = make_meeting(slug="core-team")
    first = client.get("/events/core-team.ics")
    m.venue.name = "Another building"
    db.session.commit()
    again = client.get("/events/core-team.ics", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200 and b"Another building" in again.data


@pytest.mark.parametrize("headers,country", [
    ({}, "Netherlands"),
    ({"Accept-Language": "de-DE,de;q=0.9"}, "Niederlande"),
    ({"Accept-Language": "de"}, "Niederlande"),
])
def test_download_speaks_the_readers_language(client, headers, country):
    make_meeting(slug="core-team")
    response = client.get("/events/core-team.ics", headers=headers)
    assert any(line.startswith("LOCATION:") and line.endswith(country) for line in lines(response.data))
    assert "Accept-Language" in response.headers["Vary"]


def test_lang_parameter_wins_and_changes_the_etag(client):
    make_meeting(slug="core-team")
    english = client.get("/events/core-team.ics")
    dutch = client.get("/events/core-team.ics?lang=nl", headers={"Accept-Language": "de"})
    assert b"Nederland" in dutch.data and dutch.headers["ETag"] != english.headers["ETag"]


# --- feeds ------------------------------------------------------------------------------------------

def test_public_feed_holds_the_public_meetings_of_the_window(client, validated):
    now = utcnow()
    upcoming = make_meeting(starts_at=JULY, ends_at=JULY + timedelta(hours=2))
    cancelled = make_meeting(status="cancelled")
    held = make_meeting(status="held", starts_at=now - timedelta(days=60), ends_at=now - timedelta(days=60, hours=-2))
    make_meeting(status="draft")
    make_meeting(visibility="invitation")
    make_meeting(status="held", starts_at=now - timedelta(days=200), ends_at=now - timedelta(days=200, hours=-2))
    response = client.get("/calendar.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Cache-Control"] == "public, max-age=3600"
    assert "Content-Disposition" not in response.headers and "Set-Cookie" not in response.headers
    parsed = validated(response.data)
    assert uids(parsed) == {upcoming.uid, cancelled.uid, held.uid}
    statuses = {e["uid"]: e["status"] for e in parsed["events"]}
    assert statuses[cancelled.uid] == "CANCELLED" and statuses[held.uid] == "CONFIRMED"
    july = next(e for e in parsed["events"] if e["uid"] == upcoming.uid)
    assert july["start"]["iso"] == f"{NEXT_YEAR}-07-02T10:00:00+02:00"
    assert parsed["method"] is None and parsed["name"] == "Cluster meetings"
    text = lines(response.data)
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in text and "X-PUBLISHED-TTL:PT1H" in text
    assert "X-WR-CALNAME:Cluster meetings" in text
    assert b"ORGANIZER" not in response.data and b"ATTENDEE" not in response.data


def test_the_window_is_a_setting(app, client, validated):
    now = utcnow()
    recent = make_meeting(status="held", starts_at=now - timedelta(days=5), ends_at=now - timedelta(days=5, hours=-2))
    older = make_meeting(status="held", starts_at=now - timedelta(days=20), ends_at=now - timedelta(days=20, hours=-2))
    assert uids(validated(client.get("/calendar.ics").data)) == {recent.uid, older.uid}
    app.config["FEED_PAST_DAYS"] = 10
    assert uids(validated(client.get("/calendar.ics").data)) == {recent.uid}


def test_empty_feed_is_valid(client, node, libical_available):
    from tests.calendar.checks import byte_checks, ical_js, libical, strict_ical

    response = client.get("/calendar.ics")
    assert response.status_code == 200
    byte_checks(response.data)
    strict_ical(response.data)
    assert libical(response.data) == []
    assert ical_js(response.data)["events"] == []


def test_topic_feed(client, validated):
    ai = make_topic(name="AI", slug="ai")
    other = make_topic(name="Remanufacturing", slug="remanufacturing")
    on_topic = make_meeting(topics=[ai, other])
    make_meeting(topics=[other])
    make_meeting()
    make_meeting(topics=[ai], visibility="invitation")
    response = client.get("/calendar/ai.ics")
    assert response.status_code == 200
    parsed = validated(response.data)
    assert uids(parsed) == {on_topic.uid}
    assert parsed["name"] == "Cluster meetings: AI"
    assert response.headers["ETag"] != client.get("/calendar/remanufacturing.ics").headers["ETag"]


@pytest.mark.parametrize("slug", ["unknown", "a%00b", "x" * 200])
def test_unknown_topic_is_404(client, slug):
    make_topic(name="AI", slug="ai")
    assert client.get(f"/calendar/{slug}.ics").status_code == 404


def test_same_data_same_bytes_and_validators(client):
    make_meeting(agenda=3, topics=[make_topic()])
    make_meeting(timezone="America/New_York")
    first, second = client.get("/calendar.ics"), client.get("/calendar.ics")
    assert first.data == second.data
    assert first.headers["ETag"] == second.headers["ETag"]
    assert first.headers["Last-Modified"] == second.headers["Last-Modified"]


def _date(header: str) -> datetime:
    from email.utils import parsedate_to_datetime

    return parsedate_to_datetime(header)


@pytest.mark.parametrize("change", ["title", "cancel", "private", "draft", "new"])
def test_a_change_gives_a_new_etag_and_a_later_last_modified(client, change):
    m = make_meeting()
    backdate(m)
    before = client.get("/calendar.ics")
    if change == "title":
        m.title = "Renamed"
    elif change == "cancel":
        m.status = "cancelled"
    elif change == "private":
        m.visibility = "invitation"
    elif change == "draft":
        m.status = "draft"
    else:
        make_meeting()
    db.session.commit()
    after = client.get("/calendar.ics", headers={"If-None-Match": before.headers["ETag"],
                                                 "If-Modified-Since": before.headers["Last-Modified"]})
    assert after.status_code == 200
    assert after.headers["ETag"] != before.headers["ETag"]
    assert _date(after.headers["Last-Modified"]) > _date(before.headers["Last-Modified"])
    assert after.data != before.data
    # A client that revalidates by date alone (Apple Calendar) also gets the change.
    by_date = client.get("/calendar.ics", headers={"If-Modified-Since": before.headers["Last-Modified"]})
    assert by_date.status_code == 200


@pytest.mark.parametrize("change", ["delete", "private", "draft", "off_topic"])
def test_last_modified_never_moves_back_when_a_meeting_leaves(client, change):
    ai = make_topic(name="AI", slug="ai")
    kept = make_meeting(topics=[ai])
    gone = make_meeting(topics=[ai])
    backdate(kept, hours=2)
    backdate(gone, hours=1)
    urls = ["/calendar.ics", "/calendar/ai.ics"]
    before = {url: client.get(url) for url in urls}
    if change == "delete":
        db.session.delete(gone)
    elif change == "private":
        gone.visibility = "invitation"
    elif change == "draft":
        gone.status = "draft"
    else:
        gone.topics = []
    db.session.commit()
    for url in urls:
        if change == "off_topic" and url == "/calendar.ics":
            continue
        old = before[url]
        after = client.get(url, headers={"If-None-Match": old.headers["ETag"]})
        assert after.status_code == 200 and gone.uid.encode() not in after.data, url
        assert _date(after.headers["Last-Modified"]) > _date(old.headers["Last-Modified"]), url
        # A date-only client (Apple Calendar) sending the old date gets the new feed, then 304s.
        by_date = client.get(url, headers={"If-Modified-Since": old.headers["Last-Modified"]})
        assert by_date.status_code == 200 and gone.uid.encode() not in by_date.data
        assert by_date.headers["Last-Modified"] == after.headers["Last-Modified"]
        assert client.get(url, headers={"If-Modified-Since": after.headers["Last-Modified"]}).status_code == 304


def test_last_modified_keeps_rising_through_a_change_and_back(client):
    m = make_meeting()
    backdate(m, hours=3)
    answers = [client.get("/calendar.ics")]
    marks = [db.session.get(FeedMark, "calendar||en").last_modified]
    for visibility in ("invitation", "public", "invitation"):
        m.visibility = visibility
        db.session.commit()
        backdate(m, hours=3)  # the meeting's own date falls back below the feed's mark each time
        answers.append(client.get("/calendar.ics"))
        assert_newer_copy(client, "/calendar.ics", answers[-2], answers[-1])
        db.session.expire_all()
        marks.append(db.session.get(FeedMark, "calendar||en").last_modified)
    # The mark rises with every version, even within one second; what is sent never passes the clock.
    assert marks == sorted(marks) and len(set(marks)) == len(marks), marks


def test_each_language_keeps_its_own_mark(client):
    # Two readers in different languages polling in turn must not push each other's dates forward.
    make_meeting()
    english = client.get("/calendar.ics")
    german = client.get("/calendar.ics", headers={"Accept-Language": "de"})
    assert english.headers["ETag"] != german.headers["ETag"]
    for _ in range(2):
        assert client.get("/calendar.ics").headers["Last-Modified"] == english.headers["Last-Modified"]
        again = client.get("/calendar.ics", headers={"Accept-Language": "de"})
        assert again.headers["Last-Modified"] == german.headers["Last-Modified"]


def test_a_later_if_modified_since_is_a_304(client):
    make_meeting()
    assert client.get("/calendar.ics", headers={"If-Modified-Since": WHEN}).status_code == 304


def test_leaving_the_window_changes_the_validators(app):
    past = utcnow() - timedelta(days=100)
    m = make_meeting(status="held", starts_at=past, ends_at=past + timedelta(hours=2))
    backdate(m, hours=24 * 120)
    inside = feeds_module.feed_state(None, now=utcnow(), past_days=183, language="en", base_url="x")
    assert inside.moved
    db.session.commit()
    later = utcnow() + timedelta(days=90)
    outside = feeds_module.feed_state(None, now=later, past_days=183, language="en", base_url="x")
    assert outside.etag != inside.etag and outside.moved
    assert outside.last_modified > inside.last_modified
    assert feeds_module.feed_meetings(None, now=later, past_days=183) == []


@pytest.mark.parametrize("url", ["/calendar.ics", "/calendar/ai.ics"])
def test_304_without_building_the_feed(client, monkeypatch, url):
    make_meeting(topics=[make_topic(name="AI", slug="ai")])
    full = client.get(url)

    def must_not_build(*args, **kwargs):
        raise AssertionError("the feed was built for a 304")

    monkeypatch.setattr(calendar_views, "feed_entries", must_not_build)
    monkeypatch.setattr(calendar_views, "meetings_by_id", must_not_build)
    for n, headers in enumerate(({"If-None-Match": full.headers["ETag"]},
                                 {"If-None-Match": f'"other", {full.headers["ETag"]}'},
                                 {"If-Modified-Since": full.headers["Last-Modified"]})):
        with count_queries() as queries:
            response = client.get(url, headers=headers)
        assert response.status_code == 304, headers
        assert response.data == b""
        assert response.headers["ETag"] == full.headers["ETag"]
        # RFC 9110 15.4.5: ETag, Cache-Control and Vary are repeated (Werkzeug drops Last-Modified).
        assert "Accept-Language" in response.headers["Vary"]
        assert response.headers["Cache-Control"] == "public, max-age=3600"
        # One lookup of the feed's mark, then the mark this process read a moment ago.
        assert len(queries) == (1 if n == 0 else 0), queries


@pytest.mark.parametrize("headers", [
    {"If-None-Match": '"something-else"'},
    {"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"},
    # If-None-Match is decisive when both are sent (RFC 9110 13.2.2).
    {"If-None-Match": '"something-else"', "If-Modified-Since": WHEN},
])
def test_stale_copies_get_the_full_feed(client, headers):
    make_meeting()
    response = client.get("/calendar.ics", headers=headers)
    assert response.status_code == 200 and b"BEGIN:VEVENT" in response.data


def test_head(client):
    make_meeting()
    full = client.get("/calendar.ics")
    head = client.head("/calendar.ics")
    assert head.status_code == 200 and head.data == b""
    assert head.headers["ETag"] == full.headers["ETag"]
    assert head.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert client.head("/calendar.ics", headers={"If-None-Match": full.headers["ETag"]}).status_code == 304
    assert client.head("/calendar/unknown.ics").status_code == 404


def _many(count: int) -> None:
    venue = make_venue()
    topics = [make_topic(), make_topic()]
    for i in range(count):
        start = JULY + timedelta(days=i)
        m = Meeting(title=f"Meeting {i}", slug=f"bulk-{count}-{i}", starts_at=start, ends_at=start + timedelta(hours=2),
                    timezone="Europe/Amsterdam" if i % 2 else "Europe/Berlin", venue=venue, visibility="public",
                    status="scheduled", topics=topics[: 1 + i % 2])
        m.agenda_items = [AgendaItem(position=p, title=f"Item {p}", duration_minutes=15,
                                     start_time=time(10, 0) if p == 0 else None) for p in range(5)]
        db.session.add(m)
    db.session.commit()


def test_feed_queries_do_not_grow_with_the_number_of_meetings(client, node):
    from tests.calendar.checks import ical_js

    _many(10)
    db.session.expire_all()
    with count_queries() as few:
        small = client.get("/calendar.ics")
    with count_queries() as few_304:
        assert client.get("/calendar.ics", headers={"If-None-Match": small.headers["ETag"]}).status_code == 304
    _many(990)
    db.session.expire_all()
    with count_queries() as many:
        large = client.get("/calendar.ics")
    with count_queries() as many_304:
        assert client.get("/calendar.ics", headers={"If-None-Match": large.headers["ETag"]}).status_code == 304
    # The full answer: validators (and moving the mark, which a change of data does), which meetings
    # the feed holds and when each changed, then those to build with venue, topics and agenda:
    # a fixed number whatever the size.
    assert len(few) == len(many) <= 6, many
    assert len(few_304) == len(many_304) == 1
    assert small.data.count(b"BEGIN:VEVENT") == 10 and large.data.count(b"BEGIN:VEVENT") == 1000
    assert len(ical_js(large.data)["events"]) == 1000


def test_agenda_edit_shows_in_the_feed(client):
    m = make_meeting(agenda=1)
    before = client.get("/calendar.ics")
    make_agenda_item(m, title="Added item")
    assert b"Added item" in client.get("/calendar.ics").data
    assert before.data != client.get("/calendar.ics").data
