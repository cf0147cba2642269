"""Venues: listing, saving, deleting."""
from __future__ import annotations

from sqlalchemy import select

from meetings.extensions import db
from meetings.venues.models import Venue
from meetings.venues.signals import venue_in_use

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
    """How many meetings use the venue (the events capability answers ``venue_in_use``)."""
    return sum(count for _, count in venue_in_use.send(venue))


def delete_venue(venue: Venue) -> bool:
    """Delete a venue no meeting uses; returns False (and deletes nothing) otherwise."""
    if meetings_at(venue):
        return False
    db.session.delete(venue)
    db.session.flush()
    return True
