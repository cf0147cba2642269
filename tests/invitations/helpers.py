from __future__ import annotations

from icalendar import Calendar
from sqlalchemy import select

from meetings.extensions import db
from meetings.mail.models import OutboxMessage
from meetings.mail.outbox import prepare


def outbox(kind: str | None = None) -> list[OutboxMessage]:
    """The messages in the outbox, written as the outbox writes them when it delivers or shows them."""
    prepare()
    db.session.commit()
    db.session.expire_all()
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return list(db.session.scalars(query))


def vevent(ics: str | bytes):
    cal = Calendar.from_ical(ics)
    return cal, next(iter(cal.walk("VEVENT")))
