"""Delivering the outbox over SMTP: claim due messages, send a batch over one connection, record.

Every claim is atomic (two workers never take the same message), a sent message
is never taken again, and any failure leaves the message in the outbox with its
error and its next attempt. A batch interrupted by a crash is left for a person
to retry, never re-sent automatically.
"""
from __future__ import annotations

import atexit
import logging
import smtplib
import threading
import time
import weakref
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app
from flask_mail import BadHeaderError, Connection, email_dispatched
from sqlalchemy import and_, bindparam, or_, select, update

from meetings.core.database import among
from meetings.core.types import utcnow
from meetings.extensions import db
from meetings.mail.message import OutboxMail
from meetings.mail.models import FAILED, QUEUED, SENDING, SENT, OutboxMessage
from meetings.mail.outbox import prepare

log = logging.getLogger(__name__)

# Minutes to wait after the 1st, 2nd, ... failed attempt; the last value repeats.
BACKOFF_MINUTES = (1, 5, 15, 60, 240)
DEFAULT_MAX_ATTEMPTS = 10
DEFAULT_TIMEOUT = 30.0
# A claim older than this was left by a worker that died (a batch takes seconds, or
# minutes against a slow server): its messages may or may not have left.
DEFAULT_CLAIM_TIMEOUT = timedelta(hours=1)
DEFAULT_COMMIT_INTERVAL = 0.25
# What recording an outcome writes: every outcome sets all of them (one executemany).
_OUTCOME_COLUMNS = ("status", "attempts", "last_error", "next_attempt_at", "sent_at", "claimed_at")
INTERRUPTED = ("Delivery was interrupted while this message was being sent: it may have arrived. "
               "Retry it if the recipient did not get it.")

# Columns the sender needs; loaded as plain rows so commits between sends cost no reloads.
_CONTENT = (OutboxMessage.id, OutboxMessage.to_email, OutboxMessage.to_name, OutboxMessage.reply_to,
            OutboxMessage.subject, OutboxMessage.text_body, OutboxMessage.html_body, OutboxMessage.ics,
            OutboxMessage.ics_method, OutboxMessage.language, OutboxMessage.message_id,
            OutboxMessage.attempts)


class NoMailServer(RuntimeError):
    """MAIL_SERVER is not configured: nothing can be delivered."""


@dataclass
class DeliveryReport:
    """What one delivery run did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    connections: int = 0
    connection_error: str | None = None
    errors: dict[int, str] = field(default_factory=dict)
    postponed: list[int] = field(default_factory=list)

    @property
    def attempted(self) -> int:
        return self.sent + self.retrying + self.failed


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt."""
    index = max(0, min(attempts, len(BACKOFF_MINUTES)) - 1)
    return timedelta(minutes=BACKOFF_MINUTES[index])


class SMTPConnection(Connection):
    """Flask-Mail's connection with a socket timeout, so a silent server cannot hang a worker."""

    def __init__(self, mail, timeout: float):
        super().__init__(mail)
        self.timeout = timeout

    def configure_host(self) -> smtplib.SMTP:
        cls = smtplib.SMTP_SSL if self.mail.use_ssl else smtplib.SMTP
        host = cls(self.mail.server, self.mail.port, timeout=self.timeout)
        host.set_debuglevel(int(self.mail.debug))
        if self.mail.use_tls:
            host.starttls()
        if self.mail.username and self.mail.password:
            host.login(self.mail.username, self.mail.password)
        return host


def connect() -> Connection:
    """One SMTP connection from the app's Flask-Mail settings (what ``mail.connect()`` makes, with a timeout)."""
    return SMTPConnection(current_app.extensions["mail"],
                          float(current_app.config.get("MAIL_TIMEOUT") or DEFAULT_TIMEOUT))


def deliver_due(batch_size: int = 50, ids: list[int] | None = None, *, include_not_due: bool = False,
                limit: int | None = None, stop: threading.Event | None = None) -> DeliveryReport:
    """Send every due message, ``batch_size`` per SMTP connection, and record each outcome.

    ``ids`` restricts the run to those messages; ``include_not_due`` also takes
    queued messages whose next retry lies in the future (each at most once per run).
    A connection failure postpones the batch it hit and ends the run; so does
    ``stop`` being set (checked between batches). Raises
    :class:`NoMailServer` when MAIL_SERVER is not set (nothing is touched then).

    While one batch travels over SMTP (in a thread of its own, which only talks
    SMTP), this thread claims and writes the next one; outcomes are recorded here.
    """
    if not current_app.config.get("MAIL_SERVER"):
        raise NoMailServer("MAIL_SERVER is not configured: messages stay in the outbox")
    app = current_app._get_current_object()
    report = DeliveryReport()
    release_stale_claims()
    claimed_count = 0
    sending: _Batch | None = None
    try:
        while True:
            batch = None
            if (limit is None or claimed_count < limit) and not (stop and stop.is_set()):
                size = batch_size if limit is None else min(batch_size, limit - claimed_count)
                batch = _next_batch(size, report, ids=ids, include_not_due=include_not_due)
                claimed_count += len(batch.items) if batch else 0
            if sending is not None:
                sending.finish()
                sending = None
            if batch is not None and report.connection_error:
                batch.release()  # claimed while the server went away: untouched, for the next run
                batch = None
            if batch is None:
                break
            sending = batch.start(app)
    finally:
        if sending is not None:
            sending.finish()
    return report


