"""parse(): what a message says, and a clear reason for what cannot be read; it never raises."""
from __future__ import annotations

import base64
from datetime import datetime, timezone

import pytest

from meetings.inbound.parsing import MAX_MESSAGE_BYTES, parse, parse_auth_results, reply_token
from meetings.inbound.states import InboundKind, Reason
from tests.inbound.replies import mail, reply_calendar

TOKEN = "abcdefghijklmnopqrstuvwxyz234567"
UID = "0b6c1f1e-1d2a-4a8e-9d7e-1f2a3b4c5d6e@cluster-meetings"


def test_a_reply_is_read():
    raw = mail(reply_calendar(UID, "anna@example.org", "TENTATIVE", sequence=2, attendee_name="Anna",
                              comment="Only in the morning"),
               to=f"Cluster office <rsvp+{TOKEN}@meetings.test>", body="See you!")
    parsed = parse(raw, inbound_address="rsvp@meetings.test")
    assert parsed.problem is None and parsed.kind == InboundKind.CALENDAR
    assert (parsed.method, parsed.uid, parsed.sequence) == ("REPLY", UID, 2)
    assert (parsed.attendee, parsed.attendee_name, parsed.partstat) == ("anna@example.org", "Anna", "TENTATIVE")
    assert (parsed.comment, parsed.body_text, parsed.token) == ("Only in the morning", "See you!", TOKEN)
    assert parsed.sender == "anna@example.org" and parsed.organizer == "cluster@meetings.test"


def test_the_token_is_found_in_the_recipient_first_then_the_headers_in_any_case():
    raw = mail(reply_calendar(UID, "anna@example.org"), to="rsvp@meetings.test",
               headers={"Delivered-To": f"RSVP+{TOKEN.upper()}@Meetings.Test"})
    assert parse(raw, inbound_address="rsvp@meetings.test").token == TOKEN
    other = "bcdefghijklmnopqrstuvwxyz2345672"
    assert parse(raw, f"rsvp+{other}@meetings.test", inbound_address="rsvp@meetings.test").token == other


@pytest.mark.parametrize("addresses, expected", [
    ([f"rsvp+{TOKEN}@meetings.test"], TOKEN),
    ([f"news+{TOKEN}@meetings.test"], None),  # another mailbox's plus address
    ([f"rsvp+{TOKEN}@elsewhere.example"], None),
    (["rsvp+short@meetings.test"], None),
    ([f"rsvp+{TOKEN}x@meetings.test"], None),
    (["rsvp@meetings.test", f"Someone <rsvp+{TOKEN}@meetings.test>"], TOKEN),
    (["not an address", ""], None),
])
def test_only_reply_addresses_built_on_the_inbound_address_carry_a_token(addresses, expected):
    assert reply_token(addresses, "rsvp@meetings.test") == expected


def test_authentication_results_are_read_per_method():
    results = parse_auth_results([
        "mx.meetings.test; dkim=pass (2048-bit key) header.d=example.org header.s=sel;"
        " spf=fail smtp.mailfrom=anna@example.org; dmarc=pass header.from=example.org",
        "other.example 1; spf=pass smtp.mailfrom=bounce@mailer.example",
    ])
    assert [(r.server, r.method, r.result, r.domain) for r in results] == [
        ("mx.meetings.test", "dkim", "pass", "example.org"),
        ("mx.meetings.test", "spf", "fail", "example.org"),
        ("mx.meetings.test", "dmarc", "pass", "example.org"),
        ("other.example", "spf", "pass", "mailer.example"),
    ]
    assert parse_auth_results(["", ";;;", "x; =; dkim"]) == ()


