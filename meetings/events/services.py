"""Meetings, topics and agenda on the organiser side: saving, publishing, deleting,
and computing the agenda's times. No request objects here; callers commit.
"""
from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Iterable, Protocol, Sequence

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import selectinload

from meetings.core.names import find_by_name
from meetings.core.timezones import LocalTimeError, get_zone, start_of_day, to_utc
from meetings.core.types import utcnow
from meetings.events.models import AgendaItem, Meeting, MeetingStatus, Topic, meeting_topics
from meetings.events.signals import meeting_deleting
from meetings.extensions import db

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_MAX = 120
TABS = ("upcoming", "past", "drafts")

# German and Dutch letters that Unicode decomposition would simply drop the marks from;
# "Müller" must become "mueller", not "muller".
_TRANSLITERATION = str.maketrans({
    "ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss", "ẞ": "SS",
    "æ": "ae", "Æ": "Ae", "ø": "oe", "Ø": "Oe", "å": "aa", "Å": "Aa", "œ": "oe", "Œ": "Oe",
    "ĳ": "ij", "Ĳ": "IJ", "&": " and ",
})


# --- slugs ----------------------------------------------------------------------

def slugify(text: str, max_length: int = SLUG_MAX) -> str:
    """Turn a title into an address part: 'Über Qualität & KI' -> 'ueber-qualitaet-and-ki'.

    Umlauts are transliterated (ä -> ae), other accents dropped, everything else
    that is not a letter or digit becomes a single hyphen. May return ''.
    """
    text = (text or "").translate(_TRANSLITERATION)
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-")


def _slug_taken(model, slug: str, exclude_id: int | None) -> bool:
    query = select(model.id).where(model.slug == slug)
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    return db.session.scalar(query.limit(1)) is not None


def unique_slug(model, base: str, exclude_id: int | None = None, fallback: str = "meeting") -> str:
    """``base`` if free among ``model``'s slugs, else ``base-2``, ``base-3``...

    The suffix is kept within the column's 120 characters by shortening the base.
    """
    base = base or fallback
    candidate, n = base, 1
    while _slug_taken(model, candidate, exclude_id):
        n += 1
        suffix = f"-{n}"
        candidate = base[:SLUG_MAX - len(suffix)].rstrip("-") + suffix
    return candidate


def meeting_slug_taken(slug: str, exclude_id: int | None = None) -> bool:
    """Whether another meeting already uses ``slug``."""
    return _slug_taken(Meeting, slug, exclude_id)


# --- meetings -------------------------------------------------------------------

def get_meeting(meeting_id: int) -> Meeting | None:
    """A meeting with its venue, topics and agenda loaded in a fixed number of queries."""
    return db.session.scalar(
        select(Meeting).where(Meeting.id == meeting_id)
        .options(selectinload(Meeting.venue), selectinload(Meeting.topics), selectinload(Meeting.agenda_items)))


def lock_meeting(meeting_id: int) -> Meeting:
    """Lock the meeting's row until the transaction ends and return it freshly loaded.

    PostgreSQL: ``FOR NO KEY UPDATE``, which waits for other seat changes but not for
    inserts of participants (their foreign key takes only a key-share lock). SQLite:
    a no-op write takes the database's write lock, as ``BEGIN IMMEDIATE`` would.
    """
    session = db.session
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("UPDATE meetings SET sequence = sequence WHERE id = :id"), {"id": meeting_id})
        query = select(Meeting).where(Meeting.id == meeting_id)
    else:
        query = select(Meeting).where(Meeting.id == meeting_id).with_for_update(key_share=True)
    return session.scalars(query.execution_options(populate_existing=True)).one()


def list_meetings(tab: str, now: datetime | None = None) -> list[Meeting]:
    """Meetings for one organiser tab: 'upcoming' and 'past' (not drafts, split at
    the end time), or 'drafts'; soonest first, past ones latest first."""
    now = now or utcnow()
    query = select(Meeting).options(selectinload(Meeting.venue))
    if tab == "drafts":
        query = query.where(Meeting.status == MeetingStatus.DRAFT).order_by(Meeting.starts_at)
    elif tab == "past":
        query = (query.where(Meeting.status != MeetingStatus.DRAFT, Meeting.ends_at < now)
                 .order_by(Meeting.starts_at.desc()))
    else:
        query = query.where(Meeting.status != MeetingStatus.DRAFT, Meeting.ends_at >= now).order_by(Meeting.starts_at)
    return list(db.session.scalars(query))


def list_topics() -> list[Topic]:
    """All topics by name."""
    return list(db.session.scalars(select(Topic).order_by(Topic.name)))


