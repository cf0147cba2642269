"""Registrants hold the meeting in their calendar too: a change reaches them as an update
(same UID, higher SEQUENCE, their registration page linked), a cancellation as an iTIP CANCEL."""
from __future__ import annotations

from datetime import timedelta

from meetings.events.models import Meeting
from meetings.extensions import db
from meetings.invitations import services as invitations
from meetings.mail.outbox import prepare
from tests.factories import make_contact, make_participant
from tests.invitations.helpers import vevent
from tests.registration.helpers import outbox, register_and_confirm


def written(kind: str):
    prepare()
    db.session.commit()
    return outbox(kind)


def test_a_changed_time_is_offered_and_sent_to_seated_registrants(client, organiser_client, event):
    _, anna = register_and_confirm(client, event, email="anna@example.org", name="Anna Jansen")
    _, bob = register_and_confirm(client, event, email="bob@example.org", name="Bob Baker")
    _, cleo = register_and_confirm(client, event, email="cleo@example.org", name="Cleo Waits")
    assert (anna.status, bob.status, cleo.status) == ("registered", "registered", "waiting")
    meeting = db.session.get(Meeting, event.id)
    assert not invitations.update_pending(meeting)
    meeting.starts_at += timedelta(hours=1)
    meeting.ends_at += timedelta(hours=1)
    meeting.agenda_items[0].start_time = meeting.local_start.time()  # the agenda moves along
    db.session.commit()
    # The organiser's meeting page now offers the update, though no invitation was ever sent.
    assert "Send an update" in organiser_client.get(f"/manage/meetings/{event.id}").get_data(as_text=True)
    assert invitations.send_update(meeting, "One hour later.") == 2
    db.session.commit()
    updates = written("update")
    assert sorted(m.to_email for m in updates) == ["anna@example.org", "bob@example.org"]
    _, vevent_ = vevent(updates[0].ics)
    assert vevent_["SEQUENCE"] == 1 and vevent_["UID"] == meeting.uid
    assert f"/registrations/{anna.token}" in updates[0].text_body or f"/registrations/{bob.token}" in updates[0].text_body
    assert "/rsvp/" not in updates[0].text_body
    db.session.expire_all()
    assert db.session.get(type(anna), anna.id).status == "registered"  # registrants keep their seat


def test_cancelling_tells_registrants_seated_and_waiting_but_not_the_unconfirmed(client, event):
    register_and_confirm(client, event, email="anna@example.org", name="Anna Jansen")
    register_and_confirm(client, event, email="bob@example.org", name="Bob Baker")
    register_and_confirm(client, event, email="cleo@example.org", name="Cleo Waits")
    make_participant(event, kind="registrant", status="pending", email="pia@example.org", name="Pia Pending")
    invitee = make_participant(event, make_contact(name="Ina Invitee", email="ina@example.de", language="de"))
    meeting = db.session.get(Meeting, event.id)
    invitations.send_invitations(meeting)
    db.session.commit()
    count = invitations.cancel_meeting(meeting, "The hall is closed.")
    db.session.commit()
    assert count == 4
    cancels = written("cancellation")
    # Cleo, waiting, never had the meeting in her calendar: she is told without a CANCEL.
    assert sorted(m.to_email for m in cancels) == ["anna@example.org", "bob@example.org", invitee.email]
    notices = written("cancellation_notice")
    assert [m.to_email for m in notices] == ["cleo@example.org"]
    assert notices[0].ics is None and notices[0].ics_method is None
    assert "waiting list" in notices[0].text_body and "The hall is closed." in notices[0].text_body
    for message in cancels:
        cal, ev = vevent(message.ics)
        assert cal["METHOD"] == "CANCEL" and str(ev["STATUS"]) == "CANCELLED" and ev["SEQUENCE"] == 1
