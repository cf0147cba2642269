"""Feed revalidation from the data version: a client holding the current feed gets its 304 from one
primary-key lookup, and any committed change to what a feed shows, from wherever it was made
(another process, a bulk statement, raw SQL), or time passing, gives a new ETag and a later date."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta
from email.utils import parsedate_to_datetime

import pytest
from sqlalchemy import create_engine, delete, insert, select, text, update
from sqlalchemy.pool import NullPool

import config
from meetings import create_app
from meetings.calendar import personal, versions
from meetings.calendar import views as calendar_views
from meetings.calendar.models import DataVersion, FeedMark
from meetings.core.types import utcnow
from meetings.events.models import AgendaItem, Meeting, Topic, meeting_topics
from meetings.extensions import db
from meetings.network.models import Contact
from meetings.participants.models import Participant
from meetings.venues.models import Venue
from tests.factories import make_contact, make_meeting, make_participant, make_topic
from tests.helpers import assert_newer_copy, count_queries


def date(header: str):
    return parsedate_to_datetime(header)


def backdate(*meetings: Meeting, hours: int = 1) -> None:
    for m in meetings:
        m.updated_at = utcnow() - timedelta(hours=hours)
    db.session.commit()


@contextmanager
def elsewhere(app, tmp_path):
    """Another application on the same database, with its own engine and session: what
    another worker process or a command-line task would be."""
    other = create_app(config.testing_config(tmp_path / "elsewhere", app.config["SQLALCHEMY_DATABASE_URI"],
                                             SQLALCHEMY_ENGINE_OPTIONS={"poolclass": NullPool}))
    with other.app_context():
        yield db.session
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def version_now() -> int:
    return db.session.scalar(select(DataVersion.version).where(DataVersion.id == 1)) or 0


# --- the data version ------------------------------------------------------------------------------

@pytest.mark.parametrize("statement,tracked", [
    (text("INSERT INTO meetings (title) VALUES (:t)"), True),
    (text("  update venues set name = 'x'"), True),
    (text("UPDATE calendar_feed_marks SET etag = 'x'"), True),  # not parsed: a rise too many costs little
    (text("SELECT * FROM meetings"), False),
    (text(" with x as (select 1) select * from x"), False),
    (update(Meeting).values(title="x"), True),
    (update(AgendaItem).values(title="x"), True),
    (delete(meeting_topics), True),
    (insert(Venue).values(name="x"), True),
    (update(Participant).values(status="accepted"), True),
    (update(Contact).values(feed_alarm_minutes=15), True),
    (update(FeedMark).values(etag="x"), False),
    (delete(DataVersion), False),
    (select(Meeting), False),
])
def test_which_statements_move_the_version(statement, tracked):
    assert versions.writes_tracked(statement) is tracked


def test_commits_that_write_move_the_version_and_others_do_not(app):
    m = make_meeting()
    start = version_now()
    assert start > 0
    m.title = "Renamed"
    db.session.commit()
    assert version_now() == start + 1
    db.session.execute(text("UPDATE meetings SET title = 'Raw' WHERE id = :id"), {"id": m.id})
    db.session.rollback()
    assert version_now() == start + 1
    db.session.get(Meeting, m.id)
    db.session.commit()
    assert version_now() == start + 1
    db.session.execute(text("UPDATE venues SET name = 'Raw hall'"))
    db.session.commit()
    assert version_now() == start + 2
    db.session.execute(update(Meeting).where(Meeting.id == m.id).values(title="In bulk")
                       .execution_options(synchronize_session=False))
    db.session.commit()
    assert version_now() == start + 3
    # Pending at commit time, flushed by the commit itself.
    db.session.get(Meeting, m.id).topics.append(Topic(name="Late", slug="late"))
    db.session.commit()
    assert version_now() == start + 4
    # Writing only what no feed shows (a feed's own mark) leaves it.
    db.session.execute(update(FeedMark).values(etag="x"))
    db.session.commit()
    assert version_now() == start + 4
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE venues SET name = 'Bare hall'"))
        versions.bump(conn)
    assert version_now() == start + 5


# --- the quick 304 -----------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/calendar.ics", "/calendar/ai.ics", "/calendar.ics?lang=de"])
def test_a_current_copy_costs_one_primary_key_lookup(organiser_client, url):
    make_meeting(topics=[make_topic(name="AI", slug="ai")])
    full = organiser_client.get(url)
    # Logged in (a session cookie, a user to load): the 304 still reads nothing else.
    with count_queries() as queries:
        response = organiser_client.get(url, headers={"If-None-Match": full.headers["ETag"]})
    assert response.status_code == 304 and response.headers["ETag"] == full.headers["ETag"]
    assert len(queries) == 1 and "calendar_feed_marks" in queries[0], queries
    assert response.headers["Cache-Control"] == "public, max-age=3600"
    # Answered as the full feed is (RFC 9110 15.4.5: the same Vary), and no cookie is set.
    assert "Set-Cookie" not in response.headers and response.headers["Vary"] == full.headers["Vary"]


def test_a_worker_reads_a_feeds_mark_once_a_second(client, app, monkeypatch):
    """Revalidations of one feed within a second read its mark once; this process's own change
    is seen at once, another process's (nothing here is told of it) within the second."""
    meeting = make_meeting(title="Here")
    clock = [1000.0]
    monkeypatch.setattr(versions.mark_memo, "clock", lambda: clock[0])
    etag = client.get("/calendar.ics").headers["ETag"]
    for expected in (1, 0, 0):
        with count_queries() as queries:
            assert client.get("/calendar.ics", headers={"If-None-Match": etag}).status_code == 304
        assert len(queries) == expected, queries

    meeting.title = "Changed here"
    db.session.commit()
    changed = client.get("/calendar.ics", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and b"Changed here" in changed.data
    etag = changed.headers["ETag"]
    assert client.get("/calendar.ics", headers={"If-None-Match": etag}).status_code == 304

    # Another process: its own connection, SQL this process's session never sees.
    other = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], poolclass=NullPool)
    try:
        with other.begin() as conn:
            conn.execute(update(Meeting.__table__).where(Meeting.__table__.c.id == meeting.id)
                         .values(title="Changed elsewhere", updated_at=utcnow()))
            conn.execute(update(DataVersion.__table__).values(version=DataVersion.__table__.c.version + 1))
    finally:
        other.dispose()
    with count_queries() as queries:
        kept = client.get("/calendar.ics", headers={"If-None-Match": etag})
    assert kept.status_code == 304 and queries == []
    clock[0] += versions.MarkMemo.LIFETIME
    seen = client.get("/calendar.ics", headers={"If-None-Match": etag})
    assert seen.status_code == 200 and b"Changed elsewhere" in seen.data
    assert seen.headers["ETag"] != etag


