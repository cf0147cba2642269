"""Dates and times in the meeting's zone, in the reader's language, with the zone named."""
from __future__ import annotations

from datetime import datetime

from babel.dates import format_date, format_datetime, format_time, get_timezone_name
from flask_babel import get_locale

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


def when(starts_at: datetime, ends_at: datetime, zone_name: str, locale: str | None = None) -> str:
    """The whole span: 'Thursday, 5 June 2024, 10:00–16:00 (CEST, Europe/Amsterdam)'.

    A span over several days names both dates; one that crosses a change of clocks names
    the end's zone too ('(CEST → CET, Europe/Amsterdam)').
    """
    zone = get_zone(zone_name)
    loc = _locale(locale)
    start_local = starts_at.astimezone(zone)
    end_local = ends_at.astimezone(zone)
    label = zone_label(starts_at, zone_name, loc, until=ends_at)
    if start_local.date() == end_local.date():
        return (f"{date_long(starts_at, zone_name, loc)}, {time_short(starts_at, zone_name, loc)}"
                f"\u2013{time_short(ends_at, zone_name, loc)} ({label})")
    return (f"{date_long(starts_at, zone_name, loc)} {time_short(starts_at, zone_name, loc)} \u2013 "
            f"{date_long(ends_at, zone_name, loc)} {time_short(ends_at, zone_name, loc)} ({label})")


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


__all__ = ["date_long", "time_short", "zone_label", "when", "date_medium", "datetime_short", "get_timezone_name"]
