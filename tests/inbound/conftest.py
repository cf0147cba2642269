"""Fixtures for received mail: the app reading replies at rsvp@meetings.test, a meeting
whose invitations went out to three invitees, and the doors mail comes in through (a
real Dovecot to fetch from, the LMTP server, the HTTP door)."""
from __future__ import annotations

import re

import pytest

from meetings.extensions import db
from meetings.invitations import services as invitations
from tests.calendar.conftest import libical_available, validated  # noqa: F401
from tests.factories import make_contact, make_meeting, make_participant
from tests.inbound import dovecot
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


def crlf(raw: bytes) -> bytes:
    """``raw`` with CRLF line ends, as mail servers deliver it (and IMAP APPEND stores it)."""
    return re.sub(rb"\r?\n", b"\r\n", raw)


# --- the doors: a real IMAP server, an LMTP server, the HTTP door -----------------------

@pytest.fixture(scope="session")
def dovecot_available():
    if not dovecot.available():
        pytest.skip("Dovecot is not installed (Debian package dovecot-imapd; .ci/run installs it)")


@pytest.fixture(scope="session")
def dovecot_server(dovecot_available):
    """One Dovecot for the test session (each test takes a mailbox of its own)."""
    server = dovecot.Dovecot().start()
    yield server
    server.stop()


@pytest.fixture
def mailbox(dovecot_server, inbound):
    """An empty mailbox on the test Dovecot, which the app reads (INBOUND_IMAP_* set)."""
    box = dovecot_server.new_mailbox()
    inbound.config.update(box.settings())
    return box


@pytest.fixture
def lmtp_server(inbound):
    """The LMTP door of the app on a free loopback port, in a thread."""
    from meetings.inbound.lmtp import LMTPServer

    server = LMTPServer(inbound, "127.0.0.1", 0).start()
    yield server
    server.stop()


WEBHOOK_SECRET = "s3cret-of-the-mail-service-0123456789"


@pytest.fixture
def webhook(inbound):
    """The app with the HTTP door open (INBOUND_WEBHOOK_SECRET set)."""
    inbound.config["INBOUND_WEBHOOK_SECRET"] = WEBHOOK_SECRET
    return inbound
