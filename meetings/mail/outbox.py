"""Queueing email: a row in the caller's transaction, delivery only after that transaction commits.

Usage from a capability's service::

    queue_email(to_email=..., to_name=..., subject=..., text_body=..., html_body=...,
                ics=..., kind="invitation", language="de", meeting_id=meeting.id)
    # ... the view commits once; then delivery starts.

After the commit, the function given to :func:`init_outbox` starts delivery
(:mod:`meetings.mail.runner` says who delivers). A rollback discards the pending
trigger together with the rows. ``MAIL_DELIVER_AFTER_COMMIT = False`` turns the
trigger off: then only ``flask mail send`` (e.g. from cron) or a timer deliver.

Capabilities change queued messages only through this module, never their rows:
:func:`withdraw`, :func:`hold_until` and :func:`reinstate` (messages nobody has
tried to send yet, named by their ``dedupe_key`` or its prefix),
:func:`erase_for_participant`, and :func:`record_sent` for a demo's history.
They read them with :func:`latest_per_participant` and :func:`message_ids`.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from itertools import groupby

from flask import Flask, current_app
from sqlalchemy import bindparam, cast, delete, event, func, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from meetings.core.database import among
from meetings.core.types import utcnow
from meetings.extensions import db
from meetings.mail.message import ICS_METHODS, calendar_method, check_address, inline_css, new_message_id, one_line
from meetings.mail.models import FAILED, QUEUED, SENDING, SENT, STATUSES, OutboxMessage

log = logging.getLogger(__name__)

_PENDING = "outbox.pending_ids"
_PENDING_APP = "outbox.app"
_PENDING_ASKED = "outbox.asked"


class OutboxError(ValueError):
    """The email cannot be queued as given (bad address, calendar method mismatch...)."""


@dataclass(frozen=True)
class Content:
    """What a recipient reads: subject, bodies and the calendar part."""

    subject: str
    text_body: str
    html_body: str | None = None
    ics: str | None = None
    ics_method: str | None = None


@dataclass(frozen=True)
class Recipient:
    """One email to queue now and prepare later: who, in which language, about what."""

    to_email: str
    to_name: str | None
    language: str
    meeting_id: int | None = None
    participant_id: int | None = None
    dedupe_key: str | None = None
    # What the preparer needs beyond the objects named by the ids (a note, a SEQUENCE...).
    args: dict = field(default_factory=dict)
    reply_to: str | None = None


# kind -> function turning queued messages of that kind into their content: a
# Content per message id, or a reason (str) why that message cannot be written.
Preparer = Callable[[list[OutboxMessage]], dict[int, "Content | str"]]
_preparers: dict[str, Preparer] = {}


def register_preparer(kinds: Iterable[str], preparer: Preparer) -> None:
    """Let ``preparer`` write the content of messages of these kinds queued with :func:`queue_later`."""
    for kind in kinds:
        _preparers[kind] = preparer


def queue_email(*, to_email: str, to_name: str | None, subject: str, text_body: str,
                html_body: str | None = None, ics: str | None = None, ics_method: str | None = None,
                kind: str, language: str, meeting_id: int | None = None, participant_id: int | None = None,
                dedupe_key: str | None = None, reply_to: str | None = None,
                attached_message: bytes | None = None) -> OutboxMessage:
    """Add one email for one recipient to the outbox, in the current transaction (flushes, never commits).

    ``ics`` is the calendar for an invitation, update or cancellation; ``ics_method``
    defaults to its METHOD and must equal it. ``dedupe_key`` names the logical email
    (e.g. ``"invitation:42:3"``): if a message with that key exists, it is returned and
    nothing new is queued. Raises :class:`OutboxError` for an address that is not one
    plain mailbox. Names and subjects are kept on one line, so they can never add a header.
    ``attached_message`` (the bytes of a whole email) goes along as a message/rfc822 part.
    Delivery starts after the surrounding transaction commits.
    """
    values = _row(Recipient(to_email=to_email, to_name=to_name, language=language, meeting_id=meeting_id,
                            participant_id=participant_id, dedupe_key=dedupe_key), kind=kind, reply_to=reply_to)
    values.update(_content_columns(Content(subject=subject, text_body=text_body, html_body=html_body, ics=ics,
                                           ics_method=ics_method)))
    if attached_message is not None:
        if ics:
            raise OutboxError("a calendar message carries no attached email")
        values["attached_message"] = bytes(attached_message)
    if dedupe_key is None:
        message = OutboxMessage(**values)
        db.session.add(message)
        db.session.flush()
    else:
        message = _insert_once(values)
        if message is None:  # queued before, by this request or an earlier one
            return db.session.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key)).one()
    _deliver_after_commit(db.session(), [message.id])
    return message


def queue_later(kind: str, recipients: Iterable[Recipient]) -> list[int]:
    """Queue one email per recipient now, in the current transaction, and write its content later.

    For sending to many at once: the rows go in with one statement, and the
    preparer registered for ``kind`` writes subject, bodies and calendar when the
    message is delivered or opened in the outbox (:func:`prepare`). Recipients
    whose ``dedupe_key`` was queued before are skipped. Returns the new rows' ids;
    raises :class:`OutboxError` (queuing nothing) for an address that is not one mailbox.
    """
    if kind not in _preparers:
        raise OutboxError(f"no preparer for {kind!r} messages")
    rows = [_row(recipient, kind=kind, reply_to=recipient.reply_to) for recipient in recipients]
    if not rows:
        return []
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        # One statement with one array per column, however many rows.
        ids = list(db.session.connection().scalars(_unnest_insert(tuple(rows[0])),
                                                   {f"a_{name}": [row[name] for row in rows] for name in rows[0]}))
    else:
        # A Core INSERT of all rows at once (executemany): no ORM objects for messages not yet written.
        ids = list(db.session.connection().scalars(_insert_statement(dialect, ids_only=True), rows))
    _deliver_after_commit(db.session(), ids)
    return ids


def _row(recipient: Recipient, *, kind: str, reply_to: str | None = None) -> dict:
    try:
        address = check_address(recipient.to_email)
        reply_address = check_address(reply_to) if reply_to else None
    except ValueError as exc:
        raise OutboxError(str(exc)) from exc
    now = utcnow()
    return dict(
        created_at=now, kind=kind, to_email=address, to_name=one_line(recipient.to_name) or None,
        reply_to=reply_address, subject=None, text_body=None, html_body=None, ics=None, ics_method=None,
        attached_message=None,
        prepare_args=json.dumps(recipient.args, sort_keys=True) if recipient.args else None,
        language=recipient.language or "en", status=QUEUED, attempts=0, next_attempt_at=now,
        message_id=new_message_id(current_app.config["MAIL_DEFAULT_SENDER"]),
        meeting_id=recipient.meeting_id, participant_id=recipient.participant_id, dedupe_key=recipient.dedupe_key,
    )


def _content_columns(content: Content) -> dict:
    """The columns for ``content``, checked: a one-line subject, inlined CSS, a calendar whose METHOD agrees."""
    method = None
    if content.ics:
        body_method = calendar_method(content.ics)
        method = (content.ics_method or body_method or "").upper() or None
        if method and method not in ICS_METHODS:
            raise OutboxError(f"unknown iTIP method {content.ics_method!r}")
        if body_method and method != body_method:
            raise OutboxError(f"ics_method {method} differs from the calendar's METHOD:{body_method}")
    elif content.ics_method:
        raise OutboxError("ics_method given without a calendar")
    return dict(subject=one_line(content.subject), text_body=content.text_body,
                html_body=inline_css(content.html_body) if content.html_body else None,
                ics=content.ics or None, ics_method=method)


def prepare(ids: Iterable[int] | None = None) -> list[int]:
    """Write the content of messages queued with :func:`queue_later` (those of ``ids``, or all); flushes.

    A message whose content cannot be written (its preparer is missing, the person
    it is for was deleted, the content is invalid) fails with the reason, for a
    person to see. Returns the ids of those failures.
    """
    query = (select(OutboxMessage)
             .where(OutboxMessage.text_body.is_(None), OutboxMessage.status.in_((QUEUED, SENDING, FAILED)))
             .order_by(OutboxMessage.kind, OutboxMessage.id))
    if ids is not None:
        query = query.where(among(OutboxMessage.id, ids))
    failed: list[int] = []
    for kind, group in groupby(db.session.scalars(query), key=lambda message: message.kind):
        messages = list(group)
        preparer = _preparers.get(kind)
        contents = preparer(messages) if preparer else {}
        for message in messages:
            content = contents.get(message.id, f"no content could be written for a {kind!r} message")
            try:
                if isinstance(content, str):
                    raise OutboxError(content)
                values = _content_columns(content)
            except OutboxError as exc:
                message.status, message.next_attempt_at, message.claimed_at = FAILED, None, None
                message.last_error = f"This message could not be prepared: {exc}"
                failed.append(message.id)
                continue
            for name, value in values.items():
                setattr(message, name, value)
    db.session.flush()
    return failed


def _insert_once(values: dict) -> OutboxMessage | None:
    """INSERT ... ON CONFLICT (dedupe_key) DO NOTHING: the new row, or None if the key exists.

    One statement, so a request racing another with the same key neither fails nor
    needs a savepoint (SQLite's driver would commit the caller's work at its release).
    """
    return db.session.scalars(_insert_statement(db.session.get_bind().dialect.name),
                              [values]).one_or_none()


@cache
def _insert_statement(dialect: str, ids_only: bool = False):
    # Built once; the values travel as parameters, so each call skips SQL compilation.
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    return (insert(OutboxMessage.__table__ if ids_only else OutboxMessage).on_conflict_do_nothing(index_elements=[OutboxMessage.dedupe_key])
            .returning(OutboxMessage.__table__.c.id if ids_only else OutboxMessage))


@cache
def _unnest_insert(columns: tuple[str, ...]):
    """PostgreSQL: INSERT ... SELECT FROM unnest(one array per column), skipping known dedupe keys.
    Built once per set of columns."""
    table = OutboxMessage.__table__
    arrays = [cast(bindparam(f"a_{name}", type_=ARRAY(table.c[name].type)), ARRAY(table.c[name].type))
              for name in columns]
    rows = func.unnest(*arrays).table_valued(*columns).render_derived()
    return (postgresql_insert(table).from_select(list(columns), select(*rows.c))
            .on_conflict_do_nothing(index_elements=[table.c.dedupe_key]).returning(table.c.id))


def retry_now(message: OutboxMessage) -> bool:
    """Make a queued or failed message due at once (flushes); delivery starts after the commit.

    Returns False, changing nothing, for a message that is sent or being sent.
    """
    if not message.can_retry:
        return False
    message.status = QUEUED
    message.next_attempt_at = utcnow()
    db.session.flush()
    _deliver_after_commit(db.session(), [message.id], asked=True)
    return True


def release_all_queued() -> int:
    """Make every queued message due now (flushes); returns how many. Delivery starts after the commit."""
    ids = list(db.session.scalars(select(OutboxMessage.id).where(OutboxMessage.status == QUEUED)))
    if ids:
        db.session.execute(
            OutboxMessage.__table__.update().where(OutboxMessage.id.in_(ids)).values(next_attempt_at=utcnow()))
        _deliver_after_commit(db.session(), ids, asked=True)
    return len(ids)


# --- what capabilities do with their queued messages --------------------------------

def _named(kind: str, dedupe_key: str | None, key_prefix: str | None):
    """The condition for the messages of ``kind`` with this ``dedupe_key``, or with a key
    starting with ``key_prefix`` (all of one reference, e.g. one post): exactly one of them."""
    if (dedupe_key is None) == (key_prefix is None):
        raise TypeError("name the messages by dedupe_key or by key_prefix, one of the two")
    if dedupe_key is not None:
        return (OutboxMessage.kind == kind) & (OutboxMessage.dedupe_key == dedupe_key)
    return (OutboxMessage.kind == kind) & OutboxMessage.dedupe_key.startswith(key_prefix, autoescape=True)


def _untried():
    # Nobody has tried to send these yet: a delivery run that claimed one has made it ``sending``.
    return (OutboxMessage.status == QUEUED) & (OutboxMessage.attempts == 0)


def _change(condition, **values) -> int:
    # One UPDATE whose WHERE is checked as it runs, so a message a delivery run claims
    # meanwhile is left alone; objects of the session see the new values.
    result = db.session.execute(update(OutboxMessage).where(condition).values(**values)
                                .execution_options(synchronize_session="fetch"))
    db.session.flush()
    return result.rowcount


def withdraw(*, kind: str, reason: str, dedupe_key: str | None = None, key_prefix: str | None = None) -> int:
    """Hold back the named messages nobody has tried to send yet: they fail with ``reason``,
    which the outbox shows and :func:`reinstate` recognises. Flushes; returns how many."""
    return _change(_named(kind, dedupe_key, key_prefix) & _untried(),
                   status=FAILED, next_attempt_at=None, last_error=reason)


def hold_until(when: datetime, *, kind: str, dedupe_key: str | None = None, key_prefix: str | None = None) -> int:
    """Make the named messages nobody has tried to send yet due at ``when`` (now, if that has
    passed): e.g. a scheduled post's emails wait for the post. Flushes; returns how many."""
    return _change(_named(kind, dedupe_key, key_prefix) & _untried(), next_attempt_at=max(utcnow(), when))