def test_times_are_aware_and_floating_or_unknown_zones_are_left_out():
    start = datetime(2027, 7, 2, 9, 0, tzinfo=timezone.utc)
    parsed = parse(mail(reply_calendar(UID, "anna@example.org", method="COUNTER", start=start,
                                       location="Room 2"), method="COUNTER"))
    assert (parsed.dtstart, parsed.dtend, parsed.location) == (start, start.replace(hour=10), "Room 2")
    ics = reply_calendar(UID, "anna@example.org", method="COUNTER").replace(
        "END:VEVENT", "DTSTART;TZID=Nowhere/Zone:20270702T090000\r\nEND:VEVENT")
    assert parse(mail(ics, method="COUNTER")).dtstart is None


def test_outlook_and_gmail_copies_of_the_calendar_part_count_once():
    raw = mail(reply_calendar(UID, "anna@example.org"), attach_copy=True)
    assert parse(raw).problem is None


def test_several_attendees_the_sender_is_the_one_replying():
    ics = reply_calendar(UID, "anna@example.org", "DECLINED", others=(("ben@example.de", "ACCEPTED"),))
    parsed = parse(mail(ics, sender="anna@example.org"))
    assert (parsed.attendee, parsed.partstat) == ("anna@example.org", "DECLINED")
    assert parsed.attendee_for("BEN@example.de").partstat == "ACCEPTED"
    assert parse(mail(ics, sender="someone@else.example")).attendee is None


def test_plain_automatic_and_bounce_mail_are_told_apart():
    assert parse(mail(None, body="I'll be late")).kind == InboundKind.PLAIN
    assert parse(mail(None, body="Out of office", headers={"Auto-Submitted": "auto-replied"})).kind \
        == InboundKind.AUTO
    assert parse(mail(None, body="Hi", headers={"Auto-Submitted": "no"})).kind == InboundKind.PLAIN
    bounce = (b"From: MAILER-DAEMON@mx.example\r\nTo: cluster@meetings.test\r\nSubject: Undelivered\r\n"
              b"Message-ID: <b1@mx.example>\r\nMIME-Version: 1.0\r\n"
              b"Content-Type: multipart/report; report-type=delivery-status; boundary=\"XX\"\r\n\r\n"
              b"--XX\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n"
              b"--XX\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example\r\n\r\n"
              b"Final-Recipient: rfc822; gone@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n--XX--\r\n")
    assert parse(bounce).kind == InboundKind.BOUNCE


def test_the_typed_words_stop_at_quotes_and_generated_lines():
    body = ("Happy to come, but only in the morning.\n\nAnna\n\n-----Original Message-----\n"
            "From: Cluster office\nSubject: Invitation: Core Team meeting\n")
    assert parse(mail(None, body=body)).body_text == "Happy to come, but only in the morning.\n\nAnna"
    assert parse(mail(None, body="On Tue, 1 Dec 2026, Cluster office wrote:\n> Invitation")).body_text is None
    assert parse(mail(None, body="Anna has accepted your event invitation.")).body_text is None


# --- bad input: each a clear reason, never an exception --------------------------------------

def _raw_with_calendar(payload: bytes, *, cte: str = "7bit", charset: str = "utf-8") -> bytes:
    return (b"From: anna@example.org\r\nTo: rsvp@meetings.test\r\nSubject: Accepted\r\n"
            b"Message-ID: <bad@client.example>\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: text/calendar; method=REPLY; charset=" + charset.encode() + b"\r\n"
            b"Content-Transfer-Encoding: " + cte.encode() + b"\r\n\r\n" + payload)


def _events(n: int) -> bytes:
    return reply_calendar(UID, "anna@example.org", extra_events=n - 1).encode()


