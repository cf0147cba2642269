"""API speed: /api/v1/events with 1,000 public meetings, 50 per page, under gunicorn.

Serves the app with gunicorn (2 sync workers, bench/_feeds_wsgi.py) and measures in the same
run, with the same load generator, the bare Flask "hello world" beside it and the first page of
/api/v1/events?limit=50, answered in full and as 304 (If-None-Match). The issue's target: the
full page at least 0.3 of hello world's requests per second. ``BENCH_DATABASE_URL`` names a
PostgreSQL server (default: a fresh SQLite file).
"""
from __future__ import annotations

import json
import os
import statistics
import tempfile
from pathlib import Path

from bench.feeds import ROOT, Gunicorn, _request, load, populate

MEETINGS = 1000
PAGE = 50
ROUNDS = 3
SECONDS = 3.0
TARGET = 0.3
RESULTS = Path(__file__).resolve().parent / "results"
URL = f"/api/v1/events?limit={PAGE}"


def run(database_url: str | None = None) -> dict:
    """Populate a scratch database, serve it with gunicorn, measure hello world and the API."""
    from bench.mail_delivery import scratch_database
    from config import testing_config
    from meetings import create_app
    from meetings.extensions import db

    workdir = Path(tempfile.mkdtemp(prefix="bench-api-"))
    with scratch_database(database_url, workdir) as url:
        app = create_app(testing_config(workdir, url, TESTING=False))
        with app.app_context():
            db.create_all()
            populate(MEETINGS)
            db.session.remove()
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench-secret", "BASE_URL": "http://meetings.test",
               "MAIL_DEFAULT_SENDER": "cluster@meetings.test", "FLASK_ENV_NAME": "production",
               "PYTHONPATH": str(ROOT), "API_RATE_LIMIT": "1000000 per minute"}
        with Gunicorn(env) as server:
            body = _request(server.port, URL, {})[1]
            head = body.split(b"\r\n\r\n", 1)[0].decode()
            etag = next(line.split(":", 1)[1].strip() for line in head.split("\r\n")
                        if line.lower().startswith("etag:"))
            cases = {"hello": ("/hello/", {}, 200), "api_full": (URL, {}, 200),
                     "api_304": (URL, {"If-None-Match": etag}, 304)}
            results: dict[str, list[dict]] = {name: [] for name in cases}
            items = json.loads(body.split(b"\r\n\r\n", 1)[1])["items"]
            assert len(items) == PAGE, "the page does not hold 50 meetings"
            for path, headers, status in cases.values():
                load(server.port, path, headers, 0.5, status)
            for _ in range(ROUNDS):
                for name, (path, headers, status) in cases.items():
                    results[name].append(load(server.port, path, headers, SECONDS, status))
    summary = {name: {"rate": statistics.median(r["rate"] for r in runs),
                      "median_ms": statistics.median(r["median_ms"] for r in runs)} for name, runs in results.items()}
    for name in ("api_full", "api_304"):
        summary[name]["rate_ratio"] = round(summary[name]["rate"] / summary["hello"]["rate"], 3)
    return {"meetings": MEETINGS, "page": PAGE, "database": "postgresql" if database_url else "sqlite",
            "results": summary}


def main() -> int:
    """Print the figures (and keep them in bench/results/api.json); 1 if the target is missed."""
    result = run(os.environ.get("BENCH_DATABASE_URL"))
    r = result["results"]
    print(f"{result['meetings']} public meetings, {result['page']} per page, {result['database']}")
    print(f"{'':26}{'req/s':>10}{'median ms':>12}{'req/s ratio':>14}")
    for name, label in (("hello", "hello world"), ("api_full", "/api/v1/events full"), ("api_304", "/api/v1/events 304")):
        row = r[name]
        print(f"{label:26}{row['rate']:>10.1f}{row['median_ms']:>12.2f}{row.get('rate_ratio', 1):>14.3f}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "api.json").write_text(json.dumps(result, indent=2) + "\n")
    return 0 if r["api_full"]["rate_ratio"] >= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
