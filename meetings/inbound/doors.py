"""The three doors mail comes in through, and what they share.

- IMAP: :func:`fetch_mailbox` reads what is new in the reply mailbox (``flask mail
  fetch``, and every INBOUND_FETCH_INTERVAL seconds by the Celery worker's schedule or
  a thread of the web process, see :func:`init_doors`).
- LMTP: :mod:`meetings.inbound.lmtp` (``flask mail lmtp``), for a local mail server.
- HTTP: :mod:`meetings.inbound.webhook` (``POST /inbound/mail``), for a mail service.

Each hands the raw bytes to :func:`take`, which passes them to
:func:`meetings.inbound.services.receive`: stored first, then applied, in one
transaction. A message larger than INBOUND_MAX_BYTES is kept as its header alone
(the HTTP door refuses it with 413 instead, since its sender is there to be told).
"""
from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field

from flask import Flask, current_app
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError

from meetings.extensions import db
from meetings.inbound.imap import Mailbox, MailboxError, MailboxSettings
from meetings.inbound.models import InboundMessage
from meetings.inbound.services import receive, retry_failed

log = logging.getLogger(__name__)

# Messages read before those done are moved away in one command.
MOVE_BATCH = 50
FETCH_JOB = "inbound-fetch"
# Without a mailbox to read (replies come by LMTP or HTTP), what failed is applied again on its own.
RETRY_JOB = "inbound-retry"


class StorageUnavailable(Exception):
    """The database could not be used: the messages stay where they are, for the next run."""


def header_of(raw: bytes) -> bytes:
    """The header block of ``raw`` with the blank line that ends it (all of it if it has no body)."""
    for separator in (b"\r\n\r\n", b"\n\n"):
        end = raw.find(separator)
        if end >= 0:
            return raw[:end + len(separator)]
    return raw


def take(raw: bytes, *, door: str, recipient: str | None = None, size: int | None = None) -> InboundMessage:
    """Store and apply one message that came through ``door``; returns its row.

    ``size`` is the whole message's size when ``raw`` is already only its header (IMAP
    reads no more of a message that is too large). Raises only when the message could
    not be stored at all (the database is down): the door must then keep it.
    """
    limit = int(current_app.config["INBOUND_MAX_BYTES"])
    whole = len(raw) if size is None else size
    if whole > limit:
        return receive(header_of(raw), door=door, recipient=recipient, size=whole)
    return receive(raw, door=door, recipient=recipient)


# --- IMAP -------------------------------------------------------------------------

@dataclass
class FetchReport:
    """What one read of the mailbox did."""

    where: str = ""
    folder: str = ""
    target: str | None = None
    read: int = 0
    too_large: int = 0
    moved: int = 0
    flagged: int = 0
    # Messages that could not be stored: they stay in the mailbox for the next run.
    left: int = 0
    # Messages stored earlier whose applying had failed, applied by this run.
    retried: int = 0
    states: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _is_database_down(error: BaseException) -> bool:
    return isinstance(error, (OperationalError, InterfaceError))


def fetch_mailbox() -> FetchReport:
    """Read every new message of the IMAP mailbox, store and apply each, then move it away;
    then apply again what failed before (:func:`meetings.inbound.services.retry_failed`).

    One message that cannot be stored is left in the mailbox and the others go on.
    Raises :class:`MailboxError` when the mailbox cannot be used, and
    :class:`StorageUnavailable` when the database cannot: nothing read since is moved.
    """
    config = current_app.config
    settings = MailboxSettings.from_config(config)
    limit = int(config["INBOUND_MAX_BYTES"])
    report = FetchReport(folder=settings.folder)
    with Mailbox(settings) as box:
        report.where, report.target = box.where, box.target
        report.notes.extend(box.notes)
        done: list[bytes] = []
        try:
            for fetched in box.messages(limit):
                report.read += 1
                try:
                    state = take(fetched.raw, door="imap", size=None if fetched.whole else fetched.size).state
                except Exception as error:  # noqa: BLE001 - one message never stops the others
                    db.session.rollback()
                    report.left += 1
                    if _is_database_down(error):
                        raise StorageUnavailable(str(getattr(error, "orig", None) or error).strip()) from None
                    log.exception("Could not store IMAP message %s", fetched.uid.decode())
                    report.errors.append(f"message {fetched.uid.decode()}: could not be stored "
                                         f"({type(error).__name__}); it stays in the mailbox for the next run")
                    continue
                report.states[state] += 1
                if not fetched.whole:
                    report.too_large += 1
                done.append(fetched.uid)
                if len(done) >= MOVE_BATCH:
                    _put_aside(box, done, report)
                    done = []
        finally:
            # What was stored is put aside even when the run ends early.
            if done and box.client is not None:
                _put_aside(box, done, report)
    report.retried = retry_failed()
    return report


def _put_aside(box: Mailbox, uids: list[bytes], report: FetchReport) -> None:
    outcome = box.put_aside(uids)
    report.moved += outcome.moved
    report.flagged += outcome.flagged
    report.notes.extend(note for note in outcome.notes if note not in report.notes)


def scheduled_fetch() -> None:
    """One read of the mailbox on the schedule: logged, never raised."""
    try:
        report = fetch_mailbox()
    except (MailboxError, StorageUnavailable) as error:
        log.warning("Reading the reply mailbox failed: %s", error)
        db.session.remove()
        return
    if report.read or report.errors:
        log.info("Read %d message(s) from the reply mailbox: %s", report.read, dict(report.states))


def scheduled_retry() -> None:
    """Apply again, on the schedule, the messages whose applying failed: logged, never raised."""
    try:
        retried = retry_failed()
    except SQLAlchemyError as error:
        log.warning("Applying failed incoming mail again failed: %s", error)
        db.session.remove()
        return
    if retried:
        log.info("Applied %d incoming message(s) that had failed", retried)


def init_doors(app: Flask) -> None:
    """Every INBOUND_FETCH_INTERVAL seconds: read the mailbox when INBOUND_IMAP_HOST is set (which
    also applies again what failed); else, when INBOUND_ADDRESS is set, apply again what failed."""
    from meetings.mail.runner import run_every

    interval = float(app.config["INBOUND_FETCH_INTERVAL"])
    if interval <= 0:
        return
    if app.config["INBOUND_IMAP_HOST"]:
        run_every(app, FETCH_JOB, interval, scheduled_fetch)
    elif app.config["INBOUND_ADDRESS"]:
        run_every(app, RETRY_JOB, interval, scheduled_retry)
