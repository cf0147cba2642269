"""Delivering the outbox over SMTP: claim due messages, send a batch over one connection, record.

Every claim is atomic (two workers never take the same message), a sent message
is never taken again, and any failure leaves the message in the outbox with its
error and its next attempt. Each outcome is committed as soon as the server has
answered, before the next message goes: a run that dies (``kill -9``, a lost
machine) leaves in doubt only the one message whose SMTP transaction was under
way. Its claim, and those of the messages it had not reached, are renewed while
the run lives; once older than MAIL_CLAIM_TIMEOUT they go back to the queue and
the next run sends them. So nothing is lost, and a message arrives twice only
when the run died between the server's "250" and the commit (calendar clients
take a repeated REQUEST with the same UID and SEQUENCE as the same entry).
"""
from __future__ import annotations

import logging
import smtplib
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app
from sqlalchemy import and_, bindparam, or_, select, update

from meetings.core.database import among
from meetings.core.types import utcnow
from meetings.extensions import db
from meetings.mail.message import Envelope, envelope
from meetings.mail.models import FAILED, QUEUED, SENDING, SENT, OutboxMessage
from meetings.mail.outbox import prepare

log = logging.getLogger(__name__)

# Minutes to wait after the 1st, 2nd, ... failed attempt; the last value repeats.
BACKOFF_MINUTES = (1, 5, 15, 60, 240)
# A live run renews its claims this many times within one timeout.
RENEWALS_PER_TIMEOUT = 3
INTERRUPTED = ("A delivery run stopped before this message's outcome was recorded; "
               "it was queued again and goes with the next run.")
_table = OutboxMessage.__table__
# One outcome, written alone and committed at once: the few columns delivery changes.
# A message recorded as sent stays sent, whoever else touched it.
_RECORD = (_table.update().where(_table.c.id == bindparam("b_id"), _table.c.status != SENT)
           .values(status=bindparam("b_status"), attempts=bindparam("b_attempts"),
                   last_error=bindparam("b_last_error"), next_attempt_at=bindparam("b_next_attempt_at"),
                   sent_at=bindparam("b_sent_at"), claimed_at=None))

