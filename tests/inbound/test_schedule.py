"""The mailbox read on a schedule: by a thread of a process serving the app, or by the Celery
worker's beat when CELERY_BROKER_URL is set; never without INBOUND_IMAP_HOST."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

import config
from meetings import create_app
from meetings.extensions import db
from meetings.inbound import doors
from meetings.inbound.doors import FETCH_JOB
from meetings.inbound.models import InboundMessage
from meetings.mail import tasks
from meetings.mail.runner import periodic_job
from tests.inbound.conftest import INBOUND, crlf
from tests.inbound.replies import mail
from tests.mail.conftest import REDIS_URL, celery_queue, needs_redis  # noqa: F401


def count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(InboundMessage))


def wait_for(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "not in time"
        time.sleep(0.05)


def serving_app(tmp_path, database_url, **settings):
    """The app as gunicorn makes it (outside any ``flask`` command), with the timer on."""
    return create_app(config.testing_config(tmp_path / "served", database_url, INBOUND_ADDRESS=INBOUND,
                                            **settings))


def test_a_serving_process_reads_the_mailbox_every_interval(app, _schema, dovecot_server, tmp_path):
    box = dovecot_server.new_mailbox()
    box.append(crlf(mail(None, subject="First note", msgid="<first@client.example>")))
    served = serving_app(tmp_path, _schema, INBOUND_FETCH_INTERVAL=0.2, **box.settings())
    job = periodic_job(served, FETCH_JOB)
    try:
        assert job is not None and job.running
        wait_for(lambda: count() == 1)
        box.append(crlf(mail(None, subject="Second note", msgid="<second@client.example>")))
        wait_for(lambda: count() == 2)
        wait_for(lambda: box.messages("INBOX") == [])
    finally:
        job.stop()
        with served.app_context():
            db.engine.dispose()
    assert not job.running and len(box.messages("Processed")) == 2


def test_a_mailbox_that_is_down_does_not_stop_the_timer(app, _schema, tmp_path, monkeypatch):
    from tests.mail.smtp import free_port

    warnings = []
    monkeypatch.setattr(doors.log, "warning", lambda text, *args: warnings.append(text % args))
    served = serving_app(tmp_path, _schema, INBOUND_FETCH_INTERVAL=0.05, INBOUND_IMAP_HOST="127.0.0.1",
                         INBOUND_IMAP_PORT=free_port(), INBOUND_IMAP_TLS="none", INBOUND_IMAP_USER="u",
                         INBOUND_IMAP_PASSWORD="p")
    job = periodic_job(served, FETCH_JOB)
    try:
        wait_for(lambda: job.runs >= 3)
        assert job.running
    finally:
        job.stop()
        with served.app_context():
            db.engine.dispose()
    assert warnings[0].startswith("Reading the reply mailbox failed: Could not connect to the IMAP server")


@pytest.mark.parametrize("settings", [{"INBOUND_FETCH_INTERVAL": 60.0},
                                      {"INBOUND_FETCH_INTERVAL": 0.0, "INBOUND_IMAP_HOST": "imap.example"}])
def test_no_timer_without_a_mailbox_or_with_interval_0(app, _schema, tmp_path, settings):
    from meetings.inbound.doors import RETRY_JOB

    served = serving_app(tmp_path, _schema, **settings)
    assert periodic_job(served, FETCH_JOB) is None
    retry = periodic_job(served, RETRY_JOB)
    # Replies still come to INBOUND_ADDRESS by the other doors: what failed is retried, unless 0.
    assert (retry is not None) == (settings["INBOUND_FETCH_INTERVAL"] > 0)
    if retry is not None:
        retry.stop()
    with served.app_context():
        db.engine.dispose()


def test_with_celery_the_worker_beat_reads_it_and_the_web_process_does_not(app, _schema, tmp_path):
    served = serving_app(tmp_path, _schema, CELERY_BROKER_URL="redis://127.0.0.1:6379/12",
                         INBOUND_IMAP_HOST="imap.example", INBOUND_FETCH_INTERVAL=60.0, MAIL_DELIVERY_INTERVAL=30.0)
    assert periodic_job(served, FETCH_JOB) is None
    celery = tasks.celery_for(served)
    assert celery.conf.beat_schedule["inbound-fetch"] == {"task": "meetings.inbound-fetch", "schedule": 60.0}
    assert celery.conf.beat_schedule["deliver-due-mail"]["task"] == tasks.TASK_NAME
    assert "meetings.inbound-fetch" in celery.tasks


@needs_redis
def test_the_worker_runs_the_fetch_task(app, _schema, dovecot_server, tmp_path, celery_queue):
    from celery.contrib.testing.worker import start_worker

    box = dovecot_server.new_mailbox()
    box.append(crlf(mail(None, subject="Through the worker")))
    served = serving_app(tmp_path, _schema, CELERY_BROKER_URL=REDIS_URL, CELERY_QUEUE=celery_queue,
                         INBOUND_FETCH_INTERVAL=60.0, **box.settings())
    celery = tasks.celery_for(served)
    with start_worker(celery, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        celery.tasks["meetings.inbound-fetch"].apply_async(queue=celery_queue)
        wait_for(lambda: count() == 1)
        wait_for(lambda: box.messages("INBOX") == [])
    with served.app_context():
        db.engine.dispose()


def test_without_a_mailbox_what_failed_is_applied_again_on_the_timer(app, _schema, tmp_path, monkeypatch):
    from meetings.inbound import handlers, services
    from meetings.inbound.doors import RETRY_JOB
    from meetings.inbound.states import InboundState

    app.config.update(INBOUND_ADDRESS=INBOUND)
    plain = handlers._handlers["plain"]

    def broken(*args):
        raise RuntimeError("the disk was full")

    monkeypatch.setitem(handlers._handlers, "plain", broken)
    failed = services.receive(mail(None, subject="Ten minutes late", msgid="<late@client.example>"), door="lmtp")
    assert failed.state == InboundState.FAILED and "the disk was full" in failed.error
    monkeypatch.setitem(handlers._handlers, "plain", plain)

    def state() -> str:
        db.session.expire_all()
        return db.session.get(InboundMessage, failed.id).state

    served = serving_app(tmp_path, _schema, INBOUND_FETCH_INTERVAL=0.1)
    assert periodic_job(served, FETCH_JOB) is None
    job = periodic_job(served, RETRY_JOB)
    try:
        assert job is not None and job.running
        wait_for(lambda: state() != InboundState.FAILED)
    finally:
        job.stop()
        with served.app_context():
            db.engine.dispose()
    assert state() in (InboundState.FORWARDED, InboundState.RECORDED)
