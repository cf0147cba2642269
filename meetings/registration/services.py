"""Public registration: double opt-in, seats, the waiting list, questions, export and erasure.

Seats are handed out only while the meeting's row is locked (``lock_meeting``):
``SELECT ... FOR NO KEY UPDATE`` on PostgreSQL, a write lock on SQLite. Every
change of who holds a seat (confirm, cancel, promote, give a seat, add by hand)
takes that lock first, then counts, then assigns, so concurrent requests are
served one after the other and can neither overbook nor hand out the same
waiting-list number twice. Inserting a pending registration needs no lock: the
unique (meeting, email) constraint settles two identical submissions.

Every function flushes and never commits; emails are queued in the same
transaction and leave only after the caller's commit.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from meetings.core.names import name_key
from meetings.core.spreadsheets import local_moment
from meetings.core.types import utcnow
from meetings.events.models import Meeting, MeetingStatus
from meetings.events.services import lock_meeting
from meetings.extensions import db
from meetings.mail.outbox import erase_for_participant
from meetings.network.models import Organisation
from meetings.participants.models import Participant, ParticipantKind, ParticipantStatus, new_token
from meetings.participants.services import SentBy, participant_by_token
from meetings.registration import notifications
from meetings.registration.models import CHOICE_KINDS, QUESTION_KINDS, RegistrationAnswer, RegistrationQuestion

# Who holds a seat: confirmed registrants and invitees who accepted share the capacity.
SEATED = (ParticipantStatus.REGISTERED, ParticipantStatus.ACCEPTED)
# Registrations that still count as one (a cancelled one may register again).
ACTIVE = (ParticipantStatus.PENDING, ParticipantStatus.REGISTERED, ParticipantStatus.WAITING)
FILTER_STATUSES = tuple(ParticipantStatus)
FILTER_KINDS = tuple(ParticipantKind)


class RegistrationError(ValueError):
    """The registration cannot be made or changed now; ``code`` says why, for the page shown."""

    def __init__(self, code: str, participant: Participant | None = None):
        super().__init__(code)
        self.code = code
        self.participant = participant


@dataclass
class RegistrationData:
    """What a person (or an organiser for them) typed into the registration form."""

    name: str
    email: str
    organisation: str | None = None
    country: str | None = None
    language: str = "en"
    dietary: str | None = None
    accessibility: str | None = None
    # question id -> text, or list of texts for several choices
    answers: dict[int, str | list[str]] = field(default_factory=dict)


# --- the meeting's state -------------------------------------------------------------

def seats_taken(meeting_id: int) -> int:
    """How many people hold a seat: confirmed registrants plus invitees who accepted."""
    return db.session.scalar(select(func.count()).select_from(Participant)
                             .where(Participant.meeting_id == meeting_id, Participant.status.in_(SEATED))) or 0


def waiting_count(meeting_id: int) -> int:
    """How many confirmed registrants wait for a seat."""
    return db.session.scalar(select(func.count()).select_from(Participant)
                             .where(Participant.meeting_id == meeting_id,
                                    Participant.status == ParticipantStatus.WAITING)) or 0


def free_places(meeting: Meeting) -> int | None:
    """Seats left (never negative), or None when the meeting has no capacity limit."""
    if meeting.capacity is None:
        return None
    return max(0, meeting.capacity - seats_taken(meeting.id))


def window_state(meeting: Meeting, now: datetime | None = None) -> str:
    """``open``, or why registration is not: not_public, cancelled, over, not_yet, closed."""
    now = now or utcnow()
    if meeting.visibility != "public" or meeting.status == MeetingStatus.DRAFT:
        return "not_public"
    if meeting.status == MeetingStatus.CANCELLED:
        return MeetingStatus.CANCELLED
    if meeting.status != MeetingStatus.SCHEDULED or meeting.starts_at <= now:
        return "over"
    if meeting.registration_opens_at is not None and now < meeting.registration_opens_at:
        return "not_yet"
    if meeting.registration_closes_at is not None and now >= meeting.registration_closes_at:
        return "closed"
    return "open"


def registration_state(meeting: Meeting, now: datetime | None = None) -> str:
    """``open``, or ``full`` (no seat and no waiting list), or the window's reason."""
    state = window_state(meeting, now)
    if state == "open" and not meeting.waitlist_enabled and free_places(meeting) == 0:
        return "full"
    return state


