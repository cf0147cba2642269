"""Read-side queries on meetings for public pages and feeds (no request objects here)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import selectinload

from meetings.core.types import utcnow
from meetings.core.views import existing_page
from meetings.events.models import AgendaItem, Meeting, MeetingStatus, Topic, meeting_topics
from meetings.events.services import agenda_for
from meetings.extensions import db

PUBLIC_STATUSES = (MeetingStatus.SCHEDULED, MeetingStatus.CANCELLED, MeetingStatus.HELD)
PAST_PER_PAGE = 20


def meetings_at_venue(venue) -> int:
    """How many meetings use the venue; answers the venues' ``venue_in_use``."""
    return db.session.scalar(select(func.count()).select_from(Meeting).where(Meeting.venue_id == venue.id)) or 0


def public_meetings_query(topic: Topic | None = None):
    """Meetings anonymous visitors may see: public and not drafts, optionally on one topic.

    Venue and topics are loaded with one extra query each, whatever the number of meetings.
    """
    return (select(Meeting).where(*_public_conditions(topic))
            .options(selectinload(Meeting.venue), selectinload(Meeting.topics)))


def _public_conditions(topic: Topic | None = None) -> list:
    conditions = [Meeting.visibility == "public", Meeting.status.in_(PUBLIC_STATUSES)]
    if topic is not None:
        conditions.append(Meeting.topics.any(Topic.id == topic.id))
    return conditions


def upcoming_public_meetings(limit: int | None = None, topic: Topic | None = None) -> list[Meeting]:
    """Public meetings that have not ended, soonest first."""
    query = public_meetings_query(topic).where(Meeting.ends_at >= utcnow()).order_by(Meeting.starts_at, Meeting.id)
    if limit:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def past_public_meetings(limit: int | None = None, topic: Topic | None = None) -> list[Meeting]:
    """Public meetings that have ended, latest first."""
    query = (public_meetings_query(topic).where(Meeting.ends_at < utcnow())
             .order_by(Meeting.starts_at.desc(), Meeting.id.desc()))
    if limit:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def past_public_meetings_page(number: int, topic: Topic | None = None,
                              per_page: int = PAST_PER_PAGE) -> Pagination | None:
    """Page ``number`` of the past public meetings, latest first (``db.paginate``).

    Returns None for a page that does not exist (below 1, or beyond the last
    page); page 1 always exists, even when it is empty.
    """
    query = (public_meetings_query(topic).where(Meeting.ends_at < utcnow())
             .order_by(Meeting.starts_at.desc(), Meeting.id.desc()))
    return existing_page(query, number, per_page)


def topics_with_public_meetings() -> list[Topic]:
    """Topics that at least one public meeting carries, by name (for the topic filter)."""
    public_ids = select(Meeting.id).where(*_public_conditions())
    topic_ids = select(meeting_topics.c.topic_id).where(meeting_topics.c.meeting_id.in_(public_ids))
    return list(db.session.scalars(select(Topic).where(Topic.id.in_(topic_ids)).order_by(Topic.name)))


def topic_by_slug(slug: str) -> Topic | None:
    """The topic with this slug, or None."""
    return db.session.scalar(select(Topic).where(Topic.slug == slug))


def meeting_by_slug(slug: str) -> Meeting | None:
    """A meeting with its venue, topics and agenda loaded, whatever its visibility.

    The caller decides who may see it (see ``Meeting.is_public``).
    """
    query = (select(Meeting).where(Meeting.slug == slug)
             .options(selectinload(Meeting.venue), selectinload(Meeting.topics),
                      selectinload(Meeting.agenda_items)))
    return db.session.scalar(query)


def meeting_by_uid(uid: str | None) -> Meeting | None:
    """The meeting whose calendar entry has this UID (as calendar replies name it), or None."""
    if not uid:
        return None
    return db.session.scalar(select(Meeting).where(Meeting.uid == uid))


def agenda_schedule(meeting: Meeting) -> list[tuple[AgendaItem, datetime, datetime | None]]:
    """The agenda in order, with each item's local start and end in the meeting's zone.

    The times are the organiser pages' (``services.schedule``): an item with a
    start time starts then, otherwise when the previous one ends. An item
    without a duration shows no end, unless the next item has a start time of
    its own, which is then its end.
    """
    slots = agenda_for(meeting)
    rows = [[slot.entry, slot.local_start, slot.local_end if slot.has_end else None] for slot in slots]
    for current, following in zip(rows, rows[1:]):
        if current[2] is None and following[0].start_time is not None:
            current[2] = following[1]
    return [(item, start, end) for item, start, end in rows]