def save_meeting(meeting: Meeting | None, data: dict) -> Meeting:
    """Create (``meeting`` None) or update a meeting; flushes.

    ``data`` holds the model's values, already checked and converted: UTC
    datetimes, ``timezone``, ``venue_id`` (or None), ``topic_ids``, and ``slug``
    (empty: made from the title, with -2, -3... if taken); ``translations`` if given
    (see ``events.languages``) replaces the stored ones.
    """
    # Look everything up before touching the meeting, so no half-filled row is autoflushed.
    slug = data.get("slug") or unique_slug(Meeting, slugify(data["title"]),
                                           exclude_id=meeting.id if meeting else None)
    topic_ids = [int(t) for t in data.get("topic_ids") or ()]
    topics = list(db.session.scalars(select(Topic).where(Topic.id.in_(topic_ids)))) if topic_ids else []
    if meeting is None:
        meeting = Meeting()
        db.session.add(meeting)
    meeting_all_day = bool(data.get("all_day"))
    for name in ("title", "language", "starts_at", "ends_at", "timezone", "venue_id", "online_url",
                 "visibility", "status", "capacity", "registration_opens_at", "registration_closes_at"):
        value = data.get(name)
        setattr(meeting, name, value if value != "" else None)
    meeting.all_day = meeting_all_day
    meeting.description = data.get("description") or ""
    if "translations" in data:
        # A new dict, not a change inside the old one: the JSON column notices only replacement.
        meeting.translations = dict(data["translations"] or {})
    meeting.slug = slug
    meeting.topics = topics
    db.session.flush()
    return meeting


def publish_meeting(meeting: Meeting) -> bool:
    """Move a draft to ``scheduled``; returns False (and changes nothing) for any other status."""
    if meeting.status != MeetingStatus.DRAFT:
        return False
    meeting.status = MeetingStatus.SCHEDULED
    db.session.flush()
    return True


def delete_meeting(meeting: Meeting) -> bool:
    """Delete a draft with its agenda and participants; returns False (deleting
    nothing) when the meeting is not a draft."""
    if meeting.status != MeetingStatus.DRAFT:
        return False
    # SQLite does not enforce ON DELETE CASCADE without a pragma, so remove the rows here.
    meeting_deleting.send(meeting)
    db.session.delete(meeting)
    db.session.flush()
    return True


# --- topics ---------------------------------------------------------------------

def topic_name_taken(name: str, exclude_id: int | None = None) -> bool:
    """Whether another topic has this name (ignoring case, in any language)."""
    return find_by_name(Topic, name, exclude_id=exclude_id) is not None


def create_topic(name: str) -> Topic:
    """Add a topic; its slug is made from the name and kept unique. Flushes."""
    topic = Topic(name=name, slug=unique_slug(Topic, slugify(name), fallback="topic"))
    db.session.add(topic)
    db.session.flush()
    return topic


def rename_topic(topic: Topic, name: str) -> Topic:
    """Rename a topic. The slug stays: it is part of the topic's public feed address."""
    topic.name = name
    db.session.flush()
    return topic


def topic_usage() -> dict[int, int]:
    """How many meetings carry each topic, by topic id."""
    rows = db.session.execute(select(meeting_topics.c.topic_id, func.count())
                              .group_by(meeting_topics.c.topic_id))
    return {topic_id: count for topic_id, count in rows}


def delete_topic(topic: Topic) -> None:
    """Delete a topic and take it off every meeting. Flushes."""
    db.session.execute(delete(meeting_topics).where(meeting_topics.c.topic_id == topic.id))
    db.session.delete(topic)
    db.session.flush()


# --- agenda ---------------------------------------------------------------------

class AgendaEntry(Protocol):
    title: str
    day: date | None
    start_time: time | None
    duration_minutes: int | None


@dataclass
class ItemDraft:
    """An agenda item as entered, before it is saved (for checking a change)."""

    title: str
    start_time: time | None
    duration_minutes: int | None
    id: int | None = None
    day: date | None = None


@dataclass
class Slot:
    """Where an agenda item falls: UTC start and end and, if any, what is wrong."""

    entry: AgendaEntry
    starts_at: datetime
    ends_at: datetime
    zone: str
    # "before_start", "after_end", "nonexistent" or "ambiguous"
    problem: str | None = None

    @property
    def local_start(self) -> datetime:
        return self.starts_at.astimezone(get_zone(self.zone))

    @property
    def local_end(self) -> datetime:
        return self.ends_at.astimezone(get_zone(self.zone))

    @property
    def has_end(self) -> bool:
        return bool(self.entry.duration_minutes)


