"""The calendar's data version: one number that moves with every committed change to what a feed
shows, and the one-lookup check of whether a feed's stored ETag is still current.

Feeds are polled every few hours for years and the client nearly always holds the
current copy, but a feed's validators come from an aggregate over its meetings.
So every commit of the app's session (``db.session``) that wrote to a table a feed
shows raises one counter (``DataVersion``), and each feed's mark (``FeedMark``) keeps
the counter's value its ETag was computed at and the moment time alone changes the
feed. While both hold, the stored ETag is the feed's ETag.

How a write is noticed, all on the app's session (``init_app`` listens once per process):

- ``after_flush``: the unit of work inserted, changed or deleted an object mapped to a
  tracked table (association rows such as a meeting's topics change their meeting);
- ``do_orm_execute``: a statement run through ``session.execute``: an ``insert()``,
  ``update()`` or ``delete()`` of a tracked table, or any textual SQL other than a
  query (it is not parsed: a needless rise costs the next revalidation one aggregate);
- ``before_commit`` flushes what is pending, and if anything was noticed raises the
  counter in the committing transaction, so the rise and the change become visible
  together; the end of the outermost transaction (commit or rollback) forgets the note.

Every part of the app and its commands writes through this session; another
process running the app does too. SQL sent on a bare connection of the engine
(``engine.begin()``) bypasses the session: call :func:`note_change` with a session
in the same transaction, or raise the counter with :func:`bump` on that connection.

A worker answering revalidations of one feed reads its mark once a second, not once per
request (:class:`MarkMemo`): the raise of the counter by this process forgets every kept
mark, so only another process's change can take up to a second to be seen.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from weakref import WeakKeyDictionary
from datetime import datetime

from flask import Flask
from sqlalchemy import bindparam, event, func, inspect, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction
from sqlalchemy.sql.elements import TextClause

from meetings.calendar.models import DataVersion, FeedMark
from meetings.extensions import db

# Everything a public or personal feed shows, and nothing written by merely reading one.
TRACKED_TABLES = frozenset({"meetings", "agenda_items", "topics", "meeting_topics", "venues",
                            "participants", "contacts"})
_CHANGED = "calendar_data_changed"
# The same SQL on SQLite and PostgreSQL; the row lock is held only for the commit itself.
_BUMP = text(f"INSERT INTO {DataVersion.__tablename__} (id, version) VALUES (1, 1) "
             f"ON CONFLICT (id) DO UPDATE SET version = {DataVersion.__tablename__}.version + 1")
_QUERIES = ("SELECT", "WITH", "PRAGMA", "SHOW", "EXPLAIN")


def _tracked_object(obj) -> bool:
    return any(table.name in TRACKED_TABLES for table in inspect(obj).mapper.tables)


def note_change(session: Session) -> None:
    """Raise the data version when ``session``'s transaction commits."""
    session.info[_CHANGED] = True


def _after_flush(session: Session, flush_context) -> None:
    if session.info.get(_CHANGED):
        return
    if any(_tracked_object(obj) for obj in (*session.new, *session.deleted)) or any(
            _tracked_object(obj) and session.is_modified(obj) for obj in session.dirty):
        note_change(session)


def writes_tracked(statement) -> bool:
    """Whether a statement run through the session may write to a table a feed shows."""
    if isinstance(statement, TextClause):
        words = statement.text.split(None, 1)
        return bool(words) and words[0].upper() not in _QUERIES
    if not getattr(statement, "is_dml", False):
        return False
    table = getattr(statement, "table", None)
    return getattr(table, "name", None) in TRACKED_TABLES


def _do_orm_execute(state: ORMExecuteState) -> None:
    if not state.is_select and writes_tracked(state.statement):
        note_change(state.session)


def bump(connection: Connection) -> None:
    """Raise the data version in ``connection``'s transaction; the marks this process
    keeps (:data:`mark_memo`) are forgotten now and again when that transaction commits."""
    connection.execute(_BUMP)
    mark_memo.clear()
    event.listen(connection, "commit", mark_memo.clear, once=True)


