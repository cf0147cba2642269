"""Fixtures for date polls: a draft Core Team meeting in Bocholt and three people in three languages."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from meetings.extensions import db
from meetings.polls import services
from meetings.polls.services import SlotTimes
from tests.calendar.conftest import libical_available, validated  # noqa: F401
from tests.factories import make_contact, make_group, make_meeting, make_organisation, make_venue
from tests.mail.conftest import manual_app, smtp_server, stop_background  # noqa: F401

YEAR = datetime.now(timezone.utc).year + 1


def thursdays(year: int = YEAR) -> list[datetime]:
    """The first three Thursdays of June at 10:00 local (08:00 UTC in summer time)."""
    first = datetime(year, 6, 1, 10)
    first += timedelta(days=(3 - first.weekday()) % 7)
    return [first + timedelta(days=7 * n) for n in range(3)]


def slot_times() -> list[SlotTimes]:
    return [SlotTimes((d - timedelta(hours=2)).replace(tzinfo=timezone.utc),
                      (d + timedelta(hours=1)).replace(tzinfo=timezone.utc)) for d in thursdays()]


@pytest.fixture
def people(app):
    ihk = make_organisation(name="IHK Nord Westfalen", country="DE")
    utwente = make_organisation(name="University of Twente", country="NL")
    contacts = [make_contact(name="Jürgen Weiß", email="juergen@example.de", language="de", organisation_id=ihk.id),
                make_contact(name="Annelies de Vries", email="annelies@example.nl", language="nl",
                             organisation_id=utwente.id),
                make_contact(name="Sam Taylor", email="sam@example.org", language="en")]
    make_group(name="Core Team", members=contacts)
    return contacts


@pytest.fixture
def draft(app):
    venue = make_venue(name="Mechatronic Institute Bocholt", city="Bocholt", country="DE", timezone="Europe/Berlin")
    return make_meeting(title="Core Team meeting before the summer", slug="core-summer", status="draft",
                        venue_id=venue.id, timezone="Europe/Berlin", visibility="invitation")


@pytest.fixture
def poll(draft, people):
    created = services.create_poll(draft, slot_times(), people)
    db.session.commit()
    return created