def reinstate(*, kind: str, reason: str, dedupe_key: str | None = None, key_prefix: str | None = None) -> int:
    """Queue again, due now, the named messages :func:`withdraw` held back with ``reason``
    (others that failed keep failing). Flushes; returns how many. Delivery waits for
    :func:`hold_until`, a commit or the timer, as for a message just queued."""
    return _change(_named(kind, dedupe_key, key_prefix)
                   & (OutboxMessage.status == FAILED) & (OutboxMessage.last_error == reason),
                   status=QUEUED, last_error=None, next_attempt_at=utcnow())


def erase_for_participant(participant_id: int) -> int:
    """Delete the messages about one participant (their address, name and text are in them),
    when that person's data is erased. A message being sent at this very moment is left to
    finish. Flushes; returns how many were deleted."""
    result = db.session.execute(delete(OutboxMessage).where(OutboxMessage.participant_id == participant_id,
                                                            OutboxMessage.status != SENDING))
    db.session.flush()
    return result.rowcount


def record_sent(ids: Iterable[int]) -> int:
    """Record these messages as delivered now, without sending them (a demo's history: nothing
    waits to go out to its addresses). Flushes; returns how many."""
    ids = list(ids)
    if not ids:
        return 0
    return _change(among(OutboxMessage.id, ids), status=SENT, attempts=1, sent_at=utcnow(),
                   next_attempt_at=None, claimed_at=None)


