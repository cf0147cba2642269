"""Report speed: the funder's report for a period of 200 meetings, 5,000 attendances and 300
organisations, as the page, the printable page and the .xlsx download.

Each is requested in-process through Flask's test client by a logged-in organiser, as a
browser would ask for it (session cookie, nothing kept between requests but the
database): the median of ``ROUNDS`` requests after two to warm up, and the number of SQL
statements each request sends. The same report for a tenth of the meetings must send
as many statements: their number does not grow with the meetings.
``BENCH_DATABASE_URL`` names a PostgreSQL server to run on (a scratch database is made
there and dropped); without it a SQLite file is used and the figures say so.
Targets: the page under 300 ms, the .xlsx under 1 s.
"""
from __future__ import annotations

import json
import os
import random
import re
import statistics
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from bench.mail_delivery import scratch_database

MEETINGS = 200
ATTENDANCES = 5000
ORGANISATIONS = 300
CONTACTS = 1500
EARLIER_MEETINGS = 20
ROUNDS = 10
TARGET_PAGE_MS = 300
TARGET_XLSX_MS = 1000
PERIOD = {"start": "2025-01-01", "end": "2025-12-31"}
SMALL_PERIOD = {"start": "2025-01-01", "end": "2025-02-05"}  # the first 20 meetings
RESULTS = Path(__file__).resolve().parent / "results"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
KINDS = ("chamber", "agency", "university", "applied_university", "institute", "company", "other")
EMAIL = "organiser@bench.example"
PASSWORD = "bench password, long enough"


