"""Feed speed: /calendar.ics with 1,000 public meetings of five agenda items each, under gunicorn.

Serves the app with gunicorn (2 sync workers) and measures, in the same run and
with the same load generator, a bare Flask "hello world" (bench/_feeds_wsgi.py),
/calendar.ics answered 304 (If-None-Match), /calendar.ics answered 304 by date
alone (If-Modified-Since, as Apple Calendar asks) and /calendar.ics answered in
full: requests per second and median latency, each as a ratio to hello world.
Then the cold rebuild: one meeting changed (through the app's session, as an
organiser's edit is), then one request for the full feed, timed through HTTP;
the median of ten. Then profiles building the full feed in-process (nothing kept)
and prints where its time goes.
``BENCH_DATABASE_URL`` names a PostgreSQL server to run on (a scratch database is
made there and dropped; default: a fresh SQLite file). The issue's target: the 304
path at least 0.5 of hello world's requests per second, the cold rebuild within 80 ms
on PostgreSQL.
"""
from __future__ import annotations

import cProfile
import io
import json
import os
import pstats
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, time as clock, timedelta, timezone
from pathlib import Path

MEETINGS = 1000
AGENDA_ITEMS = 5
WORKERS = 2
CLIENTS = 2
ROUNDS = 3
SECONDS = {"hello": 3.0, "feed_304": 3.0, "feed_304_date": 3.0, "feed_full": 3.0}
TARGET_304 = 0.5
TARGET_COLD_MS = 80
COLD_RUNS = 10
ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"


