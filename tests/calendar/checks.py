"""Checks of iCalendar output with real parsers, and byte checks that parsers skip.

Every .ics the app produces (invitations, downloads, feeds) should pass all of:

``ical_js(text)``
    Mozilla's ical.js (Thunderbird's parser) via Node: parses, registers each
    VTIMEZONE and reports what it understood per VEVENT, including start/end with
    the UTC offset it computed. Needs the ``node`` fixture (skips without Node/ical.js).
``libical(text)``
    libical 3 through PyGObject in Debian's own python3: parses, runs the iTIP
    restriction checks, returns the X-LIC-ERROR lines (empty list when clean).
    Needs the ``libical_available`` fixture.
``strict_ical(text)``
    The strict PyPI ``ical`` parser, plus UID and DTSTAMP present in every VEVENT
    (that parser fills them in silently when they are missing).
``expand(data, start, end)``
    ``recurring_ical_events``: the events between two dates, as a calendar client
    expands them.
``byte_checks(data)``
    CRLF everywhere, 75-octet lines folded between UTF-8 characters, no floating
    times, a VTIMEZONE for every TZID, DTEND after DTSTART, DTSTAMP in UTC,
    ``mailto:`` addresses, correctly escaped TEXT; a DTSTART in every VEVENT
    except where the METHOD's table in RFC 5546 allows none (a DECLINECOUNTER
    must carry none).

``validate_all(data, node=..., libical_ok=...)`` runs every check and returns
ical.js's view, which is what tests usually assert on next.

Use in a test::

    from tests.calendar.checks import validate_all

    def test_download(client, node, libical_available):
        data = client.get("/events/x.ics").data
        parsed = validate_all(data)
        assert parsed["events"][0]["start"]["iso"].endswith("+02:00")
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

JS_DIR = Path(__file__).resolve().parent.parent / "js"
ICAL_JS_SCRIPT = JS_DIR / "ical-check.mjs"
SYSTEM_PYTHON = "/usr/bin/python3"
TIMEOUT = 60

# Runs in Debian's python3, which has python3-gi and gir1.2-ical-3.0 (the venv has not).
LIBICAL_SCRIPT = r"""
import json, sys
import gi
gi.require_version("ICalGLib", "3.0")
from gi.repository import ICalGLib

text = sys.stdin.read()
component = ICalGLib.Component.new_from_string(text)
if component is None:
    print(json.dumps(["X-LIC-ERROR:libical could not parse the calendar"]))
    sys.exit(0)
component.check_restrictions()
out = component.as_ical_string().replace("\r\n", "\n").replace("\n ", "").replace("\n\t", "")
print(json.dumps([line for line in out.split("\n") if line.startswith("X-LIC-ERROR")]))
"""


class CalendarCheckError(AssertionError):
    """A parser rejected the calendar, or a byte check failed."""


def _text(data: bytes | str) -> str:
    return data.decode("utf-8") if isinstance(data, bytes) else data


def _bytes(data: bytes | str) -> bytes:
    return data.encode("utf-8") if isinstance(data, str) else data


# --- fixtures --------------------------------------------------------------------

def libical_missing_reason() -> str | None:
    """Why libical cannot be used here, or None when it can."""
    if not Path(SYSTEM_PYTHON).exists():
        return f"{SYSTEM_PYTHON} not found (libical checks use Debian's python3 with python3-gi)"
    probe = subprocess.run(
        [SYSTEM_PYTHON, "-c", "import gi; gi.require_version('ICalGLib', '3.0'); from gi.repository import ICalGLib"],
        capture_output=True, text=True, timeout=TIMEOUT)
    if probe.returncode != 0:
        return "libical for Python is missing: apt-get install python3-gi gir1.2-ical-3.0"
    return None


@pytest.fixture(scope="session")
def libical_available() -> bool:
    """Skips the test with the reason when Debian's python3-gi / gir1.2-ical-3.0 are absent."""
    reason = libical_missing_reason()
    if reason:
        pytest.skip(reason)
    return True


# --- parsers -----------------------------------------------------------------------

def ical_js(text: bytes | str) -> dict:
    """Parse with ical.js; returns {method, prodid, version, name, x_wr_calname,
    refresh_interval, timezones, events: [{uid, summary, description, location, url,
    start, end, dtstamp, last_modified, sequence, status, categories, organizer,
    attendees, method}]}, where start/end are {iso (with offset), utc_offset_seconds,
    zone, is_date, unix}. Raises CalendarCheckError with ical.js's message if it rejects
    the text. The caller should depend on the ``node`` fixture.
    """
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is needed for ical.js checks")
    result = subprocess.run([node, str(ICAL_JS_SCRIPT)], input=_bytes(text), capture_output=True,
                            cwd=JS_DIR, timeout=TIMEOUT)
    if result.returncode != 0:
        raise CalendarCheckError(result.stderr.decode("utf-8", "replace").strip() or "ical.js failed")
    return json.loads(result.stdout)