# --- finding people ------------------------------------------------------------------

def registrant_by_token(token: str) -> Participant | None:
    """The registrant holding this personal token, with the meeting loaded; None if unknown."""
    return participant_by_token(token, ParticipantKind.REGISTRANT)


def participant_by_email(meeting: Meeting, email: str) -> Participant | None:
    """The meeting's participant with this email address, in any case, if any."""
    return db.session.scalar(select(Participant).where(Participant.meeting_id == meeting.id,
                                                       func.lower(Participant.email) == email.strip().lower()))


def match_organisation(name: str | None) -> Organisation | None:
    """The known organisation with this name or short name (any case), if there is one."""
    if not name or not name.strip():
        return None
    wanted = name.strip().lower()
    return db.session.scalar(select(Organisation).where(
        (Organisation.name_key == name_key(name)) | (func.lower(Organisation.short_name) == wanted))
        .order_by(Organisation.id).limit(1))


def known_organisations() -> list[str]:
    """Names of the partner organisations shown publicly, offered as suggestions in the form."""
    return list(db.session.scalars(select(Organisation.name).where(Organisation.is_public.is_(True))
                                   .order_by(Organisation.name)))


# --- questions -----------------------------------------------------------------------

def questions_for(meeting_id: int) -> list[RegistrationQuestion]:
    """The meeting's own questions in the order the form shows them."""
    return list(db.session.scalars(select(RegistrationQuestion).where(RegistrationQuestion.meeting_id == meeting_id)
                                   .order_by(RegistrationQuestion.position, RegistrationQuestion.id)))


def save_question(meeting: Meeting, question: RegistrationQuestion | None, *, label: str, kind: str,
                  choices: str | None, required: bool) -> RegistrationQuestion:
    """Add a question at the end (``question`` None) or change one. Flushes."""
    if kind not in QUESTION_KINDS:
        raise RegistrationError("bad_kind")
    if question is None:
        last = db.session.scalar(select(func.max(RegistrationQuestion.position))
                                 .where(RegistrationQuestion.meeting_id == meeting.id))
        question = RegistrationQuestion(meeting_id=meeting.id, position=(last or 0) + 1)
        db.session.add(question)
    question.label = label
    question.kind = kind
    lines = [line.strip() for line in (choices or "").splitlines() if line.strip()]
    question.choices = "\n".join(lines) if kind in CHOICE_KINDS else None
    question.required = required
    db.session.flush()
    return question


def delete_question(question: RegistrationQuestion) -> None:
    """Remove a question and every answer given to it. Flushes."""
    db.session.delete(question)
    db.session.flush()
    _renumber_questions(question.meeting_id)


def move_question(question: RegistrationQuestion, direction: str) -> bool:
    """Swap the question with its neighbour ``up`` or ``down``; False at either end. Flushes."""
    questions = questions_for(question.meeting_id)
    index = questions.index(question)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(questions):
        return False
    questions[index], questions[other] = questions[other], questions[index]
    for position, item in enumerate(questions, start=1):
        item.position = position
    db.session.flush()
    return True


def _renumber_questions(meeting_id: int) -> None:
    for position, item in enumerate(questions_for(meeting_id), start=1):
        item.position = position
    db.session.flush()


def answers_for(participant_ids) -> dict[int, dict[int, str]]:
    """Answers by participant id, then question id (several choices one per line). One query."""
    ids = list(participant_ids)
    result: dict[int, dict[int, str]] = {}
    if not ids:
        return result
    rows = db.session.scalars(select(RegistrationAnswer).where(RegistrationAnswer.participant_id.in_(ids)))
    for answer in rows:
        result.setdefault(answer.participant_id, {})[answer.question_id] = answer.value
    return result


