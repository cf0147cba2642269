"""The builder: every kind of message as the email package makes it, and the direct writer's
bytes equal to the package's, byte for byte."""
from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from email import message_from_bytes, message_from_string, policy
from email.header import decode_header, make_header
from email.policy import compat32
from email.utils import parseaddr

import pytest
from hypothesis import given, settings, strategies as st

from meetings.mail import message

CALENDAR = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Cluster//test//EN\r\nMETHOD:REQUEST\r\n"
            "BEGIN:VEVENT\r\nUID:core-team@meetings.test\r\nDTSTAMP:20260601T090000Z\r\nSEQUENCE:0\r\n"
            "DTSTART:20260702T080000Z\r\nSUMMARY:Core Team meeting\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
TEXT = "Dear Anna,\n\nYou are invited: 10:00\u201316:00.\nA line with trailing space  \n" + "long " * 30 + "\n"
HTML = "<p>Dear <b>Anna</b>,</p><p class=\"x\">Invited: 10:00\u201316:00</p>" + "<span>word</span> " * 20
DATE = datetime(2026, 6, 1, 9, 30, tzinfo=timezone.utc)
SENDER = "Cluster Office <cluster@meetings.test>"


@dataclass(frozen=True)
class Content:
    to_email: str = "anna@example.org"
    to_name: str | None = "Anna Smith"
    reply_to: str | None = None
    subject: str = "Invitation: Core Team meeting"
    text_body: str = TEXT
    html_body: str | None = HTML
    ics: str | None = CALENDAR
    ics_method: str | None = "REQUEST"
    language: str = "en"
    message_id: str = "<0123456789abcdef0123456789abcdef@meetings.test>"


CANCEL = CALENDAR.replace("METHOD:REQUEST", "METHOD:CANCEL")
KINDS = {
    "invitation": Content(),
    "cancellation": Content(ics=CANCEL, ics_method="CANCEL", subject="Cancelled: Core Team meeting"),
    "calendar in UTF-8": Content(ics=CALENDAR.replace("Core Team", "Kernteam Müller")),
    "text and HTML": Content(ics=None, ics_method=None),
    "text only": Content(ics=None, ics_method=None, html_body=None),
    "German name and subject": Content(to_name="Jörg Müller-Lüdenscheidt", subject="Einladung: Größe " * 6,
                                       language="de"),
    "name with specials": Content(to_name='Smith, Anna "Annie" (CTO).', subject="Invitation: the long way round " * 5),
    "no name": Content(to_name=None),
    "long German subject and name": Content(to_name="Chloé Ünal de la Fontaine du Bois Größe Übermensch Straße",
                                            subject="Erinnerung: bitte antworten Sie auf die Einladung zu Sitzung über "
                                                    "Größe und Übermaß der Straßen"),
    "long Arabic name": Content(to_name="مريم الحسيني العربية الطويلة جدا جدا اسم"),
    "reply-to": Content(reply_to="office@example.org"),
    "international domain": Content(to_email="anna@bücher.example", ics=None, ics_method=None),
    "international mailbox": Content(to_email="jörg@bücher.example", to_name="Jörg"),
}


def _fixed_boundaries(monkeypatch) -> None:
    counter = itertools.count()
    monkeypatch.setattr(message, "_boundary", lambda: f"=_{next(counter):032x}")


@pytest.mark.parametrize("content", KINDS.values(), ids=KINDS.keys())
def test_the_writer_writes_the_bytes_of_the_email_package(monkeypatch, content):
    _fixed_boundaries(monkeypatch)
    expected = message.build_message(content, sender=SENDER, date=DATE).as_bytes(policy=None)
    _fixed_boundaries(monkeypatch)
    assert message.write_message(content, sender=SENDER, date=DATE) == expected


