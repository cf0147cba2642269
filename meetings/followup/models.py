"""What a meeting recorded: notes per agenda item, decisions, action items, the next meeting."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetings.auth.models import User
from meetings.core.enums import values_check
from meetings.core.types import UTCDateTime, utcnow
from meetings.events.models import AgendaItem, Meeting
from meetings.extensions import db
from meetings.followup.states import MinutesState
from meetings.network.models import Contact
from meetings.participants.models import Participant, new_token

ACTION_STATUSES = ("open", "done")


class MeetingRecord(db.Model):
    """One per held meeting: when the group meets again (the decisions are :class:`Decision` rows)."""

    __tablename__ = "meeting_records"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True)
    next_meeting_on: Mapped[date | None] = mapped_column(Date)
    # An intent such as "before the summer holidays", when no date is fixed yet.
    next_meeting_note: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    meeting: Mapped[Meeting] = relationship()


class Decision(db.Model):
    """One decision a meeting took, on one of its agenda items or on none; ``superseded_by``
    names a decision of a later meeting that replaced it."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    agenda_item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_items.id", ondelete="SET NULL"),
                                                       index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text)
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id", ondelete="SET NULL"),
                                                         index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    meeting: Mapped[Meeting] = relationship()
    agenda_item: Mapped[AgendaItem | None] = relationship()
    superseded_by: Mapped["Decision | None"] = relationship(remote_side="Decision.id")


class MinutesVersion(db.Model):
    """One version of a meeting's minutes. ``content`` is the snapshot of the notes, the
    decisions and the next meeting (see ``followup.approval.snapshot``); it is kept up to
    date while the version is a draft and never changes once circulated. Approval adds
    the day, who recorded it, the meeting it was approved at (optional) and corrections."""

    __tablename__ = "minutes_versions"
    __table_args__ = (
        UniqueConstraint("meeting_id", "number", name="uq_minutes_versions_meeting_number"),
        values_check("state", MinutesState),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20), default=MinutesState.DRAFT)
    content: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    circulated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_on: Mapped[date | None] = mapped_column(Date)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    approved_at_meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"))
    corrections: Mapped[str | None] = mapped_column(Text)

    meeting: Mapped[Meeting] = relationship(foreign_keys=[meeting_id])
    approved_by: Mapped[User | None] = relationship()
    approved_at_meeting: Mapped[Meeting | None] = relationship(foreign_keys=[approved_at_meeting_id])


class MinutesReader(db.Model):
    """Someone the minutes were circulated to, with the secret of their comment link:
    scoped to one person and one meeting's minutes."""

    __tablename__ = "minutes_readers"
    __table_args__ = (UniqueConstraint("meeting_id", "participant_id", name="uq_minutes_readers_meeting_participant"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"), index=True)
    token: Mapped[str] = mapped_column(String(64), unique=True, default=new_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    meeting: Mapped[Meeting] = relationship()
    participant: Mapped[Participant] = relationship()


class MinutesComment(db.Model):
    """A reader's comment on a circulated version of the minutes."""

    __tablename__ = "minutes_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("minutes_versions.id", ondelete="CASCADE"), index=True)
    reader_id: Mapped[int] = mapped_column(ForeignKey("minutes_readers.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    version: Mapped[MinutesVersion] = relationship()
    reader: Mapped[MinutesReader] = relationship()


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
