"""Delivery processes killed with SIGKILL in the middle of sending, as an operator's `kill -9`
or the kernel's OOM killer would: `flask mail send`, a Celery pool process, a Celery
worker, a web worker. Then another run: every message arrives, at most the one on the
wire at the kill arrives twice (one connection is open at a time), nothing stays in
`sending`, and no one had to do anything by hand.

Each process is real, started from the checkout as an operator starts it, against the
test's database (a SQLite file both processes share, or PostgreSQL) and a real SMTP
server in this process that slows each message a little, so the kill lands mid-batch.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from meetings.core.types import utcnow
from meetings.extensions import db
from meetings.mail.models import QUEUED, SENDING, SENT, OutboxMessage
from meetings.mail.outbox import status_counts
from tests.mail.conftest import REDIS_URL, needs_redis
from tests.mail.helpers import queue, wait_until
from tests.mail.smtp import free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
MESSAGES = 300
KILL_AFTER = 120
CLAIM_TIMEOUT = 2
# One SMTP connection is open at a time (batches go one after the other), so one
# message at most was between the server's "250" and its commit when the kill came.
CONNECTIONS_OPEN = 1


def queue_messages(count: int = MESSAGES) -> list[str]:
    addresses = [f"guest{n}@example.org" for n in range(count)]
    for address in addresses:
        queue(to_email=address, to_name=None)
    db.session.commit()
    return addresses


def environment(database_url: str, smtp_port: int, **settings: str) -> dict[str, str]:
    """The settings an operator would export, for the test's database and SMTP server."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("MAIL_", "CELERY_", "FLASK_", "DATABASE_"))}
    env.update({"DATABASE_URL": database_url, "SECRET_KEY": "killed-delivery-test",
                "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp_port),
                "MAIL_DEFAULT_SENDER": "cluster@meetings.test", "MAIL_CLAIM_TIMEOUT": str(CLAIM_TIMEOUT)})
    env.update(settings)
    return env


