"""Outbox delivery speed: 1,000 invitation-sized messages with .ics to a local SMTP server.

Prints the rate of the whole outbox path (claim, build, send over SMTP in batches,
record each outcome) next to the rate of sending 1,000 pre-built messages over one
SMTP connection, and their ratio. ``BENCH_DATABASE_URL`` names a PostgreSQL server
to run on (a scratch database is made there and dropped; default: a fresh SQLite file); the issue's target is at least 250 messages/s.
"""
from __future__ import annotations

import json
import os
import socket
import tempfile
import time
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

COUNT = 1000
BATCH = 50
TARGET_RATE = 250.0
RESULTS = Path(__file__).resolve().parent / "results"


class CountingHandler:
    """Accepts everything and counts messages and bytes; nothing else, to measure the sender."""

    def __init__(self, counter, size):
        self.counter = counter
        self.size = size

    async def handle_DATA(self, server, session, envelope):
        with self.counter.get_lock():
            self.counter.value += 1
            self.size.value += len(envelope.content)
        return "250 OK"


def _serve(port: int, counter, size, stop) -> None:
    # A separate process, as a real mail server is: it does not compete for this interpreter's lock.
    from aiosmtpd.controller import Controller

    controller = Controller(CountingHandler(counter, size), hostname="127.0.0.1", port=port)
    controller.start()
    stop.wait()
    controller.stop()


class SMTPProcess:
    """aiosmtpd in a child process, counting what it receives."""

    def __init__(self):
        import multiprocessing

        context = multiprocessing.get_context("spawn")
        self.port = _free_port()
        self.counter = context.Value("i", 0)
        self.size = context.Value("q", 0)
        self.stop = context.Event()
        self.process = context.Process(target=_serve, args=(self.port, self.counter, self.size, self.stop))

    def __enter__(self) -> "SMTPProcess":
        self.process.start()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the SMTP server did not start")

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.process.join(10)

    @property
    def messages(self) -> int:
        return self.counter.value


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _invitation(n: int) -> dict:
    """Content the size of a real invitation: text, HTML with a style block, and a calendar."""
    from icalendar import Calendar, Event, vCalAddress

    agenda = [f"{9 + i // 2:02d}:{(i % 2) * 30:02d}  Item {i + 1}: roadmap, pilots and funding calls, part {i + 1}"
              for i in range(12)]
    text = "\n".join([f"Dear Participant {n},", "", "You are invited to the Core Team meeting of the cluster.",
                      "", "Thursday, 2 July 2026, 10:00–16:00 (CEST, Europe/Amsterdam)",
                      "High Tech Factory, Hengelosestraat 500, 7521 AN Enschede, NL", "", "Agenda", *agenda, "",
                      f"Please answer here: https://meetings.example/rsvp/{'x' * 43}{n}", "",
                      "Kind regards, the cluster office"])
    rows = "".join(f"<tr><td class=\"time\">{line[:5]}</td><td>{line[7:]}</td></tr>" for line in agenda)
    html = ("<html><head><style>body{font-family:Arial,sans-serif;color:#1d2733}"
            "table{border-collapse:collapse;width:100%}td{padding:4px 8px;border-bottom:1px solid #dde3ea}"
            ".time{color:#5b6776;white-space:nowrap}.button{background:#0b5cad;color:#fff;padding:10px 16px;"
            "text-decoration:none;border-radius:4px}</style></head><body>"
            f"<p>Dear Participant {n},</p><p>You are invited to the <strong>Core Team meeting</strong>.</p>"
            f"<table>{rows}</table><p><a class=\"button\" href=\"https://meetings.example/rsvp/{n}\">Answer</a></p>"
            "</body></html>")
    cal = Calendar()
    cal.add("prodid", "-//Cluster meetings//bench//EN")
    cal.add("version", "2.0")
    cal.add("method", "REQUEST")
    event = Event()
    event.add("uid", "core-team-2026-07@cluster-meetings")
    event.add("dtstamp", datetime(2026, 6, 1, 9, 0, tzinfo=timezone.utc))
    event.add("sequence", 0)
    event.add("dtstart", datetime(2026, 7, 2, 8, 0, tzinfo=timezone.utc))
    event.add("dtend", datetime(2026, 7, 2, 8, 0, tzinfo=timezone.utc) + timedelta(hours=6))
    event.add("summary", "Core Team meeting")
    event.add("location", "High Tech Factory, Hengelosestraat 500, 7521 AN Enschede, NL")
    event.add("description", "\n".join(agenda))
    organizer = vCalAddress("mailto:office@meetings.example")
    organizer.params["cn"] = "Cluster office"
    event.add("organizer", organizer)
    attendee = vCalAddress(f"mailto:participant{n}@example.org")
    attendee.params.update({"cn": f"Participant {n}", "rsvp": "TRUE", "partstat": "NEEDS-ACTION",
                            "role": "REQ-PARTICIPANT"})
    event.add("attendee", attendee)
    cal.add_component(event)
    return {"to_email": f"participant{n}@example.org", "to_name": f"Participant {n}",
            "subject": "Invitation: Core Team meeting, Thursday 2 July 2026", "text_body": text,
            "html_body": html, "ics": cal.to_ical().decode("utf-8"), "kind": "invitation", "language": "en"}


