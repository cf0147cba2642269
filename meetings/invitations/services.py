"""The invitation cycle: send, answer, delegate, remind, update, remove, cancel.

Every change here flushes and queues its emails in the same transaction; the
view commits once, and the outbox delivers only after that commit.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from meetings.core.database import among
from meetings.core.types import utcnow
from meetings.events.models import Meeting
from meetings.events.services import details_fingerprint, record_sent_details
from meetings.events.queries import agenda_schedule
from meetings.extensions import db
from meetings.invitations import notifications
from meetings.participants.models import Participant
from meetings.participants.services import remove_participant
from meetings.registration import services as seats

ANSWERS = ("accepted", "tentative", "declined")
# What new_token() makes: URL-safe base64. Anything else is refused before the database sees it.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,64}")
# Invitees who still hold the meeting in their calendar and so receive updates.
RECEIVES_UPDATES = ("invited", "accepted", "tentative")
# Those who are told when the meeting is cancelled.
RECEIVES_CANCEL = ("invited", "accepted", "tentative", "declined")


class InvitationError(ValueError):
    """The change cannot be made now; ``code`` says why, for the view's message."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def invitees(meeting: Meeting) -> list[Participant]:
    """The meeting's invitees with their meeting loaded, in name order."""
    query = (select(Participant).where(Participant.meeting_id == meeting.id, Participant.kind == "invitee")
             .order_by(Participant.name))
    return list(db.session.scalars(query))


def registrants_holding_the_meeting(meeting: Meeting, also_waiting: bool = False) -> list[Participant]:
    """Confirmed registrants whose calendar got the meeting (with those waiting, if asked), by name."""
    statuses = ("registered", "waiting") if also_waiting else ("registered",)
    query = (select(Participant).where(Participant.meeting_id == meeting.id, Participant.kind == "registrant",
                                       Participant.status.in_(statuses))
             .order_by(Participant.name))
    return [p for p in db.session.scalars(query) if p.status == "waiting" or p.sent_sequence is not None]


def update_pending(meeting: Meeting) -> bool:
    """True when invitations went out and time, place, link, title or agenda changed since."""
    return (meeting.sent_fingerprint is not None and meeting.status == "scheduled"
            and meeting.sent_fingerprint != details_fingerprint(meeting))


def _require_open(meeting: Meeting) -> None:
    if meeting.status == "draft":
        raise InvitationError("draft")
    if meeting.status == "cancelled":
        raise InvitationError("cancelled")
    if meeting.ends_at <= utcnow():
        raise InvitationError("past")


def not_yet_invited(meeting: Meeting) -> list[Participant]:
    """Invitees on the list who have not been sent their invitation yet."""
    return [p for p in invitees(meeting) if p.invited_at is None and p.status == "invited"]


def send_invitations(meeting: Meeting) -> int:
    """Queue an invitation for every invitee not yet invited; returns how many.

    The first sending records what was sent, so later changes can be offered as an update.
    """
    _require_open(meeting)
    pending = not_yet_invited(meeting)
    if not pending:
        return 0
    if update_pending(meeting):
        # Those already invited must get the changes before newcomers see another version.
        raise InvitationError("update_first")
    # One UPDATE for all, however many they are: the request only queues the work.
    db.session.execute(update(Participant).where(among(Participant.id, [p.id for p in pending]))
                       .values(invited_at=utcnow(), sent_sequence=meeting.sequence)
                       .execution_options(synchronize_session="fetch"))
    notifications.send_invitations(pending, meeting)
    if meeting.sent_fingerprint is None:
        record_sent_details(meeting)
    db.session.flush()
    return len(pending)


def send_update(meeting: Meeting, note: str | None = None) -> int:
    """Send the changed meeting to every invitee who still holds it (not those who declined).

    SEQUENCE rises once. A change of start or end resets accepted and tentative
    answers to "no answer yet" (RFC 5546 3.2.2: such a change needs a new reply).
    """
    _require_open(meeting)
    if not update_pending(meeting):
        raise InvitationError("no_changes")
    time_changed = meeting.sent_starts_at != meeting.starts_at or meeting.sent_ends_at != meeting.ends_at
    meeting.sequence += 1
    receivers = [p for p in invitees(meeting) if p.invited_at is not None and p.status in RECEIVES_UPDATES]
    receivers += registrants_holding_the_meeting(meeting)
    for participant in receivers:
        if time_changed and participant.kind == "invitee" and participant.status in ("accepted", "tentative"):
            participant.status = "invited"
        participant.sent_sequence = meeting.sequence
    notifications.send_updates(receivers, meeting, note or None)
    record_sent_details(meeting)
    db.session.flush()
    return len(receivers)


def unanswered(meeting: Meeting) -> list[Participant]:
    """Invitees who were invited and have not answered."""
    return [p for p in invitees(meeting) if p.invited_at is not None and p.status == "invited"]


def remind(meeting: Meeting) -> int:
    """Remind those who have not answered (at most once a day each); returns how many were reminded."""
    _require_open(meeting)
    now = utcnow()
    day_key = now.date().isoformat()
    due = [p for p in unanswered(meeting) if p.reminded_at is None or p.reminded_at.date() != now.date()]
    for participant in due:
        participant.reminded_at = now
    notifications.send_reminders(due, meeting, day_key)
    db.session.flush()
    return len(due)


