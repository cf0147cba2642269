"""Calendar replies (iTIP REPLY, RFC 5546 3.2.3) and requests for the current
version (REFRESH, 3.2.6), once :func:`services.resolve` found whose they are."""
from __future__ import annotations

from meetings.events.models import MeetingStatus
from meetings.inbound.counter import delegated
from meetings.inbound.handlers import handles, record
from meetings.inbound.models import InboundMessage
from meetings.inbound.parsing import Parsed
from meetings.inbound.states import InboundState, Reason
from meetings.invitations import services as invitations
from meetings.participants.models import Participant, ParticipantKind, ParticipantStatus

# PARTSTAT of a REPLY -> the answer it gives, as on the answer page.
ANSWER_BY_PARTSTAT = {"ACCEPTED": ParticipantStatus.ACCEPTED, "TENTATIVE": ParticipantStatus.TENTATIVE,
                      "DECLINED": ParticipantStatus.DECLINED}
# Why invitations would not take the answer -> why the reply is only recorded.
REFUSALS = {MeetingStatus.CANCELLED: Reason.MEETING_CANCELLED, "removed": Reason.REMOVED_INVITEE,
            ParticipantStatus.DELEGATED: Reason.ALREADY_DELEGATED, "started": Reason.MEETING_STARTED,
            "full": Reason.MEETING_FULL, "not_invited": Reason.NOT_INVITED, "update_first": Reason.UPDATE_PENDING}


def partstat_of(parsed: Parsed, participant: Participant) -> str | None:
    """The PARTSTAT the reply gives ``participant``: their own ATTENDEE line's."""
    line = parsed.attendee_for(participant.email)
    return line.partstat if line is not None else parsed.partstat


def is_stale(parsed: Parsed, participant: Participant) -> bool:
    """Whether the reply answers a version older than the last change of time or place
    (RFC 5546 3.2.2.1: such a change asks everyone again)."""
    return parsed.sequence < participant.meeting.moved_sequence


@handles("REPLY")
def reply(message: InboundMessage, parsed: Parsed, participant: Participant | None) -> None:
    """Accepted, tentative or declined in a calendar app: the person's answer, given as on
    their answer page (seats and waiting list included), marked as given in the calendar.
    Stale, misplaced and other replies are recorded with the reason, not applied."""
    meeting = participant.meeting
    message.participant, message.meeting = participant, meeting
    partstat = (partstat_of(parsed, participant) or "").upper()
    if participant.kind != ParticipantKind.INVITEE:
        return record(message, Reason.NOT_AN_INVITEE, participant.kind)
    if meeting.status == MeetingStatus.CANCELLED:
        return record(message, Reason.MEETING_CANCELLED)
    if participant.status == ParticipantStatus.CANCELLED:
        return record(message, Reason.REMOVED_INVITEE)
    if partstat == "DELEGATED":
        return delegated(message, parsed, participant)
    status = ANSWER_BY_PARTSTAT.get(partstat)
    if status is None:
        return record(message, Reason.UNKNOWN_PARTSTAT, partstat or None)
    if is_stale(parsed, participant):
        return record(message, Reason.STALE_SEQUENCE,
                      f"SEQUENCE {parsed.sequence}, the meeting moved at {meeting.moved_sequence}")
    # No lock of our own: answer() takes the same locks in the same order as the answer page,
    # so a reply and a web answer at the same moment are applied one after the other.
    comment = parsed.comment or parsed.body_text
    try:
        invitations.answer(participant, status, comment if comment else participant.comment, in_calendar=True)
    except invitations.InvitationError as refused:
        return record(message, REFUSALS.get(refused.code, refused.code))
    message.state, message.reason, message.detail = InboundState.APPLIED, Reason.ANSWERED, str(status)


@handles("REFRESH")
def refresh(message: InboundMessage, parsed: Parsed, participant: Participant | None) -> None:
    """The attendee asks for the meeting as it is now: the current REQUEST goes to them again."""
    message.participant, message.meeting = participant, participant.meeting
    try:
        invitations.send_again(participant, key=f"inbound-{message.id}")
    except invitations.InvitationError as refused:
        return record(message, REFUSALS.get(refused.code, refused.code))
    message.state, message.reason = InboundState.APPLIED, Reason.REQUEST_RESENT
