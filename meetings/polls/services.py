"""Finding a meeting's date: a poll of candidate slots, sent to people chosen like invitees,
answered through personal links, closed by choosing one slot, which becomes the meeting.

Every change here flushes and queues its emails in the same transaction; the view
commits once, and the outbox delivers only after that commit. Closing and cancelling
go through one conditional UPDATE of the poll's state, and every answer takes the same
row first: of two organisers choosing, or a choice and an answer, one wins whole.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, text, update
from sqlalchemy.orm import selectinload

from meetings.core.types import utcnow
from meetings.events.models import Meeting, MeetingStatus
from meetings.events.services import move_meeting
from meetings.extensions import db
from meetings.invitations import services as invitations
from meetings.network.models import Contact
from meetings.participants.models import Participant, ParticipantStatus
from meetings.participants.services import add_invitee, invite_contacts
from meetings.polls import notifications
from meetings.polls.models import Poll, PollSlot, PollVote, PollVoter
from meetings.polls.states import PollAnswer, PollState

MIN_SLOTS, MAX_SLOTS = 2, 15
# What a vote on the chosen slot becomes as the starting answer of the invitation.
STARTING_ANSWER = {PollAnswer.YES: ParticipantStatus.ACCEPTED, PollAnswer.IF_NEED_BE: ParticipantStatus.TENTATIVE,
                   PollAnswer.NO: ParticipantStatus.INVITED}
# Best first: a yes counts fully, an "if need be" a little, so ties among yeses go to fewer objections.
ANSWER_ORDER = (PollAnswer.YES, PollAnswer.IF_NEED_BE, PollAnswer.NO)


class PollError(ValueError):
    """The change cannot be made now; ``code`` says why, for the view's message."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class SlotTimes:
    starts_at: datetime
    ends_at: datetime
    all_day: bool = False


def poll_of(meeting: Meeting) -> Poll | None:
    """The meeting's poll that is open, else its latest one, or None."""
    polls = list(db.session.scalars(select(Poll).where(Poll.meeting_id == meeting.id)
                                    .order_by(Poll.id.desc())))
    return next((p for p in polls if p.state == PollState.OPEN), polls[0] if polls else None)


def can_start(meeting: Meeting) -> str | None:
    """None if a poll may be started for the meeting, else why not."""
    if meeting.status != MeetingStatus.DRAFT:
        return "not_draft"
    current = poll_of(meeting)
    if current is not None and current.state == PollState.OPEN:
        return "poll_open"
    return None


def create_poll(meeting: Meeting, slots: list[SlotTimes], people: list[Contact], *, deadline_at=None,
                note: str | None = None, show_answers: bool = False, hold_dates: bool = True) -> Poll:
    """A poll for the draft meeting with these candidate slots and people (each once). Flushes.
    Raises :class:`PollError` (``not_draft``, ``poll_open``, ``slot_count``, ``duplicate_slot``,
    ``nobody``)."""
    reason = can_start(meeting)
    if reason:
        raise PollError(reason)
    if not MIN_SLOTS <= len(slots) <= MAX_SLOTS:
        raise PollError("slot_count")
    if len({(s.starts_at, s.ends_at) for s in slots}) != len(slots):
        raise PollError("duplicate_slot")
    if not people:
        raise PollError("nobody")
    poll = Poll(meeting_id=meeting.id, state=PollState.OPEN, deadline_at=deadline_at, note=(note or "").strip() or None,
                show_answers=show_answers, hold_dates=hold_dates)
    poll.slots = [PollSlot(starts_at=s.starts_at, ends_at=s.ends_at, all_day=s.all_day, timezone=meeting.timezone)
                  for s in slots]
    seen: set[str] = set()
    for contact in people:
        email = contact.email.strip().lower()
        if email in seen:
            continue
        seen.add(email)
        poll.voters.append(PollVoter(contact_id=contact.id, name=contact.name, email=email,
                                     language=contact.language or "en"))
    db.session.add(poll)
    db.session.flush()
    return poll


def _lock_open(poll: Poll) -> None:
    """Take the poll's row until the transaction ends, and make sure it is still open.

    A no-op conditional UPDATE: on PostgreSQL it waits for a choice or an answer being
    made and then sees its outcome; on SQLite it takes the database's write lock."""
    result = db.session.execute(text("UPDATE polls SET state = state WHERE id = :id AND state = :open"),
                                {"id": poll.id, "open": PollState.OPEN.value})
    if result.rowcount != 1:
        db.session.refresh(poll)
        raise PollError(poll.state)


