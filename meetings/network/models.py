"""Organisations, contacts and groups of contacts."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, String, Table, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetings.core.names import NAME_KEY_LENGTH, UniqueName
from meetings.core.types import UTCDateTime, utcnow
from meetings.extensions import db

COUNTRIES = ("NL", "DE", "BE", "OTHER")
ORGANISATION_KINDS = ("chamber", "agency", "university", "applied_university", "institute", "company", "other")
LANGUAGES = ("en", "de", "nl")

group_members = Table(
    "group_members",
    db.metadata,
    Column("group_id", ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True),
    Column("contact_id", ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True),
)


class Organisation(UniqueName, db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # The name folded for comparison (core.names): unique ignoring case on every database.
    name_key: Mapped[str] = mapped_column(String(NAME_KEY_LENGTH), unique=True)
    short_name: Mapped[str | None] = mapped_column(String(60))
    country: Mapped[str] = mapped_column(String(5), default="NL")
    kind: Mapped[str] = mapped_column(String(30), default="other")
    website: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    is_public: Mapped[bool] = mapped_column(default=True)
    # A partner of the cluster (not merely known to it or shown publicly): the follow-up
    # posts name these as the organisations the cluster works with.
    is_partner: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    contacts: Mapped[list["Contact"]] = relationship(back_populates="organisation", order_by="Contact.name")


class Contact(db.Model):
    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"), index=True)
    language: Mapped[str] = mapped_column(String(5), default="en")
    job_title: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The secret in the contact's personal calendar feed address; made on first need,
    # None when revoked (the old address then answers 404).
    feed_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Set when the organiser or the contact switched the feed off: no new address is then
    # made by itself (e.g. for an invitation email) until one of them asks for a new one.
    feed_revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A reminder alarm this many minutes before each meeting in the personal feed, if asked for.
    feed_alarm_minutes: Mapped[int | None] = mapped_column()
    # Mail to the address came back undelivered: when, and what the report said (cleared when
    # the person answers again).
    bounced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    bounce_detail: Mapped[str | None] = mapped_column(String(300))

    organisation: Mapped[Organisation | None] = relationship(back_populates="contacts")
    groups: Mapped[list["Group"]] = relationship(secondary=group_members, back_populates="members")


class Group(UniqueName, db.Model):
    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    name_key: Mapped[str] = mapped_column(String(NAME_KEY_LENGTH), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    members: Mapped[list[Contact]] = relationship(secondary=group_members, back_populates="groups", order_by="Contact.name")
