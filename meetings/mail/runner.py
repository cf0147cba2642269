"""Who delivers the outbox, and when: the one place that starts delivery.

``create_app`` calls :func:`init_mail`, which

- makes the outbox call :func:`start_delivery` after every commit that queued mail
  (:func:`meetings.mail.outbox.init_outbox`), and
- in a process that serves the app, starts the timer (:func:`start_serving`).

:func:`start_delivery` hands the messages to one runner, chosen by the settings:

``CELERY_BROKER_URL`` set
    a Celery task is enqueued (:mod:`meetings.mail.tasks`); the worker delivers, and
    its schedule (``-B``) sends what is due every MAIL_DELIVERY_INTERVAL seconds.
else ``MAIL_SERVER`` set
    this process delivers in a thread of its own (:class:`BackgroundDelivery`), kicked
    after commits and, while the app is served, run every MAIL_DELIVERY_INTERVAL seconds.
else
    nothing is sent; the messages wait in the outbox, readable in the app.

Either way the work itself is :func:`meetings.mail.delivery.deliver_due`.

Other periodic work of the app (reading the reply mailbox) runs the same way, through
:func:`run_every`: on the Celery worker's schedule when ``CELERY_BROKER_URL`` is set,
else in a thread of a process that serves the app (:class:`PeriodicJob`).
"""
from __future__ import annotations

import atexit
import logging
import os
import threading
import weakref
from datetime import datetime, timedelta
from typing import Callable

from flask import Flask

from meetings.core.types import utcnow
from meetings.extensions import db
from meetings.mail import tasks
from meetings.mail.delivery import NoMailServer, deliver_due
from meetings.mail.outbox import delivery_mode, init_outbox, next_attempt

log = logging.getLogger(__name__)


def init_mail(app: Flask) -> None:
    """Deliver after commits that queued mail, and, in a process serving the app, on the timer."""
    init_outbox(app, start_delivery)
    start_serving(app)


def start_delivery(app: Flask, ids: list[int] | None = None) -> str:
    """Hand ``ids`` (None: everything due) to the configured runner; returns the mode used.

    Never raises: a broker that cannot be reached leaves the messages queued for the
    next run of the worker's schedule or of ``flask mail send``.
    """
    mode = delivery_mode(app)
    try:
        if mode == "celery":
            tasks.enqueue(app, ids)
        elif mode == "thread":
            background_delivery(app).kick()
    except Exception:  # noqa: BLE001 - the commit has happened; the rows are safe and retried later
        log.exception("Could not start mail delivery; the messages stay queued")
    return mode




class BackgroundDelivery:
    """One delivery thread per app and process.

    It is kicked after commits that queued mail (and by a person's retry), and in a
    process that serves the app it also runs from the start and then every
    MAIL_DELIVERY_INTERVAL seconds (:func:`start_serving`): that is what sends what
    other processes queued and what a dead run left claimed. Without that timer
    the thread sleeps while retries wait, until the earliest is due, and ends when
    nothing waits. Kicks during a run make it run once more.
    """

    # The longest sleep before looking again, so messages queued by other processes are seen.
    MAX_SLEEP = 300.0

    def __init__(self, app: Flask):
        self.app = app
        # Seconds between runs while the app is served (None: only kicks and retries).
        self.interval: float | None = None
        self._reset()

    def _reset(self) -> None:
        self._cv = threading.Condition()
        self._thread: threading.Thread | None = None
        self._wanted = False
        self._busy = False
        self._stopped = False
        self._stop_event = threading.Event()

    def kick(self) -> None:
        """Deliver soon (now, or right after the current run)."""
        with self._cv:
            self._wanted = True
            self._stopped = False
            self._stop_event.clear()
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="outbox-delivery", daemon=True)
                self._thread.start()
            self._cv.notify_all()

    def run_every(self, seconds: float) -> None:
        """Deliver now, then every ``seconds`` (and after kicks) until stopped."""
        with self._cv:
            self.interval = seconds
        self.kick()

    @property
    def running(self) -> bool:
        """Whether the thread is alive."""
        with self._cv:
            return self._thread is not None and self._thread.is_alive()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until no run is going on or asked for; True if that happened within ``timeout``."""
        with self._cv:
            return self._cv.wait_for(lambda: not self._busy and not self._wanted, timeout=timeout)

    def stop(self, timeout: float = 10.0) -> None:
        """End the thread after the batch it is sending."""
        with self._cv:
            self._stopped = True
            self._stop_event.set()
            thread = self._thread
            self._cv.notify_all()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def _after_fork(self) -> None:
        # A forked process has no thread of its parent's, and maybe a lock held at the fork.
        served = self.interval is not None and not self._stopped
        self._reset()
        if served:
            self.kick()

    def _run(self) -> None:
        while True:
            with self._cv:
                if self._stopped:
                    self._thread = None
                    self._cv.notify_all()
                    return
                self._wanted = False
                self._busy = True
            next_due = self._deliver_once()
            with self._cv:
                self._busy = False
                self._cv.notify_all()
                if self._wanted and not self._stopped:
                    continue
                if self._stopped or (next_due is None and not self.interval):
                    self._thread = None
                    return
                wait = self.interval or self.MAX_SLEEP
                if next_due is not None:
                    wait = min(max((next_due - utcnow()).total_seconds(), 1.0), wait)
                self._cv.wait_for(lambda: self._wanted or self._stopped, timeout=wait)

    def _deliver_once(self) -> datetime | None:
        with self.app.app_context():
            try:
                deliver_due(batch_size=int(self.app.config["MAIL_BATCH_SIZE"]), stop=self._stop_event)
                return next_attempt()
            except NoMailServer:
                return None
            except Exception:  # noqa: BLE001 - a background thread must log, not die silently
                log.exception("Background mail delivery failed")
                db.session.rollback()
                return utcnow() + timedelta(minutes=1)


_lock = threading.Lock()
_running: weakref.WeakSet[BackgroundDelivery] = weakref.WeakSet()


def background_delivery(app: Flask) -> BackgroundDelivery:
    """The app's delivery thread manager (made on first use)."""
    with _lock:
        state = app.extensions.setdefault("outbox", {})
        if "background" not in state:
            state["background"] = BackgroundDelivery(app)
            _running.add(state["background"])
        return state["background"]