def send_poll(poll: Poll) -> int:
    """Queue one email per person asked, with their personal link, and (if the poll holds dates)
    one tentative calendar entry per slot per person. Returns how many people were asked."""
    _lock_open(poll)
    if poll.sent_at is not None:
        raise PollError("already_sent")
    poll.sent_at = utcnow()
    voters = list(poll.voters)
    notifications.send_requests(poll, voters)
    if poll.hold_dates:
        notifications.send_holds(poll, poll.slots, voters)
    db.session.flush()
    return len(voters)


def voter_by_token(token: str) -> PollVoter | None:
    """The person asked whose personal link holds ``token``, with poll, slots and votes loaded."""
    if not token or len(token) > 64:
        return None
    return db.session.scalars(select(PollVoter).where(PollVoter.token == token)
                              .options(selectinload(PollVoter.votes),
                                       selectinload(PollVoter.poll).selectinload(Poll.slots))).first()


def invitation_of(voter: PollVoter) -> Participant | None:
    """The person's invitation to the meeting once a date was chosen, or None."""
    return db.session.get(Participant, voter.participant_id) if voter.participant_id else None


def answers_of(voter: PollVoter) -> dict[int, str]:
    return {vote.slot_id: vote.answer for vote in voter.votes}


def vote(voter: PollVoter, answers: dict[int, str], comment: str | None) -> None:
    """Record (or change) a person's answers, one per slot, and their comment. Flushes.
    Refused with :class:`PollError` when the poll is no longer open (``closed``,
    ``cancelled``) or an answer is missing or not one of the three."""
    poll = voter.poll
    slot_ids = {slot.id for slot in poll.slots}
    if set(answers) != slot_ids or any(a not in tuple(PollAnswer) for a in answers.values()):
        raise PollError("bad_answer")
    _lock_open(poll)
    current = {vote.slot_id: vote for vote in voter.votes}
    for slot_id, answer in answers.items():
        if slot_id in current:
            current[slot_id].answer = answer
        else:
            voter.votes.append(PollVote(slot_id=slot_id, answer=answer))
    voter.comment = (comment or "").strip() or None
    voter.responded_at = utcnow()
    db.session.flush()


@dataclass
class SlotResult:
    slot: PollSlot
    counts: Counter

    @property
    def score(self) -> tuple:
        return (self.counts[PollAnswer.YES] + self.counts[PollAnswer.IF_NEED_BE],
                self.counts[PollAnswer.YES], -self.counts[PollAnswer.NO])


def results(poll: Poll) -> list[SlotResult]:
    """Each slot with its counts, the best first (most who can come, then most yeses,
    then fewest noes; equal ones in time order)."""
    counts = {slot.id: Counter() for slot in poll.slots}
    rows = db.session.execute(select(PollVote.slot_id, PollVote.answer)
                              .join(PollVoter, PollVoter.id == PollVote.voter_id)
                              .where(PollVoter.poll_id == poll.id))
    for slot_id, answer in rows:
        counts[slot_id][answer] += 1
    found = [SlotResult(slot, counts[slot.id]) for slot in poll.slots]
    return sorted(found, key=lambda r: tuple(-n for n in r.score))


def matrix(poll: Poll) -> list[tuple[PollVoter, dict[int, str]]]:
    """Every person asked with their answers per slot id (none: not answered), by name."""
    voters = db.session.scalars(select(PollVoter).where(PollVoter.poll_id == poll.id)
                                .options(selectinload(PollVoter.votes)).order_by(PollVoter.name, PollVoter.id))
    return [(v, answers_of(v)) for v in voters]


def not_answered(poll: Poll) -> list[PollVoter]:
    return [v for v in poll.voters if v.responded_at is None]


def remind(poll: Poll) -> int:
    """Remind those who have not answered, and only them (at most once a day each); returns how many."""
    _lock_open(poll)
    if poll.sent_at is None:
        raise PollError("not_sent")
    now = utcnow()
    due = [v for v in not_answered(poll)
           if v.last_reminded_at is None or v.last_reminded_at.date() != now.date()]
    for voter in due:
        voter.last_reminded_at = now
    notifications.send_reminders(poll, due, now.date().isoformat())
    db.session.flush()
    return len(due)


