"""The one iCalendar builder: invitations, .ics downloads and feeds all come from here.

Layered as three steps, each adding what its use needs:

1. ``meeting_event``: the VEVENT every use shares (UID, SEQUENCE, times with
   their zone, SUMMARY, LOCATION, DESCRIPTION with the agenda, URL, CATEGORIES,
   STATUS), and ORGANIZER/ATTENDEE only when asked;
2. ``calendar`` around events: PRODID, VERSION, the VTIMEZONEs the events use
   (once each), METHOD only for iTIP messages, and for feeds NAME and refresh
   hints; ``download`` and ``feed`` return its bytes;
3. ``Invitation``: METHOD REQUEST or CANCEL, with the organiser and the one
   participant as the only ATTENDEE, and their personal answer link; the part
   all participants share is built once, the person's own lines per message.
   ``decline_counter`` answers one attendee's proposal of another time.

The builder reads meeting and participant objects (their attributes only) and
never queries or imports a capability, so every caller gets the same bytes.
Text that the app itself writes into a calendar (the "Agenda" heading, link
labels) is translated into the reader's language.
"""
from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from typing import Any, Iterable, Sequence

from babel import Locale, UnknownLocaleError
from flask_babel import force_locale
from flask_babel import gettext as _
from icalendar import Alarm, Calendar, Event, vCalAddress, vCategory, vDuration, vText
from icalendar.parser.content_line import Contentline

from meetings.calendar.timezones import vtimezone
from meetings.core.formatting import by_day, day_long
from meetings.core.markdown import plain_text
from meetings.core.timezones import get_zone
from meetings.events.states import MeetingStatus
from meetings.participants.states import ParticipantStatus

PRODID = "-//Cluster Meetings//Meeting Manager//EN"
# Part of every feed's ETag: raise it when the builder's output changes for the same data.
FORMAT_VERSION = "3"
REFRESH = timedelta(hours=1)

STATUS_BY_MEETING = {MeetingStatus.DRAFT: "TENTATIVE", MeetingStatus.SCHEDULED: "CONFIRMED",
                     MeetingStatus.HELD: "CONFIRMED", MeetingStatus.CANCELLED: "CANCELLED"}
# A participant's answer as the PARTSTAT of their ATTENDEE line (RFC 5545 3.2.12).
PARTSTAT_BY_STATUS = {
    ParticipantStatus.INVITED: "NEEDS-ACTION",
    ParticipantStatus.ACCEPTED: "ACCEPTED",
    ParticipantStatus.TENTATIVE: "TENTATIVE",
    ParticipantStatus.DECLINED: "DECLINED",
    ParticipantStatus.DELEGATED: "DELEGATED",
    ParticipantStatus.REGISTERED: "ACCEPTED",
    ParticipantStatus.WAITING: "TENTATIVE",
    ParticipantStatus.CANCELLED: "DECLINED",
}
# What an invitation of a participant carries, and every METHOD the builder writes.
INVITATION_METHODS = ("REQUEST", "CANCEL")
METHODS = (*INVITATION_METHODS, "DECLINECOUNTER")

# Stand-ins for a participant's own values while the part all participants share is built:
# random per process, so no text a person enters can look like one.
_MARK = f"x{secrets.token_hex(8)}"
_LINK_MARK = f"https://{_MARK}.invalid/answer"
_MAILBOX_MARK = f"{_MARK}@{_MARK}.invalid"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


class Text(vText):
    """A TEXT value escaped exactly as RFC 5545 3.3.11 says.

    icalendar's own escaping first turns the two characters ``\\N`` into a line
    break, which corrupts text such as ``C:\\New``; this keeps every backslash.
    Control characters, which TEXT may not hold, are dropped; CR, LF and CRLF
    all become one escaped line break.
    """

    def to_ical(self) -> bytes:
        text = _CONTROL.sub("", _LINE_BREAK.sub("\n", str(self)))
        escaped = (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
                   .replace("\n", "\\n"))
        return escaped.encode(self.encoding)


