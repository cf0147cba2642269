"""Proposals of another time and delegations from calendar apps, through the one service every
door uses: COUNTER shaped as Outlook and Google Calendar send it, REPLY with PARTSTAT=DELEGATED
as Thunderbird does (tests/inbound/shapes.py says where each shape comes from)."""
from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from meetings.extensions import db
from meetings.inbound.services import receive
from meetings.inbound.states import InboundState, Reason
from meetings.invitations import services as invitations
from meetings.invitations.models import TimeProposal
from meetings.invitations.states import ProposalState
from meetings.participants.models import Participant, ParticipantStatus
from tests.inbound import shapes
from tests.inbound.conftest import reply_to
from tests.invitations.helpers import outbox
from tests.factories import make_all_day_meeting, make_contact, make_participant
from tests.helpers import post_form
from tests.inbound.replies import mail

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def proposals(meeting):
    return list(db.session.scalars(select(TimeProposal).where(TimeProposal.meeting_id == meeting.id)))


def test_outlooks_proposal_is_offered_in_the_meetings_zone(sent, organiser_client):
    meeting, (anna, ben, chloe) = sent
    start = (meeting.starts_at + timedelta(days=1)).astimezone(AMSTERDAM).replace(tzinfo=None)
    raw = shapes.outlook_counter(meeting.uid, ben.email, "Ben", start, start + timedelta(hours=2),
                                 organizer=reply_to(ben), to=reply_to(ben))
    message = receive(raw, door="http", recipient=reply_to(ben))
    assert (message.state, message.reason) == (InboundState.APPLIED, Reason.PROPOSED)
    (proposal,) = invitations.open_proposals(meeting)
    assert proposal.participant_id == ben.id and proposal.inbound_message_id == message.id
    assert proposal.starts_at == meeting.starts_at + timedelta(days=1)
    assert proposal.ends_at - proposal.starts_at == timedelta(hours=2)
    assert proposal.comment == "Am Nachmittag passt es besser."
    page = organiser_client.get(f"/manage/meetings/{meeting.id}/responses").get_data(as_text=True)
    assert "Am Nachmittag passt es besser." in page and "Europe/Amsterdam" in page


def test_googles_proposal_keeps_the_words_typed_in_the_mail(sent):
    meeting, (anna, ben, chloe) = sent
    start = meeting.starts_at + timedelta(hours=2)
    raw = shapes.google_counter(meeting.uid, anna.email, "Anna", start, start + timedelta(hours=1),
                                organizer=reply_to(anna), to=reply_to(anna))
    message = receive(raw, door="lmtp", recipient=reply_to(anna))
    assert message.state == InboundState.APPLIED
    (proposal,) = invitations.open_proposals(meeting)
    assert (proposal.starts_at, proposal.ends_at) == (start, start + timedelta(hours=1))
    assert "Could we start two hours later?" in proposal.comment


def test_a_proposal_on_an_older_version_is_recorded_not_offered(sent):
    meeting, (anna, ben, chloe) = sent
    meeting.sequence = 2
    db.session.commit()
    start = meeting.starts_at + timedelta(hours=2)
    raw = shapes.google_counter(meeting.uid, anna.email, "Anna", start, start + timedelta(hours=1),
                                organizer=reply_to(anna), to=reply_to(anna), sequence=1)
    message = receive(raw, door="http", recipient=reply_to(anna))
    assert (message.state, message.reason) == (InboundState.RECORDED, Reason.STALE_SEQUENCE)
    assert invitations.open_proposals(meeting) == []
    (proposal,) = proposals(meeting)
    assert proposal.state == ProposalState.RECORDED and proposal.reason == "stale"


def test_a_proposal_for_a_cancelled_meeting_is_recorded(sent):
    meeting, (anna, ben, chloe) = sent
    invitations.cancel_meeting(meeting)
    db.session.commit()
    start = meeting.starts_at + timedelta(hours=2)
    raw = shapes.google_counter(meeting.uid, anna.email, "Anna", start, start + timedelta(hours=1),
                                organizer=reply_to(anna), to=reply_to(anna), sequence=meeting.sequence)
    message = receive(raw, door="http", recipient=reply_to(anna))
    assert (message.state, message.reason) == (InboundState.RECORDED, Reason.MEETING_CANCELLED)
    assert invitations.open_proposals(meeting) == []


