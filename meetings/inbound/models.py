"""Every message that came in, kept as received with what it did."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetings.core.enums import values_check
from meetings.core.types import UTCDateTime, utcnow
from meetings.events.models import Meeting
from meetings.extensions import db
from meetings.inbound.states import InboundState
from meetings.participants.models import Participant

DOORS = ("imap", "lmtp", "http")


class InboundMessage(db.Model):
    """One received email: its raw bytes first, then what applying it did.

    ``message_id`` is the Message-ID header (or ``<sha256-HEX@inbound>`` of the raw
    bytes when there is none): a message seen twice finds its row and is not applied again.
    """

    __tablename__ = "inbound_messages"
    __table_args__ = (values_check("state", InboundState),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(998), unique=True)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(Integer)
    door: Mapped[str] = mapped_column(String(10))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    sender: Mapped[str | None] = mapped_column(String(254))
    # The reply address it came to, when the door knows it (the envelope recipient).
    recipient: Mapped[str | None] = mapped_column(String(254))
    subject: Mapped[str | None] = mapped_column(String(998))
    method: Mapped[str | None] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20), default=InboundState.RECEIVED, index=True)
    # A code (states.Reason), shown translated; ``detail`` is safe text for people, e.g. the parser's complaint.
    reason: Mapped[str | None] = mapped_column(String(40))
    detail: Mapped[str | None] = mapped_column(Text)
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id", ondelete="SET NULL"),
                                                       index=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    participant: Mapped[Participant | None] = relationship()
    meeting: Mapped[Meeting | None] = relationship()

    def __repr__(self) -> str:
        return f"<InboundMessage {self.id} {self.kind} {self.state} {self.reason}>"
