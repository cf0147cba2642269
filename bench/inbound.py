"""Calendar replies read from a local IMAP server: 1,000 REPLY messages fetched and applied.

A meeting with 1,000 invitees has its invitations sent; each invitee's REPLY
(Accept, Tentative or Decline, shaped as the tests' calendar clients write them,
``tests/inbound/replies.py``) is put into a mailbox of a throwaway Dovecot
(Debian's ``dovecot-imapd``). Timed: one ``flask mail fetch`` run's work
(:func:`meetings.inbound.doors.fetch_mailbox`: read over IMAP, store, apply each
in its own transaction, move to the processed folder), beside only parsing the
same 1,000 messages, and their ratio. The issue's target is at least 100
messages/s. ``BENCH_DATABASE_URL`` names a PostgreSQL server to run on (default:
a fresh SQLite file).
"""
from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

from bench.mail_delivery import RESULTS, scratch_database

COUNT = 1000
TARGET_RATE = 100.0
INBOUND = "rsvp@meetings.bench"
PARTSTATS = ("ACCEPTED", "TENTATIVE", "DECLINED")


def _invited_meeting(count: int):
    """A scheduled meeting whose invitations went out to ``count`` invitees; (meeting, participants)."""
    from datetime import datetime, timedelta, timezone

    from meetings.events.models import Meeting
    from meetings.extensions import db
    from meetings.invitations.services import send_invitations
    from meetings.participants.models import Participant
    from meetings.venues.models import Venue

    start = datetime.now(timezone.utc).replace(microsecond=0, second=0, minute=0) + timedelta(days=40)
    venue = Venue(name="High Tech Factory", address="Hengelosestraat 500", city="Enschede", country="NL",
                  timezone="Europe/Amsterdam")
    meeting = Meeting(title="Core Team meeting", slug="core-team", description="The cluster's core team.",
                      starts_at=start, ends_at=start + timedelta(hours=5), timezone="Europe/Amsterdam",
                      venue=venue, visibility="invitation", status="scheduled", language="en")
    db.session.add(meeting)
    people = [Participant(meeting=meeting, kind="invitee", status="invited", name=f"Person {i}",
                          email=f"person{i}@example.org", language=("en", "de", "nl")[i % 3])
              for i in range(count)]
    db.session.add_all(people)
    db.session.flush()
    send_invitations(meeting)
    db.session.commit()
    return meeting, people


def _replies(meeting, people) -> list[bytes]:
    """One REPLY per person, to their own reply address, as mail servers store it (CRLF)."""
    from meetings.inbound.services import reply_address
    from tests.inbound.replies import mail, reply_calendar

    raws = []
    for n, person in enumerate(people):
        partstat = PARTSTATS[n % len(PARTSTATS)]
        raw = mail(reply_calendar(meeting.uid, person.email, partstat, attendee_name=person.name),
                   sender=person.email, sender_name=person.name, to=reply_address(person),
                   subject=f"{partstat.title()}: Core Team meeting", msgid=f"<bench-reply-{n}@client.example>")
        raws.append(raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    return raws


def run(database_url: str | None = None, count: int = COUNT) -> dict:
    """Measure both rates (messages/second) and their ratio."""
    from sqlalchemy import func, select

    from config import testing_config
    from meetings import create_app
    from meetings.extensions import db
    from meetings.inbound.doors import fetch_mailbox
    from meetings.inbound.models import InboundMessage
    from meetings.inbound.services import parse_message
    from meetings.inbound.states import InboundState
    from tests.inbound.dovecot import Dovecot, available

    if not available():
        raise SystemExit("bench/inbound needs Dovecot (Debian package dovecot-imapd)")
    workdir = Path(tempfile.mkdtemp(prefix="bench-inbound-"))
    with scratch_database(database_url, workdir) as url, Dovecot() as server:
        box = server.new_mailbox()
        app = create_app(testing_config(workdir, url, INBOUND_ADDRESS=INBOUND, MAIL_DELIVER_AFTER_COMMIT=False,
                                        **box.settings()))
        with app.app_context():
            db.create_all()
            raws = _replies(*_invited_meeting(count))
            box.append(*raws)
            # As ``flask mail fetch`` starts: with nothing loaded in the session.
            db.session.remove()

            started = time.perf_counter()
            report = fetch_mailbox()
            fetch_seconds = time.perf_counter() - started
            applied = db.session.scalar(select(func.count()).select_from(InboundMessage)
                                        .where(InboundMessage.state == InboundState.APPLIED))
            assert report.read == count and applied == count, (report, applied)
            assert report.moved == count, report

            started = time.perf_counter()
            for raw in raws:
                parse_message(raw)
            parse_seconds = time.perf_counter() - started
            average = sum(map(len, raws)) / count
            db.session.remove()
            db.engine.dispose()

    fetch_rate = count / fetch_seconds
    parse_rate = count / parse_seconds
    return {
        "messages": count, "database": "postgresql" if database_url else "sqlite",
        "average_message_bytes": round(average),
        "fetch_apply_rate": round(fetch_rate, 1), "parse_rate": round(parse_rate, 1),
        "ratio": round(fetch_rate / parse_rate, 3), "target_rate": TARGET_RATE,
    }


def main() -> int:
    """Print the figures (kept in bench/results/inbound.json); 1 if under the target."""
    result = run(os.environ.get("BENCH_DATABASE_URL"))
    print(f"Fetch {result['messages']} REPLY messages from Dovecot, store, apply, move "
          f"({result['database']}): {result['fetch_apply_rate']:8.1f} messages/s  (target >= {TARGET_RATE:.0f})")
    print(f"Only parsing the same messages:                 {result['parse_rate']:8.1f} messages/s")
    print(f"Ratio fetch and apply / parse: {result['ratio']:.3f}   "
          f"(average message {result['average_message_bytes']} bytes)")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "inbound.json").write_text(json.dumps(result, indent=2) + "\n")
    return 0 if result["fetch_apply_rate"] >= TARGET_RATE else 1


if __name__ == "__main__":
    raise SystemExit(main())
