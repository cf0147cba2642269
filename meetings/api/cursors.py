"""Opaque, signed cursors for keyset pagination: the last item's sort values and the filters
they belong to. A cursor that was changed, or used with other filters, is refused."""
from __future__ import annotations

import hashlib
import json
from typing import Any

from flask import current_app
from itsdangerous import BadData, URLSafeSerializer

SALT = "api-cursor"


class CursorError(ValueError):
    """A cursor that was not made by this app for this list and these filters."""


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def filters_digest(list_name: str, filters: dict[str, Any]) -> str:
    """A short digest of the list and its filters, which a cursor carries."""
    text = json.dumps([list_name, filters], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def make_cursor(digest: str, values: list) -> str:
    """The cursor after an item whose sort values are ``values``."""
    return _serializer().dumps([digest, values])


def read_cursor(cursor: str, digest: str) -> list:
    """The sort values in ``cursor``; CursorError when it is malformed, changed or for other filters."""
    try:
        found = _serializer().loads(cursor)
    except (BadData, UnicodeError, ValueError) as error:
        raise CursorError("malformed cursor") from error
    if not (isinstance(found, list) and len(found) == 2 and found[0] == digest and isinstance(found[1], list)):
        raise CursorError("the cursor belongs to another list or other filters")
    return found[1]
