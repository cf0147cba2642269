"""Proposals of another time (iTIP COUNTER) on the organiser's responses page: accept moves the
meeting and offers the update, decline answers the proposer's calendar with a DECLINECOUNTER."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from meetings.core.types import utcnow
from meetings.extensions import db
from meetings.invitations import services
from meetings.invitations.models import TimeProposal
from meetings.invitations.states import ProposalReason, ProposalState
from tests.factories import make_meeting
from tests.helpers import post_form, text_of
from tests.invitations.helpers import outbox, vevent

RESPONSES = "/manage/meetings/{id}/responses"


def sent(organiser_client, meeting):
    response = post_form(organiser_client, f"/manage/meetings/{meeting.id}/invitations/send",
                         form_url=RESPONSES.format(id=meeting.id))
    assert response.status_code == 303
    db.session.expire_all()


def propose(participant, hours=24, length=None, **kw):
    meeting = participant.meeting
    starts_at = meeting.starts_at + timedelta(hours=hours)
    ends_at = starts_at + (length or (meeting.ends_at - meeting.starts_at))
    kw.setdefault("sequence", meeting.sequence)
    proposal = services.record_proposal(participant, starts_at=starts_at, ends_at=ends_at, **kw)
    db.session.commit()
    return proposal


def test_an_open_proposal_is_listed_with_accept_and_decline(organiser_client, invited):
    meeting, people = invited
    sent(organiser_client, meeting)
    proposal = propose(people[0], comment="Am Nachmittag <b>passt</b> es besser.")
    html = text_of(organiser_client.get(RESPONSES.format(id=meeting.id)))
    assert "Proposals of another time" in html and "Jürgen Weiß" in html
    assert "proposes " in html and "(CEST, Europe/Amsterdam)" in html
    assert "Am Nachmittag &lt;b&gt;passt&lt;/b&gt; es besser." in html
    assert f"/proposals/{proposal.id}/accept" in html and f"/proposals/{proposal.id}/decline" in html
    assert f'<label for="proposal-{proposal.id}-comment">' in html
    assert f'id="proposal-{proposal.id}-comment"' in html


@pytest.mark.parametrize("change, reason", [
    (lambda m: setattr(m, "sequence", m.sequence + 1), ProposalReason.STALE),
    (lambda m: setattr(m, "status", "cancelled"), ProposalReason.CANCELLED),
    (lambda m: setattr(m, "starts_at", utcnow() - timedelta(minutes=5)), ProposalReason.PAST),
])
def test_stale_or_misplaced_proposals_are_recorded_not_offered(organiser_client, invited, change, reason):
    meeting, people = invited
    sent(organiser_client, meeting)
    sequence = meeting.sequence
    change(meeting)
    db.session.commit()
    proposal = propose(people[1], sequence=sequence)
    assert (proposal.state, proposal.reason) == (ProposalState.RECORDED, reason)
    assert services.open_proposals(meeting) == []
    assert "Proposals of another time" not in text_of(organiser_client.get(RESPONSES.format(id=meeting.id)))


def test_a_newer_proposal_from_the_same_person_replaces_the_older(organiser_client, invited):
    meeting, people = invited
    first = propose(people[0], hours=24)
    second = propose(people[0], hours=48)
    other = propose(people[1], hours=72)
    db.session.expire_all()
    assert (first.state, first.reason) == (ProposalState.RECORDED, ProposalReason.SUPERSEDED)
    assert [p.id for p in services.open_proposals(meeting)] == [second.id, other.id]


def test_a_proposal_ending_before_it_starts_is_refused(invited):
    meeting, people = invited
    with pytest.raises(services.InvitationError) as raised:
        services.record_proposal(people[0], starts_at=meeting.ends_at, ends_at=meeting.starts_at)
    assert raised.value.code == "proposal_times"


def accept(client, meeting, proposal):
    return post_form(client, f"/manage/meetings/{meeting.id}/proposals/{proposal.id}/accept",
                     form_url=RESPONSES.format(id=meeting.id))


def test_accepting_moves_the_meeting_with_its_agenda_and_offers_the_update(organiser_client, invited):
    meeting, people = invited
    sent(organiser_client, meeting)
    agenda_before = [item.start_time for item in meeting.agenda_items]
    proposal = propose(people[0], hours=3)
    other = propose(people[1], hours=26)
    response = accept(organiser_client, meeting, proposal)
    assert response.status_code == 303
    page = text_of(organiser_client.get(response.headers["Location"]))
    assert "The meeting now takes place at the proposed time." in page
    assert "Send update" in page and "Proposals of another time" not in page
    db.session.expire_all()
    assert (meeting.starts_at, meeting.ends_at) == (proposal.starts_at, proposal.ends_at)
    assert [item.start_time and item.start_time.hour for item in meeting.agenda_items] == [
        t and t.hour + 3 for t in agenda_before]
    assert any(agenda_before)
    assert proposal.state == ProposalState.ACCEPTED and proposal.decided_at is not None
    assert (other.state, other.reason) == (ProposalState.RECORDED, ProposalReason.MOVED)
    assert services.update_pending(meeting)
    # The update goes out as after any change: everyone's calendar moves, SEQUENCE rises.
    post_form(organiser_client, f"/manage/meetings/{meeting.id}/invitations/update",
              form_url=RESPONSES.format(id=meeting.id))
    updates = outbox("update")
    assert len(updates) == 3
    _, event = vevent(updates[0].ics)
    assert event["DTSTART"].dt == proposal.starts_at and int(event["SEQUENCE"]) == 1


def refused(client, meeting, proposal, message):
    starts_at = meeting.starts_at
    response = accept(client, meeting, proposal)
    assert response.status_code == 303
    assert message in text_of(client.get(response.headers["Location"]))
    db.session.expire_all()
    assert meeting.starts_at == starts_at, "nothing saved"
    assert db.session.get(TimeProposal, proposal.id).state == ProposalState.OPEN


def test_accepting_a_time_that_has_passed_is_refused(organiser_client, invited):
    meeting, people = invited
    proposal = propose(people[0])
    proposal.starts_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    refused(organiser_client, meeting, proposal, "The proposed time has passed: the meeting was not moved.")


def test_accepting_a_time_when_the_venue_is_taken_is_refused(organiser_client, invited):
    meeting, people = invited
    proposal = propose(people[0], hours=24)
    make_meeting(title="Other", slug="other", venue=meeting.venue, status="scheduled",
                 starts_at=proposal.starts_at + timedelta(hours=1), ends_at=proposal.ends_at + timedelta(hours=1))
    refused(organiser_client, meeting, proposal, "Another meeting takes place at the same venue at the proposed time")


def test_accepting_a_time_too_short_for_the_agenda_is_refused(organiser_client, invited):
    meeting, people = invited
    proposal = propose(people[0], hours=24, length=timedelta(minutes=30))
    refused(organiser_client, meeting, proposal, "At the proposed time the agenda would not fit into the meeting")


def test_a_proposal_of_another_meeting_is_not_found(organiser_client, invited):
    meeting, people = invited
    proposal = propose(people[0])
    other = make_meeting(title="Other", slug="other")
    response = post_form(organiser_client, f"/manage/meetings/{other.id}/proposals/{proposal.id}/accept",
                         form_url=RESPONSES.format(id=meeting.id))
    assert response.status_code == 404


def test_accept_and_decline_need_the_csrf_token(organiser_client, invited):
    meeting, people = invited
    proposal = propose(people[0])
    for action in ("accept", "decline"):
        response = organiser_client.post(f"/manage/meetings/{meeting.id}/proposals/{proposal.id}/{action}")
        assert response.status_code == 400
    db.session.expire_all()
    assert proposal.state == ProposalState.OPEN


def decline(client, meeting, proposal, comment=""):
    return post_form(client, f"/manage/meetings/{meeting.id}/proposals/{proposal.id}/decline",
                     {f"comment": comment}, form_url=RESPONSES.format(id=meeting.id))


def test_declining_sends_a_declinecounter_in_the_proposers_language(organiser_client, invited):
    meeting, people = invited
    sent(organiser_client, meeting)
    proposal = propose(people[0], comment="Lieber am Freitag.")
    response = decline(organiser_client, meeting, proposal, "Der Raum ist nur am Donnerstag frei.")
    assert response.status_code == 303
    assert "The proposal is declined; Jürgen Weiß is told so." in text_of(organiser_client.get(
        response.headers["Location"]))
    (message,) = outbox("declinecounter")
    assert message.to_email == "juergen@example.de" and message.language == "de"
    assert message.ics_method == "DECLINECOUNTER"
    assert message.subject.startswith("Vorschlag") and "Core Team meeting" in message.subject
    assert "Der Raum ist nur am Donnerstag frei." in message.text_body
    cal, event = vevent(message.ics)
    assert str(cal["METHOD"]) == "DECLINECOUNTER"
    assert str(event["UID"]) == meeting.uid and int(event["SEQUENCE"]) == meeting.sequence
    assert str(event["ATTENDEE"]).lower() == "mailto:juergen@example.de"
    assert str(event["COMMENT"]) == "Der Raum ist nur am Donnerstag frei."
    assert "DTSTART" not in event
    db.session.expire_all()
    assert proposal.state == ProposalState.DECLINED
    assert meeting.sequence == 0 and not services.update_pending(meeting)
    # Declined once: a second click sends nothing more.
    again = decline(organiser_client, meeting, proposal)
    assert "This proposal has been answered already" in text_of(organiser_client.get(again.headers["Location"]))
    assert len(outbox("declinecounter")) == 1


def test_declining_with_too_long_a_message_changes_nothing(organiser_client, invited):
    meeting, people = invited
    proposal = propose(people[1])
    response = decline(organiser_client, meeting, proposal, "x" * 1001)
    assert "The message is too long (at most 1,000 characters)." in text_of(
        organiser_client.get(response.headers["Location"]))
    assert outbox("declinecounter") == []
    db.session.expire_all()
    assert proposal.state == ProposalState.OPEN


def test_the_declinecounter_as_delivered_passes_the_real_parsers(manual_app, smtp_server, organiser_client, invited,
                                                                validated):
    """Through the aiosmtpd server: the iMIP tree, method= on the part, the same bytes in the
    attachment, and the calendar read by ical.js, libical, the strict parser and the byte checks."""
    from meetings.mail.delivery import deliver_due

    meeting, people = invited
    proposal = propose(people[1], comment="Liever om 14 uur.")
    decline(organiser_client, meeting, proposal, "De zaal is 's middags bezet; tot donderdag!")
    deliver_due(batch_size=100)
    (received,) = [r for r in smtp_server.recorder.wait_for(1) if r.rcpt_tos == ["annelies@example.nl"]]
    email = received.message
    assert email["Auto-Submitted"] is None, "it answers a person's proposal"
    assert email["Content-Language"] == "nl"
    assert email.get_content_type() == "multipart/mixed"
    alternative, attachment = list(email.iter_parts())
    inline = [p for p in alternative.iter_parts() if p.get_content_type() == "text/calendar"][0]
    assert inline.get_param("method") == "DECLINECOUNTER" and inline["Content-Disposition"] is None
    data = inline.get_payload(decode=True)
    assert attachment.get_payload(decode=True) == data
    parsed = validated(data)
    assert parsed["method"] == "DECLINECOUNTER"
    (event,) = parsed["events"]
    assert event["uid"] == meeting.uid and event["sequence"] == 0
    assert [a["value"] for a in event["attendees"]] == ["mailto:annelies@example.nl"]
    assert "Voorstel voor een ander tijdstip afgewezen" in str(email["Subject"])
    text = email.get_body(("plain",)).get_content()
    assert "De zaal is 's middags bezet; tot donderdag!" in text and "Uw voorstel" in text
