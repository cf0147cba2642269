"""Minutes that get approved: versions, circulation to those present, their comments,
and the approval. No request objects here; callers commit.

The minutes of a meeting (its notes per agenda item, decisions and next meeting, kept
by ``followup.services``) are written down as versions. The newest version is a
``draft`` while the organiser edits; "circulate" freezes its content and mails it to
everyone recorded present, each with a personal link to comment; the organiser then
records the approval (a day, optionally the later meeting it was approved at, and
corrections). An edit after circulation or approval starts a new draft, which needs
circulating and approving again; the last approved version stays as it was approved.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from meetings.auth.models import User
from meetings.core.types import utcnow
from meetings.events.models import Meeting
from meetings.events.services import lock_meeting
from meetings.extensions import db
from meetings.followup import services
from meetings.followup.models import MinutesComment, MinutesReader, MinutesVersion
from meetings.followup.notifications import send_minutes_circulated
from meetings.followup.states import MinutesState
from meetings.participants.models import Participant


class MinutesError(Exception):
    """A step the minutes' state does not allow; ``code`` says which (the views word it)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


EMPTY = {"items": [], "decisions": [], "next_meeting_on": None, "next_meeting_note": None}


def snapshot(meeting: Meeting) -> dict:
    """The minutes as they stand, as plain data: what a version keeps."""
    notes = services.notes_by_item(meeting)
    titles = {item.id: item.title for item in meeting.agenda_items}
    record = services.get_record(meeting)
    return {
        "items": [{"title": item.title, "note": notes[item.id]} for item in meeting.agenda_items
                  if notes.get(item.id)],
        "decisions": [{"item": titles.get(d.agenda_item_id), "text": d.text} for d in services.decisions_of(meeting)],
        "next_meeting_on": record.next_meeting_on.isoformat() if record and record.next_meeting_on else None,
        "next_meeting_note": record.next_meeting_note if record else None,
    }


def versions(meeting: Meeting) -> list[MinutesVersion]:
    """The meeting's versions of the minutes, newest first."""
    return list(db.session.scalars(
        select(MinutesVersion).where(MinutesVersion.meeting_id == meeting.id)
        .options(selectinload(MinutesVersion.approved_by), selectinload(MinutesVersion.approved_at_meeting))
        .order_by(MinutesVersion.number.desc())
        # As the database has them now: after a lock, another request's step shows.
        .execution_options(populate_existing=True)))


def minutes_changed(meeting: Meeting) -> MinutesVersion | None:
    """Bring the versions in step with the minutes after an edit: the draft follows the
    minutes; an edit after circulation or approval starts a new draft; a draft edited back
    to the last circulated content goes away. Flushes; returns the newest version."""
    live = snapshot(meeting)
    history = versions(meeting)
    latest = history[0] if history else None
    if latest is not None and latest.state == MinutesState.DRAFT:
        shared = history[1] if len(history) > 1 else None
        if (shared.content if shared else EMPTY) == live:
            db.session.delete(latest)
            db.session.flush()
            return shared
        latest.content = live
    elif live != (latest.content if latest else EMPTY):
        latest = MinutesVersion(meeting_id=meeting.id, number=(latest.number + 1) if latest else 1,
                                state=MinutesState.DRAFT, content=live)
        db.session.add(latest)
    db.session.flush()
    return latest


@dataclass
class MinutesStatus:
    """What the organiser page says about the minutes."""

    latest: MinutesVersion | None      # the newest version, of any state
    shared: MinutesVersion | None      # the newest circulated or approved one
    approved: MinutesVersion | None    # the newest approved one

    @property
    def state(self) -> str | None:
        return self.latest.state if self.latest else None

    @property
    def unapproved_changes(self) -> bool:
        """An approved version exists, and the minutes changed since."""
        return self.approved is not None and self.latest is not self.approved


def status(meeting: Meeting) -> MinutesStatus:
    """The newest, the newest shared and the newest approved version of the minutes."""
    history = versions(meeting)
    shared = next((v for v in history if v.state != MinutesState.DRAFT), None)
    approved = next((v for v in history if v.state == MinutesState.APPROVED), None)
    return MinutesStatus(history[0] if history else None, shared, approved)


def recipients(meeting: Meeting) -> list[Participant]:
    """Those recorded present who have an email address: who the minutes go to."""
    return [p for p in services.attendees(meeting) if p.email]


def _reader_for(meeting: Meeting, participant: Participant) -> MinutesReader:
    reader = db.session.scalar(select(MinutesReader).where(MinutesReader.meeting_id == meeting.id,
                                                           MinutesReader.participant_id == participant.id))
    if reader is None:
        reader = MinutesReader(meeting_id=meeting.id, participant_id=participant.id)
        db.session.add(reader)
        db.session.flush()
    return reader


