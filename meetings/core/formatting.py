"""Dates and times in the meeting's zone, in the reader's language, with the zone named."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any, Callable, Iterable

from babel import Locale
from babel.dates import format_date, format_datetime, format_skeleton, format_time, get_timezone_name
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _

from meetings.core.timezones import get_zone


# The cluster's English is European English: day before month, 24-hour clock.
_FORMAT_LOCALES = {"en": "en_GB"}


def format_locale(language: str | None = None) -> str:
    """The Babel locale that dates and numbers are written in for ``language``
    (default: the page's): '5 June 2024', '5. Juni 2024', '5 juni 2024'."""
    language = language or str(get_locale() or "en")
    return _FORMAT_LOCALES.get(language, language)


def _locale(locale: str | None) -> str:
    return format_locale(locale)


def date_long(instant: datetime, zone_name: str, locale: str | None = None) -> str:
    """'Thursday, 5 June 2024' in the zone and language."""
    zone = get_zone(zone_name)
    return format_date(instant.astimezone(zone).date(), format="full", locale=_locale(locale))


def time_short(instant: datetime, zone_name: str, locale: str | None = None) -> str:
    """'10:00' in the zone."""
    zone = get_zone(zone_name)
    return format_time(instant, format="HH:mm", tzinfo=zone, locale=_locale(locale))


def day_time_short(instant: datetime, zone_name: str, locale: str | None = None) -> str:
    """'7 Dec 10:00' in the zone: a moment within a meeting over several days."""
    loc = _locale(locale)
    local = instant.astimezone(get_zone(zone_name))
    return f"{format_skeleton('MMMd', local.date(), locale=loc)} {time_short(instant, zone_name, loc)}"


def _abbreviation(instant: datetime, zone) -> str:
    """The zone's short name at that instant; numeric ones as an offset with a colon ('+10:30')."""
    name = instant.astimezone(zone).tzname() or ""
    if len(name) == 5 and name[0] in "+-" and name[1:].isdigit():
        return f"{name[:3]}:{name[3:]}"
    return name


def zone_label(instant: datetime, zone_name: str, locale: str | None = None,
               until: datetime | None = None) -> str:
    """Short zone name at that instant and the IANA name: 'CEST, Europe/Amsterdam'.

    With ``until`` (the end of a range) whose short name differs, because the range crosses
    a change of clocks, both are named: 'CEST → CET, Europe/Amsterdam', 'EST → EDT,
    America/New_York', '+11 → +10:30, Australia/Lord_Howe'.
    """
    zone = get_zone(zone_name)
    abbreviation = _abbreviation(instant, zone)
    if until is not None:
        at_end = _abbreviation(until, zone)
        if at_end and at_end != abbreviation:
            abbreviation = f"{abbreviation} \u2192 {at_end}" if abbreviation else at_end
    return f"{abbreviation}, {zone_name}" if abbreviation and abbreviation != zone_name else zone_name


def when(starts_at: datetime, ends_at: datetime, zone_name: str, locale: str | None = None,
         all_day: bool = False) -> str:
    """The whole span: 'Thursday, 5 June 2024, 10:00–16:00 (CEST, Europe/Amsterdam)'.

    A span over several days names both days, shortly, and the year once ('7 Dec 09:00
    – 9 Dec 2026 17:00 (CET, Europe/Amsterdam)'); one that crosses a change
    of clocks names the end's zone too ('(CEST → CET, Europe/Amsterdam)'). An all-day
    span (``ends_at`` the start of the day after the last) names only days: 'Monday,
    7 December 2026, all day', '7–9 December 2026'.
    """
    zone = get_zone(zone_name)
    loc = _locale(locale)
    start_local = starts_at.astimezone(zone)
    end_local = ends_at.astimezone(zone)
    if all_day:
        last = max(start_local.date(), end_local.date() - timedelta(days=1))
        return days_text(start_local.date(), last, loc)
    label = zone_label(starts_at, zone_name, loc, until=ends_at)
    if start_local.date() == end_local.date():
        return (f"{date_long(starts_at, zone_name, loc)}, {time_short(starts_at, zone_name, loc)}"
                f"\u2013{time_short(ends_at, zone_name, loc)} ({label})")
    start_day = format_skeleton("MMMd" if start_local.year == end_local.year else "yMMMd", start_local.date(),
                                locale=loc)
    end_day = format_skeleton("yMMMd", end_local.date(), locale=loc)
    return (f"{start_day} {time_short(starts_at, zone_name, loc)} \u2013 "
            f"{end_day} {time_short(ends_at, zone_name, loc)} ({label})")


def meeting_when(meeting, locale: str | None = None) -> str:
    """:func:`when` for a meeting (anything with starts_at, ends_at, timezone and all_day)."""
    return when(meeting.starts_at, meeting.ends_at, meeting.timezone, locale,
                all_day=bool(getattr(meeting, "all_day", False)))


def _full_month(pattern: str) -> str:
    return re.sub(r"(?<!M)MMM(?!M)", "MMMM", pattern)


def days_text(first: date, last: date, locale: str | None = None) -> str:
    """Whole days, the last included: 'Monday, 7 December 2026, all day' for one,
    '7–9 December 2026', '30 November – 2 December 2026' for several."""
    loc = _locale(locale)
    if first >= last:
        with force_locale(str(Locale.parse(loc).language)):
            return _("%(date)s, all day", date=day_long(first, loc))
    differs = "y" if first.year != last.year else "M" if first.month != last.month else "d"
    patterns = Locale.parse(loc).interval_formats["yMMMd"][differs]
    return "".join(format_date(day, _full_month(pattern), locale=loc)
                   for day, pattern in zip((first, last), patterns))


def day_long(day: date, locale: str | None = None) -> str:
    """A local date in words: 'Monday, 7 December 2026' (an agenda's day heading)."""
    return format_date(day, format="full", locale=_locale(locale))


def by_day(rows: Iterable[Any], several_days: bool, start_of: Callable[[Any], datetime | None] | None = None
           ) -> list[tuple[date | None, list[Any]]]:
    """Agenda rows grouped by the local date they start on, days in order and rows in
    theirs: [(date, rows)]. Rows are (item, local start, local end) unless ``start_of``
    says where their start is. A meeting of one day gives one group without a date; a
    row without a start joins the day of the row before."""
    rows = list(rows)
    start_of = start_of or (lambda row: row[1])
    if not several_days:
        return [(None, rows)] if rows else []
    groups: dict[date | None, list[Any]] = {}
    day = None
    for row in rows:
        start = start_of(row)
        if start is not None:
            day = start.date()
        groups.setdefault(day, []).append(row)
    return sorted(groups.items(), key=lambda pair: (pair[0] is not None, pair[0] or date.min))


def date_medium(instant: datetime, zone_name: str = "UTC", locale: str | None = None) -> str:
    """'5 Jun 2024' in the zone and language."""
    return format_date(instant.astimezone(get_zone(zone_name)).date(), format="medium", locale=_locale(locale))


def datetime_short(instant: datetime | None, zone_name: str = "Europe/Amsterdam", locale: str | None = None) -> str:
    """'05.06.24, 10:00 CEST' style, for tables of timestamps."""
    if instant is None:
        return ""
    zone = get_zone(zone_name)
    text = format_datetime(instant, format="short", tzinfo=zone, locale=_locale(locale))
    return f"{text} {instant.astimezone(zone).tzname() or ''}".strip()


__all__ = ["date_long", "time_short", "zone_label", "when", "meeting_when", "days_text", "day_long", "by_day", "date_medium", "datetime_short", "get_timezone_name"]
