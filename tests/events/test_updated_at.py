"""A meeting's updated_at follows every change its calendar entry shows (feeds' validators use it)."""
from __future__ import annotations

import time

import pytest

from meetings.events.models import AgendaItem, Meeting
from meetings.extensions import db
from tests.factories import make_meeting, make_topic


def stamp(meeting_id: int):
    db.session.expire_all()
    return db.session.get(Meeting, meeting_id).updated_at


@pytest.fixture
def meeting(app):
    topic = make_topic(name="AI", slug="ai")
    return make_meeting(agenda=2, topics=[topic])


def changed(meeting, change) -> bool:
    before = stamp(meeting.id)
    time.sleep(0.002)
    change(db.session.get(Meeting, meeting.id))
    db.session.commit()
    return stamp(meeting.id) > before


def test_agenda_item_added(meeting):
    assert changed(meeting, lambda m: m.agenda_items.append(AgendaItem(title="New", position=2)))


def test_agenda_item_edited(meeting):
    assert changed(meeting, lambda m: setattr(m.agenda_items[0], "title", "Renamed"))


def test_agenda_item_removed(meeting):
    assert changed(meeting, lambda m: db.session.delete(m.agenda_items[0]))


def test_topics_changed(meeting):
    other = make_topic(name="Remanufacturing", slug="remanufacturing")
    assert changed(meeting, lambda m: m.topics.append(db.session.merge(other)))


def test_topic_renamed(meeting):
    assert changed(meeting, lambda m: setattr(m.topics[0], "name", "Artificial Intelligence"))


def test_venue_edited(meeting):
    assert changed(meeting, lambda m: setattr(m.venue, "room", "Room 2"))


def test_unrelated_read_changes_nothing(meeting):
    assert not changed(meeting, lambda m: m.agenda_items and None)
