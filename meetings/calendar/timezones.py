"""VTIMEZONE components with RRULE-based observances, derived from the zone database.

icalendar's own ``add_missing_timezones`` writes each observance as one RDATE
holding many dates plus a COMMENT: ical.js reads only the first date of such an
RDATE (Europe/Amsterdam comes out +01:00 in July), libical rejects the COMMENT
and Outlook ignores RDATE in VTIMEZONE altogether. Yearly rules
(``RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU``) are read the same way by all of
them, so that is what we write: transitions found with zoneinfo are grouped
into runs of consecutive years that follow one rule; a transition that follows
no yearly rule becomes an observance of its own.
"""
from __future__ import annotations

import calendar as _calendar
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Iterable

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

from meetings.core.timezones import get_zone

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# Transitions are found by sampling the offset this often, then bisecting; no zone
# changes its offset twice within a day.
_SAMPLE = timedelta(hours=24)


@dataclass(frozen=True)
class Transition:
    """One change of a zone's offset, as its observance needs it."""

    at_utc: datetime
    local: datetime  # naive wall-clock time of the change, in the offset before it
    offset_from: timedelta
    offset_to: timedelta
    name: str
    daylight: bool

    @property
    def rules(self) -> frozenset[str]:
        """The BYDAY values that describe this day in its month, e.g. {'-1SU'} or {'4SU', '-1SU'}."""
        day = self.local.day
        weekday = WEEKDAYS[self.local.weekday()]
        found = {f"{(day - 1) // 7 + 1}{weekday}"}
        if day + 7 > _calendar.monthrange(self.local.year, self.local.month)[1]:
            found.add(f"-1{weekday}")
        return frozenset(found)

    @property
    def shape(self) -> tuple:
        """What must stay the same from year to year for one yearly rule to describe the change."""
        return (self.daylight, self.offset_from, self.offset_to, self.name, self.local.month, self.local.time())


def _state(zone, instant: datetime) -> tuple[timedelta, timedelta, str]:
    local = instant.astimezone(zone)
    return local.utcoffset() or timedelta(0), local.dst() or timedelta(0), local.tzname() or ""


@lru_cache(maxsize=512)
def transitions(zone_name: str, year: int) -> tuple[Transition, ...]:
    """Every offset change of the zone that happens (in UTC) during ``year``."""
    zone = get_zone(zone_name)
    found: list[Transition] = []
    start = datetime(year, 1, 1, tzinfo=timezone.utc)
    end = datetime(year + 1, 1, 1, tzinfo=timezone.utc)
    cursor, state = start, _state(zone, start)
    while cursor < end:
        step = min(cursor + _SAMPLE, end)
        next_state = _state(zone, step)
        if next_state[0] != state[0] or next_state[2] != state[2]:
            low, high = cursor, step
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                middle = middle.replace(microsecond=0)
                if middle <= low:
                    break
                if _state(zone, middle)[:3:2] == state[:3:2]:
                    low = middle
                else:
                    high = middle
            offset_to, dst, name = _state(zone, high)
            found.append(Transition(at_utc=high, local=(high + state[0]).replace(tzinfo=None),
                                    offset_from=state[0], offset_to=offset_to, name=name,
                                    daylight=dst != timedelta(0)))
        cursor, state = step, next_state
    return tuple(found)


def _runs(all_transitions: list[Transition]) -> list[list[Transition]]:
    """Group transitions into runs in consecutive years sharing a shape and a BYDAY rule."""
    runs: list[list[Transition]] = []
    open_runs: dict[tuple, list[Transition]] = {}
    for change in all_transitions:
        run = open_runs.get(change.shape)
        if (run is not None and change.local.year == run[-1].local.year + 1
                and frozenset.intersection(*(t.rules for t in run), change.rules)):
            run.append(change)
            continue
        run = [change]
        runs.append(run)
        open_runs[change.shape] = run
    return runs


def _observance(run: list[Transition], last_year: int):
    first = run[0]
    component = TimezoneDaylight() if first.daylight else TimezoneStandard()
    component.add("dtstart", first.local)
    component.add("tzoffsetfrom", first.offset_from)
    component.add("tzoffsetto", first.offset_to)
    if first.name:
        component.add("tzname", first.name)
    if len(run) > 1:
        rule: dict = {"freq": "yearly", "bymonth": first.local.month,
                      "byday": sorted(frozenset.intersection(*(t.rules for t in run)))[0]}
        if run[-1].local.year < last_year:
            # The rule stopped before the period we describe ends: say when.
            rule["until"] = run[-1].at_utc
        component.add("rrule", rule)
    return component


def vtimezone(zone_name: str, years: Iterable[int]) -> Timezone:
    """A VTIMEZONE for ``zone_name`` that is right for every date in ``years``.

    The observances start in the year before the earliest one, so a date early in
    the first year (before that year's first change) still finds its offset. A
    zone without changes in that period gets a single STANDARD observance.
    """
    wanted = sorted(set(years))
    if not wanted:
        raise ValueError("vtimezone needs at least one year")
    first_year, last_year = wanted[0] - 1, wanted[-1]
    changes = [t for year in range(first_year, last_year + 1) for t in transitions(zone_name, year)]
    tz = Timezone()
    tz.add("tzid", zone_name)
    if not changes:
        zone = get_zone(zone_name)
        at = datetime(first_year, 1, 1, tzinfo=timezone.utc)
        offset, _dst, name = _state(zone, at)
        standard = TimezoneStandard()
        standard.add("dtstart", datetime(first_year, 1, 1))
        standard.add("tzoffsetfrom", offset)
        standard.add("tzoffsetto", offset)
        if name:
            standard.add("tzname", name)
        tz.add_component(standard)
        return tz
    for run in _runs(changes):
        tz.add_component(_observance(run, last_year))
    return tz
