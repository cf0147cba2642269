"""The public feeds and single-meeting downloads: what goes in them, and their HTTP validators.

No request objects here. Validators come from one aggregate query, so a client
that already has the current feed gets its 304 without the feed being built.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import and_, case, func, select, true
from sqlalchemy.orm import joinedload, selectinload

from meetings.calendar.builder import FORMAT_VERSION
from meetings.events.models import Meeting, Topic
from meetings.events.queries import PUBLIC_STATUSES
from meetings.extensions import db

DEFAULT_PAST_DAYS = 183


@dataclass(frozen=True)
class FeedState:
    """What the validators of a feed are made from."""

    topic_id: int | None
    topic_name: str | None
    etag: str
    last_modified: datetime | None


def _digest(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:40]


def _second(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.astimezone(timezone.utc).replace(microsecond=0)


def _public():
    return and_(Meeting.visibility == "public", Meeting.status.in_(PUBLIC_STATUSES))


def feed_state(topic_slug: str | None, *, now: datetime, past_days: int, language: str,
               base_url: str) -> FeedState | None:
    """Validators for the public feed (or one topic's feed), from a single query.

    Returns None for an unknown topic. Last-Modified is the latest change to any
    meeting (a meeting that turns private or back into a draft is no longer in
    the feed but its change still counts), or the moment the latest meeting left
    the feed's window, whichever is later. The ETag also covers which meetings
    are in the feed (count and ids), so a removal changes it too.
    """
    cutoff = now - timedelta(days=past_days)
    in_topic = Meeting.topics.any(Topic.slug == topic_slug) if topic_slug is not None else true()
    in_feed = and_(_public(), in_topic, Meeting.ends_at >= cutoff)
    left_window = and_(_public(), in_topic, Meeting.ends_at < cutoff)
    columns = [
        func.max(Meeting.updated_at),
        func.count(case((in_feed, Meeting.id))),
        func.coalesce(func.sum(case((in_feed, Meeting.id), else_=0)), 0),
        func.max(case((left_window, Meeting.ends_at))),
    ]
    if topic_slug is not None:
        columns.append(select(Topic.id).where(Topic.slug == topic_slug).scalar_subquery())
        columns.append(select(Topic.name).where(Topic.slug == topic_slug).scalar_subquery())
    row = db.session.execute(select(*columns).select_from(Meeting)).one()
    changed, count, id_sum, last_left = row[:4]
    topic_id, topic_name = (row[4], row[5]) if topic_slug is not None else (None, None)
    if topic_slug is not None and topic_id is None:
        return None
    moments = [m for m in (changed, last_left + timedelta(days=past_days) if last_left else None) if m]
    last_modified = _second(max(moments)) if moments else None
    etag = _digest(FORMAT_VERSION, "feed", topic_slug, topic_id, topic_name, language, base_url, past_days,
                   changed.isoformat() if changed else "", count, id_sum,
                   last_left.isoformat() if last_left else "")
    return FeedState(topic_id=topic_id, topic_name=topic_name, etag=etag, last_modified=last_modified)


def feed_meetings(topic_id: int | None, *, now: datetime, past_days: int) -> list[Meeting]:
    """Public meetings (scheduled, held or cancelled) that end after the window's start,
    oldest first, with venue, topics and agenda loaded in a fixed number of queries."""
    query = (select(Meeting)
             .where(_public(), Meeting.ends_at >= now - timedelta(days=past_days))
             .options(selectinload(Meeting.venue), selectinload(Meeting.topics),
                      selectinload(Meeting.agenda_items))
             .order_by(Meeting.starts_at, Meeting.id))
    if topic_id is not None:
        query = query.where(Meeting.topics.any(Topic.id == topic_id))
    return list(db.session.scalars(query))


def meeting_for_download(slug: str) -> Meeting | None:
    """The meeting at ``slug`` with its venue (any visibility: the caller checks access)."""
    return db.session.scalar(select(Meeting).where(Meeting.slug == slug).options(joinedload(Meeting.venue)))


def download_etag(meeting: Meeting, *, language: str, base_url: str) -> str:
    """ETag of a single meeting's .ics: its identity, last change, sequence and venue
    (venues keep no time of change, so their text is part of the tag)."""
    venue = meeting.venue
    venue_text = (venue.id, venue.one_line(), venue.country) if venue is not None else ""
    return _digest(FORMAT_VERSION, "download", meeting.id, meeting.uid, meeting.sequence,
                   meeting.updated_at.isoformat(), meeting.visibility, meeting.status, venue_text,
                   language, base_url)
