"""What each recipient's calendar holds, read from the mails a real SMTP server received.

``CalendarLedger(received)`` follows the mails in the order they arrived, recipient by
recipient and UID by UID, as a calendar client would. Its checks are the rules every
sending must keep (RFC 5546; iOS and Outlook ignore or misplace anything else):

- per recipient and UID, SEQUENCE never falls;
- no two versions of the event at one SEQUENCE (a version: METHOD, start, end, place,
  title, status and the timed agenda lines of the description);
- no CANCEL to anyone who never got a REQUEST for that UID;
- after an update or a cancellation, nobody is left holding an older version
  (:meth:`assert_current`, :meth:`assert_cancelled`).

Every calendar part also goes through the real parsers' checks when ``validate`` is given
(``tests.calendar.checks.validate_all``, via the ``validated`` fixture).

Use in a test::

    ledger = CalendarLedger(smtp_server.recorder.wait_for(n), validate=validated)
    ledger.assert_consistent()
    ledger.assert_current(meeting.uid)
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from icalendar import Calendar

from tests.mail.smtp import Received

_AGENDA_LINE = re.compile(r"^\d\d:\d\d")


@dataclass(frozen=True)
class Entry:
    """One calendar message as its recipient's client sees it."""

    recipient: str
    method: str
    uid: str
    sequence: int
    version: tuple
    partstat: str | None
    attendee_params: dict
    subject: str
    text: str

    @property
    def core(self) -> tuple:
        """The version without the words (which are in the recipient's language): method,
        start, end, status and the agenda's clock times."""
        method, start, end, _location, _summary, status, agenda = self.version
        return method, start, end, status, tuple(line[:11] for line in agenda)


@dataclass
class CalendarLedger:
    received: Iterable[Received]
    validate: Callable[[bytes], dict] | None = None
    entries: list[Entry] = field(default_factory=list)
    # Mails without a calendar part, by recipient: (subject, text).
    plain: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    def __post_init__(self):
        for item in self.received:
            message = item.message
            recipient = item.rcpt_tos[0].lower()
            assert len(item.rcpt_tos) == 1, "one recipient per invitation email"
            text_part = message.get_body(preferencelist=("plain",))
            text = text_part.get_content() if text_part is not None else ""
            part = next((p for p in message.walk() if p.get_content_type() == "text/calendar"), None)
            if part is None:
                self.plain.setdefault(recipient, []).append((str(message["Subject"]), text))
                continue
            data = part.get_payload(decode=True)
            if self.validate is not None:
                self.validate(data)
            cal = Calendar.from_ical(data)
            method = str(cal["METHOD"])
            assert part.get_param("method") == method, "the part's method= equals METHOD"
            for event in cal.walk("VEVENT"):
                attendee = event.get("ATTENDEE")
                assert not isinstance(attendee, list), "only the recipient as ATTENDEE"
                assert str(attendee).lower() == f"mailto:{recipient}", "the ATTENDEE is the recipient"
                description = str(event.get("DESCRIPTION", ""))
                agenda = tuple(line for line in description.splitlines() if _AGENDA_LINE.match(line))
                version = (method, event["DTSTART"].dt, event["DTEND"].dt, str(event.get("LOCATION", "")),
                           str(event["SUMMARY"]), str(event.get("STATUS", "")), agenda)
                self.entries.append(Entry(recipient, method, str(event["UID"]), int(event["SEQUENCE"]), version,
                                          attendee.params.get("PARTSTAT"), dict(attendee.params),
                                          str(message["Subject"]), text))

    # --- reading ---------------------------------------------------------------------

    def of(self, recipient: str, uid: str | None = None) -> list[Entry]:
        """The calendar messages one recipient got (for one UID), in the order they arrived."""
        return [e for e in self.entries if e.recipient == recipient.lower() and (uid is None or e.uid == uid)]

    def last(self, recipient: str, uid: str) -> Entry:
        entries = self.of(recipient, uid)
        assert entries, f"{recipient} got no calendar message for {uid}"
        return entries[-1]

    def recipients(self, uid: str) -> set[str]:
        return {e.recipient for e in self.entries if e.uid == uid}

    def newest(self, uid: str) -> Entry:
        """The version of the event most recently sent to anyone at the highest SEQUENCE (REQUESTs)."""
        requests = [e for e in self.entries if e.uid == uid and e.method == "REQUEST"]
        assert requests, f"no REQUEST for {uid}"
        top = max(e.sequence for e in requests)
        return [e for e in requests if e.sequence == top][-1]

    # --- the rules -------------------------------------------------------------------------

    def assert_consistent(self) -> None:
        """SEQUENCE never falls, one version per SEQUENCE, no CANCEL without a REQUEST before it."""
        for recipient, uid in sorted({(e.recipient, e.uid) for e in self.entries}):
            seen_request = False
            versions: dict[int, tuple] = {}
            previous = -1
            for entry in self.of(recipient, uid):
                where = f"{recipient}, {uid}, SEQUENCE {entry.sequence} ({entry.subject})"
                assert entry.sequence >= previous, f"SEQUENCE fell from {previous}: {where}"
                previous = entry.sequence
                if entry.method == "CANCEL":
                    assert seen_request, f"CANCEL without an earlier REQUEST: {where}"
                else:
                    seen_request = True
                known = versions.setdefault(entry.sequence, entry.version)
                assert known == entry.version, f"two versions at one SEQUENCE: {where}: {known} / {entry.version}"

    def assert_current(self, uid: str, recipients: Iterable[str] | None = None) -> None:
        """Everyone who got a REQUEST (or those named) holds the newest version (its SEQUENCE,
        times, status and agenda times; the words are each in their own language), or had a CANCEL."""
        newest = self.newest(uid)
        for recipient in recipients if recipients is not None else self.recipients(uid):
            last = self.last(recipient, uid)
            if last.method == "CANCEL":
                continue
            assert last.core == newest.core and last.sequence == newest.sequence, (
                f"{recipient} still holds SEQUENCE {last.sequence} {last.core}, "
                f"newest is {newest.sequence} {newest.core}")

    def assert_cancelled(self, uid: str) -> None:
        """Every calendar that got the event ends with a CANCEL above everything it was sent."""
        for recipient in self.recipients(uid):
            entries = self.of(recipient, uid)
            assert entries[-1].method == "CANCEL", f"{recipient} still holds {uid}"
            assert entries[-1].sequence > max(e.sequence for e in entries[:-1] if e.method == "REQUEST"), (
                f"the CANCEL to {recipient} does not outrank the REQUEST it holds")
