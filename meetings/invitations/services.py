"""The invitation cycle: send, answer, delegate, remind, update, remove, cancel.

Every change here flushes and queues its emails in the same transaction; the
view commits once, and the outbox delivers only after that commit.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import flag_modified

from meetings.core.database import among
from meetings.core.types import utcnow
from meetings.events.models import Meeting, MeetingStatus
from meetings.events.services import (agenda_outside, clashing_meetings, move_meeting, record_sent_details,
                                     time_or_place_moved, update_pending)
from meetings.events.signals import meeting_changed
from meetings.events.queries import agenda_schedule
from meetings.extensions import db
from meetings.invitations import notifications
from meetings.invitations.models import TimeProposal
from meetings.invitations.states import ProposalReason, ProposalState
from meetings.participants.models import Participant, ParticipantKind, ParticipantStatus
from meetings.participants.services import add_invitee, clear_bouncing, remove_participant, sent_by
from meetings.registration import services as seats

ANSWERS = (ParticipantStatus.ACCEPTED, ParticipantStatus.TENTATIVE, ParticipantStatus.DECLINED)
# Invitees whose calendar holds the meeting, and so receive updates and the cancellation:
# RFC 5546 has the organiser send both to every attendee, those who declined (Google keeps
# declined events in the calendar) and those who sent a colleague (as DELEGATED) included.
HOLDS_THE_MEETING = (ParticipantStatus.INVITED, ParticipantStatus.ACCEPTED, ParticipantStatus.TENTATIVE,
                     ParticipantStatus.DECLINED, ParticipantStatus.DELEGATED)
RECEIVES_UPDATES = HOLDS_THE_MEETING
RECEIVES_CANCEL = HOLDS_THE_MEETING
# What an answer writes.
ANSWER_COLUMNS = ("status", "comment", "responded_at", "answered_in_calendar_at", "previous_answer")
# Answers that a change of time or place asks again (RFC 5546 3.2.2.1); a "no" stays a "no".
ASKED_AGAIN = (ParticipantStatus.ACCEPTED, ParticipantStatus.TENTATIVE)


class InvitationError(ValueError):
    """The change cannot be made now; ``code`` says why, for the view's message."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def invitees(meeting: Meeting) -> list[Participant]:
    """The meeting's invitees with their meeting loaded, in name order."""
    query = (select(Participant)
             .where(Participant.meeting_id == meeting.id, Participant.kind == ParticipantKind.INVITEE)
             .order_by(Participant.name))
    return list(db.session.scalars(query))


def registrants_holding_the_meeting(meeting: Meeting, also_waiting: bool = False) -> list[Participant]:
    """Confirmed registrants whose calendar got the meeting (with those waiting, if asked), by name."""
    statuses = ((ParticipantStatus.REGISTERED, ParticipantStatus.WAITING) if also_waiting
                else (ParticipantStatus.REGISTERED,))
    query = (select(Participant)
             .where(Participant.meeting_id == meeting.id, Participant.kind == ParticipantKind.REGISTRANT,
                    Participant.status.in_(statuses))
             .order_by(Participant.name))
    return [p for p in db.session.scalars(query)
            if p.status == ParticipantStatus.WAITING or p.sent_sequence is not None]


def sending_blocked(meeting: Meeting) -> str | None:
    """Why nothing can be sent for the meeting now (draft, cancelled, past), or None.

    The pages offer sending, reminding and updating only when this is None, and the
    services below refuse with the same reason (:class:`InvitationError`).
    """
    if meeting.status in (MeetingStatus.DRAFT, MeetingStatus.CANCELLED):
        return meeting.status
    if meeting.ends_at <= utcnow():
        return "past"
    return None


def _require_open(meeting: Meeting) -> None:
    blocked = sending_blocked(meeting)
    if blocked is not None:
        raise InvitationError(blocked)


def not_yet_invited(meeting: Meeting) -> list[Participant]:
    """Invitees on the list who have not been sent their invitation yet."""
    return [p for p in invitees(meeting) if p.invited_at is None and p.status == ParticipantStatus.INVITED]


