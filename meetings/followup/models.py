"""What a meeting recorded: notes per agenda item, decisions, action items, the next meeting."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetings.core.types import UTCDateTime, utcnow
from meetings.events.models import AgendaItem, Meeting
from meetings.extensions import db
from meetings.network.models import Contact

ACTION_STATUSES = ("open", "done")


class MeetingRecord(db.Model):
    """One per held meeting: the decisions (one per line) and when the group meets again."""

    __tablename__ = "meeting_records"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True)
    decisions: Mapped[str] = mapped_column(Text, default="")
    next_meeting_on: Mapped[date | None] = mapped_column(Date)
    # An intent such as "before the summer holidays", when no date is fixed yet.
    next_meeting_note: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    meeting: Mapped[Meeting] = relationship()

    @property
    def decision_list(self) -> list[str]:
        return [line.strip() for line in (self.decisions or "").splitlines() if line.strip()]


class AgendaNote(db.Model):
    """The minutes of one agenda item (Markdown), private to organisers."""

    __tablename__ = "agenda_notes"

    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id", ondelete="CASCADE"), primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text, default="")

    agenda_item: Mapped[AgendaItem] = relationship()


class ActionItem(db.Model):
    """Something a person took on at a meeting, open until it is done."""

    __tablename__ = "action_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    what: Mapped[str] = mapped_column(String(500))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    meeting: Mapped[Meeting] = relationship()
    owner: Mapped[Contact | None] = relationship()

    @property
    def is_open(self) -> bool:
        return self.status == "open"