def populate() -> None:
    """Organisations on both sides (some without a country), their contacts, a venue and two
    topics; 20 meetings before the period and 200 in it, 25 people present at each (some of
    them walk-ins with a typed organisation or none), every other meeting public with registrants."""
    from meetings.auth.models import User
    from meetings.events.models import Meeting, Topic
    from meetings.extensions import db
    from meetings.network.models import Contact, Organisation
    from meetings.participants.models import Participant
    from meetings.venues.models import Venue

    rng = random.Random(17)
    user = User(email=EMAIL, name="Bench Organiser")
    user.set_password(PASSWORD)
    organisations = [Organisation(name=f"Organisation {n}", country=("NL", "DE", "BE", "")[n % 4 if n % 10 else 3],
                                  kind=KINDS[n % len(KINDS)]) for n in range(ORGANISATIONS)]
    venue = Venue(name="High Tech Factory", address="Hengelosestraat 500", postal_code="7521 AN", city="Enschede",
                  country="NL", timezone="Europe/Amsterdam")
    topics = [Topic(name="AI", slug="ai"), Topic(name="Cyber Security", slug="cyber-security")]
    db.session.add_all([user, venue, *organisations, *topics])
    db.session.flush()
    contacts = [Contact(name=f"Contact {n}", email=f"contact{n}@bench.example", organisation=organisations[n % ORGANISATIONS])
                for n in range(CONTACTS)]
    db.session.add_all(contacts)
    db.session.flush()
    per_meeting = ATTENDANCES // MEETINGS
    first = datetime(2025, 1, 1, 9, tzinfo=timezone.utc)
    starts = ([first - timedelta(days=30 * (n + 1)) for n in range(EARLIER_MEETINGS)]
              + [first + timedelta(days=(n * 364) // MEETINGS) for n in range(MEETINGS)])
    for n, starts_at in enumerate(starts):
        public = n % 2 == 0
        meeting = Meeting(title=f"Meeting {n}", slug=f"meeting-{n}", description="", starts_at=starts_at,
                          ends_at=starts_at + timedelta(hours=3), timezone="Europe/Amsterdam", venue=venue,
                          visibility="public" if public else "invitation", status="held",
                          topics=[topics[n % 2]])
        db.session.add(meeting)
        db.session.flush()
        rows = []
        for number, contact in enumerate(rng.sample(contacts, per_meeting - 2)):
            registrant = public and number % 3 == 0
            rows.append(Participant(meeting_id=meeting.id, contact_id=contact.id, name=contact.name,
                                    email=contact.email, organisation_id=contact.organisation_id,
                                    kind="registrant" if registrant else "invitee",
                                    status="registered" if registrant else "accepted", attended=True))
        rows.append(Participant(meeting_id=meeting.id, name=f"Walk-in {n}", kind="walk_in", status="registered",
                                organisation_name=f"Typed company {n % 40}", country="DE", attended=True))
        rows.append(Participant(meeting_id=meeting.id, name=f"Guest {n}", kind="walk_in", status="registered",
                                attended=True))
        if public:
            rows += [Participant(meeting_id=meeting.id, email=f"absent{n}-{k}@bench.example", name=f"Absent {k}",
                                 kind="registrant", status="registered") for k in range(5)]
        db.session.add_all(rows)
    db.session.commit()


def _login(client) -> None:
    page = client.get("/login").get_data(as_text=True)
    response = client.post("/login", data={"email": EMAIL, "password": PASSWORD,
                                           "csrf_token": CSRF.search(page).group(1)})
    assert response.status_code == 302, response.status_code


def _measure(client, engine, path: str, args: dict) -> dict:
    from sqlalchemy import event

    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    times = []
    for round_number in range(2 + ROUNDS):
        statements.clear()
        event.listen(engine, "before_cursor_execute", record)
        started = time.perf_counter()
        response = client.get(path, query_string=args)
        elapsed = time.perf_counter() - started
        event.remove(engine, "before_cursor_execute", record)
        assert response.status_code == 200, (path, response.status_code)
        if round_number >= 2:
            times.append(elapsed * 1000)
    return {"median_ms": statistics.median(times), "min_ms": min(times), "max_ms": max(times),
            "statements": len(statements), "bytes": len(response.data)}


def run(database_url: str | None = None) -> dict:
    """Build the data, then time the three answers for the whole period and count statements
    for it and for a period of a tenth of the meetings."""
    from config import testing_config
    from meetings import create_app
    from meetings.extensions import db
    from meetings.reports.services import ReportFilter, build_report

    workdir = Path(tempfile.mkdtemp(prefix="bench-reports-"))
    with scratch_database(database_url, workdir) as url:
        app = create_app(testing_config(workdir, url))
        with app.app_context():
            db.create_all()
            populate()
            report = build_report(ReportFilter(date.fromisoformat(PERIOD["start"]), date.fromisoformat(PERIOD["end"])))
            small = build_report(ReportFilter(date.fromisoformat(SMALL_PERIOD["start"]),
                                              date.fromisoformat(SMALL_PERIOD["end"])))
            shape = {"meetings": len(report.meetings), "attendances": report.attendances,
                     "organisations": len(report.organisations), "small_meetings": len(small.meetings)}
            db.session.remove()
            engine = db.engine
        # Each request in an application context of its own, as under a web server.
        client = app.test_client()
        _login(client)
        paths = (("page", "/manage/reports/"), ("print", "/manage/reports/print"),
                 ("xlsx", "/manage/reports/report.xlsx"))
        results = {name: _measure(client, engine, path, PERIOD) for name, path in paths}
        small_counts = {name: _measure(client, engine, path, SMALL_PERIOD)["statements"] for name, path in paths}
        engine.dispose()
    return {"database": "postgresql" if database_url else "sqlite", **shape, "results": results,
            "small_period_statements": small_counts}


def main() -> int:
    """Print the figures (and keep them in bench/results/reports.json); 1 if a target is missed."""
    result = run(os.environ.get("BENCH_DATABASE_URL"))
    print(f"{result['meetings']} meetings, {result['attendances']} attendances, {result['organisations']} "
          f"organisations represented ({result['database']}); medians of {ROUNDS} requests")
    print(f"{'':18}{'median ms':>10}{'min':>8}{'max':>8}{'statements':>12}"
          f"{'with ' + str(result['small_meetings']) + ' meetings':>18}{'bytes':>10}")
    for name, label in (("page", "report page"), ("print", "printable page"), ("xlsx", ".xlsx")):
        row = result["results"][name]
        print(f"{label:18}{row['median_ms']:>10.1f}{row['min_ms']:>8.1f}{row['max_ms']:>8.1f}"
              f"{row['statements']:>12}{result['small_period_statements'][name]:>18}{row['bytes']:>10}")
    print(f"targets: page < {TARGET_PAGE_MS} ms, .xlsx < {TARGET_XLSX_MS} ms, statements independent of meetings")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "reports.json").write_text(json.dumps(result, indent=2) + "\n")
    r = result["results"]
    steady = all(r[name]["statements"] == result["small_period_statements"][name] for name in r)
    return 0 if (r["page"]["median_ms"] < TARGET_PAGE_MS and r["xlsx"]["median_ms"] < TARGET_XLSX_MS
                 and steady) else 1


if __name__ == "__main__":
    raise SystemExit(main())
