"""Factory helpers with sensible defaults: ``make_meeting(**overrides)`` and friends.

Each commits, so the rows are visible to requests made through the test client.
"""
from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta, timezone

from meetings.auth.models import User
from meetings.events.models import AgendaItem, Meeting, Topic
from meetings.extensions import db
from meetings.network.models import Contact, Group, Organisation
from meetings.participants.models import Participant
from meetings.venues.models import Venue

PASSWORD = "correct horse battery"
_seq = itertools.count(1)


def _save(obj):
    db.session.add(obj)
    db.session.commit()
    return obj


def make_user(**kw) -> User:
    n = next(_seq)
    password = kw.pop("password", PASSWORD)
    kw.setdefault("email", f"user{n}@example.org")
    kw.setdefault("name", f"User {n}")
    user = User(**kw)
    user.set_password(password)
    return _save(user)


def make_organisation(**kw) -> Organisation:
    n = next(_seq)
    kw.setdefault("name", f"Organisation {n}")
    kw.setdefault("country", "NL")
    kw.setdefault("kind", "university")
    kw.setdefault("is_public", True)
    return _save(Organisation(**kw))


def make_contact(**kw) -> Contact:
    n = next(_seq)
    kw.setdefault("name", f"Contact {n}")
    kw.setdefault("email", f"contact{n}@example.org")
    kw.setdefault("language", "en")
    return _save(Contact(**kw))


def make_group(members=(), **kw) -> Group:
    n = next(_seq)
    kw.setdefault("name", f"Group {n}")
    group = Group(**kw)
    group.members = list(members)
    return _save(group)


def make_venue(**kw) -> Venue:
    n = next(_seq)
    kw.setdefault("name", f"Venue {n}")
    kw.setdefault("address", "Hengelosestraat 500")
    kw.setdefault("postal_code", "7521 AN")
    kw.setdefault("city", "Enschede")
    kw.setdefault("country", "NL")
    kw.setdefault("timezone", "Europe/Amsterdam")
    return _save(Venue(**kw))


def make_topic(**kw) -> Topic:
    n = next(_seq)
    kw.setdefault("name", f"Topic {n}")
    kw.setdefault("slug", f"topic-{n}")
    return _save(Topic(**kw))


def future(days: int = 30, hour: int = 10) -> datetime:
    """A UTC instant ``days`` from now at ``hour``:00 UTC."""
    base = datetime.now(timezone.utc).replace(hour=hour, minute=0, second=0, microsecond=0)
    return base + timedelta(days=days)


def make_meeting(agenda: int = 0, **kw) -> Meeting:
    n = next(_seq)
    kw.setdefault("title", f"Meeting {n}")
    kw.setdefault("slug", f"meeting-{n}")
    kw.setdefault("description", "A meeting of the cluster.")
    kw.setdefault("starts_at", future())
    kw.setdefault("ends_at", kw["starts_at"] + timedelta(hours=3))
    kw.setdefault("timezone", "Europe/Amsterdam")
    kw.setdefault("visibility", "public")
    kw.setdefault("status", "scheduled")
    if "venue" not in kw and "venue_id" not in kw:
        kw["venue"] = make_venue()
    meeting = Meeting(**kw)
    for i in range(agenda):
        meeting.agenda_items.append(AgendaItem(position=i, title=f"Item {i + 1}", duration_minutes=20,
                                               presenter=f"Presenter {i + 1}", start_time=time(10, 0) if i == 0 else None))
    return _save(meeting)


def make_all_day_meeting(first: date, last: date, **kw) -> Meeting:
    """An all-day meeting from ``first`` to ``last`` (included) in its zone."""
    from meetings.core.timezones import start_of_day

    zone = kw.setdefault("timezone", "Europe/Amsterdam")
    return make_meeting(all_day=True, starts_at=start_of_day(first, zone),
                        ends_at=start_of_day(last + timedelta(days=1), zone), **kw)


def make_agenda_item(meeting: Meeting, **kw) -> AgendaItem:
    kw.setdefault("title", "Agenda item")
    kw.setdefault("position", len(meeting.agenda_items))
    item = AgendaItem(meeting=meeting, **kw)
    return _save(item)


def make_participant(meeting: Meeting, contact: Contact | None = None, **kw) -> Participant:
    if contact is None and "email" not in kw:
        contact = make_contact()
    if contact is not None:
        kw.setdefault("contact", contact)
        kw.setdefault("name", contact.name)
        kw.setdefault("email", contact.email)
        kw.setdefault("language", contact.language)
        kw.setdefault("organisation_id", contact.organisation_id)
    kw.setdefault("kind", "invitee")
    kw.setdefault("status", "invited")
    return _save(Participant(meeting=meeting, **kw))