# Where libical's restriction table (design-data/restrictions.csv, kept from RFC 2446) says
# otherwise than RFC 5546: for DECLINECOUNTER it allows no ATTENDEE and no SEQUENCE, while
# RFC 5546 3.2.8 names the attendee whose proposal is declined and has SEQUENCE echo the
# event's ("MUST be present if non-zero"). Only these two lines are set aside, and only for
# that METHOD; every other restriction libical checks still counts (tests/calendar/test_checks.py).
LIBICAL_DIFFERS_FROM_RFC_5546 = {
    "DECLINECOUNTER": (
        "Failed iTIP restrictions for ATTENDEE property. Expected 0 instances of the property and got 1",
        "Failed iTIP restrictions for SEQUENCE property. Expected 0 instances of the property and got 1",
    ),
}
# Methods whose VEVENT may lack DTSTART (RFC 5546 3.2: "0 or 1" or "0").
WITHOUT_DTSTART = {"REPLY", "CANCEL", "REFRESH", "DECLINECOUNTER"}
# ... and those whose VEVENT must not carry one ("0").
NO_DTSTART = {"REFRESH", "DECLINECOUNTER"}
_METHOD = re.compile(r"^METHOD:([A-Za-z-]+)\r?$", re.MULTILINE)


def method_of(text: bytes | str) -> str | None:
    """The calendar's METHOD, upper case, or None."""
    match = _METHOD.search(_unfold(_text(text)))
    return match.group(1).upper() if match else None


def libical_raw(text: bytes | str) -> list[str]:
    """Every X-LIC-ERROR line libical writes after ``check_restrictions()``, as it writes them."""
    result = subprocess.run([SYSTEM_PYTHON, "-c", LIBICAL_SCRIPT], input=_bytes(text), capture_output=True,
                            timeout=TIMEOUT)
    if result.returncode != 0:
        raise CalendarCheckError("libical check failed to run: " + result.stderr.decode("utf-8", "replace"))
    return json.loads(result.stdout)


def libical(text: bytes | str) -> list[str]:
    """libical's X-LIC-ERROR lines after parsing and ``check_restrictions()`` (iTIP rules
    for the calendar's METHOD), less the lines where its table contradicts RFC 5546
    (:data:`LIBICAL_DIFFERS_FROM_RFC_5546`). An empty list means libical found nothing wrong."""
    differs = LIBICAL_DIFFERS_FROM_RFC_5546.get(method_of(text) or "", ())
    return [line for line in libical_raw(text) if not any(line.endswith(f":{known}") for known in differs)]


def strict_ical(text: bytes | str):
    """Parse with the strict PyPI ``ical`` package and return its Calendar; also
    asserts that every VEVENT in the raw text has its own UID and DTSTAMP."""
    from ical.calendar_stream import IcsCalendarStream
    from ical.exceptions import CalendarParseError

    source = _text(text)
    try:
        parsed = IcsCalendarStream.calendar_from_ics(source)
    except CalendarParseError as exc:
        raise CalendarCheckError(f"ical rejected the calendar: {exc} {getattr(exc, 'detailed_error', '')}") from exc
    for block in _unfold(source).split("BEGIN:VEVENT")[1:]:
        body = block.split("END:VEVENT")[0]
        names = {line.split(":", 1)[0].split(";", 1)[0].upper() for line in body.split("\r\n") if line}
        for required in ("UID", "DTSTAMP"):
            if required not in names:
                raise CalendarCheckError(f"a VEVENT has no {required}")
    return parsed


def expand(data: bytes | str, start: date, end: date) -> list:
    """The event occurrences between ``start`` and ``end`` as recurring_ical_events sees them."""
    import icalendar
    import recurring_ical_events

    return list(recurring_ical_events.of(icalendar.Calendar.from_ical(_bytes(data))).between(start, end))


# --- bytes ---------------------------------------------------------------------------

DATE_TIME_PROPERTIES = {"DTSTART", "DTEND", "RECURRENCE-ID", "EXDATE", "RDATE", "DUE"}
UTC_PROPERTIES = {"DTSTAMP", "LAST-MODIFIED", "CREATED", "COMPLETED"}
ADDRESS_PROPERTIES = {"ORGANIZER", "ATTENDEE"}
# Single TEXT values: every ',' and ';' in them must be escaped.
TEXT_PROPERTIES = {"SUMMARY", "DESCRIPTION", "LOCATION", "COMMENT", "CONTACT", "NAME",
                   "X-WR-CALNAME", "X-WR-CALDESC", "TZNAME"}
