"""The public feeds and single-meeting downloads: what goes in them, and their HTTP validators.

No request objects here. Validators come from one aggregate query, so a client
that already has the current feed gets its 304 without the feed being built.
Each feed keeps a mark (``FeedMark``) so its Last-Modified never moves back.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import joinedload, subqueryload

from meetings.calendar.builder import FORMAT_VERSION
from meetings.calendar.models import FeedMark
from meetings.calendar.versions import current_version, version_token
from meetings.events.models import Meeting, Topic, meeting_topics
from meetings.events.queries import PUBLIC_STATUSES
from meetings.extensions import db


@dataclass(frozen=True)
class FeedState:
    """What a feed's answer needs before anything is built: which topic, and the validators."""

    topic_id: int | None
    topic_name: str | None
    etag: str
    last_modified: datetime
    # Whether this request moved the feed's mark (the caller commits it).
    moved: bool = False


def _digest(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:40]


def _second(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.astimezone(timezone.utc).replace(microsecond=0)


def _public():
    return and_(Meeting.visibility == "public", Meeting.status.in_(PUBLIC_STATUSES))


def mark_columns(key: str) -> list:
    """The stored ETag, Last-Modified and version of the feed ``key``, and the current data
    version, as four columns to add to a feed's aggregate query (so checking a client's copy
    stays one query, and the version read is the one the aggregate saw)."""
    return [select(FeedMark.etag).where(FeedMark.key == key).scalar_subquery(),
            select(FeedMark.last_modified).where(FeedMark.key == key).scalar_subquery(),
            select(FeedMark.version).where(FeedMark.key == key).scalar_subquery(),
            current_version()]


def settings_digest(base_url: str, past_days: int) -> str:
    """The settings a feed's content depends on, short: part of each mark's ``version``."""
    return _digest(FORMAT_VERSION, base_url, past_days)[:16]


def window_end(oldest_end: datetime | None, past_days: int) -> datetime | None:
    """When the meeting that ended first (``oldest_end``) leaves a window of ``past_days``."""
    return None if oldest_end is None else oldest_end + timedelta(days=past_days)


def settle_mark(key: str, etag: str, derived: datetime | None, stored_etag: str | None,
                stored: datetime | None, *, now: datetime, version: str | None = None,
                stored_version: str | None = None, stale_at: datetime | None = None) -> tuple[datetime, bool]:
    """The Last-Modified to send for the feed ``key`` now that its ETag is ``etag``.

    The same ETag as last time keeps the stored date. A new one gets the date
    derived from the data (``derived``, the latest change among what the feed
    holds) if that is later than the stored date, else ``now`` (at least one
    second later than the stored date): something left the feed, and it did so
    after the stored version was served. The mark also records ``version`` (data
    version and settings the ETag was computed at) and ``stale_at`` (when time alone
    changes the feed), which let the next revalidation skip the aggregate
    (``versions.current_mark``). The new mark is flushed, not committed.
    A racing request that moved the mark first wins; this one's answer is still later
    than anything served before it.
    """
    if stored_etag == etag and stored is not None:
        if stored_version == version:
            return stored, False
        db.session.execute(update(FeedMark).where(FeedMark.key == key, FeedMark.etag == etag)
                           .values(version=version, stale_at=stale_at)
                           .execution_options(synchronize_session=False))
        return stored, True
    derived = _second(derived)
    if stored is None:
        moment = derived or _second(now)
        db.session.execute(_insert_mark(), [{"key": key, "etag": etag, "last_modified": moment,
                                             "version": version, "stale_at": stale_at}])
        return moment, True
    if derived is not None and derived > stored:
        moment = derived
    else:
        moment = max(_second(now), stored + timedelta(seconds=1))
    db.session.execute(update(FeedMark).where(FeedMark.key == key, FeedMark.etag == stored_etag)
                       .values(etag=etag, last_modified=moment, version=version, stale_at=stale_at)
                       .execution_options(synchronize_session=False))
    return moment, True


def _insert_mark():
    # Two workers may serve a feed's first request at once: the second insert is a no-op.
    insert = postgresql_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    return insert(FeedMark).on_conflict_do_nothing(index_elements=[FeedMark.key])


def forget_marks(prefix: str) -> None:
    """Drop the marks of feeds whose key starts with ``prefix`` (a personal feed's old address). Flushes."""
    db.session.execute(delete(FeedMark).where(FeedMark.key.startswith(prefix, autoescape=True))
                       .execution_options(synchronize_session=False))


def feed_key(topic_slug: str | None, language: str) -> str:
    """The mark key of the public feed (or one topic's feed) in ``language``."""
    return f"calendar|{topic_slug or ''}|{language}"


def feed_state(topic_slug: str | None, *, now: datetime, past_days: int, language: str,
               base_url: str) -> FeedState | None:
    """Validators for the public feed (or one topic's feed), from a single query; None for an unknown topic.

    The ETag covers the latest change among the feed's meetings and which meetings
    it holds (their count and ids), so a change, an addition, a removal (deleted,
    made private or a draft, out of a topic, out of the window) all change it.
    Last-Modified comes from the feed's mark (``settle_mark``), so it never moves back.
    """
    cutoff = now - timedelta(days=past_days)
    key = feed_key(topic_slug, language)
    conditions = [_public(), Meeting.ends_at >= cutoff]
    columns = [func.max(Meeting.updated_at), func.count(Meeting.id), func.coalesce(func.sum(Meeting.id), 0),
               func.min(Meeting.ends_at), *mark_columns(key)]
    if topic_slug is not None:
        topic = select(Topic.id).where(Topic.slug == topic_slug).scalar_subquery()
        conditions.append(Meeting.id.in_(select(meeting_topics.c.meeting_id)
                                         .where(meeting_topics.c.topic_id == topic)))
        columns += [topic, select(Topic.name).where(Topic.slug == topic_slug).scalar_subquery()]
    row = db.session.execute(select(*columns).select_from(Meeting).where(*conditions)).one()
    changed, count, id_sum, oldest_end, stored_etag, stored, stored_version, data_version = row[:8]
    topic_id, topic_name = (row[8], row[9]) if topic_slug is not None else (None, None)
    if topic_slug is not None and topic_id is None:
        return None
    etag = _digest(FORMAT_VERSION, "feed", topic_slug, topic_id, topic_name, language, base_url, past_days,
                   changed.isoformat() if changed else "", count, id_sum)
    last_modified, moved = settle_mark(key, etag, changed, stored_etag, stored, now=now,
                                       version=version_token(data_version, settings_digest(base_url, past_days)),
                                       stored_version=stored_version, stale_at=window_end(oldest_end, past_days))
    return FeedState(topic_id=topic_id, topic_name=topic_name, etag=etag, last_modified=last_modified, moved=moved)


def feed_meetings(topic_id: int | None, *, now: datetime, past_days: int) -> list[Meeting]:
    """Public meetings (scheduled, held or cancelled) that end after the window's start,
    oldest first, with venue, topics and agenda loaded in three queries whatever their number
    (selectinload would send one more query per 500 meetings)."""
    query = (select(Meeting)
             .where(_public(), Meeting.ends_at >= now - timedelta(days=past_days))
             .options(joinedload(Meeting.venue), subqueryload(Meeting.topics),
                      subqueryload(Meeting.agenda_items))
             .order_by(Meeting.starts_at, Meeting.id))
    if topic_id is not None:
        query = query.where(Meeting.topics.any(Topic.id == topic_id))
    return list(db.session.scalars(query))


def feed_entries(topic_id: int | None, *, now: datetime, past_days: int) -> list[tuple[int, datetime]]:
    """(id, last change) of the meetings ``feed_meetings`` returns, in the same order, from
    one light query: enough to tell which of their events are already rendered."""
    query = (select(Meeting.id, Meeting.updated_at)
             .where(_public(), Meeting.ends_at >= now - timedelta(days=past_days))
             .order_by(Meeting.starts_at, Meeting.id))
    if topic_id is not None:
        query = query.where(Meeting.id.in_(select(meeting_topics.c.meeting_id)
                                           .where(meeting_topics.c.topic_id == topic_id)))
    return [(meeting_id, updated_at) for meeting_id, updated_at in db.session.execute(query)]


def meetings_by_id(ids: list[int]) -> list[Meeting]:
    """The meetings ``ids`` (any order) with venue, topics and agenda loaded as ``feed_meetings`` loads them."""
    found: list[Meeting] = []
    for start in range(0, len(ids), 500):  # bound the statement's parameters
        found += db.session.scalars(
            select(Meeting).where(Meeting.id.in_(ids[start:start + 500]))
            .options(joinedload(Meeting.venue), subqueryload(Meeting.topics), subqueryload(Meeting.agenda_items)))
    return found


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