def save_answers(participant: Participant, answers: dict[int, str | list[str]], *, fresh: bool = False) -> None:
    """Replace the person's answers with ``answers`` (empty ones are not stored); ``fresh``
    says the person has none yet, which spares a query. Answers to questions of another
    meeting are ignored. Flushes."""
    if fresh and not answers:
        return
    known = {q.id for q in questions_for(participant.meeting_id)}
    existing = {} if fresh else {a.question_id: a for a in db.session.scalars(
        select(RegistrationAnswer).where(RegistrationAnswer.participant_id == participant.id))}
    for question_id in known:
        value = answers.get(question_id)
        if isinstance(value, (list, tuple)):
            value = "\n".join(v for v in value if v)
        value = (value or "").strip()
        current = existing.get(question_id)
        if not value:
            if current is not None:
                db.session.delete(current)
        elif current is None:
            db.session.add(RegistrationAnswer(participant_id=participant.id, question_id=question_id, value=value))
        else:
            current.value = value
    db.session.flush()


# --- the public's side ---------------------------------------------------------------

def _apply(participant: Participant, data: RegistrationData) -> None:
    organisation = match_organisation(data.organisation)
    participant.name = data.name
    participant.organisation_id = organisation.id if organisation else None
    participant.organisation_name = organisation.name if organisation else (data.organisation or None)
    participant.country = data.country or (organisation.country if organisation else None)
    participant.language = data.language or "en"
    participant.dietary = data.dietary or None
    participant.accessibility = data.accessibility or None


def _take_up_again(existing: Participant) -> bool:
    """Claim a cancelled registration for a new one; False if another request claimed it first.

    A conditional UPDATE: a concurrent one waits for this row (PostgreSQL) or for the
    write lock (SQLite) and then finds the status changed, so only one request wins.
    """
    result = db.session.execute(update(Participant)
                                .where(Participant.id == existing.id, Participant.status == ParticipantStatus.CANCELLED)
                                .values(status=ParticipantStatus.PENDING).execution_options(synchronize_session=False))
    return result.rowcount == 1


def _claim_address(meeting: Meeting, email: str) -> tuple[Participant, bool]:
    """A new registrant row for ``email``, or the person's cancelled registration taken up
    again; (participant, is_new). ``already`` if the address is taken. A new row is not
    yet in the session: the caller adds it just before its flush, so that no query in
    between flushes it early, outside the caller's handling of a concurrent duplicate."""
    existing = participant_by_email(meeting, email)
    if existing is None:
        return Participant(meeting_id=meeting.id, kind=ParticipantKind.REGISTRANT, email=email), True
    if (existing.kind == ParticipantKind.REGISTRANT and existing.status == ParticipantStatus.CANCELLED
            and _take_up_again(existing)):
        return existing, False
    raise RegistrationError("already", existing)


def _store(participant: Participant, data: RegistrationData, fresh: bool) -> None:
    db.session.add(participant)
    try:
        db.session.flush()
    except IntegrityError:
        # The same address submitted at the same moment: the other request won. No
        # savepoint here: on SQLite releasing one would commit the caller's transaction.
        raise RegistrationError("already") from None
    save_answers(participant, data.answers, fresh=fresh)


def register(meeting: Meeting, data: RegistrationData) -> Participant:
    """Record a pending registration (it holds no seat) and queue the confirmation email. Flushes.

    Raises :class:`RegistrationError` with the reason when registration is not open
    (``not_public``, ``cancelled``, ``over``, ``not_yet``, ``closed``, ``full``) or the
    email is already on the meeting's list (``already``). A cancelled registration of
    the same address is taken up again. Two identical submissions at the same moment
    are settled by the unique (meeting, email) constraint: the loser's flush raises
    and becomes ``already``; the caller must then roll back.
    """
    state = registration_state(meeting)
    if state != "open":
        raise RegistrationError(state)
    email = data.email.strip().lower()
    participant, fresh = _claim_address(meeting, email)
    now = utcnow()
    participant.meeting = meeting
    participant.status = ParticipantStatus.PENDING
    participant.token = new_token()
    participant.waitlist_position = None
    participant.confirmed_at = None
    participant.cancelled_at = None
    participant.responded_at = None
    participant.consented_at = now
    participant.created_at = now
    _apply(participant, data)
    _store(participant, data, fresh)
    notifications.send_confirmation_request(participant)
    return participant


