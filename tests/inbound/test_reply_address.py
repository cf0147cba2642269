"""With INBOUND_ADDRESS set, every calendar mail names the person's own reply address as
ORGANIZER (the organiser's name stays) and as Reply-To; without it, nothing changes."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from meetings.extensions import db
from meetings.invitations import services as invitations
from meetings.mail.delivery import deliver_due
from meetings.participants.models import new_reply_token
from tests.factories import make_contact, make_participant
from tests.inbound.conftest import INBOUND, reply_to
from tests.invitations.helpers import vevent


def calendar_of(message) -> bytes:
    return next(part for part in message.walk() if part.get_content_type() == "text/calendar").get_payload(
        decode=True)


def delivered(smtp_server, count: int) -> dict[str, object]:
    deliver_due()
    return {r.rcpt_tos[0]: r.message for r in smtp_server.recorder.wait_for(count)}


def assert_own_reply_address(received, people, validated):
    for person in people:
        message = received[person.email]
        data = calendar_of(message)
        validated(data)
        _, event = vevent(data)
        assert str(event["ORGANIZER"]) == f"mailto:{reply_to(person)}"
        assert event["ORGANIZER"].params["CN"] == "Cluster office"
        assert message["Reply-To"] == reply_to(person)


@pytest.fixture
def office(inbound, manual_app):
    inbound.config["ORGANIZER_NAME"] = "Cluster office"
    return inbound


def test_the_reply_token_is_lowercase_base32_and_unguessable():
    tokens = {new_reply_token() for _ in range(200)}
    assert len(tokens) == 200
    assert all(re.fullmatch(r"[a-z2-7]{32}", token) for token in tokens)


def test_each_invitee_of_one_letter_gets_their_own_organizer(office, smtp_server, sent, validated):
    meeting, people = sent
    # Two more English invitees: the letter written once for all English invitees is shared by three.
    people += [make_participant(meeting, make_contact(name=n, email=e)) for n, e in
               (("Dora", "dora@example.org"), ("Emil", "emil@example.org"))]
    invitations.send_invitations(meeting)
    db.session.commit()
    received = delivered(smtp_server, 5)
    assert_own_reply_address(received, people, validated)
    assert len({received[p.email]["Reply-To"] for p in people}) == 5


def test_updates_reminders_and_cancellations_name_the_reply_address(office, smtp_server, sent, validated):
    meeting, people = sent
    deliver_due()
    smtp_server.recorder.wait_for(3)
    smtp_server.recorder.messages.clear()
    invitations.remind(meeting)
    db.session.commit()
    assert_own_reply_address(delivered(smtp_server, 3), people, validated)
    smtp_server.recorder.messages.clear()
    meeting.starts_at += timedelta(hours=1)
    meeting.ends_at += timedelta(hours=1)
    invitations.send_update(meeting)
    db.session.commit()
    assert_own_reply_address(delivered(smtp_server, 3), people, validated)
    smtp_server.recorder.messages.clear()
    invitations.remove_invitee(people[0])
    db.session.commit()
    assert_own_reply_address(delivered(smtp_server, 1), people[:1], validated)
    smtp_server.recorder.messages.clear()
    invitations.cancel_meeting(meeting)
    db.session.commit()
    assert_own_reply_address(delivered(smtp_server, 2), people[1:], validated)


def test_without_inbound_address_the_organizer_mailbox_stays(app, manual_app, smtp_server, validated):
    from tests.factories import make_meeting

    app.config["ORGANIZER_NAME"] = "Cluster office"
    meeting = make_meeting()
    person = make_participant(meeting, make_contact(email="anna@example.org"))
    invitations.send_invitations(meeting)
    db.session.commit()
    message = delivered(smtp_server, 1)["anna@example.org"]
    _, event = vevent(calendar_of(message))
    assert str(event["ORGANIZER"]) == "mailto:cluster@meetings.test"
    assert message["Reply-To"] is None
    assert person.reply_token not in message.as_string()


def test_the_calendar_file_of_the_answer_page_names_the_reply_address(office, client, sent, validated):
    meeting, (anna, *_) = sent
    response = client.get(f"/rsvp/{anna.token}.ics")
    assert response.status_code == 200
    validated(response.data)
    _, event = vevent(response.data)
    assert str(event["ORGANIZER"]) == f"mailto:{reply_to(anna)}"
    assert INBOUND.split("@")[1] in str(event["ORGANIZER"])
