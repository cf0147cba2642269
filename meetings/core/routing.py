"""URL converters shared by every blueprint."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app
from werkzeug.routing import IntegerConverter

# PostgreSQL's integer column: a larger id in an address would make the query fail.
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """``<int:...>`` everywhere: a positive number a database id column can hold; any other is a 404."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def absolute_url(endpoint: str, **values) -> str:
    """An absolute address under BASE_URL, for emails and calendars; works outside a request too."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "http")
    return adapter.build(endpoint, values, force_external=True)
