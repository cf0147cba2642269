"""Names that must be unique ignoring case, the same way on SQLite and PostgreSQL.

SQLite's ``lower()`` knows only ASCII (``Ökologie`` and ``ökologie`` differ there) while
PostgreSQL's follows the locale, so neither database compares names. Python folds each
name into a key once, stored beside the name in a unique column: both databases then
enforce the same rule, and a lookup is one indexed equality.
"""
from __future__ import annotations

import unicodedata

from sqlalchemy import select
from sqlalchemy.orm import validates

from meetings.extensions import db

# Case folding can make a name up to three times longer ("ß" -> "ss", "ΐ" -> 3 characters);
# 600 characters of at most 4 bytes stay within PostgreSQL's limit for one index entry.
NAME_KEY_LENGTH = 600


def name_key(name: str) -> str:
    """The form two names are compared in: surrounding space dropped, Unicode case
    folding, composed characters (``O`` + combining diaeresis is ``Ö``)."""
    folded = unicodedata.normalize("NFC", unicodedata.normalize("NFC", name.strip()).casefold())
    return folded[:NAME_KEY_LENGTH]


class UniqueName:
    """Mixin for a model whose ``name`` is unique ignoring case: it keeps ``name_key``
    (a unique column each model declares) in step with ``name``."""

    @validates("name")
    def _keep_name_key(self, _attribute, value):
        self.name_key = None if value is None else name_key(value)
        return value


def find_by_name(model, name: str | None, exclude_id: int | None = None):
    """The row of ``model`` (a UniqueName model) whose name equals ``name`` ignoring case,
    other than the one with ``exclude_id``; None when there is none."""
    if not name or not name.strip():
        return None
    query = select(model).where(model.name_key == name_key(name))
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    return db.session.scalars(query.limit(1)).first()