def register_or_tell(meeting: Meeting, data: RegistrationData) -> Participant:
    """What the public form does: ``register``, or, if the address is on the meeting's list
    already, change nothing and email its owner their personal link (``tell_already_on_list``),
    so that the form answers the same whether or not the address was known. Flushes.

    Raises :class:`RegistrationError` when registration is not open, and ``already``
    (without a participant) when the same address was submitted at the same moment:
    the caller then rolls back and tells the owner once the other request's row is there.
    """
    try:
        return register(meeting, data)
    except RegistrationError as exc:
        if exc.code != "already" or exc.participant is None:
            raise
        known = exc.participant
    tell_already_on_list(known)
    return known


def tell_already_on_list(participant: Participant, *, asked_by: SentBy | None = None) -> None:
    """Email the owner of an address already on the meeting's list that it is, with their
    personal link; ``asked_by`` is the invitee who proposed them as a colleague, with their
    message. Flushes."""
    if participant.email:
        notifications.send_already_on_list(participant, asked_by=asked_by)


def resend_link(meeting: Meeting, email: str) -> bool:
    """Email the person their personal link again (confirmation link while pending). Flushes.

    Returns whether someone with that address is on the list; the caller says the
    same either way, so the page reveals nothing about other people.
    """
    participant = participant_by_email(meeting, email)
    if participant is None or participant.email is None:
        return False
    if participant.kind == ParticipantKind.REGISTRANT and participant.status == ParticipantStatus.CANCELLED:
        return False
    notifications.send_link(participant)
    return True


def _allocate(meeting: Meeting, participant: Participant) -> str:
    """Give a seat, else the next waiting-list number; the meeting must be locked."""
    if meeting.capacity is None or seats_taken(meeting.id) < meeting.capacity:
        participant.status = ParticipantStatus.REGISTERED
        participant.waitlist_position = None
        return ParticipantStatus.REGISTERED
    if not meeting.waitlist_enabled:
        return "full"
    last = db.session.scalar(select(func.max(Participant.waitlist_position))
                             .where(Participant.meeting_id == meeting.id,
                                    Participant.status == ParticipantStatus.WAITING))
    participant.status = ParticipantStatus.WAITING
    participant.waitlist_position = (last or 0) + 1
    return ParticipantStatus.WAITING


def confirm_blocked(meeting: Meeting) -> str | None:
    """Why a pending registration can no longer be confirmed (``cancelled``, ``over``), or None.

    A registration made while the window was open may be confirmed after it closes.
    """
    if meeting.status == MeetingStatus.CANCELLED:
        return MeetingStatus.CANCELLED
    if meeting.status != MeetingStatus.SCHEDULED or meeting.starts_at <= utcnow():
        return "over"
    return None


def confirm(participant: Participant) -> str:
    """Confirm a pending registration: ``registered`` (a seat), ``waiting`` (a numbered place),
    or ``full`` (no seat and no waiting list: the registration is cancelled).

    A registration already confirmed gives its current status and changes nothing.
    Raises ``RegistrationError`` (``cancelled``, ``over``, ``withdrawn``) when the
    meeting or the registration is cancelled, or the meeting has begun. Flushes.
    """
    meeting = lock_meeting(participant.meeting_id)
    db.session.refresh(participant)
    if participant.status in (ParticipantStatus.REGISTERED, ParticipantStatus.WAITING):
        return participant.status
    if participant.status != ParticipantStatus.PENDING:
        raise RegistrationError("withdrawn")
    reason = confirm_blocked(meeting)
    if reason:
        raise RegistrationError(reason)
    outcome = _allocate(meeting, participant)
    now = utcnow()
    if outcome == "full":
        participant.status = ParticipantStatus.CANCELLED
        participant.cancelled_at = now
        db.session.flush()
        return outcome
    participant.confirmed_at = now
    participant.responded_at = now
    _raise_sequence_if_needed(meeting, participant)
    db.session.flush()
    notifications.send_confirmed(participant)
    return outcome