BAD = {
    "no headers at all": (b"\x00\xff\xfe garbage without any header", Reason.MALFORMED_MIME),
    "multipart without boundary": (b"From: a@example.org\r\nMessage-ID: <m@x>\r\nMIME-Version: 1.0\r\n"
                                   b"Content-Type: multipart/mixed\r\n\r\nno parts here\r\n", Reason.MALFORMED_MIME),
    "multipart whose boundary never comes": (b"From: a@example.org\r\nMIME-Version: 1.0\r\n"
                                             b"Content-Type: multipart/mixed; boundary=\"nope\"\r\n\r\n"
                                             b"text\r\n", Reason.MALFORMED_MIME),
    "calendar that is not iCalendar": (_raw_with_calendar(b"this is not a calendar\r\n"), Reason.BROKEN_CALENDAR),
    "calendar cut short": (_raw_with_calendar(b"BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nUID:x\r\n"),
                           Reason.BROKEN_CALENDAR),
    "calendar with a broken value": (_raw_with_calendar(reply_calendar(UID, "anna@example.org").replace(
        "SEQUENCE:0", "SEQUENCE:many").encode()), Reason.BROKEN_CALENDAR),
    "two calendars in one part": (_raw_with_calendar(_events(1) + _events(1)), Reason.BROKEN_CALENDAR),
    "several VEVENTs": (_raw_with_calendar(_events(3)), Reason.SEVERAL_EVENTS),
    "no VEVENT": (_raw_with_calendar(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REPLY\r\nPRODID:x\r\n"
                                     b"BEGIN:VTODO\r\nUID:x\r\nEND:VTODO\r\nEND:VCALENDAR\r\n"), Reason.NO_EVENT),
    "VEVENT without UID": (_raw_with_calendar(reply_calendar(UID, "anna@example.org").replace(
        f"UID:{UID}\r\n", "").encode()), Reason.NO_UID),
    "VEVENT without ATTENDEE": (_raw_with_calendar("\r\n".join(
        line for line in reply_calendar(UID, "anna@example.org").split("\r\n")
        if not line.startswith("ATTENDEE")).encode()), Reason.NO_ATTENDEE),
    "odd charset": (_raw_with_calendar(_events(1), charset="x-klingon-7"), Reason.BAD_ENCODING),
    "bytes not in the charset": (_raw_with_calendar(b"BEGIN:VCALENDAR\r\n\xff\xfe\xfa\r\nEND:VCALENDAR\r\n"),
                                 Reason.BAD_ENCODING),
    "base64 that does not decode": (_raw_with_calendar(b"QkVHSU46VkNBTEVOREFS!!!*\r\n=\r\n", cte="base64"),
                                    Reason.BAD_ENCODING),
    "reply for one occurrence": (_raw_with_calendar(reply_calendar(
        UID, "anna@example.org", recurrence_id=datetime(2027, 7, 2, 9, tzinfo=timezone.utc)).encode()),
        Reason.RECURRENCE),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_input_gives_a_reason_and_a_detail(name):
    raw, reason = BAD[name]
    parsed = parse(raw)
    assert parsed.problem == reason
    assert parsed.detail
    assert parsed.message_id


def test_a_good_calendar_in_base64_and_in_a_legacy_charset_is_read():
    text = reply_calendar(UID, "anna@example.org", comment="Müller kommt später")
    assert parse(_raw_with_calendar(base64.encodebytes(text.encode()), cte="base64")).comment \
        == "Müller kommt später"
    assert parse(_raw_with_calendar(text.encode("iso-8859-1"), charset="iso-8859-1")).comment \
        == "Müller kommt später"


def test_a_message_over_the_limit_is_not_read_but_its_headers_are():
    raw = mail(None, body="", msgid="<big@client.example>", subject="Huge") + b"x" * (30 * 1024 * 1024)
    assert len(raw) > MAX_MESSAGE_BYTES
    parsed = parse(raw)
    assert (parsed.problem, parsed.message_id, parsed.subject) == (Reason.TOO_LARGE, "<big@client.example>", "Huge")
    assert "31457" in parsed.detail


@pytest.mark.parametrize("raw", [b"", b"\r\n\r\n", b"From:\r\n\r\n", b"Message-ID:\r\n\r\n",
                                 b"Content-Type: text/calendar; charset=\"\r\n\r\n\xff",
                                 b"From: =?utf-8?q?=FF?= <a@\r\n\r\nx", b"\n" * 1000])
def test_odd_bytes_never_raise(raw):
    parsed = parse(raw)
    assert parsed.message_id