def _next_batch(size: int, report: DeliveryReport, *, ids: list[int] | None,
                include_not_due: bool) -> "_Batch | None":
    """Claim up to ``size`` messages, write their content and their bytes, and commit, all in one
    transaction; None when nothing is due."""
    # Sent and failed messages leave the queue; only those postponed in this run could come back.
    claimed = claim(size, ids=ids, include_not_due=include_not_due,
                    exclude=set(report.postponed) if include_not_due else None, commit=False)
    if not claimed:
        db.session.commit()
        return None
    claimed = _prepared(claimed, report)
    rows = db.session.execute(select(*_CONTENT).where(among(OutboxMessage.id, claimed))
                              .order_by(OutboxMessage.id)).all()
    db.session.commit()
    sender = current_app.config.get("MAIL_DEFAULT_SENDER")
    items: list[tuple[Any, OutboxMail | Exception]] = []
    for row in rows:
        try:
            items.append((row, OutboxMail.from_content(row, sender=sender)))
        except Exception as exc:  # noqa: BLE001 - recorded on the row like a sending failure
            items.append((row, exc))
    return _Batch(items, report)


def _prepared(claimed: list[int], report: DeliveryReport) -> list[int]:
    """Write the content of claimed messages queued without it; those that cannot be written fail.
    Flushes; the caller commits."""
    failed = prepare(claimed)
    for message_id, error in db.session.execute(
            select(OutboxMessage.id, OutboxMessage.last_error).where(among(OutboxMessage.id, failed))):
        report.failed += 1
        report.errors[message_id] = error
    return [message_id for message_id in claimed if message_id not in set(failed)]


def _due_filter(now: datetime, ids: list[int] | None, include_not_due: bool, exclude: set[int]):
    conditions = [OutboxMessage.status.in_((QUEUED, FAILED)), OutboxMessage.next_attempt_at.is_not(None)]
    if not include_not_due:
        conditions.append(OutboxMessage.next_attempt_at <= now)
    if ids is not None:
        conditions.append(among(OutboxMessage.id, ids))
    if exclude:
        conditions.append(OutboxMessage.id.not_in(exclude))
    return and_(*conditions)


def claim(batch_size: int, *, ids: list[int] | None = None, include_not_due: bool = False,
          exclude: set[int] | None = None, commit: bool = True) -> list[int]:
    """Mark up to ``batch_size`` due messages as ``sending`` for this worker and commit
    (unless ``commit`` is false: the caller then commits before sending); returns their ids.

    PostgreSQL: one UPDATE over ``SELECT ... FOR UPDATE SKIP LOCKED``, so parallel
    workers take disjoint batches without waiting. SQLite (one writer at a time):
    an UPDATE of the candidates conditional on their state, so a row another
    worker took in between is skipped.
    """
    now = utcnow()
    due = _due_filter(now, ids, include_not_due, exclude or set())
    if db.session.get_bind().dialect.name == "postgresql":
        chosen = (select(OutboxMessage.id).where(due).order_by(OutboxMessage.id)
                  .limit(batch_size).with_for_update(skip_locked=True))
        result = db.session.execute(
            update(OutboxMessage).where(OutboxMessage.id.in_(chosen.scalar_subquery()))
            .values(status=SENDING, claimed_at=now).returning(OutboxMessage.id)
            .execution_options(synchronize_session=False))
        claimed = sorted(result.scalars())
    else:
        candidates = list(db.session.scalars(
            select(OutboxMessage.id).where(due).order_by(OutboxMessage.id).limit(batch_size)))
        # Conditional on the state: a row another worker claimed in between is not taken.
        result = db.session.execute(
            update(OutboxMessage)
            .where(among(OutboxMessage.id, candidates), OutboxMessage.status.in_((QUEUED, FAILED)))
            .values(status=SENDING, claimed_at=now).returning(OutboxMessage.id)
            .execution_options(synchronize_session=False))
        claimed = sorted(result.scalars()) if candidates else []
    if commit:
        db.session.commit()
    return claimed