def send_invitations(meeting: Meeting, *, from_poll: bool = False) -> int:
    """Queue an invitation for every invitee not yet invited; returns how many.

    The first sending records what was sent, so later changes can be offered as an update.
    ``from_poll``: the date was found with a poll, and the letters say that the person's
    vote is their starting answer.
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
    notifications.send_invitations(pending, meeting, from_poll=from_poll)
    if meeting.sent_fingerprint is None:
        record_sent_details(meeting)
    db.session.flush()
    return len(pending)


def update_receivers(meeting: Meeting) -> list[Participant]:
    """Everyone whose calendar holds the meeting: invited invitees whatever their answer
    (declined and delegated too), and registrants who were sent it."""
    receivers = [p for p in invitees(meeting) if p.invited_at is not None and p.status in RECEIVES_UPDATES]
    return receivers + registrants_holding_the_meeting(meeting)


def answers_asked_again(meeting: Meeting, receivers: list[Participant] | None = None) -> list[Participant]:
    """The invitees whose accepted or tentative answer the pending update would set back to
    "no answer yet": all of them when it moves the time or place, none otherwise."""
    if not time_or_place_moved(meeting):
        return []
    receivers = update_receivers(meeting) if receivers is None else receivers
    return [p for p in receivers if p.kind == ParticipantKind.INVITEE and p.status in ASKED_AGAIN]


def send_update(meeting: Meeting, note: str | None = None) -> int:
    """Send the changed meeting to everyone whose calendar holds it (see :func:`update_receivers`).

    SEQUENCE rises once. A change of start, end or place resets accepted and tentative
    answers to "no answer yet" (RFC 5546 3.2.2.1: such a change needs a new reply); the
    earlier answer is kept as ``previous_answer`` and their email says why they are asked
    again. A change of agenda or description keeps every answer. Refused while an agenda
    item lies outside the meeting's time: the update would carry a wrong agenda.
    """
    _require_open(meeting)
    if not update_pending(meeting):
        raise InvitationError("no_changes")
    if agenda_outside(meeting):
        raise InvitationError("agenda_outside")
    receivers = update_receivers(meeting)
    asked_again = answers_asked_again(meeting, receivers)
    moved = time_or_place_moved(meeting)
    meeting.sequence += 1
    if moved:
        meeting.moved_sequence = meeting.sequence
    for participant in asked_again:
        participant.previous_answer = participant.status
        participant.status = ParticipantStatus.INVITED
        participant.comment = None
        participant.responded_at = None
    for participant in receivers:
        participant.sent_sequence = meeting.sequence
    notifications.send_updates(receivers, meeting, note or None, asked_again={p.id for p in asked_again})
    record_sent_details(meeting)
    db.session.flush()
    return len(receivers)


def unanswered(meeting: Meeting) -> list[Participant]:
    """Invitees who were invited and have not answered."""
    return [p for p in invitees(meeting) if p.invited_at is not None and p.status == ParticipantStatus.INVITED]


def remind(meeting: Meeting) -> int:
    """Remind those who have not answered (at most once a day each); returns how many were reminded.

    Refused while an update is pending: a reminder carries the meeting as it is now, and
    at the SEQUENCE already sent it would be a second version under one SEQUENCE. Sending
    the update with the reminder instead would move only the calendars of those who have
    not answered and leave everyone else on the old version, so the organiser sends the
    update (to all) first, and reminds after.
    """
    _require_open(meeting)
    if update_pending(meeting):
        raise InvitationError("update_before_reminder")
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
    if participant.status in (ParticipantStatus.CANCELLED, ParticipantStatus.DELEGATED):
        raise InvitationError("already_removed")
    meeting.sequence += 1
    participant.status = ParticipantStatus.CANCELLED
    participant.sent_sequence = meeting.sequence
    if meeting.ends_at > utcnow():
        notifications.send_cancellations([participant], meeting, None, removed=True)
    db.session.flush()


def take_off_list(participant: Participant) -> bool:
    """Remove an invitee as ``remove_invitee`` does; False (changing nothing) when they already left.
    Answers registration's ``invitee_removal``."""
    try:
        remove_invitee(participant)
    except InvitationError:
        return False
    return True