def fold(line: str) -> bytes:
    """A content line folded exactly as icalendar folds it (RFC 5545 3.1), only faster:
    at most 74 octets before each fold, never inside a UTF-8 sequence, and a backslash
    or caret that would end a folded line starts the next one instead."""
    data = line.encode("utf-8")
    if len(data) <= 74:
        return data
    chunks, start = [], 0
    while len(data) - start > 74:
        end = start + 74
        while data[end] & 0xC0 == 0x80:
            end -= 1
        if data[end - 1] in b"\\^" and end - 1 > start:
            end -= 1
        chunks.append(data[start:end])
        start = end
    chunks.append(data[start:])
    return b"\r\n ".join(chunks)


def plain(text: str | None) -> str:
    """Text as it will come back out of a calendar: one kind of line break, no control characters."""
    return _CONTROL.sub("", _LINE_BREAK.sub("\n", text or ""))


def _one_line(text: str | None) -> str:
    """For parameter values such as CN, which cannot hold line breaks at all."""
    return " ".join(plain(text).split())


@dataclass(frozen=True)
class Person:
    """An ORGANIZER or ATTENDEE: a mailbox and a display name."""

    email: str
    name: str | None = None
    partstat: str = "NEEDS-ACTION"
    role: str = "REQ-PARTICIPANT"
    rsvp: bool = True
    # RFC 5546 delegation: the mailbox this attendee sent in their place, or stands in for.
    delegated_to: str | None = None
    delegated_from: str | None = None


@dataclass(frozen=True)
class AgendaLine:
    """One agenda item as the calendar shows it, with local start and end if known."""

    title: str
    presenter: str | None = None
    start: datetime | time | None = None
    end: datetime | time | None = None


def _address(person: Person) -> vCalAddress:
    if any(c in person.email for c in "\r\n") or "@" not in person.email:
        raise ValueError(f"not a mailbox: {person.email!r}")
    address = vCalAddress(f"mailto:{person.email}")
    # A double quote cannot stand inside a quoted parameter; RFC 6868 writes it as ^', which
    # Outlook shows as it is. The quote character is dropped from the name instead.
    name = _one_line(person.name).replace('"', "")
    if name:
        address.params["CN"] = name
    return address


def _attendee_address(attendee: Person) -> vCalAddress:
    address = _address(attendee)
    address.params["CUTYPE"] = "INDIVIDUAL"
    address.params["ROLE"] = attendee.role
    address.params["PARTSTAT"] = attendee.partstat
    if attendee.rsvp:
        address.params["RSVP"] = "TRUE"
    for param, mailbox in (("DELEGATED-TO", attendee.delegated_to), ("DELEGATED-FROM", attendee.delegated_from)):
        if mailbox:
            address.params[param] = _address(Person(email=mailbox)).to_ical().decode("utf-8")
    return address


def _attendee_line(attendee: Person) -> Contentline:
    address = _attendee_address(attendee)
    return Contentline.from_parts("ATTENDEE", address.params, address)


def _clock(value: datetime | time | None) -> str:
    if value is None:
        return ""
    return value.strftime("%H:%M")


def agenda_lines(meeting, schedule: Iterable[tuple[Any, Any, Any]] | None = None) -> list[AgendaLine]:
    """The agenda to print: from ``schedule`` (rows of item, local start, local end,
    as the events capability computes them) or else from the items' own start times."""
    if schedule is not None:
        return [AgendaLine(item.title, item.presenter, start, end) for item, start, end in schedule]
    return [AgendaLine(item.title, item.presenter, item.start_time, None)
            for item in sorted(meeting.agenda_items, key=lambda i: i.position)]


def _agenda_text(lines: Sequence[AgendaLine], several_days: bool = False, language: str | None = None) -> str:
    rows = [_("Agenda:")]
    # Over several days each day starts with its date in words (rows without a day follow the one before).
    for day, day_lines in by_day(lines, several_days, lambda line: line.start if isinstance(line.start, datetime)
                                 else None):
        if day is not None:
            rows.append(day_long(day, language))
        rows.extend(_agenda_row(line) for line in day_lines)
    return "\n".join(rows)


def _agenda_row(line: AgendaLine) -> str:
    when = _clock(line.start)
    if when and line.end is not None:
        when = f"{when}\u2013{_clock(line.end)}"
    title = plain(line.title)
    if line.presenter:
        title = _("%(title)s (%(presenter)s)", title=title, presenter=plain(line.presenter))
    return f"{when}  {title}" if when else f"- {title}"