def test_a_stale_copy_is_answered_by_the_application(client):
    make_meeting()
    full = client.get("/calendar.ics")
    response = client.get("/calendar.ics", headers={"If-None-Match": '"older"'})
    assert response.status_code == 200 and response.data == full.data
    # Other conditional requests are not the feeds' business.
    assert client.get("/calendar/unknown.ics", headers={"If-None-Match": "*"}).status_code == 404
    assert client.get("/events/", headers={"If-None-Match": full.headers["ETag"]}).status_code == 200


def test_no_change_after_a_write_elsewhere_keeps_the_etag_and_date(app, client, tmp_path):
    shown = make_meeting()
    backdate(shown)
    before = client.get("/calendar.ics")
    with elsewhere(app, tmp_path) as session:
        session.add(Meeting(title="Private", slug="private-one", starts_at=shown.starts_at,
                            ends_at=shown.ends_at, visibility="invitation", status="scheduled"))
    again = client.get("/calendar.ics", headers={"If-None-Match": before.headers["ETag"]})
    assert again.status_code == 304
    assert db.session.get(FeedMark, "calendar||en").last_modified == date(before.headers["Last-Modified"])


def _change(session, change: str, meeting_id: int) -> None:
    meeting = session.get(Meeting, meeting_id)
    if change == "bulk_update":
        session.execute(update(Meeting).where(Meeting.id == meeting_id).values(title="Renamed in bulk"))
    elif change == "agenda_edit":
        meeting.agenda_items[0].title = "Edited item"
    elif change == "agenda_added":
        meeting.agenda_items.append(AgendaItem(position=5, title="Added item"))
    elif change == "venue_rename":
        session.get(Venue, meeting.venue_id).name = "Renamed hall"
    elif change == "topic_rename":
        session.scalars(select(Topic)).one().name = "Robotics"
    elif change == "topic_removed":
        meeting.topics = []
    elif change == "deleted":
        session.delete(meeting)
    elif change == "private":
        meeting.visibility = "invitation"
    elif change == "cancelled":
        meeting.status = "cancelled"