# Lists of TEXT values: ',' separates them, ';' must be escaped.
TEXT_LIST_PROPERTIES = {"CATEGORIES", "RESOURCES"}
_ESCAPE = re.compile(r"\\(.?)", re.S)


def _unfold(text: str) -> str:
    return re.sub(r"\r\n[ \t]", "", text)


def parse_line(line: str) -> tuple[str, dict[str, str], str]:
    """Split an unfolded content line into name, parameters and value (quotes respected)."""
    i, n = 0, len(line)
    while i < n and line[i] not in ";:":
        i += 1
    name = line[:i].upper()
    params: dict[str, str] = {}
    while i < n and line[i] == ";":
        i += 1
        start = i
        while i < n and line[i] != "=":
            i += 1
        key = line[start:i].upper()
        i += 1
        values = []
        while True:
            if i < n and line[i] == '"':
                end = line.index('"', i + 1)
                values.append(line[i + 1:end])
                i = end + 1
            else:
                start = i
                while i < n and line[i] not in ";:,":
                    i += 1
                values.append(line[start:i])
            if i < n and line[i] == ",":
                i += 1
                continue
            break
        params[key] = ",".join(values)
    if i >= n or line[i] != ":":
        raise CalendarCheckError(f"content line without a value: {line!r}")
    return name, params, line[i + 1:]


def _check_text(name: str, value: str) -> None:
    for match in _ESCAPE.finditer(value):
        if match.group(1) not in ("\\", ";", ",", "n", "N"):
            raise CalendarCheckError(f"{name}: bad escape \\{match.group(1)!r} in {value!r}")
    bare = _ESCAPE.sub("", value)
    if ";" in bare:
        raise CalendarCheckError(f"{name}: unescaped ';' in {value!r}")
    if name in TEXT_PROPERTIES and "," in bare:
        raise CalendarCheckError(f"{name}: unescaped ',' in {value!r}")


def _instant(params: dict[str, str], value: str) -> datetime:
    if value.endswith("Z"):
        return datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=ZoneInfo("UTC"))
    return datetime.strptime(value, "%Y%m%dT%H%M%S").replace(tzinfo=ZoneInfo(params["TZID"]))


def byte_checks(data: bytes) -> None:
    """Raise CalendarCheckError for what the parsers let through (see module docstring)."""
    if not isinstance(data, bytes):
        raise CalendarCheckError("byte_checks needs the bytes as served")
    if not data.endswith(b"\r\n"):
        raise CalendarCheckError("the calendar does not end with CRLF")
    physical = data[:-2].split(b"\r\n")
    for number, line in enumerate(physical, 1):
        if b"\n" in line or b"\r" in line:
            raise CalendarCheckError(f"line {number}: bare LF or CR: {line[:80]!r}")
        if len(line) > 75:
            raise CalendarCheckError(f"line {number}: {len(line)} octets (at most 75): {line[:80]!r}")
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CalendarCheckError(f"line {number}: folding split a UTF-8 character: {line!r}") from exc
        if not line:
            raise CalendarCheckError(f"line {number}: empty line")
    text = _unfold(data.decode("utf-8"))
    method = method_of(text)
    stack: list[str] = []
    timezones: set[str] = set()
    used_tzids: set[str] = set()
    event: dict[str, tuple[dict, str]] = {}
    for line in text.split("\r\n")[:-1]:
        name, params, value = parse_line(line)
        if name == "BEGIN":
            stack.append(value.upper())
            if value.upper() == "VEVENT":
                event = {}
            continue
        if name == "END":
            if not stack or stack.pop() != value.upper():
                raise CalendarCheckError(f"END:{value} does not close the open component")
            if value.upper() == "VEVENT":
                _check_event_span(event, method)
            continue
        component = stack[-1] if stack else ""
        if "TZID" in params:
            used_tzids.add(params["TZID"])
        if component == "VTIMEZONE" and name == "TZID":
            timezones.add(value)
        if component == "VEVENT":
            event.setdefault(name, (params, value))
        in_observance = component in ("STANDARD", "DAYLIGHT")
        if name in DATE_TIME_PROPERTIES and not in_observance and params.get("VALUE", "").upper() != "DATE":
            if not value.endswith("Z") and "TZID" not in params:
                raise CalendarCheckError(f"floating time: {line!r}")
        if name in UTC_PROPERTIES and not value.endswith("Z"):
            raise CalendarCheckError(f"{name} must be in UTC: {line!r}")
        if name in ADDRESS_PROPERTIES and not value.lower().startswith("mailto:"):
            raise CalendarCheckError(f"{name} is not a mailto: address: {line!r}")
        if name in TEXT_PROPERTIES or name in TEXT_LIST_PROPERTIES:
            _check_text(name, value)
    if stack:
        raise CalendarCheckError(f"components left open: {stack}")
    missing = used_tzids - timezones
    if missing:
        raise CalendarCheckError(f"TZID without VTIMEZONE: {sorted(missing)}")