def _wall_clock(day: date, at: time, zone_name: str) -> tuple[datetime, str | None]:
    """The instant of a wall-clock time, and 'nonexistent'/'ambiguous' if the
    daylight-saving change makes it so (the instant is then zoneinfo's guess)."""
    local = datetime.combine(day, at)
    try:
        return to_utc(local, zone_name), None
    except LocalTimeError as exc:
        return local.replace(tzinfo=get_zone(zone_name)).astimezone(timezone.utc), exc.kind


def _day_begins(meeting: Meeting, day: date) -> datetime:
    """When a day of the meeting begins: the meeting's start on its first day, its start time
    on the others (the start of the day for an all-day meeting)."""
    if day == meeting.first_day:
        return meeting.starts_at
    if meeting.all_day:
        return start_of_day(day, meeting.timezone)
    return _wall_clock(day, meeting.local_start.time(), meeting.timezone)[0]


def schedule(meeting: Meeting, entries: Sequence[AgendaEntry]) -> list[Slot]:
    """Compute when each agenda entry starts and ends, in order.

    An entry with a day (a meeting over several days) falls on that day: at its start
    time, or when the previous entry ends if that was on the same day, else when the
    meeting's day begins. An entry without a day and with a start time starts then (on
    the day the previous one ended; on a meeting over several days, on the next day if
    that time has already passed and the next day still lies within the meeting);
    otherwise it starts when the previous one ends, the first at the meeting's start.
    It ends after its duration (no duration: it ends when it starts).
    """
    zone = get_zone(meeting.timezone)
    cursor = meeting.starts_at
    slots: list[Slot] = []
    for entry in entries:
        problem = None
        item_day = getattr(entry, "day", None)
        if item_day is not None:
            if entry.start_time is not None:
                starts_at, problem = _wall_clock(item_day, entry.start_time, meeting.timezone)
            elif cursor.astimezone(zone).date() == item_day:
                starts_at = cursor
            else:
                starts_at = _day_begins(meeting, item_day)
        elif entry.start_time is not None:
            day = cursor.astimezone(zone).date()
            starts_at, problem = _wall_clock(day, entry.start_time, meeting.timezone)
            if starts_at < cursor:
                next_day, next_problem = _wall_clock(day + timedelta(days=1), entry.start_time, meeting.timezone)
                if next_day <= meeting.ends_at:
                    starts_at, problem = next_day, next_problem
        else:
            starts_at = cursor
        ends_at = starts_at + timedelta(minutes=entry.duration_minutes or 0)
        if problem is None:
            if starts_at < meeting.starts_at:
                problem = "before_start"
            elif ends_at > meeting.ends_at or starts_at > meeting.ends_at:
                problem = "after_end"
        slots.append(Slot(entry, starts_at, ends_at, meeting.timezone, problem))
        cursor = ends_at
    return slots


@dataclass
class AgendaConflict:
    """Why an agenda change is refused: the form field to blame and the message's parts."""

    field: str  # "start_time" or "duration_minutes"
    slot: Slot
    other: bool  # True when the change pushes another item out, not the item itself


def _field_for(slot: Slot) -> str:
    if slot.problem in ("before_start", "nonexistent", "ambiguous") or not slot.entry.duration_minutes:
        return "start_time"
    return "duration_minutes"


def find_conflict(meeting: Meeting, before: Sequence[AgendaEntry], after: Sequence[AgendaEntry],
                  changed: AgendaEntry | None) -> AgendaConflict | None:
    """The first problem a change to the agenda would cause, or None.

    ``before`` and ``after`` are the agenda as it is and as it would be;
    ``changed`` is the entry being added or edited (None for a move). Problems
    an item already had are not blamed on the change, so an agenda that a
    shorter meeting left overflowing can still be repaired.
    """
    already_wrong = {id(s.entry) for s in schedule(meeting, before) if s.problem}
    for slot in schedule(meeting, after):
        if not slot.problem or id(slot.entry) in already_wrong and slot.entry is not changed:
            continue
        if slot.entry is changed:
            return AgendaConflict(_field_for(slot), slot, other=False)
        if changed is None:
            return AgendaConflict("start_time", slot, other=False)
        field = "duration_minutes" if changed.duration_minutes else "start_time"
        return AgendaConflict(field, slot, other=True)
    return None


def _renumber(meeting: Meeting, items: list[AgendaItem]) -> None:
    # Positions stay 0..n-1 so "up" and "down" always swap neighbours.
    for position, item in enumerate(items):
        item.position = position
    meeting.agenda_items[:] = items


