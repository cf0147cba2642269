"""Sending invitations to 1,000 invitees: the organiser's request, then delivery.

Prints how long the organiser's "Send invitations" request takes for a meeting
with 1,000 invitees (target: under 0.3 s; the request queues one outbox row per
person, their content is written at delivery), then the delivery rate of those
1,000 messages to a local SMTP server, content writing included (target: at
least 250 messages/s), beside the rate of sending the same 1,000 messages
pre-built over one connection, and their ratio. ``BENCH_DATABASE_URL`` names a
PostgreSQL server to run on (default: a fresh SQLite file).
"""
from __future__ import annotations

import json
import secrets
import os
import statistics
import tempfile
import time
from datetime import datetime, time as clock, timedelta, timezone
from pathlib import Path

from bench.mail_delivery import RESULTS, SMTPProcess, _wait_for, scratch_database, send_prebuilt

INVITEES = 1000
ROUNDS = 3
REQUEST_TARGET = 0.3
RATE_TARGET = 250.0
BATCH = 50


def _meeting_with_invitees(n: int, count: int):
    """A scheduled meeting of five agenda items with ``count`` invitees in three languages."""
    from meetings.events.models import AgendaItem, Meeting
    from meetings.extensions import db
    from meetings.network.models import Contact, Organisation
    from meetings.participants.models import Participant
    from meetings.venues.models import Venue

    start = datetime.now(timezone.utc).replace(microsecond=0, second=0, minute=0) + timedelta(days=40)
    venue = Venue(name=f"High Tech Factory {n}", address="Hengelosestraat 500", city="Enschede", country="NL",
                  timezone="Europe/Amsterdam")
    meeting = Meeting(title=f"Core Team meeting {n}", slug=f"core-team-{n}", description="The cluster's core team.",
                      starts_at=start, ends_at=start + timedelta(hours=5), timezone="Europe/Amsterdam",
                      venue=venue, visibility="invitation", status="scheduled", language="en")
    db.session.add(meeting)
    for position, title in enumerate(["Welcome", "AI in SMEs", "Cyber Security", "Remanufacturing", "Next steps"]):
        db.session.add(AgendaItem(meeting=meeting, position=position, title=title, duration_minutes=45,
                                  presenter="Anna Müller", start_time=clock(9, 0) if position == 0 else None))
    organisation = Organisation(name=f"Partner {n}", country="DE", kind="company", is_public=True)
    db.session.add(organisation)
    db.session.flush()
    languages = ("en", "de", "nl")
    contacts = [dict(name=f"Person {n}-{i}", email=f"person{n}-{i}@example.org", language=languages[i % 3],
                     organisation_id=organisation.id) for i in range(count)]
    db.session.execute(Contact.__table__.insert(), contacts)
    ids = db.session.scalars(db.select(Contact.id).where(Contact.organisation_id == organisation.id)).all()
    db.session.execute(Participant.__table__.insert(), [
        dict(meeting_id=meeting.id, contact_id=contact_id, kind="invitee", status="invited",
             name=c["name"], email=c["email"], language=c["language"], organisation_id=organisation.id,
             token=secrets.token_urlsafe(32), created_at=datetime.now(timezone.utc))
        for contact_id, c in zip(ids, contacts)])
    db.session.commit()
    return meeting.id


def run(database_url: str | None = None, count: int = INVITEES) -> dict:
    """Measure the request time (median of ROUNDS meetings) and the delivery rates."""
    from sqlalchemy import select

    from config import testing_config
    from meetings import create_app
    from meetings.auth.models import User
    from meetings.extensions import db
    from meetings.mail.delivery import deliver_due
    from meetings.mail.models import SENT, OutboxMessage

    workdir = Path(tempfile.mkdtemp(prefix="bench-invitations-"))
    with scratch_database(database_url, workdir) as url, SMTPProcess() as server:
        app = create_app(testing_config(workdir, url, MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port,
                                        MAIL_DELIVER_AFTER_COMMIT=False,
                                        WTF_CSRF_ENABLED=False))
        with app.app_context():
            db.create_all()
            user = User(email="organiser@example.org", name="Organiser")
            user.set_password("bench-password-1")
            db.session.add(user)
            db.session.commit()
            meetings = [_meeting_with_invitees(n, count) for n in range(ROUNDS)]
            client = app.test_client()
            response = client.post("/login", data={"email": "organiser@example.org", "password": "bench-password-1"})
            assert response.status_code in (302, 303), response.status_code
            durations = []
            for meeting_id in meetings:
                started = time.perf_counter()
                response = client.post(f"/manage/meetings/{meeting_id}/invitations/send")
                durations.append(time.perf_counter() - started)
                assert response.status_code == 303, response.status_code
            queued = db.session.scalar(select(db.func.count()).select_from(OutboxMessage))
            assert queued == count * ROUNDS, queued

            first = select(OutboxMessage.id).where(OutboxMessage.meeting_id == meetings[0])
            ids = list(db.session.scalars(first))
            started = time.perf_counter()
            report = deliver_due(batch_size=BATCH, ids=ids)
            outbox_seconds = time.perf_counter() - started
            assert report.sent == count, report
            _wait_for(server, count)

            raw_seconds = send_prebuilt(db.session.scalars(
                select(OutboxMessage).where(OutboxMessage.id.in_(ids), OutboxMessage.status == SENT)),
                app.config["MAIL_DEFAULT_SENDER"])
            _wait_for(server, 2 * count)
            db.session.remove()
            db.engine.dispose()

    outbox_rate = count / outbox_seconds
    raw_rate = count / raw_seconds
    return {
        "invitees": count, "database": "postgresql" if database_url else "sqlite",
        "request_seconds": [round(d, 3) for d in durations], "request_median": round(statistics.median(durations), 3),
        "delivery_rate": round(outbox_rate, 1), "prebuilt_rate": round(raw_rate, 1),
        "ratio": round(outbox_rate / raw_rate, 3),
    }


def main() -> int:
    """Print the figures (kept in bench/results/invitations.json); 1 if a target is missed."""
    result = run(os.environ.get("BENCH_DATABASE_URL"))
    print(f"'Send invitations' to {result['invitees']} invitees ({result['database']}): "
          f"median {result['request_median']:.3f} s of {result['request_seconds']}  (target < {REQUEST_TARGET} s)")
    print(f"Delivery with content written, batches of {BATCH}: {result['delivery_rate']:8.1f} messages/s  "
          f"(target >= {RATE_TARGET:.0f})")
    print(f"The same messages pre-built over one connection:  {result['prebuilt_rate']:8.1f} messages/s")
    print(f"Ratio delivery / pre-built: {result['ratio']:.2f}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "invitations.json").write_text(json.dumps(result, indent=2) + "\n")
    return 0 if result["request_median"] < REQUEST_TARGET and result["delivery_rate"] >= RATE_TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