def circulate(meeting: Meeting) -> tuple[MinutesVersion, int]:
    """Freeze the draft and queue it to everyone recorded present with an address, each
    in their language with their personal comment link. Flushes; returns the version and
    how many emails were queued. Raises :class:`MinutesError`: ``no_minutes`` (nothing
    recorded), ``unchanged`` (circulated or approved as it stands), ``no_recipients``.

    Two organisers circulating at once: the meeting's row is locked first, so the second
    waits, then finds the version circulated and is refused with ``unchanged``; the minutes
    go out once."""
    lock_meeting(meeting.id)
    latest = minutes_changed(meeting)
    if latest is None:
        raise MinutesError("no_minutes")
    if latest.state != MinutesState.DRAFT:
        raise MinutesError("unchanged")
    people = recipients(meeting)
    if not people:
        raise MinutesError("no_recipients")
    latest.state = MinutesState.CIRCULATED
    latest.circulated_at = utcnow()
    db.session.flush()
    sent = 0
    for participant in people:
        if send_minutes_circulated(latest, _reader_for(meeting, participant)) is not None:
            sent += 1
    return latest, sent


def later_meetings(meeting: Meeting) -> list[Meeting]:
    """Meetings after this one, the soonest first: where its minutes can be approved."""
    return list(db.session.scalars(select(Meeting).where(Meeting.starts_at > meeting.starts_at)
                                   .order_by(Meeting.starts_at, Meeting.id)))


def approve(meeting: Meeting, approved_by: User | None, approved_on: date, at_meeting_id: int | None,
            corrections: str | None) -> MinutesVersion:
    """Record the approval of the circulated version. Flushes. Raises :class:`MinutesError`:
    ``no_minutes``, ``circulate_first`` (the newest version is a draft), ``already_approved``,
    ``before_circulation`` (the day lies before the circulation), ``not_later`` (the meeting
    named is not a later one). Locks the meeting's row first: of two approvals at once, or an
    approval racing a circulation, each sees the other's outcome."""
    lock_meeting(meeting.id)
    latest = status(meeting).latest
    if latest is None:
        raise MinutesError("no_minutes")
    if latest.state == MinutesState.APPROVED:
        raise MinutesError("already_approved")
    if latest.state == MinutesState.DRAFT:
        raise MinutesError("circulate_first")
    if approved_on < latest.circulated_at.date():
        raise MinutesError("before_circulation")
    at_meeting = None
    if at_meeting_id is not None:
        at_meeting = db.session.get(Meeting, at_meeting_id)
        if at_meeting is None or at_meeting.starts_at <= meeting.starts_at:
            raise MinutesError("not_later")
    latest.state = MinutesState.APPROVED
    latest.approved_on = approved_on
    latest.approved_by_id = approved_by.id if approved_by else None
    latest.approved_at_meeting_id = at_meeting.id if at_meeting else None
    latest.corrections = (corrections or "").strip() or None
    db.session.flush()
    return latest


# --- readers and their comments ---------------------------------------------------------

def reader_by_token(token: str) -> MinutesReader | None:
    """The reader whose comment link holds ``token``."""
    if not token or len(token) > 64:
        return None
    return db.session.scalar(select(MinutesReader).where(MinutesReader.token == token)
                             .options(selectinload(MinutesReader.participant), selectinload(MinutesReader.meeting)))


def add_comment(reader: MinutesReader, body: str) -> MinutesComment:
    """Add the reader's comment to the circulated version. Flushes. Raises
    :class:`MinutesError` ``closed`` once the minutes are approved as they stand
    (a comment can no longer change them)."""
    shared = status(reader.meeting).shared
    if shared is None:
        raise MinutesError("no_minutes")
    if shared.state == MinutesState.APPROVED:
        raise MinutesError("closed")
    comment = MinutesComment(version_id=shared.id, reader_id=reader.id, body=body.strip())
    db.session.add(comment)
    db.session.flush()
    return comment


def comments(meeting: Meeting, reader: MinutesReader | None = None) -> list[MinutesComment]:
    """Comments on the meeting's minutes (one reader's, if given), oldest first."""
    query = (select(MinutesComment).join(MinutesVersion, MinutesVersion.id == MinutesComment.version_id)
             .where(MinutesVersion.meeting_id == meeting.id)
             .options(selectinload(MinutesComment.reader).selectinload(MinutesReader.participant),
                      selectinload(MinutesComment.version))
             .order_by(MinutesComment.created_at, MinutesComment.id))
    if reader is not None:
        query = query.where(MinutesComment.reader_id == reader.id)
    return list(db.session.scalars(query))


def comment_count(meeting: Meeting) -> int:
    """How many comments the minutes received."""
    return db.session.scalar(select(func.count()).select_from(MinutesComment)
                             .join(MinutesVersion, MinutesVersion.id == MinutesComment.version_id)
                             .where(MinutesVersion.meeting_id == meeting.id)) or 0