def release_stale_claims() -> int:
    """Fail the messages a worker claimed long ago and never finished; returns how many.

    The worker died somewhere in its batch, so each message may have been sent or
    not. They are not sent again automatically (a retry must never send a message
    twice); a person sees the reason and retries those that did not arrive.
    """
    timeout = current_app.config.get("MAIL_CLAIM_TIMEOUT") or DEFAULT_CLAIM_TIMEOUT
    now = utcnow()
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == SENDING,
               or_(OutboxMessage.claimed_at.is_(None), OutboxMessage.claimed_at < now - timeout))
        .values(status=FAILED, next_attempt_at=None, claimed_at=None, last_error=INTERRUPTED)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount or 0


class _Outcomes:
    """What happened to each message of a batch, written in short transactions.

    Outcomes are kept in memory and written at most every MAIL_COMMIT_INTERVAL
    seconds and at the end of the batch: a commit per message would cost more than
    sending it, and the write lock (SQLite) is never held while talking SMTP.
    """

    def __init__(self, report: DeliveryReport):
        config = current_app.config
        self.report = report
        self.interval = float(config.get("MAIL_COMMIT_INTERVAL", DEFAULT_COMMIT_INTERVAL))
        self.max_attempts = int(config.get("MAIL_MAX_ATTEMPTS") or DEFAULT_MAX_ATTEMPTS)
        self.pending: list[tuple[int, dict]] = []
        self.written_at = time.monotonic()

    def sent(self, row) -> None:
        self._add(row.id, status=SENT, attempts=row.attempts + 1, last_error=None, next_attempt_at=None,
                  sent_at=utcnow())
        self.report.sent += 1

    def postpone(self, row, error: str) -> None:
        """A passing problem: try again after the backoff, or give up after MAIL_MAX_ATTEMPTS."""
        attempts = row.attempts + 1
        if attempts >= self.max_attempts:
            self.fail(row, error)
            return
        self._add(row.id, status=QUEUED, attempts=attempts, last_error=error,
                  next_attempt_at=utcnow() + backoff(attempts), sent_at=None)
        self.report.retrying += 1
        self.report.postponed.append(row.id)
        self.report.errors[row.id] = error

    def fail(self, row, error: str) -> None:
        """Final until a person retries it."""
        self._add(row.id, status=FAILED, attempts=row.attempts + 1, last_error=error, next_attempt_at=None,
                  sent_at=None)
        self.report.failed += 1
        self.report.errors[row.id] = error

    def _add(self, message_id: int, **values) -> None:
        self.pending.append((message_id, values))
        if time.monotonic() - self.written_at >= self.interval:
            self.write()

    def write(self) -> None:
        if self.pending:
            table = OutboxMessage.__table__
            statement = (table.update().where(table.c.id == bindparam("b_id"))
                         .values({name: bindparam(f"b_{name}") for name in _OUTCOME_COLUMNS}))
            db.session.execute(statement, [
                {"b_id": message_id, "b_claimed_at": None, **{f"b_{name}": value for name, value in values.items()}}
                for message_id, values in self.pending])
            db.session.commit()
            self.pending.clear()
        self.written_at = time.monotonic()


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        parts = [f"{address}: {code} {_text(reply)}" for address, (code, reply) in exc.recipients.items()]
        return "Recipient refused: " + "; ".join(parts)
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{type(exc).__name__}: {exc.smtp_code} {_text(exc.smtp_error)}"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _text(reply) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _is_permanent(exc: BaseException) -> bool:
    """5xx replies are final for this message; 4xx replies mean "try again later"."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500
    return isinstance(exc, (smtplib.SMTPNotSupportedError, BadHeaderError, ValueError))


def _breaks_connection(exc: BaseException) -> bool:
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return True
    if isinstance(exc, smtplib.SMTPResponseException):
        # 421: the server is closing the session; everything after it would fail too.
        return exc.smtp_code == 421
    if isinstance(exc, smtplib.SMTPException):  # an OSError too, but about one message
        return False
    return isinstance(exc, OSError)


def _send(connection: Connection, mail: OutboxMail) -> None:
    """What Flask-Mail's ``Connection.send`` does, without cleaning up the addresses again:
    they were checked when the message was written, and an SMTPUTF8 address, which its
    ASCII-only clean-up would spoil, goes to smtplib as it is."""
    if connection.host is not None:
        connection.host.sendmail(mail.sender, mail.recipients, mail.as_bytes(), mail.mail_options)
    email_dispatched.send(current_app._get_current_object(), message=mail)


class _Batch:
    """Claimed messages, written and committed, sent over one SMTP connection by a thread
    that does nothing else: it collects each outcome, :meth:`finish` records them."""

    def __init__(self, items: list[tuple[Any, OutboxMail | Exception]], report: DeliveryReport):
        self.items = items
        self.report = report
        self.results: list[tuple[str, Any, str | None]] = []
        self.connection_error: str | None = None
        self.connected = False
        self.thread: threading.Thread | None = None

    def start(self, app: Flask) -> "_Batch":
        self.thread = threading.Thread(target=self._run, args=(app,), name="mail-batch", daemon=True)
        self.thread.start()
        return self

    def _run(self, app: Flask) -> None:
        with app.app_context():
            try:
                self._send()
            except BaseException as exc:  # noqa: BLE001 - whatever was not sent waits for the next run
                self._postpone_rest(_describe(exc))
                log.exception("Mail delivery stopped")

    def _postpone_rest(self, error: str) -> None:
        done = {id(row) for _, row, _ in self.results}
        self.results.extend(("postpone", row, error) for row, _ in self.items if id(row) not in done)

    def _send(self) -> None:
        connection = connect()
        try:
            connection.__enter__()
        except (OSError, smtplib.SMTPException) as exc:
            self.connection_error = _describe(exc)
            self._postpone_rest(self.connection_error)
            log.warning("Mail server unreachable, %d message(s) postponed: %s", len(self.items),
                        self.connection_error)
            return
        self.connected = True
        try:
            for row, mail in self.items:
                try:
                    if isinstance(mail, Exception):
                        raise mail
                    _send(connection, mail)
                except Exception as exc:  # noqa: BLE001 - every outcome is recorded on the row
                    error = _describe(exc)
                    if _breaks_connection(exc):
                        self.connection_error = error
                        self._postpone_rest(error)
                        log.warning("Mail connection lost, %d message(s) postponed: %s",
                                    len(self.items) - len(self.results), error)
                        return
                    if _is_permanent(exc):
                        self.results.append(("fail", row, error))
                    elif isinstance(exc, smtplib.SMTPException):
                        self.results.append(("postpone", row, error))
                    else:
                        # A bug, not a mail problem: keep the message for a person to look at.
                        log.error("Could not send message %s", row.id, exc_info=exc)
                        self.results.append(("fail", row, error))
                else:
                    self.results.append(("sent", row, None))
        finally:
            try:
                connection.__exit__(None, None, None)
            except (OSError, smtplib.SMTPException):
                pass  # the messages are recorded; a failing QUIT changes nothing

    def finish(self) -> None:
        """Wait for the thread, then record every outcome (in this thread's session)."""
        if self.thread is not None:
            self.thread.join()
        outcomes = _Outcomes(self.report)
        try:
            for kind, row, error in self.results:
                if kind == "sent":
                    outcomes.sent(row)
                else:
                    getattr(outcomes, kind)(row, error)
        finally:
            outcomes.write()
        self.report.connections += self.connected
        if self.connection_error:
            self.report.connection_error = self.connection_error

    def release(self) -> None:
        """Give the claimed messages back untouched: they were never tried."""
        table = OutboxMessage.__table__
        db.session.execute(table.update().where(among(table.c.id, [row.id for row, _ in self.items]),
                                                table.c.status == SENDING)
                           .values(status=QUEUED, claimed_at=None))
        db.session.commit()


# --- in-process background delivery -----------------------------------------------

class BackgroundDelivery:
    """One delivery thread per app and process, started after commits that queued mail.

    While retries wait, the thread sleeps until the earliest is due, then delivers
    again; it ends when nothing waits. Kicks during a run make it run once more.
    """

    # The longest sleep before looking again, so messages queued by other processes are seen.
    MAX_SLEEP = 300.0

    def __init__(self, app: Flask):
        self.app = app
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
                if next_due is None or self._stopped:
                    self._thread = None
                    return
                wait = (next_due - utcnow()).total_seconds()
                self._cv.wait_for(lambda: self._wanted or self._stopped,
                                  timeout=min(max(wait, 1.0), self.MAX_SLEEP))

    def _deliver_once(self) -> datetime | None:
        from meetings.mail.outbox import next_attempt

        with self.app.app_context():
            try:
                deliver_due(batch_size=int(self.app.config.get("MAIL_BATCH_SIZE") or 50), stop=self._stop_event)
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


@atexit.register
def _finish_on_exit() -> None:
    # The thread is a daemon (a sleeping retry must not keep a command alive), so let
    # the batch on the wire finish and be recorded before the interpreter goes.
    for delivery in list(_running):
        delivery.stop(timeout=60)