def _is_date(params: dict[str, str]) -> bool:
    return params.get("VALUE", "").upper() == "DATE"


def _check_event_span(event: dict[str, tuple[dict, str]], method: str | None = None) -> None:
    if method in NO_DTSTART and ("DTSTART" in event or "DTEND" in event):
        raise CalendarCheckError(f"a {method} VEVENT carries DTSTART or DTEND")
    if "DTSTART" not in event:
        if method in WITHOUT_DTSTART:
            return
        raise CalendarCheckError("a VEVENT has no DTSTART")
    if "DTEND" in event and (_is_date(event["DTSTART"][0]) or _is_date(event["DTEND"][0])):
        # RFC 5545 3.6.1: an all-day event's DTEND is a DATE too, and (exclusive) after DTSTART.
        if not (_is_date(event["DTSTART"][0]) and _is_date(event["DTEND"][0])):
            raise CalendarCheckError("DTSTART and DTEND mix a DATE and a DATE-TIME")
        for name in ("DTSTART", "DTEND"):
            if "TZID" in event[name][0] or not re.fullmatch(r"\d{8}", event[name][1]):
                raise CalendarCheckError(f"{name};VALUE=DATE is not a plain date: {event[name]!r}")
        if event["DTEND"][1] <= event["DTSTART"][1]:
            raise CalendarCheckError(f"DTEND {event['DTEND'][1]} is not after DTSTART {event['DTSTART'][1]}")
    elif "DTEND" in event:
        start = _instant(*event["DTSTART"])
        end = _instant(*event["DTEND"])
        if end <= start:
            raise CalendarCheckError(f"DTEND {end} is not after DTSTART {start}")


# --- everything at once ----------------------------------------------------------------

def validate_all(data: bytes, *, libical_errors_allowed: bool = False) -> dict:
    """Run byte_checks, strict_ical, recurring_ical_events, libical and ical.js on
    ``data``; return ical.js's view. Use with the ``node`` and ``libical_available``
    fixtures so a missing tool skips instead of failing."""
    byte_checks(data)
    strict_ical(data)
    errors = libical(data)
    if errors and not libical_errors_allowed:
        raise CalendarCheckError("libical: " + "; ".join(errors))
    parsed = ical_js(data)
    timed = [e for e in parsed["events"] if e["start"] is not None]
    if len(timed) < len(parsed["events"]):
        # Only where byte_checks let a VEVENT without DTSTART pass: nothing to expand.
        if not parsed["events"] or timed:
            raise CalendarCheckError("some VEVENTs have a DTSTART and some have none")
        return parsed
    if parsed["events"]:
        starts = [datetime.fromisoformat(e["start"]["iso"]) for e in parsed["events"]]
        ends = [datetime.fromisoformat(e["end"]["iso"]) for e in parsed["events"]]
        occurrences = expand(data, min(starts).date() - timedelta(days=1), max(ends).date() + timedelta(days=1))
        expanded = sorted(str(o["UID"]) for o in occurrences)
        if expanded != sorted(e["uid"] for e in parsed["events"]):
            raise CalendarCheckError(f"recurring_ical_events expands {expanded}, ical.js reads "
                                     f"{sorted(e['uid'] for e in parsed['events'])}")
        by_uid = {str(o["UID"]): o for o in occurrences}
        for parsed_event in parsed["events"]:
            occurrence = by_uid[parsed_event["uid"]]
            if parsed_event["start"]["is_date"]:
                # An all-day event: both read the same days (ical.js gives midnight, no zone).
                days = (datetime.fromisoformat(parsed_event["start"]["iso"]).date(),
                        datetime.fromisoformat(parsed_event["end"]["iso"]).date())
                if isinstance(occurrence.start, datetime) or (occurrence.start, occurrence.end) != days:
                    raise CalendarCheckError(f"{parsed_event['uid']}: recurring_ical_events has the days "
                                             f"{occurrence.start}–{occurrence.end}, ical.js {days}")
                continue
            if occurrence.start != datetime.fromisoformat(parsed_event["start"]["iso"]):
                raise CalendarCheckError(f"{parsed_event['uid']}: recurring_ical_events starts at "
                                         f"{occurrence.start}, ical.js at {parsed_event['start']['iso']}")
    return parsed