def received_a_request(participant: Participant) -> bool:
    """Whether the person's calendar was ever sent this meeting (a REQUEST: the first calendar
    message anyone gets is one, so any SEQUENCE recorded means there was a REQUEST)."""
    return participant.sent_sequence is not None


def add_and_invite(meeting: Meeting, name: str | None, email: str, language: str) -> Participant:
    """Add someone who answered an invitation forwarded to them: on the list as an invitee,
    and, once the meeting's invitations are out, sent their own invitation (their own link
    and reply address). Someone already on the list is returned as they are."""
    participant = add_invitee(meeting, name, email, language)
    if (participant.invited_at is None and meeting.status == MeetingStatus.SCHEDULED
            and meeting.sent_fingerprint is not None):
        participant.invited_at = utcnow()
        participant.sent_sequence = meeting.sequence
        notifications.send_invitations([participant], meeting)
        db.session.flush()
    return participant


def send_again(participant: Participant, key: str) -> None:
    """Queue the meeting's current REQUEST once more to one person whose calendar asked for it
    (iTIP REFRESH); ``key`` names the request, so asking twice queues one mail.

    Refused for a cancelled meeting, a person taken off the list or never sent the meeting,
    and while an update is pending (the REQUEST at the SEQUENCE they hold would carry other
    details; the update brings them the meeting as it is).
    """
    meeting = participant.meeting
    if meeting.status == MeetingStatus.CANCELLED:
        raise InvitationError(MeetingStatus.CANCELLED)
    if participant.status == ParticipantStatus.CANCELLED:
        raise InvitationError("removed")
    if not received_a_request(participant) or participant.status not in HOLDS_THE_MEETING + (
            ParticipantStatus.REGISTERED,):
        raise InvitationError("not_invited")
    if update_pending(meeting):
        raise InvitationError("update_first")
    participant.sent_sequence = meeting.sequence
    notifications.send_again(participant, meeting, key)
    db.session.flush()


def cancel_meeting(meeting: Meeting, note: str | None = None) -> int:
    """Cancel the meeting and tell everyone concerned; returns how many are told.

    Those whose calendar was sent the meeting (invitees whatever their answer, registrants
    holding a seat) get an iTIP CANCEL; those waiting for a seat who never got a calendar
    entry get the news without one (a CANCEL for a UID they never had would only confuse
    their calendar).
    """
    if meeting.status == MeetingStatus.CANCELLED:
        raise InvitationError(MeetingStatus.CANCELLED)
    meeting.status = MeetingStatus.CANCELLED
    meeting.sequence += 1
    told = [p for p in invitees(meeting) if p.invited_at is not None and p.status in RECEIVES_CANCEL]
    # Registrants are told too: those holding a seat have the meeting in their calendar,
    # and those waiting for one must not go on waiting.
    told += registrants_holding_the_meeting(meeting, also_waiting=True)
    with_calendar = [p for p in told if received_a_request(p)]
    for participant in with_calendar:
        participant.sent_sequence = meeting.sequence
    notifications.send_cancellations(with_calendar, meeting, note or None, removed=False)
    notifications.send_cancellation_notices([p for p in told if not received_a_request(p)], meeting, note or None)
    db.session.flush()
    return len(told)


# --- the invitee's side ------------------------------------------------------------

def can_answer(participant: Participant) -> str | None:
    """None if the participant may answer now, else the reason (cancelled, started, removed, delegated)."""
    meeting = participant.meeting
    if meeting.status == MeetingStatus.CANCELLED:
        return MeetingStatus.CANCELLED
    if participant.status == ParticipantStatus.CANCELLED:
        return "removed"
    if participant.status == ParticipantStatus.DELEGATED:
        return ParticipantStatus.DELEGATED
    if meeting.starts_at <= utcnow():
        return "started"
    return None


