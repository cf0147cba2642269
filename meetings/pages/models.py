"""The texts of the cluster's own pages, one row per page and language, and the messages
sent through the contact form."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from meetings.core.enums import values_check
from meetings.core.types import UTCDateTime, utcnow
from meetings.extensions import db
from meetings.pages.states import PageKey


class SiteText(db.Model):
    """A page's title and Markdown text in one language, as an organiser wrote it. A language
    without a row shows the English one, and without that the built-in text (pages.defaults)."""

    __tablename__ = "site_pages"
    __table_args__ = (values_check("page", PageKey), UniqueConstraint("page", "language"))

    id: Mapped[int] = mapped_column(primary_key=True)
    page: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(5))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ContactMessage(db.Model):
    """A message sent through the contact form: kept before it is mailed to the cluster."""

    __tablename__ = "contact_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    organisation: Mapped[str | None] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(5), default="en")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
