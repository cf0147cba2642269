"""Database behaviour that must be the same on SQLite and PostgreSQL."""
from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from sqlalchemy import any_, bindparam, event
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Engine


@event.listens_for(Engine, "connect")
def _sqlite_foreign_keys(dbapi_connection, connection_record) -> None:
    # SQLite ignores ON DELETE rules unless asked per connection; PostgreSQL always applies them.
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def among(column, values: Iterable):
    """``column IN values``, for lists of ids that can be long.

    On PostgreSQL written ``column = ANY(:array)``: one parameter however many
    values, where an IN list of a thousand placeholders costs the driver more to
    prepare than the database to run, and is prepared anew for every length.
    """
    from meetings.extensions import db

    values = list(values)
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    return column.in_(values)