def _insert_by_day(meeting: Meeting, others: list, entry) -> list:
    """``others`` with ``entry`` after the last of them that falls on its day or earlier."""
    index = 0
    for n, slot in enumerate(schedule(meeting, others)):
        if slot.local_start.date() <= entry.day:
            index = n + 1
    return [*others[:index], entry, *others[index:]]


def agenda_with(meeting: Meeting, items: Sequence[AgendaEntry], entry: AgendaEntry,
                replacing: AgendaEntry | None = None) -> list:
    """The agenda as it would be with ``entry`` added, or put in place of ``replacing``.

    An entry given a day (new, or another one than it had) goes to the end of that day;
    otherwise it stays where it was, or comes last."""
    items = list(items)
    day = getattr(entry, "day", None)
    if day is not None and (replacing is None or getattr(replacing, "day", None) != day):
        return _insert_by_day(meeting, [i for i in items if i is not replacing], entry)
    if replacing is not None and replacing in items:
        return [entry if i is replacing else i for i in items]
    return [*items, entry]


def add_agenda_item(meeting: Meeting, data: dict) -> AgendaItem:
    """Add an item (title, day, start_time, duration_minutes, presenter, notes, translations) to
    the agenda: at the end of its day if it has one, else at the end. Flushes."""
    items = sorted(meeting.agenda_items, key=lambda i: i.position)
    item = AgendaItem()
    _fill_item(item, data)
    _renumber(meeting, agenda_with(meeting, items, item))
    db.session.flush()
    return item


def update_agenda_item(item: AgendaItem, data: dict) -> AgendaItem:
    """Change an item's fields; its place stays unless it moves to another day (it then goes
    to the end of that day). Flushes."""
    meeting = item.meeting
    items = sorted(meeting.agenda_items, key=lambda i: i.position)
    old = ItemDraft(item.title, item.start_time, item.duration_minutes, item.id, item.day)
    _fill_item(item, data)
    order = agenda_with(meeting, [old if i is item else i for i in items], item, replacing=old)
    _renumber(meeting, order)
    db.session.flush()
    return item


def _fill_item(item: AgendaItem, data: dict) -> None:
    item.title = data["title"]
    item.day = data.get("day") or None
    item.start_time = data.get("start_time")
    item.duration_minutes = data.get("duration_minutes")
    item.presenter = data.get("presenter") or None
    item.notes = data.get("notes") or None
    if "translations" in data:
        item.translations = dict(data["translations"] or {})


def delete_agenda_item(meeting: Meeting, item: AgendaItem) -> None:
    """Remove an item and close the gap in the positions. Flushes."""
    items = [i for i in sorted(meeting.agenda_items, key=lambda i: i.position) if i is not item]
    _renumber(meeting, items)
    db.session.flush()


def moved_order(meeting: Meeting, item: AgendaItem, direction: str) -> list[AgendaItem]:
    """The agenda as it would be with ``item`` moved one place 'up' or 'down'."""
    items = sorted(meeting.agenda_items, key=lambda i: i.position)
    index = items.index(item)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]
    return items


def apply_order(meeting: Meeting, items: Iterable[AgendaItem]) -> None:
    """Store a new order of the agenda (positions 0..n-1). Flushes."""
    _renumber(meeting, list(items))
    db.session.flush()


def agenda_for(meeting: Meeting) -> list[Slot]:
    """The meeting's agenda with computed times, in order."""
    return schedule(meeting, sorted(meeting.agenda_items, key=lambda i: i.position))


# --- what people's calendars hold ---------------------------------------------------

def details_fingerprint(meeting: Meeting) -> str:
    """A digest of what invitees see in their calendar: time, place, link, title, agenda, in
    every language given."""
    # Days and all-day only when set, so digests of meetings without them stay as they were.
    agenda = [(item.title, item.start_time.isoformat() if item.start_time else None, item.duration_minutes,
               item.presenter, item.notes, *((item.translations,) if item.translations else ()),
               *((item.day.isoformat(),) if item.day else ()))
              for item in meeting.agenda_items]
    data = {
        "title": meeting.title, "description": meeting.description,
        "start": meeting.starts_at.isoformat(), "end": meeting.ends_at.isoformat(), "zone": meeting.timezone,
        "venue": meeting.venue.one_line() if meeting.venue else None, "online": meeting.online_url,
        "agenda": agenda,
    }
    if meeting.translations:
        # Only when there are any, so digests of meetings in one language stay as they were.
        data["translations"] = meeting.translations
    if meeting.all_day:
        data["all_day"] = True
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def update_pending(meeting: Meeting) -> bool:
    """True when invitations went out and time, place, link, title or agenda changed since."""
    return (meeting.sent_fingerprint is not None and meeting.status == MeetingStatus.SCHEDULED
            and meeting.sent_fingerprint != details_fingerprint(meeting))


