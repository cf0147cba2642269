"""The checks themselves: each must fail on what it is there to catch."""
from __future__ import annotations

import pytest

from tests.calendar.checks import (LIBICAL_DIFFERS_FROM_RFC_5546, CalendarCheckError, byte_checks, ical_js, libical,
                                   libical_raw, strict_ical, validate_all)

GOOD = (
    "BEGIN:VCALENDAR\r\n"
    "VERSION:2.0\r\n"
    "PRODID:-//Cluster Meetings//Meeting Manager//EN\r\n"
    "BEGIN:VTIMEZONE\r\n"
    "TZID:Europe/Amsterdam\r\n"
    "BEGIN:DAYLIGHT\r\n"
    "DTSTART:20290325T020000\r\n"
    "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\r\n"
    "TZNAME:CEST\r\n"
    "TZOFFSETFROM:+0100\r\n"
    "TZOFFSETTO:+0200\r\n"
    "END:DAYLIGHT\r\n"
    "BEGIN:STANDARD\r\n"
    "DTSTART:20291028T030000\r\n"
    "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r\n"
    "TZNAME:CET\r\n"
    "TZOFFSETFROM:+0200\r\n"
    "TZOFFSETTO:+0100\r\n"
    "END:STANDARD\r\n"
    "END:VTIMEZONE\r\n"
    "BEGIN:VEVENT\r\n"
    "UID:m1@cluster-meetings\r\n"
    "DTSTAMP:20300201T093015Z\r\n"
    "DTSTART;TZID=Europe/Amsterdam:20300704T100000\r\n"
    "DTEND;TZID=Europe/Amsterdam:20300704T140000\r\n"
    "SUMMARY:Core\\; team\\, \\\\ ok\\nsecond line\r\n"
    "ORGANIZER;CN=\"Office, Cluster\":mailto:cluster@meetings.test\r\n"
    "END:VEVENT\r\n"
    "END:VCALENDAR\r\n"
)


def test_a_good_calendar_passes(node, libical_available):
    byte_checks(GOOD.encode())
    strict_ical(GOOD)
    assert ical_js(GOOD)["events"][0]["start"]["iso"] == "2030-07-04T10:00:00+02:00"
    assert libical(GOOD) == []


@pytest.mark.parametrize("change,problem", [
    (lambda t: t.replace("\r\n", "\n"), "CRLF"),
    (lambda t: t.replace("VERSION:2.0\r\n", "VERSION:2.0\n"), "bare LF"),
    (lambda t: t[:-2], "end with CRLF"),
    (lambda t: t.replace("UID:m1@cluster-meetings", "UID:" + "x" * 80), "octets"),
    (lambda t: t.replace("DTSTART;TZID=Europe/Amsterdam:", "DTSTART:"), "floating"),
    (lambda t: t.replace("DTEND;TZID=Europe/Amsterdam:", "DTEND;TZID=Europe/Berlin:"), "VTIMEZONE"),
    (lambda t: t.replace("20300704T140000", "20300704T090000"), "not after"),
    (lambda t: t.replace("DTSTAMP:20300201T093015Z", "DTSTAMP:20300201T093015"), "UTC"),
    (lambda t: t.replace(":mailto:cluster@meetings.test", ":cluster@meetings.test"), "mailto"),
    (lambda t: t.replace("team\\,", "team,"), "unescaped ','"),
    (lambda t: t.replace("Core\\;", "Core;"), "unescaped ';'"),
    (lambda t: t.replace("\\nsecond", "\\qsecond"), "bad escape"),
    (lambda t: t.replace("END:VEVENT\r\n", ""), "END:VCALENDAR"),
])
def test_byte_checks_catch(change, problem):
    with pytest.raises(CalendarCheckError, match=problem):
        byte_checks(change(GOOD).encode())


def test_byte_checks_catch_a_fold_inside_a_utf8_character():
    summary = ("SUMMARY:" + "é" * 33).encode()  # 74 octets
    good = GOOD.encode().replace(b"SUMMARY:Core", summary + b"\r\n Core")
    byte_checks(good)
    split = good.replace(summary + b"\r\n ", summary + b"\xc3\r\n \xa9")
    with pytest.raises(CalendarCheckError, match="UTF-8"):
        byte_checks(split)


