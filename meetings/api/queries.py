"""The API's reads: public data only, in a fixed number of statements per page (keyset pages)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from meetings.blog.services import visible_posts_query
from meetings.core.types import utcnow
from meetings.events.models import Meeting, Topic
from meetings.events.queries import public_meetings_query, topic_by_slug
from meetings.extensions import db
from meetings.network.models import Organisation


def _day_start(day: date, zone: str) -> datetime:
    return datetime.combine(day, time(0), ZoneInfo(zone))


def _after(columns, values, descending: bool):
    """Rows after the keyset ``values`` of ``columns`` in the list's order."""
    (first, second), (v1, v2) = columns, values
    if descending:
        return or_(first < v1, and_(first == v1, second < v2))
    return or_(first > v1, and_(first == v1, second > v2))


def event_conditions(period: str, topic: Topic | None, language: str | None, day_from: date | None,
                     day_to: date | None, zone: str, now: datetime | None = None) -> list:
    """The filters of the events list, each one condition (a series would be one more)."""
    now = now or utcnow()
    conditions = [Meeting.ends_at >= now if period == "upcoming" else Meeting.ends_at < now]
    if topic is not None:
        conditions.append(Meeting.topics.any(Topic.id == topic.id))
    if language:
        conditions.append(Meeting.language == language)
    if day_from is not None:
        conditions.append(Meeting.ends_at > _day_start(day_from, zone))
    if day_to is not None:
        conditions.append(Meeting.starts_at < _day_start(day_to + timedelta(days=1), zone))
    return conditions


def events_page(conditions: list, period: str, after: tuple[datetime, int] | None, limit: int) -> list[Meeting]:
    """Up to ``limit + 1`` public meetings after the keyset ``after``: upcoming soonest first, past latest first."""
    descending = period == "past"
    query = public_meetings_query().where(*conditions)
    if after is not None:
        query = query.where(_after((Meeting.starts_at, Meeting.id), after, descending))
    order = (Meeting.starts_at.desc(), Meeting.id.desc()) if descending else (Meeting.starts_at, Meeting.id)
    return list(db.session.scalars(query.order_by(*order).limit(limit + 1)))


def public_event(meeting_id: int) -> Meeting | None:
    """A public meeting with venue, topics and agenda, or None (drafts and invitation-only ones too)."""
    query = (public_meetings_query().where(Meeting.id == meeting_id)
             .options(selectinload(Meeting.agenda_items)))
    return db.session.scalar(query)


def topic_named(slug: str) -> Topic | None:
    return topic_by_slug(slug)


def organisations_page(after: tuple[str, int] | None, limit: int) -> list[Organisation]:
    """Up to ``limit + 1`` organisations shown publicly, by name."""
    query = select(Organisation).where(Organisation.is_public.is_(True))
    if after is not None:
        query = query.where(_after((Organisation.name_key, Organisation.id), after, False))
    return list(db.session.scalars(query.order_by(Organisation.name_key, Organisation.id).limit(limit + 1)))


def posts_page(after: tuple[datetime, int] | None, limit: int):
    """Up to ``limit + 1`` posts the public may read, newest first."""
    from meetings.blog.models import Post

    query = visible_posts_query()
    if after is not None:
        query = query.where(_after((Post.published_at, Post.id), after, True))
    return list(db.session.scalars(query.limit(limit + 1)))
