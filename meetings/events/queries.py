"""Read-side queries on meetings for public pages and feeds (no request objects here)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from meetings.core.types import utcnow
from meetings.events.models import Meeting
from meetings.extensions import db

PUBLIC_STATUSES = ("scheduled", "cancelled", "held")


def public_meetings_query():
    """Meetings anonymous visitors may see: public and not drafts."""
    return (select(Meeting)
            .where(Meeting.visibility == "public", Meeting.status.in_(PUBLIC_STATUSES))
            .options(selectinload(Meeting.venue), selectinload(Meeting.topics)))


def upcoming_public_meetings(limit: int | None = None) -> list[Meeting]:
    """Public meetings that have not ended, soonest first."""
    query = public_meetings_query().where(Meeting.ends_at >= utcnow()).order_by(Meeting.starts_at)
    if limit:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def past_public_meetings(limit: int | None = None) -> list[Meeting]:
    """Public meetings that have ended, latest first."""
    query = public_meetings_query().where(Meeting.ends_at < utcnow()).order_by(Meeting.starts_at.desc())
    if limit:
        query = query.limit(limit)
    return list(db.session.scalars(query))
