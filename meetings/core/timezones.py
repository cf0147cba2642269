"""Local times in a venue's zone: validation on the way in, display on the way out."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones


class LocalTimeError(ValueError):
    """A local time that cannot be turned into one instant."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind  # "nonexistent" or "ambiguous" or "zone"


@lru_cache(maxsize=1)
def zone_names() -> tuple[str, ...]:
    """All IANA zone names this machine knows, sorted, without legacy aliases."""
    return tuple(sorted(n for n in available_timezones()
                        if "/" in n and not n.startswith(("Etc/", "SystemV/", "US/", "posix/", "right/"))))


@lru_cache(maxsize=1)
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


@lru_cache(maxsize=1)
def _offered_zones() -> frozenset[str]:
    return frozenset(zone_names())


def offered_zone(name) -> bool:
    """Whether ``name`` is one of the zones the forms offer (``zone_names``)."""
    return isinstance(name, str) and name in _offered_zones()


def get_zone(name: str) -> ZoneInfo:
    """Return the zone or raise LocalTimeError for an unknown name.

    Only names of the zone database are looked up: any other string (5,000 characters,
    a path) is refused before it can reach the file system."""
    try:
        if not isinstance(name, str) or name not in _known_zones():
            raise ZoneInfoNotFoundError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise LocalTimeError("zone", f"Unknown time zone: {name}") from exc


def to_utc(local: datetime, zone_name: str) -> datetime:
    """Turn a naive local wall-clock time in ``zone_name`` into an aware UTC datetime.

    Refuses a time skipped by a daylight-saving change (e.g. 02:30 on the last
    Sunday of March in Europe) and one that occurs twice (02:30 on the last
    Sunday of October), rather than guessing.
    """
    zone = get_zone(zone_name)
    first = local.replace(tzinfo=zone, fold=0)
    second = local.replace(tzinfo=zone, fold=1)
    if first.utcoffset() != second.utcoffset():
        # Both folds differ: either the time happens twice, or never.
        roundtrip = first.astimezone(timezone.utc).astimezone(zone).replace(tzinfo=None)
        if roundtrip != local:
            raise LocalTimeError("nonexistent", "nonexistent")
        raise LocalTimeError("ambiguous", "ambiguous")
    return first.astimezone(timezone.utc)


def start_of_day(day: date, zone_name: str) -> datetime:
    """The first instant of a local date in the zone, in UTC: midnight, or where a zone's
    clocks skip midnight (America/Santiago, Asia/Beirut) the moment they jump to."""
    zone = get_zone(zone_name)
    # fold=0 in a gap takes the offset before the jump: exactly the instant of the jump.
    return datetime.combine(day, time(0)).replace(tzinfo=zone, fold=0).astimezone(timezone.utc)


def to_local(instant: datetime, zone_name: str) -> datetime:
    """An aware datetime converted to the zone (aware)."""
    return instant.astimezone(get_zone(zone_name))


def zone_abbreviation(instant: datetime, zone_name: str) -> str:
    """Short name of the zone at that instant, e.g. CEST."""
    return to_local(instant, zone_name).tzname() or zone_name


def utc_offset(instant: datetime, zone_name: str) -> timedelta:
    """The zone's offset from UTC at that instant."""
    return to_local(instant, zone_name).utcoffset() or timedelta(0)