def answer(participant: Participant, status: str, comment: str | None, *, in_calendar: bool = False) -> None:
    """Record an invitee's answer (accepted, tentative, declined) with an optional comment;
    ``in_calendar``: given in their calendar app (an iTIP REPLY), marked so with the time."""
    if status not in ANSWERS:
        raise InvitationError("bad_answer")
    reason = can_answer(participant)
    if reason:
        raise InvitationError(reason)
    meeting = participant.meeting
    was_seated = participant.status == ParticipantStatus.ACCEPTED
    if meeting.capacity is not None and status == ParticipantStatus.ACCEPTED and not was_seated:
        # Accepted invitees and confirmed registrants share the seats; the lock keeps
        # two people from taking the last one at the same moment.
        seats.lock_meeting(meeting.id)
        if seats.seats_taken(meeting.id) >= meeting.capacity:
            raise InvitationError("full")
    participant.status = status
    participant.comment = comment or None
    participant.responded_at = utcnow()
    participant.answered_in_calendar_at = participant.responded_at if in_calendar else None
    participant.previous_answer = None
    # Every part of the answer is written, changed or not: an answer given elsewhere (in a
    # calendar app) since this row was read must not keep parts of its own beside this one.
    for name in ANSWER_COLUMNS:
        flag_modified(participant, name)
    # Whoever answers receives mail: a bounce recorded earlier no longer holds.
    clear_bouncing(participant)
    db.session.flush()
    if was_seated and status != ParticipantStatus.ACCEPTED and meeting.capacity is not None:
        # The seat given up goes to the first person on the waiting list.
        seats.after_seat_freed(meeting)


@dataclass
class Colleague:
    name: str
    email: str
    message: str | None = None  # what the invitee writes to them, in their invitation


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
        participant.status = ParticipantStatus.DELEGATED
        participant.responded_at = utcnow()
        db.session.flush()
        seats.tell_already_on_list(taken, asked_by=sent_by(participant, colleague.message))
        return taken
    substitute = Participant(
        meeting=meeting, kind=ParticipantKind.INVITEE, status=ParticipantStatus.INVITED,
        name=colleague.name.strip(), email=email,
        organisation_id=participant.organisation_id, organisation_name=participant.organisation_name,
        country=participant.country, language=participant.language, delegated_from=participant,
        delegation_message=(colleague.message or "").strip() or None)
    db.session.add(substitute)
    participant.status = ParticipantStatus.DELEGATED
    participant.responded_at = utcnow()
    clear_bouncing(participant)
    db.session.flush()
    if meeting.status == MeetingStatus.SCHEDULED:
        substitute.invited_at = utcnow()
        substitute.sent_sequence = meeting.sequence
        notifications.send_invitations([substitute], meeting)
    db.session.flush()
    return substitute


def schedule_for(meeting: Meeting):
    """The agenda with local times, for pages and emails."""
    return agenda_schedule(meeting)


# --- proposals of another time (iTIP COUNTER) -----------------------------------------------

def record_proposal(participant: Participant, *, starts_at, ends_at, comment: str | None = None,
                    sequence: int = 0, inbound_message_id: int | None = None) -> TimeProposal:
    """Keep an attendee's proposal to hold the meeting at ``starts_at``-``ends_at`` (aware
    datetimes), made on the version with SEQUENCE ``sequence``. Flushes.

    It is offered to the organiser (``open``) unless it can no longer be taken up: proposed
    for an older version than the one sent since, for a cancelled meeting, or once the
    meeting has begun; those are ``recorded`` with the reason. A newer proposal from the same
    person replaces their open one. Raises :class:`InvitationError` ``proposal_times`` when
    the end is not after the start.
    """
    if ends_at <= starts_at:
        raise InvitationError("proposal_times")
    meeting = participant.meeting
    proposal = TimeProposal(meeting=meeting, participant=participant, starts_at=starts_at, ends_at=ends_at,
                            comment=(comment or "").strip() or None, sequence=sequence,
                            inbound_message_id=inbound_message_id, state=ProposalState.OPEN)
    if meeting.status == MeetingStatus.CANCELLED:
        proposal.state, proposal.reason = ProposalState.RECORDED, ProposalReason.CANCELLED
    elif sequence < meeting.sequence:
        proposal.state, proposal.reason = ProposalState.RECORDED, ProposalReason.STALE
    elif meeting.starts_at <= utcnow():
        proposal.state, proposal.reason = ProposalState.RECORDED, ProposalReason.PAST
    if proposal.state == ProposalState.OPEN:
        _close_open(meeting, ProposalReason.SUPERSEDED, participant=participant)
    db.session.add(proposal)
    db.session.flush()
    return proposal


