"""Fixtures for received mail: the app reading replies at rsvp@meetings.test, and a meeting
whose invitations went out to three invitees."""
from __future__ import annotations

import pytest

from meetings.extensions import db
from meetings.invitations import services as invitations
from tests.calendar.conftest import libical_available, validated  # noqa: F401
from tests.factories import make_contact, make_meeting, make_participant
from tests.mail.conftest import manual_app, smtp_server, stop_background  # noqa: F401

INBOUND = "rsvp@meetings.test"


@pytest.fixture
def inbound(app):
    """The app with INBOUND_ADDRESS set (and mx.meetings.test's Authentication-Results trusted)."""
    app.config.update(INBOUND_ADDRESS=INBOUND, INBOUND_AUTHSERV_IDS=("mx.meetings.test",))
    return app


@pytest.fixture
def sent(inbound):
    """A scheduled meeting whose invitations went out to Anna, Ben and Chloé."""
    meeting = make_meeting(title="Core Team meeting", slug="core-team")
    people = [make_participant(meeting, make_contact(name=name, email=email, language=language))
              for name, email, language in (("Anna", "anna@example.org", "en"), ("Ben", "ben@example.de", "de"),
                                            ("Chloé", "chloe@example.nl", "nl"))]
    invitations.send_invitations(meeting)
    db.session.commit()
    return meeting, people


def reply_to(participant) -> str:
    """The reply address of ``participant`` (what their invitation names as ORGANIZER)."""
    local, _, domain = INBOUND.partition("@")
    return f"{local}+{participant.reply_token}@{domain}"