def _before_commit(session: Session) -> None:
    # Commit flushes after this hook runs: flush now, so the flush's writes are noticed.
    session.flush()
    if session.info.pop(_CHANGED, False):
        # On the session's connection, not through session.execute: no ORM event for the bump itself.
        bump(session.connection())


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_CHANGED, None)


_LISTENERS = (("after_flush", _after_flush), ("do_orm_execute", _do_orm_execute),
              ("before_commit", _before_commit), ("after_transaction_end", _after_transaction_end))


def init_app(app: Flask) -> None:
    """Listen to the app's database session for writes to what feeds show (once per process)."""
    for name, listener in _LISTENERS:
        if not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)


def current_version():
    """The data version as a column (0 before the first change), to read in the same
    statement, and so the same snapshot, as what it guards."""
    return func.coalesce(select(DataVersion.version).where(DataVersion.id == 1).scalar_subquery(), 0)


def version_token(version: int, settings: str) -> str:
    """What a mark stores in ``version``: the data version and the settings digest."""
    return f"{version}|{settings}"


@dataclass(frozen=True)
class Mark:
    """A feed's stored validators."""

    etag: str
    last_modified: datetime


# Built once: a primary-key lookup of the mark, with the data version beside it.
_MARK_QUERY = select(FeedMark.etag, FeedMark.last_modified, FeedMark.version, FeedMark.stale_at,
                     current_version()).where(FeedMark.key == bindparam("key"))


class MarkMemo:
    """The marks this process read lately, each kept ``LIFETIME`` seconds, so a worker
    answering many revalidations of the same feed looks its mark up once a second.

    Forgotten at once when this process commits a change to what feeds show (the
    data version's rise, :func:`bump`), so a process never answers from a mark its own
    writes made old. A change committed by another process is seen within ``LIFETIME``:
    a copy revalidated in that second is kept, as a copy fetched a second before the
    change would be; both are far inside the hour feeds may be kept for (``max-age``).
    Only a mark that was current when read is kept, and it is checked again each time
    (its ``stale_at`` against the request's clock)."""

    LIFETIME = 1.0
    SIZE = 4096

    def __init__(self, clock=time.monotonic):
        self.clock = clock
        # Per engine (an app's database), held weakly: an app gone takes its marks along.
        self._rows: WeakKeyDictionary[Engine, dict[str, tuple[float, tuple]]] = WeakKeyDictionary()

    def get(self, engine: Engine, key: str) -> tuple | None:
        kept = self._rows.get(engine, {}).get(key)
        if kept is None or self.clock() - kept[0] >= self.LIFETIME:
            return None
        return kept[1]

    def put(self, engine: Engine, key: str, row: tuple) -> None:
        rows = self._rows.setdefault(engine, {})
        if len(rows) >= self.SIZE:
            rows.clear()
        rows[key] = (self.clock(), row)

    def drop(self, engine: Engine, key: str) -> None:
        self._rows.get(engine, {}).pop(key, None)

    def clear(self, *_ignored) -> None:
        self._rows.clear()


mark_memo = MarkMemo()


def _current(row: tuple, settings: str, now: datetime) -> bool:
    _etag, _last_modified, stored, stale_at, version = row
    return stored == version_token(version, settings) and (stale_at is None or now < stale_at)


def current_mark(key: str, *, settings: str, now: datetime) -> Mark | None:
    """The stored validators of the feed ``key`` if they are still the feed's, else None.
    Read from :data:`mark_memo` when this process read it within the last second, else one
    primary-key lookup: a Core statement (no ORM objects to make) on a connection of
    the app's pool in autocommit mode, so the driver sends the query alone, without the
    BEGIN before it and the ROLLBACK when the request ends (one round trip instead of
    three on PostgreSQL). The session is not touched, so a request answered 304 from
    here never holds a transaction."""
    engine = db.engine
    row = mark_memo.get(engine, key)
    if row is None:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            row = connection.execute(_MARK_QUERY, {"key": key}).first()
        if row is None:
            return None
        row = tuple(row)
        if _current(row, settings, now):
            mark_memo.put(engine, key, row)
    if not _current(row, settings, now):
        mark_memo.drop(engine, key)
        return None
    etag, last_modified = row[0], row[1]
    return Mark(etag=etag, last_modified=last_modified)
