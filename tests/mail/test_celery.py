"""Delivery by a Celery worker on Redis: the web side only enqueues, the worker sends."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from meetings.extensions import db
from meetings.mail import tasks
from meetings.mail.models import QUEUED, SENT
from tests.mail.conftest import REDIS_URL, needs_redis, queued_tasks, use_mail_server
from tests.mail.helpers import fresh, queue, wait_until

ROOT = Path(__file__).resolve().parents[2]


def test_importing_the_tasks_module_builds_nothing():
    assert tasks._celery_app is None
    with pytest.raises(AttributeError):
        tasks.something_else  # noqa: B018


@needs_redis
def test_web_side_only_enqueues_and_the_worker_delivers(app, smtp_server, celery_queue):
    from celery.contrib.testing.worker import start_worker

    use_mail_server(app, smtp_server.port, CELERY_BROKER_URL=REDIS_URL, CELERY_QUEUE=celery_queue)
    message = queue(ics=None)
    db.session.commit()
    # The commit put one task on Redis; nothing was sent from the web process and no thread runs.
    assert queued_tasks(celery_queue) == 1
    assert "background" not in app.extensions["outbox"]
    assert fresh(message.id).status == QUEUED
    assert smtp_server.messages == []

    with start_worker(tasks.celery_for(app), pool="solo", perform_ping_check=False, shutdown_timeout=10):
        (received,) = smtp_server.recorder.wait_for(1, timeout=30)
        wait_until(lambda: fresh(message.id).status == SENT)
    assert received.rcpt_tos == ["anna@example.org"]
    assert received.message["Message-ID"] == fresh(message.id).message_id


@needs_redis
def test_rolled_back_transaction_enqueues_nothing(app, smtp_server, celery_queue):
    use_mail_server(app, smtp_server.port, CELERY_BROKER_URL=REDIS_URL, CELERY_QUEUE=celery_queue)
    queue()
    db.session.rollback()
    assert queued_tasks(celery_queue) == 0


def test_unreachable_broker_keeps_the_message_queued(app, closed_port, caplog):
    use_mail_server(app, None, CELERY_BROKER_URL=f"redis://127.0.0.1:{closed_port}/0")
    message = queue()
    started = time.monotonic()
    db.session.commit()  # must neither raise nor hang the request
    assert time.monotonic() - started < 10
    assert fresh(message.id).status == QUEUED
    assert "Could not start mail delivery" in caplog.text


@needs_redis
@pytest.mark.single_backend
def test_worker_command_from_the_readme(app, database_url, smtp_server, celery_queue, tmp_path):
    """``celery -A meetings.mail.tasks worker`` as an operator starts it, with the app from the environment."""
    use_mail_server(app, smtp_server.port, CELERY_BROKER_URL=REDIS_URL, CELERY_QUEUE=celery_queue)
    env = {**os.environ, "DATABASE_URL": database_url, "CELERY_BROKER_URL": REDIS_URL,
           "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp_server.port), "SECRET_KEY": "worker-test",
           "MAIL_DEFAULT_SENDER": "cluster@meetings.test"}
    celery = Path(sys.executable).parent / "celery"
    worker = subprocess.Popen(
        [str(celery), "-A", "meetings.mail.tasks", "worker", "-Q", celery_queue, "--pool", "solo",
         "--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel", "WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        message = queue(to_email="bert@example.de")
        db.session.commit()
        (received,) = smtp_server.recorder.wait_for(1, timeout=60)
        assert received.rcpt_tos == ["bert@example.de"]
        wait_until(lambda: fresh(message.id).status == SENT)
    finally:
        worker.terminate()
        output, _ = worker.communicate(timeout=30)
    assert b"Traceback" not in output, output.decode(errors="replace")