def test_a_proposal_ending_before_it_starts_is_recorded_with_the_reason(sent):
    meeting, (anna, ben, chloe) = sent
    start = meeting.starts_at + timedelta(hours=2)
    raw = shapes.google_counter(meeting.uid, anna.email, "Anna", start, start - timedelta(hours=1),
                                organizer=reply_to(anna), to=reply_to(anna))
    message = receive(raw, door="http", recipient=reply_to(anna))
    assert (message.state, message.reason) == (InboundState.RECORDED, Reason.PROPOSAL_TIMES)
    assert proposals(meeting) == []


def test_a_delegation_from_the_calendar_invites_the_colleague(sent):
    meeting, (anna, ben, chloe) = sent
    raw = shapes.delegation(meeting.uid, chloe.email, "daan@example.nl", "Daan de Boer",
                            organizer=reply_to(chloe), to=reply_to(chloe))
    message = receive(raw, door="http", recipient=reply_to(chloe))
    assert (message.state, message.reason) == (InboundState.APPLIED, Reason.DELEGATED)
    db.session.expire_all()
    assert chloe.status == ParticipantStatus.DELEGATED
    daan = db.session.scalar(select(Participant).where(Participant.email == "daan@example.nl"))
    assert daan.name == "Daan de Boer" and daan.delegated_from_id == chloe.id and daan.language == "nl"
    (invitation,) = [m for m in outbox("invitation") if m.to_email == "daan@example.nl"]
    assert 'DELEGATED-FROM="mailto:chloe@example.nl"' in invitation.ics.replace("\r\n ", "")
    # Chloé stays on the list as delegated and gets the update with everyone else.
    meeting.starts_at += timedelta(hours=1)
    meeting.ends_at += timedelta(hours=1)
    db.session.commit()
    invitations.send_update(meeting)
    db.session.commit()
    assert {m.to_email for m in outbox("update")} >= {"chloe@example.nl", "daan@example.nl"}


def test_the_colleagues_answer_through_the_delegators_address_is_their_own(sent):
    meeting, (anna, ben, chloe) = sent
    receive(shapes.delegation(meeting.uid, chloe.email, "daan@example.nl", "Daan de Boer",
                              organizer=reply_to(chloe), to=reply_to(chloe)), door="http", recipient=reply_to(chloe))
    from tests.inbound.replies import mail, reply_calendar

    ics = reply_calendar(meeting.uid, "daan@example.nl", "ACCEPTED", organizer=reply_to(chloe))
    ics = ics.replace("ATTENDEE;PARTSTAT=ACCEPTED:", 'ATTENDEE;PARTSTAT=ACCEPTED;DELEGATED-FROM="mailto:chloe@example.nl":')
    message = receive(mail(ics, sender="daan@example.nl", sender_name="Daan", to=reply_to(chloe)), door="http",
                      recipient=reply_to(chloe))
    assert message.state == InboundState.APPLIED
    db.session.expire_all()
    daan = db.session.scalar(select(Participant).where(Participant.email == "daan@example.nl"))
    assert daan.status == ParticipantStatus.ACCEPTED and daan.answered_in_calendar_at is not None
    assert chloe.status == ParticipantStatus.DELEGATED


def test_delegating_to_ones_own_address_is_recorded(sent):
    meeting, (anna, ben, chloe) = sent
    raw = shapes.delegation(meeting.uid, chloe.email, chloe.email, "Chloé", organizer=reply_to(chloe),
                            to=reply_to(chloe))
    message = receive(raw, door="http", recipient=reply_to(chloe))
    assert (message.state, message.reason) == (InboundState.RECORDED, Reason.DELEGATED_TO_SELF)
    db.session.expire_all()
    assert chloe.status == ParticipantStatus.INVITED


