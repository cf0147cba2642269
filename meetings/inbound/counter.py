"""Proposals of another time (iTIP COUNTER, RFC 5546 3.2.7: Outlook's and Google Calendar's
"propose new time") and delegations (a REPLY with PARTSTAT=DELEGATED, 3.2.2.3), once
:func:`services.resolve` found whose they are."""
from __future__ import annotations

from datetime import datetime, timezone

from meetings.core.timezones import start_of_day, to_local
from meetings.events.models import Meeting
from meetings.extensions import db
from meetings.inbound.handlers import handles, record
from meetings.inbound.models import InboundMessage
from meetings.inbound.parsing import Parsed
from meetings.inbound.states import InboundState, Reason
from meetings.invitations import services as invitations
from meetings.invitations.states import ProposalReason, ProposalState
from meetings.participants.models import Participant, ParticipantKind, ParticipantStatus

# Why a proposal is kept without being offered -> why the message is only recorded.
_RECORDED = {ProposalReason.STALE: Reason.STALE_SEQUENCE, ProposalReason.CANCELLED: Reason.MEETING_CANCELLED,
             ProposalReason.PAST: Reason.MEETING_STARTED}


def proposed_times(parsed: Parsed, meeting: Meeting) -> tuple[datetime, datetime] | None:
    """The start and end (UTC) a COUNTER proposes, or None when it names no time.

    Without an end (DURATION alone is rare) the meeting keeps its length. Whole days
    (DTSTART;VALUE=DATE, as calendars propose for an all-day event) are those days in the
    meeting's zone, DTEND being the day after the last; for a meeting with times, the
    proposed day keeps the meeting's local hours.
    """
    length = meeting.ends_at - meeting.starts_at
    if parsed.dtstart is not None:
        return parsed.dtstart, parsed.dtend or parsed.dtstart + length
    if parsed.start_date is None:
        return None
    zone = meeting.timezone
    if meeting.all_day:
        first_local, end_local = (to_local(moment, zone).date() for moment in (meeting.starts_at, meeting.ends_at))
        end = parsed.end_date or parsed.start_date + (end_local - first_local)
        return start_of_day(parsed.start_date, zone), start_of_day(end, zone)
    # The local hours on that day, in that day's offset.
    starts_at = datetime.combine(parsed.start_date, to_local(meeting.starts_at, zone).timetz())
    return starts_at.astimezone(timezone.utc), (starts_at + length).astimezone(timezone.utc)


@handles("COUNTER")
def counter(message: InboundMessage, parsed: Parsed, participant: Participant | None) -> None:
    """The attendee proposes another start and end: kept as a proposal for the organiser to
    accept or decline on the responses page (stale and misplaced ones recorded, not offered)."""
    meeting = participant.meeting
    message.participant, message.meeting = participant, meeting
    if participant.kind != ParticipantKind.INVITEE:
        return record(message, Reason.NOT_AN_INVITEE, participant.kind)
    if participant.status == ParticipantStatus.CANCELLED:
        return record(message, Reason.REMOVED_INVITEE)
    times = proposed_times(parsed, meeting)
    if times is None:
        return record(message, Reason.NO_PROPOSED_TIME)
    starts_at, ends_at = times
    if message.id is None:
        db.session.flush()
    try:
        proposal = invitations.record_proposal(participant, starts_at=starts_at, ends_at=ends_at,
                                               comment=parsed.comment or parsed.body_text,
                                               sequence=parsed.sequence, inbound_message_id=message.id)
    except invitations.InvitationError:
        return record(message, Reason.PROPOSAL_TIMES, f"{starts_at.isoformat()} – {ends_at.isoformat()}")
    if proposal.state != ProposalState.OPEN:
        return record(message, _RECORDED.get(proposal.reason, proposal.reason),
                      f"SEQUENCE {parsed.sequence}, the meeting is at {meeting.sequence}"
                      if proposal.reason == ProposalReason.STALE else None)
    message.state, message.reason = InboundState.APPLIED, Reason.PROPOSED


# Why invitations would not take the delegation -> why the reply is only recorded.
_DELEGATION_REFUSED = {"cancelled": Reason.MEETING_CANCELLED, "removed": Reason.REMOVED_INVITEE,
                       ParticipantStatus.DELEGATED: Reason.ALREADY_DELEGATED, "started": Reason.MEETING_STARTED,
                       "own_address": Reason.DELEGATED_TO_SELF}


def delegated(message: InboundMessage, parsed: Parsed, participant: Participant) -> None:
    """A REPLY with PARTSTAT=DELEGATED and DELEGATED-TO: the colleague becomes a participant as
    with "send a colleague instead" on the answer page, with their own invitation; the person
    who sent them stays on the list as delegated and keeps receiving updates."""
    line = parsed.attendee_for(participant.email)
    colleague_address = ((line.delegated_to if line is not None else None) or parsed.delegated_to or "").strip()
    if colleague_address.lower().startswith("mailto:"):
        colleague_address = colleague_address[7:]
    if "@" not in colleague_address:
        return record(message, Reason.NO_DELEGATE)
    # Outlook and Thunderbird add the colleague's own ATTENDEE line, with their name.
    colleague_line = parsed.attendee_for(colleague_address)
    name = (colleague_line.name if colleague_line is not None and colleague_line.name
            else colleague_address.partition("@")[0])
    colleague = invitations.Colleague(name=name, email=colleague_address, message=parsed.comment or parsed.body_text)
    try:
        invitations.delegate(participant, colleague)
    except invitations.InvitationError as refused:
        return record(message, _DELEGATION_REFUSED.get(refused.code, refused.code), colleague_address)
    message.state, message.reason, message.detail = InboundState.APPLIED, Reason.DELEGATED, colleague_address
