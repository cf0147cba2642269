"""Delivery by a Celery worker on Redis, for when the web processes should only enqueue.

Set ``CELERY_BROKER_URL`` (e.g. ``redis://127.0.0.1:6379/0``) for the web app and
the worker, then start the worker with its schedule (``-B``), which delivers what
is due every MAIL_DELIVERY_INTERVAL seconds (retries, and messages a killed worker
left claimed once MAIL_CLAIM_TIMEOUT has passed)::

    .venv/bin/celery -A meetings.mail.tasks worker -B --loglevel INFO

``celery_app`` (also reachable as ``app``, which is where ``celery -A`` looks) is
made on first access from a Flask app built from the environment; importing this
module does no work.
"""
from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING

from typing import Callable

from flask import Flask

from meetings.mail.delivery import NoMailServer, deliver_due

if TYPE_CHECKING:
    from celery import Celery

log = logging.getLogger(__name__)

TASK_NAME = "meetings.mail.deliver"


def make_celery(flask_app: Flask) -> "Celery":
    """A Celery app configured from ``flask_app`` with the ``deliver`` task, whose runs use that Flask app."""
    from celery import Celery

    config = flask_app.config
    every = float(config["MAIL_DELIVERY_INTERVAL"])
    celery = Celery("meetings", set_as_current=False)
    celery.conf.update(
        broker_url=config["CELERY_BROKER_URL"],
        task_default_queue=config["CELERY_QUEUE"],
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
        # A web request must never hang on a broker that is down: give up fast, the rows wait.
        broker_transport_options={"socket_connect_timeout": 2, "socket_timeout": 5},
        task_acks_late=True,
        worker_prefetch_multiplier=1,
        beat_schedule={"deliver-due-mail": {"task": TASK_NAME, "schedule": every}} if every > 0 else {},
        timezone="UTC",
    )
    for name, (seconds, job) in flask_app.extensions.get("periodic_tasks", {}).items():
        _periodic_task(celery, flask_app, name, seconds, job)

    @celery.task(name=TASK_NAME, ignore_result=True, shared=False)
    def deliver(ids: list[int] | None = None) -> dict:
        """Deliver the messages ``ids`` (None: everything due) and report the counts."""
        with flask_app.app_context():
            try:
                report = deliver_due(batch_size=int(config["MAIL_BATCH_SIZE"]), ids=ids)
            except NoMailServer:
                log.warning("MAIL_SERVER is not configured: messages stay in the outbox")
                return dict(sent=0)
            return dict(sent=report.sent, retrying=report.retrying, failed=report.failed,
                        connections=report.connections)

    return celery


def add_periodic(flask_app: Flask, name: str, seconds: float, job: Callable[[], object]) -> None:
    """Have the worker's schedule run ``job()`` every ``seconds``, as the task ``meetings.<name>``.

    Called while the app is made, before its Celery app is (:func:`celery_for`)."""
    flask_app.extensions.setdefault("periodic_tasks", {})[name] = (seconds, job)


def _periodic_task(celery: "Celery", flask_app: Flask, name: str, seconds: float,
                   job: Callable[[], object]) -> None:
    task_name = f"meetings.{name}"

    def run() -> None:
        with flask_app.app_context():
            job()

    run.__name__ = run.__qualname__ = name.replace("-", "_")
    run.__doc__ = f"The periodic job {name} of the app."
    celery.task(name=task_name, ignore_result=True, shared=False)(run)
    celery.conf.beat_schedule[name] = {"task": task_name, "schedule": seconds}


def celery_for(flask_app: Flask) -> "Celery":
    """The Celery app of ``flask_app`` (made on first use and kept in its extensions)."""
    state = flask_app.extensions.setdefault("outbox", {})
    if "celery" not in state:
        state["celery"] = make_celery(flask_app)
    return state["celery"]


def enqueue(flask_app: Flask, ids: list[int] | None) -> None:
    """Send one ``deliver`` task for ``ids`` to the broker; the worker does the rest."""
    celery = celery_for(flask_app)
    celery.tasks[TASK_NAME].apply_async(
        args=[ids], retry=True,
        retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1})


def create_celery_app() -> "Celery":
    """The worker's Celery app, for a Flask app built from the environment (``.env`` too)."""
    from celery import signals

    from meetings import ROOT, create_app
    from meetings.extensions import db

    # The settings module (config.py) sits beside the package, as ``flask --app wsgi``
    # finds it; the ``celery`` script does not put the working directory on the path.
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    flask_app = create_app()
    if not flask_app.config["CELERY_BROKER_URL"]:
        raise RuntimeError("CELERY_BROKER_URL is not set: the worker has no queue to read")

    def fresh_connections(**_kwargs) -> None:
        # A forked pool process must not share the parent's database connections.
        with flask_app.app_context():
            db.engine.dispose(close=False)

    signals.worker_process_init.connect(fresh_connections, weak=False)
    return celery_for(flask_app)


_celery_app: "Celery | None" = None


def __getattr__(name: str):
    # ``celery -A meetings.mail.tasks`` reads ``app``; building it lazily keeps imports free of work.
    global _celery_app
    if name in ("celery_app", "app"):
        if _celery_app is None:
            _celery_app = create_celery_app()
        return _celery_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