def _raise_sequence_if_needed(meeting: Meeting, participant: Participant) -> None:
    # Someone registering again after a cancellation holds a CANCEL at the current
    # SEQUENCE; a new REQUEST must rise above it or calendars ignore it (RFC 5546).
    if (participant.status == ParticipantStatus.REGISTERED and participant.sent_sequence is not None
            and participant.sent_sequence >= meeting.sequence):
        meeting.sequence = participant.sent_sequence + 1


def _leave_waiting_list(participant: Participant) -> None:
    position = participant.waitlist_position
    participant.waitlist_position = None
    db.session.flush()
    if position is not None:
        db.session.execute(update(Participant)
                           .where(Participant.meeting_id == participant.meeting_id,
                                  Participant.status == ParticipantStatus.WAITING,
                                  Participant.waitlist_position > position)
                           .values(waitlist_position=Participant.waitlist_position - 1)
                           .execution_options(synchronize_session="fetch"))


def fill_free_seats(meeting: Meeting) -> list[Participant]:
    """Move people up from the waiting list, first come first, while seats are free.

    Each is told by email with the calendar invitation. The meeting must be locked
    (``lock_meeting``); returns those moved up. Flushes.
    """
    promoted: list[Participant] = []
    if meeting.status != MeetingStatus.SCHEDULED or meeting.starts_at <= utcnow():
        return promoted
    while meeting.capacity is None or seats_taken(meeting.id) < meeting.capacity:
        first = db.session.scalar(select(Participant)
                                  .where(Participant.meeting_id == meeting.id,
                                         Participant.status == ParticipantStatus.WAITING)
                                  .order_by(Participant.waitlist_position, Participant.id).limit(1))
        if first is None:
            break
        first.status = ParticipantStatus.REGISTERED
        _leave_waiting_list(first)
        _raise_sequence_if_needed(meeting, first)
        db.session.flush()
        notifications.send_promoted(first)
        promoted.append(first)
    return promoted


def cancel(participant: Participant, *, notify: bool = True) -> list[Participant]:
    """Cancel a registration (pending, registered or waiting): the seat or waiting place is
    freed, the first people waiting move up at once. Returns those moved up. Flushes.

    A confirmed person gets an iTIP CANCEL so the entry leaves their calendar.
    """
    meeting = lock_meeting(participant.meeting_id)
    db.session.refresh(participant)
    if participant.status not in ACTIVE:
        raise RegistrationError("withdrawn")
    was = participant.status
    participant.status = ParticipantStatus.CANCELLED
    participant.cancelled_at = utcnow()
    participant.responded_at = participant.cancelled_at
    if was == ParticipantStatus.WAITING:
        _leave_waiting_list(participant)
    db.session.flush()
    if notify and was in (ParticipantStatus.REGISTERED, ParticipantStatus.WAITING) and participant.email:
        # Only a calendar that was sent the meeting gets a CANCEL: someone waiting (or
        # added without an email) never had the entry, and is told without one.
        with_calendar = was == ParticipantStatus.REGISTERED and participant.sent_sequence is not None
        if with_calendar:
            # The CANCEL must outrank the REQUEST the person's calendar holds.
            meeting.sequence += 1
        notifications.send_cancelled(participant, with_calendar=with_calendar)
    return fill_free_seats(meeting)


def update_registration(participant: Participant, data: RegistrationData) -> None:
    """Change a person's details and answers (the email address stays). Flushes."""
    if participant.status not in ACTIVE:
        raise RegistrationError("withdrawn")
    _apply(participant, data)
    db.session.flush()
    save_answers(participant, data.answers)


# --- the organiser's side ------------------------------------------------------------