@pytest.mark.parametrize("content", KINDS.values(), ids=KINDS.keys())
def test_every_kind_reads_back_as_sent(content):
    data = message.message_bytes(content, sender=SENDER, date=DATE)
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert all(len(line) <= 78 for line in data.split(b"\r\n"))
    email = message_from_string(data.decode("utf-8"), policy=policy.default)
    assert email["Subject"] == content.subject.strip()
    # Decoded as RFC 2047 says: white space between encoded words is no part of the name.
    raw = message_from_string(data.decode("utf-8"), policy=compat32)
    name, _ = parseaddr(str(make_header(decode_header(raw["To"]))))
    assert name == (content.to_name or "")
    assert email["From"].addresses[0].display_name == "Cluster Office"
    assert email["Content-Language"] == content.language
    assert email.get_body(("plain",)).get_content().replace("\r\n", "\n") == TEXT
    if content.html_body:
        assert email.get_body(("html",)).get_content().replace("\r\n", "\n").rstrip("\n") == HTML
    if content.ics:
        mixed = [part.get_content_type() for part in email.walk()]
        assert mixed == ["multipart/mixed", "multipart/alternative", "text/plain", "text/html", "text/calendar",
                         "application/ics"]
        calendar = [part for part in email.walk() if part.get_content_type() == "text/calendar"][0]
        assert calendar.get_param("method") == content.ics_method
        assert calendar.get_content_disposition() is None
        assert calendar.get_content() == content.ics
        assert "Auto-Submitted" not in email
    else:
        assert email["Auto-Submitted"] == "auto-generated"


def test_the_calendar_part_names_its_method_and_is_no_attachment():
    part = message.calendar_part(CANCEL, "CANCEL")
    assert part["Content-Type"] == 'text/calendar; charset="utf-8"; method="CANCEL"'
    assert part["Content-Transfer-Encoding"] == "7bit"
    assert "Content-Disposition" not in part
    assert message.calendar_part(CALENDAR.replace("Team", "Tëam"), "REQUEST")["Content-Transfer-Encoding"] == "base64"


def test_a_line_break_in_a_name_or_subject_cannot_add_a_header():
    content = replace(KINDS["text only"], to_name="Anna\r\nBcc: evil@example.org", subject="Hi\nBcc: evil@example.org")
    email = message_from_bytes(message.message_bytes(content, sender=SENDER, date=DATE), policy=policy.default)
    assert "Bcc" not in email
    assert email["To"].addresses[0].addr_spec == "anna@example.org"


def test_the_envelope_carries_smtputf8_only_for_an_international_mailbox():
    assert message.envelope(KINDS["invitation"], sender=SENDER).mail_options == ()
    international = message.envelope(KINDS["international mailbox"], sender=SENDER)
    assert international.mail_options == ("SMTPUTF8",)
    assert international.recipient == "jörg@xn--bcher-kva.example"
    assert international.sender == "cluster@meetings.test"


def _package_qp(text: str) -> bytes:
    from email import quoprimime
    return quoprimime.body_encode(message._lines(text).decode("latin-1"), message.SMTP.max_line_length).replace(
        "\n", "\r\n").encode("ascii")


# Pieces that meet the encoder's cases: quoting, white space at a line's end, soft breaks
# next to a quoted character, and characters other splitters take for line ends.
BODY_TEXT = st.lists(st.sampled_from(list("ab =\t.\u00fc\u00e9\u2013\u0105\u20ac\x0c\x85\u2028\r\n")
                                     + ["x" * 70, "=" * 30, "\u00fc" * 30]), max_size=60).map("".join)


@settings(max_examples=400, deadline=None)
@given(BODY_TEXT)
def test_quoted_printable_bodies_are_the_packages(text):
    assert message._qp(text) == _package_qp(text)


@pytest.mark.parametrize("text", ["", "\n", " ", "a \n", "x" * 78, "x" * 79, "x" * 77 + " ", "\u00fc" * 40,
                                  "a=b " * 30, "line\r\nnext\rlast", HTML, TEXT])
def test_quoted_printable_edge_cases_are_the_packages(text):
    assert message._qp(text) == _package_qp(text)


NAME = st.from_regex(r"[A-Za-z0-9'-]{1,12}(?: [A-Za-z0-9'-]{1,12}){0,4}", fullmatch=True)


@settings(max_examples=300, deadline=None)
@given(NAME)
def test_plain_names_are_written_as_the_package_folds_them(name):
    address = message.Address(display_name=name, addr_spec="anna@example.org")
    assert message._header("To", address) == message._folded_address("To", name, "anna@example.org")
