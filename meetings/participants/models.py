"""One list of participants per meeting: invitees, registrants, walk-ins."""
from __future__ import annotations

import base64
import re
import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetings.core.enums import values_check
from meetings.core.types import UTCDateTime, utcnow
from meetings.events.models import Meeting
from meetings.extensions import db
from meetings.network.models import Contact, Organisation
from meetings.participants.states import ParticipantKind, ParticipantStatus


def new_token() -> str:
    """An unguessable token (256 bits) for a participant's personal link."""
    return secrets.token_urlsafe(32)


def new_reply_token() -> str:
    """An unguessable token (160 bits) for the local part of a participant's reply address.

    Lowercase base32: mail systems may fold the case of a local part, and the token must
    survive that, as it must survive being put in ``rsvp+<token>@domain``.
    """
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii").lower()


# What new_reply_token() makes; anything else in a reply address is no token.
REPLY_TOKEN_SHAPE = re.compile(r"[a-z2-7]{32}")


class Participant(db.Model):
    __tablename__ = "participants"
    __table_args__ = (
        UniqueConstraint("meeting_id", "email", name="uq_participants_meeting_email"),
        values_check("kind", ParticipantKind),
        values_check("status", ParticipantStatus),
        values_check("previous_answer", ParticipantStatus),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default=ParticipantKind.INVITEE)
    status: Mapped[str] = mapped_column(String(20), default=ParticipantStatus.INVITED, index=True)
    # Copied from the contact (or typed by a registrant) so the list survives contact edits.
    name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"))
    organisation_name: Mapped[str | None] = mapped_column(String(200))
    country: Mapped[str | None] = mapped_column(String(5))
    language: Mapped[str] = mapped_column(String(5), default="en")
    token: Mapped[str] = mapped_column(String(64), unique=True, default=new_token)
    # Scopes calendar replies to this person: ``rsvp+<reply_token>@...`` is their ORGANIZER address.
    reply_token: Mapped[str] = mapped_column(String(32), unique=True, default=new_reply_token)
    comment: Mapped[str | None] = mapped_column(Text)
    attended: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the answer came from the person's calendar app (an iTIP REPLY), at that time.
    answered_in_calendar_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The invitation cycle: when the first invitation was queued, the SEQUENCE the
    # person's calendar last received, the last reminder, and whom they stand in for.
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_sequence: Mapped[int | None] = mapped_column()
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delegated_from_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id", ondelete="SET NULL"))
    # What the invitee who sent this colleague wrote to them (shown in the colleague's invitation).
    delegation_message: Mapped[str | None] = mapped_column(Text)
    # The answer an update of time or place set back to "no answer yet" (until they answer again).
    previous_answer: Mapped[str | None] = mapped_column(String(20))
    # Public registration: ``pending`` until the email is confirmed; then a seat or a
    # place in the waiting list (1 = next to move up). Erasing keeps the row for counts.
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    waitlist_position: Mapped[int | None] = mapped_column()
    dietary: Mapped[str | None] = mapped_column(String(500))
    accessibility: Mapped[str | None] = mapped_column(String(500))
    consented_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Mail to the address came back undelivered (a bounce): when, and what the report said.
    # Cleared when the person answers again.
    bounced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    bounce_detail: Mapped[str | None] = mapped_column(String(300))

    @property
    def organisation_label(self) -> str:
        """The organisation the person came for, as recorded ("" if none)."""
        return self.organisation.name if self.organisation is not None else (self.organisation_name or "")

    meeting: Mapped[Meeting] = relationship()
    contact: Mapped[Contact | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
    delegated_from: Mapped["Participant | None"] = relationship(remote_side="Participant.id")
