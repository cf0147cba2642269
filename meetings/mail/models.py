"""One row per email: what to send, to whom, and how delivery went."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from meetings.core.enums import values_check
from meetings.core.types import UTCDateTime, utcnow
from meetings.extensions import db


class OutboxStatus(enum.StrEnum):
    """Where an email stands in the outbox (a CHECK constraint holds the database to these)."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


# The names the delivery code has always used.
QUEUED = OutboxStatus.QUEUED
SENDING = OutboxStatus.SENDING
SENT = OutboxStatus.SENT
FAILED = OutboxStatus.FAILED
STATUSES = tuple(OutboxStatus)


class OutboxMessage(db.Model):
    """An email waiting for, going through or done with delivery.

    ``queued`` rows with ``next_attempt_at`` in the past are due. ``failed``
    rows have no next attempt: a person retries them by hand.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (
        # The delivery query: due messages in order.
        Index("ix_outbox_messages_status_next_attempt_at", "status", "next_attempt_at"),
        values_check("status", OutboxStatus),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    to_email: Mapped[str] = mapped_column(String(254))
    to_name: Mapped[str | None] = mapped_column(String(200))
    reply_to: Mapped[str | None] = mapped_column(String(254))
    # Empty until the content is written: messages queued in bulk are prepared by
    # their capability when delivered or opened (outbox.prepare).
    subject: Mapped[str | None] = mapped_column(Text)
    text_body: Mapped[str | None] = mapped_column(Text)
    html_body: Mapped[str | None] = mapped_column(Text)
    ics: Mapped[str | None] = mapped_column(Text)
    ics_method: Mapped[str | None] = mapped_column(String(20))
    # A whole email carried along as a message/rfc822 attachment (e.g. a reply passed on to the
    # organisers), as the bytes it came in.
    attached_message: Mapped[bytes | None] = mapped_column(LargeBinary)
    # What the preparer needs to write the content (JSON), beyond meeting and participant.
    prepare_args: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(5), default="en")
    status: Mapped[str] = mapped_column(String(20), default=QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when a worker takes the message; a claim this old was abandoned by a crash.
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Fixed when queued, so a message sent twice after a crash is recognisable as one.
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    # Links to the objects the email is about, by table name only: the outbox
    # knows nothing of meetings or participants beyond their ids.
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"), index=True)
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id", ondelete="SET NULL"),
                                                       index=True)
    # Set by the caller for "this logical email": a repeated request queues nothing new.
    dedupe_key: Mapped[str | None] = mapped_column(String(255), unique=True)

    @property
    def is_prepared(self) -> bool:
        return self.text_body is not None

    @property
    def is_retrying(self) -> bool:
        return self.status == QUEUED and self.attempts > 0

    @property
    def can_retry(self) -> bool:
        return self.status in (QUEUED, FAILED)

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.kind} to {self.to_email} {self.status}>"