@contextmanager
def scratch_database(server_url: str | None, workdir: Path):
    """A new, empty database for one run: a SQLite file, or one made on the PostgreSQL server of ``server_url``."""
    if not server_url:
        yield f"sqlite:///{workdir / 'bench.sqlite3'}"
        return
    from sqlalchemy import create_engine, make_url, text

    admin = make_url(server_url)
    if admin.drivername in ("postgresql", "postgres"):
        admin = admin.set(drivername="postgresql+psycopg")
    name = f"bench_mail_{uuid.uuid4().hex[:10]}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


def _wait_for(server: SMTPProcess, count: int) -> None:
    # Every message was accepted (250) before send() returned; the counter only trails by a hair.
    deadline = time.monotonic() + 10
    while server.messages < count and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.messages == count, (server.messages, count)


def send_prebuilt(messages, sender: str) -> float:
    """Build every message first, then time sending them all over one SMTP connection; returns seconds."""
    from meetings.mail.delivery import connect, send
    from meetings.mail.message import envelope

    prebuilt = [envelope(m, sender=sender) for m in messages]
    started = time.perf_counter()
    connection = connect()
    try:
        for mail in prebuilt:
            send(connection, mail)
    finally:
        connection.quit()
    return time.perf_counter() - started


def run(database_url: str | None = None, count: int = COUNT) -> dict:
    """Measure both rates and return them (messages/second) with their ratio."""
    from sqlalchemy import select

    from config import testing_config
    from meetings import create_app
    from meetings.extensions import db
    from meetings.mail.delivery import deliver_due
    from meetings.mail.models import SENT, OutboxMessage
    from meetings.mail.outbox import queue_email

    workdir = Path(tempfile.mkdtemp(prefix="bench-mail-"))
    with scratch_database(database_url, workdir) as url, SMTPProcess() as server:
        app = create_app(testing_config(workdir, url, MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port,
                                        MAIL_DELIVER_AFTER_COMMIT=False))
        with app.app_context():
            db.create_all()
            contents = [_invitation(n) for n in range(count)]

            started = time.perf_counter()
            for n, content in enumerate(contents):
                queue_email(**content, dedupe_key=f"invitation:{n}:0")
            db.session.commit()
            queue_seconds = time.perf_counter() - started

            started = time.perf_counter()
            report = deliver_due(batch_size=BATCH)
            outbox_seconds = time.perf_counter() - started
            assert report.sent == count, report
            _wait_for(server, count)
            sent = db.session.scalar(select(db.func.count()).where(OutboxMessage.status == SENT))
            assert sent == count

            raw_seconds = send_prebuilt(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)),
                                        app.config["MAIL_DEFAULT_SENDER"])
            _wait_for(server, 2 * count)
            db.session.remove()
            db.engine.dispose()
        average_bytes = server.size.value / (2 * count)

    outbox_rate = count / outbox_seconds
    raw_rate = count / raw_seconds
    return {
        "messages": count, "batch_size": BATCH, "database": "postgresql" if database_url else "sqlite",
        "average_message_bytes": round(average_bytes),
        "queue_rate": round(count / queue_seconds, 1),
        "outbox_rate": round(outbox_rate, 1), "prebuilt_rate": round(raw_rate, 1),
        "ratio": round(outbox_rate / raw_rate, 3), "target_rate": TARGET_RATE,
    }


def main() -> int:
    """Print the figures (and keep them in bench/results/mail_delivery.json); 1 if under the target."""
    result = run(os.environ.get("BENCH_DATABASE_URL"))
    print(f"Queue {result['messages']} invitations (one transaction): {result['queue_rate']:8.1f} messages/s")
    print(f"Outbox delivery, batches of {result['batch_size']} ({result['database']}): "
          f"{result['outbox_rate']:8.1f} messages/s  (target >= {TARGET_RATE:.0f})")
    print(f"Pre-built messages over one connection:        {result['prebuilt_rate']:8.1f} messages/s")
    print(f"Ratio outbox / pre-built: {result['ratio']:.2f}   (average message {result['average_message_bytes']} bytes)")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "mail_delivery.json").write_text(json.dumps(result, indent=2) + "\n")
    return 0 if result["outbox_rate"] >= TARGET_RATE else 1


if __name__ == "__main__":
    raise SystemExit(main())