def test_declining_answers_to_the_proposers_reply_address(sent):
    meeting, (anna, ben, chloe) = sent
    start = meeting.starts_at + timedelta(hours=2)
    receive(shapes.google_counter(meeting.uid, anna.email, "Anna", start, start + timedelta(hours=1),
                                  organizer=reply_to(anna), to=reply_to(anna)), door="http", recipient=reply_to(anna))
    (proposal,) = invitations.open_proposals(meeting)
    invitations.decline_proposal(proposal, "Sorry, the room is taken then.")
    db.session.commit()
    (message,) = outbox("declinecounter")
    assert message.reply_to == reply_to(anna)
    (organizer,) = [line for line in message.ics.replace("\r\n ", "").split("\r\n") if line.startswith("ORGANIZER")]
    assert organizer.endswith(f":mailto:{reply_to(anna)}")
    # A second proposal from Anna's calendar, answering that message, is hers again.
    again = receive(shapes.google_counter(meeting.uid, anna.email, "Anna", start + timedelta(days=1),
                                          start + timedelta(days=1, hours=1), organizer=reply_to(anna),
                                          to=reply_to(anna), msgid="<counter-google-2@google.com>"),
                    door="http", recipient=reply_to(anna))
    assert again.state == InboundState.APPLIED and again.participant_id == anna.id


def _days_counter(meeting, participant, first: str, after_last: str | None) -> bytes:
    """A COUNTER proposing whole days (DTSTART;VALUE=DATE), as calendars write one for an
    all-day event (RFC 5545 3.6.1: DTEND is the day after the last)."""
    lines = ["BEGIN:VCALENDAR", "PRODID:-//Google Inc//Google Calendar 70.9054//EN", "VERSION:2.0",
             "METHOD:COUNTER", "BEGIN:VEVENT", f"DTSTART;VALUE=DATE:{first}"]
    lines += [f"DTEND;VALUE=DATE:{after_last}"] if after_last else []
    lines += ["DTSTAMP:20261203T093000Z", f"ORGANIZER:mailto:{reply_to(participant)}", f"UID:{meeting.uid}",
              f"ATTENDEE;PARTSTAT=ACCEPTED:mailto:{participant.email}", f"SEQUENCE:{meeting.sequence}",
              "END:VEVENT", "END:VCALENDAR", ""]
    return mail("\r\n".join(lines), sender=participant.email, to=reply_to(participant), method="COUNTER",
                subject="New event time proposed: Summer school")


def test_other_days_proposed_for_an_all_day_meeting_are_offered_and_accepted(inbound, organiser_client):
    from meetings.core.timezones import start_of_day

    meeting = make_all_day_meeting(date(2027, 7, 1), date(2027, 7, 2), title="Summer school", slug="summer")
    ben = make_participant(meeting, make_contact(name="Ben", email="ben@example.de", language="de"))
    invitations.send_invitations(meeting)
    db.session.commit()
    message = receive(_days_counter(meeting, ben, "20270705", "20270707"), door="http", recipient=reply_to(ben))
    assert (message.state, message.reason) == (InboundState.APPLIED, Reason.PROPOSED)
    (proposal,) = invitations.open_proposals(meeting)
    assert proposal.starts_at == start_of_day(date(2027, 7, 5), "Europe/Amsterdam")
    assert proposal.ends_at == start_of_day(date(2027, 7, 7), "Europe/Amsterdam")
    page = organiser_client.get(f"/manage/meetings/{meeting.id}/responses")
    assert "5–6 July 2027" in page.get_data(as_text=True)
    response = post_form(organiser_client, f"/manage/meetings/{meeting.id}/proposals/{proposal.id}/accept", {},
                         form_url=f"/manage/meetings/{meeting.id}/responses")
    assert page.status_code == 200 and response.status_code in (302, 303)
    db.session.expire_all()
    moved = db.session.get(type(meeting), meeting.id)
    assert moved.all_day and (moved.starts_at, moved.ends_at) == (proposal.starts_at, proposal.ends_at)


def test_a_day_proposed_without_an_end_keeps_the_meetings_length_and_hours(sent):
    meeting, (anna, ben, chloe) = sent
    local = meeting.starts_at.astimezone(AMSTERDAM)
    day = local.date() + timedelta(days=3)
    message = receive(_days_counter(meeting, anna, day.strftime("%Y%m%d"), None), door="http",
                      recipient=reply_to(anna))
    assert message.state == InboundState.APPLIED
    (proposal,) = invitations.open_proposals(meeting)
    assert proposal.starts_at.astimezone(AMSTERDAM).date() == day
    assert proposal.starts_at.astimezone(AMSTERDAM).time() == local.time()
    assert proposal.ends_at - proposal.starts_at == meeting.ends_at - meeting.starts_at
