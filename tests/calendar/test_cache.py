"""Each feed event is rendered once per version of what it shows: a feed rebuilt after one meeting
changed renders that one event, and its bytes are those of a build from nothing."""
from __future__ import annotations

from datetime import timedelta

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _

from meetings.calendar import builder, personal
from meetings.calendar import views as calendar_views
from meetings.calendar.feeds import feed_meetings
from meetings.core.types import utcnow
from meetings.events.languages import in_language
from meetings.events.models import Meeting
from meetings.events.queries import agenda_schedule
from meetings.extensions import db
from meetings.participants.models import Participant
from tests.calendar.test_feeds import JULY, _many
from tests.factories import make_contact, make_meeting, make_participant, make_topic


@pytest.fixture
def built(monkeypatch):
    """The titles of the meetings whose event the views render, in order."""
    titles: list[str] = []
    original = calendar_views.builder.meeting_event
    monkeypatch.setattr(calendar_views.builder, "meeting_event",
                        lambda meeting, **kw: titles.append(meeting.title) or original(meeting, **kw))
    return titles


def uncached_feed(app, language: str, topic=None) -> bytes:
    """The public feed as ``builder.feed`` builds it from the meetings, nothing kept."""
    base_url = app.config["BASE_URL"]
    meetings = [in_language(m, language) for m in feed_meetings(topic.id if topic else None, now=utcnow(),
                                                               past_days=183)]
    with app.test_request_context(), force_locale(language):
        name = _("Cluster meetings") if topic is None else _("Cluster meetings: %(topic)s", topic=topic.name)
        return builder.feed([(m, agenda_schedule(m)) for m in meetings], name=name, base_url=base_url,
                            language=language,
                            uid=builder.stable_uid(base_url, "calendar", topic.slug if topic else ""))


def test_one_changed_meeting_renders_one_event_and_the_same_bytes(app, client, built):
    _many(40)
    first = client.get("/calendar.ics")
    assert len(built) == 40 and first.data == uncached_feed(app, "en")
    built.clear()
    meeting = db.session.get(Meeting, 7)
    meeting.title = "Moved to the big hall"
    meeting.agenda_items[0].title = "Welcome in the big hall"
    db.session.commit()
    after = client.get("/calendar.ics")
    assert built == ["Moved to the big hall"]
    assert after.data != first.data and b"Welcome in the big hall" in after.data
    assert after.data == uncached_feed(app, "en")


def test_events_are_kept_per_language_and_shared_between_feeds(app, client, built):
    topic = make_topic(name="AI", slug="ai")
    make_meeting(title="In the topic", topics=[topic], starts_at=JULY, ends_at=JULY + timedelta(hours=2))
    make_meeting(title="Elsewhere", starts_at=JULY + timedelta(days=1), ends_at=JULY + timedelta(days=1, hours=2))
    client.get("/calendar.ics")
    assert sorted(built) == ["Elsewhere", "In the topic"]
    built.clear()
    topic_feed = client.get("/calendar/ai.ics")
    assert built == []
    assert topic_feed.data == uncached_feed(app, "en", topic)
    built.clear()  # the build from nothing renders every event
    german = client.get("/calendar.ics?lang=de")
    assert sorted(built) == ["Elsewhere", "In the topic"]
    assert german.data == uncached_feed(app, "de")


def test_venue_rename_renders_its_meetings_again(client, built):
    _many(5)  # one venue for all five
    client.get("/calendar.ics")
    built.clear()
    db.session.get(Meeting, 1).venue.name = "Renamed hall"
    db.session.commit()
    assert b"Renamed hall" in client.get("/calendar.ics").data
    assert len(built) == 5


def test_personal_feeds_keep_each_readers_own_event(app, client, built):
    meeting = make_meeting(title="Core Team", visibility="invitation", starts_at=JULY,
                           ends_at=JULY + timedelta(hours=3))
    anna, ben = (make_contact(name=n, email=f"{n.lower()}@example.org") for n in ("Anna", "Ben"))
    rows = {c.name: make_participant(meeting, c, status="invited") for c in (anna, ben)}
    for c in (anna, ben):
        personal.ensure_feed_token(c)
    db.session.commit()
    urls = {c.name: f"/feeds/{c.feed_token}.ics" for c in (anna, ben)}
    first = {name: client.get(url).data for name, url in urls.items()}
    assert b"Your answer: not given yet" in first["Anna"] and rows["Anna"].token.encode() in first["Anna"]
    assert rows["Anna"].token.encode() not in first["Ben"]
    assert len(built) == 2
    built.clear()
    db.session.get(Participant, rows["Anna"].id).status = "accepted"
    db.session.commit()
    again = {name: client.get(url).data for name, url in urls.items()}
    assert built == ["Core Team"]  # Anna's answer changed; Ben's event is kept
    assert b"Your answer: accepted" in again["Anna"] and again["Ben"] == first["Ben"]
    # The same bytes as the events built from nothing.
    with app.test_request_context(), force_locale("en"):
        anna_row = db.session.get(Participant, rows["Anna"].id)
        event = calendar_views._personal_event(anna_row, language="en", base_url=app.config["BASE_URL"],
                                               alarm=None)
        expected = builder.personal_feed([event], name=_("My cluster meetings"),
                                         uid=builder.stable_uid(app.config["BASE_URL"], "feeds", str(anna.id)))
    assert again["Anna"] == expected