def populate(count: int = MEETINGS) -> None:
    """``count`` public meetings (half of them in summer), each with five agenda items, two topics, a venue."""
    from meetings.events.models import AgendaItem, Meeting, Topic
    from meetings.extensions import db
    from meetings.venues.models import Venue

    venues = [Venue(name=f"Venue {n}", address="Hengelosestraat 500", postal_code="7521 AN", city="Enschede",
                    country="NL" if n % 2 else "DE", timezone="Europe/Amsterdam") for n in range(20)]
    topics = [Topic(name=name, slug=slug) for name, slug in (
        ("AI", "ai"), ("Cyber Security", "cyber-security"), ("Automation & Digitalisation", "automation"),
        ("Remanufacturing", "remanufacturing"), ("Data-driven Decision-making", "data"))]
    db.session.add_all(venues + topics)
    start = datetime.now(timezone.utc).replace(hour=8, minute=0, second=0, microsecond=0) - timedelta(days=90)
    for n in range(count):
        starts = start + timedelta(days=n // 3, hours=n % 3)
        meeting = Meeting(title=f"Cluster meeting {n}: robotics, pilots & funding", slug=f"meeting-{n}",
                          description="The partners meet to plan pilots, funding calls and the next steps.\n"
                                      "Bring your questions; coffee from 9:30.",
                          starts_at=starts, ends_at=starts + timedelta(hours=4), timezone="Europe/Amsterdam",
                          venue=venues[n % len(venues)], visibility="public",
                          status="cancelled" if n % 50 == 0 else "scheduled",
                          topics=[topics[n % 5], topics[(n + 2) % 5]])
        meeting.agenda_items = [AgendaItem(position=p, title=f"Agenda item {p + 1}: roadmap and pilots",
                                           presenter=f"Presenter {p + 1}", duration_minutes=30,
                                           start_time=clock(10, 0) if p == 0 else None)
                                for p in range(AGENDA_ITEMS)]
        db.session.add(meeting)
    db.session.commit()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _request(port: int, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
    """One GET on a new connection (gunicorn's sync workers close each one), read to the end."""
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close",
             *(f"{k}: {v}" for k, v in headers.items()), "", ""]
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall("\r\n".join(lines).encode())
        chunks = []
        while True:
            chunk = sock.recv(262144)
            if not chunk:
                break
            chunks.append(chunk)
    data = b"".join(chunks)
    return int(data[9:12]), data


def _client(port: int, path: str, headers: dict[str, str], seconds: float, expected: int, out) -> None:
    latencies = []
    deadline = time.perf_counter() + seconds
    while True:
        started = time.perf_counter()
        if started >= deadline:
            break
        status, _ = _request(port, path, headers)
        latencies.append(time.perf_counter() - started)
        if status != expected:
            raise RuntimeError(f"{path}: status {status}, expected {expected}")
    out.put(latencies)


def load(port: int, path: str, headers: dict[str, str], seconds: float, expected: int) -> dict:
    """``CLIENTS`` processes sending requests back to back for ``seconds``: rate and median latency."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    out = context.Queue()
    clients = [context.Process(target=_client, args=(port, path, headers, seconds, expected, out))
               for _ in range(CLIENTS)]
    started = time.perf_counter()
    for c in clients:
        c.start()
    latencies = [x for _ in clients for x in out.get(timeout=seconds + 120)]
    elapsed = time.perf_counter() - started
    for c in clients:
        c.join(30)
        if c.exitcode:
            raise RuntimeError(f"a load client failed on {path}")
    return {"requests": len(latencies), "rate": len(latencies) / elapsed,
            "median_ms": statistics.median(latencies) * 1000}


class Gunicorn:
    """gunicorn serving bench/_feeds_wsgi.py on a free port, stopped (by its own pid) on exit."""

    def __init__(self, env: dict[str, str]):
        self.port = _free_port()
        self.env = env
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "Gunicorn":
        command = [sys.executable, "-m", "gunicorn", "--workers", str(WORKERS), "--worker-class", "sync",
                   "--bind", f"127.0.0.1:{self.port}", "--timeout", "300", "--log-level", "warning", "bench._feeds_wsgi:app"]
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if _request(self.port, "/hello/", {})[0] == 200:
                    return self
            except OSError:
                time.sleep(0.1)
        self.__exit__()
        raise RuntimeError("gunicorn did not start")

    def __exit__(self, *exc) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(120)
            except subprocess.TimeoutExpired:  # a busy machine: do not lose the figures to a slow exit
                self.process.kill()
                self.process.wait()


def forget_built(app) -> None:
    """Empty whatever the app keeps of built feeds (their events, or whole bodies in older versions)."""
    for name in ("calendar_events", "calendar_bodies"):
        cache = app.extensions.get(name)
        if cache is not None:
            cache.clear()
    from meetings.calendar import views

    bodies = getattr(views, "feed_bodies", None)  # a module-level cache in older versions
    if hasattr(bodies, "clear"):
        bodies.clear()


def change_one(app, n: int) -> None:
    """Edit one meeting's title through the app's session and commit, as an organiser's edit does."""
    from sqlalchemy import select

    from meetings.events.models import Meeting
    from meetings.extensions import db

    with app.app_context():
        meeting = db.session.scalar(select(Meeting).where(Meeting.slug == f"meeting-{(n * 37) % MEETINGS}"))
        meeting.title = f"Cluster meeting, edit {n}"
        db.session.commit()
        db.session.remove()


def cold_rebuild(app, port: int, runs: int = COLD_RUNS) -> dict:
    """After each one-meeting change, one full GET of /calendar.ics: its latency through HTTP."""
    latencies = []
    for n in range(runs + 2):
        change_one(app, n)
        started = time.perf_counter()
        status, data = _request(port, "/calendar.ics", {})
        elapsed = time.perf_counter() - started
        if status != 200 or f"edit {n}".encode() not in data:
            raise RuntimeError("the rebuilt feed does not show the change")
        if n >= 2:  # the first two warm both workers' view of the new state
            latencies.append(elapsed)
    return {"runs": runs, "median_ms": statistics.median(latencies) * 1000,
            "min_ms": min(latencies) * 1000, "max_ms": max(latencies) * 1000}


def profile(app, runs: int = 1) -> dict:
    """Build the full feed ``runs`` times under cProfile (the body cache emptied before each, so
    it is built every time); the share of time in each part."""
    from meetings.extensions import db

    client = app.test_client()
    client.get("/calendar.ics")  # first-request work (imports, caches) is not the feed's
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for _ in range(runs):
        db.session.remove()
        forget_built(app)
        assert client.get("/calendar.ics").status_code == 200
    profiler.disable()
    per_request = (time.perf_counter() - started) / runs
    stats = pstats.Stats(profiler)
    total = sum(row[2] for row in stats.stats.values()) / runs  # tottime of every function

    def cumulative(predicate) -> float:
        # Outermost matching calls only, so nested matches are not counted twice.
        seconds = 0.0
        for (filename, _, name), (_, _, _, cum, callers) in stats.stats.items():
            if predicate(filename, name) and not any(predicate(f, n) for (f, _, n) in callers):
                seconds += cum
        return seconds / runs

    parts = {
        "SQL: validators, meetings, venues, topics, agenda (incl. ORM loading)":
            lambda f, n: f.endswith("calendar/feeds.py") and n in ("feed_state", "feed_meetings"),
        "agenda times (events.queries.agenda_schedule)":
            lambda f, n: f.endswith("events/queries.py") and n == "agenda_schedule",
        "VEVENT objects (builder.meeting_event)": lambda f, n: f.endswith("calendar/builder.py") and n == "meeting_event",
        "VTIMEZONEs (calendar.timezones)": lambda f, n: f.endswith("calendar/timezones.py") and n == "vtimezone",
        "serialising (builder.serialise: icalendar's content lines, folded)":
            lambda f, n: f.endswith("calendar/builder.py") and n == "serialise",
    }
    shares = {label: cumulative(test) for label, test in parts.items()}
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(12)
    return {"seconds_per_request": per_request, "profiled_seconds": total,
            "parts": {k: round(v / total, 3) for k, v in shares.items()}, "top": out.getvalue()}


def run(database_url: str | None = None) -> dict:
    """Populate a scratch database, serve it with gunicorn, measure; profile the full feed."""
    from bench.mail_delivery import scratch_database
    from config import testing_config
    from meetings import create_app
    from meetings.extensions import db

    workdir = Path(tempfile.mkdtemp(prefix="bench-feeds-"))
    with scratch_database(database_url, workdir) as url:
        app = create_app(testing_config(workdir, url, TESTING=False))
        with app.app_context():
            db.create_all()
            populate()
            first = app.test_client().get("/calendar.ics")
            etag, last_modified = first.headers["ETag"], first.headers["Last-Modified"]
            profiled = profile(app)
            db.session.remove()
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench-secret", "BASE_URL": "http://meetings.test",
               "MAIL_DEFAULT_SENDER": "cluster@meetings.test", "FLASK_ENV_NAME": "production", "PYTHONPATH": str(ROOT)}
        results: dict[str, list[dict]] = {name: [] for name in SECONDS}
        with Gunicorn(env) as server:
            full = _request(server.port, "/calendar.ics", {})[1]
            assert full.count(b"BEGIN:VEVENT") == MEETINGS, "the feed does not hold every meeting"
            cases = {"hello": ("/hello/", {}, 200), "feed_304": ("/calendar.ics", {"If-None-Match": etag}, 304),
                     "feed_304_date": ("/calendar.ics", {"If-Modified-Since": last_modified}, 304),
                     "feed_full": ("/calendar.ics", {}, 200)}
            for name, (path, headers, status) in cases.items():  # warm both workers
                load(server.port, path, headers, 0.5, status)
            for _ in range(ROUNDS):
                for name, (path, headers, status) in cases.items():
                    results[name].append(load(server.port, path, headers, SECONDS[name], status))
            cold = cold_rebuild(app, server.port)

    summary = {name: {"rate": statistics.median(r["rate"] for r in runs),
                      "median_ms": statistics.median(r["median_ms"] for r in runs),
                      "requests": sum(r["requests"] for r in runs)} for name, runs in results.items()}
    hello = summary["hello"]
    for name in ("feed_304", "feed_304_date", "feed_full"):
        summary[name]["rate_ratio"] = round(summary[name]["rate"] / hello["rate"], 3)
        summary[name]["latency_ratio"] = round(hello["median_ms"] / summary[name]["median_ms"], 3)
    return {"meetings": MEETINGS, "agenda_items": AGENDA_ITEMS, "workers": WORKERS, "clients": CLIENTS,
            "database": "postgresql" if database_url else "sqlite", "feed_bytes": len(full),
            "results": summary, "cold_rebuild": cold, "profile": profiled}