def add_manually(meeting: Meeting, data: RegistrationData, *, notify: bool) -> tuple[Participant, str]:
    """Add a registrant already confirmed: a seat if free, else the waiting list.

    Raises ``RegistrationError`` ``already`` (address on the list) or ``full`` (no seat
    and no waiting list). Returns the participant and ``registered`` or ``waiting``.
    Flushes; after ``already`` from a concurrent insert the caller must roll back.
    """
    email = data.email.strip().lower()
    meeting = lock_meeting(meeting.id)
    participant, fresh = _claim_address(meeting, email)
    participant.meeting = meeting
    _apply(participant, data)
    outcome = _allocate(meeting, participant)
    if outcome == "full":
        raise RegistrationError("full")
    now = utcnow()
    participant.token = new_token()
    participant.confirmed_at = now
    participant.responded_at = now
    participant.cancelled_at = None
    _store(participant, data, fresh)
    if notify:
        _raise_sequence_if_needed(meeting, participant)
        notifications.send_confirmed(participant)
    return participant, outcome


def give_seat(participant: Participant) -> None:
    """Move a waiting person into a free seat now. Raises ``RegistrationError`` ``full``
    when no seat is free (capacity is never exceeded) or ``not_waiting``. Flushes."""
    meeting = lock_meeting(participant.meeting_id)
    db.session.refresh(participant)
    if participant.status != ParticipantStatus.WAITING:
        raise RegistrationError("not_waiting")
    if meeting.capacity is not None and seats_taken(meeting.id) >= meeting.capacity:
        raise RegistrationError("full")
    participant.status = ParticipantStatus.REGISTERED
    _leave_waiting_list(participant)
    _raise_sequence_if_needed(meeting, participant)
    db.session.flush()
    notifications.send_promoted(participant)


def move_up(participant: Participant) -> bool:
    """Swap a waiting person with the one just before them; False if already first. Flushes."""
    lock_meeting(participant.meeting_id)
    db.session.refresh(participant)
    if (participant.status != ParticipantStatus.WAITING or not participant.waitlist_position
            or participant.waitlist_position <= 1):
        return False
    before = db.session.scalar(select(Participant).where(
        Participant.meeting_id == participant.meeting_id, Participant.status == ParticipantStatus.WAITING,
        Participant.waitlist_position == participant.waitlist_position - 1))
    if before is None:
        return False
    before.waitlist_position, participant.waitlist_position = participant.waitlist_position, before.waitlist_position
    db.session.flush()
    return True


def after_seat_freed(meeting: Meeting) -> list[Participant]:
    """Lock the meeting and fill seats freed elsewhere (a capacity raised, an invitee removed)."""
    return fill_free_seats(lock_meeting(meeting.id))


def capacity_problem(meeting: Meeting, capacity: int | None) -> int | None:
    """The number of seats taken if ``capacity`` is below it, else None (the meeting is locked)."""
    if capacity is None or meeting.id is None:
        return None
    lock_meeting(meeting.id)
    taken = seats_taken(meeting.id)
    return taken if capacity < taken else None


def set_waitlist(meeting: Meeting, enabled: bool) -> None:
    """Turn the waiting list on or off; people already waiting keep their places. Flushes."""
    meeting.waitlist_enabled = enabled
    db.session.flush()


