"""Helpers for posting forms as a person would: fetch the page, take its CSRF token, post."""
from __future__ import annotations

import re
import threading
from contextlib import contextmanager

from sqlalchemy import event

from meetings.extensions import db

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def get_csrf(client, url: str = "/login") -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return csrf_token_from(response.get_data(as_text=True))


def post_form(client, url: str, data: dict | None = None, form_url: str | None = None, **kwargs):
    """GET ``form_url`` (default ``url``) for a CSRF token, then POST ``data`` to ``url``."""
    payload = dict(data or {})
    payload.setdefault("csrf_token", get_csrf(client, form_url or url))
    return client.post(url, data=payload, **kwargs)


def login(client, email: str, password: str):
    response = post_form(client, "/login", {"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response


def text_of(response) -> str:
    return response.get_data(as_text=True)


@contextmanager
def count_queries():
    """Collect the SQL statements sent to the database inside the block (a list, filled as they run)."""
    from meetings.extensions import db

    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def assert_newer_copy(client, url: str, before, after) -> None:
    """``after`` is a later version of the feed at ``url`` than ``before``, as HTTP dates can say it.

    Its Last-Modified is not earlier than ``before``'s and not later than now (a feed changed
    twice within one second carries that second twice, RFC 9110 8.8.2.1), and a client that
    revalidates by date alone, holding ``before``, is given the new version, never a 304.
    """
    from email.utils import parsedate_to_datetime

    from meetings.core.types import utcnow

    old, new = (parsedate_to_datetime(r.headers["Last-Modified"]) for r in (before, after))
    assert old <= new <= utcnow()
    by_date = client.get(url, headers={"If-Modified-Since": before.headers["Last-Modified"]})
    assert by_date.status_code == 200 and by_date.headers["ETag"] == after.headers["ETag"]


def run_together(app, *jobs):
    """Run each job in a thread of its own with its own app context, started at once; their errors back."""
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(job):
        with app.app_context():
            try:
                barrier.wait()
                job()
            except BaseException as exc:  # reported to the test, which fails on any
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return errors