def main() -> int:
    """Print the figures (and keep them in bench/results/feeds.json); 1 if a target is missed."""
    result = run(os.environ.get("BENCH_DATABASE_URL"))
    r = result["results"]
    print(f"{result['meetings']} meetings x {result['agenda_items']} agenda items, {result['database']}, "
          f"gunicorn {result['workers']} sync workers, {result['clients']} clients; feed {result['feed_bytes']} bytes")
    print(f"{'':24}{'req/s':>10}{'median ms':>12}{'req/s ratio':>14}{'latency ratio':>16}")
    for name, label in (("hello", "hello world"), ("feed_304", "/calendar.ics 304"),
                        ("feed_304_date", "/calendar.ics 304 (date)"), ("feed_full", "/calendar.ics full")):
        row = r[name]
        ratios = (f"{row['rate_ratio']:>14.3f}{row['latency_ratio']:>16.3f}" if name != "hello"
                  else f"{1:>14.3f}{1:>16.3f}")
        print(f"{label:24}{row['rate']:>10.1f}{row['median_ms']:>12.2f}{ratios}")
    c = result["cold_rebuild"]
    print(f"cold rebuild after a one-meeting change (full GET, median of {c['runs']}): "
          f"{c['median_ms']:.1f} ms (min {c['min_ms']:.1f}, max {c['max_ms']:.1f})")
    p = result["profile"]
    print(f"Building the full feed in-process: {p['seconds_per_request'] * 1000:.0f} ms per request under cProfile; "
          "where the time goes:")
    for label, share in p["parts"].items():
        print(f"  {share * 100:5.1f}%  {label}")
    print(p["top"])
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "feeds.json").write_text(json.dumps({k: v for k, v in result.items() if k != "profile"}
                                                   | {"profile": {k: v for k, v in p.items() if k != "top"}},
                                                   indent=2) + "\n")
    cold_ok = result["database"] != "postgresql" or c["median_ms"] <= TARGET_COLD_MS
    return 0 if min(r["feed_304"]["rate_ratio"], r["feed_304_date"]["rate_ratio"]) >= TARGET_304 and cold_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