CHANGES = ["bulk_update", "agenda_edit", "agenda_added", "venue_rename", "topic_rename", "topic_removed",
           "deleted", "private", "cancelled"]


@pytest.mark.parametrize("change", CHANGES)
@pytest.mark.parametrize("url", ["/calendar.ics", "/calendar/ai.ics"])
def test_a_change_made_elsewhere_gives_a_new_etag_and_a_later_date(app, client, tmp_path, change, url):
    topic = make_topic(name="AI", slug="ai")
    kept = make_meeting(topics=[topic])
    changed = make_meeting(agenda=2, topics=[topic])
    backdate(kept, changed, hours=2)
    before = client.get(url)
    assert client.get(url, headers={"If-None-Match": before.headers["ETag"]}).status_code == 304
    with elsewhere(app, tmp_path) as session:
        _change(session, change, changed.id)
    after = client.get(url, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and after.data != before.data
    assert after.headers["ETag"] != before.headers["ETag"]
    assert date(after.headers["Last-Modified"]) > date(before.headers["Last-Modified"])
    by_date = client.get(url, headers={"If-Modified-Since": before.headers["Last-Modified"]})
    assert by_date.status_code == 200 and by_date.headers["ETag"] == after.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": after.headers["ETag"]}).status_code == 304


@pytest.mark.parametrize("url", ["/calendar.ics", "/calendar/ai.ics"])
def test_quick_edits_never_date_the_feed_after_the_answer(client, url):
    """Six edits within a second or two: every answer's Last-Modified is at most the time it
    was sent (RFC 9110 8.8.2.1), and no copy held under any of those dates is answered 304
    once the feed has changed, by date or by ETag."""
    topic = make_topic(name="AI", slug="ai")
    meeting = make_meeting(topics=[topic])
    held = []  # (Last-Modified, ETag, body) of every copy a client was given
    for edit in range(6):
        meeting.title = f"Edit {edit}"
        db.session.commit()
        response = client.get(url)
        sent = utcnow().replace(microsecond=0)
        assert response.status_code == 200 and f"Edit {edit}".encode() in response.data
        assert date(response.headers["Last-Modified"]) <= sent
        for last_modified, etag, body in held:
            assert body != response.data
            by_date = client.get(url, headers={"If-Modified-Since": last_modified})
            assert by_date.status_code == 200 and by_date.data == response.data
            assert client.get(url, headers={"If-None-Match": etag}).status_code == 200
        held.append((response.headers["Last-Modified"], response.headers["ETag"], response.data))
    dates = [date(last_modified) for last_modified, _, _ in held]
    assert dates == sorted(dates)
    assert client.get(url, headers={"If-None-Match": held[-1][1]}).status_code == 304


def test_time_passing_takes_a_meeting_out_of_the_window(app, client, monkeypatch):
    app.config["FEED_PAST_DAYS"] = 10
    # Ends just inside the window: it leaves it a minute from now, with nothing written.
    ends = utcnow() - timedelta(days=10) + timedelta(seconds=60)
    leaving = make_meeting(starts_at=ends - timedelta(hours=2), ends_at=ends, status="held")
    make_meeting()
    before = client.get("/calendar.ics")
    assert leaving.uid.encode() in before.data
    assert client.get("/calendar.ics", headers={"If-None-Match": before.headers["ETag"]}).status_code == 304
    # Two minutes later, by the clock the feeds read.
    monkeypatch.setattr(calendar_views, "utcnow", lambda: utcnow() + timedelta(seconds=120))
    after = client.get("/calendar.ics", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and leaving.uid.encode() not in after.data
    assert date(after.headers["Last-Modified"]) > date(before.headers["Last-Modified"])


def test_a_changed_setting_is_not_answered_from_the_mark(app, client):
    make_meeting()
    before = client.get("/calendar.ics")
    app.config["BASE_URL"] = "https://elsewhere.test"
    after = client.get("/calendar.ics", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and b"https://elsewhere.test" in after.data


def test_the_full_feed_is_built_once_per_version(client, monkeypatch):
    make_meeting(agenda=2)
    first = client.get("/calendar.ics")
    built = []
    original = calendar_views.builder.feed_of
    monkeypatch.setattr(calendar_views.builder, "feed_of", lambda *a, **kw: built.append(1) or original(*a, **kw))
    assert client.get("/calendar.ics").data == first.data and built == []
    make_meeting()
    assert client.get("/calendar.ics").data != first.data and built == [1]


def test_each_event_is_built_once_per_version(app, client, monkeypatch):
    make_meeting(agenda=2)
    first = client.get("/calendar.ics")
    app.extensions["calendar_bodies"].clear()  # the whole body is kept too: build it again
    built = []
    original = calendar_views.builder.meeting_event
    monkeypatch.setattr(calendar_views.builder, "meeting_event",
                        lambda meeting, **kw: built.append(meeting.title) or original(meeting, **kw))
    assert client.get("/calendar.ics").data == first.data and built == []
    make_meeting(title="Added")
    assert client.get("/calendar.ics").data != first.data and built == ["Added"]


# --- personal feeds ------------------------------------------------------------------------------------

@pytest.mark.parametrize("change", ["answer", "contact_alarm", "contact_language", "meeting_title", "revoked"])
def test_a_personal_feed_changed_elsewhere(app, client, tmp_path, change):
    contact = make_contact(name="Anna Schmidt", email="anna@example.org", language="de")
    personal.ensure_feed_token(contact)
    db.session.commit()
    meeting = make_meeting(visibility="invitation")
    row = make_participant(meeting, contact)
    backdate(meeting, hours=2)
    url = f"/feeds/{contact.feed_token}.ics"
    before = client.get(url)
    assert client.get(url, headers={"If-None-Match": before.headers["ETag"]}).status_code == 304
    with elsewhere(app, tmp_path) as session:
        if change == "answer":
            session.get(Participant, row.id).status = "accepted"
        elif change == "contact_alarm":
            session.get(Contact, contact.id).feed_alarm_minutes = 15
        elif change == "contact_language":
            session.get(Contact, contact.id).language = "nl"
        elif change == "meeting_title":
            session.get(Meeting, meeting.id).title = "Moved"
        else:
            personal.revoke_feed_token(session.get(Contact, contact.id))
    after = client.get(url, headers={"If-None-Match": before.headers["ETag"]})
    if change == "revoked":
        assert after.status_code == 404
        return
    assert after.status_code == 200 and after.data != before.data
    assert after.headers["ETag"] != before.headers["ETag"]
    assert_newer_copy(client, url, before, after)
    assert after.headers["X-Robots-Tag"] == "noindex"
    again = client.get(url, headers={"If-None-Match": after.headers["ETag"]})
    assert again.status_code == 304 and again.headers["X-Robots-Tag"] == "noindex"


def test_a_personal_304_reads_one_row(client, tmp_path):
    contact = make_contact()
    personal.ensure_feed_token(contact)
    db.session.commit()
    make_participant(make_meeting(), contact, status="accepted")
    url = f"/feeds/{contact.feed_token}.ics?lang=nl"
    full = client.get(url)
    with count_queries() as queries:
        response = client.head(url, headers={"If-Modified-Since": full.headers["Last-Modified"]})
    assert response.status_code == 304 and len(queries) == 1, queries
    assert response.headers["Cache-Control"] == "private, max-age=3600"


