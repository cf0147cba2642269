"""Proposals of another time and delegations from calendar apps, through the one service every
door uses: COUNTER shaped as Outlook and Google Calendar send it, REPLY with PARTSTAT=DELEGATED
as Thunderbird does (tests/inbound/shapes.py says where each shape comes from)."""
from __future__ import annotations

from datetime import timedelta
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
from tests.inbound.conftest import INBOUND, reply_to
from tests.invitations.helpers import outbox

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