def _close_open(meeting: Meeting, reason: ProposalReason, *, participant: Participant | None = None,
                keep: TimeProposal | None = None) -> None:
    query = update(TimeProposal).where(TimeProposal.meeting_id == meeting.id,
                                       TimeProposal.state == ProposalState.OPEN)
    if participant is not None:
        query = query.where(TimeProposal.participant_id == participant.id)
    if keep is not None:
        query = query.where(TimeProposal.id != keep.id)
    db.session.execute(query.values(state=ProposalState.RECORDED, reason=reason, decided_at=utcnow())
                       .execution_options(synchronize_session="fetch"))


def open_proposals(meeting: Meeting) -> list[TimeProposal]:
    """The proposals of another time waiting for the organiser, oldest first, with their
    proposers; one for a version older than the meeting's current one is not among them."""
    query = (select(TimeProposal)
             .where(TimeProposal.meeting_id == meeting.id, TimeProposal.state == ProposalState.OPEN,
                    TimeProposal.sequence >= meeting.sequence)
             .options(selectinload(TimeProposal.participant))
             .order_by(TimeProposal.received_at, TimeProposal.id))
    return list(db.session.scalars(query))


def proposal_of(meeting: Meeting, proposal_id: int) -> TimeProposal | None:
    """The meeting's proposal with this id, or None."""
    proposal = db.session.get(TimeProposal, proposal_id)
    return proposal if proposal is not None and proposal.meeting_id == meeting.id else None


def _require_open_proposal(proposal: TimeProposal) -> None:
    meeting = proposal.meeting
    if proposal.state != ProposalState.OPEN or proposal.sequence < meeting.sequence:
        raise InvitationError("proposal_closed")
    if meeting.status == MeetingStatus.CANCELLED:
        raise InvitationError(MeetingStatus.CANCELLED)


def accept_proposal(proposal: TimeProposal) -> Meeting:
    """Move the meeting to the proposed time, as saving the meeting form with those times
    does (the agenda moves with the start), and close the other open proposals: the update
    is then offered as after any change. Flushes.

    Refused, changing nothing the caller keeps (it rolls back), with :class:`InvitationError`:
    ``proposal_closed`` (answered, or made on an older version), ``cancelled``, ``proposal_past``
    (the proposed start has passed), ``proposal_clash`` (another scheduled meeting at the venue
    overlaps it), ``proposal_agenda`` (the agenda would fall outside the new time).
    """
    _require_open_proposal(proposal)
    meeting = proposal.meeting
    if proposal.starts_at <= utcnow():
        raise InvitationError("proposal_past")
    if clashing_meetings(meeting, proposal.starts_at, proposal.ends_at):
        raise InvitationError("proposal_clash")
    move_meeting(meeting, proposal.starts_at, proposal.ends_at)
    if agenda_outside(meeting):
        raise InvitationError("proposal_agenda")
    proposal.state, proposal.decided_at = ProposalState.ACCEPTED, utcnow()
    _close_open(meeting, ProposalReason.MOVED, keep=proposal)
    db.session.flush()
    # What saving the meeting form announces: receivers act on the change in this transaction.
    meeting_changed.send(meeting)
    return meeting


def decline_proposal(proposal: TimeProposal, comment: str | None = None) -> None:
    """Turn the proposal down and tell its proposer with an iTIP DECLINECOUNTER, in their
    language, at the meeting's current SEQUENCE (``comment``: the organiser's words to them).
    Flushes. Refused with :class:`InvitationError` ``proposal_closed`` or ``cancelled``."""
    _require_open_proposal(proposal)
    proposal.state, proposal.decided_at = ProposalState.DECLINED, utcnow()
    db.session.flush()
    notifications.send_decline_counter(proposal, (comment or "").strip() or None)