def erase(participant: Participant) -> list[Participant]:
    """Erase a person's data from a meeting's list on request: name, address, organisation,
    needs, answers and the emails kept about them are removed, the link stops working;
    kind, status and country stay, so the counts per status and country still add up.

    Someone who still holds a seat or waiting place for a meeting to come is taken off
    first (without an email), so the seat moves on. Returns those moved up. Flushes.
    """
    meeting = lock_meeting(participant.meeting_id)
    db.session.refresh(participant)
    promoted: list[Participant] = []
    if participant.status in (ParticipantStatus.PENDING, ParticipantStatus.REGISTERED, ParticipantStatus.WAITING,
                              ParticipantStatus.INVITED, ParticipantStatus.ACCEPTED, ParticipantStatus.TENTATIVE) \
            and meeting.ends_at > utcnow():
        if participant.status == ParticipantStatus.WAITING:
            _leave_waiting_list(participant)
        participant.status = ParticipantStatus.CANCELLED
        participant.cancelled_at = utcnow()
        db.session.flush()
        promoted = fill_free_seats(meeting)
    participant.name = None
    participant.email = None
    participant.contact_id = None
    participant.organisation_id = None
    participant.organisation_name = None
    participant.dietary = None
    participant.accessibility = None
    participant.comment = None
    participant.waitlist_position = None
    participant.token = new_token()
    participant.erased_at = utcnow()
    db.session.execute(delete(RegistrationAnswer).where(RegistrationAnswer.participant_id == participant.id))
    # The outbox keeps each email's address, name and text: they go too. A message being
    # sent at this very moment is left to finish.
    erase_for_participant(participant.id)
    db.session.flush()
    return promoted


def remove(participant: Participant) -> list[Participant]:
    """Take a registrant off the list (they are told); returns those moved up. Flushes."""
    if participant.kind == ParticipantKind.REGISTRANT:
        return cancel(participant)
    raise RegistrationError("not_registrant")


@dataclass
class ParticipantFilter:
    status: str | None = None
    kind: str | None = None
    organisation: str | None = None


def list_participants(meeting: Meeting, filters: ParticipantFilter | None = None) -> list[Participant]:
    """Invitees and registrants together: seated first, then waiting in order, then the rest by name."""
    filters = filters or ParticipantFilter()
    query = (select(Participant).where(Participant.meeting_id == meeting.id)
             .options(selectinload(Participant.organisation)))
    if filters.status:
        query = query.where(Participant.status == filters.status)
    if filters.kind:
        query = query.where(Participant.kind == filters.kind)
    if filters.organisation:
        query = query.outerjoin(Participant.organisation).where(
            func.lower(func.coalesce(Organisation.name, Participant.organisation_name, ""))
            .contains(filters.organisation.lower(), autoescape=True))
    people = list(db.session.scalars(query))
    order = {status: i for i, status in enumerate((
        ParticipantStatus.REGISTERED, ParticipantStatus.ACCEPTED, ParticipantStatus.WAITING, ParticipantStatus.PENDING,
        ParticipantStatus.TENTATIVE, ParticipantStatus.INVITED, ParticipantStatus.DECLINED, ParticipantStatus.DELEGATED,
        ParticipantStatus.CANCELLED))}
    people.sort(key=lambda p: (order.get(p.status, 99), p.waitlist_position or 0, (p.name or "").lower(), p.id))
    return people


def status_counts(meeting: Meeting) -> dict[str, int]:
    """How many participants have each status (every status present)."""
    counts = dict.fromkeys(FILTER_STATUSES, 0)
    rows = db.session.execute(select(Participant.status, func.count()).where(Participant.meeting_id == meeting.id)
                              .group_by(Participant.status))
    counts.update({status: count for status, count in rows})
    return counts


def export_rows(meeting: Meeting, status_label, kind_label) -> tuple[list[RegistrationQuestion], list[list]]:
    """Everyone on the meeting's list for a spreadsheet: the meeting's questions, and one row per
    person in the list's order (name, email, organisation, country, language, kind, status,
    waiting-list number, dietary and accessibility needs, when added, when confirmed or
    answered, in the meeting's time zone, then one answer per question). Three queries."""
    questions = questions_for(meeting.id)
    people = list_participants(meeting)
    answers = answers_for(p.id for p in people)
    rows = []
    for person in people:
        given = answers.get(person.id, {})
        row = [person.name, person.email, person.organisation_label or None, person.country, person.language,
               kind_label(person.kind), status_label(person.status), person.waitlist_position, person.dietary,
               person.accessibility, local_moment(person.created_at, meeting.timezone),
               local_moment(person.responded_at, meeting.timezone)]
        rows.append(row + [given.get(q.id) for q in questions])
    return questions, rows