def place_fingerprint(meeting: Meeting) -> str:
    """A digest of where the meeting is: the venue as calendars show it and the online link."""
    data = [meeting.venue.one_line() if meeting.venue else None, meeting.online_url or None]
    return hashlib.sha256(json.dumps(data).encode()).hexdigest()


def time_or_place_moved(meeting: Meeting) -> bool:
    """Whether the start, end or place differ from what calendars were last sent (RFC 5546
    3.2.2.1: such a change needs new answers); False before anything was sent."""
    if meeting.sent_fingerprint is None:
        return False
    if meeting.sent_starts_at != meeting.starts_at or meeting.sent_ends_at != meeting.ends_at:
        return True
    return meeting.sent_place is not None and meeting.sent_place != place_fingerprint(meeting)


def record_sent_details(meeting: Meeting) -> None:
    """Remember what the calendars of those invited or registered now hold (details, times, place)."""
    meeting.sent_fingerprint = details_fingerprint(meeting)
    meeting.sent_starts_at = meeting.starts_at
    meeting.sent_ends_at = meeting.ends_at
    meeting.sent_place = place_fingerprint(meeting)


def agenda_outside(meeting: Meeting) -> list[Slot]:
    """The agenda items that fall outside the meeting's time (or on a time the clock skips or repeats)."""
    return [slot for slot in agenda_for(meeting) if slot.problem]


def shift_agenda(meeting: Meeting, previous_start: datetime, previous_zone: str,
                 previous_all_day: bool | None = None) -> int:
    """Move the agenda with the meeting: each start time moves by as much as the meeting's
    wall-clock start moved (from ``previous_start`` in ``previous_zone``), and each item's
    day by as many days. Turning a meeting into an all-day one or back moves only the days
    (its start time, or midnight, says nothing about when the items happen). Items without
    a start time follow the one before anyway. Returns how many moved; flushes."""
    before = previous_start.astimezone(get_zone(previous_zone)).replace(tzinfo=None)
    after = meeting.starts_at.astimezone(get_zone(meeting.timezone)).replace(tzinfo=None)
    if previous_all_day is not None and previous_all_day != meeting.all_day:
        delta = timedelta(days=(after.date() - before.date()).days)
    else:
        delta = after - before
    if not delta:
        return 0
    moved = 0
    for item in meeting.agenda_items:
        if item.start_time is None and item.day is None:
            continue
        if item.start_time is not None:
            moment = datetime.combine(item.day or after.date(), item.start_time) + delta
            item.start_time = moment.time()
        else:
            moment = datetime.combine(item.day + (after.date() - before.date()), time(0))
        if item.day is not None:
            item.day = moment.date()
        moved += 1
    db.session.flush()
    return moved


def clashing_meetings(meeting: Meeting, starts_at: datetime, ends_at: datetime) -> list[Meeting]:
    """Other scheduled meetings at the same venue that overlap ``starts_at``-``ends_at``
    (an online meeting clashes with none), soonest first."""
    if meeting.venue_id is None:
        return []
    query = (select(Meeting).where(Meeting.venue_id == meeting.venue_id, Meeting.id != meeting.id,
                                   Meeting.status == MeetingStatus.SCHEDULED,
                                   Meeting.starts_at < ends_at, Meeting.ends_at > starts_at)
             .order_by(Meeting.starts_at))
    return list(db.session.scalars(query))


def move_meeting(meeting: Meeting, starts_at: datetime, ends_at: datetime, move_agenda: bool = True) -> None:
    """Give the meeting another start and end (UTC), as saving the meeting form with only its
    times changed does: the agenda's start times move with the start unless ``move_agenda`` is
    False. A meeting of whole days stays one when both times fall on local midnights, else it
    becomes a timed meeting. Flushes; the caller checks the result (e.g. :func:`agenda_outside`)."""
    previous = (meeting.starts_at, meeting.timezone, meeting.all_day)
    if meeting.all_day:
        meeting.all_day = all(start_of_day(moment.astimezone(get_zone(meeting.timezone)).date(),
                                           meeting.timezone) == moment for moment in (starts_at, ends_at))
    meeting.starts_at, meeting.ends_at = starts_at, ends_at
    db.session.flush()
    if move_agenda and meeting.starts_at != previous[0]:
        shift_agenda(meeting, *previous)
