"""Database behaviour that must be the same on SQLite and PostgreSQL."""
from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from flask import Flask
from sqlalchemy import any_, bindparam, event
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Engine

from meetings.extensions import db


def init_database(app: Flask) -> None:
    """Set SQLite's per-connection pragmas on the app's own engines (every bind), and
    on no other engine in the process: each new connection gets them as it opens."""
    with app.app_context():
        for engine in db.engines.values():
            if engine.dialect.name == "sqlite":
                event.listen(engine, "connect", partial(_sqlite_pragmas, in_memory=_in_memory(engine)))


def _in_memory(engine: Engine) -> bool:
    url = engine.url
    return url.database in (None, "", ":memory:") or url.query.get("mode") == "memory"


def _sqlite_pragmas(dbapi_connection, connection_record, *, in_memory: bool) -> None:
    cursor = dbapi_connection.cursor()
    # SQLite ignores ON DELETE rules unless asked per connection; PostgreSQL always applies them.
    cursor.execute("PRAGMA foreign_keys=ON")
    if not in_memory:
        # Readers no longer wait for a writer, nor the writer for readers; with WAL, NORMAL
        # syncs at checkpoints only, and a power cut can lose the last commits but never
        # corrupt the file. (A database in memory has no log to write ahead.)
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def among(column, values: Iterable):
    """``column IN values``, for lists of ids that can be long.

    On PostgreSQL written ``column = ANY(:array)``: one parameter however many
    values, where an IN list of a thousand placeholders costs the driver more to
    prepare than the database to run, and is prepared anew for every length.
    """
    values = list(values)
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    return column.in_(values)