def message_ids(meeting_id: int) -> list[int]:
    """The ids of every message about the meeting, oldest first."""
    return list(db.session.scalars(select(OutboxMessage.id).where(OutboxMessage.meeting_id == meeting_id)
                                   .order_by(OutboxMessage.id)))


def latest_per_participant(meeting_id: int) -> dict[int, OutboxMessage]:
    """The latest message about the meeting for each participant who has one, by participant id."""
    rows = db.session.scalars(select(OutboxMessage).where(OutboxMessage.meeting_id == meeting_id,
                                                          OutboxMessage.participant_id.is_not(None))
                              .order_by(OutboxMessage.created_at, OutboxMessage.id))
    return {message.participant_id: message for message in rows}


def status_counts() -> dict[str, int]:
    """How many messages are in each state (every state present, zero or more)."""
    counts = dict.fromkeys(STATUSES, 0)
    rows = db.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))
    counts.update({status: count for status, count in rows})
    return counts


def next_attempt() -> datetime | None:
    """When the earliest waiting message is due, if any waits."""
    return db.session.scalar(select(func.min(OutboxMessage.next_attempt_at))
                             .where(OutboxMessage.status == QUEUED))


def delivery_mode(app: Flask | None = None) -> str:
    """``celery``, ``thread`` or ``none``: how messages leave after a commit."""
    config = (app or current_app).config
    if config["CELERY_BROKER_URL"]:
        return "celery"
    if config["MAIL_SERVER"]:
        return "thread"
    return "none"


