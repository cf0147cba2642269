"""Meetings, their agenda and their topics."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from uuid import uuid4

from sqlalchemy import (JSON, Column, Date, ForeignKey, Integer, String, Table, Text, Time, event, false, inspect,
                        select, true, update)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from meetings.core.enums import values_check
from meetings.core.names import NAME_KEY_LENGTH, UniqueName
from meetings.core.timezones import to_local
from meetings.core.types import UTCDateTime, utcnow
from meetings.events.states import MeetingStatus
from meetings.extensions import db
from meetings.venues.models import Venue

VISIBILITIES = ("public", "invitation")

meeting_topics = Table(
    "meeting_topics",
    db.metadata,
    Column("meeting_id", ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True),
    Column("topic_id", ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True),
)


def new_uid() -> str:
    """A UID for a meeting's calendar entry, stable for the meeting's whole life."""
    return f"{uuid4()}@cluster-meetings"


class Topic(UniqueName, db.Model):
    __tablename__ = "topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    # The name folded for comparison (core.names): unique ignoring case on every database.
    name_key: Mapped[str] = mapped_column(String(NAME_KEY_LENGTH), unique=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)


class Meeting(db.Model):
    __tablename__ = "meetings"
    __table_args__ = (values_check("status", MeetingStatus),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(120), unique=True, default=new_uid)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(5), default="en")
    # Title and description in other languages: {"de": {"title": ..., "description": ...}};
    # a text not given there falls back to the main one (see events.languages).
    translations: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Amsterdam")
    # All day: starts_at is the first day's start and ends_at the start of the day after the
    # last, both in the meeting's zone (iCalendar's exclusive DTEND;VALUE=DATE); times are not shown.
    all_day: Mapped[bool] = mapped_column(default=False, server_default=false())
    venue_id: Mapped[int | None] = mapped_column(ForeignKey("venues.id", ondelete="SET NULL"), index=True)
    online_url: Mapped[str | None] = mapped_column(String(500))
    visibility: Mapped[str] = mapped_column(String(20), default="invitation")
    status: Mapped[str] = mapped_column(String(20), default=MeetingStatus.DRAFT, index=True)
    capacity: Mapped[int | None] = mapped_column(Integer)
    registration_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registration_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When full, confirmed registrants join a numbered waiting list (else they are turned away).
    waitlist_enabled: Mapped[bool] = mapped_column(default=True, server_default=true())
    # Raised once per update or cancellation sent; the calendar entry's SEQUENCE.
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    # The SEQUENCE of the last update that moved the time or place: a calendar reply to an
    # older version answers a question no longer asked (RFC 5546 3.2.2.1).
    moved_sequence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # What the invitees' calendars hold: a digest of the details last sent, and the
    # times last sent (a new time needs new answers, RFC 5546).
    sent_fingerprint: Mapped[str | None] = mapped_column(String(64))
    sent_starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A digest of the place last sent (venue as shown, online link): moving it, like moving
    # the time, asks for new answers. None: sent before this was recorded.
    sent_place: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    venue: Mapped[Venue | None] = relationship()
    agenda_items: Mapped[list["AgendaItem"]] = relationship(
        back_populates="meeting", order_by="AgendaItem.position", cascade="all, delete-orphan")
    topics: Mapped[list[Topic]] = relationship(secondary=meeting_topics, order_by=Topic.name)

    @property
    def local_start(self) -> datetime:
        return to_local(self.starts_at, self.timezone)

    @property
    def local_end(self) -> datetime:
        return to_local(self.ends_at, self.timezone)

    @property
    def first_day(self) -> date:
        """The local date the meeting starts on."""
        return self.local_start.date()

    @property
    def last_day(self) -> date:
        """The local date of the meeting's last day (an all-day meeting's end is exclusive)."""
        end = self.local_end
        if self.all_day or (end.time() == time(0) and end > self.local_start):
            # Ending at midnight: the day that ends there is the last one.
            return max(self.first_day, end.date() - timedelta(days=1))
        return end.date()

    @property
    def days(self) -> list[date]:
        """Every local date the meeting takes place on, in order."""
        first = self.first_day
        return [first + timedelta(days=n) for n in range((self.last_day - first).days + 1)]

    @property
    def spans_days(self) -> bool:
        """Whether the meeting takes place on more than one day."""
        return self.last_day > self.first_day

    @property
    def is_public(self) -> bool:
        return self.visibility == "public" and self.status != MeetingStatus.DRAFT


class AgendaItem(db.Model):
    __tablename__ = "agenda_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # The local date, for a meeting over several days (None: the day the item before ended on).
    day: Mapped[date | None] = mapped_column(Date)
    # Local wall-clock time in the meeting's zone, or a duration, or both.
    start_time: Mapped[time | None] = mapped_column(Time)
    duration_minutes: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    presenter: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text)
    # The title in other languages: {"de": {"title": ...}} (see events.languages).
    translations: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")

    meeting: Mapped[Meeting] = relationship(back_populates="agenda_items")


@event.listens_for(Session, "before_flush")
def _touch_changed_meetings(session: Session, flush_context, instances) -> None:
    """A meeting's ``updated_at`` moves whenever anything its calendar entry shows changes:
    its agenda, its topics, the name of a topic, its venue. Feeds derive their validators
    (ETag, Last-Modified) and DTSTAMP from it."""
    now = utcnow()
    venue_ids: set[int] = set()
    topic_ids: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, AgendaItem):
            meeting = obj.meeting
            if meeting is not None and meeting not in session.deleted:
                meeting.updated_at = now
        elif (isinstance(obj, Meeting) and obj in session.dirty and session.is_modified(obj)
              and not inspect(obj).attrs.updated_at.history.has_changes()):
            # Also catches changes of the topics collection, which alone emit no UPDATE.
            obj.updated_at = now
        elif isinstance(obj, Venue) and obj.id is not None and session.is_modified(obj):
            venue_ids.add(obj.id)
        elif isinstance(obj, Topic) and obj.id is not None and obj in session.dirty and session.is_modified(obj):
            topic_ids.add(obj.id)
    if venue_ids:
        session.execute(update(Meeting).where(Meeting.venue_id.in_(venue_ids)).values(updated_at=now)
                        .execution_options(synchronize_session=False))
    if topic_ids:
        with_topic = select(meeting_topics.c.meeting_id).where(meeting_topics.c.topic_id.in_(topic_ids))
        session.execute(update(Meeting).where(Meeting.id.in_(with_topic)).values(updated_at=now)
                        .execution_options(synchronize_session=False))