def start_serving(app: Flask) -> bool:
    """Start the app's delivery thread, now and every MAIL_DELIVERY_INTERVAL seconds, when this
    process serves the app and delivers in-process; returns whether it started.

    The one place that decides it. All of these must hold: MAIL_SERVER is set and
    CELERY_BROKER_URL is not (else the worker's schedule does this, or there is no
    server); MAIL_DELIVERY_INTERVAL is above 0 (the test settings make it 0, so tests
    start delivery themselves); and the app was made to serve requests, by a WSGI
    server (gunicorn loads ``wsgi:app``) or ``flask run``, not for another ``flask``
    command (``mail send``, ``db upgrade``...), which gets no thread of its own.
    """
    interval = float(app.config["MAIL_DELIVERY_INTERVAL"])
    if delivery_mode(app) != "thread" or interval <= 0 or not _serving():
        return False
    background_delivery(app).run_every(interval)
    return True


class PeriodicJob:
    """``job()`` run in a thread of this process, in an app context, now and then every
    ``interval`` seconds until stopped. An error is logged and the next run comes as planned."""

    def __init__(self, app: Flask, name: str, interval: float, job: Callable[[], object]):
        self.app = app
        self.name = name
        self.interval = interval
        self.job = job
        self.runs = 0
        self._reset()

    def _reset(self) -> None:
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        with self._lock:
            return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start the thread (once; a running one is left as it is)."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """End the thread after the run it is in."""
        with self._lock:
            self._stop.set()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def _after_fork(self) -> None:
        started = self._thread is not None and not self._stop.is_set()
        self._reset()
        if started:
            self.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            with self.app.app_context():
                try:
                    self.job()
                except Exception:  # noqa: BLE001 - a background thread must log, not die silently
                    log.exception("The periodic job %s failed", self.name)
                finally:
                    db.session.remove()
            self.runs += 1
            self._stop.wait(self.interval)


_jobs: weakref.WeakSet[PeriodicJob] = weakref.WeakSet()


def periodic_job(app: Flask, name: str) -> PeriodicJob | None:
    """The app's in-process job ``name``, if :func:`run_every` started one."""
    return app.extensions.get("periodic", {}).get(name)


def run_every(app: Flask, name: str, seconds: float, job: Callable[[], object]) -> str:
    """Run ``job()`` in an app context every ``seconds``; returns where: ``celery``, ``thread`` or ``none``.

    With ``CELERY_BROKER_URL`` set, the Celery worker's schedule (``-B``) runs it as the
    task ``meetings.<name>`` (:func:`meetings.mail.tasks.add_periodic`); else a thread of
    this process does, when it serves the app (:func:`_serving`; a ``flask`` command such
    as the one doing the same work by hand gets none).
    """
    if app.config["CELERY_BROKER_URL"]:
        tasks.add_periodic(app, name, seconds, job)
        return "celery"
    if not _serving():
        return "none"
    with _lock:
        jobs = app.extensions.setdefault("periodic", {})
        if name not in jobs:
            jobs[name] = PeriodicJob(app, name, seconds, job)
            _jobs.add(jobs[name])
        running = jobs[name]
    running.start()
    return "thread"


def _serving() -> bool:
    import click

    # ``flask <command>`` makes the app inside click's context; a WSGI server makes it outside any.
    context = click.get_current_context(silent=True)
    return context is None or (context.command is not None and context.command.name == "run")


def _after_fork_in_child() -> None:
    for delivery in list(_running):
        delivery._after_fork()
    for job in list(_jobs):
        job._after_fork()


os.register_at_fork(after_in_child=_after_fork_in_child)


@atexit.register
def _finish_on_exit() -> None:
    # The thread is a daemon (a sleeping retry must not keep a command alive), so let
    # the batch on the wire finish and be recorded before the interpreter goes.
    for delivery in list(_running):
        delivery.stop(timeout=60)
    for job in list(_jobs):
        job.stop(timeout=60)
