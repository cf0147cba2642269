"""The calendar's data version: one number that moves with every committed change to what a feed
shows, and the one-lookup check of whether a feed's stored ETag is still current.

Feeds are polled every few hours for years and the client nearly always holds the
current copy, but a feed's validators come from an aggregate over its meetings.
So every commit that wrote to a table a feed shows raises one counter
(``DataVersion``), whatever wrote it (the ORM's unit of work, a bulk ``update()``,
raw SQL through a session or a connection, another process), and each feed's mark
(``FeedMark``) keeps the counter's value its ETag was computed at and the moment
time alone changes the feed. While both hold, the stored ETag is the feed's ETag.
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, event, func, select
from sqlalchemy.engine import Connection, Engine

from meetings.calendar.models import DataVersion, FeedMark

# Everything a public or personal feed shows, and nothing written by merely reading one.
TRACKED_TABLES = frozenset({"meetings", "agenda_items", "topics", "meeting_topics", "venues",
                            "participants", "contacts"})
_TARGET = re.compile(r'\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)', re.IGNORECASE)
_CHANGED = "calendar_data_changed"
# Written straight to the driver inside the committing transaction: the same SQL on
# SQLite and PostgreSQL, and the row lock is held only for the commit itself.
_BUMP = (f"INSERT INTO {DataVersion.__tablename__} (id, version) VALUES (1, 1) "
         f"ON CONFLICT (id) DO UPDATE SET version = {DataVersion.__tablename__}.version + 1")


def writes_tracked(statement: str) -> bool:
    """Whether the SQL ``statement`` inserts, updates or deletes rows of a table a feed shows."""
    match = _TARGET.match(statement)
    return match is not None and match.group(1).lower() in TRACKED_TABLES


@event.listens_for(Engine, "before_cursor_execute")
def _note_write(conn: Connection, cursor, statement: str, parameters, context, executemany) -> None:
    if writes_tracked(statement):
        conn.info[_CHANGED] = True


@event.listens_for(Engine, "commit")
def _bump_on_commit(conn: Connection) -> None:
    if conn.info.pop(_CHANGED, False):
        cursor = conn.connection.dbapi_connection.cursor()
        try:
            cursor.execute(_BUMP)
        finally:
            cursor.close()


@event.listens_for(Engine, "rollback")
def _forget_on_rollback(conn: Connection) -> None:
    conn.info.pop(_CHANGED, None)


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


class MarkReader:
    """Reads feed marks for the 304 answer before the application runs.

    Each thread keeps a driver connection of its own, outside the pool and in
    autocommit, and sends the statement compiled once: checking a connection out
    of the pool and running SQLAlchemy's execution path for one primary-key lookup
    would cost ten times the lookup. The connections close when the engine is
    disposed. An in-memory SQLite database is only reachable through the pool,
    so it is read through the pool.
    """

    def __init__(self, engine: Engine):
        dialect = engine.dialect
        self.engine = engine
        compiled = _MARK_QUERY.compile(dialect=dialect)
        self.sql = compiled.string
        self.parameters = compiled.construct_params({"key": ""})
        self.order = compiled.positiontup if dialect.positional else None
        self.processors = [column.type.dialect_impl(dialect).result_processor(dialect, None)
                           for column in _MARK_QUERY.selected_columns]
        self.pooled = engine.url.get_backend_name() == "sqlite" and engine.url.database in (None, "", ":memory:")
        self.local = threading.local()
        self.opened: list = []
        self.lock = threading.Lock()
        event.listen(engine, "engine_disposed", lambda _engine: self.close())

    def _connection(self):
        connection = getattr(self.local, "connection", None)
        if connection is None:
            dialect = self.engine.dialect
            args, kwargs = dialect.create_connect_args(self.engine.url)
            connection = dialect.connect(*args, **kwargs)
            if hasattr(connection, "autocommit"):
                connection.autocommit = True  # psycopg: no transaction left open between lookups
            with self.lock:
                self.opened.append(connection)
            self.local.connection = connection
        return connection

    def read(self, key: str) -> tuple | None:
        """The mark's row (etag, last_modified, version, stale_at, data version), or None."""
        parameters = dict(self.parameters, key=key)
        arguments = tuple(parameters[name] for name in self.order) if self.order is not None else parameters
        if self.pooled:
            with self.engine.connect() as conn:
                row = conn.exec_driver_sql(self.sql, arguments).first()
        else:
            connection = self._connection()
            try:
                cursor = connection.cursor()
                try:
                    cursor.execute(self.sql, arguments)
                    row = cursor.fetchone()
                finally:
                    cursor.close()
            except Exception:
                self._forget(connection)
                raise
        if row is None:
            return None
        return tuple(value if process is None else process(value) for process, value in zip(self.processors, row))

    def _forget(self, connection) -> None:
        self.local.connection = None
        with self.lock:
            if connection in self.opened:
                self.opened.remove(connection)
        try:
            connection.close()
        except Exception:  # noqa: BLE001 - a broken connection may not close cleanly
            pass

    def close(self) -> None:
        """Close every thread's connection (the engine was disposed)."""
        with self.lock:
            opened, self.opened = self.opened, []
        for connection in opened:
            try:
                connection.close()
            except Exception:  # noqa: BLE001
                pass
        self.local = threading.local()


def current_mark(reader: MarkReader, key: str, *, settings: str, now: datetime) -> Mark | None:
    """The stored validators of the feed ``key`` if they are still the feed's, else None.
    One statement, on a connection of its own (no ORM session)."""
    row = reader.read(key)
    if row is None:
        return None
    etag, last_modified, stored, stale_at, version = row
    if stored != version_token(version, settings) or (stale_at is not None and now >= stale_at):
        return None
    return Mark(etag=etag, last_modified=last_modified)
