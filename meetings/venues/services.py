"""Venues: listing, saving, deleting."""
from __future__ import annotations

from sqlalchemy import func, select

from meetings.events.models import Meeting
from meetings.extensions import db
from meetings.venues.models import Venue

FIELDS = ("name", "room", "address", "postal_code", "city", "country", "map_url", "directions", "accessibility", "timezone")


def list_venues() -> list[Venue]:
    """All venues by name."""
    return list(db.session.scalars(select(Venue).order_by(Venue.name)))


def save_venue(venue: Venue | None, data: dict) -> Venue:
    """Create (venue None) or update a venue from form data; flushes."""
    if venue is None:
        venue = Venue()
        db.session.add(venue)
    for name in FIELDS:
        value = data.get(name)
        setattr(venue, name, value if value != "" else None)
    db.session.flush()
    return venue


def meetings_at(venue: Venue) -> int:
    """How many meetings use the venue."""
    return db.session.scalar(select(func.count()).select_from(Meeting).where(Meeting.venue_id == venue.id)) or 0


def delete_venue(venue: Venue) -> bool:
    """Delete a venue no meeting uses; returns False (and deletes nothing) otherwise."""
    if meetings_at(venue):
        return False
    db.session.delete(venue)
    db.session.flush()
    return True