def test_strict_parser_rejects_and_missing_uid_is_caught():
    with pytest.raises(CalendarCheckError, match="ical rejected"):
        strict_ical(GOOD.replace("20300704T100000", "2030-07-04"))
    with pytest.raises(CalendarCheckError, match="no UID"):
        strict_ical(GOOD.replace("UID:m1@cluster-meetings\r\n", ""))
    with pytest.raises(CalendarCheckError, match="no DTSTAMP"):
        strict_ical(GOOD.replace("DTSTAMP:20300201T093015Z\r\n", ""))


def test_ical_js_reports_its_error(node):
    with pytest.raises(CalendarCheckError, match="ical.js"):
        ical_js("BEGIN:VCALENDAR\r\nnot a content line\r\nEND:VCALENDAR\r\n")


def test_libical_reports_a_request_without_attendee(libical_available):
    request = GOOD.replace("VERSION:2.0\r\n", "VERSION:2.0\r\nMETHOD:REQUEST\r\n")
    errors = libical(request)
    assert any("ATTENDEE" in error for error in errors), errors


def test_ical_js_reads_rdate_lists_wrongly_which_is_why_we_use_rules(node):
    """The reason for RRULE-based VTIMEZONEs: with one RDATE holding several dates,
    ical.js takes only the first, and a July time gets the winter offset."""
    rdates = (GOOD.replace("RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3", "RDATE:20290325T020000,20300331T020000")
              .replace("RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10", "RDATE:20291028T030000,20301027T030000"))
    assert ical_js(rdates)["events"][0]["start"]["iso"] != "2030-07-04T10:00:00+02:00"


DECLINECOUNTER = (
    "BEGIN:VCALENDAR\r\n"
    "VERSION:2.0\r\n"
    "PRODID:-//Cluster Meetings//Meeting Manager//EN\r\n"
    "METHOD:DECLINECOUNTER\r\n"
    "BEGIN:VEVENT\r\n"
    "UID:m1@cluster-meetings\r\n"
    "DTSTAMP:20300201T093015Z\r\n"
    "SEQUENCE:2\r\n"
    "ORGANIZER;CN=Cluster office:mailto:cluster@meetings.test\r\n"
    "ATTENDEE;PARTSTAT=ACCEPTED:mailto:jan@example.org\r\n"
    "COMMENT:We keep the time.\r\n"
    "END:VEVENT\r\n"
    "END:VCALENDAR\r\n"
)


def test_libical_table_differs_from_rfc_5546_only_where_named(libical_available):
    """libical's table for DECLINECOUNTER allows no ATTENDEE and no SEQUENCE, which RFC 5546
    3.2.8 requires; those two lines alone are set aside, and nothing else."""
    raw = libical_raw(DECLINECOUNTER)
    assert len(raw) == 2 and all(line.endswith(known) for line, known in
                                 zip(sorted(raw), LIBICAL_DIFFERS_FROM_RFC_5546["DECLINECOUNTER"]))
    assert libical(DECLINECOUNTER) == []
    # What 3.2.8 forbids is still caught.
    with_time = DECLINECOUNTER.replace("COMMENT", "SUMMARY:Core\r\nCOMMENT")
    assert any("SUMMARY" in error for error in libical(with_time))
    # And a REQUEST without an ATTENDEE still fails: the exception is for DECLINECOUNTER only.
    assert any("ATTENDEE" in error for error in libical(GOOD.replace("VERSION:2.0\r\n",
                                                                      "VERSION:2.0\r\nMETHOD:REQUEST\r\n")))


def test_byte_checks_let_a_declinecounter_go_without_dtstart_and_only_it():
    byte_checks(DECLINECOUNTER.encode())
    with pytest.raises(CalendarCheckError, match="carries DTSTART"):
        byte_checks(DECLINECOUNTER.replace("SEQUENCE:2\r\n", "SEQUENCE:2\r\nDTSTART:20300704T080000Z\r\n").encode())
    with pytest.raises(CalendarCheckError, match="no DTSTART"):
        byte_checks(DECLINECOUNTER.replace("METHOD:DECLINECOUNTER", "METHOD:REQUEST").encode())


def test_a_declinecounter_passes_every_check(node, libical_available):
    parsed = validate_all(DECLINECOUNTER.encode())
    (event,) = parsed["events"]
    assert parsed["method"] == "DECLINECOUNTER" and event["start"] is None and event["sequence"] == 2
