"""A contact's personal feed: the meetings they are invited to or registered for, with their own answer.

The feed address holds a secret token (``Contact.feed_token``), made on first
need and revocable; anyone holding the address sees the feed, so the token is
256 bits from ``secrets`` and a revoked one is simply gone. No request objects here.
"""
from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import contains_eager

from meetings.calendar.builder import FORMAT_VERSION
from meetings.calendar.feeds import _digest, forget_marks, mark_columns, settings_digest, settle_mark, window_end
from meetings.calendar.versions import version_token
from meetings.core.routing import absolute_url
from meetings.core.types import utcnow
from meetings.events.models import Meeting, MeetingStatus
from meetings.extensions import db
from meetings.network.models import Contact
from meetings.participants.models import Participant, ParticipantKind, ParticipantStatus

# What secrets.token_urlsafe(32) makes (43 characters); anything else never reaches the database.
FEED_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{32,64}")
# Participant rows that put a meeting in the contact's calendar.
IN_FEED_STATUSES = (ParticipantStatus.INVITED, ParticipantStatus.ACCEPTED, ParticipantStatus.TENTATIVE,
                    ParticipantStatus.REGISTERED, ParticipantStatus.WAITING)
# The reminder choices offered on the answer page, in minutes (None: no alarm).
ALARM_CHOICES = (15, 60, 1440)
# Statuses as small numbers, so one aggregate can notice an answer that changed
# without anything else changing (e.g. an organiser moving someone up the waiting list).
_STATUS_CODE = {status: number for number, status in enumerate(IN_FEED_STATUSES, 1)}


def answer_line(participant: Participant) -> str:
    """The first line of an event in a personal feed: the reader's own answer, in the current
    locale; for a cancelled meeting, that it is cancelled (there is nothing left to answer)."""
    if participant.meeting.status == MeetingStatus.CANCELLED:
        return _("This meeting is cancelled.")
    lines = {
        ParticipantStatus.INVITED: lambda: _("Your answer: not given yet"),
        ParticipantStatus.ACCEPTED: lambda: _("Your answer: accepted"),
        ParticipantStatus.TENTATIVE: lambda: _("Your answer: tentative"),
        ParticipantStatus.REGISTERED: lambda: _("Your registration: confirmed"),
        ParticipantStatus.WAITING: lambda: _("Your registration: on the waiting list"),
    }
    return lines.get(participant.status, lines[ParticipantStatus.INVITED])()


def new_feed_token() -> str:
    """An unguessable feed token (256 bits)."""
    return secrets.token_urlsafe(32)


def ensure_feed_token(contact: Contact) -> str | None:
    """The contact's feed token, made now (and flushed) on first need; None if the feed
    was switched off (only an explicit ``renew_feed_token`` turns it back on)."""
    ensure_feed_tokens([contact])
    return contact.feed_token


def ensure_feed_tokens(contacts: Iterable[Contact]) -> dict[int, str]:
    """The feed addresses of many contacts by contact id, their tokens made as
    :func:`ensure_feed_token` makes them, in one flush; switched-off feeds are left out."""
    contacts, made = list(contacts), False
    for contact in contacts:
        if not contact.feed_token and contact.feed_revoked_at is None:
            contact.feed_token, made = new_feed_token(), True
    if made:
        db.session.flush()
    return {contact.id: absolute_url("calendar.personal_feed", token=contact.feed_token)
            for contact in contacts if contact.feed_token}


def feed_url(contact: Contact) -> str | None:
    """The absolute address of the contact's personal feed, making its token on first need
    (None if the feed was switched off)."""
    token = ensure_feed_token(contact)
    return absolute_url("calendar.personal_feed", token=token) if token else None


def current_feed_url(contact: Contact) -> str | None:
    """The address of the contact's feed if they have one (revoked or never made: None)."""
    if not contact.feed_token:
        return None
    return absolute_url("calendar.personal_feed", token=contact.feed_token)


def renew_feed_token(contact: Contact) -> str:
    """Give the contact a new feed address; the old one answers 404 from now on. Flushes."""
    if contact.feed_token:
        forget_marks(mark_prefix(contact.feed_token))
    contact.feed_token = new_feed_token()
    contact.feed_revoked_at = None
    db.session.flush()
    return contact.feed_token


def revoke_feed_token(contact: Contact) -> None:
    """Take the contact's feed address away; it answers 404 from now on. Flushes."""
    if contact.feed_token:
        forget_marks(mark_prefix(contact.feed_token))
    contact.feed_token = None
    contact.feed_revoked_at = utcnow()
    db.session.flush()


def set_feed_alarm(contact: Contact, minutes: int | None) -> None:
    """Ask for a reminder ``minutes`` before each meeting in the personal feed (None: no reminder)."""
    if minutes is not None and minutes not in ALARM_CHOICES:
        raise ValueError(f"not an offered reminder: {minutes!r}")
    contact.feed_alarm_minutes = minutes
    db.session.flush()


