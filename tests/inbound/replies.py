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


# --- as each calendar app sends them ---------------------------------------------------------

def _stamp(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def _calendar(prodid: str, method: str, lines: list[str]) -> str:
    body = ["BEGIN:VCALENDAR", f"PRODID:{prodid}", "VERSION:2.0", f"METHOD:{method}", "BEGIN:VEVENT", *lines,
            "END:VEVENT", "END:VCALENDAR"]
    return "\r\n".join(body) + "\r\n"


def outlook_reply(uid: str, attendee: str, partstat: str = "ACCEPTED", *, to: str, sequence: int = 0,
                  title: str = "Core Team meeting", typed: str = "", name: str = "Anna",
                  organizer: str | None = "cluster@meetings.test", msgid: str | None = None) -> bytes:
    """Outlook for Windows (and Outlook.com with ``organizer=None``).

    Shape: Microsoft's [MS-OXCICAL] iCalendar export of a meeting response: METHOD:REPLY, a
    VEVENT with the one replying ATTENDEE (PARTSTAT and CN, no RSVP), "Accepted: title"
    as SUMMARY and subject, X-MICROSOFT-CDO-* lines, the typed words in the mail body
    ("Edit the response before sending") and no COMMENT; the calendar part base64 in
    multipart/alternative. Outlook.com replies have been seen without ORGANIZER
    (nextcloud/server issue 53949), hence ``organizer=None``.
    """
    word = {"ACCEPTED": "Accepted", "TENTATIVE": "Tentative", "DECLINED": "Declined"}.get(partstat, partstat)
    lines = [f'ATTENDEE;PARTSTAT={partstat};CN="{name}":mailto:{attendee}', "CLASS:PUBLIC",
             "CREATED:20261203T093000Z", "DTEND:20270702T110000Z", "DTSTAMP:20261203T093000Z",
             "DTSTART:20270702T080000Z", "LAST-MODIFIED:20261203T093000Z", "PRIORITY:5",
             f"SEQUENCE:{sequence}", f"SUMMARY;LANGUAGE=en-US:{word}: {title}", "TRANSP:OPAQUE", f"UID:{uid}",
             "X-MICROSOFT-CDO-APPT-SEQUENCE:" + str(sequence), "X-MICROSOFT-CDO-OWNERAPPTID:2121388526",
             "X-MICROSOFT-CDO-REPLYTIME:20261203T093000Z"]
    if organizer:
        lines.insert(1, f'ORGANIZER;CN="Cluster office":mailto:{organizer}')
    ics = _calendar("-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN", "REPLY", lines)
    return mail(ics, sender=attendee, sender_name=name, to=to, subject=f"{word}: {title}", body=typed,
                msgid=msgid or message_id("outlook"), headers={"X-Mailer": "Microsoft Outlook 16.0",
                                                               "Thread-Topic": title})


def gmail_reply(uid: str, attendee: str, partstat: str = "ACCEPTED", *, to: str, sequence: int = 0,
                title: str = "Core Team meeting", note: str = "", name: str = "Anna",
                msgid: str | None = None) -> bytes:
    """Google Calendar, answering from Gmail.

    Shape: Google's reply mails: subject "Accepted: title @ when (address)", a body Google
    writes itself ("Anna has accepted this invitation.", the event, "Invitation from Google
    Calendar") with the note the person typed above it, and the calendar twice: inline
    text/calendar and an invite.ics attachment. The ATTENDEE line carries CUTYPE, ROLE, CN
    (often the address itself) and X-NUM-GUESTS; a note may also be a COMMENT.
    """
    word = {"ACCEPTED": "Accepted", "TENTATIVE": "Tentative", "DECLINED": "Declined"}.get(partstat, partstat)
    verb = {"ACCEPTED": "accepted", "TENTATIVE": "tentatively accepted", "DECLINED": "declined"}.get(partstat, "")
    lines = ["DTSTART:20270702T080000Z", "DTEND:20270702T130000Z", "DTSTAMP:20261203T093000Z",
             "ORGANIZER;CN=Cluster office:mailto:cluster@meetings.test", f"UID:{uid}",
             f"ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT={partstat};CN={attendee};"
             f"X-NUM-GUESTS=0:mailto:{attendee}", "CREATED:20261201T080000Z", "LAST-MODIFIED:20261203T093000Z",
             "LOCATION:Enschede", f"SEQUENCE:{sequence}", "STATUS:CONFIRMED", f"SUMMARY:{title}",
             "TRANSP:OPAQUE"]
    if note:
        lines.append(f"COMMENT:{note}")
    ics = _calendar("-//Google Inc//Google Calendar 70.9054//EN", "REPLY", lines)
    body = ((note + "\n\n") if note else "") + (
        f"{name} has {verb} this invitation.\n\n{title}\nFriday 2 Jul 2027 10:00 – 15:00 (CEST)\n\n"
        "Invitation from Google Calendar\n\nYou are receiving this email because you are an attendee on the event.\n")
    return mail(ics, sender=attendee, sender_name=name, to=to, msgid=msgid or message_id("gmail"),
                subject=f"{word}: {title} @ Fri 2 Jul 2027 10am - 3pm (CEST) ({attendee})", body=body,
                attach_copy=True, headers={"Sender": "Google Calendar <calendar-notification@google.com>"})


def apple_reply(uid: str, attendee: str, partstat: str = "ACCEPTED", *, to: str, sequence: int = 0,
                title: str = "Core Team meeting", comment: str | None = None, name: str = "Anna",
                msgid: str | None = None) -> bytes:
    """Apple Calendar (macOS / iOS) answering an invitation received by mail.

    Shape: what Apple's calendar server's iMIP code (ccs-calendarserver imip) and Calendar
    send: a short text part, the calendar as text/calendar with method=REPLY in quoted
    printable, PRODID "-//Apple Inc.//...", the ATTENDEE with CN, EMAIL and PARTSTAT, and
    a typed note as COMMENT (Calendar's "Add a note" field), never in the mail body.
    """
    lines = [f"UID:{uid}", "DTSTART;TZID=Europe/Amsterdam:20270702T100000",
             "DTEND;TZID=Europe/Amsterdam:20270702T150000", "DTSTAMP:20261203T093000Z",
             f"SEQUENCE:{sequence}", f"SUMMARY:{title}",
             f'ATTENDEE;CN="{name}";EMAIL={attendee};PARTSTAT={partstat}:mailto:{attendee}',
             'ORGANIZER;CN="Cluster office":mailto:cluster@meetings.test']
    if comment:
        lines.append(f"COMMENT:{comment}")
    ics = _calendar("-//Apple Inc.//macOS 14.5//EN", "REPLY", lines)
    timezone_block = ("BEGIN:VTIMEZONE\r\nTZID:Europe/Amsterdam\r\nBEGIN:DAYLIGHT\r\nTZOFFSETFROM:+0100\r\n"
                      "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nDTSTART:19810329T020000\r\nTZNAME:CEST\r\n"
                      "TZOFFSETTO:+0200\r\nEND:DAYLIGHT\r\nBEGIN:STANDARD\r\nTZOFFSETFROM:+0200\r\n"
                      "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nDTSTART:19961027T030000\r\nTZNAME:CET\r\n"
                      "TZOFFSETTO:+0100\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n")
    ics = ics.replace("BEGIN:VEVENT", timezone_block + "BEGIN:VEVENT", 1)
    word = {"ACCEPTED": "accepted", "TENTATIVE": "tentatively accepted", "DECLINED": "declined"}.get(partstat, "")
    return mail(ics, sender=attendee, sender_name=name, to=to, msgid=msgid or message_id("apple"),
                subject=f"Invitation: {title} ({word})", body=f"{name} has {word} your invitation.",
                cte="quoted-printable", headers={"X-Mailer": "Apple Mail (2.3774)"})


def thunderbird_reply(uid: str, attendee: str, partstat: str = "ACCEPTED", *, to: str, sequence: int = 0,
                      title: str = "Core Team meeting", comment: str | None = None, name: str = "Anna",
                      msgid: str | None = None, method: str = "REPLY") -> bytes:
    """Thunderbird (its calendar, formerly Lightning).

    Shape: Thunderbird's calItipUtils: the REPLY carries the full VEVENT as the person's
    calendar holds it (DTSTART/DTEND, SUMMARY, LOCATION, DESCRIPTION, ORGANIZER,
    X-MOZ-* lines) with the replying ATTENDEE, a body it writes itself ("Anna has
    accepted your event invitation."), and the calendar part as text/calendar with
    method=REPLY. ``method="REFRESH"`` is its "ask the organiser for the current
    version" (RFC 5546 3.2.6): UID, ORGANIZER, ATTENDEE and DTSTAMP only.
    """
    if method == "REFRESH":
        lines = [f"UID:{uid}", "DTSTAMP:20261203T093000Z",
                 "ORGANIZER;CN=Cluster office:mailto:cluster@meetings.test", f"ATTENDEE;CN={name}:mailto:{attendee}"]
        ics = _calendar("-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN", "REFRESH", lines)
        return mail(ics, sender=attendee, sender_name=name, to=to, subject=f"Refresh: {title}", method="REFRESH",
                    body="", msgid=msgid or message_id("thunderbird"), headers={"User-Agent": "Thunderbird 128.5"})
    lines = ["CREATED:20261201T080000Z", "LAST-MODIFIED:20261203T093000Z", "DTSTAMP:20261203T093000Z",
             f"UID:{uid}", f"SUMMARY:{title}", "ORGANIZER;CN=Cluster office:mailto:cluster@meetings.test",
             f"ATTENDEE;RSVP=TRUE;CN={name};PARTSTAT={partstat};ROLE=REQ-PARTICIPANT:mailto:{attendee}",
             "DTSTART:20270702T080000Z", "DTEND:20270702T130000Z", "LOCATION:Enschede",
             "DESCRIPTION:A meeting of the cluster.", f"SEQUENCE:{sequence}", "TRANSP:OPAQUE",
             "X-MOZ-RECEIVED-SEQUENCE:" + str(sequence), "X-MOZ-RECEIVED-DTSTAMP:20261201T080000Z"]
    if comment:
        lines.append(f"COMMENT:{comment}")
    ics = _calendar("-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN", "REPLY", lines)
    verb = {"ACCEPTED": "accepted", "TENTATIVE": "accepted tentatively", "DECLINED": "declined"}.get(partstat, "")
    word = {"ACCEPTED": "Accepted", "TENTATIVE": "Tentative", "DECLINED": "Declined"}.get(partstat, partstat)
    return mail(ics, sender=attendee, sender_name=name, to=to, subject=f"{word}: {title}",
                body=f"{name} has {verb} your event invitation.", msgid=msgid or message_id("thunderbird"),
                headers={"User-Agent": "Thunderbird 128.5"})


CLIENTS = {"outlook": outlook_reply, "gmail": gmail_reply, "apple": apple_reply, "thunderbird": thunderbird_reply}