def country_name(code: str | None, language: str) -> str:
    """A country code as a name in the reader's language ('DE' -> 'Germany'/'Deutschland')."""
    if not code:
        return ""
    try:
        return Locale.parse(language).territories.get(code.upper(), "") if len(code) == 2 else ""
    except (UnknownLocaleError, ValueError):
        return ""


def location_text(meeting, language: str) -> str:
    """Venue on one line plus its country, or the online link when there is no venue."""
    venue = meeting.venue
    if venue is not None:
        country = country_name(venue.country, language)
        return plain(", ".join(p for p in (venue.one_line(), country) if p))
    return plain(meeting.online_url or "")


def description_of(meeting) -> str:
    """The meeting's description as calendars show it: plain text from its Markdown, links as addresses."""
    return plain_text(meeting.description)


def last_change(meeting) -> datetime:
    """When the meeting last changed, to the second (LAST-MODIFIED, feeds' DTSTAMP, HTTP Last-Modified)."""
    return (meeting.updated_at or meeting.created_at).astimezone(timezone.utc).replace(microsecond=0)


def public_url(meeting, base_url: str) -> str:
    """The meeting's public page."""
    return f"{base_url.rstrip('/')}/events/{meeting.slug}"


def meeting_event(meeting, *, base_url: str, language: str, description_text: str | None = None,
                  include_organizer: bool = False, organizer: Person | None = None,
                  attendee: Person | None = None, status: str | None = None,
                  stamp: datetime | None = None, sequence: int | None = None,
                  agenda: Iterable[tuple[Any, Any, Any]] | None = None,
                  url: str | None = None, links: Sequence[str] = (), changed: datetime | None = None,
                  alarm_minutes: int | None = None) -> Event:
    """The VEVENT for one meeting.

    ``description_text`` replaces the meeting's description (the agenda and links
    follow it either way); ``agenda`` is the schedule with local times (rows of
    item, start, end); ``links`` are extra lines (already translated) at the end
    of the description, such as the personal answer link. DTSTAMP and
    LAST-MODIFIED come from the meeting's last change unless ``stamp`` is given,
    so the same data gives the same bytes. ``url`` defaults to the public page for
    public meetings and to none for others. ORGANIZER only with
    ``include_organizer`` (and ``organizer``), ATTENDEE only for ``attendee``:
    downloads and feeds carry neither, or clients would send replies to them.
    ``changed`` replaces the meeting's last change where the event shows more
    than the meeting (a personal feed also shows the reader's answer);
    ``alarm_minutes`` adds a display alarm that many minutes before the start.
    """
    zone = get_zone(meeting.timezone)
    updated = last_change(meeting) if changed is None else changed.astimezone(timezone.utc).replace(microsecond=0)
    with force_locale(language):
        parts = [plain(description_of(meeting) if description_text is None else description_text).strip()]
        lines = agenda_lines(meeting, agenda)
        if lines:
            parts.append(_agenda_text(lines, bool(getattr(meeting, "spans_days", False)), language))
        link_lines = []
        if meeting.online_url:
            link_lines.append(_("Join online: %(url)s", url=meeting.online_url))
        page = url if url is not None else (public_url(meeting, base_url) if meeting.is_public else None)
        # A meeting without a public page has the personal answer page as its URL: that link
        # is among ``links`` already and is not listed twice.
        if page and not any(page in line for line in links):
            link_lines.append(_("Meeting page: %(url)s", url=page))
        link_lines.extend(plain(line) for line in links)
        if link_lines:
            parts.append("\n".join(link_lines))
        location = location_text(meeting, language)
        alarm_text = _("Reminder: %(title)s", title=plain(meeting.title)) if alarm_minutes else None

    event = Event()
    event.add("uid", meeting.uid)
    event.add("dtstamp", (stamp or updated).astimezone(timezone.utc).replace(microsecond=0))
    event.add("sequence", meeting.sequence if sequence is None else sequence)
    if getattr(meeting, "all_day", False):
        # Whole days: DTSTART;VALUE=DATE and DTEND;VALUE=DATE the day after the last (RFC 5545
        # 3.6.1), no zone: the days are the same wherever the reader is.
        event.add("dtstart", meeting.first_day)
        event.add("dtend", meeting.last_day + timedelta(days=1))
    else:
        start, end = _event_times(meeting.starts_at, meeting.ends_at, zone)
        event.add("dtstart", start)
        event.add("dtend", end)
    event.add("created", meeting.created_at.astimezone(timezone.utc).replace(microsecond=0))
    event.add("last-modified", updated)
    event.add("summary", Text(plain(meeting.title)))
    if location:
        event.add("location", Text(location))
    description = "\n\n".join(p for p in parts if p)
    if description:
        event.add("description", Text(description))
    if page:
        event.add("url", page)
    if meeting.topics:
        categories = vCategory([])
        categories.cats = [Text(plain(topic.name)) for topic in meeting.topics]
        event.add("categories", categories)
    event.add("status", status or STATUS_BY_MEETING.get(meeting.status, "CONFIRMED"))
    event.add("transp", "OPAQUE")
    if include_organizer:
        if organizer is None:
            raise ValueError("include_organizer needs an organizer")
        event.add("organizer", _address(organizer))
    if attendee is not None:
        event.add("attendee", _attendee_address(attendee))
    if alarm_minutes:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("trigger", timedelta(minutes=-alarm_minutes))
        alarm.add("description", Text(alarm_text))
        event.add_component(alarm)
    return event


