"""Venues where meetings take place."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from meetings.core.types import UTCDateTime, utcnow
from meetings.extensions import db


class Venue(db.Model):
    __tablename__ = "venues"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    city: Mapped[str] = mapped_column(String(120))
    country: Mapped[str] = mapped_column(String(5), default="NL")
    room: Mapped[str | None] = mapped_column(String(200))
    map_url: Mapped[str | None] = mapped_column(String(500))
    directions: Mapped[str | None] = mapped_column(Text)
    accessibility: Mapped[str | None] = mapped_column(Text)
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Amsterdam")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def one_line(self) -> str:
        """Name, room and address on one line, as used in LOCATION and lists."""
        parts = [self.name]
        if self.room:
            parts.append(self.room)
        street = self.address
        town = " ".join(p for p in (self.postal_code, self.city) if p)
        parts.extend(p for p in (street, town) if p)
        return ", ".join(parts)