def plausible_token(token: str | None) -> bool:
    """Whether ``token`` has the shape of a feed token (checked before any query)."""
    return bool(token) and FEED_TOKEN_SHAPE.fullmatch(token) is not None


@dataclass(frozen=True)
class PersonalFeedState:
    """Who the feed belongs to and its validators."""

    contact_id: int
    contact_email: str
    language: str
    alarm_minutes: int | None
    etag: str
    last_modified: datetime
    # Whether this request moved the feed's mark (the caller commits it).
    moved: bool = False


def _mine(contact_id, contact_email):
    """The participant rows that are the contact's: linked to them, or a confirmed
    public registration made with their address (registering links no contact,
    and confirming the email proved the address is theirs)."""
    return or_(Participant.contact_id == contact_id,
               and_(Participant.contact_id.is_(None), Participant.kind == ParticipantKind.REGISTRANT,
                    Participant.email == contact_email))


def _shown(cutoff: datetime):
    return and_(Participant.status.in_(IN_FEED_STATUSES), Participant.erased_at.is_(None),
                Meeting.status != MeetingStatus.DRAFT, Meeting.ends_at >= cutoff)


def mark_prefix(token: str) -> str:
    """The start of the mark keys of the feed at ``token`` (one per ``?lang=`` variant)."""
    return f"personal|{token}|"


def feed_key(token: str, language: str | None) -> str:
    """The mark key of the feed at ``token``, with ``?lang=`` or without (None)."""
    return mark_prefix(token) + (language or "")


def personal_feed_state(token: str, *, now: datetime, past_days: int, base_url: str,
                        language: str | None = None) -> PersonalFeedState | None:
    """The validators of the feed at ``token``, from a single query; None for an unknown or revoked token.

    The ETag covers the latest change among the feed's meetings, answers and
    additions, which rows are in the feed and their statuses, and the contact's
    language and reminder setting; Last-Modified comes from the feed's mark
    (``feeds.settle_mark``), so it never moves back (an answer withdrawn, a
    meeting deleted or gone private).
    """
    if not plausible_token(token):
        return None
    cutoff = now - timedelta(days=past_days)
    status_code = case(_STATUS_CODE, value=Participant.status, else_=0)
    # Meetings are joined only where the row is in the feed; the aggregates count those rows alone.
    shown = Meeting.id.is_not(None)
    # One mark per address: with ?lang=xx, or without (then the contact's language, part of the ETag).
    key = feed_key(token, language)
    query = (select(Contact.id, Contact.email, Contact.language, Contact.feed_alarm_minutes,
                    func.max(Meeting.updated_at),
                    func.max(case((shown, Participant.responded_at))),
                    func.max(case((shown, Participant.created_at))),
                    func.count(Meeting.id),
                    func.coalesce(func.sum(case((shown, Participant.id * 8 + status_code), else_=0)), 0),
                    func.min(Meeting.ends_at),
                    *mark_columns(key))
             .select_from(Contact)
             .outerjoin(Participant, _mine(Contact.id, Contact.email))
             .outerjoin(Meeting, and_(Meeting.id == Participant.meeting_id, _shown(cutoff)))
             .where(Contact.feed_token == token)
             .group_by(Contact.id, Contact.email, Contact.language, Contact.feed_alarm_minutes))
    row = db.session.execute(query).one_or_none()
    if row is None:
        return None
    (contact_id, email, contact_language, alarm, changed, answered, added, count, checksum, oldest_end,
     stored_etag, stored, stored_version, data_version) = row
    language = language or contact_language or "en"
    etag = _digest(FORMAT_VERSION, "personal", contact_id, email, language, alarm, base_url, past_days,
                   *(m.isoformat() if m else "" for m in (changed, answered, added)), count, checksum)
    derived = max((m for m in (changed, answered, added) if m), default=None)
    last_modified, moved = settle_mark(key, etag, derived, stored_etag, stored, now=now,
                                       version=version_token(data_version, settings_digest(base_url, past_days)),
                                       stored_version=stored_version, stale_at=window_end(oldest_end, past_days))
    return PersonalFeedState(contact_id=contact_id, contact_email=email, language=language, alarm_minutes=alarm,
                             etag=etag, last_modified=last_modified, moved=moved)


def personal_feed_rows(contact_id: int, contact_email: str, *, now: datetime, past_days: int) -> list[Participant]:
    """The contact's participant rows that belong in the feed, oldest meeting first, with
    meeting, venue, topics and agenda loaded in three queries whatever their number."""
    query = (select(Participant).join(Meeting, Meeting.id == Participant.meeting_id)
             .where(_mine(contact_id, contact_email), _shown(now - timedelta(days=past_days)))
             .options(contains_eager(Participant.meeting).joinedload(Meeting.venue),
                      contains_eager(Participant.meeting).subqueryload(Meeting.topics),
                      contains_eager(Participant.meeting).subqueryload(Meeting.agenda_items))
             .order_by(Meeting.starts_at, Meeting.id, Participant.id))
    return list(db.session.scalars(query))
