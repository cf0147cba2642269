"""What people read for the codes stored with a received message: its state, the reason
it ended so, and the door it came through (the codes stay in English in the database)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from meetings.inbound.states import InboundState

STATE_LABELS = {
    InboundState.RECEIVED: _l("Received"),
    InboundState.APPLIED: _l("Applied"),
    InboundState.RECORDED: _l("Recorded"),
    InboundState.HELD: _l("Waiting for the organiser"),
    InboundState.FORWARDED: _l("Forwarded"),
    InboundState.FAILED: _l("Failed"),
}

DOOR_LABELS = {
    "imap": _l("IMAP mailbox"),
    "lmtp": _l("LMTP (mail server)"),
    "http": _l("HTTP (mail service)"),
}

# Keyed by the stored code; a code without a label is shown as it is.
REASON_LABELS = {
    "too_large": _l("The message is too large to be read."),
    "malformed_mime": _l("The message is not a well-formed email."),
    "broken_calendar": _l("The calendar part cannot be read."),
    "bad_encoding": _l("The calendar part is in an encoding that cannot be decoded."),
    "several_calendars": _l("The message holds more than one calendar part."),
    "no_event": _l("The calendar part holds no event."),
    "several_events": _l("The calendar part holds more than one event."),
    "no_uid": _l("The event has no UID, so the meeting cannot be found."),
    "no_attendee": _l("The reply names no attendee."),
    "recurrence": _l("The reply is about one occurrence of a recurring event, which meetings here are not."),
    "unsupported_method": _l("This kind of calendar message is not handled."),
    "unknown_uid": _l("No meeting here has this calendar UID."),
    "not_a_participant": _l("The sender is not a participant of the meeting."),
    "unverified_sender": _l("The sender could not be verified."),
    "answered": _l("The answer was recorded."),
    "stale_sequence": _l("The reply answers an earlier version of the meeting; the person is still asked."),
    "meeting_cancelled": _l("The meeting is cancelled."),
    "removed_invitee": _l("The person was taken off the list."),
    "already_delegated": _l("The person had already sent a colleague instead."),
    "meeting_started": _l("The meeting has already started."),
    "meeting_full": _l("The meeting is full."),
    "unknown_partstat": _l("The reply gives an answer that is not understood."),
    "delegation_not_handled": _l("Sending a colleague from the calendar is not handled."),
    "not_an_invitee": _l("The person registered rather than being invited."),
    "not_invited": _l("The person has not been sent an invitation."),
    "update_pending": _l("An update of the meeting waits to be sent."),
    "request_resent": _l("The invitation was sent again."),
    "ignored": _l("The organiser ignored it."),
}


def state_label(state: str) -> str:
    return str(STATE_LABELS.get(state, state))


def reason_label(reason: str | None) -> str:
    if not reason:
        return ""
    return str(REASON_LABELS.get(reason, reason))


def door_label(door: str) -> str:
    return str(DOOR_LABELS.get(door, door))
