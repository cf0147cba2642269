"""Registration throughput: public form posts per second under gunicorn (2 workers).

Each post is what a person's browser sends: the form with its CSRF token and session
cookie; the app checks it, records a pending registration with its answers and queues
the confirmation email, then redirects. The same server also answers a minimal
endpoint that inserts one row and commits; the ratio of the two rates shows what the
registration itself costs over the bare web + database round trip.

``BENCH_DATABASE_URL`` names the PostgreSQL server to run on (a scratch database is
made there and dropped); without it a SQLite file is used and the figures say so.
``BENCH_SECONDS`` sets the length of each measurement (default 8).
"""
from __future__ import annotations

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import Column, Integer, MetaData, String, Table, insert

from bench.mail_delivery import scratch_database

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
WORKERS = 2
CLIENTS = 8
SLUG = "bench-robotics-day"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

# The minimal endpoint's table lives outside the app's metadata: the app never sees it.
bench_metadata = MetaData()
bench_rows = Table("bench_inserts", bench_metadata, Column("id", Integer, primary_key=True),
                   Column("value", String(100)))


def bench_app():
    """The app as gunicorn loads it here (``bench.registration:bench_app()``), plus ``POST /bench/insert``."""
    from flask import Blueprint

    from config import testing_config
    from meetings import create_app
    from meetings.extensions import csrf, db

    app = create_app(testing_config(Path(os.environ["BENCH_INSTANCE"]), os.environ["BENCH_REGISTRATION_DB"],
                                    RATELIMIT_ENABLED=False))
    bp = Blueprint("bench", __name__)

    @bp.post("/bench/insert")
    @csrf.exempt
    def insert_one():
        db.session.execute(insert(bench_rows).values(value="x"))
        db.session.commit()
        return "", 204

    app.register_blueprint(bp)
    return app


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _prepare(url: str, workdir: Path) -> None:
    """Tables, the bench table and one public meeting with registration open and no seat limit."""
    from config import testing_config
    from meetings import create_app
    from meetings.events.models import Meeting
    from meetings.extensions import db

    app = create_app(testing_config(workdir, url))
    with app.app_context():
        db.create_all()
        bench_metadata.create_all(db.engine)
        start = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=30)
        db.session.add(Meeting(title="Robotics Day", slug=SLUG, description="A bench meeting.", starts_at=start,
                               ends_at=start + timedelta(hours=4), timezone="Europe/Amsterdam",
                               online_url="https://meet.example/robotics", visibility="public",
                               status="scheduled"))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


@contextmanager
def _gunicorn(url: str, workdir: Path):
    port = _free_port()
    env = {**os.environ, "BENCH_REGISTRATION_DB": url, "BENCH_INSTANCE": str(workdir), "PYTHONPATH": str(ROOT)}
    log = open(workdir / "gunicorn.log", "wb")
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}",
                                "--workers", str(WORKERS), "bench.registration:bench_app()"],
                               cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((workdir / "gunicorn.log").read_text(errors="replace"))
            try:
                status, _, _ = _request(port, "GET", "/privacy")
                if status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def _request(port: int, method: str, path: str, body: str | None = None, cookie: str | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if body is not None else {}
    if cookie:
        headers["Cookie"] = cookie
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace"), response.headers.get_all("Set-Cookie")
    finally:
        connection.close()


def _registration_client(port: int, client: int):
    """A visitor who opened the form once; returns a function that posts one registration."""
    status, page, cookies = _request(port, "GET", f"/events/{SLUG}")
    assert status == 200, status
    jar = SimpleCookie()
    for value in cookies or []:
        jar.load(value)
    cookie = "; ".join(f"{k}={m.value}" for k, m in jar.items())
    token = CSRF.search(page).group(1)
    counter = iter(range(10**9))

    def post() -> int:
        n = next(counter)
        form = {"csrf_token": token, "name": f"Visitor {client}-{n}", "email": f"v{client}-{n}@example.org",
                "organisation": "Saxion", "country": "NL", "language": "en", "consent": "y", "homepage": ""}
        return _request(port, "POST", f"/events/{SLUG}/register", urlencode(form), cookie)[0]
    return post


def _rate(calls, expected: int, seconds: float) -> tuple[float, int]:
    """Run each client's call in a loop for ``seconds``; requests per second and how many."""
    done = [0] * len(calls)
    bad: list[int] = []
    stop = time.monotonic() + seconds

    def loop(i, call):
        while time.monotonic() < stop:
            status = call()
            if status != expected:
                bad.append(status)
            done[i] += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=loop, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    assert not bad, f"unexpected statuses: {sorted(set(bad))}"
    return sum(done) / elapsed, sum(done)


def run(database_url: str | None = None, seconds: float = 8.0) -> dict:
    """Measure both rates on one gunicorn and return them with their ratio."""
    from sqlalchemy import create_engine, func, select, text

    workdir = Path(tempfile.mkdtemp(prefix="bench-registration-"))
    with scratch_database(database_url, workdir) as url:
        _prepare(url, workdir)
        with _gunicorn(url, workdir) as port:
            registrations = [_registration_client(port, c) for c in range(CLIENTS)]
            inserts = [lambda: _request(port, "POST", "/bench/insert", "")[0]] * CLIENTS
            _rate(registrations, 303, 1.0)  # warm up both workers
            _rate(inserts, 204, 1.0)
            insert_rate, _ = _rate(inserts, 204, seconds)
            registration_rate, posted = _rate(registrations, 303, seconds)
        engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.connect() as conn:
            pending = conn.scalar(text("SELECT count(*) FROM participants WHERE status = 'pending'"))
            mails = conn.scalar(select(func.count()).select_from(text("outbox_messages")))
        engine.dispose()
        assert pending == mails, (pending, mails)  # every post recorded, each with its email
    return {
        "database": "postgresql" if database_url else "sqlite", "gunicorn_workers": WORKERS, "clients": CLIENTS,
        "seconds": seconds, "registration_rate": round(registration_rate, 1),
        "insert_rate": round(insert_rate, 1), "ratio": round(registration_rate / insert_rate, 3),
        "registrations_measured": posted,
    }


def main() -> int:
    """Print the figures and keep them in bench/results/registration.json."""
    result = run(os.environ.get("BENCH_DATABASE_URL"), float(os.environ.get("BENCH_SECONDS") or 8))
    print(f"Registration posts ({result['database']}, gunicorn {result['gunicorn_workers']} workers, "
          f"{result['clients']} clients): {result['registration_rate']:8.1f} posts/s")
    print(f"Minimal endpoint, one insert + commit:               {result['insert_rate']:8.1f} requests/s")
    print(f"Ratio registration / minimal insert: {result['ratio']:.3f}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "registration.json").write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