def _close(poll: Poll, state: PollState, chosen: PollSlot | None = None) -> None:
    """The one conditional UPDATE that ends a poll: only one of two people ending it at once wins."""
    result = db.session.execute(
        update(Poll).where(Poll.id == poll.id, Poll.state == PollState.OPEN)
        .values(state=state, chosen_slot_id=chosen.id if chosen else None, closed_at=utcnow())
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.refresh(poll)
        raise PollError(poll.state)
    db.session.refresh(poll)


def choose(poll: Poll, slot: PollSlot) -> int:
    """Close the poll on ``slot``: the meeting gets its date and status scheduled, the people
    asked become its invitees with their vote as the starting answer (yes: accepted, if need
    be: tentative, no: not answered yet), and their invitations go out. Every losing hold is
    cancelled (same UID, SEQUENCE + 1); the winning hold becomes the meeting (its UID,
    SEQUENCE + 1, confirmed). Returns how many were invited. Raises :class:`PollError`
    (``closed``, ``cancelled``, ``not_sent``, ``bad_slot``) changing nothing."""
    if slot.poll_id != poll.id:
        raise PollError("bad_slot")
    if poll.sent_at is None:
        raise PollError("not_sent")
    _close(poll, PollState.CLOSED, slot)
    meeting = poll.meeting
    voters = matrix(poll)
    losing = [s for s in poll.slots if s.id != slot.id]
    if poll.hold_dates:
        for other in losing:
            other.sequence += 1
        notifications.send_hold_cancels(poll, losing, [v for v, _answers in voters])
    # The winning hold becomes the meeting: its UID, and a SEQUENCE above the hold's.
    meeting.uid = slot.uid
    meeting.sequence = slot.sequence + 1
    meeting.timezone = slot.timezone
    move_meeting(meeting, slot.starts_at, slot.ends_at)
    meeting.all_day = slot.all_day
    meeting.status = MeetingStatus.SCHEDULED
    db.session.flush()
    by_contact = {c.id: c for c in db.session.scalars(
        select(Contact).where(Contact.id.in_([v.contact_id for v, _a in voters if v.contact_id])))}
    invite_contacts(meeting, [by_contact[v.contact_id] for v, _a in voters if v.contact_id in by_contact])
    listed = {p.email.lower(): p for p in invitations.invitees(meeting) if p.email}
    starting: list[tuple[Participant, str, PollVoter]] = []
    for voter, answers in voters:
        participant = listed.get(voter.email) or add_invitee(meeting, voter.name, voter.email, voter.language)
        voter.participant_id = participant.id
        if participant.invited_at is None and answers.get(slot.id) is not None:
            starting.append((participant, answers[slot.id], voter))
    db.session.flush()
    count = invitations.send_invitations(meeting, from_poll=True)
    # The answers are set once the invitations are queued (they go to those not yet
    # answering); each letter is written at delivery with the person's answer in it.
    for participant, answer, voter in starting:
        participant.status = STARTING_ANSWER[answer]
        participant.responded_at = voter.responded_at if answer != PollAnswer.NO else None
    db.session.flush()
    return count


def cancel(poll: Poll, note: str | None = None) -> int:
    """Call the poll off: everyone asked is told (if it was sent), and every hold is removed
    (CANCEL, same UID, SEQUENCE + 1). The meeting stays a draft. Returns how many are told."""
    _close(poll, PollState.CANCELLED)
    if poll.sent_at is None:
        return 0
    voters = list(poll.voters)
    if poll.hold_dates:
        for slot in poll.slots:
            slot.sequence += 1
        notifications.send_hold_cancels(poll, poll.slots, voters)
    notifications.send_cancellations(poll, voters, (note or "").strip() or None)
    db.session.flush()
    return len(voters)


def open_holds_for(contact_id: int) -> list[tuple[Poll, PollSlot, PollVoter]]:
    """The holds a contact's calendar has while their polls are open (for their personal feed)."""
    rows = db.session.execute(
        select(Poll, PollSlot, PollVoter)
        .join(PollSlot, PollSlot.poll_id == Poll.id).join(PollVoter, PollVoter.poll_id == Poll.id)
        .where(PollVoter.contact_id == contact_id, Poll.state == PollState.OPEN, Poll.hold_dates.is_(True),
               Poll.sent_at.is_not(None))
        .order_by(PollSlot.starts_at))
    return [tuple(row) for row in rows]