# --- after commit ---------------------------------------------------------------

def _deliver_after_commit(session: Session, ids: Iterable[int], asked: bool = False) -> None:
    session.info.setdefault(_PENDING, set()).update(ids)
    session.info[_PENDING_APP] = current_app._get_current_object()
    # A person asking for delivery (retry, send all) gets it even when the automatic trigger is off.
    session.info[_PENDING_ASKED] = session.info.get(_PENDING_ASKED, False) or asked


def _after_commit(session: Session) -> None:
    ids = session.info.pop(_PENDING, None)
    app = session.info.pop(_PENDING_APP, None)
    asked = session.info.pop(_PENDING_ASKED, False)
    if ids and app is not None and (asked or app.config["MAIL_DELIVER_AFTER_COMMIT"]):
        deliver = app.extensions.get("outbox", {}).get("deliver")
        if deliver is not None:
            deliver(app, sorted(ids))


def _after_rollback(session: Session) -> None:
    # The rows are gone with the transaction; so is the reason to deliver.
    for key in (_PENDING, _PENDING_APP, _PENDING_ASKED):
        session.info.pop(key, None)


def init_outbox(app: Flask, deliver: Callable[[Flask, list[int]], object]) -> None:
    """After each commit that queued mail for ``app``, call ``deliver(app, ids)``
    (:func:`meetings.mail.runner.start_delivery`); listens to the database session (once per process)."""
    for name, listener in (("after_commit", _after_commit), ("after_rollback", _after_rollback)):
        if not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)
    app.extensions.setdefault("outbox", {})["deliver"] = deliver


__all__ = ["queue_email", "queue_later", "prepare", "register_preparer", "Content", "Recipient", "retry_now", "release_all_queued",
           "withdraw", "hold_until", "reinstate", "erase_for_participant", "record_sent", "message_ids",
           "latest_per_participant", "status_counts", "next_attempt",
           "delivery_mode", "init_outbox", "OutboxError", "OutboxMessage",
           "QUEUED", "SENT", "FAILED"]