def _ambiguous(local: datetime) -> bool:
    return local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset()


def _event_times(starts_at: datetime, ends_at: datetime, zone) -> tuple[datetime, datetime]:
    """Start and end in the meeting's zone (with its VTIMEZONE), or both in UTC when
    either falls in the hour that a change back from summer time repeats: such a
    local time names two instants, and parsers differ on which one they take."""
    start = starts_at.astimezone(zone).replace(microsecond=0)
    end = ends_at.astimezone(zone).replace(microsecond=0)
    if _ambiguous(start) or _ambiguous(end):
        return start.astimezone(timezone.utc), end.astimezone(timezone.utc)
    return start, end


def _zone_years(events: Iterable[Event]) -> dict[str, set[int]]:
    years: dict[str, set[int]] = {}
    for event in events:
        for name in ("DTSTART", "DTEND"):
            value = event.get(name)
            moment = getattr(value, "dt", None)
            zone = getattr(getattr(moment, "tzinfo", None), "key", None)
            if zone:
                years.setdefault(zone, set()).add(moment.year)
    return years


def calendar(events_or_meetings: Iterable[Any], *, method: str | None = None, name: str | None = None,
             description: str | None = None, uid: str | None = None, refresh: timedelta | None = None,
             base_url: str | None = None, language: str = "en", url: str | None = None) -> Calendar:
    """A VCALENDAR around events (or meetings, made into events with ``meeting_event``).

    METHOD only when given (iTIP messages); a feed passes ``name``, a stable
    ``uid`` and ``refresh`` (how often clients should reload). Every zone the
    events use gets one RRULE-based VTIMEZONE, placed before the events.
    """
    if method is not None and method not in METHODS:
        raise ValueError(f"unsupported METHOD {method!r}")
    events = []
    for item in events_or_meetings:
        if isinstance(item, Event):
            events.append(item)
        else:
            if base_url is None:
                raise ValueError("base_url is needed to build events from meetings")
            events.append(meeting_event(item, base_url=base_url, language=language))
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    if name:
        cal.add("name", Text(plain(name)))
        cal.add("x-wr-calname", Text(plain(name)))
    if description:
        cal.add("x-wr-caldesc", Text(plain(description)))
    if uid:
        cal.add("uid", uid)
    if url:
        cal.add("url", url)
    if refresh is not None:
        # icalendar's refresh_interval setter leaves out VALUE=DURATION, which RFC 7986 requires.
        cal.add("refresh-interval", vDuration(refresh, params={"VALUE": "DURATION"}))
        cal.add("x-published-ttl", vDuration(refresh))
    for zone, years in sorted(_zone_years(events).items()):
        cal.add_component(vtimezone(zone, years))
    for event in events:
        cal.add_component(event)
    return cal


def serialise(cal: Calendar) -> bytes:
    """The calendar's bytes: icalendar's content lines, folded by :func:`fold` (the same
    bytes as ``to_ical()``, several times faster for a feed of a thousand events)."""
    return b"".join(fold(line) + b"\r\n" for line in cal.content_lines() if line)


def stable_uid(*parts: str) -> str:
    """A calendar-level UID that stays the same for the same feed."""
    return f"{uuid.uuid5(uuid.NAMESPACE_URL, '/'.join(parts))}@cluster-meetings"


