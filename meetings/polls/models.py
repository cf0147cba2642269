"""Polls for a meeting's date ("Find a date"): candidate slots, the people asked, their answers."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from uuid import uuid4

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetings.core.enums import values_check
from meetings.core.timezones import to_local
from meetings.core.types import UTCDateTime, utcnow
from meetings.events.models import Meeting
from meetings.extensions import db
from meetings.network.models import Contact
from meetings.participants.models import new_token
from meetings.polls.states import PollAnswer, PollState


def new_hold_uid() -> str:
    """A UID for one candidate slot's hold in the calendars; the chosen slot's becomes the meeting's."""
    return f"{uuid4()}@cluster-meetings"


class Poll(db.Model):
    __tablename__ = "polls"
    __table_args__ = (values_check("state", PollState),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(20), default=PollState.OPEN, index=True)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)
    # Participants see each other's names and answers, or only the counts (the default).
    show_answers: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Each slot goes into each person's calendar as a tentative entry while the poll is open.
    hold_dates: Mapped[bool] = mapped_column(default=True, server_default=true())
    # One of the poll's own slots (no foreign key: slots and polls would refer to each other).
    chosen_slot_id: Mapped[int | None] = mapped_column()
    # When "Send the poll" queued the mails (None: not sent yet).
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    meeting: Mapped[Meeting] = relationship()
    slots: Mapped[list["PollSlot"]] = relationship(
        back_populates="poll", order_by="PollSlot.starts_at", cascade="all, delete-orphan")
    voters: Mapped[list["PollVoter"]] = relationship(
        back_populates="poll", order_by="PollVoter.name", cascade="all, delete-orphan")

    @property
    def is_open(self) -> bool:
        return self.state == PollState.OPEN

    @property
    def chosen_slot(self) -> "PollSlot | None":
        return next((slot for slot in self.slots if slot.id == self.chosen_slot_id), None)


class PollSlot(db.Model):
    """One candidate date: start and end in UTC with the meeting's zone, as meetings keep them."""

    __tablename__ = "poll_slots"
    __table_args__ = (UniqueConstraint("poll_id", "starts_at", "ends_at", name="uq_poll_slots_times"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Amsterdam")
    # As a meeting's: the start of the first day and of the day after the last, in the zone.
    all_day: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The hold's calendar entry: its own UID, and the SEQUENCE its recipients hold.
    uid: Mapped[str] = mapped_column(String(120), unique=True, default=new_hold_uid)
    sequence: Mapped[int] = mapped_column(default=0, server_default="0")

    poll: Mapped[Poll] = relationship(back_populates="slots")

    @property
    def local_start(self) -> datetime:
        return to_local(self.starts_at, self.timezone)

    @property
    def local_end(self) -> datetime:
        return to_local(self.ends_at, self.timezone)

    @property
    def first_day(self) -> date:
        return self.local_start.date()

    @property
    def last_day(self) -> date:
        end = self.local_end
        if self.all_day or (end.time() == time(0) and end > self.local_start):
            return max(self.first_day, end.date() - timedelta(days=1))
        return end.date()

    @property
    def spans_days(self) -> bool:
        return self.last_day > self.first_day


class PollVoter(db.Model):
    """One person asked, with their personal link (a token of its own, scoped to this poll)."""

    __tablename__ = "poll_voters"
    __table_args__ = (UniqueConstraint("poll_id", "email", name="uq_poll_voters_poll_email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    # Copied from the contact, like a participant's, so the poll survives contact edits.
    name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(5), default="en")
    token: Mapped[str] = mapped_column(String(64), unique=True, default=new_token)
    comment: Mapped[str | None] = mapped_column(Text)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Their invitation once a slot is chosen (the participants' table, by key only).
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id", ondelete="SET NULL"))

    poll: Mapped[Poll] = relationship(back_populates="voters")
    contact: Mapped[Contact | None] = relationship()
    votes: Mapped[list["PollVote"]] = relationship(back_populates="voter", cascade="all, delete-orphan")


class PollVote(db.Model):
    __tablename__ = "poll_votes"
    __table_args__ = (UniqueConstraint("voter_id", "slot_id", name="uq_poll_votes_voter_slot"),
                      values_check("answer", PollAnswer))

    id: Mapped[int] = mapped_column(primary_key=True)
    voter_id: Mapped[int] = mapped_column(ForeignKey("poll_voters.id", ondelete="CASCADE"), index=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("poll_slots.id", ondelete="CASCADE"), index=True)
    answer: Mapped[str] = mapped_column(String(20))

    voter: Mapped[PollVoter] = relationship(back_populates="votes")
    slot: Mapped[PollSlot] = relationship()