# Columns the sender needs; loaded as plain rows so commits between sends cost no reloads.
_CONTENT = (OutboxMessage.id, OutboxMessage.to_email, OutboxMessage.to_name, OutboxMessage.reply_to,
            OutboxMessage.subject, OutboxMessage.text_body, OutboxMessage.html_body, OutboxMessage.ics,
            OutboxMessage.ics_method, OutboxMessage.attached_message, OutboxMessage.language,
            OutboxMessage.message_id,
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
    # Messages of a run that died, given back to the queue by this one (then sent by it).
    requeued: int = 0
    errors: dict[int, str] = field(default_factory=dict)
    postponed: list[int] = field(default_factory=list)

    @property
    def attempted(self) -> int:
        return self.sent + self.retrying + self.failed


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt."""
    index = max(0, min(attempts, len(BACKOFF_MINUTES)) - 1)
    return timedelta(minutes=BACKOFF_MINUTES[index])


def connect() -> smtplib.SMTP:
    """One SMTP connection from the app's MAIL_* settings, with MAIL_TIMEOUT on its socket, so a
    silent server cannot hang a worker; STARTTLS and login as the settings ask."""
    config = current_app.config
    smtp = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    host = smtp(config["MAIL_SERVER"], int(config["MAIL_PORT"]),
                timeout=float(config["MAIL_TIMEOUT"]))
    try:
        if config["MAIL_USE_TLS"]:
            host.starttls()
        if config["MAIL_USERNAME"] and config["MAIL_PASSWORD"]:
            host.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
    except BaseException:
        host.close()
        raise
    return host


def claim_timeout() -> timedelta:
    """MAIL_CLAIM_TIMEOUT: how old an unrenewed claim must be to count as abandoned."""
    return timedelta(seconds=float(current_app.config["MAIL_CLAIM_TIMEOUT"]))


def deliver_due(batch_size: int = 50, ids: list[int] | None = None, *, include_not_due: bool = False,
                limit: int | None = None, stop: threading.Event | None = None) -> DeliveryReport:
    """Send every due message, ``batch_size`` per SMTP connection, and record each outcome as it comes.

    First gives back to the queue what a dead run left claimed (:func:`release_stale_claims`).
    ``ids`` restricts the run to those messages; ``include_not_due`` also takes
    queued messages whose next retry lies in the future (each at most once per run).
    A connection failure postpones the batch it hit and ends the run; so does
    ``stop`` being set (checked between batches). Raises
    :class:`NoMailServer` when MAIL_SERVER is not set (nothing is touched then).

    While one batch travels over SMTP (in a thread of its own, which talks SMTP and
    commits each outcome before the next message), this thread claims and writes
    the next one, and renews the claims of both.
    """
    if not current_app.config["MAIL_SERVER"]:
        raise NoMailServer("MAIL_SERVER is not configured: messages stay in the outbox")
    app = current_app._get_current_object()
    report = DeliveryReport(requeued=release_stale_claims())
    claimed_count = 0
    sending: _Batch | None = None
    try:
        while True:
            batch = None
            if (limit is None or claimed_count < limit) and not (stop and stop.is_set()):
                size = batch_size if limit is None else min(batch_size, limit - claimed_count)
                batch = _next_batch(size, report, ids=ids, include_not_due=include_not_due,
                                    sending=sending.ids if sending else ())
                claimed_count += len(batch.items) if batch else 0
            if sending is not None:
                done, sending = sending, None
                try:
                    done.finish(ahead=batch)
                except BaseException:
                    if batch is not None:
                        batch.release()
                    raise
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


def _next_batch(size: int, report: DeliveryReport, *, ids: list[int] | None, include_not_due: bool,
                sending=()) -> "_Batch | None":
    """Claim up to ``size`` messages (committed at once), then write their content and read it
    (a second short transaction); None when nothing is due.

    The claim is committed first so that, on SQLite, no write lock is held while the
    content is written: the sending thread commits an outcome after every message.
    """
    # Sent and failed messages leave the queue; only those postponed in this run could come back,
    # those of the batch on the wire too (each outcome is committed at once, the report waits).
    claimed = claim(size, ids=ids, include_not_due=include_not_due,
                    exclude={*report.postponed, *sending} if include_not_due else None)
    if not claimed:
        return None
    try:
        claimed = _prepared(claimed, report)
        rows = db.session.execute(select(*_CONTENT).where(among(OutboxMessage.id, claimed))
                                  .order_by(OutboxMessage.id)).all()
        db.session.commit()
    except BaseException:
        db.session.rollback()
        _release(claimed)
        raise
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    items: list[tuple[Any, Envelope | Exception]] = []
    for row in rows:
        try:
            items.append((row, envelope(row, sender=sender)))
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
    """Put back in the queue, due now, the messages whose claim is older than MAIL_CLAIM_TIMEOUT;
    returns how many (and commits).

    A live run renews its claims well within the timeout, so such a claim was left
    by a run that died. Each outcome is committed as soon as the server answers,
    so these messages were not sent, or (one per connection that was open) sent in
    the instant before the crash: sending them again loses nothing and repeats
    at most that one.
    """
    now = utcnow()
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == SENDING,
               or_(OutboxMessage.claimed_at.is_(None), OutboxMessage.claimed_at < now - claim_timeout()))
        .values(status=QUEUED, next_attempt_at=now, claimed_at=None, last_error=INTERRUPTED)
        .execution_options(synchronize_session=False))
    db.session.commit()
    count = result.rowcount or 0
    if count:
        log.warning("%d message(s) left claimed by an interrupted delivery run were queued again", count)
    return count


def renew_claims(ids: list[int]) -> None:
    """Mark the claims of ``ids`` that are still being sent as fresh (and commit): this run lives."""
    if ids:
        db.session.execute(update(OutboxMessage)
                           .where(among(OutboxMessage.id, ids), OutboxMessage.status == SENDING)
                           .values(claimed_at=utcnow()).execution_options(synchronize_session=False))
        db.session.commit()


def _release(ids: list[int]) -> None:
    """Give claimed messages back untouched (they were never tried), and commit."""
    if ids:
        db.session.execute(_table.update().where(among(_table.c.id, ids), _table.c.status == SENDING)
                           .values(status=QUEUED, claimed_at=None))
        db.session.commit()


class _Outcomes:
    """Writes the outcome of each message of a batch as it comes: one UPDATE of one row and a
    commit, before the next message is sent, so a crash can leave in doubt only the message
    under way. Used by the sending thread, on a database connection of its own."""

    def __init__(self):
        self.max_attempts = int(current_app.config["MAIL_MAX_ATTEMPTS"])
        self.connection = db.engine.connect()
        # What happened to which message (committed), for the run's report.
        self.results: list[tuple[str, int, str | None]] = []
        self._pending: list[tuple[str, int, str | None]] = []

    def sent(self, row) -> None:
        self._add(row, None, status=SENT, next_attempt_at=None, sent_at=utcnow())
        self.commit()

    def postpone(self, row, error: str, *, commit: bool = True) -> None:
        """A passing problem: try again after the backoff, or give up after MAIL_MAX_ATTEMPTS."""
        attempts = row.attempts + 1
        if attempts >= self.max_attempts:
            self._add(row, error, status=FAILED, next_attempt_at=None, sent_at=None)
        else:
            self._add(row, error, status=QUEUED, next_attempt_at=utcnow() + backoff(attempts), sent_at=None)
        if commit:
            self.commit()

    def fail(self, row, error: str) -> None:
        """Final until a person retries it."""
        self._add(row, error, status=FAILED, next_attempt_at=None, sent_at=None)
        self.commit()

    def postpone_all(self, rows, error: str) -> None:
        """Postpone messages that were not tried (their connection failed), in one transaction."""
        for row in rows:
            self.postpone(row, error, commit=False)
        self.commit()

    def _add(self, row, error: str | None, **values) -> None:
        self.connection.execute(_RECORD, {"b_id": row.id, "b_attempts": row.attempts + 1, "b_last_error": error,
                                          **{f"b_{name}": value for name, value in values.items()}})
        self._pending.append((values["status"], row.id, error))

    def commit(self) -> None:
        self.connection.commit()
        self.results.extend(self._pending)
        self._pending.clear()

    def close(self) -> None:
        self.connection.close()


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
    return isinstance(exc, (smtplib.SMTPNotSupportedError, ValueError))


def _breaks_connection(exc: BaseException) -> bool:
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return True
    if isinstance(exc, smtplib.SMTPResponseException):
        # 421: the server is closing the session; everything after it would fail too.
        return exc.smtp_code == 421
    if isinstance(exc, smtplib.SMTPException):  # an OSError too, but about one message
        return False
    return isinstance(exc, OSError)


def send(host: smtplib.SMTP, mail: Envelope) -> None:
    """One SMTP transaction for ``mail``. The addresses were checked when it was written, and an
    SMTPUTF8 address goes to smtplib as it is."""
    host.sendmail(mail.sender, [mail.recipient], mail.data, list(mail.mail_options))


class _Batch:
    """Claimed messages, written and committed, sent over one SMTP connection by a thread that
    commits each outcome before it sends the next message; :meth:`finish` waits for it."""

    def __init__(self, items: list[tuple[Any, Envelope | Exception]], report: DeliveryReport):
        self.items = items
        self.ids = [row.id for row, _ in items]
        self.report = report
        self.results: list[tuple[str, int, str | None]] = []
        self.connection_error: str | None = None
        self.connected = False
        self.error: BaseException | None = None
        # The message between "handed to the server" and "outcome committed".
        self.in_flight: int | None = None
        self.thread: threading.Thread | None = None

    def start(self, app: Flask) -> "_Batch":
        self.thread = threading.Thread(target=self._run, args=(app,), name="mail-batch", daemon=True)
        self.thread.start()
        return self

    def _run(self, app: Flask) -> None:
        with app.app_context():
            outcomes = None
            try:
                outcomes = _Outcomes()
                self._send(outcomes)
            except BaseException as exc:  # noqa: BLE001 - raised again by finish(), in the run's thread
                # The database failed (or the process is stopping): the untried messages are
                # given back by finish(); the one on the wire, if any, waits for its claim to run out.
                self.error = exc
            finally:
                if outcomes is not None:
                    self.results = outcomes.results
                    outcomes.close()

    def _postpone_rest(self, outcomes: _Outcomes, error: str) -> None:
        done = {message_id for _, message_id, _ in outcomes.results}
        outcomes.postpone_all([row for row, _ in self.items if row.id not in done], error)

    def _send(self, outcomes: _Outcomes) -> None:
        try:
            connection = connect()
        except (OSError, smtplib.SMTPException) as exc:
            self.connection_error = _describe(exc)
            self._postpone_rest(outcomes, self.connection_error)
            log.warning("Mail server unreachable, %d message(s) postponed: %s", len(self.items),
                        self.connection_error)
            return
        self.connected = True
        try:
            for row, mail in self.items:
                self.in_flight = row.id
                try:
                    if isinstance(mail, Exception):
                        raise mail
                    send(connection, mail)
                except Exception as exc:  # noqa: BLE001 - every outcome is recorded on the row
                    error = _describe(exc)
                    if _breaks_connection(exc):
                        self.connection_error = error
                        log.warning("Mail connection lost, %d message(s) postponed: %s",
                                    len(self.items) - len(outcomes.results), error)
                        self._postpone_rest(outcomes, error)
                        return
                    if _is_permanent(exc):
                        outcomes.fail(row, error)
                    elif isinstance(exc, smtplib.SMTPException):
                        outcomes.postpone(row, error)
                    else:
                        # A bug, not a mail problem: keep the message for a person to look at.
                        log.error("Could not send message %s", row.id, exc_info=exc)
                        outcomes.fail(row, error)
                else:
                    outcomes.sent(row)
                self.in_flight = None
        finally:
            try:
                connection.quit()
            except (OSError, smtplib.SMTPException):
                pass  # the messages are recorded; a failing QUIT changes nothing
            finally:
                connection.close()

    def finish(self, ahead: "_Batch | None" = None) -> None:
        """Wait for the thread, renewing the claims of this batch and of ``ahead`` (claimed
        meanwhile) while it sends, then add its outcomes to the report. Raises what stopped
        the thread, if anything did."""
        if self.thread is not None:
            every = claim_timeout().total_seconds() / RENEWALS_PER_TIMEOUT
            self.thread.join(every)
            while self.thread.is_alive():
                renew_claims(self.ids + (ahead.ids if ahead else []))
                self.thread.join(every)
        report = self.report
        for status, message_id, error in self.results:
            if status == SENT:
                report.sent += 1
                continue
            report.errors[message_id] = error
            if status == FAILED:
                report.failed += 1
            else:
                report.retrying += 1
                report.postponed.append(message_id)
        report.connections += self.connected
        if self.connection_error:
            report.connection_error = self.connection_error
        if self.error is not None:
            recorded = {message_id for _, message_id, _ in self.results}
            try:
                _release([i for i in self.ids if i not in recorded and i != self.in_flight])
            except Exception:  # noqa: BLE001 - then their claims run out and the next run takes them
                db.session.rollback()
                log.exception("Could not give back the untried messages of a stopped batch")
            raise self.error

    def release(self) -> None:
        """Give the claimed messages back untouched: they were never tried."""
        _release(self.ids)
