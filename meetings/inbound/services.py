"""Receiving mail: every door (IMAP fetch, LMTP, HTTP) hands the raw bytes to
:func:`receive`, which stores the message and applies it in one transaction.

A message is known by its Message-ID: seen again, it is not applied again. When
applying raises, the message stays stored as ``failed`` with the error, and
:func:`retry_failed` tries it again later. Bad input never raises here.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import selectinload

from meetings.core.types import utcnow
from meetings.events.models import Meeting
from meetings.events.queries import meeting_by_uid
from meetings.extensions import db
from meetings.inbound import handlers
from meetings.inbound import replies  # noqa: F401  (registers the REPLY and REFRESH handlers)
from meetings.inbound import counter, mailbox  # noqa: F401  (COUNTER; plain, automatic and bounced mail)
from meetings.inbound.models import InboundMessage
from meetings.inbound.parsing import Parsed, parse
from meetings.inbound.states import InboundKind, InboundState, Reason
from meetings.invitations import services as invitations
from meetings.participants.models import Participant
from meetings.participants.services import participant_by_email, participant_by_reply_token, reply_address  # noqa: F401

# A message that failed this often is left for a person to look at.
MAX_ATTEMPTS = 10
_ERROR_LENGTH = 2000
_STORE_ATTEMPTS = 3
# What a door may say it is.
DOORS = ("imap", "lmtp", "http")


@dataclass(frozen=True)
class Resolution:
    """Whose message it is: the participant (and meeting) it applies to, or why it waits or stays."""

    participant: Participant | None = None
    meeting: Meeting | None = None
    state: str | None = None
    reason: str | None = None
    detail: str | None = None


def inbound_address() -> str | None:
    """The address calendar replies come to (INBOUND_ADDRESS), or None when they are not read."""
    return current_app.config["INBOUND_ADDRESS"]


def parse_message(raw: bytes, recipient: str | None = None, *, size: int | None = None) -> Parsed:
    """``parsing.parse`` with this app's INBOUND_ADDRESS.

    ``size`` is the whole message's size when ``raw`` holds only its header (a door took
    no more of a message larger than INBOUND_MAX_BYTES): it is then too large, whatever
    the header says."""
    parsed = parse(raw, recipient, inbound_address=inbound_address(),
                   max_bytes=int(current_app.config["INBOUND_MAX_BYTES"]))
    if size is not None and size > len(raw):
        return replace(parsed, problem=Reason.TOO_LARGE, kind=InboundKind.MALFORMED,
                       detail=f"{size} bytes; only its header was kept (INBOUND_MAX_BYTES)")
    return parsed


def sender_verified(parsed: Parsed) -> bool:
    """Whether a server named in INBOUND_AUTHSERV_IDS says DKIM or SPF passed for the sender's domain.

    The receiving server removes Authentication-Results headers carrying its own id from
    mail that comes in (RFC 8601 section 5), so one with a trusted id is its own.
    """
    trusted = set(current_app.config["INBOUND_AUTHSERV_IDS"])
    if not trusted or not parsed.sender:
        return False
    domain = parsed.sender.rpartition("@")[2]
    for result in parsed.auth_results:
        if result.server not in trusted or result.method not in ("dkim", "spf") or result.result != "pass":
            continue
        if result.domain and (domain == result.domain or domain.endswith("." + result.domain)):
            return True
    return False


def resolve(parsed: Parsed) -> Resolution:
    """Whose calendar message this is.

    The token of the reply address decides: it names one participant of one meeting. The
    ATTENDEE must be that participant (or the colleague they sent, replying through the
    copy they were forwarded); anyone else is not a participant, held for the organiser.
    Without a usable token, the UID finds the meeting and the ATTENDEE the participant,
    applied only when the sender is that ATTENDEE and a trusted server vouches for the
    sender's domain; otherwise held for the organiser to accept.
    """
    owner = participant_by_reply_token(parsed.token) if parsed.token else None
    if owner is not None and parsed.uid in (None, owner.meeting.uid):
        meeting = owner.meeting
        if not parsed.attendees or parsed.attendee_for(owner.email):
            return Resolution(owner, meeting)
        other = parsed.attendee or parsed.attendees[0].address
        listed = participant_by_email(meeting, other)
        if listed is not None and listed.delegated_from_id == owner.id:
            return Resolution(listed, meeting)
        if listed is not None:
            return Resolution(listed, meeting, InboundState.HELD, Reason.UNVERIFIED_SENDER,
                              f"{other} replied through the address of {owner.email}")
        return Resolution(None, meeting, InboundState.HELD, Reason.NOT_A_PARTICIPANT,
                          f"{other} replied through the address of {owner.email}")
    meeting = meeting_by_uid(parsed.uid)
    if meeting is None:
        return Resolution(state=InboundState.RECORDED, reason=Reason.UNKNOWN_UID, detail=parsed.uid)
    address = parsed.attendee or (parsed.attendees[0].address if parsed.attendees else None)
    listed = participant_by_email(meeting, address)
    if listed is None:
        return Resolution(None, meeting, InboundState.HELD, Reason.NOT_A_PARTICIPANT, address)
    if address == parsed.sender and sender_verified(parsed):
        return Resolution(listed, meeting)
    return Resolution(listed, meeting, InboundState.HELD, Reason.UNVERIFIED_SENDER,
                      f"from {parsed.sender or 'an unknown sender'}, about {address}")


def apply(message: InboundMessage, parsed: Parsed, *, resolution: Resolution | None = None) -> None:
    """Do what the stored message asks, in the session (no commit): record a problem, hold a
    message whose sender is not known well enough, or hand it to its handler.

    ``resolution`` given (the organiser accepting a held message) replaces :func:`resolve`.
    """
    message.method, message.kind = parsed.method, parsed.kind
    message.reason = message.detail = message.error = None
    if parsed.problem:
        handlers.record(message, parsed.problem, parsed.detail)
        return
    participant = None
    if parsed.kind == InboundKind.CALENDAR:
        if handlers.handler_for(parsed) is None:
            handlers.dispatch(message, parsed)
            return
        found = resolution or resolve(parsed)
        message.participant, message.meeting = found.participant, found.meeting
        if found.state is not None:
            message.state, message.reason, message.detail = found.state, found.reason, found.detail
            return
        participant = found.participant
    elif parsed.token:
        participant = participant_by_reply_token(parsed.token)
        if participant is not None:
            message.participant, message.meeting = participant, participant.meeting
    handlers.dispatch(message, parsed, participant)
    if message.state == InboundState.APPLIED:
        message.applied_at = utcnow()


def stored(message_id: str) -> InboundMessage | None:
    """The message stored under this Message-ID, or None."""
    return db.session.scalar(select(InboundMessage).where(InboundMessage.message_id == message_id))


def _new_row(raw: bytes, parsed: Parsed, door: str, recipient: str | None,
             size: int | None = None) -> InboundMessage:
    return InboundMessage(
        message_id=parsed.message_id, raw=raw, size=max(size or 0, len(raw)), door=door,
        recipient=(recipient or "")[:254] or None, sender=(parsed.sender or "")[:254] or None,
        subject=parsed.subject, method=(parsed.method or "")[:20] or None, kind=parsed.kind,
        state=InboundState.RECEIVED, attempts=1)


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:_ERROR_LENGTH]


def receive(raw: bytes, *, door: str, recipient: str | None = None, size: int | None = None) -> InboundMessage:
    """Store one received message (``raw`` bytes, as the ``door`` got it) and apply it; commits.

    Returns the stored row. A Message-ID seen before returns the row stored then, applied
    once; the same message arriving twice at the same moment ends as one row. Applying that
    raises leaves the message stored as ``failed`` with the error, for :func:`retry_failed`.
    ``size``: the whole message's size when ``raw`` is only its header (see :func:`parse_message`).
    """
    if door not in DOORS:
        raise ValueError(f"unknown door {door!r}")
    parsed = parse_message(raw, recipient, size=size)
    for attempt in range(_STORE_ATTEMPTS):
        known = stored(parsed.message_id)
        if known is not None:
            return known
        message = _new_row(raw, parsed, door, recipient, size)
        db.session.add(message)
        try:
            db.session.flush()
            break
        except (IntegrityError, OperationalError):
            # Another door stored it a moment ago (the unique Message-ID says so, or SQLite's
            # writer lock moved on since this transaction began): look again, theirs stands.
            db.session.rollback()
            if attempt == _STORE_ATTEMPTS - 1:
                raise
    try:
        apply(message, parsed)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        known = stored(parsed.message_id)
        if known is not None:
            return known
        return _keep_failed(raw, parsed, door, recipient, size, "the change could not be saved")
    except Exception as exc:
        db.session.rollback()
        current_app.logger.exception("applying inbound message %s failed", parsed.message_id)
        return _keep_failed(raw, parsed, door, recipient, size, _error_text(exc))
    return message


def _keep_failed(raw: bytes, parsed: Parsed, door: str, recipient: str | None, size: int | None,
                 error: str) -> InboundMessage:
    """Store the message whose applying failed, in a transaction of its own."""
    message = _new_row(raw, parsed, door, recipient, size)
    message.state, message.error = InboundState.FAILED, error
    db.session.add(message)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return stored(parsed.message_id)
    return message


def retry_failed(limit: int = 100) -> int:
    """Apply again the messages whose applying failed (fewer than MAX_ATTEMPTS times so far);
    commits each on its own. Returns how many were applied this time."""
    ids = list(db.session.scalars(
        select(InboundMessage.id).where(InboundMessage.state == InboundState.FAILED,
                                        InboundMessage.attempts < MAX_ATTEMPTS)
        .order_by(InboundMessage.received_at, InboundMessage.id).limit(limit)))
    done = 0
    for message_id in ids:
        message = db.session.get(InboundMessage, message_id)
        if message is not None and retry(message):
            done += 1
    return done


def retry(message: InboundMessage) -> bool:
    """Apply a failed message again (an organiser's retry, or :func:`retry_failed`); commits.
    Returns whether it went through this time; if not, it stays failed with the new error."""
    if message.state != InboundState.FAILED:
        return False
    message_id = message.id
    try:
        message.state = InboundState.RECEIVED
        message.attempts += 1
        apply(message, parse_message(message.raw, message.recipient, size=message.size))
        message.error = None
        db.session.commit()
        return True
    except Exception as exc:
        db.session.rollback()
        current_app.logger.exception("applying inbound message %s failed again", message_id)
        message = db.session.get(InboundMessage, message_id)
        message.state, message.error = InboundState.FAILED, _error_text(exc)
        message.attempts += 1
        db.session.commit()
        return False


# --- the organiser's side: held messages -----------------------------------------------------

class InboundError(ValueError):
    """The held message cannot be handled so; ``code`` says why, for the view's message."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def held_messages(meeting: Meeting) -> list[InboundMessage]:
    """The meeting's messages waiting for the organiser, oldest first, with their participant."""
    query = (select(InboundMessage)
             .where(InboundMessage.meeting_id == meeting.id, InboundMessage.state == InboundState.HELD)
             .options(selectinload(InboundMessage.participant))
             .order_by(InboundMessage.received_at, InboundMessage.id))
    return list(db.session.scalars(query))


def held_message(meeting: Meeting, message_id: int) -> InboundMessage | None:
    """One of the meeting's messages by id, locked until the commit (two clicks apply it once); None if unknown."""
    query = (select(InboundMessage).where(InboundMessage.id == message_id, InboundMessage.meeting_id == meeting.id)
             .with_for_update())
    return db.session.scalar(query)


def sender_of(message: InboundMessage, parsed: Parsed | None = None) -> tuple[str | None, str | None]:
    """Who a held calendar message speaks for: (name, address) of its ATTENDEE (``parsed``:
    the message read already, if it was)."""
    parsed = parsed or parse_message(message.raw, message.recipient)
    line = parsed.attendee_for(parsed.attendee) or (parsed.attendees[0] if parsed.attendees else None)
    if line is None:
        return parsed.sender_name, parsed.sender
    return line.name or (parsed.sender_name if parsed.sender == line.address else None), line.address


def accept_held(message: InboundMessage) -> None:
    """The organiser vouches for a held reply: it is applied as if its sender had been known.

    A reply from someone not on the list (an invitation forwarded to them) first adds them
    as an invitee, with an invitation of their own. Flushes; the view commits.
    """
    if message.state != InboundState.HELD:
        raise InboundError("not_held")
    parsed = parse_message(message.raw, message.recipient)
    meeting = message.meeting
    if message.reason == Reason.NOT_A_PARTICIPANT:
        name, address = sender_of(message, parsed)
        if not address:
            raise InboundError("no_address")
        participant = invitations.add_and_invite(meeting, name, address, meeting.language or "en")
    else:
        participant = message.participant
        if participant is None:
            raise InboundError("no_participant")
    message.state = InboundState.RECEIVED
    apply(message, parsed, resolution=Resolution(participant, meeting))
    db.session.flush()


def ignore_held(message: InboundMessage) -> None:
    """The organiser sets a held message aside: kept, recorded as ignored. Flushes."""
    if message.state != InboundState.HELD:
        raise InboundError("not_held")
    handlers.record(message, Reason.IGNORED, message.detail)
    db.session.flush()
