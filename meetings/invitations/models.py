"""What the invitation cycle keeps beyond the participants' rows: attendees' proposals of
another time (iTIP COUNTER, RFC 5546 3.2.7), offered to the organiser to accept or decline."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetings.core.enums import values_check
from meetings.core.timezones import start_of_day, to_local
from meetings.core.types import UTCDateTime, utcnow
from meetings.events.models import Meeting
from meetings.extensions import db
from meetings.invitations.states import ProposalReason, ProposalState
from meetings.participants.models import Participant


class TimeProposal(db.Model):
    """One attendee's proposal to hold the meeting at another time, as their calendar sent it."""

    __tablename__ = "time_proposals"
    __table_args__ = (
        values_check("state", ProposalState),
        values_check("reason", ProposalReason),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"), index=True)
    # The time proposed, in UTC; pages show it in the meeting's zone.
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    comment: Mapped[str | None] = mapped_column(Text)
    # The SEQUENCE of the version the proposal answers.
    sequence: Mapped[int] = mapped_column(default=0)
    state: Mapped[str] = mapped_column(String(20), default=ProposalState.OPEN, index=True)
    reason: Mapped[str | None] = mapped_column(String(40))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The message it came in (the inbound capability's table), by table name only.
    inbound_message_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_messages.id", ondelete="SET NULL"),
                                                           index=True)

    meeting: Mapped[Meeting] = relationship()
    participant: Mapped[Participant] = relationship()

    @property
    def whole_days(self) -> bool:
        """Whole days of an all-day meeting (both ends at a local midnight): shown as days."""
        zone = self.meeting.timezone
        return bool(self.meeting.all_day) and all(
            start_of_day(to_local(moment, zone).date(), zone) == moment for moment in (self.starts_at, self.ends_at))