def download(meeting, *, base_url: str, language: str, agenda=None) -> bytes:
    """One meeting as a .ics file to import (no METHOD, no ORGANIZER or ATTENDEE)."""
    event = meeting_event(meeting, base_url=base_url, language=language, agenda=agenda)
    return serialise(calendar([event]))


def feed(meetings_with_agenda: Iterable[tuple[Any, Any]], *, name: str, uid: str, base_url: str,
         language: str, description: str | None = None, url: str | None = None) -> bytes:
    """A subscribable feed: pairs of (meeting, agenda schedule or None), in order."""
    events = [meeting_event(meeting, base_url=base_url, language=language, agenda=agenda)
              for meeting, agenda in meetings_with_agenda]
    return serialise(calendar(events, name=name, description=description, uid=uid, refresh=REFRESH,
                    url=url))


def personal_feed(events: Iterable[Event], *, name: str, uid: str) -> bytes:
    """A contact's own feed: events already made with ``meeting_event`` (their answer
    in the description, an alarm if asked for), with the feed's name and refresh hints."""
    return serialise(calendar(list(events), name=name, uid=uid, refresh=REFRESH))


@dataclass(frozen=True)
class Rendered:
    """One VEVENT as it stands in a calendar: its folded bytes, and the years each zone
    it uses is needed for (its VTIMEZONE belongs to the calendar, not the event)."""

    data: bytes
    zones: tuple[tuple[str, tuple[int, ...]], ...]


def rendered(event: Event) -> Rendered:
    """``event`` serialised on its own, to be kept and put into feeds with :func:`feed_of`."""
    zones = tuple((zone, tuple(sorted(years))) for zone, years in sorted(_zone_years([event]).items()))
    return Rendered(serialise(event), zones)


def feed_of(events: Sequence[Rendered], *, name: str, uid: str, description: str | None = None,
            url: str | None = None) -> bytes:
    """A feed around events already rendered: the same bytes as :func:`feed` or
    :func:`personal_feed` give for the events they were rendered from."""
    years: dict[str, set[int]] = {}
    for event in events:
        for zone, zone_years in event.zones:
            years.setdefault(zone, set()).update(zone_years)
    cal = calendar([], name=name, description=description, uid=uid, refresh=REFRESH, url=url)
    for zone, zone_years in sorted(years.items()):
        cal.add_component(vtimezone(zone, zone_years))
    shell = serialise(cal)
    end = b"END:VCALENDAR\r\n"
    return b"".join([shell[:-len(end)], *(event.data for event in events), end])