def start(*args: str, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([str(BIN / args[0]), *args[1:]], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def end(process: subprocess.Popen) -> None:
    """Stop a process (and what it started) that the test no longer needs."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def counts() -> dict[str, int]:
    db.session.rollback()  # a fresh snapshot: the rows are written by other processes
    return status_counts()


def kill_when_arrived(server, pid: int, count: int = KILL_AFTER) -> dict:
    """SIGKILL ``pid`` as soon as ``count`` messages arrived; what the database and the server had then."""
    server.recorder.wait_for(count, timeout=120)
    os.kill(pid, signal.SIGKILL)
    time.sleep(0.2)  # let the server see the connection drop
    left = counts()
    return {"arrived": len(server.messages), "sending": left[SENDING], "sent": left[SENT], "queued": left[QUEUED]}


def wait_until_claims_are_stale() -> None:
    db.session.rollback()
    newest = db.session.scalar(select(func.max(OutboxMessage.claimed_at)).where(OutboxMessage.status == SENDING))
    if newest is not None:
        time.sleep(max(0.0, (newest - utcnow()).total_seconds() + CLAIM_TIMEOUT + 0.3))


def all_delivered() -> bool:
    state = counts()
    return state[SENT] == MESSAGES and state[SENDING] == 0


def check(server, addresses: list[str], at_kill: dict, what: str) -> None:
    """Every message arrived, duplicates at most one per open connection, nothing left in `sending`."""
    received = Counter(m.rcpt_tos[0] for m in server.messages)
    assert set(received) == set(addresses)
    duplicates = sum(received.values()) - len(addresses)
    # The kill really left claims behind, for the next run to take back.
    assert at_kill["sending"] > 0, at_kill
    assert 0 <= duplicates <= CONNECTIONS_OPEN, received.most_common(3)
    # A message that arrived twice is the same message (the same Message-ID), which clients recognise.
    for address, times in received.items():
        if times > 1:
            assert len({m.message["Message-ID"] for m in server.messages if m.rcpt_tos[0] == address}) == 1
    state = counts()
    assert (state[SENT], state[SENDING], state[QUEUED]) == (MESSAGES, 0, 0)
    print(f"\n{what}: {MESSAGES} queued; killed after {at_kill['arrived']} arrived, leaving "
          f"{at_kill['sent']} sent, {at_kill['sending']} sending, {at_kill['queued']} queued; "
          f"then {len(server.messages)} received, {duplicates} duplicate(s), "
          f"{server.recorder.connections} connection(s) in all")


@pytest.fixture
def slow_server(smtp_server):
    smtp_server.recorder.delay = 0.01
    return smtp_server


def test_killed_mail_send_then_the_next_run_sends_the_rest(app, database_url, slow_server):
    addresses = queue_messages()
    env = environment(database_url, slow_server.port)
    first = start("flask", "--app", "wsgi", "mail", "send", env=env)
    try:
        at_kill = kill_when_arrived(slow_server, first.pid)
        first.wait(30)
    finally:
        end(first)
    wait_until_claims_are_stale()
    second = subprocess.run([str(BIN / "flask"), "--app", "wsgi", "mail", "send"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stdout + second.stderr
    assert f"{at_kill['sending']} message(s) left claimed by an interrupted run were queued again" in second.stdout
    check(slow_server, addresses, at_kill, "flask mail send")


def test_killed_web_worker_then_its_successor_sends_the_rest(app, database_url, slow_server):
    # In-process delivery (MAIL_SERVER, no broker): nothing but the app's start makes the
    # first worker send, and nothing but the timer of the worker gunicorn starts in its
    # place sends what the first left claimed.
    addresses = queue_messages()
    env = environment(database_url, slow_server.port, MAIL_DELIVERY_INTERVAL="1")
    server = start("gunicorn", "--workers", "1", "--bind", f"127.0.0.1:{free_port()}", "--graceful-timeout", "5",
                   "wsgi:app", env=env)
    try:
        wait_until(lambda: len(children(server.pid)) == 1, timeout=60)
        (worker,) = children(server.pid)
        at_kill = kill_when_arrived(slow_server, worker)
        wait_until(all_delivered, timeout=120, interval=0.2)
        assert children(server.pid) and worker not in children(server.pid)
    finally:
        end(server)
    check(slow_server, addresses, at_kill, "gunicorn web worker")


def _celery(*args: str, env: dict[str, str]) -> subprocess.Popen:
    return start("celery", "-A", "meetings.mail.tasks", *args, "--loglevel", "WARNING", env=env)


def _worker(env: dict[str, str], queue_name: str, pool: str, name: str) -> subprocess.Popen:
    return _celery("worker", "--pool", pool, "--concurrency", "1", "-Q", queue_name, "--hostname", f"{name}@%h",
                   "--without-heartbeat", "--without-gossip", "--without-mingle", env=env)


@needs_redis
def test_killed_celery_pool_process_then_the_schedule_sends_the_rest(app, database_url, slow_server, celery_queue,
                                                                     tmp_path):
    addresses = queue_messages()
    env = environment(database_url, slow_server.port, CELERY_BROKER_URL=REDIS_URL, CELERY_QUEUE=celery_queue,
                      MAIL_DELIVERY_INTERVAL="1")
    worker = _worker(env, celery_queue, "prefork", "pool-kill")
    beat = _celery("beat", "--schedule", str(tmp_path / "beat-schedule"), env=env)
    try:
        # The pool process: the one child, the same in two reads in a row (while it starts,
        # the worker may have a short-lived child of another kind).
        reads: list[list[int]] = []

        def settled_pool() -> bool:
            reads.append(children(worker.pid))
            return len(reads[-1]) == 1 and reads[-2:] == [reads[-1]] * 2

        wait_until(settled_pool, timeout=60, interval=0.2)
        (pool_process,) = reads[-1]
        at_kill = kill_when_arrived(slow_server, pool_process)
        # The worker starts a new pool process; the schedule's next runs take the claims back.
        wait_until(all_delivered, timeout=120, interval=0.2)
        assert worker.poll() is None and pool_process not in children(worker.pid)
    finally:
        end(beat)
        end(worker)
    check(slow_server, addresses, at_kill, "Celery pool process")


@needs_redis
def test_killed_celery_worker_then_another_worker_sends_the_rest(app, database_url, slow_server, celery_queue,
                                                                tmp_path):
    addresses = queue_messages()
    env = environment(database_url, slow_server.port, CELERY_BROKER_URL=REDIS_URL, CELERY_QUEUE=celery_queue,
                      MAIL_DELIVERY_INTERVAL="1")
    beat = _celery("beat", "--schedule", str(tmp_path / "beat-schedule"), env=env)
    first = _worker(env, celery_queue, "solo", "first")
    second = None
    try:
        at_kill = kill_when_arrived(slow_server, first.pid)
        first.wait(30)
        second = _worker(env, celery_queue, "solo", "second")
        wait_until(all_delivered, timeout=120, interval=0.2)
    finally:
        end(beat)
        end(first)
        if second is not None:
            end(second)
    check(slow_server, addresses, at_kill, "Celery worker")