def remove_invitee(participant: Participant) -> None:
    """Take an invitee off the list: someone already invited gets a CANCEL, alone.

    SEQUENCE rises so the cancellation outranks what they hold; someone never
    invited is simply deleted.
    """
    meeting = participant.meeting
    if participant.invited_at is None:
        remove_participant(participant)
        return
    if participant.status in ("cancelled", "delegated"):
        raise InvitationError("already_removed")
    meeting.sequence += 1
    participant.status = "cancelled"
    participant.sent_sequence = meeting.sequence
    if meeting.ends_at > utcnow():
        notifications.send_cancellations([participant], meeting, None, removed=True)
    db.session.flush()


def cancel_meeting(meeting: Meeting, note: str | None = None) -> int:
    """Cancel the meeting and send an iTIP CANCEL to every invitee who was invited; returns how many."""
    if meeting.status == "cancelled":
        raise InvitationError("cancelled")
    meeting.status = "cancelled"
    meeting.sequence += 1
    receivers = [p for p in invitees(meeting) if p.invited_at is not None and p.status in RECEIVES_CANCEL]
    # Registrants are told too: those holding a seat have the meeting in their calendar,
    # and those waiting for one must not go on waiting.
    receivers += registrants_holding_the_meeting(meeting, also_waiting=True)
    for participant in receivers:
        participant.sent_sequence = meeting.sequence
    notifications.send_cancellations(receivers, meeting, note or None, removed=False)
    db.session.flush()
    return len(receivers)


# --- the invitee's side ------------------------------------------------------------

def participant_by_token(token: str) -> Participant | None:
    """The invitee holding this personal token, with meeting, venue and agenda loaded; None if unknown."""
    if not TOKEN_SHAPE.fullmatch(token or ""):
        return None
    query = (select(Participant).where(Participant.token == token, Participant.kind == "invitee")
             .options(selectinload(Participant.meeting).selectinload(Meeting.venue),
                      selectinload(Participant.meeting).selectinload(Meeting.agenda_items),
                      selectinload(Participant.meeting).selectinload(Meeting.topics)))
    return db.session.scalar(query)


def can_answer(participant: Participant) -> str | None:
    """None if the participant may answer now, else the reason (cancelled, started, removed, delegated)."""
    meeting = participant.meeting
    if meeting.status == "cancelled":
        return "cancelled"
    if participant.status == "cancelled":
        return "removed"
    if participant.status == "delegated":
        return "delegated"
    if meeting.starts_at <= utcnow():
        return "started"
    return None


def answer(participant: Participant, status: str, comment: str | None) -> None:
    """Record an invitee's answer (accepted, tentative, declined) with an optional comment."""
    if status not in ANSWERS:
        raise InvitationError("bad_answer")
    reason = can_answer(participant)
    if reason:
        raise InvitationError(reason)
    meeting = participant.meeting
    was_seated = participant.status == "accepted"
    if meeting.capacity is not None and status == "accepted" and not was_seated:
        # Accepted invitees and confirmed registrants share the seats; the lock keeps
        # two people from taking the last one at the same moment.
        seats.lock_meeting(meeting.id)
        if seats.seats_taken(meeting.id) >= meeting.capacity:
            raise InvitationError("full")
    participant.status = status
    participant.comment = comment or None
    participant.responded_at = utcnow()
    db.session.flush()
    if was_seated and status != "accepted" and meeting.capacity is not None:
        # The seat given up goes to the first person on the waiting list.
        seats.after_seat_freed(meeting)


@dataclass
class Colleague:
    name: str
    email: str


def delegate(participant: Participant, colleague: Colleague) -> Participant:
    """Send a colleague instead: they get their own invitation and link; the original is marked delegated.

    A colleague whose address is on the list already is not added again: they are emailed
    their own link instead (``own_address`` if it is the invitee's own).
    """
    reason = can_answer(participant)
    if reason:
        raise InvitationError(reason)
    meeting = participant.meeting
    email = colleague.email.strip().lower()
    taken = db.session.scalar(select(Participant).where(Participant.meeting_id == meeting.id,
                                                        Participant.email == email))
    if taken is not None and taken.id == participant.id:
        raise InvitationError("own_address")
    if taken is not None:
        # Nobody is added; the address's owner is told by email, and the invitee sees what a
        # new colleague gives: the page must not tell who is on the list.
        participant.status = "delegated"
        participant.responded_at = utcnow()
        db.session.flush()
        seats.tell_already_on_list(taken, asked_by=participant.name or participant.email)
        return taken
    substitute = Participant(
        meeting=meeting, kind="invitee", status="invited", name=colleague.name.strip(), email=email,
        organisation_id=participant.organisation_id, organisation_name=participant.organisation_name,
        country=participant.country, language=participant.language, delegated_from=participant)
    db.session.add(substitute)
    participant.status = "delegated"
    participant.responded_at = utcnow()
    db.session.flush()
    if meeting.status == "scheduled":
        substitute.invited_at = utcnow()
        substitute.sent_sequence = meeting.sequence
        notifications.send_invitations([substitute], meeting)
    db.session.flush()
    return substitute


def schedule_for(meeting: Meeting):
    """The agenda with local times, for pages and emails."""
    return agenda_schedule(meeting)
