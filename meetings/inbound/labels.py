"""How the codes stored with a received message read in the reader's language: the reason it
ended as it did, its state, and the door it came through."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from meetings.inbound.states import InboundState, Reason

REASON_LABELS = {
    Reason.TOO_LARGE: _l("The message is too large to be read."),
    Reason.MALFORMED_MIME: _l("The message is not a well-formed email."),
    Reason.BROKEN_CALENDAR: _l("The calendar part cannot be read."),
    Reason.BAD_ENCODING: _l("The calendar part is in an unknown character set or its encoding is broken."),
    Reason.NO_EVENT: _l("The calendar part holds no event."),
    Reason.SEVERAL_EVENTS: _l("The calendar part holds several events."),
    Reason.NO_UID: _l("The event in the calendar part has no UID."),
    Reason.NO_ATTENDEE: _l("The calendar part names nobody who answers."),
    Reason.RECURRENCE: _l("The answer is for one occurrence of a recurring event; our meetings do not recur."),
    Reason.UNSUPPORTED_METHOD: _l("This kind of calendar message is not handled."),
    Reason.UNKNOWN_UID: _l("No meeting has this calendar entry (it may have been deleted)."),
    Reason.NOT_A_PARTICIPANT: _l("The answer comes from someone who is not on the list (a forwarded invitation)."),
    Reason.UNVERIFIED_SENDER: _l("The answer did not come through the person's own reply address and its "
                                 "sender could not be verified."),
    Reason.ANSWERED: _l("The answer was recorded."),
    Reason.STALE_SEQUENCE: _l("The answer is for an earlier time or place of the meeting; the person is still asked."),
    Reason.MEETING_CANCELLED: _l("The meeting is cancelled."),
    Reason.REMOVED_INVITEE: _l("The person is no longer on the list."),
    Reason.ALREADY_DELEGATED: _l("The person has sent a colleague in their place."),
    Reason.MEETING_STARTED: _l("The meeting had started; answers can no longer be changed."),
    Reason.MEETING_FULL: _l("Every seat is taken: the acceptance was not recorded."),
    Reason.UNKNOWN_PARTSTAT: _l("The answer is none of accepted, tentative or declined."),
    Reason.DELEGATION_NOT_HANDLED: _l("Sending a colleague from a calendar app is not handled yet."),
    Reason.NOT_AN_INVITEE: _l("The person registered; registrations are not answered from calendar apps."),
    Reason.NOT_INVITED: _l("The person was never sent the meeting."),
    Reason.UPDATE_PENDING: _l("The meeting changed and the update is not sent yet; the update will bring it."),
    Reason.REQUEST_RESENT: _l("The meeting was sent to the person again."),
    Reason.IGNORED: _l("Set aside by the organiser."),
    Reason.PROPOSED: _l("The proposal of another time waits on the responses page."),
    Reason.NO_PROPOSED_TIME: _l("The proposal of another time names no start."),
    Reason.PROPOSAL_TIMES: _l("The proposed end is not after the proposed start."),
    Reason.DELEGATED: _l("The colleague named was invited in the person's place."),
    Reason.NO_DELEGATE: _l("The person sent a colleague but the reply names no colleague's address."),
    Reason.DELEGATED_TO_SELF: _l("The person named their own address as the colleague."),
    Reason.FORWARDED: _l("Passed on to the organisers' mailbox with the original attached."),
    Reason.NOT_FORWARDED: _l("Mail from this application's own address or a mail system is not passed on."),
    Reason.AUTO_REPLY: _l("An automatic reply (out of office): kept, not passed on and never answered."),
    Reason.BOUNCED: _l("A delivery report: the address is marked as bouncing."),
    Reason.BOUNCE_UNMATCHED: _l("A delivery report naming no failed address that is on a list."),
}

STATE_LABELS = {
    InboundState.RECEIVED: _l("received"),
    InboundState.APPLIED: _l("applied"),
    InboundState.RECORDED: _l("recorded, not applied"),
    InboundState.HELD: _l("waiting for the organiser"),
    InboundState.FORWARDED: _l("forwarded"),
    InboundState.FAILED: _l("failed, will be retried"),
}


def reason_label(code: str | None) -> str:
    """The reason in the reader's language ("" for none; the code itself for one this list lacks)."""
    if not code:
        return ""
    label = REASON_LABELS.get(code)
    return str(label) if label is not None else code


DOOR_LABELS = {
    "imap": _l("IMAP mailbox"),
    "lmtp": _l("LMTP (mail server)"),
    "http": _l("HTTP (mail service)"),
}


def state_label(state: str) -> str:
    """The state in the reader's language."""
    label = STATE_LABELS.get(state)
    return str(label) if label is not None else state


def door_label(door: str) -> str:
    """The door a message came through, in the reader's language."""
    label = DOOR_LABELS.get(door)
    return str(label) if label is not None else door