class Invitation:
    """iTIP REQUESTs or CANCELs of one meeting to many participants (RFC 5546, sent by iMIP).

    Everything the participants share (the zone, times, agenda, location, the
    organiser, DTSTAMP) is built and folded once; :meth:`for_participant` adds
    the lines that are the person's own: their ATTENDEE line (the only one, with
    PARTSTAT from their answer and RSVP=TRUE) and the lines that carry their
    personal answer link (the description, and the URL of a meeting that has no
    public page). The organiser's mailbox must reach a person or the app, since
    calendar replies go there. DTSTAMP is now unless ``stamp`` is given;
    ``message`` (e.g. the organiser's note on an update) opens the description.
    """

    def __init__(self, meeting, *, method: str, organizer_email: str, organizer_name: str | None,
                 base_url: str, language: str, stamp: datetime | None = None, sequence: int | None = None,
                 agenda=None, message: str | None = None):
        if method not in INVITATION_METHODS:
            raise ValueError(f"unsupported METHOD {method!r}")
        with force_locale(language):
            answer_link = _("Your answer: %(url)s", url=_LINK_MARK)
        description = description_of(meeting)
        if message:
            description = "\n\n".join(p for p in (plain(message).strip(), description.strip()) if p)
        event = meeting_event(
            meeting, base_url=base_url, language=language, description_text=description,
            include_organizer=True, organizer=Person(email=organizer_email, name=organizer_name),
            attendee=Person(email=_MAILBOX_MARK),
            # iTIP allows only TENTATIVE or CONFIRMED in a REQUEST: one written after the
            # meeting was cancelled (and followed by the CANCEL) must not say otherwise.
            status="CANCELLED" if method == "CANCEL" else "CONFIRMED",
            stamp=stamp or datetime.now(timezone.utc), sequence=sequence, agenda=agenda,
            url=None if meeting.is_public else _LINK_MARK, links=[answer_link])
        self._organizer = Person(email=organizer_email, name=organizer_name)
        # Runs of shared lines, already folded, between the person's own (unfolded) lines. The
        # ORGANIZER is one of those: replies go to the person's own reply address, when there is one.
        self._pieces: list[bytes | Contentline] = []
        shared: list[bytes] = []
        for line in calendar([event], method=method).content_lines():  # as serialise() writes them
            if not line:
                continue
            if line.startswith(("ATTENDEE", "ORGANIZER")) or _LINK_MARK in line:
                self._pieces.append(b"".join(shared))
                self._pieces.append(line)
                shared = []
            else:
                shared.append(fold(line) + b"\r\n")
        self._pieces.append(b"".join(shared))

    def for_participant(self, participant, rsvp_url: str, *, delegated_to: str | None = None,
                        delegated_from: str | None = None, reply_address: str | None = None) -> bytes:
        """The calendar for one participant, whose answer page is ``rsvp_url``; one who sent a
        colleague names them (``delegated_to``), a colleague names whom they stand in for.
        ``reply_address`` replaces the organiser's mailbox in ORGANIZER (the name stays)."""
        link = str(Text(rsvp_url).to_ical(), "utf-8")
        out = []
        for piece in self._pieces:
            if isinstance(piece, bytes):
                out.append(piece)
                continue
            if piece.startswith("ORGANIZER"):
                organizer = _address(Person(email=reply_address or self._organizer.email, name=self._organizer.name))
                line = Contentline.from_parts("ORGANIZER", organizer.params, organizer)
            elif piece.startswith("ATTENDEE"):
                partstat = PARTSTAT_BY_STATUS.get(participant.status, "NEEDS-ACTION")
                line = _attendee_line(Person(email=participant.email, name=participant.name, partstat=partstat,
                                             rsvp=partstat != "DELEGATED", delegated_to=delegated_to,
                                             delegated_from=delegated_from))
            else:
                # URL holds the address as it is; TEXT values hold it escaped.
                line = Contentline(piece.replace(_LINK_MARK, rsvp_url if piece.startswith("URL") else link))
            out.append(fold(line) + b"\r\n")
        return b"".join(out)


def invitation(meeting, participant, *, method: str, organizer_email: str, organizer_name: str | None,
               base_url: str, rsvp_url: str, stamp: datetime | None = None, sequence: int | None = None,
               agenda=None, language: str | None = None, message: str | None = None,
               delegated_to: str | None = None, delegated_from: str | None = None,
               reply_address: str | None = None) -> bytes:
    """An iTIP REQUEST or CANCEL for one participant: an :class:`Invitation` of one."""
    language = language or getattr(participant, "language", None) or "en"
    return Invitation(meeting, method=method, organizer_email=organizer_email, organizer_name=organizer_name,
                      base_url=base_url, language=language, stamp=stamp, sequence=sequence, agenda=agenda,
                      message=message).for_participant(participant, rsvp_url, delegated_to=delegated_to,
                                                       delegated_from=delegated_from, reply_address=reply_address)


def decline_counter(meeting, participant, *, organizer_email: str, organizer_name: str | None,
                    language: str, stamp: datetime | None = None, sequence: int | None = None,
                    comment: str | None = None) -> bytes:
    """The organiser's METHOD:DECLINECOUNTER to the attendee who proposed another time (RFC 5546
    3.2.8): the meeting's UID and its current SEQUENCE, the organiser, that attendee alone and
    ``comment`` (the organiser's words, else a sentence saying the time stays), in ``language``.

    It carries no DTSTART, DTEND, SUMMARY or LOCATION: the table of 3.2.8 allows none of them,
    the event the attendee holds stays as it is, and only the proposal is turned down.
    """
    with force_locale(language):
        text = plain(comment).strip() or _("The organiser keeps the meeting at the time planned.")
    event = Event()
    event.add("uid", meeting.uid)
    event.add("dtstamp", (stamp or datetime.now(timezone.utc)).astimezone(timezone.utc).replace(microsecond=0))
    event.add("sequence", meeting.sequence if sequence is None else sequence)
    event.add("organizer", _address(Person(email=organizer_email, name=organizer_name)))
    partstat = PARTSTAT_BY_STATUS.get(participant.status, "NEEDS-ACTION")
    event.add("attendee", _attendee_address(Person(email=participant.email, name=participant.name,
                                                   partstat=partstat, rsvp=False)))
    event.add("comment", Text(text))
    return serialise(calendar([event], method="DECLINECOUNTER"))


