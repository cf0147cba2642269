"""Posts of the cluster's blog."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetings.core.enums import values_check
from meetings.core.types import UTCDateTime, utcnow
from meetings.events.models import Meeting
from meetings.extensions import db


class PostStatus(enum.StrEnum):
    """Where a post stands (a CHECK constraint holds the database to these)."""

    DRAFT = "draft"
    # Published at ``publish_at``, which may still be ahead.
    SCHEDULED = "scheduled"
    PUBLISHED = "published"


# Visible once their ``published_at`` has passed.
VISIBLE_STATUSES = (PostStatus.PUBLISHED, PostStatus.SCHEDULED)


class Post(db.Model):
    """A blog post. Visible to the public once published, or once a scheduled post's
    ``publish_at`` has passed (checked when queried, so no scheduler is needed).
    ``published_at`` is the date the public sees."""

    __tablename__ = "posts"
    __table_args__ = (values_check("status", PostStatus),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    body: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(5), default="en")
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=PostStatus.DRAFT, index=True)
    publish_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    meeting: Mapped[Meeting | None] = relationship()

    def is_visible(self, now: datetime | None = None) -> bool:
        """Whether the public can read it now."""
        now = now or utcnow()
        return (self.status in VISIBLE_STATUSES and self.published_at is not None
                and self.published_at <= now)
