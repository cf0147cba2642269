"""Fixtures for the outbox tests: a loopback SMTP server and an app that delivers to it."""
from __future__ import annotations

import os
import uuid

import pytest

from meetings.extensions import mail
from tests.mail.smtp import SMTPServer, free_port


def use_mail_server(app, port: int | None, **settings) -> None:
    """Point the app's MAIL_* settings (and Flask-Mail's state) at 127.0.0.1:``port``; None: no server."""
    app.config.update(MAIL_SERVER="127.0.0.1" if port else None, MAIL_PORT=port or 25,
                      MAIL_TIMEOUT=5, **settings)
    mail.init_app(app)


@pytest.fixture
def smtp_server():
    server = SMTPServer().start()
    yield server
    server.stop()


@pytest.fixture
def stop_background(app):
    """Stop the app's delivery thread before the database is emptied."""
    yield
    from meetings.mail.runner import background_delivery

    background_delivery(app).stop()


@pytest.fixture
def mail_app(app, smtp_server, stop_background):
    """The app delivering in the background to the recording SMTP server."""
    use_mail_server(app, smtp_server.port)
    return app


@pytest.fixture
def closed_port():
    return free_port()


@pytest.fixture
def manual_app(app, smtp_server, stop_background):
    """The app with the recording SMTP server and no delivery after commits: tests call deliver_due."""
    use_mail_server(app, smtp_server.port, MAIL_DELIVER_AFTER_COMMIT=False)
    return app


# --- Celery on Redis ---------------------------------------------------------------

REDIS_URL = os.environ.get("TEST_REDIS_URL")
needs_redis = pytest.mark.skipif(
    not REDIS_URL, reason="Celery tests need Redis: set TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/15)")


@pytest.fixture
def celery_queue():
    """A queue name of this test alone, removed afterwards, so parallel runs never share tasks."""
    import redis

    name = f"meetings-mail-test-{uuid.uuid4().hex[:12]}"
    yield name
    client = redis.Redis.from_url(REDIS_URL)
    client.delete(name)
    client.close()


def queued_tasks(name: str) -> int:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        return client.llen(name)
    finally:
        client.close()
