"""What the feeds remember between requests: each feed's high-water mark."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from meetings.core.types import UTCDateTime
from meetings.extensions import db


class FeedMark(db.Model):
    """The last version of one feed that was served: its ETag and its Last-Modified.

    A feed's content is derived from the meetings it holds, so a deletion or a
    meeting turning private would let a derived Last-Modified fall back to an
    older date, and a client that revalidates by date alone (Apple Calendar)
    would keep its stale copy. The mark only ever moves forward: when a
    request finds a new ETag, the new Last-Modified is later than the stored one.
    """

    __tablename__ = "calendar_feed_marks"

    # The feed's address and language, e.g. "calendar|ai|de" or "personal|<token>|nl".
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    etag: Mapped[str] = mapped_column(String(64))
    last_modified: Mapped[datetime] = mapped_column(UTCDateTime)
