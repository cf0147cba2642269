"""Emails as calendar apps send them back, for the tests of every door and handler.

``mail`` wraps a calendar part (or none) in an email; ``reply_calendar`` writes an iTIP
calendar object. The client shapes below follow what each client is documented or
reported to send; each says where its shape comes from.
"""
from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime

from icalendar import Calendar, Event, vCalAddress

_ids = itertools.count(1)
STAMP = datetime(2026, 12, 3, 9, 30, tzinfo=timezone.utc)


def message_id(label: str = "reply") -> str:
    return f"<{label}-{next(_ids)}@client.example>"


def reply_calendar(uid: str, attendee: str, partstat: str = "ACCEPTED", *, method: str = "REPLY",
                   sequence: int | None = 0, organizer: str | None = "cluster@meetings.test",
                   attendee_name: str | None = None, comment: str | None = None,
                   prodid: str = "-//Cluster meetings//tests//EN", summary: str | None = None,
                   start: datetime | None = None, end: datetime | None = None, location: str | None = None,
                   others: tuple[tuple[str, str], ...] = (), delegated_to: str | None = None,
                   recurrence_id: datetime | None = None, extra_events: int = 0) -> str:
    """An iTIP calendar (RFC 5546) with one VEVENT answering ``uid`` for ``attendee``.

    ``others``: more ATTENDEE lines (address, PARTSTAT), as a client that sends the full
    event writes them; ``extra_events``: more VEVENTs (a malformed reply).
    """
    cal = Calendar()
    cal.add("prodid", prodid)
    cal.add("version", "2.0")
    cal.add("method", method)
    for n in range(1 + extra_events):
        event = Event()
        event.add("uid", uid)
        event.add("dtstamp", STAMP)
        if sequence is not None:
            event.add("sequence", sequence)
        if organizer:
            event.add("organizer", vCalAddress(f"mailto:{organizer}"))
        line = vCalAddress(f"mailto:{attendee}")
        line.params["PARTSTAT"] = partstat
        if attendee_name:
            line.params["CN"] = attendee_name
        if delegated_to:
            line.params["DELEGATED-TO"] = f"mailto:{delegated_to}"
        event.add("attendee", line)
        for address, other_partstat in others:
            other = vCalAddress(f"mailto:{address}")
            other.params["PARTSTAT"] = other_partstat
            event.add("attendee", other)
        if comment:
            event.add("comment", comment)
        if summary:
            event.add("summary", summary)
        if start:
            event.add("dtstart", start)
            event.add("dtend", end or start + timedelta(hours=1))
        if location:
            event.add("location", location)
        if recurrence_id:
            event.add("recurrence-id", recurrence_id)
        cal.add_component(event)
    return cal.to_ical().decode("utf-8")


def mail(ical: str | bytes | None = None, *, sender: str = "anna@example.org", sender_name: str | None = "Anna",
         to: str = "rsvp@meetings.test", subject: str = "Accepted: Core Team meeting", body: str | None = None,
         msgid: str | None = None, method: str | None = "REPLY", charset: str = "utf-8", cte: str = "base64",
         headers: dict[str, str] | None = None, attach_copy: bool = False) -> bytes:
    """An email with a text part and, when ``ical`` is given, a text/calendar part (iMIP, RFC 6047)."""
    message = EmailMessage()
    message["From"] = f"{sender_name} <{sender}>" if sender_name else sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(STAMP)
    message["Message-ID"] = msgid or message_id()
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body if body is not None else "")
    if ical is not None:
        data = ical.encode(charset) if isinstance(ical, str) else ical
        params = {"method": method} if method else {}
        message.add_alternative(data, maintype="text", subtype="calendar", cte=cte, params=params)
        # set_content on bytes drops the charset; the calendar part names it as clients do.
        message.get_payload()[-1].set_param("charset", charset)
        if attach_copy:
            message.make_mixed()
            message.add_attachment(data, maintype="application", subtype="ics", filename="invite.ics")
    return message.as_bytes()
