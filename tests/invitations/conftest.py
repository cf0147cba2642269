"""Fixtures for the invitation cycle: a scheduled meeting with invitees in three languages."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from tests.calendar.conftest import libical_available, validated  # noqa: F401
from tests.factories import make_contact, make_meeting, make_organisation, make_participant
from tests.mail.conftest import manual_app, smtp_server, stop_background  # noqa: F401


@pytest.fixture
def invited(app):
    """A July meeting in Enschede with a German, a Dutch and an English invitee (not yet sent)."""
    ihk = make_organisation(name="IHK Nord Westfalen", country="DE")
    utwente = make_organisation(name="University of Twente", country="NL")
    year = datetime.now(timezone.utc).year + 1
    meeting = make_meeting(title="Core Team meeting", slug="core-team", visibility="invitation", agenda=3,
                           starts_at=datetime(year, 7, 2, 8, 0, tzinfo=timezone.utc),
                           ends_at=datetime(year, 7, 2, 13, 0, tzinfo=timezone.utc))
    people = [
        make_participant(meeting, make_contact(name="Jürgen Weiß", email="juergen@example.de", language="de",
                                               organisation_id=ihk.id)),
        make_participant(meeting, make_contact(name="Annelies de Vries", email="annelies@example.nl", language="nl",
                                               organisation_id=utwente.id)),
        make_participant(meeting, make_contact(name="Sam Taylor", email="sam@example.org", language="en")),
    ]
    return meeting, people