# --- holds: a candidate date of a poll, kept free in the calendars while people decide ------------

class HeldSlot:
    """A meeting as one candidate slot of its poll shows it: the slot's own UID, SEQUENCE and
    times, the title marked "(held)" in the reader's language; everything else is the meeting's.
    Duck-typed like a meeting, so :func:`meeting_event` builds its VEVENT as for any meeting."""

    def __init__(self, meeting, slot, *, language: str, sequence: int | None = None):
        self._meeting = meeting
        self.uid, self.starts_at, self.ends_at = slot.uid, slot.starts_at, slot.ends_at
        self.timezone, self.all_day = slot.timezone, bool(slot.all_day)
        self.sequence = slot.sequence if sequence is None else sequence
        self.first_day, self.last_day, self.spans_days = slot.first_day, slot.last_day, slot.spans_days
        with force_locale(language):
            self.title = _("(held) %(title)s", title=plain(meeting.title))
        # A hold is no public entry: it links to the person's own poll page only.
        self.is_public = False

    def __getattr__(self, name: str):
        return getattr(self._meeting, name)


def hold_event(meeting, slot, *, base_url: str, language: str, link: str | None = None,
               stamp: datetime | None = None) -> Event:
    """The VEVENT of one slot's hold (``STATUS:TENTATIVE``, no ORGANIZER or ATTENDEE), as a
    personal feed shows it while the poll is open; ``link`` is the person's poll page."""
    held = HeldSlot(meeting, slot, language=language)
    with force_locale(language):
        links = [_("Your answers: %(url)s", url=link)] if link else []
    return meeting_event(held, base_url=base_url, language=language, status="TENTATIVE", stamp=stamp,
                         url=link or "", links=links, agenda=())


class Holds:
    """iTIP REQUESTs (``STATUS:TENTATIVE``) or CANCELs of one slot's hold to many people: the
    shared lines built once by :class:`Invitation`'s machinery, the person's own lines (their
    ATTENDEE line and their poll link) per message. ``sequence`` is the SEQUENCE sent."""

    def __init__(self, meeting, slot, *, method: str, organizer_email: str, organizer_name: str | None,
                 base_url: str, language: str, sequence: int, stamp: datetime | None = None):
        if method not in INVITATION_METHODS:
            raise ValueError(f"unsupported METHOD {method!r}")
        held = HeldSlot(meeting, slot, language=language, sequence=sequence)
        with force_locale(language):
            link_line = _("Your answers: %(url)s", url=_LINK_MARK)
        event = meeting_event(
            held, base_url=base_url, language=language, include_organizer=True,
            organizer=Person(email=organizer_email, name=organizer_name), attendee=Person(email=_MAILBOX_MARK),
            status="CANCELLED" if method == "CANCEL" else "TENTATIVE",
            stamp=stamp or datetime.now(timezone.utc), sequence=sequence, agenda=(),
            url=_LINK_MARK, links=[link_line])
        self._organizer = Person(email=organizer_email, name=organizer_name)
        self._pieces: list[bytes | Contentline] = []
        shared: list[bytes] = []
        for line in calendar([event], method=method).content_lines():
            if not line:
                continue
            if line.startswith(("ATTENDEE", "ORGANIZER")) or _LINK_MARK in line:
                self._pieces.append(b"".join(shared))
                self._pieces.append(line)
                shared = []
            else:
                shared.append(fold(line) + b"\r\n")
        self._pieces.append(b"".join(shared))

    for_participant = Invitation.for_participant

    def for_person(self, person, link: str) -> bytes:
        """The hold for one person asked (``email``, ``name``; no answer yet in the calendar's terms)."""
        return self.for_participant(_Asked(person.email, person.name), link)


@dataclass(frozen=True)
class _Asked:
    """A person asked in a poll as an ATTENDEE: no answer recorded in calendar terms."""

    email: str
    name: str | None
    status: str = ParticipantStatus.INVITED
