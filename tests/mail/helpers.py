"""Building blocks for the outbox tests: a calendar, a message with defaults, fresh reads."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

from icalendar import Calendar, Event, vCalAddress

from meetings.extensions import db
from meetings.mail.models import OutboxMessage
from meetings.mail.outbox import queue_email


def calendar(method: str = "REQUEST", attendee: str = "anna@example.org") -> str:
    """A small iTIP calendar with ``method``, as an invitation would carry."""
    cal = Calendar()
    cal.add("prodid", "-//Cluster meetings//tests//EN")
    cal.add("version", "2.0")
    cal.add("method", method)
    event = Event()
    event.add("uid", "meeting-1@cluster-meetings")
    event.add("dtstamp", datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc))
    event.add("sequence", 0 if method == "REQUEST" else 1)
    start = datetime(2026, 7, 2, 8, 0, tzinfo=timezone.utc)
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(hours=2))
    event.add("summary", "Core team – Kernteam")
    organizer = vCalAddress("mailto:cluster@meetings.test")
    organizer.params["cn"] = "Cluster office"
    event.add("organizer", organizer)
    guest = vCalAddress(f"mailto:{attendee}")
    guest.params.update({"cn": "Anna", "rsvp": "TRUE", "partstat": "NEEDS-ACTION", "role": "REQ-PARTICIPANT"})
    event.add("attendee", guest)
    if method == "CANCEL":
        event.add("status", "CANCELLED")
    cal.add_component(event)
    return cal.to_ical().decode("utf-8")


def queue(**overrides) -> OutboxMessage:
    values = {"to_email": "anna@example.org", "to_name": "Anna Jansen", "subject": "Core team meeting",
              "text_body": "Hello Anna,\nsee you on Thursday.\n", "kind": "notice", "language": "en"}
    values.update(overrides)
    return queue_email(**values)


def fresh(message_id: int) -> OutboxMessage:
    """The row as the database has it now (another thread may have changed it)."""
    db.session.expire_all()
    return db.session.get(OutboxMessage, message_id)


def all_messages() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id)))


def wait_until(predicate, timeout: float = 30.0, interval: float = 0.05) -> None:
    """Poll ``predicate`` until it is true; AssertionError after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError("timed out")
