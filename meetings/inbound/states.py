"""Where a received message stands: the values stored in ``inbound_messages.state``
(a CHECK constraint holds the database to them), and the reason codes beside it.
"""
from __future__ import annotations

import enum


class InboundState(enum.StrEnum):
    # Stored, not yet applied (seen only inside the transaction that applies it).
    RECEIVED = "received"
    # Applied: the change it asked for was made.
    APPLIED = "applied"
    # Kept, not applied; the reason says why.
    RECORDED = "recorded"
    # Waits for the organiser to accept or ignore it.
    HELD = "held"
    # Passed on to the organisers' mailbox.
    FORWARDED = "forwarded"
    # Applying raised; the error is kept and the message is tried again.
    FAILED = "failed"


class InboundKind(enum.StrEnum):
    CALENDAR = "calendar"
    PLAIN = "plain"
    AUTO = "auto"
    BOUNCE = "bounce"
    MALFORMED = "malformed"


class Reason(enum.StrEnum):
    """Why a message ended as it did: a code stored in ``inbound_messages.reason``,
    shown translated on the pages. Not held by a CHECK: the list grows with the handlers."""

    # What the message carried could not be read or is not for us.
    TOO_LARGE = "too_large"
    MALFORMED_MIME = "malformed_mime"
    BROKEN_CALENDAR = "broken_calendar"
    BAD_ENCODING = "bad_encoding"
    NO_EVENT = "no_event"
    SEVERAL_EVENTS = "several_events"
    NO_UID = "no_uid"
    NO_ATTENDEE = "no_attendee"
    RECURRENCE = "recurrence"
    UNSUPPORTED_METHOD = "unsupported_method"
    # Whose answer it is.
    UNKNOWN_UID = "unknown_uid"
    NOT_A_PARTICIPANT = "not_a_participant"
    UNVERIFIED_SENDER = "unverified_sender"
    # What a reply did.
    ANSWERED = "answered"
    STALE_SEQUENCE = "stale_sequence"
    MEETING_CANCELLED = "meeting_cancelled"
    REMOVED_INVITEE = "removed_invitee"
    ALREADY_DELEGATED = "already_delegated"
    MEETING_STARTED = "meeting_started"
    MEETING_FULL = "meeting_full"
    UNKNOWN_PARTSTAT = "unknown_partstat"
    DELEGATION_NOT_HANDLED = "delegation_not_handled"
    NOT_AN_INVITEE = "not_an_invitee"
    NOT_INVITED = "not_invited"
    UPDATE_PENDING = "update_pending"
    REQUEST_RESENT = "request_resent"
    IGNORED = "ignored"
    # What a proposal of another time (COUNTER) did.
    PROPOSED = "proposed"
    NO_PROPOSED_TIME = "no_proposed_time"
    PROPOSAL_TIMES = "proposal_times"
    # What a delegation (REPLY with PARTSTAT=DELEGATED) did.
    DELEGATED = "delegated"
    NO_DELEGATE = "no_delegate"
    DELEGATED_TO_SELF = "delegated_to_self"
    # Mail without a calendar part.
    FORWARDED = "forwarded"
    NOT_FORWARDED = "not_forwarded"
    AUTO_REPLY = "auto_reply"
    BOUNCED = "bounced"
    BOUNCE_UNMATCHED = "bounce_unmatched"
