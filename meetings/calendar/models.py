"""What the feeds remember between requests: each feed's high-water mark, and the data version."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String
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

    ``version`` and ``stale_at`` say how long the ETag stays current without
    looking at the meetings again: until the data version (``DataVersion``) or
    the settings move, or until ``stale_at``, when time passing alone changes
    the feed (its oldest meeting leaves the window).
    """

    __tablename__ = "calendar_feed_marks"

    # The feed's address and language, e.g. "calendar|ai|de" or "personal|<token>|nl".
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    etag: Mapped[str] = mapped_column(String(64))
    last_modified: Mapped[datetime] = mapped_column(UTCDateTime)
    # "<data version>|<settings digest>" the ETag was computed at; None: check the meetings.
    version: Mapped[str | None] = mapped_column(String(64))
    # When time alone changes the feed; None: never (nothing in it can leave the window).
    stale_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DataVersion(db.Model):
    """One row (id 1): a number raised by every commit that wrote to a table a feed shows
    (see ``calendar.versions``). No row yet counts as version 0."""

    __tablename__ = "calendar_data_version"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
